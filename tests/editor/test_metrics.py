"""The statistics behind the evaluation, on small hand-counted cases."""

from __future__ import annotations

import pytest

from bot.editor.metrics import (
    ConfusedPair,
    confused_pairs,
    confusion_matrix,
    histogram,
    label_scores,
    macro_average,
)

# a: 3 messages, 2 right and 1 taken for b; b: 2 messages, both right; c: 1 message taken for a.
PAIRS = [("a", "a"), ("a", "a"), ("a", "b"), ("b", "b"), ("b", "b"), ("c", "a")]


def test_label_scores_by_hand() -> None:
    a, b, c = label_scores(PAIRS, ["a", "b", "c"])
    assert (a.precision, a.recall) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert a.f1 == pytest.approx(2 / 3)
    assert (a.support, a.predicted) == (3, 3)
    assert (b.precision, b.recall, b.f1) == (pytest.approx(2 / 3), 1.0, pytest.approx(0.8))
    assert (c.precision, c.recall, c.f1, c.support, c.predicted) == (0.0, 0.0, 0.0, 1, 0)


def test_macro_average_skips_labels_without_messages() -> None:
    scores = label_scores(PAIRS, ["a", "b", "c", "never_seen"])
    precision, recall, f1 = macro_average(scores)
    assert precision == pytest.approx((2 / 3 + 2 / 3 + 0) / 3)
    assert recall == pytest.approx((2 / 3 + 1 + 0) / 3)
    assert f1 == pytest.approx((2 / 3 + 0.8 + 0) / 3)
    assert macro_average([]) == (0.0, 0.0, 0.0)


def test_confused_pairs_most_frequent_first_then_by_name() -> None:
    pairs = [*PAIRS, ("c", "a"), ("b", "a")]
    assert confused_pairs(pairs) == [
        ConfusedPair("c", "a", 2),
        ConfusedPair("a", "b", 1),
        ConfusedPair("b", "a", 1),
    ]


def test_confusion_matrix_rows_are_expected_columns_predicted() -> None:
    assert confusion_matrix(PAIRS, ["a", "b", "c"]) == [[2, 1, 0], [0, 2, 0], [1, 0, 0]]


def test_histogram_edges() -> None:
    counts = histogram([0.0, 0.049, 0.05, 0.5, 0.999, 1.0], bins=20)
    assert counts[0] == 2 and counts[1] == 1 and counts[10] == 1 and counts[19] == 2
    assert sum(counts) == 6
