"""The matcher on a small pack these tests own (tests/engine/fixtures/pack)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.content import ContentPack, load_pack
from bot.matching.matcher import OUT_OF_SCOPE, RANKING_SIZE, Matcher, MatchResult
from bot.matching.normalize import Normalizer
from bot.settings import Settings

FIXTURE = Path(__file__).parent / "fixtures" / "pack"
THRESHOLD = 0.48
MARGIN = 0.05


@pytest.fixture(scope="module")
def pack() -> ContentPack:
    return load_pack(FIXTURE)


@pytest.fixture(scope="module")
def matcher(pack: ContentPack) -> Matcher:
    return Matcher(pack, threshold=THRESHOLD, margin=MARGIN)


def _check_shape(result: MatchResult, pack: ContentPack) -> None:
    confidences = [r.confidence for r in result.ranking]
    assert len(result.ranking) == min(RANKING_SIZE, len(pack.intents))
    assert confidences == sorted(confidences, reverse=True)
    assert all(0.0 <= c <= 1.0 for c in confidences)
    assert {r.intent for r in result.ranking} <= set(pack.intents)
    assert result.confidence == result.ranking[0].confidence


# --- ranking ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("how long is the program", "program_length"),
        ("how many weeks will i be in the program?", "program_length"),
        ("how many hours per week", "weekly_hours"),
        ("Do you accept insurance?", "insurance"),
        ("how much will it cost me", "cost"),
        ("where is the center", "location"),
        ("can my family come to therapy", "family_therapy"),
        ("hello there", "greet"),
        ("yeah", "affirm"),
        ("no thank you", "deny"),
    ],
)
def test_best_intent_first(matcher: Matcher, pack: ContentPack, text: str, intent: str) -> None:
    result = matcher.match(text)
    assert result.intent == intent
    assert result.text == text
    _check_shape(result, pack)


def test_an_example_itself_is_matched_with_high_confidence(matcher: Matcher) -> None:
    result = matcher.match("do you offer family therapy")
    assert result.intent == "family_therapy"
    assert result.confidence > 0.85
    assert result.ranking[1].confidence < 0.5


def test_closer_wording_ranks_higher(matcher: Matcher) -> None:
    exact = matcher.match("how long is the program").confidence
    looser = matcher.match("how long will it take").confidence
    assert exact > looser


def test_typos_and_chat_speak_still_match(matcher: Matcher) -> None:
    assert matcher.match("how lnog is teh progarm").intent == "program_length"
    assert matcher.match("do u take insurnce").intent == "insurance"
    assert matcher.match("wat r ur hrs per wk").intent == "weekly_hours"


def test_typos_in_short_words_that_are_no_english_words(matcher: Matcher) -> None:
    # "hwo", "lnog", "progrm": none is a word, so each is read as the nearest pack word
    assert matcher.match("hwo lnog is the progrm").intent == "program_length"
    assert matcher.match("do yuo take insurnace").intent == "insurance"


def test_held_down_letters_and_chat_speak(matcher: Matcher) -> None:
    assert matcher.match("hellooo").intent == "greet"
    assert matcher.match("how many hrs a weeeek").intent == "weekly_hours"


def test_related_words_stand_in_for_unused_ones(matcher: Matcher) -> None:
    # The pack never says "fees" or "aetna".
    assert matcher.match("what are your fees").intent == "cost"
    assert matcher.match("do you take aetna").intent == "insurance"


def test_synonyms_from_the_content(matcher: Matcher) -> None:
    result = matcher.match("is there a halfway house i can stay in")
    assert result.intent == "sober_living"
    assert matcher.match("do you use twelve steps").intent == "twelve_step"


# --- threshold -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "who won the super bowl",
        "what's the weather like tomorrow",
        "write me a poem about cats",
        "do you offer detox",
        "can i get suboxone",
    ],
)
def test_unrelated_and_unknown_topics_are_out_of_scope(
    matcher: Matcher, pack: ContentPack, text: str
) -> None:
    result = matcher.match(text)
    assert result.intent == OUT_OF_SCOPE
    assert result.confidence < THRESHOLD
    assert not result.ambiguous
    _check_shape(result, pack)


def test_threshold_is_inclusive(pack: ContentPack, matcher: Matcher) -> None:
    text = "how long will it take"
    conf = matcher.match(text).confidence
    assert Matcher(pack, threshold=conf, margin=MARGIN).match(text).intent == "program_length"
    above = min(conf + 1e-6, 1.0)
    assert Matcher(pack, threshold=above, margin=MARGIN).match(text).intent == OUT_OF_SCOPE


def test_threshold_zero_always_answers(pack: ContentPack) -> None:
    anything = Matcher(pack, threshold=0.0, margin=MARGIN)
    assert anything.match("who won the super bowl").intent != OUT_OF_SCOPE


@pytest.mark.parametrize(("threshold", "margin"), [(-0.1, 0.05), (1.5, 0.05), (0.5, -0.01)])
def test_settings_out_of_range_are_refused(
    pack: ContentPack, threshold: float, margin: float
) -> None:
    with pytest.raises(ValueError, match=r"threshold|margin"):
        Matcher(pack, threshold=threshold, margin=margin)


# --- ambiguity -------------------------------------------------------------------


def test_two_equally_close_intents_are_ambiguous(matcher: Matcher) -> None:
    result = matcher.match("do you have groups")
    assert {r.intent for r in result.ranking[:2]} == {"evening_groups", "weekend_groups"}
    assert result.ambiguous
    assert result.intent in {"evening_groups", "weekend_groups"}


def test_two_questions_in_one_message_are_ambiguous(matcher: Matcher) -> None:
    result = matcher.match("do you take insurance and how long is the program?")
    assert {r.intent for r in result.ranking[:2]} == {"insurance", "program_length"}
    assert result.ambiguous
    # "and" inside one question splits nothing.
    assert not matcher.match("can my family and friends be involved").ambiguous


def test_clear_winner_is_not_ambiguous(matcher: Matcher) -> None:
    assert not matcher.match("do you have weekend groups").ambiguous


def test_margin_zero_needs_an_exact_tie(pack: ContentPack) -> None:
    strict = Matcher(pack, threshold=THRESHOLD, margin=0.0)
    tie = strict.match("do you have groups")
    assert tie.ranking[0].confidence == tie.ranking[1].confidence
    assert tie.ambiguous
    assert not strict.match("do you have evening groups").ambiguous


def test_not_ambiguous_when_the_runner_up_is_below_threshold(pack: ContentPack) -> None:
    text = "do you have groups"
    top = Matcher(pack, threshold=0.0, margin=1.0).match(text)
    between = (top.ranking[1].confidence + top.ranking[2].confidence) / 2
    assert top.ranking[2].confidence < between <= top.ranking[1].confidence
    wide = Matcher(pack, threshold=0.0, margin=1.0)
    assert wide.match("how long is the program").ambiguous  # everything is within a margin of 1
    high = Matcher(pack, threshold=top.ranking[0].confidence + 1e-6, margin=1.0)
    assert not high.match(text).ambiguous  # nothing reaches the threshold


# --- awkward input ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "🙂👍🏽", "?!...", "___"])
def test_empty_whitespace_and_emoji_are_out_of_scope(
    matcher: Matcher, pack: ContentPack, text: str
) -> None:
    result = matcher.match(text)
    assert result.intent == OUT_OF_SCOPE
    assert result.confidence == 0.0
    assert not result.ambiguous
    _check_shape(result, pack)


def test_emoji_around_a_question_do_not_matter(matcher: Matcher) -> None:
    plain = matcher.match("how long is the program")
    assert matcher.match("🙏 how long is the program?? 🙏").confidence == plain.confidence


def test_very_long_input_is_bounded_in_time(matcher: Matcher, pack: ContentPack) -> None:
    text = "how long is the program " + "and i was wondering about many other things " * 2000
    start = time.perf_counter()
    result = matcher.match(text)
    assert time.perf_counter() - start < 0.5
    assert result.text == text
    _check_shape(result, pack)


def test_a_long_story_with_a_question_is_still_answered(matcher: Matcher) -> None:
    text = (
        "hi, my family has been through a lot this year and we finally talked about it "
        "together, so i wanted to ask: how many weeks does the program last?"
    )
    assert matcher.match(text).intent == "program_length"


def test_a_clause_after_a_comma_is_scored_on_its_own(matcher: Matcher) -> None:
    text = "my son has been struggling for a long while now, do you take insurance"
    result = matcher.match(text)
    assert result.intent == "insurance"
    assert result.confidence >= THRESHOLD


def test_words_that_tell_a_story_cost_less_than_unknown_topics(matcher: Matcher) -> None:
    # both words are unknown to the pack, but "said" only tells the story around the question
    # while "detox" names a topic the pack never mentions
    story = matcher.explain("she said how long is the program", top=1)[0]
    topic = matcher.explain("she detox how long is the program", top=1)[0]
    assert story.unknown_words == ("said",)
    assert topic.unknown_words == ("detox",)
    assert 0.0 < story.unknown_penalty < topic.unknown_penalty
    assert story.confidence > topic.confidence


def test_word_order_counts_a_little(pack: ContentPack, matcher: Matcher) -> None:
    # the same words, but "how long" is a pair only program_length's examples have
    assert matcher.match("how long is the program").intent == "program_length"
    assert "how long" in " ".join(matcher.explain("how long is the program")[0].shared_words)


@pytest.mark.parametrize(
    "text",
    [
        "¿Cuánto cuesta el programa?",
        "Wie lange dauert das Programm?",
        "你好吗",
        "Привет, как дела?",
    ],
)
def test_non_english_text_is_out_of_scope(matcher: Matcher, pack: ContentPack, text: str) -> None:
    result = matcher.match(text)
    assert result.intent == OUT_OF_SCOPE
    _check_shape(result, pack)


# --- output -----------------------------------------------------------------------


def test_to_json_rounds_to_four_places(matcher: Matcher) -> None:
    result = matcher.match("how long will it take")
    data = result.to_json()
    assert set(data) == {"text", "intent", "confidence", "ranking"}
    assert data["text"] == "how long will it take"
    assert data["intent"] == result.intent
    assert data["confidence"] == round(result.confidence, 4)
    assert data["ranking"] == [
        {"intent": r.intent, "confidence": round(r.confidence, 4)} for r in result.ranking
    ]


def test_explain_shows_the_example_and_score_parts(matcher: Matcher, pack: ContentPack) -> None:
    text = "how lnog will the program last"
    result = matcher.match(text)
    explanations = matcher.explain(text, top=3)
    assert [e.intent for e in explanations] == [r.intent for r in result.ranking[:3]]
    best = explanations[0]
    assert best.confidence == result.confidence
    assert best.example in pack.intents[best.intent].examples
    assert best.text_normalized == "how long will the program last"
    assert best.example_normalized == Normalizer(pack.synonyms)(best.example)
    assert ("lnog", "long") in best.corrections
    assert {"long", "program"} <= set(best.shared_words) <= set(best.text_normalized.split())
    assert 0.0 <= best.token_score <= 1.0
    assert 0.0 <= best.char_score <= 1.0
    assert 0.0 <= best.coverage <= 1.0
    assert best.unknown_penalty == 0.0
    assert best.to_json()["example"] == best.example


def test_explain_names_the_unknown_words(matcher: Matcher) -> None:
    explanation = matcher.explain("do you offer detox", top=1)[0]
    assert explanation.unknown_words == ("detox",)
    assert explanation.unknown_penalty > 0.0
    assert "detox" not in explanation.shared_words


def test_explain_top_limits_the_list(matcher: Matcher) -> None:
    assert len(matcher.explain("how long is the program", top=1)) == 1
    assert matcher.explain("how long is the program", top=0) == []


# --- sharing --------------------------------------------------------------------------


def test_one_matcher_serves_many_threads(matcher: Matcher) -> None:
    texts = ["how long is the program", "do you take insurnce", "who won the super bowl"] * 30
    expected = [matcher.match(t) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(matcher.match, texts)) == expected


def test_a_pack_with_a_single_intent(pack: ContentPack) -> None:
    import dataclasses

    only = dataclasses.replace(pack, intents={"greet": pack.intents["greet"]})
    result = Matcher(only, threshold=THRESHOLD, margin=MARGIN).match("hello")
    assert result.intent == "greet"
    assert len(result.ranking) == 1
    assert not result.ambiguous


# --- the demo pack: the domain's own vocabulary --------------------------------------
# Visitors name medications, insurers, meetings and states that no example names; the
# related-word groups (bot/matching/related.py) and the pack's synonyms carry them over.

DEMO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo() -> Matcher:
    settings = Settings()
    return Matcher(
        load_pack(DEMO), threshold=settings.match_threshold, margin=settings.ambiguity_margin
    )


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # medications and medication-assisted treatment
        ("do you allow clients on suboxone", "medication_support"),
        ("can i keep taking methadone while i do iop", "medication_support"),
        ("is vivitrol offered", "medication_support"),
        ("do you do medication assisted treatment", "medication_support"),
        ("will i have to stop my psych meds", "medication_support"),
        # mutual-support groups
        ("do i have to go to NA meetings", "twelve_step"),
        ("will they make me get a sponsor", "twelve_step"),
        ("is the program based on alcoholics anonymous", "twelve_step"),
        # levels of care
        ("what's a partial hospitalization program", "iop_vs_php"),
        ("partial program or iop for my son", "iop_vs_php"),
        ("how is iop different from traditional outpatient", "iop_vs_outpatient"),
        ("is iop more than once a week counseling", "iop_vs_outpatient"),
        ("is it a live-in rehab", "living_arrangements"),
        # insurers, plans and paying
        ("do you take harvard pilgrim", "insurance_cost"),
        ("is my bcbs plan accepted", "insurance_cost"),
        ("how much is the deductible", "insurance_cost"),
        ("can i self pay", "insurance_cost"),
        ("do you offer a payment plan", "insurance_cost"),
        # work, school and family duties
        ("can i use fmla for treatment", "work_school"),
        ("my college classes are in the morning, can i still do iop", "work_school"),
        ("will my boss let me keep my shifts during iop", "work_school"),
        # finishing the program
        ("what's required to graduate", "completion_requirements"),
        ("what happens if i miss a group", "completion_requirements"),
        ("is there a checklist for finishing", "completion_requirements"),
        # drug screens
        ("do you do UAs", "drug_testing"),
        ("will i have to take a breathalyzer", "drug_testing"),
        ("what if i test positive for weed", "drug_testing"),
        # reaching the admissions team
        ("can someone from intake call me back", "request_assessment"),
        ("please have admissions reach out to me", "request_assessment"),
        ("what's the number for admissions", "contact_phone"),
        ("i want to talk to a real person", "human_handoff"),
        ("can i speak to a staff member", "human_handoff"),
        # where the center is
        ("are you in vermont", "location"),
        ("what state is the center in", "location"),
        ("which city are you in", "location"),
    ],
)
def test_the_domains_vocabulary_reaches_the_right_intent(
    demo: Matcher, text: str, intent: str
) -> None:
    assert demo.match(text).intent == intent


@pytest.mark.parametrize(
    "text",
    [
        "where can i buy aa batteries",
        "how do i run a team meeting at work",
        "what is the capital of vermont",
        "php or python for a website",
        "where can i get narcan",  # an emergency is the safety layer's; information is not ours
        "is there a smart recovery meeting near me",
        "what are the side effects of naltrexone",
    ],
)
def test_the_same_words_elsewhere_stay_out_of_scope(demo: Matcher, text: str) -> None:
    assert demo.match(text).intent == OUT_OF_SCOPE


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("<b>do you take aetna?</b>", "insurance_cost"),
        ("<script>alert('xss')</script>how long is the program", "program_length"),
        ("where are you located? https://maps.example.com/?q=liberty+bay", "location"),
        ("<p>what is iop&nbsp;exactly</p>", "what_is_iop"),
    ],
)
def test_pasted_markup_and_links_are_read_on_their_words(
    demo: Matcher, text: str, intent: str
) -> None:
    assert demo.match(text).intent == intent
