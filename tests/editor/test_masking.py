"""Masking personal data in unanswered questions: phones, e-mails, names, long numbers."""

from __future__ import annotations

import pytest

from bot.unanswered.masking import mask


@pytest.mark.parametrize(
    "text",
    [
        "call me at 207-555-0199 about parking",
        "call me at (207) 555-0199 about parking",
        "call me at 207.555.0199 about parking",
        "call me at 207 555 0199 about parking",
        "call me at 2075550199 about parking",
        "call me at +1 207 555 0199 about parking",
        "call me at 1-207-555-0199 about parking",
        "call me at +44 20 7946 0958 about parking",
        "call me at +33 6 12 34 56 78 about parking",
        "call me at 555-0199 about parking",
    ],
)
def test_phone_numbers_in_any_format_are_masked(text: str) -> None:
    masked = mask(text)
    assert masked == "call me at [phone] about parking"


def test_a_national_number_is_read_in_the_centers_country() -> None:
    assert mask("mi numero es 06 12 34 56 78", region="FR") == "mi numero es [phone]"
    # A number that is not a phone number in that country is still a long run of digits.
    assert "06 12 34 56 78" not in mask("mi numero es 06 12 34 56 78", region="US")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jo.smith@example.org please", "write to [email] please"),
        ("JO+IOP@Mail.Example.CO.UK?", "[email]?"),
        ("mail: quentin_zephyr99@example.com.", "mail: [email]."),
        ("jo123456789@example.com or 207-555-0199", "[email] or [phone]"),
    ],
)
def test_email_addresses_are_masked(text: str, expected: str) -> None:
    assert mask(text) == expected


def test_the_first_name_from_the_form_is_masked_wherever_it_appears() -> None:
    text = "Can Quentin bring QUENTIN's dog? quentin asks"
    assert mask(text, names=["Quentin"]) == "Can [name] bring [name]'s dog? [name] asks"


def test_names_are_masked_as_whole_words_only() -> None:
    assert (
        mask("Sam and Samantha saw a sample", names=["Sam"]) == "[name] and Samantha saw a sample"
    )


def test_every_part_of_a_multi_word_name_is_masked() -> None:
    masked = mask("Is Mary Ann coming, or only Ann? And Mary?", names=["Mary Ann"])
    assert masked == "Is [name] coming, or only [name]? And [name]?"


def test_a_name_introduced_by_my_name_is_is_masked() -> None:
    assert mask("hi, my name is Theodora and I drink") == "hi, my name is [name] and I drink"
    assert mask("My name's Theo Vance.") == "My name's [name]."


def test_long_digit_runs_are_masked() -> None:
    assert mask("member id 123456789 ok") == "member id [number] ok"
    assert mask("born 01/15/1980") == "born [number]"
    assert mask("policy 1234-5678-9012") == "policy [number]"


@pytest.mark.parametrize(
    "text",
    [
        "how long is the program, 2 to 3 months?",
        "is it 15 hours a week at 9am",
        "my son is 17 years old",
        "do you use the 12 steps",
        "i was born in 1985",
        "call me tomorrow about the program",
        "does it cost $1,200?",
    ],
)
def test_ordinary_questions_are_left_alone(text: str) -> None:
    assert mask(text, names=["Quentin"]) == text
