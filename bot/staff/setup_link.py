"""The one-time setup link that creates the first admin.

There is no default account or password. When the server starts and no staff account exists,
it makes a random 256-bit token, stores only its SHA-256 hash, and prints
``{base_url}/staff/setup/{token}`` to the console for the operator. The link works once and
for at most ``SETUP_LIFETIME``; it also stops working as soon as any account exists (for
example one made with ``iop-bot staff add``). Each start without accounts replaces older links.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from aiohttp import web
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.staff import accounts, audit, sessions
from bot.staff.keys import CONFIG_KEY, HASHER_KEY
from bot.staff.pages import client_ip, render
from bot.staff.passwords import PasswordPolicyError
from bot.storage.tables_staff import setup_tokens
from bot.web.keys import DB_KEY

log = logging.getLogger(__name__)

SETUP_LIFETIME = timedelta(hours=24)


async def issue_if_needed(engine: AsyncEngine, base_url: str, *, now: datetime) -> str | None:
    """A fresh setup link when there is no staff account yet, else None."""
    async with engine.begin() as conn:
        if await accounts.count_accounts(conn) > 0:
            await conn.execute(delete(setup_tokens).where(setup_tokens.c.used_at.is_(None)))
            return None
        await conn.execute(delete(setup_tokens).where(setup_tokens.c.used_at.is_(None)))
        token = sessions.new_token()
        await conn.execute(
            insert(setup_tokens).values(
                token_hash=sessions.hash_token(token),
                created_at=now,
                expires_at=now + SETUP_LIFETIME,
            )
        )
        await audit.record(
            conn,
            actor=audit.SYSTEM,
            action=audit.SETUP_LINK_ISSUED,
            details={"expires_at": (now + SETUP_LIFETIME).isoformat(timespec="seconds")},
        )
    return f"{base_url}/staff/setup/{token}"


async def valid_token_id(conn: AsyncConnection, token: str, *, now: datetime) -> int | None:
    """The id of an unused, unexpired setup token while no account exists, else None."""
    if not token or await accounts.count_accounts(conn) > 0:
        return None
    row = (
        await conn.execute(
            select(setup_tokens.c.id, setup_tokens.c.expires_at, setup_tokens.c.used_at).where(
                setup_tokens.c.token_hash == sessions.hash_token(token)
            )
        )
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    return int(row.id)


async def setup_link_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: print the setup link at startup when there is no account."""
    config = app[CONFIG_KEY]
    url = await issue_if_needed(app[DB_KEY], config.base_url, now=datetime.now(UTC))
    if url is not None:
        # A secret for the operator, not personal data; it goes to the console only.
        print(
            "\nNo staff account exists yet. Create the first admin with this one-time link\n"
            f"(it works once and expires in 24 hours):\n\n    {url}\n",
            file=sys.stderr,
            flush=True,
        )
        log.warning("no staff account yet: a one-time setup link was printed to the console")
    yield


def _expired(request: web.Request) -> web.Response:
    return render(request, "setup_expired.html", status=404)


async def setup_form(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    async with request.config_dict[DB_KEY].connect() as conn:
        if await valid_token_id(conn, token, now=datetime.now(UTC)) is None:
            return _expired(request)
    return render(request, "setup.html", {"error": None, "email": "", "token": token})


async def setup_submit(request: web.Request) -> web.StreamResponse:
    """Create the first admin, use up the link, and sign the new admin in."""
    token = request.match_info["token"]
    form = await request.post()
    email = str(form.get("email", "")).strip()[:254]
    password = str(form.get("password", ""))
    engine = request.config_dict[DB_KEY]
    async with engine.connect() as conn:
        if await valid_token_id(conn, token, now=datetime.now(UTC)) is None:
            return _expired(request)
    try:
        email = accounts.normalize_email(email)
        if password != str(form.get("password_confirm", "")):
            raise PasswordPolicyError("The password and its confirmation differ.")
        password_hash = await accounts.hash_password(request.app[HASHER_KEY], password, email=email)
    except (accounts.AccountError, PasswordPolicyError) as exc:
        context = {"error": str(exc), "email": email, "token": token}
        return render(request, "setup.html", context, status=400)

    ip = client_ip(request)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        # Checked again inside the write transaction: two submissions cannot both win.
        token_id = await valid_token_id(conn, token, now=now)
        if token_id is None:
            return _expired(request)
        await conn.execute(
            update(setup_tokens).where(setup_tokens.c.id == token_id).values(used_at=now)
        )
        account = await accounts.create_account(
            conn, email=email, role="admin", password_hash=password_hash
        )
        await audit.record(
            conn,
            actor=account.email,
            actor_id=account.id,
            action=audit.ACCOUNT_CREATE,
            target=f"account {account.id}",
            ip=ip,
            details={"role": "admin", "via": "setup link"},
        )
        await accounts.mark_login(conn, account.id)
        session_token, _session = await sessions.create_session(conn, account.id, ip=ip, now=now)
        await audit.record(
            conn, actor=account.email, actor_id=account.id, action=audit.LOGIN_SUCCESS, ip=ip
        )
    response = web.HTTPSeeOther(request.app.router["staff.requests"].url_for())
    sessions.set_cookie(response, session_token, secure=request.app[CONFIG_KEY].secure_cookies)
    raise response
