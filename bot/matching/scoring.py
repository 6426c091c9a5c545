"""Score every intent of a pack against one normalized piece of text.

Each example scores a blend of two views:

* token level: a weighted F-measure of shared stems and word pairs. Weights
  come from the pack (see ``index``), so "how", "is", "the" cannot carry a
  match; beta > 1 cares more that the example's words are all in the message
  than that every word of the message is explained (visitors add words);
* character level: rapidfuzz's Indel ratio of the sorted content words, which
  forgives what the word view missed and ignores word order. Only the
  examples closest word for word are compared (``CHAR_CANDIDATES``).

An intent scores its best example, blended with the mean of its best few
examples (several examples agreeing is better evidence than one), then with
how much of the message its examples cover between them (a paraphrase may
borrow words from several), plain and weighed by how typical each word is of
the intent. Finally the share of the message in words that *no* example uses
is taken away: "who won the super bowl" and "do you offer detox" carry words
the pack has never seen.

rapidfuzz traps avoided on purpose: since 3.0 no processor runs by default
(the normalizer does that work), ``token_set_ratio`` is 100 for any subset,
and ``WRatio`` / ``partial_*`` reward short substrings; so plain ``ratio`` on
pre-sorted words it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from bot.matching.index import SUPPORT_K, FloatArray, PackIndex, Query

CHAR_CANDIDATES = 150  # examples compared letter by letter: those with the best word scores


@dataclass(frozen=True)
class Scoring:
    """How the score parts are blended; the defaults are what the evaluation chose."""

    token: float = 0.55  # share of the token-level overlap in an example's score
    char: float = 0.45  # share of the character-level similarity
    beta: float = 1.5  # >1: "all of the example's words are there" outweighs "nothing extra"
    support: float = 0.50  # share of the mean of the intent's best few examples
    coverage: float = 0.30  # share of the intent-wide coverage of the message
    keyword: float = 0.15  # share of the "typical words" score: coverage weighted by how typical
    unknown: float = 1.0  # how much of the score a message of only unknown words loses
    unknown_power: float = 1.0  # >1 would forgive a few unknown words more than linearly


@dataclass(frozen=True)
class Scores:
    """All parts of the score for one piece of text, kept for explanations."""

    query: Query
    token: FloatArray  # per example
    char: FloatArray  # per example
    example: FloatArray  # per example
    coverage: FloatArray  # per intent
    penalty: float  # share of every intent's score removed for unknown words
    intent: FloatArray  # per intent: the confidence


def score(index: PackIndex, sc: Scoring, query: Query) -> Scores:
    """Confidence of every intent for one read message."""
    n_examples, n_intents = len(index.examples), len(index.intents)
    if not query.words or not n_examples:
        zeros = np.zeros(n_examples)
        return Scores(query, zeros, zeros, zeros, np.zeros(n_intents), 0.0, np.zeros(n_intents))

    shared = _example_hits(index, query)
    covered, typical = _intent_hits(index, query)
    b2 = sc.beta * sc.beta
    token = (1.0 + b2) * shared / (query.total_weight + b2 * index.example_weight)
    char = _char_scores(index, query, token)
    example = sc.token * token + sc.char * char

    best = np.maximum.reduceat(example, index.intent_starts)
    if sc.support:
        padded = np.append(example, 0.0)[index.intent_grid]
        top_k = -np.partition(-padded, SUPPORT_K - 1, axis=1)[:, :SUPPORT_K]
        best = (1.0 - sc.support) * best + sc.support * top_k.mean(axis=1)
    coverage = covered / query.total_weight if query.total_weight > 0 else covered
    unknown_share = query.unknown_weight / query.content_weight if query.content_weight else 0.0
    penalty = sc.unknown * unknown_share**sc.unknown_power
    key = typical / query.total_weight if query.total_weight > 0 else typical
    blended = (1.0 - sc.coverage - sc.keyword) * best + sc.coverage * coverage + sc.keyword * key
    intent = np.clip(blended * (1.0 - penalty), 0.0, 1.0)
    return Scores(query, token, char, example, coverage, penalty, intent)


def _char_scores(index: PackIndex, query: Query, token: FloatArray) -> FloatArray:
    """Letter-level similarity with the examples closest word for word; 0 for the others.

    Comparing letters is most of a match's time and only matters where the words
    already come close, so only the CHAR_CANDIDATES best examples by word score
    are compared (measured: the same answers as comparing all of them).
    """
    n = len(token)
    if n <= CHAR_CANDIDATES:
        chosen = np.arange(n)
    else:
        chosen = np.argpartition(-token, CHAR_CANDIDATES)[:CHAR_CANDIDATES]
    ratios = process.cdist([query.chars], index.example_chars[chosen], scorer=fuzz.ratio, workers=1)
    char = np.zeros(n)
    char[chosen] = ratios[0] / 100.0
    return char


def _example_hits(index: PackIndex, query: Query) -> FloatArray:
    """For each example: the summed weight of the message's stems it contains."""
    n = len(index.examples)
    if not query.stem_ids.size:
        return np.zeros(n)
    lists = [index.example_postings[s] for s in query.stem_ids.tolist()]
    weights = np.repeat(query.weights, [p.size for p in lists])
    return np.bincount(np.concatenate(lists), weights=weights, minlength=n).astype(np.float64)


def _intent_hits(index: PackIndex, query: Query) -> tuple[FloatArray, FloatArray]:
    """For each intent: the summed weight of the message's stems it uses, plain and by typicality."""
    n = len(index.intents)
    if not query.stem_ids.size:
        return np.zeros(n), np.zeros(n)
    ids = query.stem_ids.tolist()
    lists = [index.intent_postings[s] for s in ids]
    rows = np.concatenate(lists)
    weights = np.repeat(query.weights, [p.size for p in lists])
    typical = weights * np.concatenate([index.intent_typical[s] for s in ids])
    covered = np.bincount(rows, weights=weights, minlength=n).astype(np.float64)
    return covered, np.bincount(rows, weights=typical, minlength=n).astype(np.float64)
