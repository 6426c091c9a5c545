"""Conversation tests: scripted chats that must go the way the editor wrote them.

A file in ``tests/content/conversations/`` holds one conversation (``turns:``)
or several (``conversations:``, each with ``name`` and ``turns``)::

    name: asks about length, then requests an assessment
    turns:
      - user: how long is the program?
        intent: program_length
        bot_contains: weeks
      - payload: /request_assessment
        bot_contains: [few short questions, for you]
        events: [form_started]

Each turn is a typed message (``user``) or a button press (``payload``), and
may expect the ``intent`` understood (a crisis kind when the safety layer
answered, ``out_of_scope`` when nothing matched), text the replies contain
(``bot_contains``, case-insensitive, every item), and ``events`` emitted. The
runner steps the real Engine, passing the state through JSON between turns as
the server does. Failures are Problems located at the turn's line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.content.loader import ContentError, read_model
from bot.content.models import Problem
from bot.dialogue.machine import Engine, StepResult

CONVERSATIONS_DIR = Path("tests/content/conversations")


@dataclass(frozen=True)
class Turn:
    user: str | None
    payload: str | None
    intent: str | None
    bot_contains: tuple[str, ...]
    events: tuple[str, ...]
    line: int

    @property
    def said(self) -> str:
        return self.user if self.user is not None else f"[{self.payload}]"


@dataclass(frozen=True)
class Conversation:
    name: str
    file: str
    line: int
    turns: tuple[Turn, ...]


# --- schema ------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _listed(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class _TurnIn(_Strict):
    user: str | None = None
    payload: str | None = Field(default=None, pattern=r"^/[a-z][a-z0-9_]*$")
    intent: str | None = None
    bot_contains: list[str] = Field(default_factory=list)
    events: list[str] = Field(default_factory=list)

    _as_list = field_validator("bot_contains", "events", mode="before")(_listed)

    @model_validator(mode="after")
    def _one_message(self) -> _TurnIn:
        if (self.user is None) == (self.payload is None):
            raise ValueError("a turn has either 'user' (typed text) or 'payload' (a button)")
        return self


class _ConversationIn(_Strict):
    name: str = Field(min_length=1)
    turns: list[_TurnIn] = Field(min_length=1)


class _FileIn(_Strict):
    name: str | None = None
    turns: list[_TurnIn] | None = None
    conversations: list[_ConversationIn] | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> _FileIn:
        if (self.turns is None) == (self.conversations is None):
            raise ValueError(
                "a conversation file has 'turns' (one conversation) or 'conversations'"
            )
        return self


# --- loading -----------------------------------------------------------------------


def _line(node: Any, *path: str | int) -> int:
    """1-based line of the YAML node at ``path`` (0 if unknown)."""
    line = 0
    for part in path:
        try:
            if isinstance(part, int):
                line = int(node.lc.item(part)[0]) + 1
            else:
                line = int(node.lc.key(part)[0]) + 1
            node = node[part]
        except (AttributeError, KeyError, IndexError, TypeError):
            break
    return line


def _turns(items: Sequence[_TurnIn], raw: Any, *path: str | int) -> tuple[Turn, ...]:
    return tuple(
        Turn(
            user=t.user,
            payload=t.payload,
            intent=t.intent,
            bot_contains=tuple(t.bot_contains),
            events=tuple(t.events),
            line=_line(raw, *path, i),
        )
        for i, t in enumerate(items)
    )


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_conversations(path: Path) -> list[Conversation]:
    """Read one conversation file; raises ContentError with located problems."""
    parsed, raw = read_model(path, _FileIn)
    shown = _shown(path)
    if parsed.turns is not None:
        name = parsed.name or path.stem.replace("_", " ")
        return [Conversation(name, shown, 1, _turns(parsed.turns, raw, "turns"))]
    return [
        Conversation(
            c.name,
            shown,
            _line(raw, "conversations", i),
            _turns(c.turns, raw, "conversations", i, "turns"),
        )
        for i, c in enumerate(parsed.conversations or ())
    ]


def conversation_files(root: Path) -> list[Path]:
    """The pack's conversation test files, sorted."""
    folder = root / CONVERSATIONS_DIR
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yml", ".yaml"))


def load_all(root: Path) -> list[Conversation]:
    """Every conversation of a pack; every file's problems are reported together."""
    problems: list[Problem] = []
    out: list[Conversation] = []
    for path in conversation_files(root):
        try:
            out += load_conversations(path)
        except ContentError as exc:
            problems += exc.problems
    if problems:
        raise ContentError(problems)
    return out


# --- running -------------------------------------------------------------------------


def understood(result: StepResult) -> str | None:
    """What the bot took the message as: a crisis kind, an intent, or out_of_scope."""
    for event in result.events:
        if event.type == "crisis":
            return str(event.data.get("kind"))
    return result.match.intent if result.match is not None else None


def _check(turn: Turn, result: StepResult) -> list[str]:
    failures: list[str] = []
    got = understood(result)
    if turn.intent is not None and got != turn.intent:
        conf = f" ({result.match.confidence:.2f})" if result.match is not None else ""
        failures.append(f"expected intent '{turn.intent}', got '{got}'{conf}")
    said = "\n".join(r.text for r in result.replies)
    for part in turn.bot_contains:
        if part.lower() not in said.lower():
            failures.append(f"expected the reply to contain {part!r}; it said {said!r}")
    emitted = [e.type for e in result.events]
    for event in turn.events:
        if event not in emitted:
            failures.append(f"expected event '{event}', got {emitted or 'none'}")
    return failures


def run_conversation(engine: Engine, conv: Conversation) -> list[Problem]:
    """Play a conversation from the greeting; every failed expectation, located at its turn."""
    problems: list[Problem] = []
    state = engine.start().state
    for index, turn in enumerate(conv.turns):
        result = engine.step(json.loads(json.dumps(state)), text=turn.user, payload=turn.payload)
        for failure in _check(turn, result):
            where = f"conversation '{conv.name}', turn {index + 1} ({turn.said!r})"
            problems.append(Problem(conv.file, turn.line, 1, f"{where}: {failure}"))
        state = result.state
    return problems
