"""The pack's labelled evaluation files, read with the same located errors as the content.

``tests/content/heldout.yml`` holds messages kept apart from the intent examples,
so the evaluation measures how the bot does on wording it has never seen.
``tests/content/crisis.yml`` holds messages the safety layer must (and must not) catch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.content.loader import read_model

HELDOUT_FILE = Path("tests/content/heldout.yml")
CRISIS_FILE = Path("tests/content/crisis.yml")
CRISIS_KINDS = ("crisis_self_harm", "medical_emergency")


@dataclass(frozen=True)
class Sample:
    """One test message: ``expected`` is an intent name, ``out_of_scope`` or a crisis kind."""

    text: str
    expected: str
    group: str  # in_scope | out_of_scope | near_domain | crisis_self_harm | ... | not_crisis
    line: int = 0  # where it is in the test file, so an editor can find it
    column: int = 0


@dataclass(frozen=True)
class LabelledFile:
    """The samples of one file and the file's path as shown to the editor."""

    path: str
    samples: tuple[Sample, ...]

    def group(self, name: str) -> list[Sample]:
        return [s for s in self.samples if s.group == name]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Labelled(_Strict):
    text: str = Field(min_length=1)
    intent: str = Field(min_length=1)


def _no_blank(values: list[str]) -> list[str]:
    if any(not v.strip() for v in values):
        raise ValueError("a message is empty")
    return [v.strip() for v in values]


class _HeldoutIn(_Strict):
    in_scope: list[_Labelled] = Field(min_length=1)
    out_of_scope: list[str] = Field(default_factory=list)
    near_domain: list[str] = Field(default_factory=list)

    _blank = field_validator("out_of_scope", "near_domain")(_no_blank)


class _CrisisIn(_Strict):
    crisis_self_harm: list[str] = Field(min_length=1)
    medical_emergency: list[str] = Field(min_length=1)
    not_crisis: list[str] = Field(default_factory=list)

    _blank = field_validator("crisis_self_harm", "medical_emergency", "not_crisis")(_no_blank)


def _at(raw: Any, key: str, index: int) -> tuple[int, int]:
    """1-based line and column of item ``index`` of list ``key``; (0, 0) when unknown."""
    try:
        line, col = raw[key].lc.item(index)
        return int(line) + 1, int(col) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return 0, 0


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_heldout(path: Path) -> LabelledFile:
    """Read a held-out file; raises ContentError with located problems."""
    parsed, raw = read_model(path, _HeldoutIn)
    samples = [
        Sample(item.text, item.intent, "in_scope", *_at(raw, "in_scope", i))
        for i, item in enumerate(parsed.in_scope)
    ]
    for group in ("out_of_scope", "near_domain"):
        samples += [
            Sample(text, "out_of_scope", group, *_at(raw, group, i))
            for i, text in enumerate(getattr(parsed, group))
        ]
    return LabelledFile(_shown(path), tuple(samples))


def load_crisis(path: Path) -> LabelledFile:
    """Read a crisis file; ``expected`` is the kind, or ``not_crisis``."""
    parsed, raw = read_model(path, _CrisisIn)
    samples = [
        Sample(text, group, group, *_at(raw, group, i))
        for group in (*CRISIS_KINDS, "not_crisis")
        for i, text in enumerate(getattr(parsed, group))
    ]
    return LabelledFile(_shown(path), tuple(samples))
