"""Staff commands: accounts (`staff`), the audit trail (`audit`) and encryption keys (`keys`).

They work on the database named by the settings (settings file, IOP_BOT_* environment), migrate
it first if needed, and record what they change in the audit trail as ``cli:<os user>``.
"""

from __future__ import annotations

import asyncio
import getpass
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.crypto import EncryptionKeyError, cipher_from_settings, generate_key
from bot.settings import Settings, SettingsError
from bot.staff import accounts, audit, throttle
from bot.staff.export import to_csv
from bot.staff.passwords import PasswordPolicyError, generate_password, make_hasher
from bot.staff.purge import PurgeError, PurgeReport, run_purge
from bot.staff.rotate import RotationError, rotate_all
from bot.storage.db import DatabaseError, data_dir_for, migrate, open_engine
from bot.storage.tables import REQUEST_STATUSES
from bot.storage.tables_staff import STAFF_ROLES

T = TypeVar("T")


def _settings(dev: bool = False) -> Settings:
    try:
        return Settings.load({"dev_mode": True if dev else None})
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = open_engine(settings.database_url)
    try:
        await migrate(engine)
        yield engine
    finally:
        await engine.dispose()


def _run(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run one async job against the database, turning expected failures into CLI errors."""

    async def main() -> T:
        async with _database(settings) as engine:
            return await work(engine)

    try:
        return asyncio.run(main())
    except (accounts.AccountError, PasswordPolicyError, DatabaseError, RotationError) as exc:
        raise click.ClickException(str(exc)) from None


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
    settings = _settings()
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
                actor=_actor(),
                action=audit.ACCOUNT_CREATE,
                target=f"account {account.id} ({account.email})",
                ip="local",
                details={"role": role},
            )
        return account

    account = _run(settings, work)
    click.echo(f"Created {account.role} account {account.email}.")
    if generate:
        click.echo(f"Password (shown only now): {password}")


@staff_cmd.command("list")
def staff_list() -> None:
    """List accounts with their role, state and last sign-in."""

    async def work(engine: AsyncEngine) -> list[accounts.StaffAccount]:
        async with engine.connect() as conn:
            return await accounts.list_accounts(conn)

    rows = _run(_settings(), work)
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
                actor=_actor(),
                action=audit.ACCOUNT_ENABLE if active else audit.ACCOUNT_DISABLE,
                target=f"account {account.id} ({account.email})",
                ip="local",
            )
        return account.email

    done = _run(_settings(), work)
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
    settings = _settings()

    async def find(engine: AsyncEngine) -> accounts.StaffAccount:
        async with engine.connect() as conn:
            return await accounts.require_account(conn, email)

    account = _run(settings, find)
    password = _new_password(account.email, generate)

    async def work(engine: AsyncEngine) -> None:
        password_hash = await accounts.hash_password(make_hasher(), password, email=account.email)
        async with engine.begin() as conn:
            await accounts.set_password(conn, account, password_hash)
            await throttle.clear_account(conn, email=account.email)
            await audit.record(
                conn,
                actor=_actor(),
                action=audit.ACCOUNT_PASSWORD_RESET,
                target=f"account {account.id} ({account.email})",
                ip="local",
            )

    _run(settings, work)
    click.echo(f"Password of {account.email} reset; their sessions have ended.")
    if generate:
        click.echo(f"Password (shown only now): {password}")


# --- audit ------------------------------------------------------------------------------


@click.group("audit")
def audit_cmd() -> None:
    """Read the audit trail (it cannot be changed)."""


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            "use YYYY-MM-DD or an ISO date-time", param_hint="--since"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _entry_dict(entry: audit.AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "created_at": entry.created_at.isoformat(timespec="seconds"),
        "actor_id": entry.actor_id,
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "ip": entry.ip,
        "details": entry.details,
    }


@audit_cmd.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option("--since", help="Only entries from this date (YYYY-MM-DD, UTC) or ISO date-time on.")
@click.option(
    "--output",
    "-o",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="File to write (default: standard output).",
)
def audit_export(fmt: str, since: str | None, output: Any) -> None:
    """Export the audit trail as CSV (spreadsheet-safe) or JSON; the export is audited too."""
    start = _since(since)

    async def work(engine: AsyncEngine) -> list[audit.AuditEntry]:
        async with engine.begin() as conn:
            entries = await audit.entries_since(conn, start)
            await audit.record(
                conn,
                actor=_actor(),
                action=audit.AUDIT_EXPORT,
                ip="local",
                details={"format": fmt, "since": since, "rows": len(entries)},
            )
        return entries

    entries = _run(_settings(), work)
    rows = [_entry_dict(e) for e in entries]
    if fmt == "json":
        output.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    header = ["id", "created_at", "actor_id", "actor", "action", "target", "ip", "details"]
    body = [
        [
            r["id"],
            r["created_at"],
            r["actor_id"],
            r["actor"],
            r["action"],
            r["target"],
            r["ip"],
            json.dumps(r["details"], ensure_ascii=False, sort_keys=True),
        ]
        for r in rows
    ]
    output.write(to_csv(header, body))


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
    settings = _settings(dev)
    try:
        cipher = cipher_from_settings(settings, data_dir_for(settings.database_url))
    except EncryptionKeyError as exc:
        raise click.ClickException(str(exc)) from None

    async def work(engine: AsyncEngine) -> dict[str, int]:
        report = await rotate_all(engine, cipher)
        async with engine.begin() as conn:
            await audit.record(
                conn,
                actor=_actor(),
                action=audit.KEYS_ROTATE,
                ip="local",
                details={"rewritten": report.rewritten, "skipped": report.skipped},
            )
        return {**report.rewritten, "(changed meanwhile, already current)": report.skipped}

    counts = _run(settings, work)
    for name, count in counts.items():
        click.echo(f"{name}: {count}")
    click.echo("Done. Once no old key is needed, remove it from IOP_BOT_ENCRYPTION_KEYS.")


# --- written by the notifications part ----------------------------------------------------


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@click.option("--dev", is_flag=True, help="Use the development-mode key file if no key is set.")
def purge_cmd(dry_run: bool, dev: bool) -> None:
    """Delete conversations and ended requests past their retention period.

    Conversations that never became a request go retention_conversation_days after their last
    message; closed and not-a-fit requests (with their conversation, notes and notifications)
    go retention_closed_request_days after they last changed. The purge is audited (counts only).
    """
    settings = _settings(dev)
    try:  # no key, no purge: the same rule as for starting the server
        cipher_from_settings(settings, data_dir_for(settings.database_url))
    except EncryptionKeyError as exc:
        raise click.ClickException(str(exc)) from None

    async def work(engine: AsyncEngine) -> PurgeReport:
        return await run_purge(engine, settings, actor=_actor(), dry_run=dry_run)

    try:
        report = _run(settings, work)
    except PurgeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("Dry run: nothing was deleted. A purge now would delete:" if dry_run else "Deleted:")
    for name, count in report.counts().items():
        click.echo(f"  {name.replace('_', ' ')}: {count}")
    click.echo(
        f"(conversations idle since before {report.conversation_cutoff:%Y-%m-%d %H:%M} UTC; "
        f"closed or not-a-fit requests unchanged since before "
        f"{report.request_cutoff:%Y-%m-%d %H:%M} UTC)"
    )


@click.group("requests")
def requests_cmd() -> None:
    """Assessment requests, for scripts (staff use the dashboard)."""


@requests_cmd.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="CSV (same columns as the dashboard export) or a JSON array.",
)
@click.option("--status", type=click.Choice(REQUEST_STATUSES), help="Only requests in this status.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="DATE",
    help="Only requests received on or after this day (YYYY-MM-DD, UTC).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write, readable by you only (default: standard output).",
)
@click.option("--dev", is_flag=True, help="Use the development-mode key file if no key is set.")
def requests_export_cmd(
    fmt: str, status: str | None, since: datetime | None, output: Path | None, dev: bool
) -> None:
    """Export requests with their contact details decrypted, as CSV (spreadsheet-safe) or JSON.

    The export is recorded in the audit trail. Its output holds personal data in clear: keep it
    only as long as needed.
    """
    from bot.staff import requests_export  # the dashboard modules load only when used

    settings = _settings(dev)
    try:
        cipher = cipher_from_settings(settings, data_dir_for(settings.database_url))
    except EncryptionKeyError as exc:
        raise click.ClickException(str(exc)) from None
    query = requests_export.ExportQuery(
        fmt=fmt, status=status or "", since=since.date() if since else None
    )

    async def work(engine: AsyncEngine) -> tuple[str, int]:
        return await requests_export.export_requests(
            engine,
            cipher,
            query,
            actor=_actor(),
            base_url=settings.base_url,
            destination="file" if output else "stdout",
        )

    document, count = _run(settings, work)
    if output is None:
        click.echo(document, nl=False)
        return
    try:
        requests_export.write_private(output, document)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from None
    click.echo(f"Exported {count} request(s) to {output}.", err=True)
