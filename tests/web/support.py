"""Helpers for the web tests: talking to the chat API and looking inside the SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from bot.settings import Settings
from bot.storage.db import sqlite_file

NAME = "Quentin"
PHONE = "207-555-0199"
PHONE_E164 = "+12075550199"
EMAIL = "quentin.zephyr@example.org"

# A complete assessment request, up to (not including) the final "yes, send it".
FORM_UNTIL_CONFIRM: list[dict[str, str]] = [
    {"payload": "/request_assessment"},
    {"payload": "/for_self"},
    {"text": NAME},
    {"text": f"{PHONE} or {EMAIL}"},
    {"payload": "/contact_call"},
    {"payload": "/time_morning"},
    {"payload": "/affirm"},
    {"text": "Zephyr Mutual Health"},
    {"payload": "/affirm"},
]
CONFIRM: dict[str, str] = {"payload": "/affirm"}


async def start(client: TestClient[Any, Any], **headers: str) -> str:
    resp = await client.post("/api/v1/conversations", headers=headers)
    assert resp.status == 201, await resp.text()
    conversation_id = (await resp.json())["conversation_id"]
    assert isinstance(conversation_id, str)
    return conversation_id


async def say(
    client: TestClient[Any, Any], conversation_id: str, body: dict[str, str]
) -> list[dict[str, Any]]:
    resp = await client.post(f"/api/v1/conversations/{conversation_id}/messages", json=body)
    assert resp.status == 200, await resp.text()
    messages = (await resp.json())["messages"]
    assert isinstance(messages, list)
    return messages


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m["text"] for m in messages)


def db_path(settings: Settings) -> Path:
    path = sqlite_file(settings.database_url)
    assert path is not None
    return path


def query(settings: Settings, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read the database file directly, as an outsider would."""
    with sqlite3.connect(db_path(settings)) as conn:
        return conn.execute(sql, params).fetchall()
