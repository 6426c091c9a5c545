"""The pack's scripted conversations (tests/content/conversations/*.yml) and their runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import ContentError
from bot.dialogue.machine import Engine
from bot.editor.conversations import (
    Conversation,
    conversation_files,
    load_all,
    load_conversations,
    run_conversation,
)
from bot.runtime import build_runtime
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CONVERSATIONS = load_all(ROOT)


@pytest.fixture(scope="module")
def engine() -> Engine:
    settings = Settings.load({"content_dir": str(ROOT)}, environ={}, settings_file="/nonexistent")
    return build_runtime(settings).engine


def test_the_pack_has_conversation_tests() -> None:
    assert conversation_files(ROOT), "no tests/content/conversations/*.yml"
    assert len(CONVERSATIONS) >= 5


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=lambda c: c.name)
def test_conversation(engine: Engine, conversation: Conversation) -> None:
    problems = run_conversation(engine, conversation)
    assert not problems, "\n".join(str(p) for p in problems)


# --- the runner itself -------------------------------------------------------------

SCRIPT = """\
name: a short chat
turns:
  - user: how long is the program
    intent: program_length
    bot_contains: [months]
  - user: i want to kill myself
    intent: crisis_self_harm
    bot_contains: "988"
    events: crisis
  - payload: /request_assessment
    events: [form_started]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "chat.yml"
    path.write_text(text)
    return path


def test_a_single_conversation_file_passes(engine: Engine, tmp_path: Path) -> None:
    [conversation] = load_conversations(write(tmp_path, SCRIPT))
    assert conversation.name == "a short chat"
    assert [t.line for t in conversation.turns] == [3, 6, 10]
    assert run_conversation(engine, conversation) == []


def test_failures_name_the_turn_and_its_line(engine: Engine, tmp_path: Path) -> None:
    script = SCRIPT.replace("intent: program_length", "intent: weekly_hours").replace(
        "events: [form_started]", "events: [form_cancelled]"
    )
    path = write(tmp_path, script)
    [conversation] = load_conversations(path)
    problems = run_conversation(engine, conversation)
    assert [p.line for p in problems] == [3, 10]
    assert "turn 1 ('how long is the program')" in problems[0].message
    assert "expected intent 'weekly_hours', got 'program_length'" in problems[0].message
    assert "expected event 'form_cancelled'" in problems[1].message


def test_missing_text_is_reported(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, SCRIPT.replace("bot_contains: [months]", "bot_contains: [fortnights]"))
    [problem] = run_conversation(engine, load_conversations(path)[0])
    assert "expected the reply to contain 'fortnights'" in problem.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("turns:\n  - intent: greet\n", "either 'user'"),
        ("turns:\n  - user: hi\n    payload: /greet\n", "either 'user'"),
        ("turns:\n  - user: hi\n    bot_says: hello\n", "'bot_says' is not a known field"),
        ("name: x\n", "'turns' (one conversation) or 'conversations'"),
        ("conversations:\n  - name: x\n    turns: []\n", "'turns'"),
    ],
)
def test_malformed_files_are_located(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ContentError) as info:
        load_conversations(write(tmp_path, text))
    assert any(message in p.message for p in info.value.problems), info.value.problems
    assert all(p.file.endswith("chat.yml") for p in info.value.problems)
