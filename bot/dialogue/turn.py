"""What one visitor turn produces, collected while the step runs.

A Turn lives for exactly one call of ``Engine.step``: it starts from the
loaded (immutable) state and gathers the replies and events; the step then
returns ``turn.state`` as the new state. Nothing outlives the call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bot.content.models import Button
from bot.dialogue.replies import Reply, Speaker
from bot.dialogue.state import FormState, State
from bot.matching.matcher import MatchResult


@dataclass(frozen=True)
class Event:
    """Something the web layer acts on: store it, notify staff, flag a crisis."""

    type: str
    data: dict[str, Any] = field(default_factory=dict)


class Turn:
    def __init__(self, state: State, speaker: Speaker) -> None:
        self.state = state
        self.speaker = speaker
        self.replies: list[Reply] = []
        self.events: list[Event] = []

    # --- the form being filled -------------------------------------------------
    @property
    def form(self) -> FormState:
        """The form in progress; only called by form handling, where there is one."""
        assert self.state.form is not None
        return self.state.form

    @property
    def values(self) -> Mapping[str, Any]:
        return self.state.form.values if self.state.form else {}

    def set_form(self, form: FormState | None) -> None:
        self.state = self.state.with_(form=form)

    def update_form(self, **changes: Any) -> None:
        self.set_form(replace(self.form, **changes))

    # --- output ----------------------------------------------------------------
    def emit(self, type_: str, **data: Any) -> None:
        self.events.append(Event(type_, data))

    def matched(self, intent: str, confidence: float) -> None:
        self.emit("intent_matched", intent=intent, confidence=round(confidence, 4))

    def say(
        self,
        name: str,
        *,
        values: Mapping[str, Any] | None = None,
        extra: Iterable[Button] = (),
        kind: str | None = None,
    ) -> Reply:
        reply = self.speaker.say(
            name, self.state.turn, self.values if values is None else values, extra=extra, kind=kind
        )
        self.replies.append(reply)
        return reply

    def ask(self, field_name: str | None = None) -> Reply:
        """Ask the pending question (or ``field_name``) with the choices that apply."""
        reply = self.speaker.ask(field_name or self.form.field, self.state.turn, self.values)
        self.replies.append(reply)
        return reply

    def answer(self, intent: str, *, suggest: bool) -> Reply:
        reply = self.speaker.answer(intent, self.state.turn, suggest=suggest)
        self.replies.append(reply)
        return reply

    def add_buttons(self, *buttons: Button) -> None:
        """Append buttons to the last reply (e.g. "continue my request" after a crisis)."""
        last = self.replies[-1]
        have = {b.payload for b in last.buttons}
        extra = tuple(b for b in buttons if b.payload not in have)
        self.replies[-1] = Reply(last.text, last.buttons + extra, last.kind)

    def not_understood(self, match: MatchResult) -> None:
        """Say the message was not understood (or ask which of two was meant) and record it.

        Out-of-scope messages count towards "not understood twice in a row", which
        offers a person; an ambiguous one asks "did you mean A or B?" instead.
        """
        ranking = ranking_json(match)
        if match.ambiguous:
            self.emit("fallback", reason="ambiguous", ranking=ranking)
            self.say("did_you_mean", extra=self.speaker.options(match))
            return
        fallbacks = self.state.fallbacks + 1
        self.state = self.state.with_(fallbacks=fallbacks)
        self.emit("fallback", reason="out_of_scope", ranking=ranking)
        closest = self.speaker.closest(match)
        self.say("fallback_twice" if fallbacks >= 2 else "fallback", extra=closest)
        if closest:
            # The suggestion goes first: it is the likeliest thing the visitor meant.
            last = self.replies[-1]
            ordered = tuple(closest) + tuple(b for b in last.buttons if b not in closest)
            self.replies[-1] = Reply(last.text, ordered, last.kind)


def ranking_json(match: MatchResult, top: int = 5) -> list[dict[str, Any]]:
    return [{"intent": r.intent, "confidence": round(r.confidence, 4)} for r in match.ranking[:top]]
