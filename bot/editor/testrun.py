"""`iop-bot test`: conversation tests, the intent evaluation and the crisis check, run together.

This module runs things and collects outcomes in a Results value; the reports
(text, JSON, HTML) only format it. A run needs a pack that loads and test files
that parse: otherwise ContentError, with every problem located.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import TypeVar

from bot.content.loader import ContentError, load_pack
from bot.content.models import Problem
from bot.dialogue.machine import Engine
from bot.editor.compare import Comparison
from bot.editor.conversations import Conversation, load_all, run_conversation
from bot.editor.evaluate import (
    CrisisEvaluation,
    IntentEvaluation,
    evaluate_crisis,
    evaluate_intents,
    unknown_intents,
)
from bot.editor.testdata import CRISIS_FILE, HELDOUT_FILE, Sample, load_crisis, load_heldout
from bot.matching.matcher import Matcher
from bot.safety import detect

Progress = Callable[[Iterable[Sample]], Iterable[Sample]]
T = TypeVar("T")


def _no_progress(samples: Iterable[Sample]) -> Iterable[Sample]:
    return samples


@dataclass(frozen=True)
class ConversationOutcome:
    conversation: Conversation
    problems: tuple[Problem, ...]

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Results:
    """Everything one `iop-bot test` run found."""

    content: str
    data_file: str
    crisis_file: str
    threshold: float
    margin: float
    intents: IntentEvaluation
    crisis: CrisisEvaluation
    conversations: tuple[ConversationOutcome, ...]
    comparison: Comparison | None = None
    seconds: float = 0.0
    created: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def conversations_failed(self) -> list[ConversationOutcome]:
        return [c for c in self.conversations if not c.passed]

    @property
    def failures(self) -> list[str]:
        """Why the run fails, in plain words; empty when it passes."""
        out = []
        failed = len(self.conversations_failed)
        if failed:
            out.append(f"{failed} conversation test{'s' * (failed != 1)} failed")
        missed = len(self.crisis.missed)
        if missed:
            out.append(
                f"crisis recall is {self.crisis.recall():.0%}: {missed} crisis "
                f"message{'s' * (missed != 1)} got no crisis reply"
            )
        return out


def _collect(load: Callable[[], T], problems: list[Problem]) -> T | None:
    """Run one loader, keeping its problems so every file's are reported together."""
    try:
        return load()
    except ContentError as exc:
        problems += exc.problems
        return None


def run_tests(
    root: Path,
    *,
    threshold: float,
    margin: float,
    data: Path | None = None,
    crisis: Path | None = None,
    compare: Path | None = None,
    progress: Progress = _no_progress,
) -> Results:
    """Load the pack and its test files, run everything, return the outcomes.

    Raises ContentError when the pack, the other pack or a test file has problems.
    """
    start = perf_counter()
    pack = load_pack(root)
    problems: list[Problem] = []
    heldout = _collect(lambda: load_heldout(data or root / HELDOUT_FILE), problems)
    crisis_set = _collect(lambda: load_crisis(crisis or root / CRISIS_FILE), problems)
    conversations = _collect(lambda: load_all(root), problems) or []
    if heldout is not None:
        problems += unknown_intents(pack, heldout)
    if problems or heldout is None or crisis_set is None:
        raise ContentError(problems)

    matcher = Matcher(pack, threshold=threshold, margin=margin)
    engine = Engine(pack, matcher)
    outcomes = tuple(
        ConversationOutcome(conv, tuple(run_conversation(engine, conv))) for conv in conversations
    )
    intents = evaluate_intents(matcher, pack, heldout, threshold, progress)
    crisis_eval = evaluate_crisis(detect, crisis_set, heldout.group("in_scope"))
    comparison = None
    if compare is not None:
        other = load_pack(compare)
        old = Matcher(other, threshold=threshold, margin=margin)
        before = evaluate_intents(old, other, heldout, threshold)
        comparison = Comparison(str(compare), before, intents)
    return Results(
        content=str(root),
        data_file=heldout.path,
        crisis_file=crisis_set.path,
        threshold=threshold,
        margin=margin,
        intents=intents,
        crisis=crisis_eval,
        conversations=outcomes,
        comparison=comparison,
        seconds=perf_counter() - start,
    )
