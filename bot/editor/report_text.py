"""The terminal report of `iop-bot test`: plain aligned text, readable in any terminal or CI log.

Colours are added with click.style; click.echo removes them when the output is
not a terminal, so logs and pipes get plain text.
"""

from __future__ import annotations

from collections.abc import Iterator

import click

from bot.editor.compare import Change, Comparison
from bot.editor.evaluate import CrisisEvaluation, IntentEvaluation
from bot.editor.testrun import Results
from bot.matching.matcher import OUT_OF_SCOPE

MAX_TEXT = 60  # longer messages are cut in the terminal; report.json and report.html keep them


def _pct(value: float) -> str:
    return f"{value:.1%}"


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _heading(title: str) -> str:
    return click.style(title, bold=True)


def _good(ok: bool, text: str) -> str:
    return click.style(text, fg="green" if ok else "red")


def _of(part: int, whole: int) -> str:
    return f"({part} of {whole})"


def intent_lines(ev: IntentEvaluation, data_file: str) -> Iterator[str]:
    in_scope = ev.group("in_scope")
    right = sum(p.correct for p in in_scope)
    yield _heading(f"Intent evaluation on {data_file} (threshold {ev.threshold:.2f})")
    yield f"  In-scope accuracy          {_pct(ev.accuracy):>7}  {_of(right, len(in_scope))}"
    precision, recall, f1 = ev.macro
    yield f"  Macro precision/recall/F1  {precision:.2f} / {recall:.2f} / {f1:.2f}"
    for group, label in (("out_of_scope", "unrelated"), ("near_domain", "near-domain")):
        items = ev.group(group)
        declined = sum(p.correct for p in items)
        yield (
            f"  Declined, {label:<12}     {_pct(ev.rejection(group)):>7}  "
            f"{_of(declined, len(items))}"
        )
    yield f"  Would ask 'did you mean'   {ev.ambiguous:>7}"
    yield ""
    width = max([len(s.label) for s in ev.scores] + [len("intent")])
    yield f"  {'intent':<{width}}  precision  recall     F1  messages  taken for it"
    for s in ev.scores:
        row = (
            f"  {s.label:<{width}}  {s.precision:9.2f}  {s.recall:6.2f}  {s.f1:5.2f}  "
            f"{s.support:8d}  {s.predicted:12d}"
        )
        weak = s.support and (s.recall < 0.8 or s.precision < 0.8)
        yield click.style(row, fg="yellow") if weak and s.label != OUT_OF_SCOPE else row
    if ev.uncovered:
        yield ""
        yield f"  No test message for: {', '.join(ev.uncovered)}"
    if ev.confused:
        yield ""
        yield _heading("Most confused (expected -> taken for)")
        for pair in ev.confused[:10]:
            yield f"  {pair.count:3d}  {pair.expected} -> {pair.predicted}"
    if ev.misclassified:
        yield ""
        yield _heading(f"Misclassified messages ({len(ev.misclassified)})")
        for p in ev.misclassified:
            where = f"line {p.sample.line}" if p.sample.line else p.sample.group
            yield (
                f"  {where:>9}  {_cut(p.sample.text)!r}: expected {p.sample.expected}, "
                f"got {p.predicted} ({p.confidence:.2f})"
            )


def crisis_lines(ev: CrisisEvaluation, crisis_file: str) -> Iterator[str]:
    yield _heading(f"Crisis detection on {crisis_file}")
    for kind in ("crisis_self_harm", "medical_emergency"):
        recall = ev.recall(kind)
        yield f"  Recall, {kind:<18} {_good(recall == 1.0, f'{_pct(recall):>7}')}"
    fp = ev.false_positives
    yield (
        f"  False alarms               {_good(not fp, f'{len(fp):>7}')}  "
        f"(of {ev.calm_count} ordinary messages, held-out questions included)"
    )
    for label, items in (("Missed", ev.missed), ("Wrong kind", ev.wrong_kind), ("False alarm", fp)):
        for o in items:
            cue = f" (cue {o.hit.cue!r})" if o.hit else ""
            yield f"  {label}: {_cut(o.sample.text)!r} -> {o.kind}{cue}"


def conversation_lines(results: Results) -> Iterator[str]:
    total = len(results.conversations)
    failed = results.conversations_failed
    yield _heading(
        f"Conversation tests: {total - len(failed)} passed, "
        + _good(not failed, f"{len(failed)} failed")
    )
    if not total:
        yield "  No conversation tests found in tests/content/conversations/."
    for outcome in failed:
        for problem in outcome.problems:
            yield f"  {problem.file}:{problem.line}: {problem.message}"


def _change(c: Change) -> str:
    return (
        f"    {_cut(c.text)!r}: {c.before.predicted} ({c.before.confidence:.2f}) -> "
        f"{c.after.predicted} ({c.after.confidence:.2f}), expected {c.expected}"
    )


def comparison_lines(cmp: Comparison) -> Iterator[str]:
    yield _heading(f"Compared with {cmp.before_dir}")
    before, after = cmp.before.accuracy, cmp.after.accuracy
    yield f"  In-scope accuracy  {_pct(before)} -> {_good(after >= before, _pct(after))}"
    yield (
        f"  Overall accuracy   {_pct(cmp.before.overall_accuracy)} -> "
        f"{_pct(cmp.after.overall_accuracy)}"
    )
    yield f"  Better: {len(cmp.better)}   Worse: {len(cmp.worse)}"
    if cmp.better:
        yield "  Now right:"
        yield from (click.style(_change(c), fg="green") for c in cmp.better)
    if cmp.worse:
        yield "  Now wrong:"
        yield from (click.style(_change(c), fg="red") for c in cmp.worse)


def render_text(results: Results) -> str:
    """The whole terminal report, ending with the verdict."""
    lines = [*intent_lines(results.intents, results.data_file), ""]
    lines += [*crisis_lines(results.crisis, results.crisis_file), ""]
    lines += [*conversation_lines(results), ""]
    if results.comparison:
        lines += [*comparison_lines(results.comparison), ""]
    failures = results.failures
    verdict = "FAILED: " + "; ".join(failures) if failures else "PASSED"
    lines.append(click.style(verdict, fg="red" if failures else "green", bold=True))
    return "\n".join(lines)
