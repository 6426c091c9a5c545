"""The `iop-bot` command line: one group, each command defined next to the concern it serves."""

from __future__ import annotations

import click

from bot import __version__
from bot.editor.cli import test_cmd, validate_cmd
from bot.settings import setting_specs
from bot.staff.cli import audit_cmd, keys_cmd, purge_cmd, requests_cmd, staff_cmd
from bot.terminal import chat_cmd, parse_cmd
from bot.web.cli import serve_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


for command in (
    chat_cmd,
    parse_cmd,
    serve_cmd,
    validate_cmd,
    test_cmd,
    staff_cmd,
    audit_cmd,
    purge_cmd,
    requests_cmd,
    keys_cmd,
):
    main.add_command(command)
