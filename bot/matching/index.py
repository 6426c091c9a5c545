"""What the matcher precomputes from a content pack, and how it reads a message against it.

Words are compared as Snowball stems ("therapies" and "therapy" meet).
Each stem weighs its inverse intent frequency: a word found in one intent's
examples tells much more than one found in every intent. Function words
("the", "is", "you") weigh a fraction of that, so they decide nothing alone
but still separate "for me" from "for my son".

A message word that neither an example nor an answer uses (after the
normalizer's typo fixes) is *unknown*: the share of the message's weight in
unknown words is what lets the matcher turn down "do you offer detox" when no
intent talks about detox.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.content.models import ContentPack
from bot.matching import lexicon
from bot.matching.normalize import Normalized, Normalizer
from bot.matching.speller import stem

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

SUPPORT_K = 3  # how many of an intent's best examples the "support" part of a score averages
FUNCTION_FACTOR = 0.2  # a function word weighs this share of its inverse intent frequency
CONTEXT_FACTOR = 0.5  # an unknown context word ("said", "years", "heavily") weighs this share
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

        example_stems: list[list[str]] = []
        for ex in examples:
            words = ex.normalized.split()
            for w in words:
                if w not in self._stem_of:
                    self._stem_of[w] = normalizer.stem(w)
            roots = [self._stem_of[w] for w in words]
            example_stems.append(sorted({*roots, *_bigrams(roots)}))

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
        postings: list[list[int]] = [[] for _ in range(n_stems)]
        intent_sets: list[set[int]] = [set() for _ in range(n_stems)]
        for e, stems in enumerate(example_stems):
            for s in stems:
                postings[self.stem_ids[s]].append(e)
                intent_sets[self.stem_ids[s]].add(intent_of[e])
        for i, answer in enumerate(answer_stems):
            for s in answer:
                intent_sets[self.stem_ids[s]].add(i)

        n_intents = max(len(self.intents), 1)
        self.unknown_idf = math.log(1 + n_intents)
        idf = np.array([math.log(1 + n_intents / len(ints)) for ints in intent_sets])
        factor = np.array(
            [
                FUNCTION_FACTOR if s in self.function_stems else BIGRAM_FACTOR if " " in s else 1.0
                for s in self.stem_ids
            ]
        )
        self.stem_weight: FloatArray = (idf * factor).astype(np.float64)
        self.example_postings: tuple[IntArray, ...] = tuple(
            np.asarray(p, dtype=np.intp) for p in postings
        )
        self.intent_postings: tuple[IntArray, ...] = tuple(
            np.asarray(sorted(s), dtype=np.intp) for s in intent_sets
        )
        self.example_weight: FloatArray = np.array(
            [sum(self.stem_weight[self.stem_ids[s]] for s in stems) for stems in example_stems],
            dtype=np.float64,
        ).reshape(n_examples)
        self.example_chars: tuple[str, ...] = tuple(
            _char_form(ex.normalized.split()) for ex in examples
        )

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


def _bigrams(roots: Sequence[str]) -> list[str]:
    """Stems of neighbouring words joined by a space (no stem holds one): word order, a little."""
    return [f"{a} {b}" for a, b in zip(roots, roots[1:], strict=False)]


def _char_form(words: Sequence[str]) -> str:
    """Sorted content words (all words when there are none): the character-level view."""
    content = [w for w in words if w not in lexicon.FUNCTION_WORDS]
    return " ".join(sorted(content or words))
