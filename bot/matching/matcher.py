"""Rank a pack's intents against a visitor message, with a confidence in [0, 1].

Each example scores a blend of two views of the normalized text:

* token level: a weighted Dice overlap of stems. Weights come from the pack
  (see ``index``), so "how", "is", "the" cannot carry a match;
* character level: rapidfuzz's Indel ratio of the sorted content words, which
  forgives typos the word-level view missed and ignores word order.

An intent scores its best example, nudged by how much of the message its
examples cover between them (a paraphrase may borrow words from several
examples). Finally the share of the message in words that *no* example uses
is multiplied away: "who won the super bowl" and "do you offer detox" carry
words the pack has never seen, so they fall below the threshold.

``rapidfuzz`` traps avoided on purpose: since 3.0 no processor runs by default
(we normalize ourselves), ``token_set_ratio`` is 100 for any subset, and
``WRatio`` / ``partial_*`` reward short substrings; so we use plain ``ratio``
on pre-sorted words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from bot.content.models import ContentPack
from bot.matching.index import FloatArray, PackIndex, Query
from bot.matching.normalize import Normalizer

OUT_OF_SCOPE = "out_of_scope"
RANKING_SIZE = 5
SUPPORT_K = 3  # how many of an intent's best examples "support" averages
MAX_CHARS = 2000  # longer messages are matched on their start; keeps the time bounded


@dataclass(frozen=True)
class Scoring:
    """How the score parts are blended; the defaults are what the evaluation chose."""

    token: float = 0.65  # share of the token-level overlap in an example's score
    char: float = 0.35  # share of the character-level similarity
    beta: float = 1.5  # >1 weighs "the example's words are all there" over "every word is explained"
    support: float = 0.30  # share of the mean of an intent's best few examples (several agree)
    coverage: float = 0.15  # share of the intent-wide coverage in an intent's score
    unknown: float = 0.60  # how much of the score an all-unknown message loses
    unknown_power: float = 1.5  # >1 forgives a few unknown words but still sinks mostly-unknown text


@dataclass(frozen=True)
class Ranked:
    intent: str
    confidence: float


@dataclass(frozen=True)
class MatchResult:
    """The outcome for one message. ``confidence`` is the best intent's, even when out of scope."""

    text: str
    intent: str
    confidence: float
    ranking: tuple[Ranked, ...]  # top intents, best first
    ambiguous: bool  # top two both at or above the threshold and within the margin

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "ranking": [
                {"intent": r.intent, "confidence": round(r.confidence, 4)} for r in self.ranking
            ],
        }


@dataclass(frozen=True)
class Explanation:
    """Why one intent got its confidence: its closest example and each part of the score."""

    intent: str
    confidence: float
    example: str  # the best-matching example, as the editor wrote it
    example_normalized: str
    text_normalized: str
    token_score: float  # weighted word overlap with that example, 0-1
    char_score: float  # character-level similarity with that example, 0-1
    coverage: float  # share of the message's word weight found anywhere in the intent, 0-1
    unknown_penalty: float  # share of the score removed for words unknown to the whole pack
    shared_words: tuple[str, ...]  # message words that example also uses
    unknown_words: tuple[str, ...]
    corrections: tuple[tuple[str, str], ...]  # typos fixed against the pack: (typed, read as)

    def to_json(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "example": self.example,
            "example_normalized": self.example_normalized,
            "text_normalized": self.text_normalized,
            "token_score": round(self.token_score, 4),
            "char_score": round(self.char_score, 4),
            "coverage": round(self.coverage, 4),
            "unknown_penalty": round(self.unknown_penalty, 4),
            "shared_words": list(self.shared_words),
            "unknown_words": list(self.unknown_words),
            "corrections": [list(c) for c in self.corrections],
        }


@dataclass(frozen=True)
class _Scores:
    query: Query
    token: FloatArray  # per example
    char: FloatArray  # per example
    example: FloatArray  # per example
    coverage: FloatArray  # per intent
    penalty: float
    intent: FloatArray  # per intent: the confidence


class Matcher:
    """Matches messages against one content pack; immutable and safe to share between requests."""

    def __init__(
        self,
        pack: ContentPack,
        *,
        threshold: float,
        margin: float,
        scoring: Scoring | None = None,
    ) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, not {threshold}")
        if margin < 0.0:
            raise ValueError(f"margin must not be negative, not {margin}")
        self.threshold = threshold
        self.margin = margin
        self.scoring = scoring or Scoring()
        self.normalizer = Normalizer(
            pack.synonyms, examples=(e for it in pack.intents.values() for e in it.examples)
        )
        self.index = PackIndex(pack, self.normalizer)

    def match(self, text: str) -> MatchResult:
        """The best intent for ``text`` (or ``out_of_scope``), with the top of the ranking."""
        scores = self._score(text)
        conf = scores.intent
        order = np.argsort(-conf, kind="stable")[:RANKING_SIZE]
        ranking = tuple(Ranked(self.index.intents[i], float(conf[i])) for i in order)
        if not ranking:
            return MatchResult(text, OUT_OF_SCOPE, 0.0, (), False)
        best = ranking[0]
        in_scope = best.confidence >= self.threshold
        ambiguous = (
            in_scope
            and len(ranking) > 1
            and ranking[1].confidence >= self.threshold
            and best.confidence - ranking[1].confidence <= self.margin
        )
        return MatchResult(
            text=text,
            intent=best.intent if in_scope else OUT_OF_SCOPE,
            confidence=best.confidence,
            ranking=ranking,
            ambiguous=ambiguous,
        )

    def explain(self, text: str, top: int = 3) -> list[Explanation]:
        """For each of the ``top`` intents, the example and score parts behind its confidence."""
        scores = self._score(text)
        q, index = scores.query, self.index
        order = np.argsort(-scores.intent, kind="stable")[: max(top, 0)]
        out: list[Explanation] = []
        for i in order:
            start = int(index.intent_starts[i])
            end = (
                int(index.intent_starts[i + 1])
                if i + 1 < len(index.intent_starts)
                else len(index.examples)
            )
            e = start + int(np.argmax(scores.example[start:end]))
            example = index.examples[e]
            example_stems = index.stems(example.normalized.split())
            shared = tuple(dict.fromkeys(w for w in q.words if index.stems([w]) <= example_stems))
            out.append(
                Explanation(
                    intent=index.intents[i],
                    confidence=float(scores.intent[i]),
                    example=example.text,
                    example_normalized=example.normalized,
                    text_normalized=q.normalized,
                    token_score=float(scores.token[e]),
                    char_score=float(scores.char[e]),
                    coverage=float(scores.coverage[i]),
                    unknown_penalty=scores.penalty,
                    shared_words=shared,
                    unknown_words=q.unknown,
                    corrections=q.corrections,
                )
            )
        return out

    def _score(self, text: str) -> _Scores:
        index, sc = self.index, self.scoring
        normalized = self.normalizer.analyze(text[:MAX_CHARS])
        q = index.read(text, normalized)
        n_examples, n_intents = len(index.examples), len(index.intents)
        if not q.words or not n_examples:
            zeros = np.zeros(n_examples)
            return _Scores(q, zeros, zeros, zeros, np.zeros(n_intents), 0.0, np.zeros(n_intents))

        if q.stem_ids.size:
            postings = [index.example_postings[s] for s in q.stem_ids]
            counts = [p.size for p in postings]
            shared = np.bincount(
                np.concatenate(postings),
                weights=np.repeat(q.weights, counts),
                minlength=n_examples,
            )
            ipostings = [index.intent_postings[s] for s in q.stem_ids]
            covered = np.bincount(
                np.concatenate(ipostings),
                weights=np.repeat(q.weights, [p.size for p in ipostings]),
                minlength=n_intents,
            )
        else:
            shared = np.zeros(n_examples)
            covered = np.zeros(n_intents)
        b2 = sc.beta * sc.beta
        token = (1.0 + b2) * shared / (q.total_weight + b2 * index.example_weight)
        char = (
            process.cdist([q.chars], index.example_chars, scorer=fuzz.ratio, workers=1)[0].astype(
                np.float64
            )
            / 100.0
        )
        example = sc.token * token + sc.char * char
        best = np.maximum.reduceat(example, index.intent_starts)
        if sc.support:
            padded = np.append(example, 0.0)[index.intent_grid]
            support = -np.partition(-padded, SUPPORT_K - 1, axis=1)[:, :SUPPORT_K].mean(axis=1)
            best = (1.0 - sc.support) * best + sc.support * support
        coverage = covered / q.total_weight if q.total_weight > 0 else covered
        unknown_share = q.unknown_weight / q.content_weight if q.content_weight > 0 else 0.0
        penalty = sc.unknown * unknown_share**sc.unknown_power
        intent = np.clip(((1.0 - sc.coverage) * best + sc.coverage * coverage) * (1.0 - penalty), 0, 1)
        return _Scores(q, token, char, example, coverage, penalty, intent)
