"""Admin pages: managing accounts, browsing the audit trail, reading the settings, and the slot
other parts use to add pages."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from bot.crypto import generate_key
from bot.staff import add_page
from bot.staff.pages import render
from bot.web.app import create_app

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

NEW_PASSWORD = re.compile(r'<code class="secret" id="new-password">([^<]+)</code>')


def account_id(client: Client, email: str) -> int:
    return int(sql(client, "SELECT id FROM staff_accounts WHERE email = ?", email)[0][0])


async def post(client: Client, path: str, **data: str) -> Any:
    data["csrf_token"] = await page_csrf(client, "/staff/admin/accounts")
    return await client.post(path, data=data, allow_redirects=False)


async def test_accounts_page_lists_accounts(admin: Client) -> None:
    html = await (await admin.get("/staff/admin/accounts")).text()
    assert ADMIN_EMAIL in html and STAFF_EMAIL in html
    assert f'id="disable-{account_id(admin, STAFF_EMAIL)}"' in html
    assert f'id="disable-{account_id(admin, ADMIN_EMAIL)}"' not in html  # not oneself


async def test_add_account_shows_a_generated_password_once(
    admin: Client, make_client: MakeClient
) -> None:
    resp = await post(admin, "/staff/admin/accounts", email="New.Nurse@Example.org", role="staff")
    assert resp.status == 200
    html = await resp.text()
    match = NEW_PASSWORD.search(html)
    assert match and len(match.group(1)) >= 16
    password = match.group(1)
    assert sql(
        admin, "SELECT role, active FROM staff_accounts WHERE email = 'new.nurse@example.org'"
    ) == [("staff", 1)]
    assert "new-password" not in await (await admin.get("/staff/admin/accounts")).text()
    assert password not in " ".join(str(r) for r in sql(admin, "SELECT * FROM audit_log"))
    (details,) = sql(admin, "SELECT details FROM audit_log WHERE action = 'account.create'")[0]
    assert '"role": "staff"' in details
    # The new person can sign in with it.
    admin.session.cookie_jar.clear()
    assert (await login(admin, "new.nurse@example.org", password)).status == 303


async def test_add_account_refuses_duplicates_and_bad_input(admin: Client) -> None:
    dup = await post(admin, "/staff/admin/accounts", email=STAFF_EMAIL.upper(), role="staff")
    assert dup.status == 400 and "already exists" in await dup.text()
    bad = await post(admin, "/staff/admin/accounts", email="nope", role="staff")
    assert bad.status == 400 and "not a valid email" in await bad.text()
    role = await post(admin, "/staff/admin/accounts", email="x@example.org", role="root")
    assert role.status == 400 and "role must be one of" in await role.text()
    assert sql(admin, "SELECT count(*) FROM staff_accounts") == [(2,)]


async def test_disable_ends_sessions_and_enable_restores(
    admin: Client, make_client: MakeClient
) -> None:
    sam = account_id(admin, STAFF_EMAIL)
    sql(
        admin,
        "INSERT INTO staff_sessions (token_hash, staff_id, csrf_token, created_at, last_seen_at) "
        "VALUES ('h', ?, 'c', '2030-01-01 00:00:00', '2030-01-01 00:00:00')",
        sam,
    )
    resp = await post(admin, f"/staff/admin/accounts/{sam}/disable")
    assert resp.status == 200 and "disabled" in await resp.text()
    assert sql(admin, "SELECT active FROM staff_accounts WHERE id = ?", sam) == [(0,)]
    assert sql(admin, "SELECT count(*) FROM staff_sessions WHERE staff_id = ?", sam) == [(0,)]
    resp = await post(admin, f"/staff/admin/accounts/{sam}/enable")
    assert sql(admin, "SELECT active FROM staff_accounts WHERE id = ?", sam) == [(1,)]
    actions = [
        r[0]
        for r in sql(admin, "SELECT action FROM audit_log WHERE target LIKE 'account%' ORDER BY id")
    ]
    assert actions == ["account.disable", "account.enable"]


async def test_admin_cannot_disable_themselves(admin: Client) -> None:
    me = account_id(admin, ADMIN_EMAIL)
    resp = await post(admin, f"/staff/admin/accounts/{me}/disable")
    assert resp.status == 400 and "your own account" in await resp.text()
    assert sql(admin, "SELECT active FROM staff_accounts WHERE id = ?", me) == [(1,)]


async def test_reset_password_gives_a_new_one_and_ends_sessions(admin: Client) -> None:
    sam = account_id(admin, STAFF_EMAIL)
    sql(
        admin,
        "INSERT INTO staff_sessions (token_hash, staff_id, csrf_token, created_at, last_seen_at) "
        "VALUES ('h', ?, 'c', '2030-01-01 00:00:00', '2030-01-01 00:00:00')",
        sam,
    )
    resp = await post(admin, f"/staff/admin/accounts/{sam}/reset-password")
    match = NEW_PASSWORD.search(await resp.text())
    assert match
    assert sql(admin, "SELECT count(*) FROM staff_sessions WHERE staff_id = ?", sam) == [(0,)]
    admin.session.cookie_jar.clear()
    assert (await login(admin, STAFF_EMAIL, PASSWORD)).status == 401
    assert (await login(admin, STAFF_EMAIL, match.group(1))).status == 303


async def test_unknown_account_is_404(admin: Client) -> None:
    assert (await post(admin, "/staff/admin/accounts/999/disable")).status == 404


async def test_audit_page_filters_and_paginates(admin: Client) -> None:
    csrf = await page_csrf(admin)
    for _ in range(55):
        await admin.get("/staff/requests/export.csv")
    await admin.post("/staff/logout", data={"csrf_token": csrf})
    await login(admin, ADMIN_EMAIL)
    first = await (await admin.get("/staff/admin/audit?action=request.export")).text()
    assert "55 entries" in first and "Page 1 of 2" in first
    assert first.count("<code>request.export</code>") == 50
    assert 'href="/staff/admin/audit?action=request.export&amp;page=2"' in first
    second = await (await admin.get("/staff/admin/audit?action=request.export&page=2")).text()
    assert second.count("<code>request.export</code>") == 5
    everything = await (await admin.get("/staff/admin/audit")).text()
    assert "<code>logout</code>" in everything and "<code>login.success</code>" in everything
    assert '<option value="logout">' in everything
    ignored = await (await admin.get("/staff/admin/audit?action=nonsense")).text()
    assert "<code>logout</code>" in ignored  # an unknown filter shows everything


async def test_settings_page_masks_secrets(make_client: MakeClient) -> None:
    key = generate_key()
    client = await make_client(
        dev_mode=False, encryption_keys=key, smtp_password="hunter2-smtp", webhook_secret=""
    )
    await add_account(client, ADMIN_EMAIL, "admin")
    page = await client.get("/staff/login")
    pre = page.cookies["iop_staff_csrf"].value
    resp = await client.post(
        "/staff/login",
        data={"email": ADMIN_EMAIL, "password": PASSWORD, "csrf_token": csrf_of(await page.text())},
        cookies={"iop_staff_csrf": pre},
        allow_redirects=False,
    )
    session = resp.cookies["iop_staff_session"].value
    html = await (
        await client.get("/staff/admin/settings", cookies={"iop_staff_session": session})
    ).text()
    assert "session_idle_minutes" in html and "smtp_password" in html
    assert key not in html and "hunter2-smtp" not in html
    assert html.count("***") == 2


async def test_other_parts_can_add_admin_pages(
    make_client: MakeClient, aiohttp_client: Any, settings: Any
) -> None:
    async def content_status(request: web.Request) -> web.StreamResponse:
        context = {
            "title": "Content",
            "intro": "Reload status of the content pack.",
            "facts": [("Loaded", "just now"), ("Problems", "<b>none</b>")],
            "items": ["intents/x.yml:3:1 bad <indent>"],
        }
        return render(request, "panel.html", context)

    app = create_app(settings())
    add_page(
        app,
        path="/staff/admin/example",
        handler=content_status,
        name="staff.admin_example",
        title="Example",
        description="An example panel added by another part.",
    )
    client = await aiohttp_client(app)
    await add_account(client, ADMIN_EMAIL, "admin")
    await add_account(client, STAFF_EMAIL, "staff")
    await login(client, STAFF_EMAIL)
    assert (await client.get("/staff/admin/example")).status == 403  # admin-only by path
    client.session.cookie_jar.clear()
    await login(client, ADMIN_EMAIL)
    html = await (await client.get("/staff/admin/example")).text()
    assert 'id="panel-title">Content<' in html
    assert "&lt;b&gt;none&lt;/b&gt;" in html and "bad &lt;indent&gt;" in html
    assert 'id="admin-nav-admin_example" href="/staff/admin/example" aria-current="page"' in html
    overview = await (await client.get("/staff/admin")).text()
    assert "An example panel added by another part." in overview


def test_admin_pages_must_live_under_admin(settings: Any) -> None:
    app = create_app(settings())

    async def handler(request: web.Request) -> web.StreamResponse:
        raise web.HTTPNoContent()

    try:
        add_page(app, path="/staff/example", handler=handler, name="staff.admin_example", title="C")
    except ValueError as exc:
        assert "under /staff/admin/" in str(exc)
    else:
        raise AssertionError("an admin page outside /admin was accepted")
