"""Mask personal data in a visitor's message before it is kept as an unanswered question.

Editors read unanswered questions to improve the content; they need the question, not the
visitor. Phone numbers (``phonenumbers``' matcher, in the center's country and in
international form), e-mail addresses, the first name the visitor gave in the form, a name
introduced with "my name is", and long runs of digits (member ids, dates of birth) become
``[phone]``, ``[email]``, ``[name]`` and ``[number]``.

Masking is best effort: a name the visitor never gave as a name ("my son Jake") cannot be
told from any other word. That is why the masked text is still stored encrypted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import phonenumbers

PHONE = "[phone]"
EMAIL = "[email]"
NAME = "[name]"
NUMBER = "[number]"

# Permissive on purpose: a false mask costs an editor a word, a missed one leaks an address.
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
# Six or more digits written as one number, with at most two separators between digits.
_DIGIT_RUN = re.compile(r"\d(?:[\s().\-/]{0,2}\d){5,}")
# "my name is Sam", "my name's Sam Lee": the word after it, and a capitalized second word.
_SELF_NAMED = re.compile(
    r"\bmy\s+name(?:\s+is|'s|’s)\s+([^\W\d_][\w'’-]*)(\s+[A-Z][\w'’-]*)?", re.IGNORECASE
)
_MIN_NAME_PART = 2  # the parts of a multi-word name shorter than this are left alone

Span = tuple[int, int, str]


def _emails(text: str) -> Iterator[Span]:
    for m in _EMAIL.finditer(text):
        yield m.start(), m.end(), EMAIL


def _phones(text: str, region: str) -> Iterator[Span]:
    matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE)
    for match in matcher:
        yield match.start, match.end, PHONE


def _digit_runs(text: str) -> Iterator[Span]:
    for m in _DIGIT_RUN.finditer(text):
        yield m.start(), m.end(), NUMBER


def _self_named(text: str) -> Iterator[Span]:
    for m in _SELF_NAMED.finditer(text):
        end = m.end(2) if m.group(2) and m.group(2).strip()[0].isupper() else m.end(1)
        yield m.start(1), end, NAME


def _known_names(text: str, names: Iterable[str]) -> Iterator[Span]:
    """Every whole-word, case-insensitive occurrence of a known name and of its parts."""
    wanted: set[str] = set()
    for name in names:
        name = " ".join(name.split())
        if not name:
            continue
        wanted.add(name)
        parts = re.split(r"[\s-]+", name)
        if len(parts) > 1:
            wanted.update(p for p in parts if len(p) >= _MIN_NAME_PART)
    # Longest first, so "Mary Ann" is masked whole before "Mary" alone is tried.
    for name in sorted(wanted, key=len, reverse=True):
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
        for m in pattern.finditer(text):
            yield m.start(), m.end(), NAME


def mask(text: str, *, names: Iterable[str] = (), region: str = "US") -> str:
    """``text`` with personal data replaced by placeholders.

    ``names`` are names known to belong to the visitor (the form's first name); ``region``
    is the two-letter country whose national phone formats are recognised.
    """
    region = (region or "US").upper()
    taken: list[Span] = []
    detectors = (
        _emails(text),
        _phones(text, region),
        _digit_runs(text),
        _self_named(text),
        _known_names(text, names),
    )
    # Earlier detectors win where spans overlap (an e-mail's digits are not a phone number).
    for found in detectors:
        for start, end, label in found:
            if not any(start < t_end and t_start < end for t_start, t_end, _ in taken):
                taken.append((start, end, label))
    out = []
    last = 0
    for start, end, label in sorted(taken):
        out.append(text[last:start])
        out.append(label)
        last = end
    out.append(text[last:])
    return "".join(out)
