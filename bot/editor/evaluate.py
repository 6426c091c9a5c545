"""The intent and crisis evaluations behind `iop-bot test`: run the messages, keep every outcome.

Everything here is computed from the predictions; the text, JSON and HTML reports
only format it. Held-out messages of unrelated topics and of near-domain topics
(addiction questions the pack does not answer) are kept apart, because the
second kind is where a fuzzy matcher is most tempted to answer wrongly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from bot.content.models import ContentPack, Problem
from bot.dialogue.replies import REQUIRED_INTENTS
from bot.editor import metrics
from bot.editor.testdata import CRISIS_KINDS, LabelledFile, Sample
from bot.matching.matcher import OUT_OF_SCOPE, Matcher
from bot.safety import SafetyHit

HISTOGRAM_BINS = 20


@dataclass(frozen=True)
class Prediction:
    """What the matcher made of one held-out message."""

    sample: Sample
    predicted: str
    confidence: float
    ambiguous: bool  # the bot would ask "did you mean A or B?"
    top: str  # the best-ranked intent, even when its confidence is below the threshold
    runner_up: str | None

    @property
    def correct(self) -> bool:
        return self.predicted == self.sample.expected

    @property
    def pair(self) -> tuple[str, str]:
        return self.sample.expected, self.predicted


def predict(
    matcher: Matcher,
    samples: Iterable[Sample],
    progress: Callable[[Iterable[Sample]], Iterable[Sample]] = lambda s: s,
) -> list[Prediction]:
    """Match each sample; ``progress`` may wrap the iteration in a progress bar."""
    out = []
    for sample in progress(samples):
        result = matcher.match(sample.text)
        ranked = [r.intent for r in result.ranking]
        out.append(
            Prediction(
                sample,
                result.intent,
                result.confidence,
                result.ambiguous,
                ranked[0] if ranked else OUT_OF_SCOPE,
                ranked[1] if len(ranked) > 1 else None,
            )
        )
    return out


def unknown_intents(pack: ContentPack, data: LabelledFile) -> list[Problem]:
    """Test messages labelled with an intent the pack does not have (a typo in the test file)."""
    return [
        Problem(
            data.path,
            s.line,
            s.column,
            f"the test message {s.text!r} names unknown intent '{s.expected}'",
        )
        for s in data.group("in_scope")
        if s.expected not in pack.intents
    ]


@dataclass(frozen=True)
class IntentEvaluation:
    """Per-intent scores, confusions, out-of-scope rejection and the misclassified messages."""

    predictions: tuple[Prediction, ...]
    intents: tuple[str, ...]  # every intent of the pack
    threshold: float

    def group(self, name: str) -> list[Prediction]:
        return [p for p in self.predictions if p.sample.group == name]

    @cached_property
    def labels(self) -> tuple[str, ...]:
        """Intents with test messages or predictions, then out_of_scope: the matrix axes."""
        seen = {label for p in self.predictions for label in p.pair}
        return (*sorted(seen - {OUT_OF_SCOPE}), OUT_OF_SCOPE)

    @cached_property
    def scores(self) -> tuple[metrics.LabelScore, ...]:
        return tuple(metrics.label_scores([p.pair for p in self.predictions], self.labels))

    @property
    def macro(self) -> tuple[float, float, float]:
        """Macro precision, recall and F1 over the intents (out_of_scope has its own numbers)."""
        return metrics.macro_average([s for s in self.scores if s.label != OUT_OF_SCOPE])

    @property
    def accuracy(self) -> float:
        """Share of in-scope messages answered with the right intent."""
        return _share(self.group("in_scope"))

    @property
    def overall_accuracy(self) -> float:
        """Share of all messages handled right: in-scope answered, out-of-scope turned down."""
        return _share(list(self.predictions))

    def rejection(self, group: str) -> float:
        """Share of ``out_of_scope`` or ``near_domain`` messages the bot rightly declines."""
        return _share(self.group(group))

    @property
    def ambiguous(self) -> int:
        return sum(p.ambiguous for p in self.predictions)

    @cached_property
    def confused(self) -> list[metrics.ConfusedPair]:
        return metrics.confused_pairs(p.pair for p in self.predictions)

    @cached_property
    def matrix(self) -> list[list[int]]:
        return metrics.confusion_matrix([p.pair for p in self.predictions], self.labels)

    @property
    def misclassified(self) -> list[Prediction]:
        return [p for p in self.predictions if not p.correct]

    @property
    def uncovered(self) -> list[str]:
        """Question intents of the pack that no held-out message tests.

        The dialogue's own intents ("yes", "morning") are left out: they answer the
        request form's questions, which the conversation tests exercise.
        """
        tested = {p.sample.expected for p in self.group("in_scope")}
        return [i for i in self.intents if i not in tested and i not in REQUIRED_INTENTS]

    def histogram(self, kind: str) -> list[int]:
        """Confidence counts for one kind of message, to place the threshold by eye.

        ``right``: in-scope messages whose best-ranked intent is the right one;
        ``wrong``: in-scope messages whose best-ranked intent is another;
        ``decline``: out-of-scope and near-domain messages, which should fall below.
        """

        def wanted(p: Prediction) -> bool:
            if p.sample.group != "in_scope":
                return kind == "decline"
            return kind == ("right" if p.top == p.sample.expected else "wrong")

        return metrics.histogram(
            (p.confidence for p in self.predictions if wanted(p)), HISTOGRAM_BINS
        )


def _share(predictions: list[Prediction]) -> float:
    return sum(p.correct for p in predictions) / len(predictions) if predictions else 0.0


def evaluate_intents(
    matcher: Matcher,
    pack: ContentPack,
    data: LabelledFile,
    threshold: float,
    progress: Callable[[Iterable[Sample]], Iterable[Sample]] = lambda s: s,
) -> IntentEvaluation:
    return IntentEvaluation(
        tuple(predict(matcher, data.samples, progress)), tuple(pack.intents), threshold
    )


@dataclass(frozen=True)
class CrisisOutcome:
    sample: Sample
    hit: SafetyHit | None

    @property
    def caught(self) -> bool:
        return self.hit is not None

    @property
    def kind(self) -> str:
        return self.hit.kind if self.hit else "none"


@dataclass(frozen=True)
class CrisisEvaluation:
    """How the safety layer did on crisis.yml, and on the held-out FAQ questions."""

    outcomes: tuple[CrisisOutcome, ...]  # crisis.yml
    faq_outcomes: tuple[CrisisOutcome, ...] = ()  # held-out in-scope questions

    def _crisis(self, kind: str | None = None) -> list[CrisisOutcome]:
        kinds = (kind,) if kind else CRISIS_KINDS
        return [o for o in self.outcomes if o.sample.expected in kinds]

    def recall(self, kind: str | None = None) -> float:
        """Share of crisis messages that get a crisis reply (any crisis kind counts)."""
        found = self._crisis(kind)
        return sum(o.caught for o in found) / len(found) if found else 1.0

    @property
    def missed(self) -> list[CrisisOutcome]:
        return [o for o in self._crisis() if not o.caught]

    @property
    def wrong_kind(self) -> list[CrisisOutcome]:
        """Caught, but answered as the other kind (self-harm given the medical reply)."""
        return [o for o in self._crisis() if o.caught and o.kind != o.sample.expected]

    @property
    def false_positives(self) -> list[CrisisOutcome]:
        """Ordinary messages (not_crisis, and FAQ questions) that set off a crisis reply."""
        calm = [o for o in self.outcomes if o.sample.expected == "not_crisis"]
        return [o for o in (*calm, *self.faq_outcomes) if o.caught]

    @property
    def calm_count(self) -> int:
        return sum(o.sample.expected == "not_crisis" for o in self.outcomes) + len(
            self.faq_outcomes
        )


def evaluate_crisis(
    detect: Callable[[str], SafetyHit | None],
    data: LabelledFile,
    faq: Iterable[Sample] = (),
) -> CrisisEvaluation:
    def run(samples: Iterable[Sample]) -> Iterator[CrisisOutcome]:
        for sample in samples:
            yield CrisisOutcome(sample, detect(sample.text))

    return CrisisEvaluation(tuple(run(data.samples)), tuple(run(faq)))
