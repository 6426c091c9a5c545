"""The dashboard's gatekeeper: one app middleware in front of every path under /staff.

Secure by default, by path rather than by route: whatever anyone registers under /staff is
reachable without signing in only if its route name is in ``PUBLIC_ROUTES``; everything under
/staff/admin needs the admin role; every POST must carry the CSRF token of its session (or,
before login, of the pre-session cookie). Responses get headers that keep personal data out
of caches and forbid framing and inline scripts. Other paths pass straight through.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from aiohttp import web

from bot.staff import audit
from bot.staff.keys import CONFIG_KEY, PRINCIPAL_KEY
from bot.staff.pages import PRE_SESSION_CSRF_COOKIE, client_ip, render
from bot.staff.sessions import COOKIE_NAME, clear_cookie, resume
from bot.web.keys import DB_KEY

PUBLIC_ROUTES = frozenset(
    {"staff.login", "staff.login_submit", "staff.setup", "staff.setup_submit", "staff.static"}
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STAFF_PREFIX = "/staff"
ADMIN_PREFIX = "/staff/admin"

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _harden(response: web.StreamResponse, *, static: bool) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    if not static:
        # Pages show personal data: never store them in a browser or proxy cache.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"


def _login_redirect(request: web.Request, *, expired: bool) -> web.HTTPFound:
    login = request.app.router["staff.login"].url_for()
    query = {"next": request.path_qs} if request.method == "GET" else {}
    if expired:
        query["expired"] = "1"
    return web.HTTPFound(login.with_query(query))


async def _csrf_ok(request: web.Request, expected: str | None) -> bool:
    if not expected:
        return False
    form = await request.post()
    given = form.get("csrf_token")
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


def is_staff_path(path: str) -> bool:
    return path == STAFF_PREFIX or path.startswith(STAFF_PREFIX + "/")


def is_admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_staff_path(request.path):
        return await handler(request)
    route = request.match_info.route
    name = route.name or ""
    static = name == "staff.static"
    try:
        response = await _guarded(request, handler, name=name, static=static)
    except web.HTTPException as exc:
        _harden(exc, static=static)
        raise
    _harden(response, static=static)
    return response


async def _guarded(
    request: web.Request, handler: Handler, *, name: str, static: bool
) -> web.StreamResponse:
    if static:
        return await handler(request)
    config = request.app[CONFIG_KEY]
    token = request.cookies.get(COOKIE_NAME)
    current = expired = None
    if token:
        async with request.config_dict[DB_KEY].begin() as conn:
            current, expired = await resume(
                conn, token, idle=timedelta(minutes=config.idle_minutes), now=datetime.now(UTC)
            )
            if expired is not None:
                await audit.record(
                    conn,
                    actor=expired.email,
                    actor_id=expired.id,
                    action=audit.SESSION_EXPIRED,
                    ip=client_ip(request),
                )
        if current is not None:
            request[PRINCIPAL_KEY] = current

    if current is None and name not in PUBLIC_ROUTES:
        if request.method not in SAFE_METHODS:
            raise web.HTTPForbidden(text="Sign in first.")
        redirect = _login_redirect(request, expired=expired is not None)
        if token:
            clear_cookie(redirect, secure=config.secure_cookies)
        raise redirect

    if current is not None and is_admin_path(request.path) and not current.account.is_admin:
        return render(request, "forbidden.html", status=403)

    if request.method not in SAFE_METHODS:
        expected = (
            current.session.csrf_token
            if current is not None
            else request.cookies.get(PRE_SESSION_CSRF_COOKIE)
        )
        try:
            if not await _csrf_ok(request, expected):
                return render(request, "csrf_failed.html", status=403)
        except web.HTTPRequestEntityTooLarge:
            return render(request, "too_large.html", status=413)
    return await handler(request)
