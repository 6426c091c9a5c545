"""The one-time setup link: printed at the first start, creates the first admin once, then dies."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.staff.sessions import COOKIE_NAME

from .conftest import ADMIN_EMAIL, PASSWORD, Client, MakeClient, add_account, csrf_of, sql

LINK = re.compile(r"(http://\S+/staff/setup/([A-Za-z0-9_-]+))")


def printed_link(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    match = LINK.search(capsys.readouterr().err)
    assert match, "no setup link printed"
    return match.group(1), match.group(2)


async def submit(client: Client, token: str, **fields: str) -> Any:
    page = await client.get(f"/staff/setup/{token}")
    data = {"email": ADMIN_EMAIL, "password": PASSWORD, "password_confirm": PASSWORD, **fields}
    data["csrf_token"] = csrf_of(await page.text())
    return await client.post(f"/staff/setup/{token}", data=data, allow_redirects=False)


async def test_first_start_prints_a_link_that_creates_the_first_admin_once(
    make_client: MakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    client = await make_client(public_url="http://clinic.example.org:8080")
    url, token = printed_link(capsys)
    assert url.startswith("http://clinic.example.org:8080/staff/setup/")
    assert len(token) >= 22  # at least 128 random bits (token_urlsafe(32) gives 43 chars)
    # Only a hash of the token is stored.
    assert sql(client, "SELECT token_hash FROM setup_tokens") == [
        (hashlib.sha256(token.encode()).hexdigest(),)
    ]

    form = await client.get(f"/staff/setup/{token}")
    assert form.status == 200
    assert 'id="setup-form"' in await form.text()

    resp = await submit(client, token)
    assert resp.status == 303
    assert resp.headers["Location"] == "/staff/requests"
    assert COOKIE_NAME in resp.cookies
    assert sql(client, "SELECT email, role, active FROM staff_accounts") == [
        (ADMIN_EMAIL, "admin", 1)
    ]
    actions = [r[0] for r in sql(client, "SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["setup.link_issued", "account.create", "login.success"]
    # Signed in straight away as the new admin.
    assert (await client.get("/staff/admin/accounts")).status == 200

    # The link is spent: neither the page nor a second submission works.
    client.session.cookie_jar.clear()
    again = await client.get(f"/staff/setup/{token}")
    assert again.status == 404
    assert 'id="setup-expired"' in await again.text()
    csrf = csrf_of(await (await client.get("/staff/login")).text())
    second = await client.post(
        f"/staff/setup/{token}",
        data={
            "email": "mallory@example.org",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "csrf_token": csrf,
        },
        allow_redirects=False,
    )
    assert second.status == 404
    assert sql(client, "SELECT count(*) FROM staff_accounts") == [(1,)]


async def test_no_link_once_an_account_exists(
    make_client: MakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    first = await make_client()
    printed_link(capsys)
    await add_account(first, ADMIN_EMAIL, "admin")
    await first.close()
    second = await make_client()  # a restart on the same database
    assert "/staff/setup/" not in capsys.readouterr().err
    assert sql(second, "SELECT count(*) FROM setup_tokens WHERE used_at IS NULL") == [(0,)]


async def test_an_account_made_another_way_kills_the_link(
    make_client: MakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    client = await make_client()
    _url, token = printed_link(capsys)
    page = await client.get(f"/staff/setup/{token}")
    csrf = csrf_of(await page.text())
    await add_account(client, "other.admin@example.org", "admin")  # e.g. `iop-bot staff add`
    resp = await client.post(
        f"/staff/setup/{token}",
        data={
            "email": ADMIN_EMAIL,
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "csrf_token": csrf,
        },
        allow_redirects=False,
    )
    assert resp.status == 404
    assert sql(client, "SELECT email FROM staff_accounts") == [("other.admin@example.org",)]


async def test_link_expires_after_a_day(
    make_client: MakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    client = await make_client()
    _url, token = printed_link(capsys)
    (expires,) = sql(client, "SELECT expires_at FROM setup_tokens")[0]
    issued = datetime.fromisoformat(expires).replace(tzinfo=UTC) - timedelta(hours=24)
    assert abs((issued - datetime.now(UTC)).total_seconds()) < 60
    past = (datetime.now(UTC) - timedelta(seconds=1)).replace(tzinfo=None).isoformat(sep=" ")
    sql(client, "UPDATE setup_tokens SET expires_at = ?", past)
    assert (await client.get(f"/staff/setup/{token}")).status == 404


async def test_each_start_without_accounts_replaces_the_old_link(
    make_client: MakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    first = await make_client()
    _url, old = printed_link(capsys)
    await first.close()
    second = await make_client()
    _url, new = printed_link(capsys)
    assert new != old
    assert (await second.get(f"/staff/setup/{old}")).status == 404
    assert (await second.get(f"/staff/setup/{new}")).status == 200


async def test_wrong_or_guessed_tokens_do_nothing(
    make_client: MakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    client = await make_client()
    printed_link(capsys)
    for guess in ("x", "A" * 43, "0" * 64):
        resp = await client.get(f"/staff/setup/{guess}", allow_redirects=False)
        assert resp.status == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"password": "short", "password_confirm": "short"}, "at least 12 characters"),
        ({"password": "password1234!", "password_confirm": "password1234!"}, "common word"),
        ({"password_confirm": "something-else-entirely"}, "differ"),
        ({"email": "not-an-email"}, "not a valid email"),
    ],
)
async def test_bad_input_keeps_the_link_usable(
    make_client: MakeClient,
    capsys: pytest.CaptureFixture[str],
    fields: dict[str, str],
    message: str,
) -> None:
    client = await make_client()
    _url, token = printed_link(capsys)
    resp = await submit(client, token, **fields)
    assert resp.status == 400
    assert message in await resp.text()
    assert sql(client, "SELECT count(*) FROM staff_accounts") == [(0,)]
    assert (await submit(client, token)).status == 303


async def test_setup_form_needs_its_csrf_token(
    make_client: MakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    client = await make_client()
    _url, token = printed_link(capsys)
    await client.get(f"/staff/setup/{token}")
    resp = await client.post(
        f"/staff/setup/{token}",
        data={"email": ADMIN_EMAIL, "password": PASSWORD, "password_confirm": PASSWORD},
        allow_redirects=False,
    )
    assert resp.status == 403
    assert sql(client, "SELECT count(*) FROM staff_accounts") == [(0,)]
