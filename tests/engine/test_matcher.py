"""The matcher on a small pack these tests own (tests/engine/fixtures/pack)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.content import ContentPack, load_pack
from bot.matching.matcher import OUT_OF_SCOPE, RANKING_SIZE, Matcher, MatchResult
from bot.matching.normalize import Normalizer

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
