"""Measure a matcher on a labelled held-out set, and sweep the threshold over it.

A held-out set has three parts: in-scope messages labelled with their intent,
clearly unrelated messages, and near-domain messages (about addiction
treatment, but nothing the pack answers). The figures are the ones the
thresholds are chosen by: top-1 accuracy on in-scope messages (a rejected
in-scope message counts as wrong) and the share of each other part rejected.

``cross_validate`` measures the pack's own examples instead: each k-th of
them is held out in turn and matched by a matcher built without it, which
tells how well the matcher generalizes from the examples it has.
Parsing the YAML file is the caller's job; everything here is pure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.content.models import ContentPack
from bot.matching.matcher import OUT_OF_SCOPE, Matcher
from bot.matching.scoring import Scoring


@dataclass(frozen=True)
class HeldOut:
    in_scope: tuple[tuple[str, str], ...]  # (text, intent)
    out_of_scope: tuple[str, ...]
    near_domain: tuple[str, ...]

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> HeldOut:
        """Build from the parsed YAML: ``in_scope: [{text, intent}]``, ``out_of_scope: [text]``..."""
        unknown = set(data) - {"in_scope", "out_of_scope", "near_domain"}
        if unknown:
            raise ValueError(f"unknown held-out section(s): {', '.join(sorted(unknown))}")
        in_scope = tuple((str(i["text"]), str(i["intent"])) for i in data.get("in_scope") or ())
        return cls(
            in_scope=in_scope,
            out_of_scope=tuple(str(t) for t in data.get("out_of_scope") or ()),
            near_domain=tuple(str(t) for t in data.get("near_domain") or ()),
        )


@dataclass(frozen=True)
class Miss:
    text: str
    expected: str
    got: str
    confidence: float


@dataclass(frozen=True)
class Figures:
    threshold: float
    accuracy: float  # in-scope messages given the right intent
    out_of_scope_rejected: float
    near_domain_rejected: float
    misses: tuple[Miss, ...]  # in-scope messages answered wrongly or rejected
    false_accepts: tuple[Miss, ...]  # unrelated or near-domain messages that got an intent

    def summary(self) -> str:
        return (
            f"threshold {self.threshold:.2f}: accuracy {self.accuracy:.1%}, "
            f"unrelated rejected {self.out_of_scope_rejected:.1%}, "
            f"near-domain rejected {self.near_domain_rejected:.1%}"
        )


@dataclass(frozen=True)
class _Top:
    text: str
    expected: str
    intent: str
    confidence: float


def _share(hits: int, total: int) -> float:
    return hits / total if total else 1.0


def _tops(matcher: Matcher, items: Iterable[tuple[str, str]]) -> list[_Top]:
    out = []
    for text, expected in items:
        best = matcher.match(text).ranking
        intent, conf = (best[0].intent, best[0].confidence) if best else (OUT_OF_SCOPE, 0.0)
        out.append(_Top(text, expected, intent, conf))
    return out


def sweep(matcher: Matcher, heldout: HeldOut, thresholds: Sequence[float]) -> list[Figures]:
    """Figures at each threshold, matching every message once."""
    answered = _tops(matcher, heldout.in_scope)
    unrelated = _tops(matcher, ((t, OUT_OF_SCOPE) for t in heldout.out_of_scope))
    near = _tops(matcher, ((t, OUT_OF_SCOPE) for t in heldout.near_domain))
    return [_figures(th, answered, unrelated, near) for th in thresholds]


def _figures(th: float, answered: list[_Top], unrelated: list[_Top], near: list[_Top]) -> Figures:
    misses = tuple(
        Miss(t.text, t.expected, t.intent if t.confidence >= th else OUT_OF_SCOPE, t.confidence)
        for t in answered
        if not (t.intent == t.expected and t.confidence >= th)
    )
    false_accepts = tuple(
        Miss(t.text, OUT_OF_SCOPE, t.intent, t.confidence)
        for t in (*unrelated, *near)
        if t.confidence >= th
    )
    return Figures(
        threshold=th,
        accuracy=_share(len(answered) - len(misses), len(answered)),
        out_of_scope_rejected=_share(sum(t.confidence < th for t in unrelated), len(unrelated)),
        near_domain_rejected=_share(sum(t.confidence < th for t in near), len(near)),
        misses=misses,
        false_accepts=false_accepts,
    )


def evaluate(matcher: Matcher, heldout: HeldOut) -> Figures:
    """Figures at the matcher's own threshold."""
    return sweep(matcher, heldout, [matcher.threshold])[0]


def cross_validate(
    pack: ContentPack,
    intents: Collection[str],
    *,
    folds: int,
    thresholds: Sequence[float],
    margin: float,
    scoring: Scoring | None = None,
) -> list[Figures]:
    """k-fold cross-validation over the examples of ``intents``, at each threshold.

    Fold f holds out the examples at positions f, f + k, f + 2k ... of each of
    those intents (the other intents keep all of theirs) and matches each of them
    with a matcher built without them. Only in-scope figures are measured: the
    rejection shares of the result are 1.0 by definition.
    """
    if folds < 2:
        raise ValueError(f"at least 2 folds are needed, not {folds}")
    tops: list[_Top] = []
    for fold in range(folds):
        held: list[tuple[str, str]] = []
        kept = {}
        for name, intent in pack.intents.items():
            if name not in intents:
                kept[name] = intent
                continue
            held += [(e, name) for i, e in enumerate(intent.examples) if i % folds == fold]
            rest = tuple(e for i, e in enumerate(intent.examples) if i % folds != fold)
            kept[name] = dataclasses.replace(intent, examples=rest)
        partial = dataclasses.replace(pack, intents=kept)
        matcher = Matcher(
            partial, threshold=min(thresholds, default=0.0), margin=margin, scoring=scoring
        )
        tops += _tops(matcher, held)
    return [_figures(th, tops, [], []) for th in thresholds]
