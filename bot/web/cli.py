"""serve command. (Being written.)"""

import click


@click.command("serve")
def serve_cmd() -> None:
    """Start the web server."""
    raise click.ClickException("not written yet")
