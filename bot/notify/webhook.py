"""New-request webhook: a JSON POST signed with HMAC-SHA256.

The signature covers ``"<timestamp>." + raw body`` and the timestamp travels in
its own header, so a receiver that checks both can reject forged calls and
replays of old ones (docs/notifications.md shows how). The URL itself may hold
a secret (chat tools put tokens in the path), so it never appears in errors.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlsplit

import aiohttp

from bot import __version__
from bot.notify.channel import DeliveryError
from bot.notify.message import EVENT_CREATED, Notification, webhook_payload
from bot.settings import Settings, SettingsError

SIGNATURE_HEADER = "X-IOP-Bot-Signature"
TIMESTAMP_HEADER = "X-IOP-Bot-Timestamp"
EVENT_HEADER = "X-IOP-Bot-Event"
DELIVERY_HEADER = "X-IOP-Bot-Delivery"
WEBHOOK_TIMEOUT_SECONDS = 10.0


def enabled(settings: Settings) -> bool:
    return bool(settings.webhook_url)


def check(settings: Settings) -> None:
    """Raise ``SettingsError`` for a webhook configuration that must not be used."""
    if not enabled(settings):
        return
    parts = urlsplit(settings.webhook_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError("setting 'webhook_url' must be an http:// or https:// URL")
    if not settings.webhook_secret:
        raise SettingsError(
            "setting 'webhook_secret' is required when 'webhook_url' is set: receivers verify "
            "each call with it (generate one with: python -c 'import secrets; "
            "print(secrets.token_hex(32))')"
        )


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value: ``sha256=`` and the hex HMAC of ``timestamp.body``."""
    material = timestamp.encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), material, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookChannel:
    """POSTs the signed notification; any 2xx answer counts as delivered."""

    name = "webhook"

    def __init__(
        self,
        settings: Settings,
        session: aiohttp.ClientSession,
        *,
        timeout: float = WEBHOOK_TIMEOUT_SECONDS,
    ) -> None:
        check(settings)
        self._url = settings.webhook_url
        self._secret = settings.webhook_secret
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    def headers(
        self, note: Notification, body: bytes, *, now: float | None = None
    ) -> dict[str, str]:
        timestamp = str(int(time.time() if now is None else now))
        return {
            "Content-Type": "application/json",
            "User-Agent": f"iop-bot/{__version__}",
            EVENT_HEADER: EVENT_CREATED,
            # The same on every retry, so a receiver can ignore a second copy.
            DELIVERY_HEADER: f"assessment_request-{note.request_id}-created",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
        }

    async def deliver(self, note: Notification) -> str | None:
        body = webhook_payload(note)
        try:
            async with self._session.post(
                self._url,
                data=body,
                headers=self.headers(note, body),
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                if not 200 <= response.status < 300:
                    raise DeliveryError(f"HTTP {response.status} {response.reason or ''}".strip())
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            reason = f"{type(exc).__name__}: {exc}".replace(self._url, "<webhook_url>")
            raise DeliveryError(reason) from exc
        return None
