"""The staff dashboard: accounts, sign-in, request review, audit trail, exports.

``setup(app)`` adds the /staff routes, the dashboard's template environment (its own app key,
so it cannot clash with other parts' templates), the guard middleware and the setup-link
context. Other parts add pages with ``add_page``; the guard protects every path under /staff,
so such pages are signed-in only (and admin-only under /staff/admin) without further ado.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp import web

from bot.staff import auth, setup_link, views_admin, views_requests
from bot.staff.guard import guard
from bot.staff.keys import (
    ADMIN_PAGES_KEY,
    CONFIG_KEY,
    DUMMY_HASH_KEY,
    HASHER_KEY,
    NAV_KEY,
    NavItem,
    StaffConfig,
)
from bot.staff.pages import STATIC_DIR, make_environment
from bot.staff.passwords import dummy_hash, make_hasher
from bot.staff.throttle import ThrottlePolicy
from bot.web.keys import SETTINGS_KEY

__all__ = ["add_page", "setup"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def setup(app: web.Application) -> None:
    """Add the dashboard under /staff; print the first-admin setup link at startup if needed.

    Call it after the database context is in ``app.cleanup_ctx`` (the link needs the engine).
    """
    settings = app[SETTINGS_KEY]
    hasher = make_hasher()
    app[HASHER_KEY] = hasher
    # Verified against for unknown accounts and lockouts, so those take as long as a real check.
    app[DUMMY_HASH_KEY] = dummy_hash(hasher)
    app[CONFIG_KEY] = StaffConfig(
        secure_cookies=not settings.dev_mode,
        idle_minutes=settings.session_idle_minutes,
        throttle=ThrottlePolicy(
            max_failures=settings.login_max_failures,
            lockout=timedelta(minutes=settings.login_lockout_minutes),
        ),
        base_url=settings.base_url,
    )
    app[NAV_KEY] = [
        NavItem("staff.requests", "Requests", admin=False),
        NavItem("staff.admin", "Admin", admin=True),
    ]
    app[ADMIN_PAGES_KEY] = [
        NavItem("staff.admin_accounts", "Staff accounts", True, "Add, disable and reset accounts."),
        NavItem(
            "staff.admin_audit", "Audit trail", True, "Who signed in, viewed, changed or exported."
        ),
        NavItem(
            "staff.admin_settings", "Settings", True, "How this server is configured (read-only)."
        ),
    ]
    make_environment(app)
    app.middlewares.append(guard)
    _routes(app.router)
    app.cleanup_ctx.append(setup_link.setup_link_context)


def _routes(r: web.UrlDispatcher) -> None:
    r.add_static("/staff/static/", STATIC_DIR, name="staff.static", append_version=True)
    r.add_get("/staff", views_requests.home, name="staff.root")
    r.add_get("/staff/", views_requests.home, name="staff.home")
    r.add_get("/staff/login", auth.login_form, name="staff.login")
    r.add_post("/staff/login", auth.login_submit, name="staff.login_submit")
    r.add_post("/staff/logout", auth.logout, name="staff.logout")
    r.add_get("/staff/setup/{token}", setup_link.setup_form, name="staff.setup")
    r.add_post("/staff/setup/{token}", setup_link.setup_submit, name="staff.setup_submit")
    r.add_get("/staff/account/password", auth.password_form, name="staff.password")
    r.add_post("/staff/account/password", auth.password_submit, name="staff.password_submit")
    r.add_get("/staff/requests", views_requests.request_list, name="staff.requests")
    r.add_get(
        "/staff/requests/export.csv", views_requests.request_export, name="staff.requests_export"
    )
    r.add_get(
        r"/staff/requests/{id:\d+}", views_requests.request_detail, name="staff.request_detail"
    )
    r.add_post(
        r"/staff/requests/{id:\d+}/status",
        views_requests.request_status,
        name="staff.request_status",
    )
    r.add_post(
        r"/staff/requests/{id:\d+}/notes", views_requests.request_note, name="staff.request_note"
    )
    r.add_get("/staff/admin", views_admin.admin_index, name="staff.admin")
    r.add_get("/staff/admin/accounts", views_admin.accounts_list, name="staff.admin_accounts")
    r.add_post("/staff/admin/accounts", views_admin.account_add, name="staff.admin_account_add")
    for action, handler in (
        ("disable", views_admin.account_disable),
        ("enable", views_admin.account_enable),
        ("reset-password", views_admin.account_reset),
    ):
        r.add_post(
            rf"/staff/admin/accounts/{{id:\d+}}/{action}",
            handler,
            name=f"staff.admin_account_{action.split('-')[0]}",
        )
    r.add_get("/staff/admin/audit", views_admin.audit_page, name="staff.admin_audit")
    r.add_get("/staff/admin/settings", views_admin.settings_page, name="staff.admin_settings")


def add_page(
    app: web.Application,
    *,
    path: str,
    handler: Handler,
    name: str,
    title: str,
    description: str = "",
    admin: bool = True,
    method: str = "GET",
    nav: bool = True,
) -> None:
    """Add a dashboard page; call it after ``setup`` and before the app starts.

    ``path`` is the full path (admin pages under /staff/admin/, others under /staff/) and
    ``name`` the route name ("staff.admin_*" for admin pages, "staff.*" for others). With
    ``nav``, a GET page is listed in the navigation: admin pages in the Admin section and on
    its overview, others in the top bar. Handlers can render ``panel.html`` through
    ``bot.staff.pages.render`` (title, intro, facts, items) or a template of their own.
    """
    if admin and not (path.startswith("/staff/admin/") and name.startswith("staff.admin_")):
        raise ValueError(
            "admin pages need a path under /staff/admin/ and a name starting 'staff.admin_'"
        )
    if not admin and not (path.startswith("/staff/") and name.startswith("staff.")):
        raise ValueError("dashboard pages need a path under /staff/ and a name starting 'staff.'")
    app.router.add_route(method, path, handler, name=name)
    if nav and method == "GET":
        app[ADMIN_PAGES_KEY if admin else NAV_KEY].append(NavItem(name, title, admin, description))
