"""The audit trail: who did what, when and from where.

Append-only by construction: this module only inserts and reads, and the ``0002_staff``
migration installs database triggers that reject UPDATE and DELETE on ``audit_log``. Details
never hold visitor personal data (a search records that it searched, not what for).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.tables_staff import audit_log

LOGIN_SUCCESS = "login.success"
LOGIN_FAILURE = "login.failure"
LOGIN_LOCKED = "login.locked"
LOGOUT = "logout"
SESSION_EXPIRED = "session.expired"
SETUP_LINK_ISSUED = "setup.link_issued"
REQUEST_VIEW = "request.view"
REQUEST_EXPORT = "request.export"
REQUEST_STATUS = "request.status"
REQUEST_NOTE = "request.note"
ACCOUNT_CREATE = "account.create"
ACCOUNT_DISABLE = "account.disable"
ACCOUNT_ENABLE = "account.enable"
ACCOUNT_PASSWORD_RESET = "account.password_reset"  # noqa: S105 (an action name)
ACCOUNT_PASSWORD_CHANGE = "account.password_change"  # noqa: S105 (an action name)
AUDIT_EXPORT = "audit.export"
KEYS_ROTATE = "keys.rotate"
PURGE = "purge"

ACTIONS = (
    LOGIN_SUCCESS,
    LOGIN_FAILURE,
    LOGIN_LOCKED,
    LOGOUT,
    SESSION_EXPIRED,
    SETUP_LINK_ISSUED,
    REQUEST_VIEW,
    REQUEST_EXPORT,
    REQUEST_STATUS,
    REQUEST_NOTE,
    ACCOUNT_CREATE,
    ACCOUNT_DISABLE,
    ACCOUNT_ENABLE,
    ACCOUNT_PASSWORD_RESET,
    ACCOUNT_PASSWORD_CHANGE,
    AUDIT_EXPORT,
    KEYS_ROTATE,
    PURGE,
)

UNKNOWN_ACCOUNT = "unknown account"
SYSTEM = "system"


@dataclass(frozen=True)
class AuditEntry:
    id: int
    created_at: datetime
    actor_id: int | None
    actor: str
    action: str
    target: str | None
    ip: str | None
    details: dict[str, Any]


async def record(
    conn: AsyncConnection,
    *,
    actor: str,
    action: str,
    target: str | None = None,
    ip: str | None = None,
    details: Mapping[str, Any] | None = None,
    actor_id: int | None = None,
) -> None:
    """Append one entry in the caller's transaction (so it commits or rolls back with the act).

    ``actor`` is a staff email, ``"cli:<user>"`` for commands or ``"system"``; ``target`` names
    the thing acted on (``"request 12"``, ``"account 3"``); ``details`` is JSON without personal
    data.
    """
    await conn.execute(
        insert(audit_log).values(
            created_at=datetime.now(UTC),
            actor_id=actor_id,
            actor=actor[:254],
            action=action,
            target=None if target is None else target[:254],
            ip=None if ip is None else ip[:64],
            details=dict(details or {}),
        )
    )


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        created_at=row.created_at,
        actor_id=row.actor_id,
        actor=row.actor,
        action=row.action,
        target=row.target,
        ip=row.ip,
        details=dict(row.details or {}),
    )


async def page(
    conn: AsyncConnection, *, action: str | None, offset: int, limit: int
) -> tuple[list[AuditEntry], int]:
    """Newest entries first, optionally of one action, with the total count for pagination."""
    where = [] if not action else [audit_log.c.action == action]
    total = (
        await conn.execute(select(func.count()).select_from(audit_log).where(*where))
    ).scalar_one()
    rows = await conn.execute(
        select(audit_log).where(*where).order_by(audit_log.c.id.desc()).offset(offset).limit(limit)
    )
    return [_entry(r) for r in rows], int(total)


async def entries_since(conn: AsyncConnection, since: datetime | None) -> list[AuditEntry]:
    """Every entry from ``since`` on (all when None), oldest first, for exports."""
    query = select(audit_log).order_by(audit_log.c.id)
    if since is not None:
        query = query.where(audit_log.c.created_at >= since)
    return [_entry(r) for r in await conn.execute(query)]
