"""Assessment requests for scripts (``iop-bot requests export``), decrypted and audited.

The CSV has the same columns as the dashboard's export and the same
spreadsheet-formula neutralization (``bot.staff.export``). The JSON keeps
native types (numbers, booleans, ISO 8601 UTC times, null) for programs.
Neither contains the conversation id: it is the only credential a visitor's
widget holds.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.crypto import FieldCipher
from bot.staff import audit
from bot.staff.export import to_csv
from bot.staff.request_store import RequestFilter, RequestView, all_requests
from bot.staff.views_requests import EXPORT_HEADER, export_row
from bot.storage.tables import REQUEST_STATUSES

FORMATS = ("csv", "json")


@dataclass(frozen=True)
class ExportQuery:
    """Which requests to export and how; ``since`` is a UTC calendar day."""

    fmt: str = "csv"
    status: str = ""
    since: date | None = None

    def __post_init__(self) -> None:
        if self.fmt not in FORMATS:
            raise ValueError(f"unknown format {self.fmt!r}")
        if self.status not in ("", *REQUEST_STATUSES):
            raise ValueError(f"unknown status {self.status!r}")

    def audit_details(self) -> dict[str, Any]:
        return {
            "format": self.fmt,
            "status": self.status or "any",
            "since": self.since.isoformat() if self.since else None,
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds").replace("+00:00", "Z")


def request_document(item: RequestView, base_url: str) -> dict[str, Any]:
    """One request as JSON data, with a link to it in the dashboard."""
    return {
        "id": item.id,
        "url": f"{base_url.rstrip('/')}/staff/requests/{item.id}",
        "status": item.status,
        "created_at": _iso(item.created_at),
        "updated_at": _iso(item.updated_at),
        "for_whom": item.for_whom,
        "first_name": item.first_name,
        "phone": item.phone,
        "email": item.email,
        "contact_method": item.contact_method,
        "contact_time": item.contact_time,
        "voicemail_ok": item.voicemail_ok,
        "text_ok": item.text_ok,
        "insurance": item.insurance,
        "consent_at": _iso(item.consent_at),
        "crisis_flag": item.crisis_flag,
        "crisis_kind": item.crisis_kind,
    }


def render(items: list[RequestView], fmt: str, base_url: str) -> str:
    """The export document: formula-safe CSV, or a JSON array of requests."""
    if fmt == "json":
        documents = [request_document(item, base_url) for item in items]
        return json.dumps(documents, indent=2, ensure_ascii=False) + "\n"
    return to_csv(EXPORT_HEADER, (export_row(item) for item in items))


async def export_requests(
    engine: AsyncEngine,
    cipher: FieldCipher,
    query: ExportQuery,
    *,
    actor: str,
    base_url: str,
    destination: str = "stdout",
) -> tuple[str, int]:
    """The requests matching ``query``, oldest first, as text; returns (document, count).

    The export is recorded in the audit trail in the same transaction that reads
    the requests, so no data leaves without its entry. ``destination`` ("stdout" or
    "file") is recorded too; the file's name is not (it could say anything).
    """
    flt = RequestFilter(status=query.status, date_from=query.since)
    async with engine.begin() as conn:
        items = await all_requests(conn, cipher, flt)
        await audit.record(
            conn,
            actor=actor,
            action=audit.REQUEST_EXPORT,
            target=f"{len(items)} requests",
            ip="local",
            details={**query.audit_details(), "rows": len(items), "to": destination},
        )
    items.sort(key=lambda item: item.id)
    return render(items, query.fmt, base_url), len(items)


def write_private(path: Path, document: str) -> None:
    """Write the export readable by its owner only: it holds personal data in clear."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file existed with wider permissions
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(document)
