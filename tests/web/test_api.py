"""The chat API end to end: real app, real SQLite file, every endpoint and every error."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pydantic import TypeAdapter

from bot.runtime import Runtime
from bot.web.app import create_app
from bot.web.schemas import ConversationCreated, ErrorOut, MessagesOut, Transcript

from .support import db_path, start

Client = TestClient[Any, Any]


def error_code(body: dict[str, Any]) -> str:
    ErrorOut.model_validate(body)
    code = body["error"]["code"]
    assert isinstance(code, str)
    return code


async def test_create_conversation_returns_id_and_greeting(client: Client) -> None:
    resp = await client.post("/api/v1/conversations")
    assert resp.status == 201
    body = ConversationCreated.model_validate(await resp.json())
    assert len(body.conversation_id) >= 32  # token_urlsafe(24): 192 random bits
    assert body.messages[0].kind == "greeting"
    assert any(b.payload.startswith("/") for b in body.messages[0].buttons)


async def test_conversation_ids_are_unique(client: Client) -> None:
    ids = {await start(client) for _ in range(20)}
    assert len(ids) == 20


async def test_empty_json_object_body_is_accepted_when_starting(client: Client) -> None:
    resp = await client.post("/api/v1/conversations", json={})
    assert resp.status == 201


async def test_message_text_gets_an_answer(client: Client) -> None:
    cid = await start(client)
    resp = await client.post(
        f"/api/v1/conversations/{cid}/messages", json={"text": "how many hours a week is it?"}
    )
    assert resp.status == 200
    body = MessagesOut.model_validate(await resp.json())
    assert body.messages and body.messages[0].kind == "answer"
    assert "hour" in body.messages[0].text.lower()


async def test_payload_message_and_transcript_restore(client: Client) -> None:
    cid = await start(client)
    greeting = (await client.get(f"/api/v1/conversations/{cid}")).status
    assert greeting == 200
    resp = await client.post(
        f"/api/v1/conversations/{cid}/messages",
        json={"payload": "/weekly_hours", "text": "How many hours a week?"},
    )
    assert resp.status == 200
    await client.post(f"/api/v1/conversations/{cid}/messages", json={"payload": "/what_is_iop"})

    resp = await client.get(f"/api/v1/conversations/{cid}")
    assert resp.status == 200
    transcript = Transcript.model_validate(await resp.json())
    assert transcript.conversation_id == cid
    roles = [m.role for m in transcript.messages]
    assert roles[0] == "bot" and roles.count("visitor") == 2
    visitors = [m for m in transcript.messages if m.role == "visitor"]
    # The button's title as the visitor saw it, else the intent's title.
    assert visitors[0].text == "How many hours a week?"
    assert visitors[1].text and not visitors[1].text.startswith("/")
    assert all(m.kind == "button" for m in visitors)
    assert all(m.created_at.tzinfo is not None for m in transcript.messages)
    assert transcript.messages[-1].role == "bot"


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_unknown_conversation_is_404(client: Client, method: str) -> None:
    path = "/api/v1/conversations/" + "x" * 32
    if method == "POST":
        resp = await client.post(path + "/messages", json={"text": "hello"})
    else:
        resp = await client.get(path)
    assert resp.status == 404
    assert error_code(await resp.json()) == "conversation_not_found"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "invalid_json"),
        (b"[1, 2]", "invalid_request"),
        (b'{"text": 42}', "invalid_request"),
        (b'{"text": ["a"]}', "invalid_request"),
        (b'{"text": "   "}', "invalid_request"),
        (b"{}", "invalid_request"),
        (b'{"payload": "no-slash"}', "invalid_request"),
        (b'{"payload": 7}', "invalid_request"),
    ],
)
async def test_bad_message_bodies_are_400_and_change_nothing(
    client: Client, body: bytes, code: str
) -> None:
    cid = await start(client)
    before = await (await client.get(f"/api/v1/conversations/{cid}")).json()
    resp = await client.post(
        f"/api/v1/conversations/{cid}/messages",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert resp.status == 400
    assert error_code(await resp.json()) == code
    after = await (await client.get(f"/api/v1/conversations/{cid}")).json()
    assert after == before


async def test_error_messages_do_not_echo_the_input(client: Client) -> None:
    cid = await start(client)
    resp = await client.post(
        f"/api/v1/conversations/{cid}/messages", json={"text": ["secret-value-123"]}
    )
    assert resp.status == 400
    assert "secret-value-123" not in await resp.text()


async def test_message_over_max_chars_is_413(
    aiohttp_client: Any, settings: Any, demo_runtime: Runtime
) -> None:
    client = await aiohttp_client(create_app(settings(max_message_chars=20), runtime=demo_runtime))
    cid = await start(client)
    ok = await client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "a" * 20})
    assert ok.status == 200
    resp = await client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "a" * 21})
    assert resp.status == 413
    assert error_code(await resp.json()) == "message_too_long"


async def test_body_over_max_bytes_is_413(client: Client) -> None:
    cid = await start(client)
    big = b'{"text": "' + b"a" * 20_000 + b'"}'
    resp = await client.post(
        f"/api/v1/conversations/{cid}/messages",
        data=big,
        headers={"Content-Type": "application/json"},
    )
    assert resp.status == 413
    assert error_code(await resp.json()) == "body_too_large"


async def test_chunked_body_over_max_bytes_is_413(client: Client) -> None:
    cid = await start(client)

    async def chunks() -> Any:
        for _ in range(40):
            yield b"a" * 1024

    resp = await client.post(
        f"/api/v1/conversations/{cid}/messages",
        data=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert resp.status == 413
    assert error_code(await resp.json()) == "body_too_large"


async def test_non_json_content_type_is_415(client: Client) -> None:
    cid = await start(client)
    resp = await client.post(
        f"/api/v1/conversations/{cid}/messages",
        data="text=hello",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status == 415
    assert error_code(await resp.json()) == "unsupported_media_type"


async def test_unknown_api_route_is_json_404(client: Client) -> None:
    resp = await client.get("/api/v1/nothing-here")
    assert resp.status == 404
    assert resp.content_type == "application/json"
    assert error_code(await resp.json()) == "not_found"


async def test_wrong_method_is_json_405_with_allow(client: Client) -> None:
    resp = await client.delete("/api/v1/conversations")
    assert resp.status == 405
    assert error_code(await resp.json()) == "method_not_allowed"
    assert "POST" in resp.headers["Allow"]


async def test_unexpected_error_is_500_json_without_details(
    client: Client, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.web.keys import RUNTIME_KEY

    cid = await start(client)
    engine = client.app[RUNTIME_KEY].current.engine

    def broken_step(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("internal detail that must not leak")

    monkeypatch.setattr(engine, "step", broken_step)
    resp = await client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "hi"})
    assert resp.status == 500
    body = await resp.json()
    assert error_code(body) == "internal_error"
    text = await resp.text()
    assert "Traceback" not in text and "internal detail" not in text
    assert body["error"]["request_id"] == resp.headers["X-Request-ID"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert body["error"]["request_id"] in logged
    assert "RuntimeError" in logged and "internal detail" not in logged


async def test_health(client: Client) -> None:
    resp = await client.get("/healthz")
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert "0001_initial" in body["schema_revision"] or body["schema_revision"]


async def test_health_reports_a_database_without_schema(client: Client, settings: Any) -> None:
    assert (await client.get("/healthz")).status == 200
    with sqlite3.connect(db_path(settings())) as conn:
        conn.execute("DROP TABLE alembic_version")
    resp = await client.get("/healthz")
    assert resp.status == 503
    body = await resp.json()
    assert body["status"] == "unavailable" and body["database"] == "error"


async def test_openapi_documents_every_public_route(client: Client) -> None:
    resp = await client.get("/api/openapi.json")
    assert resp.status == 200
    doc = await resp.json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    for route in client.app.router.routes():
        if route.method == "HEAD" or route.resource is None:
            continue
        path = route.resource.canonical
        if path.startswith("/staff"):
            continue  # the staff dashboard is not a public API
        if path == "/static":
            path = "/static/{filename}"
        assert (path, route.method.lower()) in documented, (path, route.method)
    # Every $ref resolves.
    schemas = doc["components"]["schemas"]
    refs = _refs(doc)
    assert refs and all(ref.rsplit("/", 1)[1] in schemas for ref in refs)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for item in node for r in _refs(item)]
    return []


async def test_openapi_limits_follow_settings(
    aiohttp_client: Any, settings: Any, demo_runtime: Runtime
) -> None:
    client = await aiohttp_client(create_app(settings(max_message_chars=321), runtime=demo_runtime))
    doc = await (await client.get("/api/openapi.json")).json()
    assert "321 characters" in doc["info"]["description"]
    TypeAdapter(dict[str, Any]).validate_python(doc)
