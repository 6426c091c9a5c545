"""Each normalization rule, one behaviour per test, on the real Normalizer."""

from __future__ import annotations

import pytest

from bot.matching.normalize import Normalizer


@pytest.fixture(scope="module")
def norm() -> Normalizer:
    return Normalizer()


# --- Unicode, case, punctuation -------------------------------------------------


def test_nfkc_folds_full_width_letters_and_ligatures(norm: Normalizer) -> None:
    assert norm("ＩＯＰ ﬁnancial") == "iop financial"


def test_curly_quotes_behave_like_straight_ones(norm: Normalizer) -> None:
    assert norm("I don’t know what’s “IOP”") == norm("I don't know what's \"IOP\"")
    assert norm("don’t") == "do not"


def test_accents_are_stripped_from_latin_letters(norm: Normalizer) -> None:
    assert norm("Café crème, déjà vu") == "cafe creme deja vu"


def test_other_scripts_keep_their_marks(norm: Normalizer) -> None:
    assert norm("नमस्ते दुनिया") == "नमस्ते दुनिया"
    assert norm("你好吗") == "你好吗"


def test_case_is_folded(norm: Normalizer) -> None:
    assert norm("HOW LONG Is The Program") == "how long is the program"


def test_punctuation_symbols_and_emoji_become_spaces(norm: Normalizer) -> None:
    assert norm("hello!!! how long...is it??? 👍🏽") == "hello how long is it"
    assert norm("24/7 care (really)") == "24 7 care really"


def test_blank_and_symbol_only_text_is_empty(norm: Normalizer) -> None:
    assert norm("") == ""
    assert norm("   \t\n ") == ""
    assert norm("🙂🙂 ?!") == ""


# --- markup and links pasted into the chat ----------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<b>do you take insurance</b>", "do you take insurance"),
        ("<p>hi</p><p>there</p>", "hi there"),
        ('<img src="x" onerror="alert(1)">hello', "hello"),
        ("<script>alert('xss')</script>how long is it", "how long is it"),
        ("<STYLE>p { color: red }</STYLE>hi", "hi"),
        ("<!-- a note -->hi<br/>there", "hi there"),
        ("&lt;b&gt;hi&lt;/b&gt;", "hi"),
        ("what is iop&nbsp;exactly", "what is iop exactly"),
        ("me &amp; my son", "me and my son"),
        ("see https://example.com/a?b=c&d=e now", "see now"),
        ("see www.example.com/page now", "see now"),
    ],
)
def test_markup_and_links_are_removed(norm: Normalizer, text: str, expected: str) -> None:
    assert norm(text) == expected


def test_angle_brackets_that_open_no_tag_are_kept_apart(norm: Normalizer) -> None:
    assert norm("i <3 my counselor") == "i 3 my counselor"
    assert norm("5 < 6 > 4") == "5 6 4"


def test_an_unclosed_script_tag_leaves_the_words_after_it(norm: Normalizer) -> None:
    assert norm("<script>how long is it") == "how long is it"


# --- contractions ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("don't", "do not"),
        ("doesn't", "does not"),
        ("can't", "can not"),
        ("won't", "will not"),
        ("ain't", "is not"),
        ("I'm", "i am"),
        ("you're", "you are"),
        ("we've", "we have"),
        ("I'll", "i will"),
        ("I'd", "i would"),
        ("what's", "what is"),
        ("it's", "it is"),
        ("let's", "let us"),
        ("y'all", "you all"),
    ],
)
def test_contractions_with_apostrophe(norm: Normalizer, text: str, expected: str) -> None:
    assert norm(text) == expected


def test_possessive_s_is_dropped_not_read_as_is(norm: Normalizer) -> None:
    assert norm("the center's phone") == "the center phone"
    assert norm("my parents' insurance") == "my parents insurance"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dont", "do not"),
        ("whats iop", "what is iop"),
        ("im new", "i am new"),
        ("cant", "can not"),
        ("wanna start", "want to start"),
    ],
)
def test_contractions_without_apostrophe(norm: Normalizer, text: str, expected: str) -> None:
    assert norm(text) == expected


def test_ambiguous_tokens_are_left_alone(norm: Normalizer) -> None:
    # "ya" may be yes, "ill" may be sick, "its" may be possessive.
    assert norm("ya ill its") == "ya ill its"


# --- chat-speak, abbreviations, misspellings, numbers ------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("r u open", "are you open"),
        ("ur hrs pls", "your hours please"),
        ("thx", "thanks"),
        ("how many hrs a wk", "how many hours a week"),
        ("appt info", "appointment information"),
        ("w/ my son", "with my son"),
        ("w/o insurance", "without insurance"),
        ("b/c im scared", "because i am scared"),
        ("family & friends", "family and friends"),
        ("idk", "i do not know"),
    ],
)
def test_chat_speak_and_abbreviations(norm: Normalizer, text: str, expected: str) -> None:
    assert norm(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("programme", "program"),
        ("progam", "program"),
        ("insurence", "insurance"),
        ("theraphy", "therapy"),
        ("outpatent", "outpatient"),
        ("sobriaty", "sobriety"),
        ("alchohol", "alcohol"),
        ("counselling", "counseling"),
        ("teh", "the"),
    ],
)
def test_common_misspellings_of_domain_words(norm: Normalizer, text: str, expected: str) -> None:
    assert norm(text) == expected


def test_number_words_and_glued_digits(norm: Normalizer) -> None:
    assert norm("three days a week") == "3 days a week"
    assert norm("15hrs a wk") == "15 hours a week"
    assert norm("call at 9am") == "call at 9 am"


@pytest.mark.parametrize(
    "text",
    ["IOP", "I.O.P.", "i o p", "IOPs", "intensive outpatient", "Intensive Out-Patient"],
)
def test_iop_variants(norm: Normalizer, text: str) -> None:
    assert norm(text) == "iop"


def test_built_in_phrases(norm: Normalizer) -> None:
    assert norm("out patient care") == "outpatient care"
    assert norm("partial hospitalization") == "php"
    assert norm("twelve steps") == "12step"
    assert norm("a 12-step program") == "a 12step program"
    assert norm("e-mail me") == "email me"


def test_twelve_step_is_one_word_so_a_12_week_program_is_not_about_it(norm: Normalizer) -> None:
    assert norm("is it a 12 week program") == "is it a 12 week program"
    assert norm("12step") == "12step"


def test_versus_is_vs(norm: Normalizer) -> None:
    assert norm("php versus iop") == "php vs iop"


# --- editors' synonyms ------------------------------------------------------------


@pytest.fixture(scope="module")
def with_synonyms() -> Normalizer:
    return Normalizer(
        {"sober living": ["halfway house", "recovery residence", "Sober-House"], "cost": ["price"]}
    )


def test_synonym_phrases_are_rewritten_to_the_canonical_form(with_synonyms: Normalizer) -> None:
    assert with_synonyms("Is there a halfway house nearby?") == "is there a sober living nearby"
    assert with_synonyms("what's the price") == "what is the cost"


def test_synonym_variants_are_normalized_like_messages(with_synonyms: Normalizer) -> None:
    # The editor wrote "Sober-House"; the visitor types "sober house".
    assert with_synonyms("a sober house") == "a sober living"


def test_synonyms_match_whole_words_only(with_synonyms: Normalizer) -> None:
    assert with_synonyms("halfway there") == "halfway there"
    assert with_synonyms("halfway houses") == "halfway houses"
    assert with_synonyms("priceless") == "priceless"


def test_without_synonyms_nothing_is_rewritten(norm: Normalizer) -> None:
    assert norm("halfway house") == "halfway house"


# --- typos and related words (need the pack's examples) ------------------------------


@pytest.fixture(scope="module")
def with_examples() -> Normalizer:
    return Normalizer(
        {"12 step": ["twelve step"]},
        examples=[
            "how long is the program",
            "do you take insurance",
            "do you offer family therapy",
            "is treatment confidential",
            "do you use the 12 step approach",
        ],
    )


def test_typos_are_fixed_towards_the_packs_words(with_examples: Normalizer) -> None:
    result = with_examples.analyze("do you take insurnce")
    assert result.text == "do you take insurance"
    assert result.corrections == (("insurnce", "insurance"),)


def test_a_swap_is_fixed_even_in_short_words(with_examples: Normalizer) -> None:
    assert with_examples("how lnog is the program") == "how long is the program"


def test_short_real_words_are_not_forced_onto_pack_words(with_examples: Normalizer) -> None:
    # "heard" is one edit from nothing here, "lone" is one edit from "long" but not a swap.
    assert with_examples("i heard it is lone") == "i heard it is lone"


def test_other_forms_of_known_words_are_not_corrected(with_examples: Normalizer) -> None:
    assert with_examples.analyze("therapies").corrections == ()


def test_run_together_words_are_split(with_examples: Normalizer) -> None:
    assert with_examples("familytherapy") == "family therapy"


def test_corrected_words_still_meet_the_synonyms(with_examples: Normalizer) -> None:
    assert with_examples("twelev step") == "12step"


def test_a_non_word_is_corrected_more_freely_than_a_real_word(with_examples: Normalizer) -> None:
    # "hwo" and "lnog" are no English words: a swap, even in three letters
    assert with_examples("hwo lnog is the program") == "how long is the program"
    # "progrm" and "insuranse" are no words: any single edit
    assert with_examples("do you take insuranse") == "do you take insurance"
    assert with_examples("how long is the progrm") == "how long is the program"


def test_a_real_english_word_is_only_read_as_a_swap(with_examples: Normalizer) -> None:
    # "song" is a word one letter from "long": the visitor meant "song"
    assert with_examples("how song is the program") == "how song is the program"
    # "progarm" is no word, "insurence" is on the misspelling list, "sung" is a word
    assert with_examples("long progarm sung") == "long program sung"


def test_a_real_compound_word_is_not_split(with_examples: Normalizer) -> None:
    assert with_examples("help with my homework") == "help with my homework"


def test_letters_held_down_are_undone(with_examples: Normalizer) -> None:
    assert with_examples("thaaanks do you take insuranceee") == "thanks do you take insurance"
    assert with_examples("sooo how long is it") == "so how long is it"


def test_unknown_related_word_becomes_the_packs_word(with_examples: Normalizer) -> None:
    result = with_examples.analyze("do you take aetna")
    assert result.text == "do you take insurance"
    assert ("aetna", "insurance") in result.corrections
    assert with_examples("is it private") == "is it confidential"


def test_related_words_the_pack_uses_are_kept() -> None:
    n = Normalizer(examples=["do you take medicaid", "do you take insurance"])
    assert n("do you take medicaid") == "do you take medicaid"
    assert n("do you take aetna") == "do you take insurance"  # ties go to the group's first word


@pytest.fixture(scope="module")
def domain() -> Normalizer:
    return Normalizer(
        examples=[
            "do you offer medication",
            "do you take insurance",
            "are you in maine",
            "my son uses drugs",
            "do you drug test",
        ]
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("can i stay on suboxone", "can i stay on medication"),
        ("do you prescribe vivitrol or naltrexone", "do you prescribe medication or medication"),
        ("do you take harvard pilgrim", "do you take insurance"),
        ("what about my deductible", "what about my insurance"),
        ("are you in new hampshire", "are you in maine"),
        ("my son uses xanax", "my son uses drug"),
        ("do you do uas", "do you do test"),
    ],
)
def test_named_medications_insurers_drugs_and_states_become_the_packs_words(
    domain: Normalizer, text: str, expected: str
) -> None:
    assert domain(text) == expected


def test_a_members_plural_stands_in_like_the_member(domain: Normalizer) -> None:
    assert domain("my son takes percocets") == "my son takes drug"
    assert domain("do you do hair tests") == "do you do test"


def test_a_group_no_example_uses_changes_nothing() -> None:
    n = Normalizer(examples=["how long is the program"])
    assert n("can i stay on suboxone") == "can i stay on suboxone"


def test_a_real_word_with_double_letters_is_not_read_as_held_down(
    with_examples: Normalizer,
) -> None:
    # "per" is a known word, but "peer" is English: it is not "per" typed with a held-down key
    assert with_examples("is there peer support") == "is there peer support"
    assert with_examples("thankss") == "thanks"


def test_without_examples_no_typo_is_touched(norm: Normalizer) -> None:
    assert norm("insurnce") == "insurnce"


def test_chat_speak_and_filler(norm: Normalizer) -> None:
    assert norm("tysm") == "thank you so much"
    assert norm("do people stay overnite") == "do people stay overnight"


@pytest.mark.parametrize(
    "text",
    [
        "What’s the IOP programme? I don't have insurence!!",
        "how lnog is teh progarm",
        "Do u take Aetna w/ my son's plan",
        "familytherapy & twelve-steps",
    ],
)
def test_normalizing_twice_changes_nothing(with_examples: Normalizer, text: str) -> None:
    once = with_examples(text)
    assert with_examples(once) == once
