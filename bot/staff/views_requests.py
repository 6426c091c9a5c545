"""The requests pages: the filtered list, one request with its transcript, status changes,
notes and the CSV export. Every view of a request and every export is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from bot.notify.outbox import delivery_status
from bot.staff import audit
from bot.staff.export import to_csv
from bot.staff.pages import client_ip, principal, render
from bot.staff.request_store import (
    MAX_NOTE_CHARS,
    PAGE_SIZE,
    RequestFilter,
    RequestView,
    add_note,
    all_requests,
    change_status,
    count_new,
    events,
    find_requests,
    get_request,
)
from bot.storage.conversations import load_transcript
from bot.storage.tables import REQUEST_STATUSES
from bot.web.keys import CIPHER_KEY, DB_KEY

EXPORT_HEADER = (
    "Request",
    "Received (UTC)",
    "Status",
    "For whom",
    "First name",
    "Phone",
    "Email",
    "Contact method",
    "Best time",
    "Voicemail OK",
    "Texts OK",
    "Insurance",
    "Crisis flag",
    "Consent given (UTC)",
    "Last updated (UTC)",
)


def _page_number(request: web.Request) -> int:
    try:
        return max(1, int(request.query.get("page", "1")))
    except ValueError:
        return 1


async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(request.app.router["staff.requests"].url_for())


async def request_list(request: web.Request) -> web.StreamResponse:
    flt, problems = RequestFilter.parse(request.query)
    page = _page_number(request)
    cipher = request.config_dict[CIPHER_KEY]
    async with request.config_dict[DB_KEY].connect() as conn:
        new_count = await count_new(conn)
        offset = (page - 1) * PAGE_SIZE
        rows, total = await find_requests(conn, cipher, flt, offset=offset, limit=PAGE_SIZE)
        pages = max(1, -(-total // PAGE_SIZE))
        if page > pages:  # past the end (e.g. an old link): show the last page instead
            page = pages
            offset = (page - 1) * PAGE_SIZE
            rows, total = await find_requests(conn, cipher, flt, offset=offset, limit=PAGE_SIZE)
    return render(
        request,
        "requests.html",
        {
            "rows": rows,
            "total": total,
            "new_count": new_count,
            "filter": flt,
            "params": flt.as_params(),
            "problems": problems,
            "page": min(page, pages),
            "pages": pages,
            "statuses": REQUEST_STATUSES,
        },
    )


def _request_id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound() from None


async def request_detail(request: web.Request) -> web.StreamResponse:
    request_id = _request_id(request)
    current = principal(request)
    cipher = request.config_dict[CIPHER_KEY]
    async with request.config_dict[DB_KEY].begin() as conn:
        item = await get_request(conn, cipher, request_id)
        if item is None:
            return render(request, "not_found.html", status=404)
        transcript = (
            await load_transcript(conn, item.conversation_id, cipher)
            if item.conversation_id
            else None
        )
        history = await events(conn, cipher, request_id)
        notifications = await delivery_status(conn, request_id)
        await audit.record(
            conn,
            actor=current.account.email,
            actor_id=current.account.id,
            action=audit.REQUEST_VIEW,
            target=f"request {request_id}",
            ip=client_ip(request),
        )
    return render(
        request,
        "request_detail.html",
        {
            "item": item,
            "transcript": transcript or [],
            "events": history,
            "notifications": notifications,
            "statuses": REQUEST_STATUSES,
            "max_note_chars": MAX_NOTE_CHARS,
            "saved": request.query.get("saved", ""),
        },
    )


def _back_to(request: web.Request, request_id: int, saved: str) -> web.HTTPSeeOther:
    url = request.app.router["staff.request_detail"].url_for(id=str(request_id))
    return web.HTTPSeeOther(url.with_query(saved=saved))


async def request_status(request: web.Request) -> web.StreamResponse:
    request_id = _request_id(request)
    current = principal(request)
    form = await request.post()
    new_status = str(form.get("status", ""))
    if new_status not in REQUEST_STATUSES:
        raise web.HTTPBadRequest(text="Unknown status.")
    async with request.config_dict[DB_KEY].begin() as conn:
        if await get_request(conn, request.config_dict[CIPHER_KEY], request_id) is None:
            return render(request, "not_found.html", status=404)
        old = await change_status(
            conn, request_id, current.account, new_status, now=datetime.now(UTC)
        )
        if old is not None:
            await audit.record(
                conn,
                actor=current.account.email,
                actor_id=current.account.id,
                action=audit.REQUEST_STATUS,
                target=f"request {request_id}",
                ip=client_ip(request),
                details={"from": old, "to": new_status},
            )
    raise _back_to(request, request_id, "status")


async def request_note(request: web.Request) -> web.StreamResponse:
    request_id = _request_id(request)
    current = principal(request)
    form = await request.post()
    note = str(form.get("note", "")).strip()
    if not note or len(note) > MAX_NOTE_CHARS:
        raise web.HTTPBadRequest(text=f"A note needs 1 to {MAX_NOTE_CHARS} characters.")
    cipher = request.config_dict[CIPHER_KEY]
    async with request.config_dict[DB_KEY].begin() as conn:
        if await get_request(conn, cipher, request_id) is None:
            return render(request, "not_found.html", status=404)
        await add_note(conn, cipher, request_id, current.account, note, now=datetime.now(UTC))
        await audit.record(
            conn,
            actor=current.account.email,
            actor_id=current.account.id,
            action=audit.REQUEST_NOTE,
            target=f"request {request_id}",
            ip=client_ip(request),
            details={"chars": len(note)},
        )
    raise _back_to(request, request_id, "note")


def export_row(item: RequestView) -> tuple[object, ...]:
    return (
        item.id,
        item.created_at,
        item.status,
        item.for_whom,
        item.first_name,
        item.phone,
        item.email,
        item.contact_method,
        item.contact_time,
        item.voicemail_ok,
        item.text_ok,
        item.insurance,
        item.crisis_kind or ("yes" if item.crisis_flag else ""),
        item.consent_at,
        item.updated_at,
    )


async def request_export(request: web.Request) -> web.StreamResponse:
    """The filtered list (every page) as a CSV attachment, formula-safe and audited."""
    flt, _problems = RequestFilter.parse(request.query)
    current = principal(request)
    async with request.config_dict[DB_KEY].begin() as conn:
        items = await all_requests(conn, request.config_dict[CIPHER_KEY], flt)
        await audit.record(
            conn,
            actor=current.account.email,
            actor_id=current.account.id,
            action=audit.REQUEST_EXPORT,
            target=f"{len(items)} requests",
            ip=client_ip(request),
            details={**flt.audit_details(), "rows": len(items)},
        )
    # The byte-order mark makes Excel read the file as UTF-8 (names with accents stay intact).
    body = "\ufeff" + to_csv(EXPORT_HEADER, (export_row(item) for item in items))
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return web.Response(
        text=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="requests-{stamp}.csv"'},
    )
