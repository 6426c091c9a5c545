"""Terminal chat. (Being written.)"""

import click


@click.command("chat")
def chat_cmd() -> None:
    """Chat with the bot in the terminal."""
    raise click.ClickException("not written yet")


@click.command("parse")
def parse_cmd() -> None:
    """Print the matcher's ranking for messages as JSON lines."""
    raise click.ClickException("not written yet")
