"""The form's validation rules and the stored state's tolerance of anything it is given."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.dialogue import form as F
from bot.dialogue.state import STATE_VERSION, FormState, State, load_state

# --- names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Sam", "Sam"),
        ("sam", "Sam"),
        ("my name is Mary-Jane", "Mary-Jane"),
        ("Hi, I'm Sam!", "Sam"),
        ("it's o'brien", "O'Brien"),
        ("call me Al", "Al"),
        ("José", "José"),
        ("Seán Ó Briain", "Seán Ó Briain"),
        ("  Ana   Lucia ", "Ana Lucia"),
        ("I’m Jo", "Jo"),  # typographic apostrophe
    ],
)
def test_names_are_read_from_introductions(text: str, name: str) -> None:
    assert F.parse_name(text) == name


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Sam2",
        "http://example.com",
        "www.example.com",
        "sam@example.com",
        "no",
        "what is this for",
        "I'm worried about my son",
        "a" * 51,
        "one two three four",  # a sentence, not a first name
        "???",
    ],
)
def test_non_names_are_rejected(text: str) -> None:
    assert F.parse_name(text) is None


def test_name_cues_tell_introductions_apart() -> None:
    assert F.name_cue("my name is Sam") == "strong"
    assert F.name_cue("hello, call me Al") == "strong"
    assert F.name_cue("I'm Sam") == "weak"
    assert F.name_cue("Sam") is None


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("how long is the program?", True),
        ("what's the cost", True),
        ("is it confidential", True),
        ("Sam", False),
        ("Blue Cross", False),
        ("program length", False),
    ],
)
def test_questions_are_recognised(text: str, question: bool) -> None:
    assert F.looks_like_question(text) is question


# --- contact details -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phone", "email"),
    [
        ("207 555 0199", "+12075550199", None),
        ("(207) 555-0199", "+12075550199", None),
        ("+1 207 555 0199", "+12075550199", None),
        ("my number is 207.555.0199, thanks", "+12075550199", None),
        ("+44 20 7946 0958", "+442079460958", None),
        ("Sam@Example.COM", None, "Sam@example.com"),
        ("email me at sam@example.com.", None, "sam@example.com"),
        ("2075550199 or sam@example.com", "+12075550199", "sam@example.com"),
    ],
)
def test_contact_details_are_found_and_normalized(
    text: str, phone: str | None, email: str | None
) -> None:
    found = F.parse_contact(text, "US")
    assert (found.phone, found.email, found.problem) == (phone, email, None)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("555 0199", "invalid_phone"),
        ("207 555", "invalid_phone"),
        ("sam@", "invalid_email"),
        ("sam at example dot com", "invalid_contact"),
        ("hello", "invalid_contact"),
    ],
)
def test_contact_problems_name_the_right_message(text: str, problem: str) -> None:
    found = F.parse_contact(text, "US")
    assert (found.phone, found.email, found.problem) == (None, None, problem)


def test_phone_is_shown_nationally_when_local() -> None:
    assert F.display_phone("+12075550199", "US") == "(207) 555-0199"
    assert F.display_phone("+442079460958", "US") == "+44 20 7946 0958"


def test_insurance_is_short_plain_text() -> None:
    assert F.parse_insurance(" Blue  Cross. ") == "Blue Cross"
    assert F.parse_insurance("see www.example.com") is None
    assert F.parse_insurance("x" * 81) is None


# --- the order of questions ----------------------------------------------------


def test_questions_follow_the_answers_given() -> None:
    values: dict[str, Any] = {}
    assert F.next_field(values) == "for_whom"
    values |= {"for_whom": "self", "first_name": "Sam", "email": "sam@example.com"}
    values = F.settle(values)
    assert values["contact_method"] == "email"  # the only way to reach them: not asked
    assert F.next_field(values) == "contact_time"
    values |= {"contact_time": "any"}
    assert F.next_field(values) == "insurance"  # no phone: voicemail is not asked
    values |= {"insurance": None}  # skipped is answered
    assert F.next_field(values) == "consent"
    values |= {"consent": True}
    assert F.next_field(values) == F.CONFIRM


def test_contact_methods_offered_are_the_ones_given() -> None:
    assert set(F.allowed_choices("contact_method", {"phone": "+12075550199"})) == {
        "contact_call",
        "contact_text",
    }
    both = {"phone": "+12075550199", "email": "a@example.com"}
    assert set(F.allowed_choices("contact_method", both)) == {
        "contact_call",
        "contact_text",
        "contact_email",
    }


def test_submission_fields() -> None:
    values = {
        "for_whom": "loved_one",
        "first_name": "Sam",
        "phone": "+12075550199",
        "contact_method": "text",
        "contact_time": "evening",
        "voicemail_ok": False,
        "insurance": None,
        "consent": True,
    }
    assert F.submission(values) == {
        "for_whom": "loved_one",
        "first_name": "Sam",
        "phone": "+12075550199",
        "email": None,
        "contact_method": "text",
        "contact_time": "evening",
        "voicemail_ok": False,
        "text_ok": True,  # they chose text messages
        "insurance": None,
        "consent": True,
    }


def test_template_values_always_have_every_key() -> None:
    empty = F.template_values({}, "US")
    full = F.sample_values("US")[1]
    assert set(empty) == set(full)
    assert all(v is None for v in empty.values())


# --- stored state --------------------------------------------------------------


def test_state_round_trips_through_json() -> None:
    state = State(
        turn=3,
        answers=1,
        crisis=True,
        offer="request",
        form=FormState("contact", {"for_whom": "self", "first_name": "Sam"}, failures=2),
    )
    stored = json.loads(json.dumps(state.to_json()))
    assert stored["version"] == STATE_VERSION
    assert load_state(stored, "US") == state


@pytest.mark.parametrize(
    "raw",
    [
        None,
        {},
        [],
        "garbage",
        {"version": 99, "turn": "seven", "form": "yes"},
        {"turn": -4, "answers": True, "fallbacks": None, "offer": "something"},
    ],
)
def test_garbage_gives_a_fresh_conversation(raw: Any) -> None:
    assert load_state(raw, "US") == State()


def test_an_unknown_field_from_an_older_release_asks_what_is_missing() -> None:
    raw = {
        "version": 0,
        "form": {
            "field": "favourite_colour",
            "values": {"for_whom": "self", "first_name": "Sam", "shoe_size": 9},
            "failures": "many",
        },
    }
    state = load_state(raw, "US")
    assert state.form == FormState("contact", {"for_whom": "self", "first_name": "Sam"})


def test_bad_values_are_dropped_and_asked_again() -> None:
    raw = {
        "form": {
            "field": "confirm",
            "values": {
                "for_whom": "cousin",
                "first_name": "R2D2",
                "phone": "not a number",
                "email": "sam@example.com",
                "contact_method": "text",  # no phone any more, so not a valid method
                "contact_time": "midnight",
                "voicemail_ok": "yes",
                "insurance": 42,
                "consent": "sure",
            },
        }
    }
    form = load_state(raw, "US").form
    assert form is not None
    assert form.values == {"email": "sam@example.com", "contact_method": "email"}
    assert form.field == "for_whom"


def test_the_change_question_survives_only_on_a_complete_form() -> None:
    complete = {
        "for_whom": "self",
        "first_name": "Sam",
        "email": "sam@example.com",
        "contact_method": "email",
        "contact_time": "any",
        "insurance": None,
        "consent": True,
    }
    form = load_state({"form": {"field": "change", "values": complete}}, "US").form
    assert form is not None and form.field == F.CHANGE
    partial = {k: v for k, v in complete.items() if k != "consent"}
    form = load_state({"form": {"field": "change", "values": partial}}, "US").form
    assert form is not None and form.field == "consent"
