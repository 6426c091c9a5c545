"""The `iop-bot` command line: one group, each command defined next to the concern it serves.

Commands are imported only when they run, so `iop-bot parse` does not pay for loading the
web server, the database layer and the staff dashboard.
"""

from __future__ import annotations

import importlib

import click

from bot import __version__
from bot.settings import setting_specs

# command name -> "module:attribute"
COMMANDS: dict[str, str] = {
    "chat": "bot.terminal:chat_cmd",
    "parse": "bot.terminal:parse_cmd",
    "serve": "bot.web.cli:serve_cmd",
    "validate": "bot.editor.cli:validate_cmd",
    "test": "bot.editor.cli:test_cmd",
    "staff": "bot.staff.cli:staff_cmd",
    "audit": "bot.staff.cli_records:audit_cmd",
    "purge": "bot.staff.cli_records:purge_cmd",
    "requests": "bot.staff.cli_records:requests_cmd",
    "keys": "bot.staff.cli:keys_cmd",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            module_name, attr = COMMANDS[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attr)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iop-bot")
def main() -> None:
    """Intake chatbot for an Intensive Outpatient Program."""


@main.command("settings")
@click.option("--markdown", is_flag=True, help="Print as the Markdown table of docs/settings.md.")
def settings_cmd(markdown: bool) -> None:
    """List every setting with its default and meaning."""
    if markdown:
        click.echo("| setting | environment variable | type | default | meaning |")
        click.echo("|---|---|---|---|---|")
    for name, type_name, default, help_text in setting_specs():
        shown = ",".join(default) if isinstance(default, tuple) else default
        if markdown:
            click.echo(
                f"| `{name}` | `IOP_BOT_{name.upper()}` | {type_name} | `{shown}` | {help_text} |"
            )
        else:
            click.echo(f"IOP_BOT_{name.upper()}  ({type_name}, default {shown!r})\n    {help_text}")
