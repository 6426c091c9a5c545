"""The outbox: which notifications are due, who is sending them, and what happened.

``create_request`` writes one ``pending`` row per enabled channel in the same
transaction as the request. The worker here delivers them:

* **claiming** is one conditional UPDATE (compare-and-set on ``attempts``) that
  counts the attempt and pushes ``next_attempt_at`` one *lease* into the
  future. Only the process whose UPDATE changed the row sends it, so two server
  processes never send the same row at the same time, on SQLite or PostgreSQL.
* **success** marks the row ``sent`` right after the receiver accepted it.
* **failure** schedules the next attempt with exponential backoff and jitter,
  capped, until ``outbox_max_attempts``; then the row is ``failed``.
* **a crash** while sending leaves the row claimed; once the lease runs out it
  is due again. If the crash fell between the receiver accepting and the row
  being marked, that one notification is sent twice (same Message-ID and
  delivery id, so receivers can drop it). The window is one small UPDATE.

Log lines name the request number and channel only: notifications carry no
personal data, and neither do their errors.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.settings import Settings
from bot.storage.tables import assessment_requests, outbox

log = logging.getLogger(__name__)

# The first retry waits this many poll intervals (30 s with the default 2 s poll) ...
FIRST_RETRY_POLLS = 15
# ... each further one twice as long, but never more than an hour.
MAX_RETRY_SECONDS = 3600.0
# A claimed row is left alone this long; longer than any send can take (timeouts are 10-20 s).
LEASE_SECONDS = 300.0
MAX_EXPONENT = 30


@dataclass(frozen=True)
class RetryPolicy:
    """When to try again, and when to give up."""

    max_attempts: int
    first_delay: float
    max_delay: float
    lease: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        poll = max(settings.outbox_poll_seconds, 0.001)
        return cls(
            max_attempts=max(1, settings.outbox_max_attempts),
            first_delay=poll * FIRST_RETRY_POLLS,
            max_delay=max(MAX_RETRY_SECONDS, poll * FIRST_RETRY_POLLS),
            lease=LEASE_SECONDS,
        )

    def delay(self, attempts: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds before the next try after ``attempts`` failed ones.

        Equal jitter: between half and all of the exponential delay, so servers
        that failed together do not all come back at the same instant.
        """
        exponent = min(max(attempts - 1, 0), MAX_EXPONENT)
        full = min(self.max_delay, self.first_delay * 2.0**exponent)
        return full / 2 + rand() * full / 2


@dataclass(frozen=True)
class DueRow:
    """An outbox row that may be sent now, with what its notification needs."""

    id: int
    request_id: int
    channel: str
    attempts: int
    request_created_at: datetime


async def due_rows(
    conn: AsyncConnection, channels: Collection[str], now: datetime, *, limit: int
) -> list[DueRow]:
    """Pending rows of these channels whose time has come, oldest first."""
    if not channels:
        return []
    query = (
        select(
            outbox.c.id,
            outbox.c.request_id,
            outbox.c.channel,
            outbox.c.attempts,
            assessment_requests.c.created_at,
        )
        .select_from(outbox.join(assessment_requests))
        .where(outbox.c.status == "pending")
        .where(outbox.c.next_attempt_at <= now)
        .where(outbox.c.channel.in_(sorted(channels)))
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
    )
    return [
        DueRow(r.id, r.request_id, r.channel, r.attempts, r.created_at)
        for r in await conn.execute(query)
    ]


async def claim(conn: AsyncConnection, row: DueRow, now: datetime, lease: float) -> bool:
    """Take the row for one attempt; False when another worker got there first."""
    result = await conn.execute(
        update(outbox)
        .where(outbox.c.id == row.id)
        .where(outbox.c.status == "pending")
        .where(outbox.c.attempts == row.attempts)
        .where(outbox.c.next_attempt_at <= now)
        .values(attempts=row.attempts + 1, next_attempt_at=now + timedelta(seconds=lease))
    )
    return result.rowcount == 1


async def mark_sent(
    conn: AsyncConnection, row_id: int, now: datetime, remark: str | None = None
) -> None:
    await conn.execute(
        update(outbox)
        .where(outbox.c.id == row_id)
        .where(outbox.c.status == "pending")
        .values(status="sent", sent_at=now, last_error=remark)
    )


async def mark_failed_attempt(
    conn: AsyncConnection,
    row_id: int,
    *,
    attempts: int,
    error: str,
    now: datetime,
    policy: RetryPolicy,
) -> float | None:
    """Record a failed attempt; returns the delay before the next one, None when given up."""
    values: dict[str, Any] = {"last_error": error}
    delay: float | None = None
    if attempts >= policy.max_attempts:
        values["status"] = "failed"
    else:
        delay = policy.delay(attempts)
        values["next_attempt_at"] = now + timedelta(seconds=delay)
    await conn.execute(
        update(outbox)
        .where(outbox.c.id == row_id)
        .where(outbox.c.status == "pending")
        .values(**values)
    )
    return delay


async def pending_elsewhere(conn: AsyncConnection, channels: Collection[str]) -> dict[str, int]:
    """Pending rows per channel that is not configured here (they wait until it is again)."""
    query = (
        select(outbox.c.channel, func.count())
        .where(outbox.c.status == "pending")
        .where(outbox.c.channel.not_in(sorted(channels)))
        .group_by(outbox.c.channel)
    )
    return {str(channel): int(count) for channel, count in await conn.execute(query)}


async def delivery_status(conn: AsyncConnection, request_id: int) -> list[dict[str, Any]]:
    """How the notifications of one request fared, for the dashboard (one dict per channel).

    Keys: channel, status ('pending' | 'sent' | 'failed'), attempts, last_error,
    next_attempt_at (when a pending row is tried next), sent_at, created_at.
    """
    rows = await conn.execute(
        select(
            outbox.c.channel,
            outbox.c.status,
            outbox.c.attempts,
            outbox.c.last_error,
            outbox.c.next_attempt_at,
            outbox.c.sent_at,
            outbox.c.created_at,
        )
        .where(outbox.c.request_id == request_id)
        .order_by(outbox.c.channel)
    )
    return [
        {
            "channel": r.channel,
            "status": r.status,
            "attempts": r.attempts,
            "last_error": r.last_error,
            "next_attempt_at": r.next_attempt_at if r.status == "pending" else None,
            "sent_at": r.sent_at,
            "created_at": r.created_at,
        }
        for r in rows
    ]


def utcnow() -> datetime:
    return datetime.now(UTC)
