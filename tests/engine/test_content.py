"""The demo content pack: complete, renderable, unambiguous, and safe in a crisis."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from bot.content import ContentPack, load_pack
from bot.content.render import Renderer
from bot.dialogue import form as F
from bot.dialogue.replies import REQUIRED_INTENTS, REQUIRED_RESPONSES, check_pack
from bot.matching.normalize import Normalizer

ROOT = Path(__file__).resolve().parents[2]
MIN_EXAMPLES = 12
REQUIRED = (
    "what_is_iop",
    "who_is_it_for",
    "iop_vs_php",
    "iop_vs_outpatient",
    "program_length",
    "weekly_hours",
    "work_school",
    "living_arrangements",
    "therapies_offered",
    "family_involvement",
    "twelve_step",
    "holistic_care",
    "medication_support",
    "completion_requirements",
    "drug_testing",
    "program_goals",
    "how_to_start",
    "location",
    "insurance_cost",
    "confidentiality",
    "help_loved_one",
    "contact_phone",
    "greet",
    "goodbye",
    "thanks",
    "bot_challenge",
    "human_handoff",
    "request_assessment",
    "affirm",
    "deny",
    "cancel",
)
CRISIS_NUMBERS = {
    "crisis_self_harm": ("988", "911", "741741"),
    "medical_emergency": ("911", "1-800-222-1222"),
}


@pytest.fixture(scope="module")
def pack() -> ContentPack:
    return load_pack(ROOT)


@pytest.fixture(scope="module")
def renderer(pack: ContentPack) -> Renderer:
    return Renderer(pack)


def region(pack: ContentPack) -> str:
    return str(pack.center.extra["country"])


@pytest.mark.parametrize("intent", REQUIRED)
def test_required_intent_has_enough_examples(pack: ContentPack, intent: str) -> None:
    assert intent in pack.intents, f"the pack has no intent '{intent}'"
    examples = pack.intents[intent].examples
    assert len(examples) >= MIN_EXAMPLES, f"'{intent}' has {len(examples)} examples"


def test_the_dialogue_finds_everything_it_needs(pack: ContentPack, renderer: Renderer) -> None:
    assert set(REQUIRED_RESPONSES) <= set(pack.responses)
    assert set(REQUIRED_INTENTS) <= set(pack.intents)
    assert check_pack(pack, renderer, region(pack)) == []


def test_every_variant_renders_with_sample_forms(pack: ContentPack, renderer: Renderer) -> None:
    samples = F.sample_values(region(pack))
    for name, variants in pack.responses.items():
        for index in range(len(variants)):
            for form in samples:
                variant = renderer.render(name, index, form)
                assert variant.text, f"response '{name}' (variant {index + 1}) renders empty"
                assert "{{" not in variant.text and "{%" not in variant.text
                assert all(b.title for b in variant.buttons)


def test_summary_shows_what_was_given(pack: ContentPack, renderer: Renderer) -> None:
    full = F.sample_values(region(pack))[1]
    text = renderer.render("confirm_summary", 0, full).text
    for value in ("Sam", "(207) 555-0199", "sam@example.com", "Anthem"):
        assert value in text


def test_no_example_belongs_to_two_intents(pack: ContentPack) -> None:
    normalize = Normalizer(pack.synonyms)
    owners: dict[str, set[str]] = defaultdict(set)
    for intent in pack.intents.values():
        for example in intent.examples:
            owners[normalize(example)].add(intent.name)
    shared = {text: sorted(names) for text, names in owners.items() if len(names) > 1}
    assert shared == {}


def test_every_button_leads_to_an_intent(pack: ContentPack) -> None:
    for name, variants in pack.responses.items():
        for variant in variants:
            for button in variant.buttons:
                target = button.payload.removeprefix("/")
                assert target in pack.intents, f"'{name}' has a button to unknown '{target}'"


@pytest.mark.parametrize(("response", "numbers"), sorted(CRISIS_NUMBERS.items()))
def test_crisis_replies_give_the_numbers(
    pack: ContentPack, renderer: Renderer, response: str, numbers: tuple[str, ...]
) -> None:
    for index in range(len(pack.responses[response])):
        text = renderer.render(response, index, F.template_values({}, region(pack))).text
        for number in numbers:
            assert number in text, f"'{response}' (variant {index + 1}) does not give {number}"
