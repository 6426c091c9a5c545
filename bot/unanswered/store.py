"""Reading and writing the unanswered-questions table (``bot.storage.tables_unanswered``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.crypto import FieldCipher
from bot.storage.tables_unanswered import unanswered_questions
from bot.unanswered.grouping import MAX_ITEMS, Question


async def insert_question(
    conn: AsyncConnection,
    *,
    conversation_id: str,
    text_enc: str,
    reason: str,
    top_intent: str | None,
    confidence: float | None,
    now: datetime,
) -> None:
    await conn.run_sync(
        record_question,
        conversation_id=conversation_id,
        text_enc=text_enc,
        reason=reason,
        top_intent=top_intent,
        confidence=confidence,
        now=now,
    )


def record_question(
    conn: Connection,
    *,
    conversation_id: str,
    text_enc: str,
    reason: str,
    top_intent: str | None,
    confidence: float | None,
    now: datetime,
) -> None:
    """``insert_question`` on a synchronous connection (turn hooks run in the storage writer)."""
    conn.execute(
        insert(unanswered_questions).values(
            conversation_id=conversation_id,
            text_enc=text_enc,
            reason=reason,
            top_intent=top_intent,
            confidence=confidence,
            created_at=now,
        )
    )


@dataclass(frozen=True)
class StoredQuestion:
    """A row as read, still encrypted; ``decrypt`` makes it a ``grouping.Question``."""

    id: int
    text_enc: str
    reason: str
    top_intent: str | None
    confidence: float | None
    created_at: datetime

    def decrypt(self, cipher: FieldCipher) -> Question:
        return Question(
            id=self.id,
            text=cipher.decrypt(self.text_enc) or "",
            reason=self.reason,
            top_intent=self.top_intent,
            confidence=self.confidence,
            created_at=self.created_at,
        )


async def open_questions(conn: AsyncConnection, limit: int = MAX_ITEMS) -> list[StoredQuestion]:
    """The newest ``limit`` questions nobody has handled yet."""
    t = unanswered_questions
    rows = await conn.execute(
        select(t.c.id, t.c.text_enc, t.c.reason, t.c.top_intent, t.c.confidence, t.c.created_at)
        .where(t.c.handled_at.is_(None))
        .order_by(t.c.id.desc())
        .limit(limit)
    )
    return [
        StoredQuestion(r.id, r.text_enc, r.reason, r.top_intent, r.confidence, r.created_at)
        for r in rows
    ]


async def open_counts(conn: AsyncConnection) -> tuple[int, int]:
    """(open, handled) question counts."""
    t = unanswered_questions
    rows = await conn.execute(
        select(t.c.handled_at.is_(None), func.count()).group_by(t.c.handled_at.is_(None))
    )
    counts = {bool(is_open): int(n) for is_open, n in rows}
    return counts.get(True, 0), counts.get(False, 0)


async def mark_handled(
    conn: AsyncConnection, ids: Sequence[int], *, staff_id: int, now: datetime
) -> int:
    """Mark the still-open questions among ``ids`` handled; returns how many were."""
    if not ids:
        return 0
    t = unanswered_questions
    result = await conn.execute(
        update(t)
        .where(t.c.id.in_(list(ids)), t.c.handled_at.is_(None))
        .values(handled_at=now, handled_by=staff_id)
    )
    return int(result.rowcount or 0)
