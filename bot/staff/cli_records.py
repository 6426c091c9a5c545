"""Commands over stored records: the audit trail (`audit`), retention (`purge`), exports (`requests`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.staff import audit
from bot.staff.cli_support import actor, cipher, load_settings, run
from bot.staff.export import to_csv
from bot.staff.purge import PurgeError, PurgeReport, run_purge
from bot.storage.tables import REQUEST_STATUSES

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
                actor=actor(),
                action=audit.AUDIT_EXPORT,
                ip="local",
                details={"format": fmt, "since": since, "rows": len(entries)},
            )
        return entries

    entries = run(load_settings(), work)
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


# --- retention and exports ----------------------------------------------------------------


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@click.option("--dev", is_flag=True, help="Use the development-mode key file if no key is set.")
def purge_cmd(dry_run: bool, dev: bool) -> None:
    """Delete conversations and ended requests past their retention period.

    Conversations that never became a request go retention_conversation_days after their last
    message; closed and not-a-fit requests (with their conversation, notes and notifications)
    go retention_closed_request_days after they last changed. The purge is audited (counts only).
    """
    settings = load_settings(dev)
    cipher(settings)  # no key, no purge: the same rule as for starting the server

    async def work(engine: AsyncEngine) -> PurgeReport:
        return await run_purge(engine, settings, actor=actor(), dry_run=dry_run)

    try:
        report = run(settings, work)
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

    settings = load_settings(dev)
    key = cipher(settings)
    query = requests_export.ExportQuery(
        fmt=fmt, status=status or "", since=since.date() if since else None
    )

    async def work(engine: AsyncEngine) -> tuple[str, int]:
        return await requests_export.export_requests(
            engine,
            key,
            query,
            actor=actor(),
            base_url=settings.base_url,
            destination="file" if output else "stdout",
        )

    document, count = run(settings, work)
    if output is None:
        click.echo(document, nl=False)
        return
    try:
        requests_export.write_private(output, document)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from None
    click.echo(f"Exported {count} request(s) to {output}.", err=True)
