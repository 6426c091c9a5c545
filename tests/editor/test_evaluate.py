"""`iop-bot test` on the fixture pack, whose held-out file has known confusions.

Every held-out message is an exact example of some intent, so what the matcher
picks is certain; some are labelled with another intent on purpose. The numbers
below follow from those labels (see fixtures/base/tests/content/heldout.yml).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.editor.cli import test_cmd as iop_bot_test
from bot.editor.metrics import ConfusedPair
from bot.editor.testrun import Results, run_tests

MakePack = Callable[..., Path]  # the make_pack fixture of conftest.py
THRESHOLD, MARGIN = 0.48, 0.05


def run(root: Path, compare: Path | None = None) -> Results:
    return run_tests(root, threshold=THRESHOLD, margin=MARGIN, compare=compare)


def test_per_intent_precision_recall_and_f1(make_pack: MakePack) -> None:
    ev = run(make_pack()).intents
    scores = {s.label: s for s in ev.scores}
    # program_length: 5 messages, 2 of them taken for weekly_hours; nothing else taken for it.
    assert scores["program_length"].precision == 1.0
    assert scores["program_length"].recall == pytest.approx(3 / 5)
    assert scores["program_length"].f1 == pytest.approx(0.75)
    # weekly_hours: all 4 recognised, but 6 messages taken for it.
    assert scores["weekly_hours"].precision == pytest.approx(4 / 6)
    assert scores["weekly_hours"].recall == 1.0
    assert scores["weekly_hours"].f1 == pytest.approx(0.8)
    # location: 2 right, plus one insurance question and one out-of-scope message.
    assert (scores["location"].precision, scores["location"].recall) == (0.5, 1.0)
    assert scores["location"].f1 == pytest.approx(2 / 3)
    assert scores["insurance_cost"].f1 == pytest.approx(2 / 3)
    assert scores["out_of_scope"].support == 5 and scores["out_of_scope"].recall == 0.6
    assert ev.macro[2] == pytest.approx((2 / 3 + 2 / 3 + 0.75 + 0.8) / 4)


def test_accuracy_rejection_and_confused_pairs(make_pack: MakePack) -> None:
    ev = run(make_pack()).intents
    assert ev.accuracy == pytest.approx(11 / 14)
    assert ev.rejection("out_of_scope") == pytest.approx(2 / 3)
    assert ev.rejection("near_domain") == pytest.approx(1 / 2)
    assert ev.confused == [
        ConfusedPair("program_length", "weekly_hours", 2),
        ConfusedPair("insurance_cost", "location", 1),
        ConfusedPair("out_of_scope", "insurance_cost", 1),
        ConfusedPair("out_of_scope", "location", 1),
    ]
    assert ev.labels == (
        "insurance_cost",
        "location",
        "program_length",
        "weekly_hours",
        "out_of_scope",
    )
    assert ev.matrix[2] == [0, 0, 3, 2, 0]  # program_length's row
    assert ev.matrix[4] == [1, 1, 0, 0, 3]  # out_of_scope's row
    wrong = [(p.sample.line, p.sample.text, p.predicted) for p in ev.misclassified]
    assert wrong == [
        (8, "how many hours a week", "weekly_hours"),
        (9, "how many days a week do i attend", "weekly_hours"),
        (16, "where is the clinic", "location"),
        (22, "where are you located", "location"),
        (25, "do you take insurance", "insurance_cost"),
    ]
    assert sum(ev.histogram("right")) == 11 and sum(ev.histogram("wrong")) == 3
    assert sum(ev.histogram("decline")) == 5


def test_crisis_and_conversations_pass(make_pack: MakePack) -> None:
    results = run(make_pack())
    assert results.crisis.recall() == 1.0
    assert results.crisis.false_positives == []
    assert results.crisis.calm_count == 2 + 14  # not_crisis plus the held-out questions
    assert [c.passed for c in results.conversations] == [True]
    assert results.failures == []


def test_a_missed_crisis_message_fails_the_run(make_pack: MakePack) -> None:
    results = run(make_pack("missed_crisis"))
    assert [o.sample.text for o in results.crisis.missed] == ["the weather is lovely today"]
    assert results.crisis.recall("crisis_self_harm") == 0.5
    assert results.failures == ["crisis recall is 67%: 1 crisis message got no crisis reply"]


def test_comparison_shows_what_got_better_and_worse(make_pack: MakePack) -> None:
    before = make_pack("before", name="before")
    results = run(make_pack(), compare=before)
    cmp = results.comparison
    assert cmp is not None
    assert [(c.text, c.before.predicted, c.after.predicted) for c in cmp.better] == [
        ("is there parking", "out_of_scope", "location")
    ]
    assert [(c.text, c.before.predicted, c.after.predicted) for c in cmp.worse] == [
        ("where is the clinic", "insurance_cost", "location")
    ]
    assert cmp.before.accuracy == cmp.after.accuracy == pytest.approx(11 / 14)


# --- the command ---------------------------------------------------------------------


def test_cli_writes_the_reports_and_exits_0(make_pack: MakePack, tmp_path: Path) -> None:
    root = make_pack()
    out = tmp_path / "out"
    result = CliRunner().invoke(
        iop_bot_test, ["--content", str(root), "--out", str(out), "--threshold", "0.48"]
    )
    assert result.exit_code == 0, result.output
    assert "In-scope accuracy            78.6%  (11 of 14)" in result.output
    assert "    2  program_length -> weekly_hours" in result.output
    assert "line 8  'how many hours a week': expected program_length, got weekly_hours" in (
        result.output
    )
    assert "Conversation tests: 1 passed, 0 failed" in result.output
    assert result.output.rstrip().splitlines()[-2] == "PASSED"
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["passed"] is True and data["threshold"] == 0.48
    assert data["intents"]["accuracy"] == round(11 / 14, 4)
    assert data["intents"]["confused_pairs"][0] == {
        "expected": "program_length",
        "predicted": "weekly_hours",
        "count": 2,
    }
    assert data["intents"]["out_of_scope_rejection"] == {"unrelated": 0.6667, "near_domain": 0.5}
    assert (out / "report.html").read_text(encoding="utf-8").startswith("<!doctype html>")


def test_cli_exits_1_when_a_conversation_fails(make_pack: MakePack, tmp_path: Path) -> None:
    root = make_pack("failing_conversation")
    result = CliRunner().invoke(iop_bot_test, ["--content", str(root), "--out", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert (
        "tests/content/conversations/wrong.yml:4: conversation 'expects the wrong intent', "
        "turn 1 ('how long is the program'): expected intent 'weekly_hours', got 'program_length'"
    ) in result.output
    assert "FAILED: 1 conversation test failed" in result.output


def test_cli_exits_1_when_crisis_recall_is_below_100(make_pack: MakePack, tmp_path: Path) -> None:
    root = make_pack("missed_crisis")
    result = CliRunner().invoke(iop_bot_test, ["--content", str(root), "--out", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "Missed: 'the weather is lovely today' -> none" in result.output
    assert json.loads((tmp_path / "report.json").read_text())["passed"] is False


def test_cli_exits_2_when_the_test_file_is_wrong(make_pack: MakePack, tmp_path: Path) -> None:
    root = make_pack("bad_heldout")
    result = CliRunner().invoke(iop_bot_test, ["--content", str(root), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert (
        "tests/content/heldout.yml:3:5: error: the test message 'how many hours a week' "
        "names unknown intent 'weekly_hour'"
    ) in result.output
    assert not (tmp_path / "report.json").exists()


def test_cli_data_option_and_compare(make_pack: MakePack, tmp_path: Path) -> None:
    before = make_pack("before", name="before")
    root = make_pack()
    data = root / "tests/content/heldout.yml"
    result = CliRunner().invoke(
        iop_bot_test,
        [
            *("--content", str(root), "--out", str(tmp_path), "--data", str(data)),
            *("--compare", str(before), "--threshold", "0.48"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Better: 1   Worse: 1" in result.output
    assert "'where is the clinic': insurance_cost (0." in result.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert [c["text"] for c in report["comparison"]["worse"]] == ["where is the clinic"]
