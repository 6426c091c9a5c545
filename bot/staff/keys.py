"""Typed keys for what the staff dashboard hangs on its application and its requests."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from argon2 import PasswordHasher
from jinja2 import Environment

from bot.staff.sessions import Principal
from bot.staff.throttle import ThrottlePolicy


@dataclass(frozen=True)
class NavItem:
    """One entry of the dashboard's navigation; ``admin`` entries show to admins only."""

    route: str  # the route name, e.g. "staff.admin_audit"
    title: str
    admin: bool
    description: str = ""

    @property
    def slug(self) -> str:
        """The route name without the "staff." prefix: stable element ids for tests."""
        return self.route.removeprefix("staff.").replace(".", "-")


@dataclass(frozen=True)
class StaffConfig:
    """What the dashboard derives from the settings once, at setup."""

    secure_cookies: bool
    idle_minutes: int
    throttle: ThrottlePolicy
    base_url: str


# On the application (all named staff_* so they cannot collide with other parts' keys).
ENV_KEY = web.AppKey("staff_jinja_env", Environment)
HASHER_KEY = web.AppKey("staff_hasher", PasswordHasher)
DUMMY_HASH_KEY = web.AppKey("staff_dummy_hash", str)
NAV_KEY = web.AppKey("staff_nav", list[NavItem])  # the top navigation
ADMIN_PAGES_KEY = web.AppKey("staff_admin_pages", list[NavItem])  # the Admin section's pages
CONFIG_KEY = web.AppKey("staff_config", StaffConfig)

# On each dashboard request: the signed-in staff member (absent for anonymous requests).
PRINCIPAL_KEY = web.RequestKey("staff_principal", Principal)
