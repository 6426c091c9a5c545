"""The safety layer: recall on every crisis phrasing we know, no alarm on figures of speech.

crisis.yml is the labelled list editors extend; the held-out phrasings below are kept out of
it on purpose, so a rule written to fit one example of crisis.yml is caught generalizing badly.
"""

from __future__ import annotations

import dataclasses
import logging
import statistics
import time
from pathlib import Path

import pytest

from bot.editor.testdata import CRISIS_KINDS, LabelledFile, load_crisis
from bot.safety import SafetyHit, detect
from bot.safety.medical import MEDICAL
from bot.safety.neutral import NEUTRAL
from bot.safety.normalize import squeeze, variants
from bot.safety.rules import compile_rules, squeeze_pattern
from bot.safety.self_harm import SELF_HARM

CRISIS_FILE = Path(__file__).resolve().parents[1] / "content" / "crisis.yml"
CUES = {cue for rules in (SELF_HARM, MEDICAL) for cue, _ in rules}

# Held out: never copy these into crisis.yml (a test below checks). First written before
# the rules were tuned; the first run caught 18/25, 14/15 and 31/32 of them.
HELDOUT_SELF_HARM = (
    "honestly i just want to stop existing",
    "I keep thinking everyone would be fine if I disappeared forever",
    "been thinking abt killing myself a lot lately",
    "I have a plan to end my life this weekend",
    "my teenage son told his counselor he wants to kill himself",
    "i don't see the point of going on anymore",
    "I feel like ending it",
    "i'm gonna hang myself",
    "Part of me wants to just not wake up",
    "my wife has been self-harming again",
    "I wrote a suicide note",
    "i think about dying all the time and i want it to be over",
    "WHY SHOULD I EVEN LIVE ANYMORE. I WANT TO DIE",
    "i relapsed and now i just want to die",
    "Sometimes I wish I'd never been born",
    "my best friend says she's going to kill herself",
    "i wanna unalive",
    "suicidal ideation",
    "im gonna take every pill in the cabinet",
    "ive been having urges to cut",
    "i kinda want to die tbh",
    "i hate my life and i want to die",
    "there is no point in me being alive",
    "I dont wanna live no more",
    "no one would care if i died",
)

HELDOUT_MEDICAL = (
    "my brother is OD-ing please help",
    "she swallowed a bunch of pills and is really sleepy",
    "he's not responding and his lips look purple",
    "my mom drank a ton and now she won't wake up",
    "I think my friend is having an overdose right now",
    "Dad is shaking and hallucinating, he quit drinking 3 days ago",
    "hes been seizing for 2 minutes",
    "I need Narcan right now",
    "she's breathing really shallow after taking something",
    "my chest is tight and my heart is racing after doing meth",
    "someone here just collapsed after shooting up",
    "he might be overdosing idk",
    "i can't get my roommate to wake up",
    "please help my boyfriend overdosed",
    "seeing bugs crawling on my skin since i stopped drinking",
)

HELDOUT_NOT_CRISIS = (
    "my boss is going to kill me if I miss another day",
    "I'm dying to get started",
    "traffic was murder today",
    "I'd kill to get into the evening group",
    "this heat is killing me",
    "we killed it in group today",
    "my phone is dead, can you call my landline?",
    "is the deadline friday?",
    "my legs are killing me after the hike",
    "I'm not trying to overdo the caffeine",
    "I nearly died of shame at the meeting",
    "will you help me if I relapse?",
    "do you take people who have overdosed before?",
    "is detox dangerous?",
    "does insurance cover medication for withdrawal?",
    "how do I sign up for the evening program",
    "my son is in recovery after an opioid overdose in 2021",
    "do your counselors address self-harm?",
    "can i smoke during breaks",
    "What happens if someone overdoses in the program?",
    "do you have naloxone on site?",
    "I had the DTs years ago when I quit drinking",
    "I want to die my hair blue, is that ok for group photos?",
    "I'm dying to know if you take Aetna",
    "I lost my uncle to an overdose",
    "the page keeps freezing and is unresponsive",
    "lol that meme killed me",
    "seize the day!",
    "my first name is Kim",
    "Dee",
    "I want to end my addiction",
    "what's the best way to stop cutting back on sleep",
)


def _kind(text: str) -> str:
    hit = detect(text)
    return hit.kind if hit else "not_crisis"


def _wrong(texts: tuple[str, ...] | list[str], expected: str) -> list[tuple[str, str]]:
    return [(t, got) for t in texts if (got := _kind(t)) != expected]


@pytest.fixture(scope="module")
def crisis_file() -> LabelledFile:
    return load_crisis(CRISIS_FILE)


# --- the labelled list --------------------------------------------------------------------


def test_crisis_file_is_large_enough(crisis_file: LabelledFile) -> None:
    assert len(crisis_file.group("crisis_self_harm")) >= 80
    assert len(crisis_file.group("medical_emergency")) >= 50
    assert len(crisis_file.group("not_crisis")) >= 80
    texts = [s.text.casefold() for s in crisis_file.samples]
    assert sorted(t for t in set(texts) if texts.count(t) > 1) == [], "listed twice"


@pytest.mark.parametrize("kind", CRISIS_KINDS)
def test_every_listed_crisis_is_caught_as_its_kind(crisis_file: LabelledFile, kind: str) -> None:
    missed = [
        (s.line, s.text, got) for s in crisis_file.group(kind) if (got := _kind(s.text)) != kind
    ]
    assert missed == [], f"{len(missed)} missed or misfiled (line, text, got)"


def test_no_listed_non_crisis_raises_an_alarm(crisis_file: LabelledFile) -> None:
    alarms = [
        (s.line, s.text, got)
        for s in crisis_file.group("not_crisis")
        if (got := _kind(s.text)) != "not_crisis"
    ]
    assert alarms == []


def test_listed_crises_survive_capitals_and_punctuation(crisis_file: LabelledFile) -> None:
    for sample in crisis_file.samples:
        if sample.group == "not_crisis":
            continue
        for shown in (sample.text.upper(), f"{sample.text}!!!", f"...{sample.text}?"):
            assert _kind(shown) == sample.group, shown


# --- held out -----------------------------------------------------------------------------


def test_held_out_phrasings_are_not_in_the_crisis_file(crisis_file: LabelledFile) -> None:
    listed = {s.text.casefold() for s in crisis_file.samples}
    held = (*HELDOUT_SELF_HARM, *HELDOUT_MEDICAL, *HELDOUT_NOT_CRISIS)
    assert len(HELDOUT_SELF_HARM) + len(HELDOUT_MEDICAL) >= 30
    assert len(HELDOUT_NOT_CRISIS) >= 30
    assert [t for t in held if t.casefold() in listed] == []


def test_held_out_crises_are_caught() -> None:
    assert _wrong(HELDOUT_SELF_HARM, "crisis_self_harm") == []
    assert _wrong(HELDOUT_MEDICAL, "medical_emergency") == []


def test_held_out_non_crises_raise_no_alarm() -> None:
    assert _wrong(HELDOUT_NOT_CRISIS, "not_crisis") == []


# --- the contract -------------------------------------------------------------------------


def test_hit_is_a_frozen_kind_and_cue() -> None:
    hit = detect("i want to kill myself")
    assert hit == SafetyHit("crisis_self_harm", "kill_self")
    with pytest.raises(dataclasses.FrozenInstanceError):
        hit.kind = "medical_emergency"  # type: ignore[misc]


def test_cue_is_a_rule_label_never_the_visitors_words(crisis_file: LabelledFile) -> None:
    for sample in crisis_file.samples:
        hit = detect(sample.text)
        if hit is not None:
            assert hit.cue in CUES
            assert hit.cue.isidentifier()


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "?!", "👍", "\u200b"])
def test_empty_or_wordless_messages_are_not_a_crisis(text: str) -> None:
    assert detect(text) is None


def test_detect_does_not_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    detect("my son overdosed and he isn't breathing")
    detect("i want to die")
    assert caplog.records == []


# --- policy -------------------------------------------------------------------------------


def test_self_harm_wins_when_both_kinds_are_present() -> None:
    assert _kind("i took too many pills because i want to die") == "crisis_self_harm"
    assert _kind("i overdosed on purpose") == "crisis_self_harm"


def test_accidental_or_unclear_overdose_is_medical() -> None:
    assert _kind("i think i accidentally took too many pills") == "medical_emergency"
    assert _kind("he overdosed") == "medical_emergency"


def test_a_neutral_sentence_does_not_hide_a_crisis_beside_it() -> None:
    assert _kind("do you treat people after an overdose? my friend is overdosing now") == (
        "medical_emergency"
    )
    assert _kind("this commute is killing me and honestly i want to die") == "crisis_self_harm"
    assert _kind("can i die my hair? i also want to die") == "crisis_self_harm"
    assert _kind("i overdosed 2 years ago and now my boyfriend is not breathing") == (
        "medical_emergency"
    )


def test_a_question_that_is_also_a_plea_is_a_crisis() -> None:
    assert _kind("can you help me, my son is having an overdose") == "medical_emergency"
    assert _kind("do you help people who want to die?") == "crisis_self_harm"


def test_denial_still_gets_the_resources() -> None:
    # Policy (docs/safety.md): negation is not interpreted; a gentle reply costs little.
    assert _kind("i'm not suicidal, i just have questions") == "crisis_self_harm"


def test_insults_aimed_at_others_are_not_self_harm() -> None:
    assert detect("kys") is None
    assert detect("go kill yourself bot") is None
    assert _kind("should i just kys") == "crisis_self_harm"


@pytest.mark.parametrize(
    "answer",
    [
        "Diana",
        "Dee",
        "Di",
        "Odette",
        "Odin",
        "Cody",
        "Killian",
        "Blue",
        "Sue",
        "Kym",
        "Hope",
        "Faith",
        "(207) 555-0142",
        "+1 207 555 0142",
        "od.smith@example.com",
        "kms@example.org",
        "tomorrow afternoon",
        "morning",
        "Portland",
        "04101",
    ],
)
def test_mid_form_answers_are_not_a_crisis(answer: str) -> None:
    assert detect(answer) is None


@pytest.mark.parametrize(
    "text",
    [
        "the steak was overdone",
        "i was overdoing it at the gym",
        "the swelling will subside",
        "the staff were very responsive",
        "they are breaching the contract",
        "that's odd",
        "we ran 5 kms",
    ],
)
def test_real_words_near_a_crisis_word_are_left_alone(text: str) -> None:
    assert detect(text) is None


@pytest.mark.parametrize(
    ("carrier", "word", "kind"),
    [
        ("i feel {}", "suicidal", "crisis_self_harm"),
        ("i want to kill {}", "myself", "crisis_self_harm"),
        ("he is {}", "overdosing", "medical_emergency"),
        ("she had a {}", "seizure", "medical_emergency"),
    ],
)
def test_any_one_letter_typo_of_a_key_word_is_caught(carrier: str, word: str, kind: str) -> None:
    typos = {word[:i] + word[i + 1 :] for i in range(len(word))}  # a letter left out
    typos |= {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    typos -= {"overdoing"}  # a real word, rightly left alone
    missed = [t for t in sorted(typos) if _kind(carrier.format(t)) != kind]
    assert missed == []


# --- normalization ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("I want to k1ll mys3lf!!!", "i want to kil myself"),
        ("He OD'd, she O.D.'d, they ODed", "he overdosed she overdosed they overdosed"),
        ("i can’t go on", "i can not go on"),
        ("I'm done, he's gone, won't stop", "i am done he is gone wil not stop"),
        ("Ѕuісіdе", "suicide"),  # Cyrillic look-alikes
        ("sui\u200bcide", "suicide"),  # a zero-width space
        ("naïve café", "naive cafe"),
        ("mail me at od.smith@example.com", "mail me at"),
        ("im gonna kms rn", "i am going to kms right now"),
        ("iwanttodie", "i want to die"),
        ("$uicide", "suicide"),
        ("k!ll myself", "kil myself"),
        ("over dose", "overdose"),
        ("my self", "myself"),
        ("killin myself", "kiling myself"),
    ],
)
def test_normal_form(text: str, normal: str) -> None:
    assert variants(text)[0] == normal


def test_letters_spelled_out_are_joined_in_a_second_form() -> None:
    assert variants("s u i c i d e") == ("s you i c i d e", "suicide")
    assert variants("i k i l l myself")[-1] == "i kil myself"
    assert variants("i want to die") == ("i want to die",)


def test_squeeze_pattern_squeezes_words_but_not_escapes() -> None:
    assert squeeze(r"kill all pills") == "kil al pils"
    assert squeeze_pattern(r"\bbetter off\b") == r"\bbeter of\b"
    assert squeeze_pattern(r"\d\d too") == r"\d\d to"


def test_cues_must_be_unique_identifiers() -> None:
    with pytest.raises(ValueError, match="unique identifier"):
        compile_rules((("a", ("x",)), ("a", ("y",))))
    with pytest.raises(ValueError, match="unique identifier"):
        compile_rules((("not a name", ("x",)),))


def _negative_lookaheads(pattern: str) -> list[str]:
    """The bodies of the ``(?!...)`` groups in a regex source."""
    found = []
    start = pattern.find("(?!")
    while start != -1:
        depth, i = 0, start
        while True:
            if pattern[i] == "\\":
                i += 2
                continue
            depth += {"(": 1, ")": -1}.get(pattern[i], 0)
            if depth == 0:
                break
            i += 1
        found.append(pattern[start + 3 : i])
        start = pattern.find("(?!", start + 1)
    return found


def test_negative_lookaheads_end_at_a_word_boundary() -> None:
    # "take my life(?! to)" would wrongly refuse "take my life tonight".
    patterns = [p for _, ps in (*SELF_HARM, *MEDICAL) for p in ps] + list(NEUTRAL)
    loose = [
        body
        for p in patterns
        for body in _negative_lookaheads(p)
        if body.startswith(" ") and not body.endswith(r"\b")
    ]
    assert loose == []


# --- speed --------------------------------------------------------------------------------


def test_detect_is_fast(crisis_file: LabelledFile) -> None:
    texts = [s.text for s in crisis_file.samples] + list(HELDOUT_NOT_CRISIS)
    timings = []
    for _ in range(3):
        for text in texts:
            start = time.thread_time()  # CPU time: not thrown off by a busy machine
            detect(text)
            timings.append(time.thread_time() - start)
    timings.sort()
    assert statistics.median(timings) < 0.0002
    assert timings[int(len(timings) * 0.99)] < 0.001
