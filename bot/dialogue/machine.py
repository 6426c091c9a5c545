"""The dialogue state machine: ``step(state, message) -> (state, replies, events)``.

``Engine.step`` is pure. It reads the stored state (plain JSON), runs the
message through the safety layer first, then the matcher, and returns a new
state with the replies and the events the web layer acts on (store a request,
flag a crisis, record an unanswered question). It never mutates its input and
does no I/O, so the same state and message always give the same result, and
any state ever stored (older release, reloaded content) can be stepped.

docs/dialogue.md has the states, transitions, events and the state's JSON.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot import safety
from bot.content.loader import ContentError
from bot.content.models import ContentPack
from bot.content.render import Renderer
from bot.dialogue.formflow import FormFlow
from bot.dialogue.replies import Reply, Speaker, check_pack, counts_as_answer
from bot.dialogue.state import State, load_state
from bot.dialogue.turn import Event, Turn
from bot.matching.matcher import OUT_OF_SCOPE, Matcher, MatchResult, Ranked

__all__ = ["Engine", "Event", "Reply", "StepResult"]

SUGGEST_EVERY = 3  # offer a request after every third answered question
_PAYLOAD = re.compile(r"^/([a-z][a-z0-9_]*)(?:\{.*\})?$", re.DOTALL)  # "/intent" (Rasa-style)


@dataclass(frozen=True)
class StepResult:
    state: dict[str, Any]
    replies: list[Reply]
    events: list[Event]
    match: MatchResult | None  # None for the greeting and for crisis replies


class Engine:
    """The conversation logic for one content pack; shared by every conversation."""

    def __init__(self, pack: ContentPack, matcher: Matcher) -> None:
        self._pack = pack
        self._matcher = matcher
        self._region = str(pack.center.extra.get("country") or "US").upper()
        renderer = Renderer(pack)  # compiles every template; syntax errors raise ContentError
        problems = check_pack(pack, renderer, self._region)
        if problems:
            raise ContentError(problems)
        self._speaker = Speaker(pack, renderer, self._region)
        self._form = FormFlow(pack)

    # --- public API --------------------------------------------------------------
    def start(self) -> StepResult:
        """A new conversation: the greeting and its quick replies."""
        state = State()
        reply = self._speaker.say("greeting", state.turn)
        return StepResult(state.to_json(), [reply], [], None)

    def step(
        self, state: Mapping[str, Any], *, text: str | None = None, payload: str | None = None
    ) -> StepResult:
        """One visitor turn: typed ``text``, or a button's ``payload`` ("/intent_name")."""
        if (text is None) == (payload is None):
            raise ValueError("step() takes either text or payload")
        loaded = load_state(state, self._region)
        t = Turn(loaded.with_(turn=loaded.turn + 1, offer=None), self._speaker)
        if text is not None:
            hit = safety.detect(text)
            if hit is not None:
                self._crisis(t, hit.kind)
                return self._result(t, None)
            match = self._matcher.match(text)
        else:
            match = self._payload(str(payload))
        if t.state.form is not None and not t.state.form.paused:
            self._form.handle(t, text, match)
        else:
            self._chat(t, match, offer=loaded.offer)
        return self._result(t, match)

    def _result(self, t: Turn, match: MatchResult | None) -> StepResult:
        if not any(e.type == "fallback" for e in t.events):
            t.state = t.state.with_(fallbacks=0)  # only "not understood" *in a row* counts
        return StepResult(t.state.to_json(), t.replies, t.events, match)

    def render_reply(self, name: str, state: Mapping[str, Any]) -> list[Reply]:
        """Render one response outside a step, e.g. ``submit_failed`` when storage fails."""
        loaded = load_state(state, self._region)
        values = loaded.form.values if loaded.form else {}
        return [self._speaker.say(name, loaded.turn, values)]

    # --- outside the form --------------------------------------------------------
    def _chat(self, t: Turn, match: MatchResult, *, offer: str | None) -> None:
        unknown = match.intent == OUT_OF_SCOPE or match.intent not in self._pack.intents
        if unknown or match.ambiguous:
            self._not_understood(t, match)
            return
        intent = match.intent
        t.matched(intent, match.confidence)
        paused = t.state.form is not None
        if intent == "request_assessment" or (intent == "affirm" and (offer or paused)):
            self._form.start(t)
        elif intent == "cancel" and paused:
            self._form.cancel(t)
        else:
            self._answer(t, intent)

    def _answer(self, t: Turn, intent: str) -> None:
        counted = counts_as_answer(intent)
        paused = t.state.form is not None
        reply = t.answer(intent, suggest=counted and not paused)
        if not counted:
            self._offer_resume(t)
            return
        answers = t.state.answers + 1
        t.state = t.state.with_(answers=answers)
        if paused:
            self._offer_resume(t)
            return
        if t.state.submitted:
            return
        if any(b.payload == "/request_assessment" for b in reply.buttons):
            # The answer itself offers a request ("Would you like to request one?"): a "yes"
            # typed instead of tapping the button accepts it, as after suggest_request.
            t.state = t.state.with_(offer="request")
        elif answers % SUGGEST_EVERY == 0 or not reply.buttons:
            t.say("suggest_request")
            t.state = t.state.with_(offer="request")

    def _offer_resume(self, t: Turn) -> None:
        """While a form is set aside (after a crisis reply), every reply offers to continue it."""
        if t.state.form is not None and t.replies:
            t.add_buttons(self._speaker.button("request_assessment"))

    def _not_understood(self, t: Turn, match: MatchResult) -> None:
        t.not_understood(match)
        self._offer_resume(t)

    # --- safety --------------------------------------------------------------------
    def _crisis(self, t: Turn, kind: str) -> None:
        """Crisis replies come first in every state; a form in progress is set aside, not lost."""
        form = t.state.form
        t.state = t.state.with_(crisis=True)
        if form is not None:
            t.update_form(paused=True, failures=0)
        name = kind if kind in self._pack.responses else "crisis_self_harm"
        t.say(name, kind="crisis")
        t.emit("crisis", kind=kind)
        self._offer_resume(t)

    # --- buttons -------------------------------------------------------------------
    def _payload(self, payload: str) -> MatchResult:
        """A button press: the intent it names, sure; an unknown one is out of scope."""
        found = _PAYLOAD.match(payload.strip())
        if found and found.group(1) in self._pack.intents:
            name = found.group(1)
            return MatchResult(
                text=payload,
                intent=name,
                confidence=1.0,
                ranking=(Ranked(name, 1.0),),
                ambiguous=False,
            )
        return MatchResult(
            text=payload, intent=OUT_OF_SCOPE, confidence=0.0, ranking=(), ambiguous=False
        )
