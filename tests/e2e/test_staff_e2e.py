"""The staff side, end to end: a visitor's request reaches the admissions team and is handled.

Real everything: the app on a localhost port with its own SQLite file, an in-process SMTP
server, accounts made by the real `iop-bot staff add` command in a subprocess, and headless
Chromium for both the visitor (the widget on the demo page) and the staff (the dashboard).
Every page is watched (see conftest.Watch): a request to another origin, a console error or a
CSP violation fails the test, and so does any JavaScript dialog (an XSS would open one).
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Dialog, Page, ViewportSize, expect

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractAsyncContextManager

    from conftest import Live, OpenPage, Watch, Widget

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

LAPTOP: ViewportSize = {"width": 1280, "height": 800}
TABLET: ViewportSize = {"width": 820, "height": 1180}

SENDER = "iop-bot@clinic.example"
ADMISSIONS = "admissions@clinic.example"
STAFF_EMAIL = "nurse.rivera@clinic.example"
ADMIN_EMAIL = "lead.okafor@clinic.example"

# What the visitor types. The question carries markup that would run if it were ever put
# into a page as HTML; the insurer starts with "=" so a spreadsheet would run it as a formula.
QUESTION = "<img src=x onerror=alert(1)><script>alert(2)</script> how long is the program?"
FIRST_NAME = "Zoë"
PHONE = "207-555-0142"
INSURANCE = '=HYPERLINK("evil","Blue Cross")'
PERSONAL = (FIRST_NAME, "555-0142", "5550142", INSURANCE, "HYPERLINK", "Blue Cross", "onerror")
NOTE = "Left a voicemail; call back after 3 pm. <b>not bold</b>"


# ---- a real SMTP server ---------------------------------------------------------------------


@dataclass
class Inbox:
    """aiosmtpd handler that keeps every message it accepts."""

    raw: list[bytes] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.raw.append(bytes(envelope.original_content or envelope.content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"

    @property
    def messages(self) -> list[EmailMessage]:
        parsed = [message_from_bytes(raw, policy=policy.default) for raw in self.raw]
        return [m for m in parsed if isinstance(m, EmailMessage)]

    async def wait_for(self, count: int, within: float = 10.0) -> list[EmailMessage]:
        """The first ``count`` messages, once that many arrived (the outbox works async)."""
        async with asyncio.timeout(within):
            while len(self.raw) < count:  # noqa: ASYNC110 - the SMTP server runs in a thread
                await asyncio.sleep(0.05)
        return self.messages


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A running SMTP server on a free localhost port (no TLS) and what it received."""
    handler = Inbox()
    with socket.socket() as probe:  # Controller checks it is up by connecting to its port
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


# ---- accounts, made the way an operator makes them ---------------------------------------


async def staff_add(db_path: Path, folder: Path, email: str, role: str) -> str:
    """Run `iop-bot staff add EMAIL --role ROLE --generate` and return the printed password."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IOP_BOT_")}
    env.update(
        IOP_BOT_DATABASE_URL=f"sqlite+aiosqlite:///{db_path}",
        IOP_BOT_SETTINGS_FILE=str(folder / "absent.yml"),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "staff",
        "add",
        email,
        "--role",
        role,
        "--generate",
        cwd=folder,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    match = re.search(r"^Password \(shown only now\): (\S+)$", out.decode(), re.MULTILINE)
    assert match, out.decode()
    return match.group(1)


@dataclass(frozen=True)
class Accounts:
    staff_password: str
    admin_password: str


@pytest_asyncio.fixture(loop_scope="module")
async def mail_bot(
    tmp_path: Path,
    serve_bot: Callable[..., AbstractAsyncContextManager[Live]],
    inbox: tuple[Inbox, int],
) -> AsyncIterator[tuple[Live, Accounts]]:
    """A bot server that emails admissions through ``inbox``, with a staff and an admin account.

    The accounts are made before the server starts (as after `iop-bot staff add` on a fresh
    install), so no setup link is printed.
    """
    db_path = tmp_path / "e2e.db"  # where serve_bot puts the database
    # One after the other: each command migrates the fresh database first.
    staff_password = await staff_add(db_path, tmp_path, STAFF_EMAIL, "staff")
    admin_password = await staff_add(db_path, tmp_path, ADMIN_EMAIL, "admin")
    async with serve_bot(
        smtp_host="127.0.0.1",
        smtp_port=inbox[1],
        smtp_tls="none",
        notify_email_from=SENDER,
        notify_email_to=(ADMISSIONS,),
        outbox_poll_seconds=0.1,
    ) as bot:
        assert bot.db_path == db_path
        yield bot, Accounts(staff_password, admin_password)


# ---- helpers ------------------------------------------------------------------------------


def no_dialogs(page: Page) -> list[str]:
    """Record (and dismiss) every alert/confirm/prompt the page opens; an XSS would open one."""
    opened: list[str] = []

    async def on_dialog(dialog: Dialog) -> None:
        opened.append(f"{dialog.type}: {dialog.message}")
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    return opened


async def earlier_request(bot_url: str) -> None:
    """Someone else asked for an assessment earlier today, through the chat API."""
    steps: list[dict[str, str]] = [
        {"payload": "/request_assessment"},
        {"payload": "/for_self"},
        {"text": "Quentin"},
        {"text": "quentin.zephyr@example.org"},
        {"payload": "/contact_email"},
        {"payload": "/time_any"},
        {"payload": "/skip"},
        {"payload": "/affirm"},
        {"payload": "/affirm"},
    ]
    async with aiohttp.ClientSession(bot_url) as http:
        async with http.post("/api/v1/conversations") as resp:
            assert resp.status == 201, await resp.text()
            cid = (await resp.json())["conversation_id"]
        for body in steps:
            async with http.post(f"/api/v1/conversations/{cid}/messages", json=body) as resp:
                assert resp.status == 200, await resp.text()
                texts = " ".join(m["text"] for m in (await resp.json())["messages"])
    assert "Your request has been sent" in texts, texts


async def visitor_requests_assessment(page: Page, w: Widget) -> None:
    """The visitor asks a question (with markup in it), then fills the request form."""
    await w.open()
    # The matcher strips the markup and answers the question; what matters here is that the
    # text stays text everywhere it is shown.
    assert any("2 to 3 months" in r for r in await w.ask(QUESTION))
    # The widget shows the markup as text, too.
    await expect(w.visitor_messages.last).to_contain_text("<img src=x onerror=alert(1)>")
    assert await page.locator("iop-chat-widget img, iop-chat-widget script").count() == 0

    assert any(
        "for you or for someone" in r for r in await w.ask("I'd like to request an assessment")
    )
    assert any("first name" in r for r in await w.choose("For me"))
    assert any("phone number or email" in r for r in await w.ask(FIRST_NAME))
    assert any("How would you like" in r for r in await w.ask(PHONE))
    assert any("best time" in r for r in await w.choose("Phone call"))
    assert any("voicemail" in r for r in await w.choose("Evening"))
    assert any("insurance" in r for r in await w.choose("Yes"))
    assert any("contact you" in r for r in await w.ask(INSURANCE))
    summary = await w.choose("Yes, you may contact me")
    assert any(FIRST_NAME in r and "Is this correct?" in r for r in summary), summary
    done = await w.choose("Yes, send it")
    assert any("Your request has been sent" in r for r in done), done


async def sign_in(page: Page, base: str, email: str, password: str) -> None:
    await page.goto(base + "/staff/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#signed-in-as")).to_contain_text(email)


async def sign_out(page: Page) -> None:
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("status")).to_have_text("You are signed out.")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


async def no_serious_axe_violations(page: Page, watch: Watch) -> None:
    # axe-core adds a <style> element of its own, which the dashboard's CSP rightly refuses.
    watch.allow(r"inline style violates|CSP violation: style-src-elem blocked inline")
    results = await Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, results.generate_report()


async def screenshots(
    page: Page, folder: Path, name: str, table: str, whole_at: tuple[str, ...]
) -> None:
    """Full-page screenshots at laptop and tablet size, for a person to look at.

    The page never scrolls sideways; a wide table scrolls inside its own box instead, and at
    the sizes in ``whole_at`` the table shows every column without scrolling at all.
    """
    for label, size in (("laptop", LAPTOP), ("tablet", TABLET)):
        await page.set_viewport_size(size)
        await page.screenshot(path=folder / f"staff-{name}-{label}.png", full_page=True)
        overflow = await page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the {name} page scrolls sideways at {label} size"
        hidden = await page.locator(table).evaluate(
            "t => t.scrollWidth - t.parentElement.clientWidth"
        )
        assert label not in whole_at or hidden <= 0, f"{table} is cut off at {label} size"
    await page.set_viewport_size(LAPTOP)


async def audit_rows(page: Page) -> list[dict[str, str]]:
    """The audit table as the admin reads it (the times are left out)."""
    rows: list[dict[str, str]] = await page.locator("#audit-table tbody tr").evaluate_all(
        """rows => rows.map(r => {
            const c = [...r.cells].map(td => td.innerText.trim());
            return {who: c[1], action: c[2], target: c[3], details: c[5]};
        })"""
    )
    return rows


# ---- the journey --------------------------------------------------------------------------


async def test_a_request_travels_from_the_widget_to_the_team_and_the_audit_trail(
    open_page: OpenPage,
    widget: Callable[..., Widget],
    mail_bot: tuple[Live, Accounts],
    inbox: tuple[Inbox, int],
    artifacts: Path,
) -> None:
    bot, accounts = mail_bot
    mail = inbox[0]

    # 1. Two visitors ask for an assessment: one earlier through the API, one in the widget.
    await earlier_request(bot.url)
    visitor, _ = await open_page(origins=(bot.url,))
    visitor_dialogs = no_dialogs(visitor)
    await visitor.goto(bot.url + "/")
    await visitor_requests_assessment(visitor, widget(visitor))
    assert visitor_dialogs == []

    # 2. Admissions gets one email per request: the number and a link, nothing personal.
    messages = await mail.wait_for(2)
    assert mail.recipients == [[ADMISSIONS], [ADMISSIONS]]
    earlier, number = (int(re.sub(r"\D", "", str(m["Subject"]))) for m in messages)
    latest = messages[-1]
    assert latest["Subject"] == f"New assessment request #{number}"
    assert latest["From"] == SENDER
    link = f"{bot.url}/staff/requests/{number}"
    assert link in latest.get_content()
    for message in messages:
        everything = (str(message) + message.get_content()).lower()
        for secret in (*PERSONAL, "Quentin", "zephyr", "how long"):
            assert secret.lower() not in everything, secret

    # 3. A staff member signs in and finds the new request at the top, with a "new" count.
    staff, staff_watch = await open_page(origins=(bot.url,))
    staff_dialogs = no_dialogs(staff)
    await sign_in(staff, bot.url, STAFF_EMAIL, accounts.staff_password)
    await expect(staff.get_by_role("heading", name="Assessment requests")).to_be_visible()
    await expect(staff.locator("#new-count-summary")).to_have_text("2 new requests waiting")
    rows = staff.locator("#requests-table tbody tr")
    await expect(rows).to_have_count(2)
    top = rows.first
    await expect(top.get_by_role("link")).to_have_text(f"Request {number}")
    await expect(top).to_contain_text(FIRST_NAME)
    await expect(top).to_contain_text("+1 207-555-0142")
    await expect(top).to_contain_text("Phone call, Evening")
    await expect(top.locator(".badge")).to_have_text("New")
    await expect(rows.nth(1)).to_contain_text("Quentin")
    await no_serious_axe_violations(staff, staff_watch)
    await screenshots(staff, artifacts, "requests", "#requests-table", ("laptop", "tablet"))

    # 4. The request page: the details, and the transcript with the markup shown as text.
    await top.get_by_role("link", name=f"Request {number}").click()
    assert staff.url == link  # the same page the email links to
    await expect(staff.get_by_role("heading", name=f"Request {number}")).to_be_visible()
    await expect(staff.locator("#field-first-name")).to_have_text(FIRST_NAME)
    await expect(staff.get_by_role("link", name="+1 207-555-0142")).to_have_attribute(
        "href", "tel:+12075550142"
    )
    await expect(staff.locator("#field-voicemail")).to_have_text("Yes")
    await expect(staff.locator("#field-insurance")).to_have_text(INSURANCE)
    await expect(staff.locator("#notification-email")).to_contain_text("Sent")
    transcript = staff.locator("#transcript")
    question = transcript.locator(".message--visitor").filter(has_text="how long is the program")
    await expect(question.locator(".message__text")).to_have_text(QUESTION)
    assert await staff.locator("main img, main script").count() == 0

    # 5. They call, mark the request contacted and leave a note; both show who and when.
    await staff.get_by_label("Status").select_option(label="Contacted")
    await staff.get_by_role("button", name="Save status").click()
    await expect(staff.get_by_role("status")).to_have_text("Status saved.")
    await expect(staff.locator(".page-head .badge")).to_have_text("Contacted")
    change = staff.locator("#history .history__item--status")
    await expect(change).to_contain_text("Status changed from New to Contacted.")
    await expect(change.locator(".history__meta")).to_contain_text(STAFF_EMAIL)
    await expect(change.locator(".history__meta time")).to_have_attribute(
        "datetime", re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
    )
    await staff.get_by_label("Internal note").fill(NOTE)
    await staff.get_by_role("button", name="Add note").click()
    await expect(staff.get_by_role("status")).to_have_text("Note added.")
    note = staff.locator("#history .history__item--note")
    await expect(note.locator(".note-text")).to_have_text(NOTE)
    await expect(note.locator(".history__meta")).to_contain_text(STAFF_EMAIL)
    await no_serious_axe_violations(staff, staff_watch)
    await screenshots(staff, artifacts, "request-detail", "#notifications", ("laptop", "tablet"))

    # 6. Back on the list, one request is still new; export every request as CSV.
    await staff.get_by_role("link", name="All requests").click()
    await expect(staff.locator("#new-count-summary")).to_have_text("1 new request waiting")
    async with staff.expect_download() as download_info:
        await staff.get_by_role("link", name="Download CSV").click()
    download = await download_info.value
    assert re.fullmatch(r"requests-\d{8}-\d{6}\.csv", download.suggested_filename)
    raw = await asyncio.to_thread((await download.path()).read_bytes)
    assert raw.startswith("\ufeff".encode())  # Excel reads it as UTF-8: "Zoë" stays intact
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [row["Request"] for row in table] == [str(number), str(earlier)]
    row = table[0]
    assert row["First name"] == FIRST_NAME
    assert row["Status"] == "contacted"
    assert row["Phone"] == "'+12075550142"  # a leading "+" would start a formula
    assert row["Insurance"] == "'" + INSURANCE  # neutralized: shown as text, never run
    assert (row["Voicemail OK"], row["For whom"], row["Contact method"]) == ("yes", "self", "call")
    await sign_out(staff)
    await staff.goto(link)  # signed out means signed out
    await expect(staff.get_by_role("heading", name="Sign in")).to_be_visible()
    assert staff_dialogs == []

    # 7. An admin reads the audit trail: every step above, by the staff member, and no
    #    visitor's personal data.
    admin, admin_watch = await open_page(origins=(bot.url,))
    await sign_in(admin, bot.url, ADMIN_EMAIL, accounts.admin_password)
    await admin.get_by_role("link", name="Admin", exact=True).click()
    await (
        admin.get_by_role("navigation", name="Admin")
        .get_by_role("link", name="Audit trail")
        .click()
    )
    await expect(admin.get_by_role("heading", name="Audit trail")).to_be_visible()
    entries = await audit_rows(admin)
    by_staff = [(e["action"], e["target"]) for e in entries if e["who"] == STAFF_EMAIL]
    target = f"request {number}"
    assert by_staff == [
        ("logout", "—"),
        ("request.export", "2 requests"),
        ("request.view", target),  # after adding the note
        ("request.note", target),
        ("request.view", target),  # after saving the status
        ("request.status", target),
        ("request.view", target),
        ("login.success", "—"),
    ], entries
    details = {e["action"]: e["details"] for e in entries if e["who"] == STAFF_EMAIL}
    assert "from: new" in details["request.status"] and "to: contacted" in details["request.status"]
    assert f"chars: {len(NOTE)}" in details["request.note"]
    assert "rows: 2" in details["request.export"]
    assert entries[0]["who"] == ADMIN_EMAIL and entries[0]["action"] == "login.success"
    page_text = (await admin.locator("main").inner_text()).lower()
    for secret in (*PERSONAL, "Quentin", "voicemail"):
        assert secret.lower() not in page_text, secret
    await screenshots(admin, artifacts, "audit", "#audit-table", ("laptop",))
    assert admin_watch.problems() == []
