"""Turn a visitor message (or an editor's example) into plain, comparable words.

Examples and messages go through the same steps, so whatever a rule does it
does to both sides: a mapping can only go wrong when it merges two words
that mean different things, which is why the tables in ``lexicon`` leave
ambiguous tokens alone.

Steps, in order:

1. Unicode: NFKC (full-width letters, ligatures), curly quotes to straight,
   accents stripped from Latin letters (other scripts keep their marks).
   Markup pasted into the chat goes: HTML entities are decoded, tags and
   comments removed (``<script>`` and ``<style>`` with their content), and
   web addresses dropped, so "<b>do you take aetna</b>" is read on its words.
2. Case folding.
3. Contractions written with an apostrophe ("don't", "what's", "I'm"), and
   "w/", "w/o", "b/c", "&".
4. Punctuation and symbols (emoji included) become spaces.
5. Token by token: contractions without the apostrophe ("dont", "whats"),
   chat-speak and abbreviations ("u", "pls", "hrs", "wk"), misspellings
   ("insurence", "theraphy"), number words ("three" -> "3"); letters glued
   to digits are split ("15hrs" -> "15 hours", "9am" -> "9 am").
6. With the pack's examples given: typos fixed against the pack's own words
   ("insurnce" -> "insurance", "hwo" -> "how"), held-down letters undone
   ("heyyy"), run-together words split ("familytherapy"); see ``speller``.
7. Built-in phrases ("intensive outpatient" -> "iop", "out patient" ->
   "outpatient", "12 step" -> "12step"), then the editors' synonyms, whole
   words only, longest first.
8. With the pack's examples given: a word the examples never use becomes the
   related word they do use ("price" -> "cost", "aetna" -> "insurance"; see
   ``related``). Words the pack uses are never rewritten this way.


The pack's own texts are tokenized once per process (``_pack_tokens``), and
rewritten once per process for a given set of synonyms and related words
(``_pack_rewrite``, ``_pack_related``); a visitor's message is never kept.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from types import MappingProxyType
from typing import Final

from bot.matching import lexicon, related
from bot.matching.speller import Speller, stem

NO_SYNONYMS: Final[Mapping[str, Sequence[str]]] = MappingProxyType({})
PACK_TEXT_CACHE: Final = 16384  # pack texts whose tokens are remembered (a pack has ~2,000)
# Whole tokens and what they stand for: numbers, misspellings, chat-speak, contractions.
_TOKEN_MAP: Final[Mapping[str, str]] = MappingProxyType(
    {
        **lexicon.NUMBERS,
        **lexicon.MISSPELLINGS,
        **lexicon.ABBREVIATIONS,
        **lexicon.CONTRACTIONS,
    }
)

_SLASH_FORMS: Final = (
    (re.compile(r"\bw/o\b"), " without "),
    (re.compile(r"\bb/c\b"), " because "),
    (re.compile(r"\bw/(?=\s|\w)"), " with "),
    (re.compile(r"&"), " and "),
)
_NOT: Final = re.compile(r"\b(\w+)n't\b")
_NOT_SPECIAL: Final = MappingProxyType({"ca": "can", "wo": "will", "sha": "shall", "ai": "is"})
_S: Final = re.compile(r"\b(\w+)'s\b")
_SUFFIXES: Final = (
    (re.compile(r"(?<=\w)'re\b"), " are"),
    (re.compile(r"(?<=\w)'ve\b"), " have"),
    (re.compile(r"(?<=\w)'ll\b"), " will"),
    (re.compile(r"(?<=\w)'d\b"), " would"),
    (re.compile(r"(?<=\w)'m\b"), " am"),
    (re.compile(r"(?<=\w)s'(?!\w)"), "s"),
)
_INNER_APOSTROPHE: Final = re.compile(r"(?<=\w)'(?=\w)")
_NON_WORD: Final = re.compile(r"[\W_]+")
_LETTERS_DIGITS: Final = re.compile(r"\d+|[^\W\d_]+")
_HAS_DIGIT: Final = re.compile(r"\d")
# Markup: a tag starts with a letter ("<b>", "</p>", "<img src=x>"), so "i <3 you" and "a < b"
# are left alone; script and style elements go with their content; addresses go whole.
_MARKUP_HINT: Final = re.compile(r"[<&]|://|www\.", re.IGNORECASE)
_SCRIPT: Final = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG: Final = re.compile(r"<!--.*?-->|</?[a-z][\w:-]*(?:\s[^<>]*)?/?>", re.IGNORECASE | re.DOTALL)
_URL: Final = re.compile(r"\b(?:[a-z][a-z0-9+.-]*://|www\.)\S*", re.IGNORECASE)


def _strip_latin_accents(text: str) -> str:
    """Drop accents from Latin letters only: "café" -> "cafe", but Hindi or Thai keep their marks."""
    if text.isascii():
        return text
    out: list[str] = []
    base_is_latin = False
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch):
            if base_is_latin:
                continue
        else:
            base_is_latin = ch < "\u0250" or "\u1e00" <= ch <= "\u1eff"
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _strip_markup(text: str) -> str:
    """Pasted HTML and links reduced to their words: entities decoded, tags and addresses gone.

    Entities first, so escaped markup ("&lt;b&gt;") goes too; a removed tag
    leaves a space, so "<p>hi</p><p>there</p>" stays two words.
    """
    if "&" in text:
        text = unicodedata.normalize("NFKC", html.unescape(text))
    if "<" in text:
        text = _TAG.sub(" ", _SCRIPT.sub(" ", text))
    return _URL.sub(" ", text)


def _words(text: str) -> list[str]:
    """Split on everything that is not a letter, digit or combining mark (emoji and symbols go)."""
    if text.isascii():
        return _NON_WORD.sub(" ", text).split()
    kept = [ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in text]
    return "".join(kept).split()


def _expand_apostrophes(text: str) -> str:
    def n_t(m: re.Match[str]) -> str:
        stem = m.group(1)
        return f"{_NOT_SPECIAL.get(stem, stem)} not"

    def s(m: re.Match[str]) -> str:
        word = m.group(1)
        if word == "let":
            return "let us"
        return f"{word} is" if word in lexicon.S_IS_WORDS else word

    text = _NOT.sub(n_t, text)
    text = _S.sub(s, text)
    for pattern, replacement in _SUFFIXES:
        text = pattern.sub(replacement, text)
    return _INNER_APOSTROPHE.sub("", text)


class _PhraseTable:
    """Whole-word, longest-first phrase rewriting over a token list."""

    def __init__(self, pairs: Mapping[str, str]) -> None:
        by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for source, target in pairs.items():
            words = tuple(source.split())
            if words:
                by_first.setdefault(words[0], []).append((words, tuple(target.split())))
        self._by_first = {k: sorted(v, key=lambda p: -len(p[0])) for k, v in by_first.items()}
        # A quick test that nothing can apply: single words, and the first two words of phrases
        # ("i o p" starts with "i", which nearly every message has; "i o" it rarely has).
        starts = [words[:2] for phrases in by_first.values() for words, _ in phrases]
        self._singles = frozenset(w[0] for w in starts if len(w) == 1)
        self._pairs = frozenset(w for w in starts if len(w) == 2)

    def applies(self, tokens: Sequence[str]) -> bool:
        """Whether any phrase may start among ``tokens`` (false means the call changes nothing)."""
        return not (self._singles.isdisjoint(tokens) and self._pairs.isdisjoint(pairwise(tokens)))

    def __call__(self, tokens: list[str], log: list[tuple[str, str]] | None = None) -> list[str]:
        """Rewrite the tokens; each replacement is appended to ``log`` when one is given."""
        if not self.applies(tokens):  # the common case, tested in C
            return tokens
        out: list[str] = []
        i, n = 0, len(tokens)
        while i < n:
            for words, target in self._by_first.get(tokens[i], ()):
                end = i + len(words)
                if end <= n and tuple(tokens[i:end]) == words:
                    out.extend(target)
                    if log is not None:
                        log.append((" ".join(words), " ".join(target)))
                    i = end
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out


@dataclass(frozen=True)
class Normalized:
    """A normalized text and the typos fixed on the way: (typed, read as)."""

    text: str
    corrections: tuple[tuple[str, str], ...] = ()


class Normalizer:
    """Callable that normalizes text; built once per content pack.

    ``synonyms`` are the editors' (canonical -> variants). ``examples`` are
    texts whose words count as correctly spelled: when given, other words
    within a typo of one of them are corrected (see ``speller``), and related
    words are rewritten to the ones the examples use. ``vocabulary`` is more
    correctly spelled text (the pack's answers) that takes no part in the rest.
    """

    def __init__(
        self,
        synonyms: Mapping[str, Sequence[str]] = NO_SYNONYMS,
        *,
        examples: Iterable[str] = (),
        vocabulary: Iterable[str] = (),
    ) -> None:
        pairs: dict[str, str] = {}
        synonym_words: list[str] = []
        for canonical, variants in synonyms.items():
            target = list(_pack_tokens(canonical))
            synonym_words += target
            for variant in variants:
                source = list(_pack_tokens(variant))
                synonym_words += source
                if source and target and source != target:
                    pairs[" ".join(_rewrite(source))] = " ".join(_rewrite(target))
        self._synonyms = _phrase_table(frozenset(pairs.items()))
        example_texts = list(examples)
        vocabulary_texts = list(vocabulary)
        texts = [_pack_tokens(text) for text in example_texts]
        known = [w for tokens in texts for w in tokens]
        if known:
            known += [*lexicon.FUNCTION_WORDS, *lexicon.QUESTION_WORDS, *lexicon.NEGATIONS]
            known += [*lexicon.NUMBERS, *synonym_words]
            known += [w for group in related.RELATED for m in group for w in m.split()]
            known += lexicon.COMMON_WORDS
            known += [w for text in vocabulary_texts for w in _pack_tokens(text)]
        normalized = [_pack_rewrite(t, self._synonyms) for t in texts]
        words = {*known, *(w for t in normalized for w in t)}
        self._stems: Mapping[str, str] = {w: stem(w) for w in words}
        self._speller = Speller(known, self._stems)
        related_pairs = _related_pairs([" ".join(t) for t in normalized], self._stems)
        self._related = _phrase_table(frozenset(related_pairs.items()))
        # The pack's own texts are normalized once here: the index reads every one of them,
        # and a matcher is built often (each reload, each round of the validator's checks).
        # Their words are all known, so the speller has nothing to do for them.
        self._pack_texts: dict[str, Normalized] = {}
        for text, tokens in zip(example_texts, normalized, strict=True):
            self._pack_texts[text] = _pack_related(tokens, self._related)

    def __call__(self, text: str) -> str:
        return self.analyze(text).text

    def stem(self, word: str) -> str:
        """Snowball stem of a normalized word (precomputed for the pack's words)."""
        return self._stems.get(word) or stem(word)

    def analyze(self, text: str) -> Normalized:
        """Normalize, also telling which typos were corrected."""
        done = self._pack_texts.get(text)
        if done is not None:
            return done
        tokens = _tokens(text)
        corrections: list[tuple[str, str]] = []
        if self._speller:
            fixed: list[str] = []
            for token in tokens:
                correction = self._speller.correct(token)
                if correction is None:
                    fixed.append(token)
                else:
                    corrections.append((token, correction))
                    fixed += _map_tokens(correction.split())
            tokens = fixed
        words = self._related(self._synonyms(_rewrite(tokens)), corrections)
        return Normalized(" ".join(words), tuple(corrections))


_PHRASES: Final = _PhraseTable(lexicon.PHRASES)


@lru_cache(maxsize=32)
def _phrase_table(pairs: frozenset[tuple[str, str]]) -> _PhraseTable:
    """One table per set of pairs, so rebuilding a matcher for the same pack reuses it.

    The caches of pack texts below are keyed by the table itself (by identity): a
    rebuilt normalizer with the same synonyms finds its examples already done.
    """
    return _PhraseTable(dict(pairs))


def _rewrite(tokens: list[str]) -> list[str]:
    """The built-in phrases, applied until nothing changes (at most three rounds)."""
    for _ in range(3):  # "intensive out-patient": "out patient" first, then "intensive outpatient"
        rewritten = _PHRASES(tokens)
        if rewritten == tokens:
            break
        tokens = rewritten
    return tokens


@lru_cache(maxsize=PACK_TEXT_CACHE)
def _pack_rewrite(tokens: tuple[str, ...], synonyms: _PhraseTable) -> tuple[str, ...]:
    """A pack text's tokens after the built-in phrases and the editors' synonyms.

    Remembered per process, like ``_pack_tokens``: the validator builds a matcher nine
    times over the same examples and synonyms, and a reload changes few of them.
    """
    if not (_PHRASES.applies(tokens) or synonyms.applies(tokens)):
        return tokens
    return tuple(synonyms(_rewrite(list(tokens))))


@lru_cache(maxsize=PACK_TEXT_CACHE)
def _pack_related(tokens: tuple[str, ...], table: _PhraseTable) -> Normalized:
    """A pack text with its related words rewritten (remembered like ``_pack_rewrite``)."""
    if not table.applies(tokens):
        return Normalized(" ".join(tokens))
    log: list[tuple[str, str]] = []
    return Normalized(" ".join(table(list(tokens), log)), tuple(log))


def _tokens(text: str) -> list[str]:
    """Unicode, case, contractions, punctuation and the token tables: everything but phrases."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTE_TABLE)
    if _MARKUP_HINT.search(text):
        text = _strip_markup(text)
    text = _strip_latin_accents(text).casefold()
    if "/" in text or "&" in text:
        for pattern, replacement in _SLASH_FORMS:
            text = pattern.sub(replacement, text)
    if "'" in text:
        text = _expand_apostrophes(text)
    return _map_tokens(_words(text))


@lru_cache(maxsize=PACK_TEXT_CACHE)
def _pack_tokens(text: str) -> tuple[str, ...]:
    """``_tokens`` of a pack's text (example, answer, synonym), remembered per process.

    Only the pack's own texts come here, never a visitor's message: those are
    not kept anywhere.
    """
    return tuple(_tokens(text))


def _map_tokens(tokens: Iterable[str]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        mapped = _TOKEN_MAP.get(token)
        if mapped is not None:
            out += mapped.split()
        elif _HAS_DIGIT.search(token) and not token.isdigit():
            for part in _LETTERS_DIGITS.findall(token):
                out += _TOKEN_MAP.get(part, part).split()
        else:
            out.append(token)
    return out


def _related_pairs(examples: Sequence[str], stems: Mapping[str, str]) -> dict[str, str]:
    """For each group of related words: every member the examples never use -> the one they use most.

    A single word counts as used when any form of it is ("therapies" when the pack says "therapy").
    A member's plural in -s stands in too ("percocets", "hair tests"), unless it is a member itself.
    """
    joined = " " + "  ".join(examples) + " "  # " a b  c d ": every word has a space each side
    words = Counter(w for e in examples for w in set(e.split()))
    used: Counter[str] = Counter()
    for word, n in words.items():
        used[stems.get(word) or stem(word)] += n

    def uses(member: str) -> int:
        if " " not in member:
            return used[stems.get(member) or stem(member)]
        if not all(w in words for w in member.split()):  # most phrases: no need to look
            return 0
        return joined.count(f" {member} ")

    members = {m for group in related.RELATED for m in group}
    pairs: dict[str, str] = {}
    for group in related.RELATED:
        counts = {m: uses(m) for m in group}
        target = max(group, key=lambda m: counts[m])
        if not counts[target]:
            continue
        for m in group:
            if counts[m]:
                continue
            pairs[m] = target
            plural = f"{m}s"
            if not m.endswith("s") and plural not in members and not uses(plural):
                pairs[plural] = target
    return pairs


_QUOTE_TABLE: Final = str.maketrans(dict(lexicon.QUOTES))
