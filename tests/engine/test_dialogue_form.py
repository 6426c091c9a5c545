"""The assessment-request form, path by path.

As in test_dialogue.py, the engine runs on the demo pack and its real matcher
with each response's text replaced by its name (the summary and the thank-you
show form values, to check what the templates receive). Every step passes the
state through JSON and checks the input state was not mutated.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.content import ResponseVariant, load_pack
from bot.dialogue.machine import Engine, StepResult
from bot.matching.matcher import Matcher
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SHOWN = {
    "confirm_summary": "confirm_summary {{ form.first_name }}|{{ form.for_whom }}|"
    "{{ form.phone }}|{{ form.email }}|{{ form.contact_method }}|{{ form.contact_time }}|"
    "{{ form.voicemail_ok }}|{{ form.insurance }}",
    "submitted": "submitted {{ form.first_name }}",
}


@pytest.fixture(scope="module")
def engine() -> Engine:
    pack = load_pack(ROOT)
    responses: dict[str, tuple[ResponseVariant, ...]] = {
        name: (ResponseVariant(SHOWN.get(name, name), variants[0].buttons),)
        for name, variants in pack.responses.items()
    }
    defaults = Settings()
    matcher = Matcher(pack, threshold=defaults.match_threshold, margin=defaults.ambiguity_margin)
    return Engine(replace(pack, responses=responses), matcher)


class Chat:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.result = engine.start()
        self.state = self.result.state

    def send(self, text: str | None = None, payload: str | None = None) -> list[str]:
        stored = json.loads(json.dumps(self.state))
        before = copy.deepcopy(stored)
        result: StepResult = self.engine.step(stored, text=text, payload=payload)
        assert stored == before, "step() mutated the state it was given"
        assert json.loads(json.dumps(result.state)) == result.state
        json.dumps([e.data for e in result.events])
        self.state, self.result = result.state, result
        return [r.text.split(" ")[0] for r in result.replies]

    def say(self, text: str) -> list[str]:
        return self.send(text=text)

    def press(self, payload: str) -> list[str]:
        return self.send(payload=payload)

    def events(self) -> list[str]:
        return [e.type for e in self.result.events]

    def event(self, kind: str) -> dict[str, Any]:
        return next(e.data for e in self.result.events if e.type == kind)

    def summary(self) -> list[str]:
        text = next(r.text for r in self.result.replies if r.text.startswith("confirm_summary"))
        return text.removeprefix("confirm_summary ").split("|")

    @property
    def field(self) -> str | None:
        form = self.state["form"]
        return form["field"] if form else None

    @property
    def values(self) -> dict[str, Any]:
        return dict(self.state["form"]["values"]) if self.state["form"] else {}

    def payloads(self, index: int = -1) -> list[str]:
        return [b.payload for b in self.result.replies[index].buttons]


@pytest.fixture
def chat(engine: Engine) -> Chat:
    c = Chat(engine)
    assert c.say("i want to sign up") == ["form_start", "ask_for_whom"]
    assert c.events() == ["intent_matched", "form_started"]
    return c


# --- whole requests --------------------------------------------------------------


def test_happy_path_for_self(chat: Chat) -> None:
    assert chat.say("it's for me") == ["ask_first_name"]
    assert chat.say("Sam") == ["ask_contact"]
    assert chat.say("(207) 555-0199") == ["ask_contact_method"]
    assert chat.payloads() == ["/contact_call", "/contact_text"]  # no e-mail was given
    assert chat.say("call me") == ["ask_contact_time"]
    assert chat.say("evenings") == ["ask_voicemail_ok"]
    assert chat.say("yes") == ["ask_insurance"]
    assert chat.say("Blue Cross") == ["ask_consent"]
    assert chat.say("yes") == ["confirm_summary"]
    assert chat.result.replies[0].kind == "confirmation"
    assert chat.summary() == [
        "Sam",
        "self",
        "(207) 555-0199",
        "None",
        "call",
        "evening",
        "True",
        "Blue Cross",
    ]
    assert chat.say("yes") == ["submitted"]
    assert chat.result.replies[0].text == "submitted Sam"
    assert chat.event("assessment_requested")["fields"] == {
        "for_whom": "self",
        "first_name": "Sam",
        "phone": "+12075550199",
        "email": None,
        "contact_method": "call",
        "contact_time": "evening",
        "voicemail_ok": True,
        "text_ok": True,
        "insurance": "Blue Cross",
        "consent": True,
    }
    assert chat.state["submitted"] is True and chat.state["form"] is None


def test_loved_one_by_email_skips_what_does_not_apply(chat: Chat) -> None:
    assert chat.press("/for_loved_one") == ["ask_first_name"]
    assert chat.say("my name is Mary-Jane") == ["ask_contact"]
    assert chat.say("you can email me at MJ@Example.com") == ["ask_contact_time"]
    assert chat.values["contact_method"] == "email"  # the only way: not asked
    assert chat.press("/time_morning") == ["ask_insurance"]  # no phone: no voicemail question
    assert chat.press("/skip") == ["ask_consent"]
    assert chat.press("/affirm") == ["confirm_summary"]
    assert chat.press("/affirm") == ["submitted"]
    fields = chat.event("assessment_requested")["fields"]
    assert fields["for_whom"] == "loved_one" and fields["first_name"] == "Mary-Jane"
    assert (fields["phone"], fields["email"]) == (None, "MJ@example.com")
    assert (fields["voicemail_ok"], fields["text_ok"], fields["insurance"]) == (False, False, None)


def test_phone_and_email_in_one_message_offer_all_three_methods(chat: Chat) -> None:
    chat.press("/for_self")
    chat.say("Sam")
    assert chat.say("2075550199 or sam@example.com") == ["ask_contact_method"]
    assert chat.payloads() == ["/contact_call", "/contact_text", "/contact_email"]
    assert chat.say("email") == ["ask_contact_time"]


def test_an_email_added_at_the_method_question_is_offered(chat: Chat) -> None:
    chat.press("/for_self")
    chat.say("Sam")
    chat.say("207 555 0199")
    assert chat.say("actually use sam@example.com") == ["ask_contact_method"]
    assert "/contact_email" in chat.payloads()


# --- questions in passing --------------------------------------------------------


def test_a_question_at_the_name_field_is_answered_then_the_form_resumes(chat: Chat) -> None:
    chat.press("/for_self")
    assert chat.say("how long is the program?") == [
        "program_length",
        "resume_form",
        "ask_first_name",
    ]
    assert chat.field == "first_name" and "first_name" not in chat.values
    assert chat.say("program length") == ["program_length", "resume_form", "ask_first_name"]
    assert chat.say("Sam") == ["ask_contact"]


def test_why_this_field(chat: Chat) -> None:
    chat.press("/for_self")
    chat.say("Sam")
    assert chat.say("why do you need my number") == ["why_contact", "ask_contact"]
    assert chat.field == "contact"
    assert chat.press("/why_field") == ["why_contact", "ask_contact"]


def test_refusing_a_required_field_explains_it(chat: Chat) -> None:
    chat.press("/for_self")
    assert chat.say("skip") == ["why_first_name", "ask_first_name"]
    assert chat.field == "first_name"


def test_a_question_nobody_can_answer_is_recorded_then_the_form_resumes(chat: Chat) -> None:
    chat.press("/for_self")
    assert chat.say("who won the super bowl?") == ["fallback", "resume_form", "ask_first_name"]
    assert chat.event("fallback")["reason"] == "out_of_scope"


def test_an_ambiguous_question_in_passing_asks_which_was_meant(chat: Chat) -> None:
    chat.press("/for_self")
    asked = "do you take insurance and how long is it?"
    assert chat.say(asked) == ["did_you_mean", "resume_form", "ask_first_name"]
    assert chat.event("fallback")["reason"] == "ambiguous"
    first = chat.payloads(0)[0]
    assert chat.press(first) == [first[1:], "resume_form", "ask_first_name"]


def test_an_understood_answer_ends_a_fallback_streak(chat: Chat) -> None:
    chat.press("/for_self")
    assert chat.say("who won the super bowl?")[0] == "fallback"
    assert chat.say("Sam") == ["ask_contact"]
    assert chat.say("who won the world cup?") == ["fallback", "resume_form", "ask_contact"]
    assert chat.say("what is the weather on mars?")[0] == "fallback_twice"


# --- leaving, skipping, mistakes -----------------------------------------------


@pytest.mark.parametrize("words", ["cancel", "never mind", "stop"])
def test_cancel_leaves_the_form(chat: Chat, words: str) -> None:
    chat.press("/for_self")
    chat.say("Sam")
    assert chat.say(words) == ["form_cancelled"]
    assert chat.events() == ["intent_matched", "form_cancelled"]
    assert chat.state["form"] is None
    assert "Sam" not in json.dumps(chat.state)


@pytest.mark.parametrize(
    ("how", "message"), [("payload", "/skip"), ("text", "skip"), ("text", "no")]
)
def test_insurance_can_be_skipped(chat: Chat, how: str, message: str) -> None:
    chat.press("/for_self")
    chat.say("Sam")
    chat.say("sam@example.com")
    chat.press("/time_any")
    assert chat.field == "insurance"
    assert chat.send(**{how: message}) == ["ask_consent"]
    assert chat.values["insurance"] is None


def test_invalid_phone_then_valid(chat: Chat) -> None:
    chat.press("/for_self")
    chat.say("Sam")
    assert chat.say("555 0199") == ["invalid_phone"]
    assert chat.result.replies[0].kind == "error"
    assert chat.state["form"]["failures"] == 1
    assert chat.say("207 555 0199") == ["ask_contact_method"]
    assert chat.state["form"]["failures"] == 0


def test_invalid_email_and_contact_messages(chat: Chat) -> None:
    chat.press("/for_self")
    chat.say("Sam")
    assert chat.say("sam@") == ["invalid_email"]
    assert chat.say("nothing here") == ["invalid_contact"]


def test_three_failures_offer_the_phone_and_keep_the_form(chat: Chat) -> None:
    chat.press("/for_self")
    chat.say("Sam")
    assert chat.say("1234") == ["invalid_phone"]
    assert chat.say("555 01") == ["invalid_phone"]
    assert chat.say("207 555") == ["too_many_failures", "ask_contact"]
    assert chat.field == "contact" and chat.values["first_name"] == "Sam"
    assert chat.say("207 555 0199") == ["ask_contact_method"]


def test_invalid_choice_keeps_the_buttons(chat: Chat) -> None:
    assert chat.say("blah blah") == ["invalid_choice"]
    assert chat.payloads() == ["/for_self", "/for_loved_one"]


def test_name_field_rejects_links_and_digits(chat: Chat) -> None:
    chat.press("/for_self")
    assert chat.say("R2D2") == ["invalid_name"]
    assert chat.say("www.example.com") == ["invalid_name"]


# --- crisis in the middle ----------------------------------------------------------


def test_crisis_at_the_name_field_is_not_a_name(chat: Chat) -> None:
    chat.press("/for_loved_one")
    assert chat.say("i want to kill myself") == ["crisis_self_harm"]
    assert chat.result.replies[0].kind == "crisis"
    assert chat.event("crisis") == {"kind": "crisis_self_harm"}
    assert chat.state["crisis"] is True
    form = chat.state["form"]
    assert form["paused"] is True and form["values"] == {"for_whom": "loved_one"}
    assert "/request_assessment" in chat.payloads()  # an offer to continue, nothing more
    # The form is offered, not pushed: a question is answered as usual...
    assert chat.say("is it confidential") == ["confidentiality"]
    assert "/request_assessment" in chat.payloads()
    # ...and continuing picks up at the same question.
    assert chat.say("yes") == ["resume_form", "ask_first_name"]
    assert chat.state["form"]["paused"] is False
    assert chat.say("Sam") == ["ask_contact"]


def test_cancel_after_a_crisis_drops_the_set_aside_form(chat: Chat) -> None:
    chat.press("/for_self")
    chat.say("i want to kill myself")
    assert chat.say("cancel") == ["form_cancelled"]
    assert chat.state["form"] is None


# --- consent and the summary -------------------------------------------------------


def to_consent(chat: Chat) -> None:
    chat.press("/for_self")
    chat.say("Sam")
    chat.say("207 555 0199")
    chat.press("/contact_text")
    chat.press("/time_afternoon")
    chat.press("/deny")
    chat.say("Aetna")
    assert chat.field == "consent"


def test_consent_declined_keeps_nothing(chat: Chat) -> None:
    to_consent(chat)
    assert chat.say("no") == ["consent_declined"]
    assert chat.events() == ["intent_matched", "consent_declined"]
    assert chat.state["form"] is None and chat.state["submitted"] is False
    dumped = json.dumps(chat.state)
    assert "Sam" not in dumped and "555" not in dumped and "Aetna" not in dumped


def test_change_a_field_from_the_summary(chat: Chat) -> None:
    to_consent(chat)
    assert chat.say("yes") == ["confirm_summary"]
    assert chat.say("no") == ["ask_what_to_change"]
    assert chat.field == "change"
    assert chat.press("/change_contact") == ["ask_contact"]
    # Only an e-mail now: the method follows it, the voicemail question no longer applies.
    assert chat.say("sam@example.com") == ["confirm_summary"]
    summary = chat.summary()
    assert summary[2:5] == ["None", "sam@example.com", "email"]
    assert chat.say("change the name") == ["ask_first_name"]
    assert chat.say("Samuel") == ["confirm_summary"]
    assert chat.summary()[0] == "Samuel"
    assert chat.press("/affirm") == ["submitted"]
    assert chat.event("assessment_requested")["fields"]["first_name"] == "Samuel"


def test_changing_nothing_returns_to_the_summary(chat: Chat) -> None:
    to_consent(chat)
    chat.press("/affirm")
    chat.press("/deny")
    assert chat.press("/deny") == ["confirm_summary"]
    assert chat.field == "confirm"
