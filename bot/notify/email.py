"""New-request emails over SMTP (aiosmtplib).

Each email has a Message-ID derived from the request number and its arrival
time, so the rare resend after a crash (see docs/notifications.md) carries the
same Message-ID and mail systems that de-duplicate can drop it; a request
number reused by a fresh database still gets a different one.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import urlsplit

import aiosmtplib

from bot.notify.channel import DeliveryError
from bot.notify.message import Notification, email_body, email_subject
from bot.settings import Settings, SettingsError

SMTP_TLS_MODES = ("starttls", "tls", "none")
SMTP_TIMEOUT_SECONDS = 20.0
QUIT_TIMEOUT_SECONDS = 2.0


def enabled(settings: Settings) -> bool:
    """Email is on when there is a server and someone to tell (as in create_request)."""
    return bool(settings.smtp_host and settings.notify_email_to)


def check(settings: Settings) -> None:
    """Raise ``SettingsError`` for an email configuration that could never deliver."""
    if not enabled(settings):
        return
    if settings.smtp_tls not in SMTP_TLS_MODES:
        raise SettingsError(
            f"setting 'smtp_tls': {settings.smtp_tls!r} is not one of {', '.join(SMTP_TLS_MODES)}"
        )
    if "@" not in parseaddr(settings.notify_email_from)[1]:
        raise SettingsError(
            "setting 'notify_email_from' must be a sender address (e.g. bot@clinic.example) "
            "when new-request emails are enabled (smtp_host and notify_email_to are set)"
        )
    bad = [a for a in settings.notify_email_to if "@" not in parseaddr(a)[1]]
    if bad:
        raise SettingsError(f"setting 'notify_email_to': {', '.join(bad)} is not an address")
    if bool(settings.smtp_username) != bool(settings.smtp_password):
        raise SettingsError("settings 'smtp_username' and 'smtp_password' go together")


def message_id(note: Notification, sender: str) -> str:
    """Stable for one request (same on every retry), different across databases."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or urlsplit(note.url).hostname or "iop-bot"
    stamp = note.created_at.strftime("%Y%m%dT%H%M%S%fZ")
    return f"<iop-bot.request-{note.request_id}.{stamp}@{domain}>"


class EmailChannel:
    """Sends the notification to every admissions address in one SMTP transaction."""

    name = "email"

    def __init__(self, settings: Settings, *, timeout: float = SMTP_TIMEOUT_SECONDS) -> None:
        check(settings)
        self._host = settings.smtp_host
        self._port = settings.smtp_port
        self._tls = settings.smtp_tls
        self._username = settings.smtp_username or None
        self._password = settings.smtp_password or None
        self._sender = settings.notify_email_from
        self._recipients = tuple(settings.notify_email_to)
        self._timeout = timeout

    def build(self, note: Notification) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = email_subject(note)
        message["From"] = self._sender
        message["To"] = ", ".join(self._recipients)
        # Sending time, not arrival time: spam filters distrust dates hours in the past.
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = message_id(note, self._sender)
        # RFC 3834: no out-of-office replies to a robot.
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(email_body(note))
        return message

    def _client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=self._password,
            use_tls=self._tls == "tls",
            start_tls=self._tls == "starttls",
            timeout=self._timeout,
        )

    async def deliver(self, note: Notification) -> str | None:
        client = self._client()
        try:
            refused = await _send(client, self.build(note))
        except BaseException:
            # Nothing was accepted (or shutdown cancelled us): drop the connection now.
            client.close()
            raise
        # Accepted. Until the worker records the row as sent a crash would mean a second
        # copy, so the goodbye is short.
        try:
            async with asyncio.timeout(QUIT_TIMEOUT_SECONDS):
                await client.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            pass
        finally:
            client.close()
        if refused:
            # The others have it: a retry would send them a second copy.
            return f"{len(refused)} of {len(self._recipients)} recipients refused"
        return None


async def _send(client: aiosmtplib.SMTP, message: EmailMessage) -> dict[str, Any]:
    """Connect and hand over the message; returns the refused recipients."""
    try:
        await client.connect()
        refused, _reply = await client.send_message(message)
    except aiosmtplib.SMTPResponseException as exc:
        raise DeliveryError(f"SMTP {exc.code}: {exc.message}") from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
    return dict(refused)
