"""Rank a pack's intents against a visitor message, with a confidence in [0, 1].

The message is normalized (``normalize``), its words looked up in the pack
(``index``) and every intent scored (``scoring``). A message of several
sentences is also scored sentence by sentence, and each intent keeps its best
score: visitors often give some context first and ask the question last.
Below ``threshold`` the answer is ``out_of_scope``; two intents at or above
it and within ``margin`` of each other make the result ``ambiguous``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.content.models import ContentPack
from bot.matching import english
from bot.matching.index import FloatArray, IntArray, PackIndex, answer_texts
from bot.matching.normalize import Normalizer
from bot.matching.scoring import Scores, Scoring, score

OUT_OF_SCOPE = "out_of_scope"
RANKING_SIZE = 5
MAX_CHARS = 2000  # longer messages are matched on their start; keeps the time bounded
MIN_WORDS_TO_SPLIT = 8  # shorter messages are scored whole: "Hi! How long is it?"
MAX_SENTENCES = 6  # sentences of a longer message scored on their own, besides the whole
# A sentence ends at ? ! or a line break, and at . ; : followed by a space or the end, but
# not inside "I.O.P." or "a.m." or "2.5 hours".
_SENTENCE_END = re.compile(r"(?:(?<=[^\s.]{2})\.|[;:,])(?=\s|$)|[?!\n]+")
# "do you take insurance and how long is it": a second question joined by "and" / "also".
_SECOND_QUESTION = re.compile(
    r"[,;]?\s+(?:and|also|plus)\s+(?=(?:how|what|where|when|who|why|which|do|does|did|is|are"
    r"|can|could|will|would|should)\b)",
    re.IGNORECASE,
)


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
            pack.synonyms,
            examples=[e for it in pack.intents.values() for e in it.examples],
            vocabulary=[t for texts in answer_texts(pack).values() for t in texts],
        )
        self.index = PackIndex(pack, self.normalizer)
        english.words()  # loaded once per process: here, rather than during a visitor's message

    def match(self, text: str) -> MatchResult:
        """The best intent for ``text`` (or ``out_of_scope``), with the top of the ranking."""
        conf, parts, which = self._score(text)
        order = np.argsort(-conf, kind="stable")[:RANKING_SIZE]
        ranking = tuple(Ranked(self.index.intents[i], float(conf[i])) for i in order)
        if not ranking:
            return MatchResult(text, OUT_OF_SCOPE, 0.0, (), False)
        best = ranking[0]
        in_scope = best.confidence >= self.threshold
        runner_up = len(ranking) > 1 and ranking[1].confidence >= self.threshold
        # Two answerable questions in one message: each won in a part of its own.
        two_questions = len(parts) > 1 and 0 != which[order[0]] != which[order[1]] != 0
        ambiguous = (
            in_scope
            and runner_up
            and (best.confidence - ranking[1].confidence <= self.margin or two_questions)
        )
        return MatchResult(
            text=text,
            intent=best.intent if in_scope else OUT_OF_SCOPE,
            confidence=best.confidence,
            ranking=ranking,
            ambiguous=bool(ambiguous),  # a numpy bool would leak into JSON reports
        )

    def explain(self, text: str, top: int = 3) -> list[Explanation]:
        """For each of the ``top`` intents, the example and score parts behind its confidence."""
        conf, parts, which = self._score(text)
        index = self.index
        ends = [*index.intent_starts[1:].tolist(), len(index.examples)]
        out: list[Explanation] = []
        for i in np.argsort(-conf, kind="stable")[: max(top, 0)]:
            scores = parts[int(which[i])]
            q = scores.query
            start = int(index.intent_starts[i])
            e = start + int(np.argmax(scores.example[start : ends[i]]))
            example = index.examples[e]
            example_stems = index.stems(example.normalized.split())
            shared = tuple(dict.fromkeys(w for w in q.words if index.stems([w]) <= example_stems))
            out.append(
                Explanation(
                    intent=index.intents[i],
                    confidence=float(conf[i]),
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

    def _score(self, text: str) -> tuple[FloatArray, list[Scores], IntArray]:
        """Per intent: the best confidence over the message and its sentences, and which gave it."""
        parts = [
            score(self.index, self.scoring, self.index.read(p, self.normalizer.analyze(p)))
            for p in _parts(text[:MAX_CHARS])
        ]
        if len(parts) == 1:
            return parts[0].intent, parts, np.zeros(len(self.index.intents), dtype=np.intp)
        # A sentence counts fully when it carries a quarter of the message's weight or more, less
        # when it is smaller, so the "Hi!" before a long story does not make it a greeting.
        whole = parts[0].query.total_weight
        stacked = np.vstack(
            [parts[0].intent]
            + [p.intent * min(1.0, 4.0 * p.query.total_weight / whole) for p in parts[1:]]
        )
        which = np.argmax(stacked, axis=0)
        return stacked.max(axis=0), parts, which


def _parts(text: str) -> list[str]:
    """The message, then its questions when it asks several, or its sentences when it is long."""
    pieces = [p.strip() for p in _SECOND_QUESTION.split(text)]
    if len(text.split()) >= MIN_WORDS_TO_SPLIT:
        pieces = [s.strip() for p in pieces for s in _SENTENCE_END.split(p)]
    pieces = [p for p in pieces if p]
    if len(pieces) <= 1:
        return [text]
    return [text, *pieces[:MAX_SENTENCES]]
