"""Retention: delete what the center no longer needs to keep (``iop-bot purge``).

Two rules, both counted from the last activity (``updated_at``) so that a
conversation still going on, or a request someone just wrote a note on, is
never cut short:

* a conversation that never became an assessment request goes, with its
  messages, ``retention_conversation_days`` after its last message;
* a request that ended as ``closed`` or ``not_a_fit`` goes
  ``retention_closed_request_days`` after it last changed, with its status
  history and notes, its notification rows and its conversation (unless
  another, still kept request came from the same conversation).

Everything happens in one transaction together with the audit entry, so a
purge is either complete and recorded or did not happen. A dry run does the
same work and rolls it back, so its counts are exactly what a real run deletes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Column, Table, and_, delete, exists, not_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.settings import Settings
from bot.staff import audit
from bot.storage.tables import assessment_requests, conversations, messages, outbox
from bot.storage.tables_staff import request_events

ENDED_STATUSES = ("closed", "not_a_fit")
CHUNK = 500  # ids per DELETE, well under every database's parameter limit


class PurgeError(ValueError):
    """The retention settings make no sense; the message names the setting."""


@dataclass(frozen=True)
class PurgeReport:
    """What a purge deleted (or, in a dry run, would delete), and the cut-off times used."""

    conversations: int
    messages: int
    requests: int
    request_events: int
    outbox: int
    conversation_cutoff: datetime
    request_cutoff: datetime

    def counts(self) -> dict[str, int]:
        return {
            "conversations": self.conversations,
            "messages": self.messages,
            "requests": self.requests,
            "request_events": self.request_events,
            "outbox": self.outbox,
        }


def _cutoff(now: datetime, days: int, setting: str) -> datetime:
    if days < 1:
        raise PurgeError(f"setting {setting!r} must be at least 1 day (it is {days})")
    return now - timedelta(days=days)


def _chunks(ids: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


async def _delete_where_in(
    conn: AsyncConnection, table: Table, column: Column[Any], ids: Iterable[Any]
) -> int:
    total = 0
    for chunk in _chunks(sorted(ids)):
        result = await conn.execute(delete(table).where(column.in_(chunk)))
        total += result.rowcount
    return total


async def purge(
    conn: AsyncConnection,
    *,
    conversation_days: int,
    closed_request_days: int,
    now: datetime | None = None,
) -> PurgeReport:
    """Delete everything past retention in the caller's transaction; returns the counts."""
    now = now or datetime.now(UTC)
    conversation_cutoff = _cutoff(now, conversation_days, "retention_conversation_days")
    request_cutoff = _cutoff(now, closed_request_days, "retention_closed_request_days")
    if conn.dialect.name == "sqlite":
        # Overwrite deleted rows on disk instead of only unlinking them.
        await conn.execute(text("PRAGMA secure_delete = ON"))

    requests = assessment_requests
    ended = and_(requests.c.status.in_(ENDED_STATUSES), requests.c.updated_at < request_cutoff)
    doomed = (
        await conn.execute(select(requests.c.id, requests.c.conversation_id).where(ended))
    ).all()
    request_ids = [row.id for row in doomed]
    has_request = exists().where(requests.c.conversation_id == conversations.c.id)
    idle = await conn.execute(
        select(conversations.c.id).where(
            conversations.c.updated_at < conversation_cutoff, not_(has_request)
        )
    )
    candidates = {row.conversation_id for row in doomed if row.conversation_id} | set(
        idle.scalars()
    )
    # A conversation that also produced a request we keep stays with that request.
    still_used = await conn.execute(
        select(requests.c.conversation_id)
        .where(requests.c.conversation_id.is_not(None))
        .where(not_(ended))
    )
    conversation_ids = candidates - set(still_used.scalars())

    counts = {
        "outbox": await _delete_where_in(conn, outbox, outbox.c.request_id, request_ids),
        "request_events": await _delete_where_in(
            conn, request_events, request_events.c.request_id, request_ids
        ),
        "requests": await _delete_where_in(conn, requests, requests.c.id, request_ids),
        "messages": await _delete_where_in(
            conn, messages, messages.c.conversation_id, conversation_ids
        ),
        "conversations": await _delete_where_in(
            conn, conversations, conversations.c.id, conversation_ids
        ),
    }
    return PurgeReport(
        **counts, conversation_cutoff=conversation_cutoff, request_cutoff=request_cutoff
    )


async def run_purge(
    engine: AsyncEngine,
    settings: Settings,
    *,
    actor: str,
    dry_run: bool = False,
    now: datetime | None = None,
) -> PurgeReport:
    """Purge with the retention settings and record it in the audit trail (counts only).

    A dry run rolls everything back and records nothing: nothing was deleted.
    """
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            report = await purge(
                conn,
                conversation_days=settings.retention_conversation_days,
                closed_request_days=settings.retention_closed_request_days,
                now=now,
            )
            if dry_run:
                await transaction.rollback()
                return report
            await audit.record(
                conn,
                actor=actor,
                action=audit.PURGE,
                target="data past retention",
                ip="local",
                details={
                    **report.counts(),
                    "retention_conversation_days": settings.retention_conversation_days,
                    "retention_closed_request_days": settings.retention_closed_request_days,
                },
            )
        except BaseException:
            await transaction.rollback()
            raise
        await transaction.commit()
    return report
