"""The matcher measured on held-out messages, with the shipped threshold and margin.

Two test sets, neither used for tuning (``heldout_dev.yml`` and cross-validation are, see
docs/matching.md):

- ``heldout_blind.yml`` was written by someone who never saw the pack's examples, from the
  center's page and the answers only, like a visitor. It must meet the project's targets.
- ``heldout.yml`` was written by the content editor alongside the examples. It has its own
  floors, below the targets where the figures are today (see docs/matching.md): a drop below
  them is a regression.

GUARD below is a third, smaller check the matcher's first author wrote after the tuning was
frozen, phrased away from the pack's examples, so an over-fitted matcher shows up here too.

Run with ``-s`` to see the figures: ``pytest tests/engine/test_matcher_eval.py -s``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from bot.content import ContentPack, load_pack
from bot.matching.evaluation import Figures, HeldOut, evaluate
from bot.matching.matcher import Matcher
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CONTENT_TESTS = ROOT / "tests" / "content"

# The project's targets.
TARGET_ACCURACY = 0.95
TARGET_UNRELATED = 0.95
TARGET_NEAR = 0.70

# file -> (in-scope accuracy, unrelated rejected, near-domain rejected) it must reach
FLOORS = {
    "heldout_blind.yml": (TARGET_ACCURACY, TARGET_UNRELATED, TARGET_NEAR),
    "heldout.yml": (0.93, TARGET_UNRELATED, TARGET_NEAR),
}

GUARD = HeldOut(
    in_scope=(
        ("hey there, quick question", "greet"),
        ("hi!! anyone on?", "greet"),
        ("cheers, thank you", "thanks"),
        ("thx for the info", "thanks"),
        ("ok that's everything, bye", "goodbye"),
        ("am i chatting with a machine right now", "bot_challenge"),
        ("i'd rather talk with a real staff member", "human_handoff"),
        ("what does IOP stand for exactly?", "what_is_iop"),
        ("could someone with a severe drug problem join iop", "who_is_it_for"),
        ("partial hospitalization vs iop, which is more intense?", "iop_vs_php"),
        ("is iop basically just regular outpatient therapy?", "iop_vs_outpatient"),
        ("roughly how many months does iop take", "program_length"),
        ("what's the weekly time commitment for the program", "weekly_hours"),
        ("how many hours a day are the sessions", "weekly_hours"),
        ("will treatment get in the way of my job", "work_school"),
        ("can my daughter keep going to high school during iop", "work_school"),
        ("do patients sleep at the center", "living_arrangements"),
        ("what is the program trying to help me achieve", "program_goals"),
        ("will my treatment be customized for me", "personalized_treatment"),
        ("what are the requirements to finish iop", "completion_requirements"),
        ("is there any support after i complete the program", "aftercare_next_steps"),
        ("which therapies are part of iop", "therapies_offered"),
        ("do you offer family counseling sessions", "family_involvement"),
        ("do you use the 12 step model", "twelve_step"),
        ("is yoga part of the program", "holistic_care"),
        ("can a doctor prescribe medication as part of iop", "medication_support"),
        ("do they check urine for drugs here", "drug_testing"),
        ("what's the first step to enroll", "how_to_start"),
        ("can i book an assessment please", "request_assessment"),
        ("what town are you located in", "location"),
        ("does insurance cover iop", "insurance_cost"),
        ("how much is the program without insurance", "insurance_cost"),
        ("does anyone else find out what i share here", "confidentiality"),
        ("my dad drinks every day, what should i do", "help_loved_one"),
        ("whats the phone number for admissions", "contact_phone"),
        ("yeah sure", "affirm"),
        ("nah i'm good", "deny"),
        ("never mind, cancel it", "cancel"),
        ("how long does iop usually last", "program_length"),
        ("wat therapys do u have", "therapies_offered"),
    ),
    out_of_scope=(
        "what's the score of the red sox game",
        "how do i bake sourdough bread",
        "can you help me with my math homework",
        "what's the best laptop for gaming",
        "who painted the mona lisa",
        "how far is the moon from earth",
        "suggest a name for my puppy",
        "what's trending on twitter",
        "how do i unclog a drain",
        "book me a flight to miami",
        "what is the meaning of life",
        "how do you say thank you in japanese",
    ),
    near_domain=(
        "do you run a detox program",
        "can you give me suboxone",
        "do you have beds for overnight inpatient care",
        "do you treat people addicted to video games",
        "is there a methadone clinic nearby",
        "do you offer art therapy",
        "what are the side effects of naltrexone",
        "can i do treatment in spanish",
        "do you drug test employers",
        "can my probation officer get my records",
    ),
)


@pytest.fixture(scope="module")
def pack() -> ContentPack:
    return load_pack(ROOT)


@pytest.fixture(scope="module")
def matcher(pack: ContentPack) -> Matcher:
    defaults = Settings()
    return Matcher(pack, threshold=defaults.match_threshold, margin=defaults.ambiguity_margin)


@pytest.fixture(scope="module", params=sorted(FLOORS))
def heldout_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def heldout(heldout_name: str) -> HeldOut:
    path = CONTENT_TESTS / heldout_name
    return HeldOut.from_mapping(YAML(typ="safe").load(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def figures(matcher: Matcher, heldout: HeldOut, heldout_name: str) -> Figures:
    fig = evaluate(matcher, heldout)
    ambiguous = sum(matcher.match(t).ambiguous for t, _ in heldout.in_scope)
    print(
        f"\n{heldout_name}: {fig.summary()} "
        f"({len(heldout.in_scope)} in scope, {len(heldout.out_of_scope)} unrelated, "
        f"{len(heldout.near_domain)} near-domain; "
        f"{ambiguous / max(len(heldout.in_scope), 1):.1%} of in-scope asked 'did you mean')"
    )
    return fig


def _report(fig: Figures) -> str:
    lines = [fig.summary()]
    lines += [
        f"  miss   {m.text!r}: {m.expected} -> {m.got} ({m.confidence:.2f})" for m in fig.misses
    ]
    lines += [f"  accept {m.text!r}: -> {m.got} ({m.confidence:.2f})" for m in fig.false_accepts]
    return "\n".join(lines)


def test_heldout_labels_name_intents_of_the_pack(heldout: HeldOut, pack: ContentPack) -> None:
    assert {intent for _, intent in heldout.in_scope} <= set(pack.intents)
    assert heldout.in_scope and heldout.out_of_scope and heldout.near_domain


def test_editor_heldout_messages_are_not_pack_examples(pack: ContentPack, matcher: Matcher) -> None:
    """The editor's set must not leak into the examples (or the reverse).

    Not asked of the blind set: written without sight of the examples, a third of it
    coincides with them after normalization ("hi", "how long is the program"), as real
    visitors' messages do; docs/matching.md gives its figures without those too.
    """
    path = CONTENT_TESTS / "heldout.yml"
    heldout = HeldOut.from_mapping(YAML(typ="safe").load(path.read_text(encoding="utf-8")))
    examples = {matcher.normalizer(e) for it in pack.intents.values() for e in it.examples}
    texts = [t for t, _ in heldout.in_scope] + [*heldout.out_of_scope, *heldout.near_domain]
    copied = [t for t in texts if matcher.normalizer(t) in examples]
    # A stray copy happens (a common short phrase); more would make the figures meaningless.
    assert len(copied) <= 0.02 * len(texts), f"held-out messages that are also examples: {copied}"


def test_heldout_meets_its_floors(figures: Figures, heldout_name: str) -> None:
    accuracy, unrelated, near = FLOORS[heldout_name]
    assert figures.accuracy >= accuracy, _report(figures)
    assert figures.out_of_scope_rejected >= unrelated, _report(figures)
    assert figures.near_domain_rejected >= near, _report(figures)


def test_guard_messages_are_not_pack_examples(pack: ContentPack, matcher: Matcher) -> None:
    examples = {matcher.normalizer(e) for it in pack.intents.values() for e in it.examples}
    texts = [t for t, _ in GUARD.in_scope] + [*GUARD.out_of_scope, *GUARD.near_domain]
    assert not [t for t in texts if matcher.normalizer(t) in examples]
    assert {intent for _, intent in GUARD.in_scope} <= set(pack.intents)


def test_guard_set(matcher: Matcher) -> None:
    fig = evaluate(matcher, GUARD)
    assert fig.accuracy >= 0.85, _report(fig)
    assert fig.out_of_scope_rejected >= 0.90, _report(fig)
    assert fig.near_domain_rejected >= TARGET_NEAR, _report(fig)
