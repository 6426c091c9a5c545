"""Reviewing requests: the list (filters, search, pagination, new count), a request with its
transcript, status changes and notes, the CSV export, and the audit of each of them."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from .conftest import (
    ADMIN_EMAIL,
    CHAT_FORM,
    STAFF_EMAIL,
    VISITOR_EMAIL,
    VISITOR_NAME,
    Client,
    chat_request,
    page_csrf,
    sql,
    stored_request,
)


def request_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="request-row-(\d+)"', html)]


async def list_page(client: Client, query: str = "") -> str:
    resp = await client.get(f"/staff/requests{query}")
    assert resp.status == 200
    return await resp.text()


async def test_a_request_made_in_the_chat_shows_in_the_list(staff: Client) -> None:
    await chat_request(staff)
    html = await list_page(staff)
    assert request_ids(html) == [1]
    assert VISITOR_NAME in html and VISITOR_EMAIL in html and "+1 207-555-0199" in html
    assert '<strong id="new-count">1</strong> new request waiting' in html


async def test_list_is_newest_first_and_counts_new_ones(staff: Client) -> None:
    now = datetime.now(UTC)
    for days in (3, 1, 2):
        await stored_request(staff, {"first_name": f"Day{days}"}, now=now - timedelta(days=days))
    sql(staff, "UPDATE assessment_requests SET status = 'closed' WHERE id = 1")
    html = await list_page(staff)
    assert request_ids(html) == [2, 3, 1]
    assert '<strong id="new-count">2</strong> new requests waiting' in html


async def test_filter_by_status(staff: Client) -> None:
    for name in ("Ann", "Ben", "Cal"):
        await stored_request(staff, {"first_name": name})
    sql(staff, "UPDATE assessment_requests SET status = 'scheduled' WHERE id = 2")
    assert request_ids(await list_page(staff, "?status=scheduled")) == [2]
    assert request_ids(await list_page(staff, "?status=new")) == [3, 1]
    bad = await list_page(staff, "?status=bogus")
    assert "Unknown status ignored" in bad and len(request_ids(bad)) == 3


async def test_filter_by_date_range(staff: Client) -> None:
    base = datetime(2024, 3, 10, 15, 0, tzinfo=UTC)
    for offset in (0, 1, 2, 3):
        await stored_request(staff, {"first_name": "X"}, now=base + timedelta(days=offset))
    assert request_ids(await list_page(staff, "?from=2024-03-11&to=2024-03-12")) == [3, 2]
    assert request_ids(await list_page(staff, "?from=2024-03-12")) == [4, 3]
    assert request_ids(await list_page(staff, "?to=2024-03-10")) == [1]
    assert request_ids(await list_page(staff, "?from=2024-03-11&to=2024-03-11")) == [2]
    # A browser 10 hours ahead of UTC: 15:00 UTC on the 10th is already the 11th there.
    assert request_ids(await list_page(staff, "?from=2024-03-11&to=2024-03-11&tz=600")) == [1]
    bad = await list_page(staff, "?from=10/03/2024")
    assert "From date ignored" in bad and len(request_ids(bad)) == 4


async def test_search_by_name_phone_or_email_in_encrypted_fields(staff: Client) -> None:
    await stored_request(staff, {"first_name": "Marisol", "phone": "+12075550111"})
    await stored_request(staff, {"first_name": "Tobias", "email": "tobias.k@example.org"})
    await stored_request(staff, {"first_name": "Ines", "phone": "+12075550999"})
    assert request_ids(await list_page(staff, "?q=mariSOL")) == [1]
    assert request_ids(await list_page(staff, "?q=TOBIAS.K%40")) == [2]
    assert request_ids(await list_page(staff, "?q=555-0999")) == [3]
    assert request_ids(await list_page(staff, "?q=(207)+555")) == [3, 1]
    assert request_ids(await list_page(staff, "?q=nobody")) == []
    assert request_ids(await list_page(staff, "?q=Ines&status=closed")) == []


async def test_pagination_25_per_page(staff: Client) -> None:
    start = datetime.now(UTC) - timedelta(hours=1)
    for n in range(30):
        await stored_request(staff, {"first_name": f"P{n}"}, now=start + timedelta(seconds=n))
    first = await list_page(staff)
    assert request_ids(first) == list(range(30, 5, -1))
    assert "Page 1 of 2" in first and 'id="page-next"' in first
    second = await list_page(staff, "?page=2")
    assert request_ids(second) == [5, 4, 3, 2, 1]
    assert 'id="page-prev"' in second and 'id="page-next"' not in second
    assert "30 requests match" in second
    searched = await list_page(staff, "?q=P&page=2")  # search results paginate the same way
    assert request_ids(searched) == [5, 4, 3, 2, 1]
    assert 'href="/staff/requests?q=P&amp;page=1"' in searched


async def test_detail_shows_fields_transcript_and_contact_links(staff: Client) -> None:
    await chat_request(staff)
    resp = await staff.get("/staff/requests/1")
    assert resp.status == 200
    html = await resp.text()
    assert 'href="tel:+12075550199"' in html
    assert f'href="mailto:{VISITOR_EMAIL}"' in html
    assert "Zephyr Mutual Health" in html
    assert 'id="field-first-name">Quentin<' in html
    transcript = html[html.index('id="transcript"') :]
    assert transcript.count('class="message message--visitor') == len(CHAT_FORM)
    assert '<span class="message__role">Visitor</span>' in transcript
    assert '<span class="message__role">Bot</span>' in transcript
    assert "<time datetime=" in transcript
    assert sql(
        staff, "SELECT action, actor, target FROM audit_log WHERE action = 'request.view'"
    ) == [("request.view", STAFF_EMAIL, "request 1")]


async def test_crisis_flagged_requests_stand_out_with_text(staff: Client) -> None:
    await chat_request(staff, [{"text": "I want to kill myself"}, *CHAT_FORM])
    await stored_request(staff, {"first_name": "Calm"})
    html = await list_page(staff)
    row = html[html.index('id="request-row-1"') : html.index('id="request-row-1"') + 2000]
    assert "row--crisis" in row and "Crisis: self-harm language" in row
    calm = html[html.index('id="request-row-2"') : html.index('id="request-row-1"')]
    assert "Crisis" not in calm
    detail = await (await staff.get("/staff/requests/1")).text()
    assert 'id="crisis-callout"' in detail
    assert "crisis response" in detail


async def test_status_change_and_note_are_recorded_with_who_and_when(staff: Client) -> None:
    await chat_request(staff)
    csrf = await page_csrf(staff, "/staff/requests/1")
    resp = await staff.post(
        "/staff/requests/1/status",
        data={"status": "contacted", "csrf_token": csrf},
        allow_redirects=False,
    )
    assert resp.status == 303 and resp.headers["Location"] == "/staff/requests/1?saved=status"
    resp = await staff.post(
        "/staff/requests/1/notes",
        data={"note": "Left a voicemail, will call back Tuesday.", "csrf_token": csrf},
        allow_redirects=False,
    )
    assert resp.status == 303
    html = await (await staff.get("/staff/requests/1?saved=note")).text()
    history = html[html.index('id="history"') :]
    assert "Status changed from New to <strong>Contacted</strong>" in history
    assert "Left a voicemail, will call back Tuesday." in history
    assert history.count(STAFF_EMAIL) == 2
    assert 'id="saved-note"' in html
    assert sql(staff, "SELECT status FROM assessment_requests") == [("contacted",)]
    events = sql(
        staff, "SELECT kind, old_status, new_status, note_enc FROM request_events ORDER BY id"
    )
    assert events[0][:3] == ("status", "new", "contacted")
    assert events[1][0] == "note" and "voicemail" not in events[1][3]  # encrypted at rest
    audited = sql(
        staff,
        "SELECT action, details FROM audit_log WHERE action LIKE 'request.%' AND action != 'request.view' ORDER BY id",
    )
    assert audited[0] == ("request.status", '{"from": "new", "to": "contacted"}')
    assert audited[1][0] == "request.note" and "voicemail" not in audited[1][1]


async def test_unchanged_status_records_nothing(staff: Client) -> None:
    await chat_request(staff)
    csrf = await page_csrf(staff)
    await staff.post("/staff/requests/1/status", data={"status": "new", "csrf_token": csrf})
    assert sql(staff, "SELECT count(*) FROM request_events") == [(0,)]


async def test_bad_status_or_empty_note_is_refused(staff: Client) -> None:
    await chat_request(staff)
    csrf = await page_csrf(staff)
    bad = await staff.post(
        "/staff/requests/1/status", data={"status": "deleted", "csrf_token": csrf}
    )
    assert bad.status == 400
    empty = await staff.post("/staff/requests/1/notes", data={"note": "   ", "csrf_token": csrf})
    assert empty.status == 400
    long = await staff.post(
        "/staff/requests/1/notes", data={"note": "x" * 4001, "csrf_token": csrf}
    )
    assert long.status == 400
    assert sql(staff, "SELECT count(*) FROM request_events") == [(0,)]


async def test_missing_request_is_a_calm_404(staff: Client) -> None:
    resp = await staff.get("/staff/requests/999")
    assert resp.status == 404
    assert 'id="not-found"' in await resp.text()
    csrf = await page_csrf(staff)
    post = await staff.post(
        "/staff/requests/999/status", data={"status": "closed", "csrf_token": csrf}
    )
    assert post.status == 404


async def test_csv_export_of_the_filtered_list(staff: Client) -> None:
    await chat_request(staff)
    await stored_request(staff, {"first_name": "Zoë", "email": "zoe@example.org"})
    sql(staff, "UPDATE assessment_requests SET status = 'scheduled' WHERE id = 2")
    resp = await staff.get("/staff/requests/export.csv?status=new")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert resp.headers["Content-Disposition"].startswith('attachment; filename="requests-')
    assert resp.headers["Cache-Control"] == "no-store"
    body = (await resp.read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["Request", "Received (UTC)", "Status"]
    assert len(rows) == 2
    assert rows[1][0] == "1" and rows[1][4] == VISITOR_NAME and rows[1][5] == "'+12075550199"
    everything = (await (await staff.get("/staff/requests/export.csv")).read()).decode("utf-8-sig")
    assert "Zoë" in everything
    audits = sql(
        staff,
        "SELECT actor, target, details FROM audit_log WHERE action = 'request.export' ORDER BY id",
    )
    assert audits[0][0] == STAFF_EMAIL and audits[0][1] == "1 requests"
    assert '"status": "new"' in audits[0][2] and '"rows": 1' in audits[0][2]


async def test_export_audit_does_not_keep_the_search_text(staff: Client) -> None:
    await chat_request(staff)
    await staff.get(f"/staff/requests/export.csv?q={VISITOR_NAME}")
    (details,) = sql(staff, "SELECT details FROM audit_log WHERE action = 'request.export'")[0]
    assert '"searched": true' in details and VISITOR_NAME not in details


async def test_staff_and_admin_both_review_requests(admin: Client) -> None:
    await chat_request(admin)
    assert (await admin.get("/staff/requests/1")).status == 200
    assert sql(admin, "SELECT actor FROM audit_log WHERE action = 'request.view'") == [
        (ADMIN_EMAIL,)
    ]


async def test_a_page_past_the_end_shows_the_last_page(staff: Client) -> None:
    await stored_request(staff, {"first_name": "Only"})
    html = await list_page(staff, "?page=9")
    assert request_ids(html) == [1]


async def test_an_oversized_form_is_refused_calmly(staff: Client) -> None:
    await stored_request(staff, {"first_name": "Big"})
    csrf = await page_csrf(staff, "/staff/requests/1")
    resp = await staff.post(
        "/staff/requests/1/notes", data={"note": "é" * 20000, "csrf_token": csrf}
    )
    assert resp.status == 413
    assert 'id="too-large"' in await resp.text()
    assert sql(staff, "SELECT count(*) FROM request_events") == [(0,)]
