"""`iop-bot parse --explain`: which example a message matched and why, in plain words.

Formats ``Matcher.explain``: for each of the best intents, its closest example
(with the line it is written on) and the parts its confidence is made of, so an
editor can see which words carried the match and which example to change.
"""

from __future__ import annotations

from typing import Any

from bot.content.models import ContentPack
from bot.matching.matcher import Explanation, Matcher
from bot.safety import SafetyHit


def example_location(pack: ContentPack, intent: str, example: str) -> str:
    """``file:line`` of an example, or the intent's file when the line is unknown."""
    it = pack.intents.get(intent)
    if it is None:
        return ""
    for index, text in enumerate(it.examples):
        if text == example and index < len(it.example_lines):
            return f"{it.file}:{it.example_lines[index]}"
    return f"{it.file}:{it.line}" if it.line else it.file


def _parts(e: Explanation) -> str:
    parts = [
        f"words in common {e.token_score:.2f}",
        f"spelling alike {e.char_score:.2f}",
        f"words found in this intent {e.coverage:.2f}",
    ]
    if e.unknown_penalty:
        parts.append(f"lowered {e.unknown_penalty:.0%} for unknown words")
    return " · ".join(parts)


def explain_lines(
    matcher: Matcher,
    pack: ContentPack,
    text: str,
    top: int = 3,
    hit: SafetyHit | None = None,
) -> list[str]:
    """The explanation of one message as lines of text for the terminal.

    ``hit`` is the safety layer's verdict on the message: it answers before the
    matcher, so when it fires the matching below is only what would have happened.
    """
    result = matcher.match(text)
    explanations = matcher.explain(text, top=top)
    lines = [repr(text)]
    if hit is not None:
        lines.append(
            f"  safety: answered with the crisis reply '{hit.kind}' (cue {hit.cue!r}); "
            "the matching below is not used"
        )
    if explanations:
        first = explanations[0]
        lines.append(f"  read as: {first.text_normalized!r}")
        if first.corrections:
            fixed = ", ".join(f"{typed} -> {read}" for typed, read in first.corrections)
            lines.append(f"  typos fixed: {fixed}")
        if first.unknown_words:
            lines.append(f"  words no example uses: {', '.join(first.unknown_words)}")
    verdict = f"answered as '{result.intent}'" if result.intent in pack.intents else "out of scope"
    if result.ambiguous and len(result.ranking) > 1:
        verdict = (
            f"ambiguous: would ask '{result.ranking[0].intent}' or '{result.ranking[1].intent}'"
        )
    lines.append(
        f"  result: {verdict} (confidence {result.confidence:.2f}, "
        f"threshold {matcher.threshold:.2f})"
    )
    for rank, e in enumerate(explanations, start=1):
        where = example_location(pack, e.intent, e.example)
        lines.append(f"  {rank}. {e.intent}  {e.confidence:.2f}")
        lines.append(f"     closest example: {e.example!r}" + (f" ({where})" if where else ""))
        lines.append(f"     {_parts(e)}")
        if e.shared_words:
            lines.append(f"     shared words: {', '.join(e.shared_words)}")
    return lines


def explain_json(matcher: Matcher, pack: ContentPack, text: str, top: int = 3) -> dict[str, Any]:
    """The same as data, for ``parse --explain`` JSON lines."""
    out = matcher.match(text).to_json()
    out["explanations"] = [
        {**e.to_json(), "example_location": example_location(pack, e.intent, e.example)}
        for e in matcher.explain(text, top=top)
    ]
    return out
