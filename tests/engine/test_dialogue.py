"""The dialogue outside the form: greeting, answers and suggestions, fallbacks, buttons, crisis.

The engine runs on the demo pack with its real matcher, but every response's
text is replaced by its own name, so each test reads as the sequence of
responses the bot chose and does not break when an editor rewords a reply.
Every step passes the state through JSON and checks the input was not mutated.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.content import ContentError, ContentPack, ResponseVariant, load_pack
from bot.dialogue.machine import Engine, StepResult
from bot.matching.matcher import Matcher
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def named_pack(pack: ContentPack) -> ContentPack:
    """The pack with each response's text replaced by its name (buttons kept)."""
    responses: dict[str, tuple[ResponseVariant, ...]] = {
        name: (ResponseVariant(name, variants[0].buttons),)
        for name, variants in pack.responses.items()
    }
    return replace(pack, responses=responses)


@pytest.fixture(scope="module")
def pack() -> ContentPack:
    return load_pack(ROOT)


@pytest.fixture(scope="module")
def engine(pack: ContentPack) -> Engine:
    defaults = Settings()
    matcher = Matcher(pack, threshold=defaults.match_threshold, margin=defaults.ambiguity_margin)
    return Engine(named_pack(pack), matcher)


class Chat:
    """One conversation, stored as JSON between turns like the server does."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.result = engine.start()
        self.state = self.result.state

    def send(self, text: str | None = None, payload: str | None = None) -> StepResult:
        stored = json.loads(json.dumps(self.state))
        before = copy.deepcopy(stored)
        result = self.engine.step(stored, text=text, payload=payload)
        assert stored == before, "step() mutated the state it was given"
        assert json.loads(json.dumps(result.state)) == result.state
        json.dumps([e.data for e in result.events])  # events are JSON data too
        self.state, self.result = result.state, result
        return result

    def say(self, text: str) -> list[str]:
        return names(self.send(text=text))

    def press(self, payload: str) -> list[str]:
        return names(self.send(payload=payload))

    def events(self) -> list[str]:
        return [e.type for e in self.result.events]

    def event(self, kind: str) -> dict[str, Any]:
        return next(e.data for e in self.result.events if e.type == kind)

    def payloads(self, index: int = -1) -> list[str]:
        return [b.payload for b in self.result.replies[index].buttons]


def names(result: StepResult) -> list[str]:
    return [r.text for r in result.replies]


@pytest.fixture
def chat(engine: Engine) -> Chat:
    return Chat(engine)


# --- greeting and answers ------------------------------------------------------


def test_greeting_starts_a_versioned_json_state(engine: Engine) -> None:
    result = engine.start()
    assert names(result) == ["greeting"]
    assert result.replies[0].kind == "greeting"
    assert "/request_assessment" in [b.payload for b in result.replies[0].buttons]
    assert result.state["version"] == 1 and result.state["form"] is None
    assert result.match is None and result.events == []


def test_an_answer_offers_its_suggested_topics(chat: Chat, pack: ContentPack) -> None:
    assert chat.say("how long is the program?") == ["program_length"]
    assert chat.events() == ["intent_matched"]
    assert chat.event("intent_matched")["intent"] == "program_length"
    suggested = [f"/{s}" for s in pack.intents["program_length"].suggest]
    assert chat.payloads() == suggested
    assert chat.result.replies[0].kind == "answer"


def test_every_third_answer_suggests_a_request_and_yes_starts_it(chat: Chat) -> None:
    assert chat.say("how long is the program") == ["program_length"]
    assert chat.say("how many hours a week") == ["weekly_hours"]
    assert chat.say("is it confidential") == ["confidentiality", "suggest_request"]
    assert chat.result.replies[-1].kind == "question"
    assert chat.say("yes") == ["form_start", "ask_for_whom"]
    assert chat.events() == ["intent_matched", "form_started"]


def test_yes_without_an_offer_gets_its_own_reply(chat: Chat) -> None:
    assert chat.say("yes") == ["affirm"]
    assert chat.state["form"] is None


def test_small_talk_is_not_counted_as_a_question(chat: Chat) -> None:
    for _ in range(3):
        assert chat.say("thanks") == ["thanks"]
    assert chat.state["answers"] == 0


# --- not understood --------------------------------------------------------------


def test_fallback_then_fallback_twice_then_back_to_normal(chat: Chat, pack: ContentPack) -> None:
    assert chat.say("who won the super bowl") == ["fallback"]
    assert chat.result.replies[0].kind == "fallback"
    data = chat.event("fallback")
    assert data["reason"] == "out_of_scope"
    assert 1 <= len(data["ranking"]) <= 5
    assert set(data["ranking"][0]) == {"intent", "confidence"}
    assert chat.say("tell me a joke") == ["fallback_twice"]
    assert chat.payloads() == [b.payload for b in pack.responses["fallback_twice"][0].buttons]
    assert chat.say("how long is the program") == ["program_length"]
    assert chat.state["fallbacks"] == 0
    assert chat.say("blah blah") == ["fallback"]


def test_ambiguous_question_asks_did_you_mean(chat: Chat) -> None:
    assert chat.say("do you take insurance and how long is it") == ["did_you_mean"]
    ranking = chat.event("fallback")
    assert ranking["reason"] == "ambiguous"
    top_two = [f"/{r['intent']}" for r in ranking["ranking"][:2]]
    assert chat.payloads()[:2] == top_two
    assert chat.press(top_two[1]) == [top_two[1][1:]]


@pytest.mark.parametrize("payload", ["/no_such_intent", "hello", "/", "", "/Program_Length"])
def test_unknown_payload_is_a_fallback_not_a_crash(chat: Chat, payload: str) -> None:
    assert chat.press(payload) == ["fallback"]
    assert chat.result.match is not None and chat.result.match.intent == "out_of_scope"


def test_payload_bypasses_the_matcher(chat: Chat) -> None:
    assert chat.press("/program_length") == ["program_length"]
    assert chat.result.match is not None and chat.result.match.confidence == 1.0


def test_step_needs_exactly_one_of_text_and_payload(engine: Engine) -> None:
    with pytest.raises(ValueError, match="either text or payload"):
        engine.step({})
    with pytest.raises(ValueError, match="either text or payload"):
        engine.step({}, text="hi", payload="/greet")


# --- safety ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("i want to kill myself", "crisis_self_harm"),
        ("my friend overdosed and isn't breathing", "medical_emergency"),
    ],
)
def test_crisis_reply_comes_first(chat: Chat, text: str, kind: str) -> None:
    assert chat.say(text) == [kind]
    assert chat.result.replies[0].kind == "crisis"
    assert chat.events() == ["crisis"] and chat.event("crisis") == {"kind": kind}
    assert chat.state["crisis"] is True
    assert chat.result.match is None
    assert chat.say("how long is the program") == ["program_length"]
    assert chat.state["crisis"] is True  # the conversation stays flagged


# --- after a request -------------------------------------------------------------


def submitted(chat: Chat) -> None:
    chat.press("/request_assessment")
    chat.press("/for_self")
    chat.say("Sam")
    chat.say("sam@example.com")
    chat.press("/time_any")
    chat.press("/skip")
    chat.press("/affirm")
    assert chat.press("/affirm") == ["submitted"]


def test_asking_again_after_submitting_is_already_submitted(chat: Chat) -> None:
    submitted(chat)
    assert chat.state["submitted"] is True and chat.state["form"] is None
    assert chat.say("i want to sign up") == ["already_submitted"]
    assert chat.say("how long is the program") == ["program_length"]
    assert chat.say("is it confidential") == ["confidentiality"]
    assert chat.say("how many hours a week") == ["weekly_hours"]  # no more request offers


def test_render_reply_for_a_storage_failure(engine: Engine, chat: Chat) -> None:
    chat.press("/request_assessment")
    replies = engine.render_reply("submit_failed", chat.state)
    assert [r.text for r in replies] == ["submit_failed"]
    assert replies[0].kind == "error"


# --- the pack the dialogue needs ---------------------------------------------------


def test_engine_refuses_a_pack_without_a_dialogue_response(pack: ContentPack) -> None:
    responses = {k: v for k, v in pack.responses.items() if k != "ask_consent"}
    with pytest.raises(ContentError) as info:
        Engine(replace(pack, responses=responses), Matcher(pack, threshold=0.6, margin=0.04))
    assert any("'ask_consent'" in p.message for p in info.value.problems)


def test_engine_refuses_a_template_that_cannot_render(pack: ContentPack) -> None:
    broken = {**pack.responses, "greeting": (ResponseVariant("Hi {{ center.nmae }}"),)}
    with pytest.raises(ContentError) as info:
        Engine(replace(pack, responses=broken), Matcher(pack, threshold=0.6, margin=0.04))
    [problem] = info.value.problems
    file, line = pack.response_locations["greeting"]
    assert (problem.file, problem.line) == (file, line)
    assert "greeting" in problem.message and "nmae" in problem.message


# --- states stored by an older release or older content ----------------------------


def test_state_from_older_content_with_a_removed_intent(pack: ContentPack) -> None:
    older = Chat(Engine(named_pack(pack), Matcher(pack, threshold=0.62, margin=0.04)))
    older.say("how long is the program")
    older.press("/request_assessment")
    older.press("/for_self")
    stored = {**older.state, "last_intent": "twelve_step", "version": 0}

    intents = {k: v for k, v in pack.intents.items() if k != "twelve_step"}
    newer_pack = replace(pack, intents=intents)
    newer = Chat(Engine(named_pack(newer_pack), Matcher(newer_pack, threshold=0.62, margin=0.04)))
    newer.state = stored
    # A button from an old reply naming the removed intent is simply not understood...
    assert newer.press("/twelve_step") == ["fallback", "resume_form", "ask_first_name"]
    assert newer.state["form"]["field"] == "first_name"
    assert newer.state["form"]["failures"] == 0
    # ...and the request carries on where it was.
    assert newer.say("Sam") == ["ask_contact"]
    assert "last_intent" not in newer.state and newer.state["version"] == 1


def test_an_unsure_match_is_offered_as_a_button_not_answered(pack: ContentPack) -> None:
    """Below the threshold but close: the "not sure" reply leads with the likeliest topic."""
    strict = Engine(named_pack(pack), Matcher(pack, threshold=0.99, margin=0.0))
    chat = Chat(strict)
    assert chat.say("how long does the program usually last") == ["fallback"]
    assert chat.payloads()[0] == "/program_length"
    assert chat.event("fallback")["reason"] == "out_of_scope"
    # Nothing close: no guess. Small talk and commands are never suggested.
    assert chat.say("who won the super bowl") == ["fallback_twice"]
    assert "/program_length" not in chat.payloads()
    for text in ("thanks so much", "yes please"):
        chat.say(text)
        top = chat.result.match.ranking[0].intent if chat.result.match else ""
        assert f"/{top}" not in chat.payloads()


def test_yes_accepts_a_request_offered_inside_an_answer(chat: Chat) -> None:
    """An answer whose buttons offer a request ("Would you like to request one?") takes "yes"."""
    assert chat.say("do you take insurance") == ["insurance_cost"]
    assert "/request_assessment" in chat.payloads()
    assert chat.say("yes") == ["form_start", "ask_for_whom"]
