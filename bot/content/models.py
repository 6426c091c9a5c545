"""Typed, immutable content: the engine never sees raw YAML."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One finding about the content, located in a file so an editor can jump to it."""

    file: str
    line: int  # 1-based; 0 when unknown
    column: int  # 1-based; 0 when unknown
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column or 1}"
        return f"{where}: {self.severity}: {self.message}"


@dataclass(frozen=True)
class Button:
    title: str
    payload: str  # "/intent_name"


@dataclass(frozen=True)
class ResponseVariant:
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Intent:
    name: str
    title: str
    examples: tuple[str, ...]
    response: str  # name of the response; defaults to the intent's name
    suggest: tuple[str, ...] = ()  # intents offered as follow-up buttons after the answer
    file: str = ""
    line: int = 0
    example_lines: tuple[int, ...] = ()  # 1-based line of each example, for editor reports


@dataclass(frozen=True)
class Center:
    """The center's facts from center.yml; templates see them as ``center.*`` and ``crisis.*``."""

    name: str
    short_name: str
    city: str
    region: str
    phone: str
    phone_e164: str
    hours: str
    website: str
    crisis: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def template_vars(self) -> dict[str, Any]:
        center = {
            "name": self.name,
            "short_name": self.short_name,
            "city": self.city,
            "region": self.region,
            "phone": self.phone,
            "phone_e164": self.phone_e164,
            "hours": self.hours,
            "website": self.website,
            **self.extra,
        }
        return {"center": center, "crisis": dict(self.crisis)}


@dataclass(frozen=True)
class ContentPack:
    root: Path
    center: Center
    intents: dict[str, Intent]
    responses: dict[str, tuple[ResponseVariant, ...]]
    synonyms: dict[str, tuple[str, ...]]  # canonical form -> variants that map to it
    response_locations: dict[str, tuple[str, int]] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()

    def response_for(self, intent: str) -> tuple[ResponseVariant, ...]:
        it = self.intents.get(intent)
        return self.responses.get(it.response if it else intent, ())
