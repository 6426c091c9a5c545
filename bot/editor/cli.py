"""Editor commands: validate, test. (Being written.)"""

import click


@click.command("validate")
def validate_cmd() -> None:
    """Check the content pack."""
    raise click.ClickException("not written yet")


@click.command("test")
def test_cmd() -> None:
    """Evaluate the content pack."""
    raise click.ClickException("not written yet")
