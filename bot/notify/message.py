"""What a new-request notification says, for every channel.

Minimum necessary: a notification travels through systems the clinic does not
control (mail relays, inboxes on phones, chat tools behind a webhook), so it
carries only the request number, when it arrived and a link to it. Names,
contact details, insurance and the conversation stay in the dashboard, behind
staff login. Nothing here reads the request's personal fields, so they cannot
leak into a notification by accident.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

EVENT_CREATED = "assessment_request.created"


@dataclass(frozen=True)
class Notification:
    """The only facts a notification may carry."""

    request_id: int
    created_at: datetime
    url: str

    @classmethod
    def for_request(cls, request_id: int, created_at: datetime, base_url: str) -> Notification:
        """The notification for request ``request_id``, linking into the dashboard at ``base_url``."""
        return cls(
            request_id=request_id,
            created_at=created_at.astimezone(UTC),
            url=f"{base_url.rstrip('/')}/staff/requests/{request_id}",
        )

    @property
    def created_iso(self) -> str:
        """Arrival time as ISO 8601 UTC with a Z suffix (what most parsers accept)."""
        return self.created_at.isoformat(timespec="seconds").replace("+00:00", "Z")


def email_subject(note: Notification) -> str:
    return f"New assessment request #{note.request_id}"


def email_body(note: Notification) -> str:
    """Plain text: the number, the time, the link and why nothing else is in it."""
    received = note.created_at.strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"A new assessment request (#{note.request_id}) arrived at {received}.\n"
        "\n"
        "Open it in the staff dashboard:\n"
        f"{note.url}\n"
        "\n"
        "For the person's privacy this message contains no details about them. Their\n"
        "contact details and the conversation are in the dashboard, behind staff login.\n"
        "\n"
        "-- \n"
        "Sent automatically by iop-bot. Please do not reply to this message.\n"
    )


def webhook_payload(note: Notification) -> bytes:
    """The webhook's JSON body, as the exact bytes that are signed and sent."""
    document = {
        "event": EVENT_CREATED,
        "request_id": note.request_id,
        "url": note.url,
        "created_at": note.created_iso,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode("utf-8")
