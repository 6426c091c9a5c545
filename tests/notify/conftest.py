"""Fixtures for the notification tests: a real SMTP server in-process and a real app around it."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiosmtpd.controller import Controller

from bot.settings import Settings
from bot.storage.db import sqlite_file
from bot.web.app import create_app

SENDER = "iop-bot@clinic.example"
ADMISSIONS = "admissions@clinic.example"
PUBLIC_URL = "https://intake.clinic.example"

# What a visitor tells the bot; none of it may reach a notification.
NAME = "Quentin"
PHONE = "207-555-0199"
EMAIL = "quentin.zephyr@example.org"
INSURANCE = "Zephyr Mutual Health"
CONFIDENCE = "my sister Ophelia found the pills again"
PERSONAL = (NAME, "555-0199", "5550199", EMAIL, "zephyr", INSURANCE, "Ophelia", "pills")

FORM: list[dict[str, str]] = [
    {"text": CONFIDENCE},
    {"payload": "/request_assessment"},
    {"payload": "/for_self"},
    {"text": NAME},
    {"text": f"{PHONE} or {EMAIL}"},
    {"payload": "/contact_call"},
    {"payload": "/time_morning"},
    {"payload": "/affirm"},
    {"text": INSURANCE},
    {"payload": "/affirm"},
    {"payload": "/affirm"},
]


class Recorder:
    """aiosmtpd handler that keeps every accepted message; can refuse or stall on demand."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse_rcpt: set[str] = set()
        self.data_reply: str | None = None  # e.g. "451 try later": a temporary failure
        self.delay = 0.0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse_rcpt:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.data_reply:
            return self.data_reply
        self.raw.append(bytes(envelope.original_content or envelope.content))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"

    @property
    def messages(self) -> list[Message]:
        return [message_from_bytes(raw) for raw in self.raw]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    """A real SMTP server on a fixed localhost port that can go down and come back."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = Recorder()
        self._controller: Controller | None = None

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A running SMTP server (call ``smtp.stop()`` to simulate an outage)."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_settings(settings: Callable[..., Settings], smtp: SmtpServer) -> Callable[..., Settings]:
    """Settings that send new-request emails to ``smtp``, with a fast poll and short backoff."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "public_url": PUBLIC_URL,
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_tls": "none",
            "notify_email_from": SENDER,
            "notify_email_to": (ADMISSIONS,),
            "outbox_poll_seconds": 0.02,
            **overrides,
        }
        return settings(**values)

    return make


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[TestClient[Any, Any]]:
    """The whole app (its notification worker included) on a real local server, for the block."""
    client: TestClient[Any, Any] = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def submit_request(client: TestClient[Any, Any]) -> None:
    """A visitor completes an assessment request through the real chat API."""
    resp = await client.post("/api/v1/conversations")
    assert resp.status == 201, await resp.text()
    conversation_id = (await resp.json())["conversation_id"]
    for body in FORM:
        resp = await client.post(f"/api/v1/conversations/{conversation_id}/messages", json=body)
        assert resp.status == 200, await resp.text()


def query(settings: Settings, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read the SQLite file directly, as an outsider would."""
    path = sqlite_file(settings.database_url)
    assert isinstance(path, Path)
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


async def eventually(check: Callable[[], bool], within: float = 5.0) -> None:
    """Wait until ``check()`` holds; fail the test after ``within`` seconds."""
    try:
        async with asyncio.timeout(within):
            while not check():  # noqa: ASYNC110 - the condition is in the database, not an event
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"condition not met within {within}s") from None
