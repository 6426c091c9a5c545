"""The conversation state: plain JSON between turns, typed and immutable inside a turn.

The web layer stores the state as JSON between requests, across restarts and
content reloads, so reading it back must never fail: anything malformed, from
an older release, or naming a field this release does not know is dropped or
reset to its default, and the conversation carries on from there.

JSON shape (version 1)::

    {"version": 1, "turn": 4, "answers": 2, "fallbacks": 0, "crisis": false,
     "submitted": false, "offer": "request" | "resume" | null,
     "form": null | {"field": "first_name", "values": {...}, "failures": 0,
                     "paused": false}}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from bot.dialogue import form as F

STATE_VERSION = 1
OFFERS = ("request", "resume")  # what a plain "yes" accepts next


@dataclass(frozen=True)
class FormState:
    field: str  # the question waiting for an answer (a form field, "confirm" or "change")
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    failures: int = 0  # invalid answers to this question in a row
    paused: bool = False  # set aside by a crisis reply until the visitor asks to continue

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "values": dict(self.values),
            "failures": self.failures,
            "paused": self.paused,
        }


@dataclass(frozen=True)
class State:
    turn: int = 0  # visitor messages so far; picks the response variant
    answers: int = 0  # questions answered from the FAQ; paces the request suggestion
    fallbacks: int = 0  # "I didn't understand" in a row
    crisis: bool = False  # a crisis reply was given in this conversation
    submitted: bool = False
    offer: str | None = None
    form: FormState | None = None

    def with_(self, **changes: Any) -> State:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "turn": self.turn,
            "answers": self.answers,
            "fallbacks": self.fallbacks,
            "crisis": self.crisis,
            "submitted": self.submitted,
            "offer": self.offer,
            "form": self.form.to_json() if self.form else None,
        }


def _count(raw: Mapping[str, Any], key: str) -> int:
    value = raw.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _flag(raw: Mapping[str, Any], key: str) -> bool:
    return raw.get(key) is True


def _form(raw: Any, region: str) -> FormState | None:
    if not isinstance(raw, Mapping):
        return None
    values = F.settle(F.sanitize(raw.get("values"), region))
    # The pending question is always the first one still unanswered, except on the
    # summary, where it is "confirm" or "change". Recomputing it (rather than trusting
    # the stored name) also copes with fields an older release asked differently.
    current = F.next_field(values)
    if current == F.CONFIRM and raw.get("field") == F.CHANGE:
        current = F.CHANGE
    return FormState(
        field=str(current),
        values=values,
        failures=_count(raw, "failures"),
        paused=_flag(raw, "paused"),
    )


def load_state(raw: Mapping[str, Any] | None, region: str) -> State:
    """A State from stored JSON; None or garbage gives a fresh conversation."""
    if not isinstance(raw, Mapping):
        return State()
    offer = raw.get("offer")
    return State(
        turn=_count(raw, "turn"),
        answers=_count(raw, "answers"),
        fallbacks=_count(raw, "fallbacks"),
        crisis=_flag(raw, "crisis"),
        submitted=_flag(raw, "submitted"),
        offer=offer if offer in OFFERS else None,
        form=_form(raw.get("form"), region),
    )
