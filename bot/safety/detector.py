"""``detect``: the crisis check that runs on every message, before anything else.

Pure and fast: the text is normalized (``normalize``), figures of speech and
informational questions are blanked (``neutral``), then the self-harm patterns and the
medical patterns are tried in that order. Self-harm wins when both match: an overdose
taken on purpose is a suicide attempt, and that reply gives 911 as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.safety.medical import MEDICAL
from bot.safety.neutral import NEUTRAL
from bot.safety.normalize import variants
from bot.safety.rules import compile_any, compile_rules
from bot.safety.self_harm import SELF_HARM

Kind = Literal["crisis_self_harm", "medical_emergency"]

_NEUTRAL_RE = compile_any(NEUTRAL)
_KINDS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    ("crisis_self_harm", compile_rules(SELF_HARM)),
    ("medical_emergency", compile_rules(MEDICAL)),
)


@dataclass(frozen=True)
class SafetyHit:
    """A crisis was detected. ``cue`` labels the rule that fired, never the visitor's words."""

    kind: Kind
    cue: str


def _blank_neutral(text: str) -> str:
    """Blank the neutral spans; the result starts with a space, as the patterns expect."""
    return _NEUTRAL_RE.sub(" ~", f" {text}")


def detect(text: str) -> SafetyHit | None:
    """The crisis in ``text``, or None. When in doubt this errs towards a crisis."""
    if not text or not text.strip():
        return None
    forms = [_blank_neutral(form) for form in variants(text)]
    for kind, pattern in _KINDS:
        for form in forms:
            match = pattern.search(form)
            if match is not None and match.lastgroup is not None:
                return SafetyHit(kind, match.lastgroup)
    return None
