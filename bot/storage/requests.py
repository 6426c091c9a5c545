"""Assessment requests and their notification outbox, written in one transaction.

The outbox rows are what make notifications durable: a request is never stored
without one pending delivery per enabled channel, and the notification worker
(bot.notify) delivers them and retries until they succeed or give up.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.crypto import FieldCipher
from bot.settings import Settings
from bot.storage.tables import OUTBOX_CHANNELS, assessment_requests, outbox

log = logging.getLogger(__name__)

# Form fields stored as they are (choices and flags, not personal details) ...
PLAIN_FIELDS = ("for_whom", "contact_method", "contact_time")
FLAG_FIELDS = ("voicemail_ok", "text_ok")
# ... and those that identify the visitor, stored only encrypted.
ENCRYPTED_FIELDS = ("first_name", "phone", "email", "insurance")
KNOWN_FIELDS = frozenset((*PLAIN_FIELDS, *FLAG_FIELDS, *ENCRYPTED_FIELDS, "consent"))


def enabled_channels(settings: Settings) -> tuple[str, ...]:
    """The notification channels configured in these settings, in delivery order."""
    channels: list[str] = []
    if settings.smtp_host and settings.notify_email_to:
        channels.append("email")
    if settings.webhook_url:
        channels.append("webhook")
    return tuple(channels)


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


async def create_request(
    conn: AsyncConnection,
    conversation_id: str | None,
    fields: Mapping[str, Any],
    cipher: FieldCipher,
    channels: Iterable[str],
    *,
    now: datetime | None = None,
) -> int:
    """Insert the request and one pending outbox row per channel; returns the request number.

    Run it inside the caller's transaction so the request, its notifications and
    the conversation turn that produced them are committed together or not at all.
    """
    return await conn.run_sync(insert_request, conversation_id, fields, cipher, channels, now=now)


def insert_request(
    conn: Connection,
    conversation_id: str | None,
    fields: Mapping[str, Any],
    cipher: FieldCipher,
    channels: Iterable[str],
    *,
    now: datetime | None = None,
) -> int:
    """``create_request`` on a synchronous connection (the group-commit writer's)."""
    now = now or datetime.now(UTC)
    unknown = sorted(set(fields) - KNOWN_FIELDS)
    if unknown:
        # Names only: the values may be personal data.
        log.warning("assessment request has fields with no column: %s", ", ".join(unknown))
    values: dict[str, Any] = {
        "conversation_id": conversation_id,
        "status": "new",
        "consent_at": now if fields.get("consent") else None,
        "created_at": now,
        "updated_at": now,
    }
    for name in PLAIN_FIELDS:
        values[name] = _text(fields.get(name))
    for name in FLAG_FIELDS:
        values[name] = _flag(fields.get(name))
    for name in ENCRYPTED_FIELDS:
        values[f"{name}_enc"] = cipher.encrypt(_text(fields.get(name)))
    result = conn.execute(
        insert(assessment_requests).values(**values).returning(assessment_requests.c.id)
    )
    request_id = int(result.scalar_one())
    rows = []
    for channel in dict.fromkeys(channels):
        if channel not in OUTBOX_CHANNELS:
            raise ValueError(f"unknown notification channel {channel!r}")
        rows.append(
            {
                "request_id": request_id,
                "channel": channel,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    if rows:
        conn.execute(insert(outbox), rows)
    return request_id
