"""report.json: the whole `iop-bot test` outcome as data, for scripts and for comparing runs."""

from __future__ import annotations

from typing import Any

from bot.content.models import Problem
from bot.editor.compare import Change, Comparison
from bot.editor.evaluate import (
    HISTOGRAM_BINS,
    CrisisEvaluation,
    CrisisOutcome,
    IntentEvaluation,
    Prediction,
)
from bot.editor.testrun import Results

REPORT_VERSION = 1


def _r(value: float) -> float:
    return round(value, 4)


def _prediction(p: Prediction) -> dict[str, Any]:
    return {
        "text": p.sample.text,
        "line": p.sample.line,
        "group": p.sample.group,
        "expected": p.sample.expected,
        "predicted": p.predicted,
        "confidence": _r(p.confidence),
        "ambiguous": p.ambiguous,
        "runner_up": p.runner_up,
    }


def _problem(p: Problem) -> dict[str, Any]:
    return {"file": p.file, "line": p.line, "column": p.column, "message": p.message}


def intents_json(ev: IntentEvaluation) -> dict[str, Any]:
    precision, recall, f1 = ev.macro
    return {
        "accuracy": _r(ev.accuracy),
        "overall_accuracy": _r(ev.overall_accuracy),
        "macro": {"precision": _r(precision), "recall": _r(recall), "f1": _r(f1)},
        "out_of_scope_rejection": {
            "unrelated": _r(ev.rejection("out_of_scope")),
            "near_domain": _r(ev.rejection("near_domain")),
        },
        "counts": {
            group: len(ev.group(group)) for group in ("in_scope", "out_of_scope", "near_domain")
        },
        "ambiguous": ev.ambiguous,
        "per_intent": [
            {
                "intent": s.label,
                "precision": _r(s.precision),
                "recall": _r(s.recall),
                "f1": _r(s.f1),
                "support": s.support,
                "predicted": s.predicted,
            }
            for s in ev.scores
        ],
        "confused_pairs": [
            {"expected": c.expected, "predicted": c.predicted, "count": c.count}
            for c in ev.confused
        ],
        "confusion_matrix": {"labels": list(ev.labels), "rows": ev.matrix},
        "confidence_histogram": {
            "bins": HISTOGRAM_BINS,
            **{kind: ev.histogram(kind) for kind in ("right", "wrong", "decline")},
        },
        "untested_intents": ev.uncovered,
        "misclassified": [_prediction(p) for p in ev.misclassified],
    }


def _outcome(o: CrisisOutcome) -> dict[str, Any]:
    return {
        "text": o.sample.text,
        "line": o.sample.line,
        "expected": o.sample.expected,
        "detected": o.kind,
        "cue": o.hit.cue if o.hit else None,
    }


def crisis_json(ev: CrisisEvaluation) -> dict[str, Any]:
    return {
        "recall": _r(ev.recall()),
        "recall_by_kind": {
            kind: _r(ev.recall(kind)) for kind in ("crisis_self_harm", "medical_emergency")
        },
        "missed": [_outcome(o) for o in ev.missed],
        "wrong_kind": [_outcome(o) for o in ev.wrong_kind],
        "false_positives": [_outcome(o) for o in ev.false_positives],
        "ordinary_messages": ev.calm_count,
    }


def _change(c: Change) -> dict[str, Any]:
    return {
        "text": c.text,
        "expected": c.expected,
        "before": c.before.predicted,
        "after": c.after.predicted,
        "before_confidence": _r(c.before.confidence),
        "after_confidence": _r(c.after.confidence),
    }


def comparison_json(cmp: Comparison) -> dict[str, Any]:
    return {
        "before_content": cmp.before_dir,
        "accuracy": {"before": _r(cmp.before.accuracy), "after": _r(cmp.after.accuracy)},
        "overall_accuracy": {
            "before": _r(cmp.before.overall_accuracy),
            "after": _r(cmp.after.overall_accuracy),
        },
        "better": [_change(c) for c in cmp.better],
        "worse": [_change(c) for c in cmp.worse],
        "still_wrong": [_change(c) for c in cmp.still_wrong],
    }


def report_json(results: Results) -> dict[str, Any]:
    return {
        "version": REPORT_VERSION,
        "created": results.created.isoformat(timespec="seconds"),
        "content": results.content,
        "test_file": results.data_file,
        "crisis_file": results.crisis_file,
        "threshold": results.threshold,
        "margin": results.margin,
        "passed": not results.failures,
        "failures": results.failures,
        "seconds": round(results.seconds, 3),
        "intents": intents_json(results.intents),
        "crisis": crisis_json(results.crisis),
        "conversations": [
            {
                "name": c.conversation.name,
                "file": c.conversation.file,
                "line": c.conversation.line,
                "passed": c.passed,
                "problems": [_problem(p) for p in c.problems],
            }
            for c in results.conversations
        ],
        "comparison": comparison_json(results.comparison) if results.comparison else None,
    }
