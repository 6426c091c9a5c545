"""Staff commands: accounts (`staff`) and encryption keys (`keys`).

Shared plumbing (settings, database, key) is in ``bot.staff.cli_support``; the audit trail,
retention and export commands are in ``bot.staff.cli_records``.
"""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.crypto import generate_key
from bot.staff import accounts, audit, throttle
from bot.staff.cli_support import actor, cipher, load_settings, run
from bot.staff.passwords import generate_password, make_hasher
from bot.staff.rotate import rotate_all
from bot.storage.tables_staff import STAFF_ROLES


def _new_password(email: str, generate: bool) -> str:
    if generate:
        return generate_password()
    password: str = click.prompt(
        f"New password for {email}", hide_input=True, confirmation_prompt=True
    )
    return password


# --- staff ------------------------------------------------------------------------------


@click.group("staff")
def staff_cmd() -> None:
    """Manage staff accounts (there is no default account or password)."""


@staff_cmd.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(STAFF_ROLES), default="staff", show_default=True)
@click.option("--generate", is_flag=True, help="Generate a strong password and print it once.")
def staff_add(email: str, role: str, generate: bool) -> None:
    """Create an account; the password is typed twice, or generated with --generate."""
    settings = load_settings()
    try:
        email = accounts.normalize_email(email)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    password = _new_password(email, generate)

    async def work(engine: AsyncEngine) -> accounts.StaffAccount:
        password_hash = await accounts.hash_password(make_hasher(), password, email=email)
        async with engine.begin() as conn:
            account = await accounts.create_account(
                conn, email=email, role=role, password_hash=password_hash
            )
            await audit.record(
                conn,
                actor=actor(),
                action=audit.ACCOUNT_CREATE,
                target=f"account {account.id} ({account.email})",
                ip="local",
                details={"role": role},
            )
        return account

    account = run(settings, work)
    click.echo(f"Created {account.role} account {account.email}.")
    if generate:
        click.echo(f"Password (shown only now): {password}")


@staff_cmd.command("list")
def staff_list() -> None:
    """List accounts with their role, state and last sign-in."""

    async def work(engine: AsyncEngine) -> list[accounts.StaffAccount]:
        async with engine.connect() as conn:
            return await accounts.list_accounts(conn)

    rows = run(load_settings(), work)
    if not rows:
        click.echo("No staff accounts yet. Add one with: iop-bot staff add EMAIL --role admin")
        return
    width = max(len(a.email) for a in rows)
    for a in rows:
        state = "active" if a.active else "disabled"
        last = a.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if a.last_login_at else "never"
        click.echo(f"{a.email:<{width}}  {a.role:<5}  {state:<8}  last sign-in: {last}")


def _set_active(email: str, active: bool) -> None:
    async def work(engine: AsyncEngine) -> str:
        async with engine.begin() as conn:
            account = await accounts.require_account(conn, email)
            await accounts.set_active(conn, account, active)
            await audit.record(
                conn,
                actor=actor(),
                action=audit.ACCOUNT_ENABLE if active else audit.ACCOUNT_DISABLE,
                target=f"account {account.id} ({account.email})",
                ip="local",
            )
        return account.email

    done = run(load_settings(), work)
    click.echo(f"{'Enabled' if active else 'Disabled'} {done}.")


@staff_cmd.command("disable")
@click.argument("email")
def staff_disable(email: str) -> None:
    """Disable an account and end its sessions (accounts are never deleted)."""
    _set_active(email, False)


@staff_cmd.command("enable")
@click.argument("email")
def staff_enable(email: str) -> None:
    """Enable a disabled account again."""
    _set_active(email, True)


@staff_cmd.command("reset-password")
@click.argument("email")
@click.option("--generate", is_flag=True, help="Generate a strong password and print it once.")
def staff_reset_password(email: str, generate: bool) -> None:
    """Set a new password, end the account's sessions and lift a sign-in lockout."""
    settings = load_settings()

    async def find(engine: AsyncEngine) -> accounts.StaffAccount:
        async with engine.connect() as conn:
            return await accounts.require_account(conn, email)

    account = run(settings, find)
    password = _new_password(account.email, generate)

    async def work(engine: AsyncEngine) -> None:
        password_hash = await accounts.hash_password(make_hasher(), password, email=account.email)
        async with engine.begin() as conn:
            await accounts.set_password(conn, account, password_hash)
            await throttle.clear_account(conn, email=account.email)
            await audit.record(
                conn,
                actor=actor(),
                action=audit.ACCOUNT_PASSWORD_RESET,
                target=f"account {account.id} ({account.email})",
                ip="local",
            )

    run(settings, work)
    click.echo(f"Password of {account.email} reset; their sessions have ended.")
    if generate:
        click.echo(f"Password (shown only now): {password}")


# --- keys -------------------------------------------------------------------------------


@click.group("keys")
def keys_cmd() -> None:
    """Encryption keys for personal data at rest."""


@keys_cmd.command("generate")
def keys_generate() -> None:
    """Print a new random key (put it first in IOP_BOT_ENCRYPTION_KEYS)."""
    click.echo(generate_key())


@keys_cmd.command("rotate")
@click.option("--dev", is_flag=True, help="Use the development-mode key file if no key is set.")
def keys_rotate(dev: bool) -> None:
    """Re-encrypt every stored personal field with the first configured key.

    Before: put the new key first and keep the old ones after it, and restart the server.
    After: remove the old keys and restart again.
    """
    settings = load_settings(dev)
    key = cipher(settings)

    async def work(engine: AsyncEngine) -> dict[str, int]:
        report = await rotate_all(engine, key)
        async with engine.begin() as conn:
            await audit.record(
                conn,
                actor=actor(),
                action=audit.KEYS_ROTATE,
                ip="local",
                details={"rewritten": report.rewritten, "skipped": report.skipped},
            )
        return {**report.rewritten, "(changed meanwhile, already current)": report.skipped}

    counts = run(settings, work)
    for name, count in counts.items():
        click.echo(f"{name}: {count}")
    click.echo("Done. Once no old key is needed, remove it from IOP_BOT_ENCRYPTION_KEYS.")
