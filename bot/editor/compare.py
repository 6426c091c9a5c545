"""Before and after an edit: the same test messages through two packs, and what changed.

The editor keeps a copy of the pack from before the change (``--compare OLD``);
each message the new pack gets right and the old got wrong is "better", and
the reverse "worse", so a fix that breaks another intent shows up at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.editor.evaluate import IntentEvaluation, Prediction


@dataclass(frozen=True)
class Change:
    """One message whose outcome differs between the two packs."""

    before: Prediction
    after: Prediction

    @property
    def text(self) -> str:
        return self.after.sample.text

    @property
    def expected(self) -> str:
        return self.after.sample.expected


@dataclass(frozen=True)
class Comparison:
    before_dir: str
    before: IntentEvaluation
    after: IntentEvaluation

    @property
    def changes(self) -> list[Change]:
        """Messages whose predicted intent changed, in test-file order.

        Both evaluations ran the same samples in the same order, so they pair up by position.
        """
        return [
            Change(b, a)
            for b, a in zip(self.before.predictions, self.after.predictions, strict=True)
            if b.predicted != a.predicted
        ]

    @property
    def better(self) -> list[Change]:
        return [c for c in self.changes if c.after.correct and not c.before.correct]

    @property
    def worse(self) -> list[Change]:
        return [c for c in self.changes if c.before.correct and not c.after.correct]

    @property
    def still_wrong(self) -> list[Change]:
        """Wrong before and after, but taken for something else now."""
        return [c for c in self.changes if not c.before.correct and not c.after.correct]
