"""Login throttling: repeated failures lock the account and the client address for a while.

Counters are kept per attempted email (whether or not such an account exists, so a lockout
reveals nothing) and per address, both stored as SHA-256 hashes. A failure window lasts as long
as a lockout; when it has passed, counting starts again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.tables_staff import login_throttle


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int
    lockout: timedelta


def _key(scope: str, value: str) -> str:
    return hashlib.sha256(f"{scope}:{value.strip().lower()}".encode()).hexdigest()


def _keys(email: str, ip: str) -> list[tuple[str, str]]:
    return [("account", _key("account", email)), ("address", _key("address", ip))]


async def is_locked(conn: AsyncConnection, *, email: str, ip: str, now: datetime) -> bool:
    """True while either the attempted account or the address is locked out."""
    for scope, key in _keys(email, ip):
        locked_until = (
            await conn.execute(
                select(login_throttle.c.locked_until).where(
                    login_throttle.c.scope == scope, login_throttle.c.key_hash == key
                )
            )
        ).scalar_one_or_none()
        if locked_until is not None and locked_until > now:
            return True
    return False


async def record_failure(
    conn: AsyncConnection, policy: ThrottlePolicy, *, email: str, ip: str, now: datetime
) -> bool:
    """Count one failed login for the account and the address; True when that locks either."""
    locked = False
    for scope, key in _keys(email, ip):
        where = (login_throttle.c.scope == scope, login_throttle.c.key_hash == key)
        row = (await conn.execute(select(login_throttle).where(*where))).first()
        stale = row is not None and (
            row.window_started_at + policy.lockout <= now
            or (row.locked_until is not None and row.locked_until <= now)
        )
        if row is None or stale:
            failures, started = 1, now
        else:
            failures, started = row.failures + 1, row.window_started_at
        locked_until = now + policy.lockout if failures >= policy.max_failures else None
        locked = locked or locked_until is not None
        values = {"failures": failures, "window_started_at": started, "locked_until": locked_until}
        if row is None:
            await conn.execute(insert(login_throttle).values(scope=scope, key_hash=key, **values))
        else:
            await conn.execute(update(login_throttle).where(*where).values(**values))
    return locked


async def clear_account(conn: AsyncConnection, *, email: str) -> None:
    """Forget an account's failures after a successful login or a password reset.

    The address counter is left to expire on its own, so an insider with a valid account
    cannot reset it between guesses at someone else's.
    """
    await conn.execute(
        delete(login_throttle).where(
            login_throttle.c.scope == "account", login_throttle.c.key_hash == _key("account", email)
        )
    )
