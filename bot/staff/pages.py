"""Rendering dashboard pages: the Jinja2 environment, the context every page gets, helpers.

Autoescaping is on for every template, so visitor text is always shown as text. Times are
rendered in UTC inside ``<time>`` elements; the small staff.js shows them in local time.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
import jinja2
import phonenumbers
from aiohttp import web

from bot.staff.keys import ADMIN_PAGES_KEY, CONFIG_KEY, ENV_KEY, NAV_KEY, PRINCIPAL_KEY, NavItem
from bot.staff.sessions import COOKIE_PATH, Principal
from bot.web.keys import RUNTIME_KEY

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
PRE_SESSION_CSRF_COOKIE = "iop_staff_csrf"
_PHONE = re.compile(r"\+?[\d\s().\-]{3,32}")
_EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")

STATUS_LABELS = {
    "new": "New",
    "contacted": "Contacted",
    "scheduled": "Scheduled",
    "closed": "Closed",
    "not_a_fit": "Not a fit",
}
FOR_WHOM_LABELS = {"self": "Themselves", "loved_one": "A loved one"}
CONTACT_METHOD_LABELS = {"call": "Phone call", "text": "Text message", "email": "Email"}
CONTACT_TIME_LABELS = {
    "morning": "Morning",
    "afternoon": "Afternoon",
    "evening": "Evening",
    "any": "Any time",
}
CRISIS_LABELS = {
    "crisis_self_harm": "Crisis: self-harm language",
    "medical_emergency": "Crisis: medical emergency",
}
ROLE_LABELS = {"visitor": "Visitor", "bot": "Bot"}


def _label(table: dict[str, str]) -> Any:
    def lookup(value: str | None) -> str:
        if value is None or value == "":
            return "—"
        return table.get(value, value)

    return lookup


def iso(value: datetime | None) -> str:
    return "" if value is None else value.isoformat(timespec="seconds")


def display_time(value: datetime | None, precision: str = "minutes") -> str:
    if value is None:
        return "—"
    return value.strftime(
        "%Y-%m-%d %H:%M:%S UTC" if precision == "seconds" else "%Y-%m-%d %H:%M UTC"
    )


def display_phone(value: str | None) -> str:
    """An E.164 number in international format ("+1 207-555-0142"); other text as it is."""
    if not value:
        return "—"
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_possible_number(number):
        return value
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


def yes_no(value: bool | None) -> str:
    return "—" if value is None else ("Yes" if value else "No")


def tel_href(phone: str | None) -> str:
    """A ``tel:`` URL of digits and a leading plus, or "" when the text is not a phone number."""
    if not phone or not _PHONE.fullmatch(phone.strip()):
        return ""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"tel:{'+' if phone.strip().startswith('+') else ''}{digits}"


def mailto_href(email: str | None) -> str:
    """A percent-encoded ``mailto:`` URL, or "" when the text is not a plain email address."""
    if not email or not _EMAIL.fullmatch(email.strip()):
        return ""
    return "mailto:" + quote(email.strip(), safe="@.+-_")


def make_environment(app: web.Application) -> jinja2.Environment:
    env = aiohttp_jinja2.setup(
        app,
        app_key=ENV_KEY,
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        iso=iso,
        display_time=display_time,
        phone=display_phone,
        yes_no=yes_no,
        tel_href=tel_href,
        mailto_href=mailto_href,
        status_label=_label(STATUS_LABELS),
        for_whom_label=_label(FOR_WHOM_LABELS),
        contact_method_label=_label(CONTACT_METHOD_LABELS),
        contact_time_label=_label(CONTACT_TIME_LABELS),
        crisis_label=_label(CRISIS_LABELS),
        role_label=_label(ROLE_LABELS),
    )
    env.globals["page_query"] = page_query
    return env


def page_query(params: dict[str, str], page: int) -> dict[str, str]:
    """The query string of another page of the same filtered list."""
    return {**params, "page": str(page)}


def _section(route: str) -> str:
    """The top navigation entry a route belongs to."""
    if route.startswith("staff.admin"):
        return "staff.admin"
    if route.startswith("staff.request"):
        return "staff.requests"
    return route


def _center_name(request: web.Request) -> str:
    holder = request.config_dict.get(RUNTIME_KEY)
    if holder is None:
        return "Clinic"
    center = holder.current.pack.center
    return center.short_name or center.name


def principal(request: web.Request) -> Principal:
    """The signed-in staff member; the guard guarantees one on every non-public route."""
    return request[PRINCIPAL_KEY]


def client_ip(request: web.Request) -> str:
    return request.remote or "unknown"


def safe_next(target: str | None) -> str | None:
    """A local dashboard path to return to after login, or None (no open redirects)."""
    if (
        target
        and target.startswith("/staff/")
        and not target.startswith("//")
        and "\\" not in target
    ):
        return target
    return None


def _visible(items: list[NavItem], current: Principal | None) -> list[NavItem]:
    if current is None:
        return []
    return [item for item in items if current.account.is_admin or not item.admin]


def render(
    request: web.Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> web.Response:
    """Render a page with the shared context: who is signed in, the CSRF token, the nav."""
    current = request.get(PRINCIPAL_KEY)
    pre_token: str | None = None
    if current is not None:
        csrf = current.session.csrf_token
    else:
        csrf = request.cookies.get(PRE_SESSION_CSRF_COOKIE) or ""
        if len(csrf) < 32:
            csrf = pre_token = secrets.token_urlsafe(32)
    route = request.match_info.route.name
    full = {
        "principal": current,
        "csrf_token": csrf,
        "nav": _visible(request.app[NAV_KEY], current),
        "admin_pages": _visible(request.app[ADMIN_PAGES_KEY], current),
        "current_route": route or "",
        "current_section": _section(route or ""),
        "center_name": _center_name(request),
        **(context or {}),
    }
    response = aiohttp_jinja2.render_template(
        template, request, full, status=status, app_key=ENV_KEY
    )
    if pre_token is not None:
        response.set_cookie(
            PRE_SESSION_CSRF_COOKIE,
            pre_token,
            path=COOKIE_PATH,
            httponly=True,
            samesite="Strict",
            secure=request.app[CONFIG_KEY].secure_cookies,
        )
    return response
