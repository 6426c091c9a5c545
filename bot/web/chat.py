"""The chat service: one visitor turn from message to committed state, shared by every channel.

A turn runs the live dialogue engine on the stored state and commits, in one
transaction, the new state, the visitor's message, the bot's replies and any
assessment request (with its outbox rows). Only after that commit does the
caller get the replies, so nothing a visitor was told is lost. When a request
cannot be stored, the visitor is told so plainly (``submit_failed``) and the
state is left where it was, so trying again resubmits.

Encryption happens here, in the request's own task; the group-commit writer
(bot.storage.writer) only moves ready values, many turns per transaction.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.crypto import FieldCipher
from bot.dialogue.machine import Reply, StepResult
from bot.runtime import Runtime, RuntimeHolder
from bot.storage import conversations as store
from bot.storage.conversations import MessageRow, VersionConflictError, message_values
from bot.storage.requests import insert_request
from bot.storage.turns import NewConversation, TurnWrite
from bot.storage.writer import BatchUnit, GroupCommitWriter, WriterClosedError
from bot.web.locks import CachedState, KeyedLocks, StateCache

log = logging.getLogger(__name__)

MAX_CONFLICT_RETRIES = 3
STATE_CACHE_ENTRIES = 20_000


class ConversationNotFoundError(LookupError):
    """No conversation has this id (never existed, or purged)."""


class StorageUnavailableError(RuntimeError):
    """The turn could not be committed; nothing was acknowledged to the visitor."""


class ConversationBusyError(RuntimeError):
    """The conversation kept changing underneath this turn (another server process)."""


@dataclass(frozen=True)
class TurnRecord:
    """What a turn hook sees, inside the turn's transaction."""

    conversation_id: str
    text: str | None
    payload: str | None
    result: StepResult
    request_id: int | None


# Runs on the storage writer's thread, inside the turn's transaction: use only ``conn``,
# touch no event loop, and be quick (every turn in the batch waits for the commit).
TurnHook = Callable[[Connection, TurnRecord], None]


def reply_to_json(reply: Reply) -> dict[str, Any]:
    """The wire format of a bot message (chat API ``Message``)."""
    return {
        "text": reply.text,
        "buttons": [{"title": b.title, "payload": b.payload} for b in reply.buttons],
        "kind": reply.kind,
    }


def _bot_rows(replies: Sequence[Reply]) -> list[MessageRow]:
    return [
        MessageRow(
            role="bot",
            text=r.text,
            kind=r.kind,
            buttons=[{"title": b.title, "payload": b.payload} for b in r.buttons],
        )
        for r in replies
    ]


def _parse_state(state_json: str) -> dict[str, Any]:
    """The stored state; one that cannot be read (say, its key is gone) starts afresh."""
    try:
        state = json.loads(state_json)
    except ValueError:
        state = None
    if not isinstance(state, dict):
        log.warning("a conversation state could not be read; the conversation starts over")
        return {}
    return state


def _event_data(result: StepResult, event_type: str) -> dict[str, Any] | None:
    for event in result.events:
        if event.type == event_type:
            return dict(event.data)
    return None


class ChatService:
    """Starts conversations, runs turns, restores transcripts; holds no request state."""

    def __init__(
        self,
        *,
        holder: RuntimeHolder,
        db: AsyncEngine,
        writer: GroupCommitWriter,
        cipher: FieldCipher,
        channels: Sequence[str],
        hooks: Sequence[TurnHook] = (),
        new_request: asyncio.Event | None = None,
        cache_entries: int = STATE_CACHE_ENTRIES,
    ) -> None:
        self._holder = holder
        self._db = db
        self._writer = writer
        self._cipher = cipher
        self._channels = tuple(channels)
        self._hooks = hooks
        self._new_request = new_request
        self._locks = KeyedLocks()
        self._cache = StateCache(cache_entries)
        self._salt: str | None = None

    # --- conversations ---------------------------------------------------------
    async def start(
        self, *, channel: str = "api", sender_hash: str | None = None
    ) -> tuple[str, list[Reply]]:
        """A new conversation and its greeting, committed."""
        result = self._holder.current.engine.start()
        conversation_id = store.new_conversation_id()
        state_json = store.dump_state(result.state)
        await self._commit(
            NewConversation(
                conversation_id=conversation_id,
                state_enc=self._encrypt(state_json),
                messages=tuple(message_values(_bot_rows(result.replies), self._cipher)),
                now=datetime.now(UTC),
                channel=channel,
                sender_hash=sender_hash,
            )
        )
        self._cache.put(conversation_id, CachedState(1, state_json))
        return conversation_id, list(result.replies)

    async def for_sender(self, sender: str) -> tuple[str, list[Reply]]:
        """The conversation of an external channel's sender: (id, greeting if it is new)."""
        try:
            if self._salt is None:
                async with self._db.connect() as conn:
                    self._salt = await store.sender_salt(conn)
            sender_hash = store.hash_sender(self._salt, sender)
            async with self._locks.hold("sender:" + sender_hash):
                existing = await self._find_sender(sender_hash)
                if existing is not None:
                    return existing, []
                try:
                    return await self.start(channel="rasa", sender_hash=sender_hash)
                except StorageUnavailableError as exc:
                    # Another server process created it first.
                    existing = await self._find_sender(sender_hash)
                    if existing is None or not isinstance(exc.__cause__, IntegrityError):
                        raise
                    return existing, []
        except SQLAlchemyError as exc:
            raise StorageUnavailableError("could not look up the sender") from exc

    async def _find_sender(self, sender_hash: str) -> str | None:
        async with self._db.connect() as conn:
            return await store.find_by_sender_hash(conn, sender_hash)

    async def transcript(self, conversation_id: str) -> list[store.TranscriptEntry]:
        try:
            async with self._db.connect() as conn:
                entries = await store.load_transcript(conn, conversation_id, self._cipher)
        except SQLAlchemyError as exc:
            raise StorageUnavailableError("could not read the conversation") from exc
        if entries is None:
            raise ConversationNotFoundError(conversation_id)
        return entries

    # --- one turn ----------------------------------------------------------------
    async def send(
        self,
        conversation_id: str,
        *,
        text: str | None = None,
        payload: str | None = None,
        label: str | None = None,
    ) -> list[Reply]:
        """Run one visitor message through the engine; returns the replies once committed.

        ``label`` is what the visitor saw for a button payload (its title), kept for the
        transcript; without one the intent's title stands in.
        """
        async with self._locks.hold(conversation_id):
            for _ in range(MAX_CONFLICT_RETRIES):
                snapshot = await self._snapshot(conversation_id)
                runtime = self._holder.current
                try:
                    return await self._turn(
                        runtime, conversation_id, snapshot, text, payload, label
                    )
                except VersionConflictError:
                    self._cache.drop(conversation_id)
            raise ConversationBusyError(conversation_id)

    async def _snapshot(self, conversation_id: str) -> CachedState:
        cached = self._cache.get(conversation_id)
        if cached is not None:
            return cached
        try:
            async with self._db.connect() as conn:
                stored = await store.load_state(conn, conversation_id, self._cipher)
        except SQLAlchemyError as exc:
            raise StorageUnavailableError("could not read the conversation") from exc
        if stored is None:
            raise ConversationNotFoundError(conversation_id)
        snapshot = CachedState(stored.version, stored.state_json)
        self._cache.put(conversation_id, snapshot)
        return snapshot

    async def _turn(
        self,
        runtime: Runtime,
        conversation_id: str,
        snapshot: CachedState,
        text: str | None,
        payload: str | None,
        label: str | None,
    ) -> list[Reply]:
        result = runtime.engine.step(_parse_state(snapshot.state_json), text=text, payload=payload)
        fields = (_event_data(result, "assessment_requested") or {}).get("fields")
        crisis = _event_data(result, "crisis")
        visitor = self._visitor_row(runtime, result, text, payload, label)
        state_json = store.dump_state(result.state)
        write = TurnWrite(
            conversation_id=conversation_id,
            expected_version=snapshot.version,
            state_enc=self._encrypt(state_json),
            messages=tuple(message_values([visitor, *_bot_rows(result.replies)], self._cipher)),
            now=datetime.now(UTC),
            crisis_kind=str(crisis.get("kind") or "unknown") if crisis is not None else None,
            request=self._request_writer(conversation_id, fields) if fields else None,
            after=self._hooks_runner(conversation_id, text, payload, result),
        )
        try:
            request_id = await self._commit(write)
        except StorageUnavailableError:
            if not fields:
                raise
            log.error("an assessment request could not be stored; the visitor was told to call")
            return await self._submit_failed(runtime, conversation_id, snapshot, visitor)
        self._cache.put(conversation_id, CachedState(snapshot.version + 1, state_json))
        if request_id is not None and self._new_request is not None:
            self._new_request.set()
        return list(result.replies)

    def _request_writer(
        self, conversation_id: str, fields: dict[str, Any]
    ) -> Callable[[Connection], int]:
        cipher, channels = self._cipher, self._channels

        def write(conn: Connection) -> int:
            return insert_request(conn, conversation_id, fields, cipher, channels)

        return write

    def _hooks_runner(
        self, conversation_id: str, text: str | None, payload: str | None, result: StepResult
    ) -> Callable[[Connection, int | None], None] | None:
        if not self._hooks:
            return None
        hooks = tuple(self._hooks)

        def run(conn: Connection, request_id: int | None) -> None:
            record = TurnRecord(conversation_id, text, payload, result, request_id)
            for hook in hooks:
                hook(conn, record)

        return run

    async def _submit_failed(
        self, runtime: Runtime, conversation_id: str, snapshot: CachedState, visitor: MessageRow
    ) -> list[Reply]:
        """Tell the visitor the request was not saved; keep the state so they can retry."""
        replies = runtime.engine.render_reply("submit_failed", _parse_state(snapshot.state_json))
        write = TurnWrite(
            conversation_id=conversation_id,
            expected_version=snapshot.version,
            state_enc=self._encrypt(snapshot.state_json),
            messages=tuple(message_values([visitor, *_bot_rows(replies)], self._cipher)),
            now=datetime.now(UTC),
        )
        try:
            await self._commit(write)
        except (StorageUnavailableError, VersionConflictError):
            self._cache.drop(conversation_id)
            log.error("the failed-request turn could not be stored either")
        else:
            self._cache.put(conversation_id, CachedState(snapshot.version + 1, snapshot.state_json))
        return list(replies)

    def _visitor_row(
        self,
        runtime: Runtime,
        result: StepResult,
        text: str | None,
        payload: str | None,
        label: str | None,
    ) -> MessageRow:
        match = result.match
        if payload is not None and text is None:
            intent = runtime.pack.intents.get(payload.lstrip("/").split("{", 1)[0])
            shown = label or (intent.title if intent else payload)
            kind = "button"
        else:
            shown = text or ""
            kind = "text"
        return MessageRow(
            role="visitor",
            text=shown,
            kind=kind,
            intent=match.intent if match is not None else None,
            confidence=float(match.confidence) if match is not None else None,
        )

    def _encrypt(self, text: str) -> str:
        token = self._cipher.encrypt(text)
        assert token is not None
        return token

    async def _commit(self, unit: BatchUnit) -> Any:
        try:
            return await self._writer.run(unit)
        except VersionConflictError:
            raise
        except (SQLAlchemyError, WriterClosedError) as exc:
            log.error("storage failed: %s", type(exc).__name__)
            raise StorageUnavailableError("the conversation could not be stored") from exc
