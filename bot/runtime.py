"""The live conversation engine and the content it was built from, swappable as one unit.

A hot reload builds a new Runtime next to the old one and swaps the holder's
reference in a single assignment, so each request sees either the old content
or the new, never a mix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.content import ContentPack, Problem, load_pack
from bot.dialogue.machine import Engine
from bot.matching.matcher import Matcher
from bot.settings import Settings


@dataclass(frozen=True)
class Runtime:
    pack: ContentPack
    matcher: Matcher
    engine: Engine
    loaded_at: datetime


def build_runtime(settings: Settings, pack: ContentPack | None = None) -> Runtime:
    """Load (unless given) the content pack and build the matcher and dialogue engine on it."""
    pack = pack or load_pack(settings.content_path)
    matcher = Matcher(pack, threshold=settings.match_threshold, margin=settings.ambiguity_margin)
    return Runtime(
        pack=pack, matcher=matcher, engine=Engine(pack, matcher), loaded_at=datetime.now(UTC)
    )


@dataclass
class RuntimeHolder:
    """What the server holds: the live runtime plus the errors of the last rejected reload."""

    current: Runtime
    last_errors: list[Problem] = field(default_factory=list)
    last_error_at: datetime | None = None

    def swap(self, runtime: Runtime) -> None:
        self.current = runtime
        self.last_errors = []
        self.last_error_at = None

    def reject(self, problems: list[Problem]) -> None:
        self.last_errors = list(problems)
        self.last_error_at = datetime.now(UTC)
