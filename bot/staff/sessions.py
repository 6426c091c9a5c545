"""Server-side staff sessions.

The browser holds only a random token in an HttpOnly, SameSite=Strict cookie (Secure outside
development mode); the database holds its SHA-256 hash, so a copy of the database does not
let anyone in. A session ends after ``session_idle_minutes`` without a request, after
``ABSOLUTE_LIFETIME`` whatever happens, at logout, and when the account is disabled or its
password changes. Each session has its own CSRF token for the forms it renders.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.staff.accounts import StaffAccount, get_account
from bot.storage.tables_staff import staff_sessions

COOKIE_NAME = "iop_staff_session"
COOKIE_PATH = "/staff"
ABSOLUTE_LIFETIME = timedelta(hours=12)
TOKEN_BYTES = 32


@dataclass(frozen=True)
class StaffSession:
    id: int
    staff_id: int
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True)
class Principal:
    """The signed-in staff member of a request and the session they came with."""

    session: StaffSession
    account: StaffAccount


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


async def create_session(
    conn: AsyncConnection, account_id: int, *, ip: str | None, now: datetime
) -> tuple[str, StaffSession]:
    """A fresh session (never a reused one, so a planted cookie is worthless) and its token."""
    token = new_token()
    row = (
        await conn.execute(
            insert(staff_sessions)
            .values(
                token_hash=hash_token(token),
                staff_id=account_id,
                csrf_token=new_token(),
                created_at=now,
                last_seen_at=now,
                ip=ip,
            )
            .returning(staff_sessions)
        )
    ).one()
    return token, _session(row)


def _session(row: Any) -> StaffSession:
    return StaffSession(
        id=row.id,
        staff_id=row.staff_id,
        csrf_token=row.csrf_token,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
    )


def is_expired(session: StaffSession, *, idle: timedelta, now: datetime) -> bool:
    return session.last_seen_at + idle <= now or session.created_at + ABSOLUTE_LIFETIME <= now


async def resume(
    conn: AsyncConnection, token: str, *, idle: timedelta, now: datetime
) -> tuple[Principal | None, StaffAccount | None]:
    """The principal for a cookie token; or, when the session had timed out, whose it was.

    A valid session is touched (its idle clock restarts); an expired one, or one whose
    account is disabled, is deleted.
    """
    row = (
        await conn.execute(
            select(staff_sessions).where(staff_sessions.c.token_hash == hash_token(token))
        )
    ).first()
    if row is None:
        return None, None
    session = _session(row)
    account = await get_account(conn, session.staff_id)
    if account is None or not account.active or is_expired(session, idle=idle, now=now):
        await conn.execute(delete(staff_sessions).where(staff_sessions.c.id == session.id))
        return None, account if account is not None and account.active else None
    await conn.execute(
        update(staff_sessions).where(staff_sessions.c.id == session.id).values(last_seen_at=now)
    )
    return Principal(session=session, account=account), None


async def end_session(conn: AsyncConnection, session_id: int) -> None:
    await conn.execute(delete(staff_sessions).where(staff_sessions.c.id == session_id))


async def sweep(conn: AsyncConnection, *, idle: timedelta, now: datetime) -> None:
    """Delete every expired session (run at each login so the table stays small)."""
    await conn.execute(
        delete(staff_sessions).where(
            or_(
                staff_sessions.c.last_seen_at <= now - idle,
                staff_sessions.c.created_at <= now - ABSOLUTE_LIFETIME,
            )
        )
    )


def set_cookie(response: web.StreamResponse, token: str, *, secure: bool) -> None:
    response.set_cookie(
        COOKIE_NAME, token, path=COOKIE_PATH, httponly=True, samesite="Strict", secure=secure
    )


def clear_cookie(response: web.StreamResponse, *, secure: bool) -> None:
    response.del_cookie(
        COOKIE_NAME, path=COOKIE_PATH, secure=secure, httponly=True, samesite="Strict"
    )
