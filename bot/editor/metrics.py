"""Classification statistics for the intent evaluation: pure functions over (expected, predicted).

Written out rather than taken from scikit-learn: the four formulas below are the
whole need, and the package would pull numpy and scipy into a chatbot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LabelScore:
    """Precision, recall and F1 of one label; ``support`` counts the messages truly of it."""

    label: str
    precision: float
    recall: float
    f1: float
    support: int
    predicted: int


@dataclass(frozen=True)
class ConfusedPair:
    """``count`` messages of intent ``expected`` were taken for ``predicted``."""

    expected: str
    predicted: str
    count: int


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def label_scores(pairs: Sequence[tuple[str, str]], labels: Iterable[str]) -> list[LabelScore]:
    """One score per label, in the order given; a label nobody predicted gets precision 0."""
    truth = Counter(expected for expected, _ in pairs)
    guessed = Counter(predicted for _, predicted in pairs)
    hits = Counter(expected for expected, predicted in pairs if expected == predicted)
    scores = []
    for label in labels:
        precision = _ratio(hits[label], guessed[label])
        recall = _ratio(hits[label], truth[label])
        total = precision + recall
        f1 = 2 * precision * recall / total if total else 0.0
        scores.append(LabelScore(label, precision, recall, f1, truth[label], guessed[label]))
    return scores


def macro_average(scores: Sequence[LabelScore]) -> tuple[float, float, float]:
    """Unweighted mean precision, recall and F1 over the labels that have test messages."""
    present = [s for s in scores if s.support]
    if not present:
        return 0.0, 0.0, 0.0
    n = len(present)
    return (
        sum(s.precision for s in present) / n,
        sum(s.recall for s in present) / n,
        sum(s.f1 for s in present) / n,
    )


def confused_pairs(pairs: Iterable[tuple[str, str]]) -> list[ConfusedPair]:
    """Every (expected, predicted) mistake with its count, most frequent first."""
    counts = Counter((e, p) for e, p in pairs if e != p)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [ConfusedPair(e, p, n) for (e, p), n in ordered]


def confusion_matrix(pairs: Iterable[tuple[str, str]], labels: Sequence[str]) -> list[list[int]]:
    """Rows are the expected label, columns the predicted one, both in ``labels`` order."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for expected, predicted in pairs:
        matrix[index[expected]][index[predicted]] += 1
    return matrix


def histogram(values: Iterable[float], bins: int = 20) -> list[int]:
    """Counts of values in ``bins`` equal slices of [0, 1]; 1.0 falls in the last slice."""
    counts = [0] * bins
    for value in values:
        slot = min(max(int(value * bins), 0), bins - 1)
        counts[slot] += 1
    return counts
