"""The contract between the outbox worker and a delivery channel (email, webhook)."""

from __future__ import annotations

from typing import Protocol

from bot.notify.message import Notification

MAX_ERROR_CHARS = 300


class DeliveryError(Exception):
    """One delivery attempt failed; the message is safe to store and show (no personal data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason[:MAX_ERROR_CHARS])

    @property
    def reason(self) -> str:
        return str(self.args[0])


class Channel(Protocol):
    """Sends one notification. Returning means the receiver accepted it.

    The return value is an optional remark kept with the sent row (for example
    that one of several recipients was refused); raising ``DeliveryError`` means
    the attempt failed and will be retried.
    """

    name: str

    async def deliver(self, note: Notification) -> str | None: ...
