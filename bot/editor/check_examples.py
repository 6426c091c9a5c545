"""Checks on intent examples: too few, duplicated, nearly duplicated, or taken for another intent.

Each finding points at the example's own line, so an editor can jump straight to it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process

from bot.content.models import ContentPack, Intent, Problem
from bot.matching.matcher import OUT_OF_SCOPE, Matcher
from bot.matching.normalize import Normalizer

# An intent visitors ask about needs this many wordings before the bot recognises it reliably.
MIN_EXAMPLES = 12
# Two examples of different intents this alike (0-100, rapidfuzz ratio) will confuse the bot.
NEAR_DUPLICATE_SCORE = 90.0
# Matchers built by the leave-one-out pass at most (see check_left_out).
LEAVE_OUT_ROUNDS = 8


@dataclass(frozen=True)
class Example:
    """One example with where it is written."""

    intent: str
    index: int
    text: str
    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def problem(self, message: str, severity: str) -> Problem:
        return Problem(self.file, self.line, 0, message, severity)


def keys_of(pack: ContentPack, examples: list[Example]) -> list[str]:
    """Each example as the matcher reads it: contractions, synonyms, case and spacing settled."""
    normalize = Normalizer(pack.synonyms)
    return [normalize(ex.text) for ex in examples]


def examples_of(pack: ContentPack) -> list[Example]:
    out = []
    for intent in pack.intents.values():
        for index, text in enumerate(intent.examples):
            line = intent.example_lines[index] if index < len(intent.example_lines) else intent.line
            out.append(Example(intent.name, index, text, intent.file, line))
    return out


def check_counts(pack: ContentPack, names: Collection[str], minimum: int) -> Iterator[Problem]:
    """Warn about intents among ``names`` with fewer than ``minimum`` examples."""
    for name in names:
        intent = pack.intents.get(name)
        if intent is None or len(intent.examples) >= minimum:
            continue
        yield Problem(
            intent.file,
            intent.line,
            0,
            f"intent '{intent.name}' has only {len(intent.examples)} examples; give it at least "
            f"{minimum} different wordings so the bot recognises it",
            "warning",
        )


def check_duplicates(
    examples: list[Example], keys: list[str]
) -> tuple[list[Problem], set[Example]]:
    """The same example twice: an error across intents, a warning inside one.

    Also returns the examples involved, which the leave-one-out pass then skips.
    """
    problems: list[Problem] = []
    involved: set[Example] = set()
    first: dict[str, Example] = {}
    for ex, k in zip(examples, keys, strict=True):
        seen = first.get(k)
        if seen is None:
            first[k] = ex
            continue
        involved.update((seen, ex))
        if seen.intent == ex.intent:
            same = (
                "is written twice" if seen.text == ex.text else f"reads the same as {seen.text!r}"
            )
            problems.append(
                ex.problem(
                    f"example {ex.text!r} of intent '{ex.intent}' {same} "
                    f"(at {seen.where}) once spelling variants are settled; remove one",
                    "warning",
                )
            )
        else:
            problems.append(
                ex.problem(
                    f"example {ex.text!r} is under two intents: '{seen.intent}' ({seen.where}) "
                    f"and '{ex.intent}' ({ex.where}); keep it under one",
                    "error",
                )
            )
    return problems, involved


def check_near_duplicates(
    examples: list[Example], keys: list[str], skip: set[Example]
) -> Iterator[Problem]:
    """Warn when examples of two intents are nearly the same words (typos, one word changed)."""
    # every pair at once, in one call: a call per example is most of validate's time
    alike = process.cdist(
        keys, keys, scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE_SCORE, workers=1
    )
    for i, ex in enumerate(examples):
        if ex in skip:
            continue
        close = [j for j in alike[i].nonzero()[0].tolist() if alike[i, j] >= NEAR_DUPLICATE_SCORE]
        found = [(float(alike[i, j]), j) for j in sorted(close, key=lambda j: -alike[i, j])]
        for score, j in found:
            other = examples[j]
            if j <= i or other.intent == ex.intent or other in skip or keys[j] == keys[i]:
                continue
            yield other.problem(
                f"example {other.text!r} of intent '{other.intent}' is almost the same as "
                f"{ex.text!r} of intent '{ex.intent}' ({ex.where}, {score:.0f}% alike); "
                "the bot may mix the two up",
                "warning",
            )


def _without(pack: ContentPack, rounds: int, round_index: int) -> ContentPack:
    """The pack minus, in every intent, the examples whose position falls in this round."""
    intents: dict[str, Intent] = {}
    for name, intent in pack.intents.items():
        kept = tuple(e for j, e in enumerate(intent.examples) if j % rounds != round_index)
        intents[name] = replace(intent, examples=kept or intent.examples, example_lines=())
    return replace(pack, intents=intents)


def check_left_out(
    pack: ContentPack, examples: list[Example], skip: set[Example], threshold: float, margin: float
) -> Iterator[Problem]:
    """Leave-one-out: match each example with a matcher that has not seen it.

    Batched in rounds, because building a matcher is what costs: round r leaves
    out the examples at positions r, r + R, r + 2R ... of every intent and
    matches all of them, so the matcher is built R times instead of once per
    example. R is the longest intent's length, at most LEAVE_OUT_ROUNDS. Every
    example is matched without itself; each intent also misses about one example
    in R besides, which barely moves the scores. Measured on the demo pack: a
    handful of findings differ from one build per example, at a third of the time.
    """
    longest = max((len(i.examples) for i in pack.intents.values()), default=0)
    rounds = min(longest, LEAVE_OUT_ROUNDS)
    by_round: dict[int, list[Example]] = {}
    for ex in examples:
        if ex not in skip and len(pack.intents[ex.intent].examples) > 1:
            by_round.setdefault(ex.index % rounds, []).append(ex)
    for r in range(rounds):
        batch = by_round.get(r)
        if not batch:
            continue
        matcher = Matcher(_without(pack, rounds, r), threshold=threshold, margin=margin)
        for ex in batch:
            result = matcher.match(ex.text)
            if result.intent in (ex.intent, OUT_OF_SCOPE):
                continue
            ranked = {r.intent: r.confidence for r in result.ranking}
            if result.ambiguous and result.ranking[1].intent == ex.intent:
                continue  # the bot would ask "did you mean A or B?", offering the right one
            own = (
                f"'{ex.intent}' gets {ranked[ex.intent]:.2f}"
                if ex.intent in ranked
                else f"'{ex.intent}' is not even in the top {len(ranked)}"
            )
            yield ex.problem(
                f"example {ex.text!r} of intent '{ex.intent}' is taken for '{result.intent}' "
                f"(confidence {result.confidence:.2f}; {own}) when the bot has not seen it; "
                f"add wordings like it to '{ex.intent}' or reword it",
                "warning",
            )
