"""`iop-bot validate`: every problem in a content pack, located, in one pass.

First the loader's schema checks (when they fail nothing else can run, so
those are all reported and the run stops there), then the checks that need a
loaded pack: examples, responses, center.yml and the server settings. Findings
are errors (the bot would misbehave) or warnings (it would work, but worse).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

import click

from bot.content.loader import ContentError, load_pack
from bot.content.models import ContentPack, Problem
from bot.dialogue import form as F
from bot.dialogue.replies import REQUIRED_INTENTS, REQUIRED_RESPONSES
from bot.editor import check_examples as ex
from bot.editor.check_center import check_center, load_settings
from bot.editor.check_responses import check_responses
from bot.runtime import build_runtime
from bot.settings import Settings

# Short answers inside the request form ("yes", "morning") need fewer wordings than questions.
MIN_DIALOGUE_EXAMPLES = 5


@dataclass(frozen=True)
class Validation:
    """The outcome of one validation run."""

    root: Path
    problems: tuple[Problem, ...]
    seconds: float
    loaded: bool  # false when the schema checks failed and the other checks could not run

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))

    def to_json(self) -> dict[str, Any]:
        return {
            "content": str(self.root),
            "ok": not self.errors,
            "loaded": self.loaded,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "seconds": round(self.seconds, 3),
            "problems": [
                {
                    "file": p.file,
                    "line": p.line,
                    "column": p.column,
                    "severity": p.severity,
                    "message": p.message,
                }
                for p in self.problems
            ],
        }


def _ordered(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """Errors first, then warnings, each by file and line; repeats dropped.

    A pack can have many warnings; the errors, which stop it from going live,
    must not scroll away among them.
    """
    unique = dict.fromkeys(problems)
    return tuple(sorted(unique, key=lambda p: (p.severity != "error", p.file, p.line, p.column)))


def check_loaded(pack: ContentPack, settings: Settings, leave_out: bool = True) -> list[Problem]:
    """Every check that needs a loaded pack; ``leave_out=False`` skips the slowest one."""
    problems: list[Problem] = list(pack.warnings)
    region = str(pack.center.extra.get("country", "US")).upper()
    problems += check_center(pack)
    problems += check_responses(pack, F.sample_values(region), REQUIRED_RESPONSES)
    problems += [
        Problem("intents", 0, 0, f"intent '{name}' is missing: the conversation itself uses it")
        for name in REQUIRED_INTENTS
        if name not in pack.intents
    ]
    examples = ex.examples_of(pack)
    keys = ex.keys_of(pack, examples)
    problems += ex.check_counts(pack, set(pack.intents) - set(REQUIRED_INTENTS), ex.MIN_EXAMPLES)
    problems += ex.check_counts(pack, REQUIRED_INTENTS, MIN_DIALOGUE_EXAMPLES)
    duplicates, involved = ex.check_duplicates(examples, keys)
    problems += duplicates
    problems += ex.check_near_duplicates(examples, keys, involved)
    if leave_out:
        problems += ex.check_left_out(
            pack, examples, involved, settings.match_threshold, settings.ambiguity_margin
        )
    if not any(p.severity == "error" for p in problems):
        problems += _runtime_problems(pack, settings)
    return problems


def _runtime_problems(pack: ContentPack, settings: Settings) -> list[Problem]:
    """What building the live runtime rejects, should the checks above have missed it.

    The server builds exactly this on start and on every reload, so a pack that
    validates is a pack the running bot accepts.
    """
    try:
        build_runtime(settings, pack)
    except ContentError as exc:
        return list(exc.problems)
    return []


def validate(
    root: Path, settings_file: str | Path | None = None, *, leave_out: bool = True
) -> Validation:
    """Run every check on the pack in ``root``.

    ``leave_out=False`` skips the leave-one-out pass (most of the time taken), for
    callers that need an answer at once, like a reload of the running bot.
    """
    start = perf_counter()
    settings, problems = load_settings(settings_file)
    try:
        pack = load_pack(root)
    except ContentError as exc:
        problems += exc.problems
        return Validation(root, _ordered(problems), perf_counter() - start, loaded=False)
    problems += check_loaded(pack, settings, leave_out)
    return Validation(root, _ordered(problems), perf_counter() - start, loaded=True)


def render_text(result: Validation, color: bool) -> str:
    """One line per problem (``file:line:column: severity: message``) and a summary."""
    lines = []
    for p in result.problems:
        tag = click.style(p.severity, fg="red" if p.severity == "error" else "yellow", bold=True)
        where = f"{p.file}:{p.line}:{p.column or 1}" if p.line else p.file
        lines.append(f"{where}: {tag if color else p.severity}: {p.message}")
    n_err, n_warn = len(result.errors), len(result.warnings)
    if not result.problems:
        summary = "The content is valid: no errors, no warnings."
    else:
        summary = f"{n_err} error{'s' * (n_err != 1)}, {n_warn} warning{'s' * (n_warn != 1)}."
        if not result.loaded:
            summary += " Fix these first: the other checks run once the files load."
    lines.append(f"{summary} (checked in {result.seconds:.2f} s)")
    return "\n".join(lines)


def render_json(result: Validation) -> str:
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False)
