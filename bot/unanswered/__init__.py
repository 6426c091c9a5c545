"""Unanswered questions: what visitors asked that the content could not answer.

A turn hook (run inside the transaction of every stored turn) keeps each message that fell
back, out of scope or ambiguous, with personal data masked (``bot.unanswered.masking``) and the
text encrypted, plus the reason, the best-ranked intent and its confidence. Button presses
and crisis messages are never kept: a crisis is answered by the safety layer, not a fallback,
and is checked for here as well. Editors review the questions, grouped, on /staff/unanswered
(``bot.unanswered.views``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy import Connection

import bot.staff
from bot.crypto import FieldCipher
from bot.runtime import RuntimeHolder
from bot.storage.tables_unanswered import UNANSWERED_REASONS
from bot.unanswered import store, views
from bot.unanswered.masking import mask
from bot.web.chat import TurnHook, TurnRecord
from bot.web.keys import CIPHER_KEY, RUNTIME_KEY, TURN_HOOKS_KEY

log = logging.getLogger(__name__)

__all__ = ["NewQuestion", "make_hook", "question_of", "setup"]


@dataclass(frozen=True)
class NewQuestion:
    """What one fallback turn leaves for the editors (the text already masked)."""

    conversation_id: str
    text: str
    reason: str
    top_intent: str | None
    confidence: float | None


def _first_name(state: Mapping[str, Any]) -> str | None:
    """The first name the visitor gave in the form, if the state still holds it."""
    form = state.get("form")
    values = form.get("values") if isinstance(form, Mapping) else None
    name = values.get("first_name") if isinstance(values, Mapping) else None
    return name if isinstance(name, str) and name.strip() else None


def question_of(turn: TurnRecord, region: str = "US") -> NewQuestion | None:
    """The unanswered question a turn leaves, or None when it answered (or was a crisis)."""
    if turn.text is None or not turn.text.strip():
        return None  # a button press: nothing the visitor wrote
    events = turn.result.events
    if any(e.type == "crisis" for e in events):
        return None
    fallback = next((e for e in events if e.type == "fallback"), None)
    if fallback is None or fallback.data.get("reason") not in UNANSWERED_REASONS:
        return None
    ranking = fallback.data.get("ranking") or []
    top = ranking[0] if ranking and isinstance(ranking[0], Mapping) else {}
    intent = top.get("intent")
    confidence = top.get("confidence")
    name = _first_name(turn.result.state)
    return NewQuestion(
        conversation_id=turn.conversation_id,
        text=mask(turn.text.strip(), names=[name] if name else (), region=region),
        reason=str(fallback.data["reason"]),
        top_intent=intent if isinstance(intent, str) else None,
        confidence=float(confidence) if isinstance(confidence, int | float) else None,
    )


def make_hook(holder: RuntimeHolder, cipher: FieldCipher) -> TurnHook:
    """The turn hook that stores unanswered questions, in the turn's own transaction."""

    def record_unanswered(conn: Connection, turn: TurnRecord) -> None:
        region = str(holder.current.pack.center.extra.get("country") or "US")
        try:
            question = question_of(turn, region)
        except Exception as exc:  # a masking bug must never cost the visitor their reply
            log.error("an unanswered question could not be masked: %s", type(exc).__name__)
            return
        if question is None:
            return
        store.record_question(
            conn,
            conversation_id=question.conversation_id,
            text_enc=cipher.encrypt(question.text) or "",
            reason=question.reason,
            top_intent=question.top_intent,
            confidence=question.confidence,
            now=datetime.now(UTC),
        )

    return record_unanswered


def setup(app: web.Application) -> None:
    """Record unanswered questions on every turn; add the review pages for staff.

    Call it after ``bot.staff.setup`` (the pages are dashboard pages).
    """
    app[TURN_HOOKS_KEY].append(make_hook(app[RUNTIME_KEY], app[CIPHER_KEY]))
    bot.staff.add_page(
        app,
        path="/staff/unanswered",
        handler=views.group_list,
        name="staff.unanswered",
        title="Unanswered",
        admin=False,
    )
    bot.staff.add_page(
        app,
        path=r"/staff/unanswered/{id:\d+}",
        handler=views.group_detail,
        name="staff.unanswered_group",
        title="Unanswered question group",
        admin=False,
        nav=False,
    )
    bot.staff.add_page(
        app,
        path=r"/staff/unanswered/{id:\d+}/handled",
        handler=views.group_handled,
        name="staff.unanswered_handled",
        title="Mark handled",
        admin=False,
        method="POST",
        nav=False,
    )
