"""The Rasa-compatible REST channel."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient
from pydantic import TypeAdapter

from bot.web.schemas import RasaReply

from .support import db_path, query

Client = TestClient[Any, Any]
Replies = TypeAdapter(list[RasaReply])
URL = "/webhooks/rest/webhook"


async def send(client: Client, sender: str, message: str) -> list[RasaReply]:
    resp = await client.post(URL, json={"sender": sender, "message": message})
    assert resp.status == 200, await resp.text()
    return Replies.validate_python(await resp.json())


async def test_first_message_gets_greeting_then_answer(client: Client) -> None:
    replies = await send(client, "user-1", "how many hours a week?")
    assert len(replies) >= 2
    assert all(r.recipient_id == "user-1" for r in replies)
    assert "welcome" in replies[0].text.lower()
    assert replies[0].buttons and replies[0].buttons[0].payload.startswith("/")
    assert "hour" in replies[-1].text.lower()


async def test_sender_keeps_one_conversation_stored_under_a_hash(
    client: Client, settings: Any
) -> None:
    await send(client, "+1 207 555 0100", "hello")
    again = await send(client, "+1 207 555 0100", "what is IOP?")
    assert "welcome" not in again[0].text.lower()
    rows = query(settings(), "SELECT channel, sender_hash FROM conversations")
    assert len(rows) == 1
    channel, sender_hash = rows[0]
    assert channel == "rasa" and len(sender_hash) == 64
    path = db_path(settings())
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert b"+1 207 555 0100" not in raw


async def test_payload_messages_start_with_a_slash(client: Client) -> None:
    await send(client, "user-2", "hi")
    replies = await send(client, "user-2", "/request_assessment")
    assert "someone you care about" in " ".join(r.text for r in replies)


async def test_first_messages_from_one_sender_at_once_share_a_conversation(
    client: Client, settings: Any
) -> None:
    await asyncio.gather(*(send(client, "burst", f"question {i}") for i in range(5)))
    assert query(settings(), "SELECT count(*) FROM conversations") == [(1,)]


async def test_bad_rasa_input_is_400(client: Client) -> None:
    for body in (
        {"sender": "x"},
        {"sender": "", "message": "hi"},
        {"sender": 5, "message": "hi"},
        {"sender": "x", "message": " "},
    ):
        resp = await client.post(URL, json=body)
        assert resp.status == 400, body
        assert (await resp.json())["error"]["code"] == "invalid_request"


async def test_rasa_channel_probe(client: Client) -> None:
    resp = await client.get("/webhooks/rest/")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok"}
