"""Nothing a visitor types, and no conversation id, ever reaches the server's logs."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.runtime import Runtime
from bot.web.accesslog import AccessLogger
from bot.web.app import create_app

from .support import CONFIRM, EMAIL, FORM_UNTIL_CONFIRM, NAME, PHONE, PHONE_E164, say, start


async def logged_client(app: web.Application) -> TestClient[Any, Any]:
    """A client of a server that logs access the way `iop-bot serve` does."""
    server = TestServer(app)
    await server.start_server(
        access_log_class=AccessLogger, access_log=logging.getLogger("bot.web.access")
    )
    client: TestClient[Any, Any] = TestClient(server)
    await client.start_server()
    return client


async def test_no_personal_data_or_ids_in_logs(
    settings: Any, demo_runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = await logged_client(create_app(settings(), runtime=demo_runtime))
    try:
        cid = await start(client)
        secret_question = "my brother Xavier drinks every night, can you help?"
        await say(client, cid, {"text": secret_question})
        for body in [*FORM_UNTIL_CONFIRM, CONFIRM]:
            await say(client, cid, body)
        await client.get(f"/api/v1/conversations/{cid}?email={EMAIL}")
        await client.post(f"/api/v1/conversations/{cid}/messages", json={"text": ["bad"]})
        await client.post("/webhooks/rest/webhook", json={"sender": "Xavier", "message": "hi"})
    finally:
        await client.close()

    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "/api/v1/conversations/{conversation_id}/messages" in logged  # access log works
    for secret in (NAME, PHONE, PHONE_E164, EMAIL, "Zephyr", "Xavier", "drinks", cid):
        assert secret not in logged, secret


async def test_access_log_line_format(
    settings: Any, demo_runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.web.access")
    client = await logged_client(create_app(settings(), runtime=demo_runtime))
    async with client:
        resp = await client.get("/healthz?token=abc", headers={"X-Request-ID": "req-12345678"})
        assert resp.status == 200
        await client.get("/no/such/page")
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.web.access"]
    assert any(
        line.startswith("127.0.0.1 GET /healthz 200 ") and line.endswith("rid=req-12345678")
        for line in lines
    ), lines
    assert any(" GET (unmatched) 404 " in line for line in lines), lines
    assert not any("token" in line for line in lines)
