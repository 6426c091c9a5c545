"""Staff accounts: creation, lookup, enabling/disabling and passwords.

There is no default account and no default password: the first admin comes from the one-time
setup link or ``iop-bot staff add``. Accounts are disabled, never deleted, so the audit trail
and request history keep pointing at someone.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.staff.passwords import check_password
from bot.storage.tables_staff import STAFF_ROLES, staff_accounts, staff_sessions


class AccountError(ValueError):
    """An account change that cannot be made; the message is safe to show to an admin."""


@dataclass(frozen=True)
class StaffAccount:
    id: int
    email: str
    role: str
    active: bool
    password_hash: str
    created_at: datetime
    last_login_at: datetime | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def normalize_email(email: str) -> str:
    """The canonical, lower-cased form of a staff email, or AccountError when it is not one."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError(f"That is not a valid email address ({exc}).") from exc
    return result.normalized.lower()


def _account(row: Any) -> StaffAccount:
    return StaffAccount(
        id=row.id,
        email=row.email,
        role=row.role,
        active=bool(row.active),
        password_hash=row.password_hash,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )


async def hash_password(hasher: PasswordHasher, password: str, *, email: str) -> str:
    """Check the policy (PasswordPolicyError) and hash in a worker thread.

    Done before the caller opens its write transaction, so the ~50 ms of argon2 never holds
    the database lock or the event loop.
    """
    check_password(password, email=email)
    return await asyncio.to_thread(hasher.hash, password)


async def create_account(
    conn: AsyncConnection, *, email: str, role: str, password_hash: str
) -> StaffAccount:
    """Create an active account with a password hashed by hash_password."""
    if role not in STAFF_ROLES:
        raise AccountError(f"The role must be one of: {', '.join(STAFF_ROLES)}.")
    email = normalize_email(email)
    if await find_account(conn, email) is not None:
        raise AccountError(f"An account for {email} already exists.")
    now = datetime.now(UTC)
    try:
        result = await conn.execute(
            insert(staff_accounts)
            .values(
                email=email,
                role=role,
                password_hash=password_hash,
                active=True,
                created_at=now,
                updated_at=now,
            )
            .returning(staff_accounts)
        )
    except IntegrityError as exc:
        raise AccountError(f"An account for {email} already exists.") from exc
    return _account(result.one())


async def count_accounts(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(staff_accounts))).scalar_one())


async def get_account(conn: AsyncConnection, account_id: int) -> StaffAccount | None:
    row = (
        await conn.execute(select(staff_accounts).where(staff_accounts.c.id == account_id))
    ).first()
    return None if row is None else _account(row)


async def find_account(conn: AsyncConnection, email: str) -> StaffAccount | None:
    """The account with this email (any spelling case), or None; never raises for bad input."""
    try:
        email = normalize_email(email)
    except AccountError:
        return None
    row = (
        await conn.execute(select(staff_accounts).where(staff_accounts.c.email == email))
    ).first()
    return None if row is None else _account(row)


async def require_account(conn: AsyncConnection, email: str) -> StaffAccount:
    account = await find_account(conn, email)
    if account is None:
        raise AccountError(f"There is no account for {email.strip()}.")
    return account


async def list_accounts(conn: AsyncConnection) -> list[StaffAccount]:
    rows = await conn.execute(select(staff_accounts).order_by(staff_accounts.c.email))
    return [_account(r) for r in rows]


async def set_active(conn: AsyncConnection, account: StaffAccount, active: bool) -> None:
    """Enable or disable; disabling ends the account's sessions and keeps one active admin."""
    if not active and account.is_admin and account.active:
        admins = (
            await conn.execute(
                select(func.count())
                .select_from(staff_accounts)
                .where(staff_accounts.c.role == "admin", staff_accounts.c.active.is_(True))
            )
        ).scalar_one()
        if admins <= 1:
            raise AccountError("This is the last active admin; add another admin first.")
    await conn.execute(
        update(staff_accounts)
        .where(staff_accounts.c.id == account.id)
        .values(active=active, updated_at=datetime.now(UTC))
    )
    if not active:
        await end_sessions(conn, account.id)


async def set_password(
    conn: AsyncConnection,
    account: StaffAccount,
    password_hash: str,
    *,
    keep_session_id: int | None = None,
) -> None:
    """Store a new password hash (from hash_password) and end the account's other sessions."""
    await conn.execute(
        update(staff_accounts)
        .where(staff_accounts.c.id == account.id)
        .values(password_hash=password_hash, updated_at=datetime.now(UTC))
    )
    await end_sessions(conn, account.id, keep_session_id=keep_session_id)


async def store_rehash(conn: AsyncConnection, account_id: int, password_hash: str) -> None:
    """Replace a hash made with outdated argon2 parameters (done at a successful login)."""
    await conn.execute(
        update(staff_accounts)
        .where(staff_accounts.c.id == account_id)
        .values(password_hash=password_hash)
    )


async def mark_login(conn: AsyncConnection, account_id: int) -> None:
    await conn.execute(
        update(staff_accounts)
        .where(staff_accounts.c.id == account_id)
        .values(last_login_at=datetime.now(UTC))
    )


async def end_sessions(
    conn: AsyncConnection, account_id: int, *, keep_session_id: int | None = None
) -> None:
    query = delete(staff_sessions).where(staff_sessions.c.staff_id == account_id)
    if keep_session_id is not None:
        query = query.where(staff_sessions.c.id != keep_session_id)
    await conn.execute(query)
