"""`iop-bot chat` and `iop-bot parse` as real subprocesses with piped stdin.

The commands start in parallel once per module (each start loads the whole
CLI and the pack), then each test reads its own process's output.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


def command() -> list[str]:
    """The installed ``iop-bot`` script of this Python (not a shim that starts another)."""
    script = Path(sys.executable).parent / "iop-bot"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "bot"]


def broken_pack(root: Path) -> Path:
    """The demo pack with one unclosed ``{{`` in the greet response."""
    shutil.copytree(ROOT / "intents", root / "intents")
    shutil.copytree(ROOT / "responses", root / "responses")
    shutil.copy(ROOT / "center.yml", root / "center.yml")
    path = root / "responses" / "smalltalk.yml"
    text = path.read_text()
    broken = text.replace("{{ center.short_name }}", "{{ center.short_name }", 1)
    assert broken != text
    path.write_text(broken)
    return root


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Ran]]:
    cwd = tmp_path_factory.mktemp("cwd")  # no iop-bot.yml here
    broken = broken_pack(tmp_path_factory.mktemp("broken"))
    content = ["--content", str(ROOT)]
    jobs = {
        "chat": (
            ["chat", *content],
            "how long is the program\n\n1\ni want to sign up\n2\nhow long is the program?\n"
            "Sam\ni want to kill myself\n/quit\nnever read\n",
        ),
        "parse_stdin": (
            ["parse", *content],
            "how long is the program\n\ni want to kill myself\nwho won the super bowl\n",
        ),
        "parse_args": (["parse", *content, "--threshold", "0.99", "how long is it", "cost"], ""),
        "broken": (["chat", "--content", str(broken)], ""),
    }
    procs = {
        name: subprocess.Popen(
            [*command(), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env={**_python_env(), "HOME": str(cwd)},
        )
        for name, (args, _) in jobs.items()
    }
    results = {}
    for name, proc in procs.items():
        out, err = proc.communicate(jobs[name][1], timeout=60)
        results[name] = Ran(proc.returncode, out, err)
    yield results


def _python_env() -> dict[str, str]:
    """Enough of the environment to find Python, and none of the IOP_BOT_* settings."""
    keep = ("PYENV_ROOT", "PYENV_VERSION", "VIRTUAL_ENV", "PYTHONPATH", "LANG", "LC_ALL")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["PATH"] = os.environ.get("PATH", os.defpath)
    return env


def test_chat_plays_a_scripted_conversation(runs: dict[str, Ran]) -> None:
    ran = runs["chat"]
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    bot = [line for line in lines if line.startswith("bot> ")]
    assert bot[0].startswith("bot> Hi, welcome to Liberty Bay")
    assert "       [4] Request an assessment" in lines
    assert any("2 to 3 months" in line for line in bot)
    # "1" pressed the first button offered after the answer: its suggested topic.
    assert any("15 hours" in line for line in bot)
    # "2" answered "for someone I care about"; the question asked in passing was answered
    # and the form resumed; the crisis message got the lifeline, not taken as anything else.
    assert any("What's your first name" in line for line in bot)
    assert "bot> Now, back to your request:" in lines
    assert any("988" in line for line in bot)
    assert "never read" not in ran.out
    assert "you> " not in ran.out  # piped: replies only, no prompts


def test_parse_reads_stdin_and_flags_crisis(runs: dict[str, Ran]) -> None:
    ran = runs["parse_stdin"]
    assert ran.code == 0, ran.err
    rows = [json.loads(line) for line in ran.out.splitlines()]
    assert [r["text"] for r in rows] == [
        "how long is the program",
        "i want to kill myself",
        "who won the super bowl",
    ]
    assert [r["intent"] for r in rows] == ["program_length", "crisis_self_harm", "out_of_scope"]
    assert rows[1]["confidence"] == 1.0
    for row in rows:
        assert set(row) == {"text", "intent", "confidence", "ranking"}
        assert 1 <= len(row["ranking"]) <= 5
        confidences = [r["confidence"] for r in row["ranking"]]
        assert confidences == sorted(confidences, reverse=True)


def test_parse_takes_arguments_and_the_threshold(runs: dict[str, Ran]) -> None:
    ran = runs["parse_args"]
    assert ran.code == 0, ran.err
    rows = [json.loads(line) for line in ran.out.splitlines()]
    assert [r["text"] for r in rows] == ["how long is it", "cost"]
    # At a threshold of 0.99 nothing this loose is answered, yet the ranking still shows why.
    assert [r["intent"] for r in rows] == ["out_of_scope", "out_of_scope"]
    assert rows[0]["ranking"][0]["intent"] == "program_length"


def test_content_errors_are_located_and_exit_1(runs: dict[str, Ran]) -> None:
    ran = runs["broken"]
    assert ran.code == 1
    assert ran.out == ""
    first = ran.err.splitlines()[0]
    assert "smalltalk.yml:" in first and "greet" in first
