"""Reading and updating assessment requests for the dashboard.

Names, phones and emails are encrypted at rest, so the database cannot search them. A search
therefore loads the rows that pass the status and date filters, decrypts them in memory and
matches there; at a clinic's scale (hundreds or a few thousand requests) this takes
milliseconds. Without a search only the shown page is decrypted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from multidict import MultiMapping
from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.crypto import FieldCipher
from bot.staff.accounts import StaffAccount
from bot.storage.tables import REQUEST_STATUSES, assessment_requests, conversations
from bot.storage.tables_staff import request_events, staff_accounts

PAGE_SIZE = 25
_PHONEISH = re.compile(r"[\d\s()+.\-]+")
MAX_QUERY_CHARS = 100
MAX_NOTE_CHARS = 4000
MAX_TZ_MINUTES = 14 * 60


@dataclass(frozen=True)
class RequestFilter:
    """The list's filters, parsed from the query string (bad values are dropped, with a note)."""

    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    query: str = ""
    tz_minutes: int = 0  # the browser's offset from UTC, so dates mean the staff member's days

    @classmethod
    def parse(cls, params: MultiMapping[str]) -> tuple[RequestFilter, list[str]]:
        problems: list[str] = []
        status = params.get("status", "")
        if status not in ("", *REQUEST_STATUSES):
            problems.append("Unknown status ignored.")
            status = ""
        dates: list[date | None] = []
        for name, label in (("from", "From"), ("to", "To")):
            raw = params.get(name, "").strip()
            try:
                dates.append(date.fromisoformat(raw) if raw else None)
            except ValueError:
                problems.append(f"{label} date ignored: use the form YYYY-MM-DD.")
                dates.append(None)
        try:
            tz = max(-MAX_TZ_MINUTES, min(MAX_TZ_MINUTES, int(params.get("tz", "0") or 0)))
        except ValueError:
            tz = 0
        query = " ".join(params.get("q", "").split())[:MAX_QUERY_CHARS]
        return cls(status, dates[0], dates[1], query, tz), problems

    def as_params(self) -> dict[str, str]:
        """The filter as query parameters (for pagination and export links)."""
        out = {
            "status": self.status,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "q": self.query,
            "tz": str(self.tz_minutes) if self.tz_minutes else "",
        }
        return {k: v for k, v in out.items() if v}

    def audit_details(self) -> dict[str, Any]:
        """The filter for the audit trail: the search text itself may be personal data."""
        return {
            "status": self.status or "any",
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "searched": bool(self.query),
        }

    def _bound(self, day: date) -> datetime:
        zone = timezone(timedelta(minutes=self.tz_minutes))
        return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)

    def apply(self, query: Select[Any]) -> Select[Any]:
        table = assessment_requests
        if self.status:
            query = query.where(table.c.status == self.status)
        if self.date_from:
            query = query.where(table.c.created_at >= self._bound(self.date_from))
        if self.date_to:
            query = query.where(table.c.created_at < self._bound(self.date_to + timedelta(days=1)))
        return query


@dataclass(frozen=True)
class RequestView:
    """One request with its personal fields decrypted, for an authorized page or export."""

    id: int
    conversation_id: str | None
    status: str
    for_whom: str | None
    first_name: str | None
    phone: str | None
    email: str | None
    contact_method: str | None
    contact_time: str | None
    voicemail_ok: bool | None
    text_ok: bool | None
    insurance: str | None
    consent_at: datetime | None
    created_at: datetime
    updated_at: datetime
    crisis_flag: bool
    crisis_kind: str | None

    def matches(self, query: str) -> bool:
        """Case-insensitive match on name or email; a number matches anywhere in the phone."""
        needle = query.casefold()
        for text in (self.first_name, self.email):
            if text and needle in text.casefold():
                return True
        if not _PHONEISH.fullmatch(query):
            return False
        digits = "".join(ch for ch in query if ch.isdigit())
        phone_digits = "".join(ch for ch in self.phone or "" if ch.isdigit())
        return len(digits) >= 3 and digits in phone_digits


@dataclass(frozen=True)
class EventView:
    kind: str
    old_status: str | None
    new_status: str | None
    note: str | None
    staff_email: str
    created_at: datetime


def _base() -> Select[Any]:
    joined = assessment_requests.outerjoin(
        conversations, conversations.c.id == assessment_requests.c.conversation_id
    )
    return select(
        assessment_requests, conversations.c.crisis_flag, conversations.c.crisis_kind
    ).select_from(joined)


def _view(row: Any, cipher: FieldCipher) -> RequestView:
    return RequestView(
        id=row.id,
        conversation_id=row.conversation_id,
        status=row.status,
        for_whom=row.for_whom,
        first_name=cipher.decrypt(row.first_name_enc),
        phone=cipher.decrypt(row.phone_enc),
        email=cipher.decrypt(row.email_enc),
        contact_method=row.contact_method,
        contact_time=row.contact_time,
        voicemail_ok=row.voicemail_ok,
        text_ok=row.text_ok,
        insurance=cipher.decrypt(row.insurance_enc),
        consent_at=row.consent_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        crisis_flag=bool(row.crisis_flag),
        crisis_kind=row.crisis_kind,
    )


def _newest_first(query: Select[Any]) -> Select[Any]:
    return query.order_by(assessment_requests.c.created_at.desc(), assessment_requests.c.id.desc())


async def count_new(conn: AsyncConnection) -> int:
    query = select(func.count()).where(assessment_requests.c.status == "new")
    return int((await conn.execute(query)).scalar_one())


async def find_requests(
    conn: AsyncConnection, cipher: FieldCipher, flt: RequestFilter, *, offset: int, limit: int
) -> tuple[list[RequestView], int]:
    """One page of the filtered list, newest first, and the number of matches in all."""
    if flt.query:
        matches = await all_requests(conn, cipher, flt)
        return matches[offset : offset + limit], len(matches)
    count = flt.apply(select(func.count()).select_from(assessment_requests))
    total = int((await conn.execute(count)).scalar_one())
    rows = await conn.execute(_newest_first(flt.apply(_base())).offset(offset).limit(limit))
    return [_view(r, cipher) for r in rows], total


async def all_requests(
    conn: AsyncConnection, cipher: FieldCipher, flt: RequestFilter
) -> list[RequestView]:
    """Every request passing the filter (search included), newest first; used for exports."""
    rows = await conn.execute(_newest_first(flt.apply(_base())))
    views = [_view(r, cipher) for r in rows]
    return [v for v in views if v.matches(flt.query)] if flt.query else views


async def get_request(
    conn: AsyncConnection, cipher: FieldCipher, request_id: int
) -> RequestView | None:
    row = (await conn.execute(_base().where(assessment_requests.c.id == request_id))).first()
    return None if row is None else _view(row, cipher)


async def events(conn: AsyncConnection, cipher: FieldCipher, request_id: int) -> list[EventView]:
    """Status changes and notes, oldest first, with who made them."""
    rows = await conn.execute(
        select(request_events, staff_accounts.c.email)
        .select_from(
            request_events.join(staff_accounts, staff_accounts.c.id == request_events.c.staff_id)
        )
        .where(request_events.c.request_id == request_id)
        .order_by(request_events.c.id)
    )
    return [
        EventView(
            kind=r.kind,
            old_status=r.old_status,
            new_status=r.new_status,
            note=cipher.decrypt(r.note_enc),
            staff_email=r.email,
            created_at=r.created_at,
        )
        for r in rows
    ]


async def change_status(
    conn: AsyncConnection, request_id: int, staff: StaffAccount, new_status: str, *, now: datetime
) -> str | None:
    """Set the status and record who did it; returns the old status, or None when unchanged."""
    if new_status not in REQUEST_STATUSES:
        raise ValueError(f"unknown status {new_status!r}")
    old = (
        await conn.execute(
            select(assessment_requests.c.status).where(assessment_requests.c.id == request_id)
        )
    ).scalar_one()
    if old == new_status:
        return None
    await conn.execute(
        update(assessment_requests)
        .where(assessment_requests.c.id == request_id)
        .values(status=new_status, updated_at=now)
    )
    await conn.execute(
        insert(request_events).values(
            request_id=request_id,
            staff_id=staff.id,
            kind="status",
            old_status=old,
            new_status=new_status,
            created_at=now,
        )
    )
    return str(old)


async def add_note(
    conn: AsyncConnection,
    cipher: FieldCipher,
    request_id: int,
    staff: StaffAccount,
    note: str,
    *,
    now: datetime,
) -> None:
    """An internal note, encrypted because it may repeat what the visitor said."""
    await conn.execute(
        insert(request_events).values(
            request_id=request_id,
            staff_id=staff.id,
            kind="note",
            note_enc=cipher.encrypt(note),
            created_at=now,
        )
    )
    await conn.execute(
        update(assessment_requests)
        .where(assessment_requests.c.id == request_id)
        .values(updated_at=now)
    )
