"""Conversations and their messages: reads, and the pieces the turn writes are built from.

Functions take an open connection, so callers decide the transaction. Writes of
chat turns go through ``bot.storage.turns`` (batched by the group-commit writer).
Text and the dialogue state (which holds form answers) are only stored encrypted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.crypto import FieldCipher
from bot.storage.tables import conversations, instance, messages

CONVERSATION_ID_BYTES = 24  # 192 random bits: unguessable, and the id is the only credential


class VersionConflictError(RuntimeError):
    """The conversation changed since it was read (another process or a lost race)."""


def new_conversation_id() -> str:
    return secrets.token_urlsafe(CONVERSATION_ID_BYTES)


def dump_state(state: dict[str, Any]) -> str:
    """The canonical JSON text of a dialogue state."""
    return json.dumps(state, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def hash_sender(salt: str, sender: str) -> str:
    """Keyed hash of an external sender id, so the raw id (maybe a phone number) is never kept."""
    return hmac.new(salt.encode("utf-8"), sender.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class MessageRow:
    """One message to store; ``text`` is plaintext here and encrypted on insert."""

    role: str  # "visitor" | "bot"
    text: str
    kind: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    intent: str | None = None
    confidence: float | None = None


@dataclass(frozen=True)
class StoredState:
    conversation_id: str
    version: int
    state_json: str
    crisis_flag: bool


@dataclass(frozen=True)
class TranscriptEntry:
    role: str
    text: str
    buttons: list[dict[str, str]]
    kind: str
    created_at: datetime


def message_values(rows: Sequence[MessageRow], cipher: FieldCipher) -> list[dict[str, Any]]:
    """Column values of messages, text encrypted; the conversation id and time are added later."""
    return [
        {
            "role": row.role,
            "text_enc": cipher.encrypt(row.text),
            "buttons": row.buttons,
            "kind": row.kind,
            "intent": row.intent,
            "confidence": row.confidence,
        }
        for row in rows
    ]


def current_versions(conn: Connection, ids: Sequence[str]) -> dict[str, int]:
    """The stored version of each conversation (rows locked on PostgreSQL until commit)."""
    rows = conn.execute(
        select(conversations.c.id, conversations.c.version)
        .where(conversations.c.id.in_(ids))
        .with_for_update()
    )
    return {str(row.id): int(row.version) for row in rows}


async def load_state(
    conn: AsyncConnection, conversation_id: str, cipher: FieldCipher
) -> StoredState | None:
    row = (
        await conn.execute(
            select(
                conversations.c.version, conversations.c.state_enc, conversations.c.crisis_flag
            ).where(conversations.c.id == conversation_id)
        )
    ).one_or_none()
    if row is None:
        return None
    state_json = cipher.decrypt(row.state_enc)
    assert state_json is not None
    return StoredState(conversation_id, row.version, state_json, bool(row.crisis_flag))


async def load_transcript(
    conn: AsyncConnection, conversation_id: str, cipher: FieldCipher
) -> list[TranscriptEntry] | None:
    """Every message in order, decrypted; None when the conversation does not exist."""
    exists = (
        await conn.execute(select(conversations.c.id).where(conversations.c.id == conversation_id))
    ).one_or_none()
    if exists is None:
        return None
    rows = await conn.execute(
        select(
            messages.c.role,
            messages.c.text_enc,
            messages.c.buttons,
            messages.c.kind,
            messages.c.created_at,
        )
        .where(messages.c.conversation_id == conversation_id)
        .order_by(messages.c.id)
    )
    return [
        TranscriptEntry(
            role=row.role,
            text=cipher.decrypt(row.text_enc) or "",
            buttons=list(row.buttons or []),
            kind=row.kind,
            created_at=row.created_at,
        )
        for row in rows
    ]


async def find_by_sender_hash(conn: AsyncConnection, sender_hash: str) -> str | None:
    row = (
        await conn.execute(
            select(conversations.c.id).where(conversations.c.sender_hash == sender_hash)
        )
    ).one_or_none()
    return None if row is None else str(row.id)


async def sender_salt(conn: AsyncConnection) -> str:
    """The installation's secret salt for sender ids, made by the first migration."""
    value = (
        await conn.execute(select(instance.c.value).where(instance.c.key == "sender_salt"))
    ).scalar_one()
    return str(value)
