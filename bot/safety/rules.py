"""How crisis patterns are written and compiled.

A pattern is a regular expression over the *normal form* of a message (see
``normalize``): lowercase words of letters and digits separated by single spaces,
contractions spelled out ("do not", "can not", "i am"), no punctuation. Patterns are
written in natural spelling and squeezed when compiled, exactly like the text, so
"kill myself" in a pattern matches "kil myself", "kiiill myself" and "kill myself".
Because of that, never use a repeated letter with a quantifier ("kil+"): spell words
normally. Word gaps are spelled ``(?:\\w+ ){0,3}``.

Each group of patterns has a *cue*, the short label reported in ``SafetyHit.cue``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.safety.normalize import squeeze

Rules = tuple[tuple[str, tuple[str, ...]], ...]
"""``((cue, (pattern, ...)), ...)`` in the order they are tried."""

_ESCAPE_OR_CHAR_RE = re.compile(r"\\.|.", re.DOTALL)


def squeeze_pattern(source: str) -> str:
    """Squeeze repeated letters in a pattern's source, leaving escapes (``\\b``) alone."""
    out: list[str] = []
    for piece in _ESCAPE_OR_CHAR_RE.findall(source):
        if piece.isalpha() and piece.islower() and out and out[-1] == piece:
            continue
        out.append(piece)
    return "".join(out)


def _at_word_start(alternation: str) -> re.Pattern[str]:
    """Compile so a match starts after a space: the text is searched as ``" " + text``.

    A leading literal lets the regex engine jump from space to space instead of trying
    every branch at every character, which halves the cost of a search.
    """
    return re.compile(f" (?:{alternation})")


def compile_rules(rules: Rules) -> re.Pattern[str]:
    """One regex for a list of rules; ``match.lastgroup`` is the cue that fired.

    Search it in ``" " + text`` (see ``_at_word_start``)."""
    seen: set[str] = set()
    groups: list[str] = []
    for cue, patterns in rules:
        if not cue.isidentifier() or cue in seen:
            raise ValueError(f"cue {cue!r} must be a unique identifier")
        seen.add(cue)
        body = "|".join(f"(?:{squeeze_pattern(p)})" for p in patterns)
        groups.append(f"(?P<{cue}>{body})")
    return _at_word_start("|".join(groups))


def compile_any(patterns: Iterable[str]) -> re.Pattern[str]:
    """One regex matching any of ``patterns`` (the neutral spans); search in ``" " + text``."""
    return _at_word_start("|".join(f"(?:{squeeze_pattern(p)})" for p in patterns))


def words(text: str) -> str:
    """A regex alternation of space-separated words: ``words("a b")`` -> ``(?:a|b)``."""
    return "(?:" + "|".join(squeeze(w) for w in text.split()) + ")"


def phrases(*items: str) -> str:
    """A regex alternation of whole phrases."""
    return "(?:" + "|".join(items) + ")"


# Fragments shared by the rule files, in natural spelling.
# "yourself" is left out on purpose: "kill yourself" / "kys" is abuse aimed at someone else.
SELF = words("myself himself herself themselves themself ourselves")
PERSON = words(
    "he she they someone somebody friend son daughter husband wife boyfriend girlfriend "
    "partner brother sister mom mother dad father roommate kid child baby cousin uncle aunt "
    "grandma grandpa grandmother grandfather fiance fiancee buddy guy girl man woman"
)
DRUGS = words(
    "pills meds medication medications tablets xanax xans bars benzos oxy oxys oxycodone "
    "oxycontin percs percocet perc fent fentanyl heroin dope methadone suboxone opioids "
    "opiates klonopin ativan valium adderall tylenol ibuprofen advil insulin morphine "
    "gabapentin lean molly ecstasy ketamine ghb painkillers coke cocaine meth crack dilaudid "
    "tramadol hydrocodone vicodin lorazepam alprazolam ambien seroquel lithium"
)


def gap(most: int) -> str:
    """Up to ``most`` words (each followed by its space) between two parts of a phrase."""
    return rf"(?:\w+ ){{0,{most}}}"
