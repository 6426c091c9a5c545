"""Signing in and out: generic failures, throttling of account and address, sessions kept
server-side with hashed tokens, cookie flags, idle and absolute expiry, CSRF on every form."""

from __future__ import annotations

import hashlib
import statistics
import time
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher

from bot.crypto import generate_key
from bot.staff.passwords import make_hasher
from bot.staff.sessions import ABSOLUTE_LIFETIME, COOKIE_NAME

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


def _failure_text(html: str) -> str:
    start = html.index('id="form-error"')
    return html[start : html.index("</div>", start)]


def _session_cookie(client: Client) -> str:
    for cookie in client.session.cookie_jar:
        if cookie.key == COOKIE_NAME:
            return cookie.value
    raise AssertionError("no session cookie")


async def test_successful_login_opens_a_session_and_lands_on_requests(
    make_client: MakeClient,
) -> None:
    client = await make_client()
    await add_account(client, STAFF_EMAIL, "staff")
    resp = await login(client, STAFF_EMAIL.upper())  # emails are case-insensitive
    assert resp.status == 303
    assert resp.headers["Location"] == "/staff/requests"
    page = await client.get("/staff/requests")
    assert page.status == 200
    assert STAFF_EMAIL in await page.text()
    assert sql(client, "SELECT action, actor FROM audit_log WHERE action = 'login.success'") == [
        ("login.success", STAFF_EMAIL)
    ]
    assert sql(client, "SELECT last_login_at IS NOT NULL FROM staff_accounts") == [(1,)]


async def test_session_token_is_stored_only_as_a_hash(make_client: MakeClient) -> None:
    client = await make_client()
    await add_account(client, STAFF_EMAIL, "staff")
    await login(client, STAFF_EMAIL)
    token = _session_cookie(client)
    assert len(token) >= 43  # 32 random bytes
    stored = [row[0] for row in sql(client, "SELECT token_hash FROM staff_sessions")]
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in stored


async def test_failures_share_one_generic_message(make_client: MakeClient) -> None:
    client = await make_client(login_max_failures=10)
    await add_account(client, STAFF_EMAIL, "staff")
    await add_account(client, ADMIN_EMAIL, "admin")
    sql(client, "UPDATE staff_accounts SET active = 0 WHERE email = ?", ADMIN_EMAIL)
    wrong = await login(client, STAFF_EMAIL, "not-the-right-password")
    unknown = await login(client, "nobody@example.org", PASSWORD)
    disabled = await login(client, ADMIN_EMAIL, PASSWORD)
    bodies = []
    for resp in (wrong, unknown, disabled):
        assert resp.status == 401
        bodies.append(_failure_text(await resp.text()))
    assert bodies[0] == bodies[1] == bodies[2]
    assert "Sign-in failed" in bodies[0]


async def test_failures_are_audited_without_revealing_unknown_emails(
    make_client: MakeClient,
) -> None:
    client = await make_client()
    await add_account(client, STAFF_EMAIL, "staff")
    await login(client, STAFF_EMAIL, "wrong-password-123")
    await login(client, "stranger@example.org", "wrong-password-123")
    rows = sql(client, "SELECT actor, ip FROM audit_log WHERE action = 'login.failure' ORDER BY id")
    assert [r[0] for r in rows] == [STAFF_EMAIL, "unknown account"]
    assert all(r[1] for r in rows)  # from where
    everything = " ".join(str(r) for r in sql(client, "SELECT * FROM audit_log"))
    assert "stranger" not in everything
    assert "stranger" not in " ".join(str(r) for r in sql(client, "SELECT * FROM login_throttle"))


async def test_repeated_failures_lock_the_account_even_with_the_right_password(
    make_client: MakeClient,
) -> None:
    client = await make_client(login_max_failures=3, login_lockout_minutes=15)
    await add_account(client, STAFF_EMAIL, "staff")
    for _ in range(3):
        assert (await login(client, STAFF_EMAIL, "wrong-password-123")).status == 401
    locked = await login(client, STAFF_EMAIL, PASSWORD)
    assert locked.status == 401
    assert "sign-in is paused for 15 minutes" in await locked.text()
    assert sql(client, "SELECT count(*) FROM staff_sessions") == [(0,)]
    assert sql(client, "SELECT count(*) FROM audit_log WHERE action = 'login.locked'") == [(1,)]

    # When the lockout has passed, the right password works again.
    past = (datetime.now(UTC) - timedelta(minutes=1)).replace(tzinfo=None).isoformat(sep=" ")
    sql(client, "UPDATE login_throttle SET locked_until = ?", past)
    assert (await login(client, STAFF_EMAIL, PASSWORD)).status == 303


async def test_lockout_of_an_unknown_account_looks_the_same(make_client: MakeClient) -> None:
    client = await make_client(login_max_failures=2)
    await add_account(client, STAFF_EMAIL, "staff")
    known = []
    unknown = []
    for _ in range(3):
        known.append(
            _failure_text(await (await login(client, STAFF_EMAIL, "bad-password-xyz")).text())
        )
    sql(client, "DELETE FROM login_throttle WHERE scope = 'address'")
    for _ in range(3):
        unknown.append(
            _failure_text(
                await (await login(client, "ghost@example.org", "bad-password-xyz")).text()
            )
        )
    assert known == unknown


async def test_repeated_failures_lock_the_address_for_every_account(
    make_client: MakeClient,
) -> None:
    client = await make_client(login_max_failures=3)
    await add_account(client, STAFF_EMAIL, "staff")
    for n in range(3):  # a different (unknown) account each time: only the address adds up
        assert (await login(client, f"guess{n}@example.org", "wrong-password-123")).status == 401
    blocked = await login(client, STAFF_EMAIL, PASSWORD)
    assert blocked.status == 401
    assert sql(client, "SELECT count(*) FROM staff_sessions") == [(0,)]
    scopes = {
        r[0] for r in sql(client, "SELECT scope FROM login_throttle WHERE locked_until IS NOT NULL")
    }
    assert scopes == {"address"}


async def test_unknown_accounts_take_as_long_as_wrong_passwords(make_client: MakeClient) -> None:
    client = await make_client(light=False, login_max_failures=100)
    await add_account(client, STAFF_EMAIL, "staff")

    async def timed(email: str) -> float:
        started = time.perf_counter()
        await login(client, email, "wrong-password-123")
        return time.perf_counter() - started

    known = [await timed(STAFF_EMAIL) for _ in range(3)]
    unknown = [await timed("nobody@example.org") for _ in range(3)]
    # Both run one full argon2 verification; without the dummy hash unknown would be ~100x faster.
    assert min(unknown) > 0.4 * statistics.median(known)


async def test_outdated_hash_is_upgraded_at_login(make_client: MakeClient) -> None:
    client = await make_client(light=False)
    await add_account(client, STAFF_EMAIL, "staff")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    sql(client, "UPDATE staff_accounts SET password_hash = ?", weak)
    assert (await login(client, STAFF_EMAIL)).status == 303
    (stored,) = sql(client, "SELECT password_hash FROM staff_accounts")[0]
    assert stored != weak
    assert not make_hasher().check_needs_rehash(stored)


async def test_cookie_flags_in_production_mode(make_client: MakeClient) -> None:
    client = await make_client(dev_mode=False, encryption_keys=generate_key())
    await add_account(client, STAFF_EMAIL, "staff")
    page = await client.get("/staff/login")
    pre = page.cookies["iop_staff_csrf"]
    assert pre["secure"] and pre["httponly"] and pre["samesite"] == "Strict"
    token = csrf_of(await page.text())
    # The test client speaks plain HTTP, so it would not send Secure cookies back by itself.
    resp = await client.post(
        "/staff/login",
        data={"email": STAFF_EMAIL, "password": PASSWORD, "csrf_token": token},
        cookies={"iop_staff_csrf": pre.value},
        allow_redirects=False,
    )
    assert resp.status == 303
    cookie = resp.cookies[COOKIE_NAME]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Strict"
    assert cookie["path"] == "/staff"
    assert not cookie["max-age"] and not cookie["expires"]  # ends with the browser session


async def test_cookie_is_not_secure_in_dev_mode_for_plain_http_on_localhost(
    make_client: MakeClient,
) -> None:
    client = await make_client()
    await add_account(client, STAFF_EMAIL, "staff")
    resp = await login(client, STAFF_EMAIL)
    cookie = resp.cookies[COOKIE_NAME]
    assert not cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Strict"


async def test_logout_ends_the_session_server_side(staff: Client) -> None:
    token = _session_cookie(staff)
    csrf = await page_csrf(staff)
    resp = await staff.post("/staff/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"].startswith("/staff/login")
    assert sql(staff, "SELECT count(*) FROM staff_sessions") == [(0,)]
    assert sql(staff, "SELECT count(*) FROM audit_log WHERE action = 'logout'") == [(1,)]
    # Even a copy of the old cookie is worthless now.
    staff.session.cookie_jar.update_cookies({COOKIE_NAME: token})
    again = await staff.get("/staff/requests", allow_redirects=False)
    assert again.status == 302


async def test_logout_is_post_only(staff: Client) -> None:
    resp = await staff.get("/staff/logout", allow_redirects=False)
    assert resp.status == 405
    assert sql(staff, "SELECT count(*) FROM staff_sessions") == [(1,)]


async def test_idle_session_expires(make_client: MakeClient) -> None:
    client = await make_client(session_idle_minutes=30)
    await add_account(client, STAFF_EMAIL, "staff")
    await login(client, STAFF_EMAIL)
    assert (await client.get("/staff/requests", allow_redirects=False)).status == 200

    recent = (datetime.now(UTC) - timedelta(minutes=29)).replace(tzinfo=None).isoformat(sep=" ")
    sql(client, "UPDATE staff_sessions SET last_seen_at = ?", recent)
    assert (await client.get("/staff/requests", allow_redirects=False)).status == 200  # touched

    idle = (datetime.now(UTC) - timedelta(minutes=31)).replace(tzinfo=None).isoformat(sep=" ")
    sql(client, "UPDATE staff_sessions SET last_seen_at = ?", idle)
    resp = await client.get("/staff/requests", allow_redirects=False)
    assert resp.status == 302
    assert "expired=1" in resp.headers["Location"]
    assert sql(client, "SELECT count(*) FROM staff_sessions") == [(0,)]
    assert sql(client, "SELECT actor FROM audit_log WHERE action = 'session.expired'") == [
        (STAFF_EMAIL,)
    ]
    notice = await client.get(resp.headers["Location"])
    assert "Your session ended" in await notice.text()


async def test_requests_keep_an_active_session_alive(staff: Client) -> None:
    old = (datetime.now(UTC) - timedelta(minutes=10)).replace(tzinfo=None).isoformat(sep=" ")
    sql(staff, "UPDATE staff_sessions SET last_seen_at = ?", old)
    await staff.get("/staff/requests")
    (seen,) = sql(staff, "SELECT last_seen_at FROM staff_sessions")[0]
    assert datetime.fromisoformat(seen).replace(tzinfo=UTC) > datetime.now(UTC) - timedelta(
        minutes=1
    )


async def test_session_has_an_absolute_lifetime(staff: Client) -> None:
    born = datetime.now(UTC) - ABSOLUTE_LIFETIME - timedelta(minutes=1)
    sql(
        staff,
        "UPDATE staff_sessions SET created_at = ?",
        born.replace(tzinfo=None).isoformat(sep=" "),
    )
    resp = await staff.get("/staff/requests", allow_redirects=False)  # last_seen is recent
    assert resp.status == 302


async def test_post_without_csrf_token_is_rejected(staff: Client) -> None:
    resp = await staff.post("/staff/logout", data={}, allow_redirects=False)
    assert resp.status == 403
    assert "form has expired" in await resp.text()
    assert sql(staff, "SELECT count(*) FROM staff_sessions") == [(1,)]


async def test_post_with_a_wrong_or_foreign_csrf_token_is_rejected(
    staff: Client, make_client: MakeClient
) -> None:
    other = await make_client()
    foreign = await page_csrf(other, "/staff/login")
    for token in ("x" * 43, foreign, ""):
        resp = await staff.post("/staff/logout", data={"csrf_token": token}, allow_redirects=False)
        assert resp.status == 403
    assert sql(staff, "SELECT count(*) FROM staff_sessions") == [(1,)]


async def test_login_form_needs_its_csrf_token(make_client: MakeClient) -> None:
    client = await make_client()
    await add_account(client, STAFF_EMAIL, "staff")
    await client.get("/staff/login")  # sets the pre-session cookie
    resp = await client.post(
        "/staff/login",
        data={"email": STAFF_EMAIL, "password": PASSWORD, "csrf_token": "forged"},
        allow_redirects=False,
    )
    assert resp.status == 403
    assert sql(client, "SELECT count(*) FROM staff_sessions") == [(0,)]


async def test_login_creates_a_fresh_session_each_time(make_client: MakeClient) -> None:
    client = await make_client()
    await add_account(client, STAFF_EMAIL, "staff")
    await login(client, STAFF_EMAIL)
    first = _session_cookie(client)
    client.session.cookie_jar.clear()
    await login(client, STAFF_EMAIL)
    assert _session_cookie(client) != first


async def test_change_own_password(staff: Client) -> None:
    csrf = await page_csrf(staff, "/staff/account/password")
    new = "quiet-meadow-compass-77"
    bad = await staff.post(
        "/staff/account/password",
        data={
            "csrf_token": csrf,
            "current_password": "wrong",
            "new_password": new,
            "confirm_password": new,
        },
    )
    assert bad.status == 400
    assert "current password is not correct" in await bad.text()
    weak = await staff.post(
        "/staff/account/password",
        data={
            "csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": "password1234",
            "confirm_password": "password1234",
        },
    )
    assert weak.status == 400
    ok = await staff.post(
        "/staff/account/password",
        data={
            "csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": new,
            "confirm_password": new,
        },
    )
    assert ok.status == 200
    assert 'id="password-changed"' in await ok.text()
    assert (await staff.get("/staff/requests", allow_redirects=False)).status == 200  # still in
    staff.session.cookie_jar.clear()
    assert (await login(staff, STAFF_EMAIL, PASSWORD)).status == 401
    assert (await login(staff, STAFF_EMAIL, new)).status == 303
