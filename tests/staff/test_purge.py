"""Retention purge on a real database: exactly what is past retention goes, and it is audited."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Table, update

from bot.cli import main
from bot.crypto import MISSING_KEY_MESSAGE
from bot.staff import accounts
from bot.staff.purge import PurgeError, purge, run_purge
from bot.staff.request_store import add_note, change_status
from bot.storage.tables import assessment_requests, conversations
from bot.web.keys import CIPHER_KEY, DB_KEY, SETTINGS_KEY

from .conftest import (
    ADMIN_EMAIL,
    Client,
    MakeClient,
    add_account,
    chat_request,
    db_file,
    sql,
    stored_request,
)

# Outbox rows exist only for enabled channels: email to a port where nobody listens.
NOTIFYING = {
    "smtp_host": "127.0.0.1",
    "smtp_port": 9,
    "smtp_tls": "none",
    "notify_email_from": "bot@clinic.example",
    "notify_email_to": "admissions@clinic.example",
}


async def backdate(
    client: Client, table: Table, row_id: Any, *, created: float, updated: float
) -> None:
    """Move a row into the past through the app's engine: a synchronous write from the test
    would block the event loop while the notification worker holds a transaction."""
    now = datetime.now(UTC)
    async with client.server.app[DB_KEY].begin() as conn:
        await conn.execute(
            update(table)
            .where(table.c.id == row_id)
            .values(
                created_at=now - timedelta(days=created), updated_at=now - timedelta(days=updated)
            )
        )


async def start_chat(client: Client, text: str = "what insurance do you take") -> str:
    resp = await client.post("/api/v1/conversations")
    cid: str = (await resp.json())["conversation_id"]
    r = await client.post(f"/api/v1/conversations/{cid}/messages", json={"text": text})
    assert r.status == 200
    return cid


def request_of(client: Client, cid: str) -> int:
    [(request_id,)] = sql(
        client, "SELECT id FROM assessment_requests WHERE conversation_id = ?", cid
    )
    return int(request_id)


async def close(client: Client, request_id: int, status: str, note: str | None = None) -> None:
    app = client.server.app
    async with app[DB_KEY].begin() as conn:
        staff = await accounts.require_account(conn, ADMIN_EMAIL)
        now = datetime.now(UTC)
        await change_status(conn, request_id, staff, status, now=now)
        if note:
            await add_note(conn, app[CIPHER_KEY], request_id, staff, note, now=now)


@pytest.fixture
async def world(make_client: MakeClient) -> dict[str, Any]:
    """Conversations and requests of every kind, some past retention (30 and 365 days)."""
    client = await make_client(**NOTIFYING)
    await add_account(client, ADMIN_EMAIL, "admin")
    ids: dict[str, Any] = {"client": client}

    ids["idle_chat"] = await start_chat(client)
    await backdate(client, conversations, ids["idle_chat"], created=40, updated=31)
    ids["fresh_chat"] = await start_chat(client)
    ids["long_chat"] = await start_chat(client)  # started long ago, still going
    await backdate(client, conversations, ids["long_chat"], created=40, updated=1)

    ids["old_closed_chat"] = await chat_request(client)
    ids["old_closed"] = request_of(client, ids["old_closed_chat"])
    await close(client, ids["old_closed"], "closed", note="called back, enrolled elsewhere")
    await backdate(client, assessment_requests, ids["old_closed"], created=500, updated=366)
    await backdate(client, conversations, ids["old_closed_chat"], created=500, updated=500)

    ids["old_unfit_chat"] = await chat_request(client)
    ids["old_unfit"] = request_of(client, ids["old_unfit_chat"])
    await close(client, ids["old_unfit"], "not_a_fit")
    await backdate(client, assessment_requests, ids["old_unfit"], created=400, updated=400)

    ids["recent_closed_chat"] = await chat_request(client)
    ids["recent_closed"] = request_of(client, ids["recent_closed_chat"])
    await close(client, ids["recent_closed"], "closed")
    await backdate(client, assessment_requests, ids["recent_closed"], created=400, updated=364)

    ids["old_open_chat"] = await chat_request(client)  # never followed up: kept until it is
    ids["old_open"] = request_of(client, ids["old_open_chat"])
    await backdate(client, assessment_requests, ids["old_open"], created=800, updated=800)
    await backdate(client, conversations, ids["old_open_chat"], created=800, updated=800)

    # One conversation, two requests: the old closed one goes, the conversation stays.
    ids["shared_chat"] = await chat_request(client)
    ids["shared_kept"] = request_of(client, ids["shared_chat"])
    ids["shared_old"] = await stored_request(
        client, {"first_name": "Quentin"}, conversation_id=ids["shared_chat"]
    )
    await close(client, ids["shared_old"], "closed")
    await backdate(client, assessment_requests, ids["shared_old"], created=400, updated=400)
    await backdate(client, conversations, ids["shared_chat"], created=400, updated=400)
    return ids


def conversation_ids(client: Client) -> set[str]:
    return {row[0] for row in sql(client, "SELECT id FROM conversations")}


def request_ids(client: Client) -> set[int]:
    return {row[0] for row in sql(client, "SELECT id FROM assessment_requests")}


async def test_purge_deletes_exactly_what_is_past_retention(world: dict[str, Any]) -> None:
    client: Client = world["client"]
    messages_before = sql(client, "SELECT conversation_id, COUNT(*) FROM messages GROUP BY 1")
    doomed_chats = {world["idle_chat"], world["old_closed_chat"], world["old_unfit_chat"]}
    doomed_messages = sum(n for cid, n in messages_before if cid in doomed_chats)
    app = client.server.app

    report = await run_purge(app[DB_KEY], app[SETTINGS_KEY], actor="cli:tester")

    assert report.counts() == {
        "conversations": 3,
        "messages": doomed_messages,
        "requests": 3,
        "request_events": 4,  # three status changes and one note
        "outbox": 2,  # the stored_request one was made without channels
    }
    assert conversation_ids(client) == {
        world["fresh_chat"],
        world["long_chat"],
        world["recent_closed_chat"],
        world["old_open_chat"],
        world["shared_chat"],
    }
    assert request_ids(client) == {world["recent_closed"], world["old_open"], world["shared_kept"]}
    assert sql(
        client,
        "SELECT COUNT(*) FROM messages WHERE conversation_id NOT IN (SELECT id FROM conversations)",
    ) == [(0,)]
    assert {r[0] for r in sql(client, "SELECT request_id FROM outbox")} == {
        world["recent_closed"],
        world["old_open"],
        world["shared_kept"],
    }
    assert {r[0] for r in sql(client, "SELECT request_id FROM request_events")} == {
        world["recent_closed"]
    }
    [(actor, target, ip, details)] = sql(
        client, "SELECT actor, target, ip, details FROM audit_log WHERE action = 'purge'"
    )
    assert (actor, target, ip) == ("cli:tester", "data past retention", "local")
    assert json.loads(details) == {
        **report.counts(),
        "retention_conversation_days": 30,
        "retention_closed_request_days": 365,
    }

    again = await run_purge(app[DB_KEY], app[SETTINGS_KEY], actor="cli:tester")
    assert set(again.counts().values()) == {0}


async def test_a_dry_run_counts_the_same_and_deletes_nothing(world: dict[str, Any]) -> None:
    client: Client = world["client"]
    app = client.server.app
    tables = ("conversations", "messages", "assessment_requests", "request_events", "outbox")
    before = {t: sql(client, f"SELECT COUNT(*) FROM {t}") for t in tables}

    dry = await run_purge(app[DB_KEY], app[SETTINGS_KEY], actor="cli:tester", dry_run=True)

    assert {t: sql(client, f"SELECT COUNT(*) FROM {t}") for t in tables} == before
    assert sql(client, "SELECT COUNT(*) FROM audit_log WHERE action = 'purge'") == [(0,)]
    real = await run_purge(app[DB_KEY], app[SETTINGS_KEY], actor="cli:tester")
    assert dry.counts() == real.counts()
    assert real.requests == 3


async def test_retention_shorter_than_a_day_is_refused(world: dict[str, Any]) -> None:
    client: Client = world["client"]
    async with client.server.app[DB_KEY].begin() as conn:
        with pytest.raises(PurgeError, match="retention_conversation_days"):
            await purge(conn, conversation_days=0, closed_request_days=365)
    assert len(conversation_ids(client)) == 8


def invoke(args: list[str], env: dict[str, str]) -> Any:
    return CliRunner(env=env).invoke(main, args, catch_exceptions=False)


async def test_the_purge_command_prints_counts_and_needs_a_key(
    world: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client: Client = world["client"]
    monkeypatch.chdir(tmp_path)  # no iop-bot.yml from the checkout
    env = {
        "IOP_BOT_DATABASE_URL": f"sqlite+aiosqlite:///{db_file(client.server.app[SETTINGS_KEY])}"
    }

    refused = await asyncio.to_thread(invoke, ["purge"], env)
    assert refused.exit_code == 1
    assert MISSING_KEY_MESSAGE.splitlines()[0] in refused.output

    dry = await asyncio.to_thread(invoke, ["purge", "--dry-run", "--dev"], env)
    assert dry.exit_code == 0, dry.output
    assert "Dry run: nothing was deleted" in dry.output
    assert "  requests: 3\n" in dry.output and "  conversations: 3\n" in dry.output
    assert len(request_ids(client)) == 6

    done = await asyncio.to_thread(invoke, ["purge", "--dev"], env)
    assert done.exit_code == 0, done.output
    assert done.output.startswith("Deleted:\n")
    assert "  requests: 3\n" in done.output
    assert len(request_ids(client)) == 3
    [(actor,)] = sql(client, "SELECT actor FROM audit_log WHERE action = 'purge'")
    assert actor.startswith("cli")

    short = {**env, "IOP_BOT_RETENTION_CLOSED_REQUEST_DAYS": "0"}
    bad = await asyncio.to_thread(invoke, ["purge", "--dev"], short)
    assert bad.exit_code == 1 and "retention_closed_request_days" in bad.output
