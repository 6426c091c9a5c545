"""Access control over every /staff route, found by enumerating the app's router: a route added
later is covered without anyone remembering to add it here."""

from __future__ import annotations

import re

from aiohttp import web

from bot.staff.guard import PUBLIC_ROUTES

from .conftest import (
    ADMIN_EMAIL,
    PASSWORD,
    STAFF_EMAIL,
    Client,
    MakeClient,
    add_account,
    csrf_of,
    login,
    page_csrf,
    sql,
)

# Written out on purpose: making a route public must be a deliberate change to this test too.
EXPECTED_PUBLIC = {
    "staff.login",
    "staff.login_submit",
    "staff.setup",
    "staff.setup_submit",
    "staff.static",
}


def staff_routes(app: web.Application) -> list[tuple[str, str, str]]:
    """(method, concrete path, route name) for every /staff route of the whole app."""
    found = []
    for route in app.router.routes():
        if route.resource is None or route.method == "HEAD":
            continue
        canonical = route.resource.canonical
        if not canonical.startswith("/staff"):
            continue
        path = re.sub(r"\{[^}]+\}", "1", canonical)  # {id}, {token}
        if route.name == "staff.static":
            path = canonical.rstrip("/") + "/staff.css"
        found.append((route.method, path, route.name or ""))
    return found


def test_public_routes_are_exactly_the_expected_ones() -> None:
    assert set(PUBLIC_ROUTES) == EXPECTED_PUBLIC


async def test_every_protected_route_rejects_anonymous_requests(client: Client) -> None:
    routes = staff_routes(client.server.app)
    assert len(routes) >= 20  # the enumeration really sees the dashboard
    checked = 0
    for method, path, name in routes:
        if name in EXPECTED_PUBLIC:
            continue
        resp = await client.request(method, path, allow_redirects=False, data={"x": "1"})
        if method == "GET":
            assert resp.status == 302, (method, path, resp.status)
            assert resp.headers["Location"].startswith("/staff/login"), (path, resp.headers)
        else:
            assert resp.status in (401, 403), (method, path, resp.status)
        checked += 1
    assert checked >= 15


async def test_unknown_staff_paths_do_not_reveal_anything_to_anonymous(client: Client) -> None:
    resp = await client.get("/staff/no-such-page", allow_redirects=False)
    assert resp.status in (302, 404)
    if resp.status == 302:
        assert resp.headers["Location"].startswith("/staff/login")


async def test_login_redirect_keeps_where_the_user_was_going(client: Client) -> None:
    resp = await client.get("/staff/requests?status=new", allow_redirects=False)
    assert resp.status == 302
    assert "next=/staff/requests?status%3Dnew" in resp.headers["Location"]


async def test_login_returns_to_the_page_asked_for_but_never_off_site(client: Client) -> None:
    await add_account(client, ADMIN_EMAIL, "admin")
    page = await client.get("/staff/login?next=/staff/admin/audit")
    html = await page.text()
    assert 'name="next" value="/staff/admin/audit"' in html
    token = csrf_of(html)
    ok = await client.post(
        "/staff/login",
        data={
            "email": ADMIN_EMAIL,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/staff/admin/audit",
        },
        allow_redirects=False,
    )
    assert ok.headers["Location"] == "/staff/admin/audit"
    evil = await client.get("/staff/login?next=//evil.example/x")
    assert "evil.example" not in await evil.text()


async def test_staff_role_cannot_reach_any_admin_route(staff: Client) -> None:
    admin_routes = [r for r in staff_routes(staff.server.app) if r[1].startswith("/staff/admin")]
    assert len(admin_routes) >= 7
    token = await page_csrf(staff)
    for method, path, _name in admin_routes:
        resp = await staff.request(
            method,
            path,
            allow_redirects=False,
            data={"csrf_token": token, "email": "x@example.org", "role": "admin"},
        )
        assert resp.status == 403, (method, path, resp.status)
    # ... while the staff pages themselves work.
    assert (await staff.get("/staff/requests")).status == 200
    # Nothing was changed by the refused posts.
    assert sql(staff, "SELECT count(*) FROM staff_accounts") == [(2,)]


async def test_admin_reaches_admin_pages_and_sees_the_admin_nav(admin: Client) -> None:
    for path in (
        "/staff/admin",
        "/staff/admin/accounts",
        "/staff/admin/audit",
        "/staff/admin/settings",
    ):
        resp = await admin.get(path)
        assert resp.status == 200, path
        assert 'id="nav-admin"' in await resp.text()


async def test_staff_nav_has_no_admin_entry(staff: Client) -> None:
    html = await (await staff.get("/staff/requests")).text()
    assert 'id="nav-requests"' in html
    assert 'id="nav-admin"' not in html


async def test_pages_are_not_cached_and_cannot_be_framed(admin: Client) -> None:
    for path in ("/staff/requests", "/staff/login", "/staff/admin/settings"):
        resp = await admin.get(path)
        assert resp.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in resp.headers["Content-Security-Policy"]
        assert resp.headers["X-Frame-Options"] == "DENY"


async def test_static_files_are_served_without_signing_in(client: Client) -> None:
    for name in ("staff.css", "staff.js"):
        resp = await client.get(f"/staff/static/{name}")
        assert resp.status == 200, name


async def test_pages_have_no_inline_scripts_or_styles(admin: Client) -> None:
    for path in ("/staff/requests", "/staff/admin/accounts", "/staff/account/password"):
        html = await (await admin.get(path)).text()
        assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
        assert " style=" not in html and "<style" not in html
        assert " onclick=" not in html.lower()


async def test_disabled_account_loses_its_session_at_once(make_client: MakeClient) -> None:
    client = await make_client()
    await add_account(client, ADMIN_EMAIL, "admin")
    await add_account(client, STAFF_EMAIL, "staff")
    assert (await login(client, STAFF_EMAIL)).status == 303
    assert (await client.get("/staff/requests", allow_redirects=False)).status == 200
    sql(client, "UPDATE staff_accounts SET active = 0 WHERE email = ?", STAFF_EMAIL)
    resp = await client.get("/staff/requests", allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"].startswith("/staff/login")
