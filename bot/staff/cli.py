"""Staff commands. (Being written.)"""

import click


@click.group("staff")
def staff_cmd() -> None:
    """Manage staff accounts."""


@click.group("audit")
def audit_cmd() -> None:
    """Audit trail."""


@click.command("purge")
def purge_cmd() -> None:
    """Delete data past retention."""
    raise click.ClickException("not written yet")


@click.group("requests")
def requests_cmd() -> None:
    """Assessment requests."""


@click.group("keys")
def keys_cmd() -> None:
    """Encryption keys."""
