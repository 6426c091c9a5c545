"""`iop-bot chat` and `iop-bot parse`: the bot in a terminal, for editors and scripts.

``chat`` runs the same Engine as the web chat, storing the state as JSON
between turns exactly as the server does, so what works here works there.
``parse`` shows what the matcher (and the safety layer) make of messages, one
JSON object per line, for quick checks and shell pipelines.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

import click

from bot import safety
from bot.content import Button, ContentError
from bot.dialogue.machine import StepResult
from bot.editor.explain import explain_lines
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings, SettingsError

BOT = "bot> "
YOU = "you> "
_INDENT = " " * len(BOT)
_QUIT = {"/quit", "/exit"}


def _content_options(command: Any) -> Any:
    command = click.option(
        "--threshold",
        type=click.FloatRange(0.0, 1.0),
        default=None,
        help="Match threshold (0-1); below it a message is out of scope. "
        "Default: the match_threshold setting.",
    )(command)
    return click.option(
        "--content",
        "content_dir",
        type=click.Path(exists=True, file_okay=False),
        default=None,
        help="Content pack folder (center.yml, intents/, responses/). "
        "Default: the content_dir setting.",
    )(command)


def _runtime(content_dir: str | None, threshold: float | None) -> Runtime:
    """Build the runtime as the server would; content problems end the command with exit 1."""
    try:
        settings = Settings.load({"content_dir": content_dir, "match_threshold": threshold})
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        runtime = build_runtime(settings)
    except ContentError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s) in the content pack.", err=True)
        raise SystemExit(1) from exc
    for warning in runtime.pack.warnings:
        click.echo(str(warning), err=True)
    return runtime


# --- chat ------------------------------------------------------------------------


def _show(result: StepResult, out: TextIO, *, verbose: bool) -> list[Button]:
    """Print the replies, numbering every button; return them so a number picks one."""
    buttons: list[Button] = []
    for reply in result.replies:
        lines = reply.text.splitlines() or [""]
        print(BOT + lines[0], file=out)
        for line in lines[1:]:
            print(_INDENT + line, file=out)
        for button in reply.buttons:
            buttons.append(button)
            print(f"{_INDENT}  [{len(buttons)}] {button.title}", file=out)
    if verbose:
        if result.match is not None:
            print(
                f"{_INDENT}  · match {json.dumps(result.match.to_json(), ensure_ascii=False)}",
                file=out,
            )
        for event in result.events:
            data = json.dumps(event.data, ensure_ascii=False)
            print(f"{_INDENT}  · event {event.type} {data}", file=out)
    out.flush()
    return buttons


def _lines(interactive: bool) -> Iterator[str]:
    """The visitor's messages: prompted on a terminal, one per line from a pipe."""
    if interactive:
        with contextlib.suppress(ImportError):  # line editing and history for input()
            import readline  # noqa: F401
        while True:
            try:
                yield input(YOU)
            except (EOFError, KeyboardInterrupt):
                print()
                return
    else:
        for line in sys.stdin:
            yield line.rstrip("\r\n")


def _message(line: str, buttons: list[Button]) -> dict[str, str]:
    """A typed line as a step's arguments: a button number or "/intent" is a button press."""
    if line.isdigit() and 1 <= int(line) <= len(buttons):
        return {"payload": buttons[int(line) - 1].payload}
    if line.startswith("/"):
        return {"payload": line}
    return {"text": line}


@click.command("chat")
@_content_options
@click.option(
    "--verbose", "-v", is_flag=True, help="After each turn, show the match and the events."
)
def chat_cmd(content_dir: str | None, threshold: float | None, verbose: bool) -> None:
    """Chat with the bot in the terminal.

    Type a message, or the number of a button to press it, or /intent_name to
    press a button for that intent. /restart starts over; /quit (or Ctrl-D)
    ends. With stdin piped, each line is one message and only replies print.
    """
    engine = _runtime(content_dir, threshold).engine
    out = sys.stdout
    result = engine.start()
    buttons = _show(result, out, verbose=verbose)
    state = result.state
    for raw in _lines(sys.stdin.isatty()):
        line = raw.strip()
        if not line:
            continue
        if line in _QUIT:
            break
        if line == "/restart":
            result = engine.start()
        else:
            # Through JSON, as the server stores it between requests.
            stored = json.loads(json.dumps(state))
            result = engine.step(stored, **_message(line, buttons))
        buttons = _show(result, out, verbose=verbose)
        state = result.state


# --- parse -----------------------------------------------------------------------


def _messages(args: Iterable[str]) -> Iterator[str]:
    given = list(args)
    source: Iterable[str] = given or (line.rstrip("\r\n") for line in sys.stdin)
    for message in source:
        if message.strip():
            yield message


@click.command("parse")
@click.argument("messages", nargs=-1)
@_content_options
@click.option(
    "--explain",
    is_flag=True,
    help="Instead of JSON, show in plain words which example each message matched and why.",
)
def parse_cmd(
    messages: tuple[str, ...], content_dir: str | None, threshold: float | None, explain: bool
) -> None:
    """Print how messages are understood, one JSON object per line.

    Messages come from the arguments, or one per line on stdin. Each line is
    {"text", "intent", "confidence", "ranking": [top 5 {"intent", "confidence"}]};
    when the safety layer fires, the intent is the crisis kind with confidence 1.0.
    """
    runtime = _runtime(content_dir, threshold)
    matcher = runtime.matcher
    for message in _messages(messages):
        if explain:
            lines = explain_lines(matcher, runtime.pack, message, hit=safety.detect(message))
            click.echo("\n".join(lines) + "\n")
            continue
        found = matcher.match(message).to_json()
        row = {
            "text": message,
            "intent": found["intent"],
            "confidence": found["confidence"],
            "ranking": found["ranking"][:5],
        }
        hit = safety.detect(message)
        if hit is not None:
            row["intent"], row["confidence"] = hit.kind, 1.0
        click.echo(json.dumps(row, ensure_ascii=False))
        sys.stdout.flush()
