"""What the matcher precomputes from a content pack, and how it reads a message against it.

Words are compared as Snowball stems ("therapies" and "therapy" meet), and
so are pairs of neighbouring words ("how long", "are you"), which carry a
little of the word order. Each stem weighs its inverse intent frequency: a
word found in one intent's examples tells much more than one found in every
intent. Function words ("the", "is", "you") weigh a fraction of that, so they
decide nothing alone but still separate "for me" from "for my son".

For each intent the index also knows how *typical* each stem is of it: a
word that a tenth or more of its examples use ("insurance" for
insurance_cost) is fully typical, a word one example of fifty uses barely.

A message word that neither an example nor an answer uses (after the
normalizer's typo fixes) is *unknown*: the share of the message's weight in
unknown words is what lets the matcher turn down "do you offer detox" when no
intent talks about detox. Unknown words that only tell the story around a
question ("said", "years", "finally") weigh less than unknown topic words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from bot.content.models import ContentPack
from bot.matching import lexicon
from bot.matching.normalize import Normalized, Normalizer
from bot.matching.speller import stem

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
_T = TypeVar("_T", bound=np.generic)

FEATURE_CACHE = 16384  # examples whose stems are remembered (a pack has ~2,000)
SUPPORT_K = 3  # how many of an intent's best examples the "support" part of a score averages
FUNCTION_FACTOR = 0.2  # a function word weighs this share of its inverse intent frequency
CONTEXT_FACTOR = 0.5  # an unknown context word ("said", "years", "heavily") weighs this share
KEY_SHARE = 0.1  # a word in this share of an intent's examples is fully typical of it
ANSWER_SHARE = 0.02  # a word only the intent's answer uses counts as in this share of examples
BIGRAM_FACTOR = 0.5  # two words in a row ("how long", "are you") weigh this share of their rarity

_TEMPLATE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_NEVER_UNKNOWN = lexicon.FUNCTION_WORDS | lexicon.QUESTION_WORDS | lexicon.NEGATIONS


@dataclass(frozen=True)
class Example:
    """One editor example, as written and as the matcher sees it."""

    intent: str
    text: str
    normalized: str


@dataclass(frozen=True)
class Query:
    """A message read against the pack: what is known, corrected or unknown in it."""

    text: str
    normalized: str
    words: tuple[str, ...]  # normalized words
    stem_ids: IntArray  # unique known stems of the message
    weights: FloatArray  # their weights
    total_weight: float  # known and unknown words together
    content_weight: float  # the same without function words
    unknown: tuple[str, ...]  # content words no example and no answer uses
    unknown_weight: float
    corrections: tuple[tuple[str, str], ...]  # (typed, corrected)
    chars: str  # the string compared character by character


class PackIndex:
    """Immutable lookup structures over every example of a pack, built once per pack."""

    def __init__(self, pack: ContentPack, normalizer: Normalizer) -> None:
        self.intents: tuple[str, ...] = tuple(pack.intents)
        examples: list[Example] = []
        starts: list[int] = []
        intent_of: list[int] = []
        for i, intent in enumerate(pack.intents.values()):
            starts.append(len(examples))
            for text in intent.examples:
                examples.append(Example(intent.name, text, normalizer(text)))
                intent_of.append(i)
        self.examples: tuple[Example, ...] = tuple(examples)
        self.example_intent: IntArray = np.asarray(intent_of, dtype=np.intp)
        self.intent_starts: IntArray = np.asarray(starts, dtype=np.intp)
        # examples of each intent as a row, padded with len(examples) (an extra zero score)
        spans = list(zip(starts, [*starts[1:], len(examples)], strict=True))
        widest = max((b - a for a, b in spans), default=0)
        grid = np.full((len(starts), max(widest, SUPPORT_K)), len(examples), dtype=np.intp)
        for i, (a, b) in enumerate(spans):
            grid[i, : b - a] = np.arange(a, b)
        self.intent_grid: IntArray = grid

        self._stem_of: dict[str, str] = {}
        for word in _NEVER_UNKNOWN:
            self._stem_of[word] = normalizer.stem(word)
        self.function_stems = frozenset(self._stem_of[w] for w in lexicon.FUNCTION_WORDS)

        features = [_features(ex.normalized) for ex in examples]
        example_stems = [stems for stems, _ in features]
        for word in {w for ex in examples for w in ex.normalized.split()}:
            if word not in self._stem_of:
                self._stem_of[word] = normalizer.stem(word)

        # The words of each intent's answer count for coverage and are not "unknown":
        # someone asking "is there a psychiatrist" may use a word only the answer has.
        answer_stems = [
            {
                normalizer.stem(w)
                for text in texts
                for w in normalizer(text).split()
                if w not in _NEVER_UNKNOWN and len(w) > 2 and not w.isdigit()
            }
            for texts in answer_texts(pack).values()
        ]
        self.stem_ids: dict[str, int] = {}
        for stems in [*example_stems, *(sorted(a) for a in answer_stems)]:
            for s in stems:
                self.stem_ids.setdefault(s, len(self.stem_ids))
        n_stems, n_examples = len(self.stem_ids), len(examples)
        n_intents = max(len(self.intents), 1)
        sizes = np.asarray([max(b - a, 1) for a, b in spans] or [1], dtype=np.float64)

        # Every (stem, example) pair once, as flat arrays: postings are their slices by stem.
        pair_example = np.repeat(
            np.arange(n_examples, dtype=np.intp), list(map(len, example_stems))
        )
        pair_stem = np.fromiter(
            (self.stem_ids[s] for stems in example_stems for s in stems),
            dtype=np.intp,
            count=len(pair_example),
        )
        order = np.argsort(pair_stem, kind="stable")
        self.example_postings: Postings[np.intp] = Postings(
            pair_stem[order], pair_example[order], n_stems
        )

        # (stem, intent) pairs, with the share of the intent's examples that use the stem; a
        # stem only the intent's answer uses counts as used by ANSWER_SHARE of its examples.
        in_examples, counts = np.unique(
            pair_stem * n_intents + self.example_intent[pair_example], return_counts=True
        )
        in_answers = np.fromiter(
            (self.stem_ids[s] * n_intents + i for i, a in enumerate(answer_stems) for s in a),
            dtype=np.intp,
        )
        keys = np.union1d(in_examples, in_answers)  # sorted: by stem, then by intent
        key_stem, key_intent = keys // n_intents, keys % n_intents
        share = np.full(len(keys), ANSWER_SHARE)
        where = np.searchsorted(keys, in_examples)
        share[where] = counts / sizes[key_intent[where]]
        self.intent_postings: Postings[np.intp] = Postings(key_stem, key_intent, n_stems)
        # how typical each stem is of each intent it occurs in, 0-1, aligned with intent_postings
        self.intent_typical: Postings[np.float64] = Postings(
            key_stem, np.minimum(1.0, share / KEY_SHARE), n_stems
        )
        intents_per_stem = np.bincount(key_stem, minlength=n_stems)

        self.unknown_idf = math.log(1 + n_intents)
        idf = np.log1p(n_intents / np.maximum(intents_per_stem, 1))
        factor = np.array(
            [
                FUNCTION_FACTOR if s in self.function_stems else BIGRAM_FACTOR if " " in s else 1.0
                for s in self.stem_ids
            ]
        )
        self.stem_weight: FloatArray = (idf * factor).astype(np.float64)
        self.example_weight: FloatArray = np.bincount(
            pair_example, weights=self.stem_weight[pair_stem], minlength=n_examples
        ).astype(np.float64)
        # an array of str, so the letter-level comparison can pick examples by index
        self.example_chars: npt.NDArray[np.object_] = np.asarray(
            [chars for _, chars in features], dtype=object
        ).reshape(n_examples)

    def read(self, text: str, normalized: Normalized) -> Query:
        """Look every word of a normalized message up in the pack: known stem or unknown."""
        ids: dict[int, float] = {}
        unknown: list[str] = []
        total = content = unknown_weight = 0.0
        seen: set[str] = set()
        words = normalized.text.split()
        roots = [self._stem_of.get(w) or stem(w) for w in words]
        for pair in _bigrams(roots):
            sid = self.stem_ids.get(pair)
            if sid is not None and sid not in ids:
                ids[sid] = float(self.stem_weight[sid])
                total += ids[sid]
        for word, root in zip(words, roots, strict=True):
            if root in seen:
                continue
            seen.add(root)
            sid = self.stem_ids.get(root)
            if sid is not None:
                weight = float(self.stem_weight[sid])
                ids[sid] = weight
                if root not in self.function_stems:
                    content += weight
            elif word in _NEVER_UNKNOWN or word.isdigit() or len(word) == 1:
                weight = FUNCTION_FACTOR * self.unknown_idf
            else:
                weight = self.unknown_idf
                if word in lexicon.CONTEXT_WORDS or (len(word) > 4 and word.endswith("ly")):
                    weight *= CONTEXT_FACTOR
                unknown.append(word)
                unknown_weight += weight
                content += weight
            total += weight
        return Query(
            text=text,
            normalized=normalized.text,
            words=tuple(words),
            stem_ids=np.fromiter(ids.keys(), dtype=np.intp, count=len(ids)),
            weights=np.fromiter(ids.values(), dtype=np.float64, count=len(ids)),
            total_weight=total,
            content_weight=content,
            unknown=tuple(unknown),
            unknown_weight=unknown_weight,
            corrections=normalized.corrections,
            chars=_char_form(words),
        )

    def stems(self, words: Sequence[str]) -> set[str]:
        """Stems of some normalized words (for explanations)."""
        return {self._stem_of.get(w) or stem(w) for w in words}


def answer_texts(pack: ContentPack) -> dict[str, list[str]]:
    """Each intent's answer texts, template tags removed ("{{ center.phone }}")."""
    return {
        name: [_TEMPLATE_TAG.sub(" ", v.text) for v in pack.response_for(name)]
        for name in pack.intents
    }


@lru_cache(maxsize=FEATURE_CACHE)
def _features(normalized: str) -> tuple[tuple[str, ...], str]:
    """An example's stems and word pairs, sorted, and its letter-level form.

    Remembered per process, for the pack's examples only (a matcher is built
    again on every reload and several times by the validator).
    """
    words = normalized.split()
    roots = [stem(w) for w in words]
    return tuple(sorted({*roots, *_bigrams(roots)})), _char_form(words)


def _bigrams(roots: Sequence[str]) -> list[str]:
    """Stems of neighbouring words joined by a space (no stem holds one): word order, a little."""
    return [f"{a} {b}" for a, b in pairwise(roots)]


class Postings(Generic[_T]):
    """One array per stem, stored as a single flat array cut at offsets.

    ``postings[s]`` is a view of the flat array: built in one step instead of one
    small array per stem, which a pack of thousands of stems would make slow.
    """

    __slots__ = ("_cuts", "_flat")

    def __init__(self, keys: IntArray, values: npt.NDArray[_T], n: int) -> None:
        """``keys`` is sorted and aligned with ``values``; stem s gets the values keyed s."""
        self._flat = values
        self._cuts: list[int] = np.searchsorted(keys, np.arange(n + 1)).tolist()

    def __getitem__(self, stem_id: int) -> npt.NDArray[_T]:
        return self._flat[self._cuts[stem_id] : self._cuts[stem_id + 1]]

    def __len__(self) -> int:
        return len(self._cuts) - 1


def _char_form(words: Sequence[str]) -> str:
    """Sorted content words (all words when there are none): the character-level view."""
    content = [w for w in words if w not in lexicon.FUNCTION_WORDS]
    return " ".join(sorted(content or words))
