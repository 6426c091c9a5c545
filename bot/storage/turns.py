"""What a chat turn writes, as batchable units for the group-commit writer.

``NewConversation`` and ``TurnWrite`` carry values that are already encrypted,
so the writer only moves data. Their ``write_many`` turns a whole batch into a
few ``executemany`` statements; a turn whose conversation changed since it was
read (its version moved on) is refused alone with ``VersionConflictError``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, update

from bot.storage.conversations import VersionConflictError, current_versions
from bot.storage.tables import conversations, messages
from bot.storage.writer import BatchUnit

RequestWriter = Callable[[Connection], int]
AfterTurn = Callable[[Connection, "int | None"], None]

# Built once: a statement memoizes its cache key, so every batch finds the compiled SQL at once.
_INSERT_CONVERSATION = insert(conversations)
_INSERT_MESSAGE = insert(messages)


def _insert_messages(
    conn: Connection, batches: Sequence[tuple[str, datetime, Sequence[dict[str, Any]]]]
) -> None:
    rows = [
        {**values, "conversation_id": conversation_id, "created_at": now}
        for conversation_id, now, message_values in batches
        for values in message_values
    ]
    if rows:
        conn.execute(_INSERT_MESSAGE, rows)


@dataclass(frozen=True)
class NewConversation(BatchUnit):
    """A conversation and its greeting."""

    conversation_id: str
    state_enc: str
    messages: tuple[dict[str, Any], ...]
    now: datetime
    channel: str = "api"
    sender_hash: str | None = None

    @classmethod
    def write_many(cls, conn: Connection, units: Sequence[Any]) -> list[Any]:
        conn.execute(
            _INSERT_CONVERSATION,
            [
                {
                    "id": u.conversation_id,
                    "created_at": u.now,
                    "updated_at": u.now,
                    "version": 1,
                    "state_enc": u.state_enc,
                    "crisis_flag": False,
                    "crisis_kind": None,
                    "channel": u.channel,
                    "sender_hash": u.sender_hash,
                }
                for u in units
            ],
        )
        _insert_messages(conn, [(u.conversation_id, u.now, u.messages) for u in units])
        return [None] * len(units)


_UPDATE_STATE = (
    update(conversations)
    .where(conversations.c.id == bindparam("b_id"))
    .where(conversations.c.version == bindparam("b_expected"))
    .values(
        state_enc=bindparam("b_state"),
        updated_at=bindparam("b_now"),
        version=bindparam("b_version"),
    )
)
_UPDATE_STATE_CRISIS = _UPDATE_STATE.values(crisis_flag=True, crisis_kind=bindparam("b_crisis"))


@dataclass(frozen=True)
class TurnWrite(BatchUnit):
    """One visitor turn: the new state, the messages, and maybe an assessment request.

    ``request`` inserts the request and its outbox rows; ``after`` runs last (turn
    hooks), both inside the same transaction. The result is the request id or None.
    """

    conversation_id: str
    expected_version: int
    state_enc: str
    messages: tuple[dict[str, Any], ...]
    now: datetime
    crisis_kind: str | None = None
    request: RequestWriter | None = None
    after: AfterTurn | None = None

    @classmethod
    def write_many(cls, conn: Connection, units: Sequence[Any]) -> list[Any]:
        turns: list[TurnWrite] = list(units)
        results: list[Any] = [None] * len(turns)
        if conn.dialect.supports_sane_multi_rowcount:
            # The UPDATE's WHERE checks the version; its total row count says whether every
            # turn got through. If not, the batch fails and the writer retries turn by turn.
            accepted = _first_per_conversation(turns, results)
            updated = _update_states(conn, accepted)
            if updated != len(accepted):
                if len(turns) == 1:
                    return [VersionConflictError(turns[0].conversation_id)]
                raise VersionConflictError("a turn in this batch is out of date")
        else:
            # No reliable row count for executemany (asyncpg): lock the rows and compare.
            stored = current_versions(conn, sorted({t.conversation_id for t in turns}))
            for index, turn in enumerate(turns):
                if stored.get(turn.conversation_id) != turn.expected_version:
                    results[index] = VersionConflictError(turn.conversation_id)
            accepted = _first_per_conversation(turns, results)
            _update_states(conn, accepted)
        _insert_messages(conn, [(t.conversation_id, t.now, t.messages) for t in accepted])
        for index, turn in enumerate(turns):
            if results[index] is None:
                request_id = turn.request(conn) if turn.request is not None else None
                if turn.after is not None:
                    turn.after(conn, request_id)
                results[index] = request_id
        return results


def _first_per_conversation(turns: list[TurnWrite], results: list[Any]) -> list[TurnWrite]:
    """Turns still standing; a second turn of one conversation in a batch is out of date."""
    accepted: list[TurnWrite] = []
    taken: set[str] = set()
    for index, turn in enumerate(turns):
        if results[index] is not None:
            continue
        if turn.conversation_id in taken:
            results[index] = VersionConflictError(turn.conversation_id)
        else:
            taken.add(turn.conversation_id)
            accepted.append(turn)
    return accepted


def _update_states(conn: Connection, turns: list[TurnWrite]) -> int:
    """Store the new states of ``turns``; returns how many rows changed."""
    changed = 0
    for statement, group in (
        (_UPDATE_STATE, [t for t in turns if t.crisis_kind is None]),
        (_UPDATE_STATE_CRISIS, [t for t in turns if t.crisis_kind is not None]),
    ):
        if group:
            result = conn.execute(
                statement,
                [
                    {
                        "b_id": t.conversation_id,
                        "b_expected": t.expected_version,
                        "b_state": t.state_enc,
                        "b_now": t.now,
                        "b_version": t.expected_version + 1,
                        **({"b_crisis": t.crisis_kind} if t.crisis_kind is not None else {}),
                    }
                    for t in group
                ],
            )
            changed += result.rowcount
    return changed
