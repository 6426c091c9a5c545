"""Turning response names into Replies: the variant, its buttons and its kind.

The state machine decides *what* to say (a response name); this module decides
*how it looks*: which variant (rotated by turn), which buttons (the content's,
follow-up suggestions, only the contact methods the visitor gave), and the
reply kind the widget styles by. It also checks, when content loads, that every
response and intent the dialogue relies on exists and renders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.content.models import Button, ContentPack, Problem
from bot.content.render import Renderer
from bot.dialogue import form as F
from bot.matching.matcher import MatchResult

MAX_SUGGESTIONS = 3

# Responses the dialogue renders by name; a pack without one of them cannot run.
REQUIRED_RESPONSES: tuple[str, ...] = (
    "greeting",
    "fallback",
    "fallback_twice",
    "did_you_mean",
    "form_start",
    *(F.ASK[f] for f in F.FIELDS),
    "confirm_summary",
    "ask_what_to_change",
    "submitted",
    "submit_failed",
    "form_cancelled",
    "consent_declined",
    "invalid_phone",
    "invalid_email",
    "invalid_contact",
    "invalid_name",
    "invalid_choice",
    "too_many_failures",
    *(F.WHY[f] for f in F.FIELDS),
    "resume_form",
    "suggest_request",
    "crisis_self_harm",
    "medical_emergency",
    "already_submitted",
)
# Intents the dialogue acts on (beyond answering them): the form's words and commands.
COMMAND_INTENTS: frozenset[str] = frozenset(
    {"affirm", "deny", "cancel", "skip", "why_field", "request_assessment", "human_handoff"}
)
REQUIRED_INTENTS: tuple[str, ...] = tuple(sorted(COMMAND_INTENTS | F.FORM_INTENTS))
# Conversational intents: answered, but not counted as questions about the program.
SMALL_TALK: frozenset[str] = frozenset({"greet", "goodbye", "thanks", "bot_challenge"})

# An unsure match at or above this confidence is offered as a button with the "not sure" reply,
# so a visitor whose wording was just off reaches the answer in one tap (never answered outright).
SUGGEST_FLOOR = 0.40


def counts_as_answer(intent: str) -> bool:
    """A question about the program (not small talk, a command or a form word)."""
    return (
        intent not in SMALL_TALK and intent not in COMMAND_INTENTS and intent not in F.FORM_INTENTS
    )


_KINDS: dict[str, str] = {
    "greeting": "greeting",
    "fallback": "fallback",
    "fallback_twice": "fallback",
    "did_you_mean": "fallback",
    "crisis_self_harm": "crisis",
    "medical_emergency": "crisis",
    "confirm_summary": "confirmation",
    "submitted": "confirmation",
    "suggest_request": "question",
    "submit_failed": "error",
    "too_many_failures": "error",
}


def kind_of(name: str) -> str:
    """The reply kind for a response name; the widget styles replies by kind."""
    if name in _KINDS:
        return _KINDS[name]
    if name.startswith("invalid_"):
        return "error"
    if name.startswith("ask_"):
        return "question"
    return "answer"


@dataclass(frozen=True)
class Reply:
    """One bot message: plain text (the web layer escapes it) and quick-reply buttons."""

    text: str
    buttons: tuple[Button, ...] = ()
    kind: str = "answer"  # greeting|answer|question|crisis|fallback|confirmation|error


def _merge(*groups: Iterable[Button]) -> tuple[Button, ...]:
    """Buttons in order, dropping repeats of the same payload."""
    seen: set[str] = set()
    out: list[Button] = []
    for group in groups:
        for button in group:
            if button.payload not in seen:
                seen.add(button.payload)
                out.append(button)
    return tuple(out)


class Speaker:
    """Renders the dialogue's replies for one content pack."""

    def __init__(self, pack: ContentPack, renderer: Renderer, region: str) -> None:
        self._pack = pack
        self._renderer = renderer
        self.region = region

    def button(self, intent: str) -> Button:
        it = self._pack.intents.get(intent)
        return Button(it.title if it else intent.replace("_", " ").capitalize(), f"/{intent}")

    def options(self, match: MatchResult, count: int = 2) -> list[Button]:
        """Buttons for the best-ranked intents the pack still has ("did you mean ...?")."""
        known = [r.intent for r in match.ranking if r.intent in self._pack.intents]
        return [self.button(i) for i in known[:count]]

    def closest(self, match: MatchResult) -> list[Button]:
        """The best-ranked question intent as a button, when it was close enough to suggest."""
        best = match.ranking[0] if match.ranking else None
        if best is None or best.confidence < SUGGEST_FLOOR or best.intent not in self._pack.intents:
            return []
        return [self.button(best.intent)] if counts_as_answer(best.intent) else []

    def say(
        self,
        name: str,
        turn: int,
        values: Mapping[str, Any] | None = None,
        *,
        extra: Iterable[Button] = (),
        kind: str | None = None,
    ) -> Reply:
        variant = self._renderer.render(name, turn, F.template_values(values or {}, self.region))
        return Reply(variant.text, _merge(variant.buttons, extra), kind or kind_of(name))

    def ask(self, field: str, turn: int, values: Mapping[str, Any]) -> Reply:
        """The question for ``field``, offering only the choices that apply now."""
        reply = self.say(F.ASK[field], turn, values)
        if field not in F.CHOICES:
            return reply
        allowed = F.allowed_choices(field, values)
        choice_payloads = {f"/{i}" for i in F.CHOICES[field]}
        buttons = tuple(
            b for b in reply.buttons if b.payload not in choice_payloads or b.payload[1:] in allowed
        )
        if not any(b.payload in choice_payloads for b in buttons):
            buttons = _merge((self.button(i) for i in allowed), buttons)
        return Reply(reply.text, buttons, reply.kind)

    def answer(self, intent: str, turn: int, *, suggest: bool) -> Reply:
        """An intent's own response, followed (outside the form) by its suggested topics."""
        response = self._pack.intents[intent].response
        kind = "greeting" if intent == "greet" else "answer"
        reply = self.say(response, turn, kind=kind)
        if suggest:
            follow = [s for s in self._pack.intents[intent].suggest if s in self._pack.intents]
            extra = [self.button(s) for s in follow[:MAX_SUGGESTIONS] if s != intent]
            reply = Reply(reply.text, _merge(reply.buttons, extra), reply.kind)
        return reply


def check_pack(pack: ContentPack, renderer: Renderer, region: str) -> list[Problem]:
    """Everything the dialogue needs from a pack, as file:line problems."""
    problems: list[Problem] = []
    for name in REQUIRED_RESPONSES:
        if name not in pack.responses:
            problems.append(
                Problem(
                    "responses", 0, 0, f"the dialogue needs a response named '{name}' (none found)"
                )
            )
    for name in REQUIRED_INTENTS:
        if name not in pack.intents:
            problems.append(
                Problem(
                    "intents", 0, 0, f"the dialogue needs an intent named '{name}' (none found)"
                )
            )
    problems.extend(renderer.check(F.sample_values(region)))
    return problems
