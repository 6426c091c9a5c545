"""The signed webhook against a real aiohttp receiver: signature, retries, content."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot import notify
from bot.settings import Settings, SettingsError
from bot.web.app import create_app

from .conftest import PERSONAL, PUBLIC_URL, eventually, query, running, submit_request

SettingsMaker = Callable[..., Settings]
SECRET = "whsec-3f9a0c1d2e"
TOLERANCE_SECONDS = 300


def verify(secret: str, headers: Any, body: bytes) -> bool:
    """A receiver's check, written as docs/notifications.md tells them to."""
    timestamp = headers["X-IOP-Bot-Timestamp"]
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(f"sha256={expected}", headers["X-IOP-Bot-Signature"])


class Receiver:
    """A webhook endpoint that answers 500 for the first ``failures`` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls: list[tuple[dict[str, str], bytes]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.calls.append((dict(request.headers), await request.read()))
        if len(self.calls) <= self.failures:
            return web.Response(status=500, text="database is down")
        return web.Response(status=204)


async def serve(receiver: Receiver, path: str = "/hooks/T0K3N-in-path") -> tuple[TestServer, str]:
    app = web.Application()
    app.router.add_post(path, receiver.handle)
    server = TestServer(app)
    await server.start_server()
    return server, str(server.make_url(path))


def hook_settings(settings: SettingsMaker, url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "public_url": PUBLIC_URL,
        "webhook_url": url,
        "webhook_secret": SECRET,
        "outbox_poll_seconds": 0.02,
        **overrides,
    }
    return settings(**values)


def outbox_row(settings: Settings) -> tuple[Any, ...]:
    [row] = query(settings, "SELECT channel, status, attempts, last_error FROM outbox")
    return row


async def test_the_webhook_is_signed_and_says_only_which_request_arrived(
    settings: SettingsMaker,
) -> None:
    receiver = Receiver()
    server, url = await serve(receiver)
    config = hook_settings(settings, url)
    try:
        async with running(config) as client:
            await submit_request(client)
            await eventually(lambda: outbox_row(config)[1] == "sent")
    finally:
        await server.close()
    [(headers, body)] = receiver.calls
    assert verify(SECRET, headers, body)
    assert not verify("another-secret", headers, body)
    tampered = body.replace(b'"request_id":1', b'"request_id":2')
    assert tampered != body and not verify(SECRET, headers, tampered)
    [(request_id, created_at)] = query(config, "SELECT id, created_at FROM assessment_requests")
    document = json.loads(body)
    assert document == {
        "event": "assessment_request.created",
        "request_id": request_id,
        "url": f"{PUBLIC_URL}/staff/requests/{request_id}",
        "created_at": document["created_at"],
    }
    assert document["created_at"].endswith("Z")
    assert document["created_at"][:19] == created_at.replace(" ", "T")[:19]
    assert headers["Content-Type"] == "application/json"
    assert headers["X-IOP-Bot-Event"] == "assessment_request.created"
    everything = (json.dumps(headers) + body.decode()).casefold()
    for secret in PERSONAL:
        assert secret.casefold() not in everything, secret
    assert outbox_row(config) == ("webhook", "sent", 1, None)


async def test_a_failing_receiver_is_retried_until_it_accepts(settings: SettingsMaker) -> None:
    receiver = Receiver(failures=2)
    server, url = await serve(receiver)
    config = hook_settings(settings, url)
    try:
        async with running(config) as client:
            await submit_request(client)
            await eventually(lambda: outbox_row(config)[2] >= 1 and bool(outbox_row(config)[3]))
            assert outbox_row(config)[3] == "HTTP 500 Internal Server Error"
            await eventually(lambda: outbox_row(config)[1] == "sent")
            await client.server.app[notify.NOTIFY_WORKER_KEY].run_once()
    finally:
        await server.close()
    assert len(receiver.calls) == 3
    assert outbox_row(config) == ("webhook", "sent", 3, None)
    # Every retry carries the same delivery id and body, each freshly signed.
    assert len({h["X-IOP-Bot-Delivery"] for h, _ in receiver.calls}) == 1
    assert len({b for _, b in receiver.calls}) == 1
    assert all(verify(SECRET, h, b) for h, b in receiver.calls)


async def test_connection_errors_never_reveal_the_webhook_url(settings: SettingsMaker) -> None:
    receiver = Receiver()
    server, url = await serve(receiver)
    await server.close()  # nobody listens on that port any more
    config = hook_settings(settings, url, outbox_max_attempts=1)
    async with running(config) as client:
        await submit_request(client)
        await eventually(lambda: outbox_row(config)[1] == "failed")
    error = outbox_row(config)[3]
    assert error.startswith("ClientConnectorError")
    assert "T0K3N" not in error


async def test_email_and_webhook_are_independent(mail_settings: SettingsMaker) -> None:
    receiver = Receiver(failures=1_000)
    server, url = await serve(receiver)
    config = mail_settings(webhook_url=url, webhook_secret=SECRET)
    try:
        async with running(config) as client:
            await submit_request(client)
            await eventually(
                lambda: (
                    query(config, "SELECT channel, status FROM outbox ORDER BY channel")[0]
                    == ("email", "sent")
                )
            )
    finally:
        await server.close()
    assert query(config, "SELECT status FROM outbox WHERE channel = 'webhook'") == [("pending",)]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"webhook_secret": ""}, "webhook_secret"),
        ({"webhook_url": "ftp://hooks.example/x"}, "webhook_url"),
        ({"webhook_url": "hooks.example/x"}, "webhook_url"),
    ],
)
def test_webhook_settings_that_must_not_be_used_fail_at_startup(
    settings: SettingsMaker, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        create_app(hook_settings(settings, "https://hooks.example/in", **overrides))
