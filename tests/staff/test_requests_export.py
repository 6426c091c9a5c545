"""`iop-bot requests export`: decrypted CSV and JSON for scripts, formula-safe and audited."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.crypto import MISSING_KEY_MESSAGE
from bot.web.keys import SETTINGS_KEY

from .conftest import (
    VISITOR_EMAIL,
    VISITOR_NAME,
    Client,
    MakeClient,
    chat_request,
    db_file,
    sql,
    stored_request,
)

HOSTILE = {
    "first_name": '=HYPERLINK("https://evil.example","click")',
    "phone": "+1 207 555 0100",
    "email": "@SUM(A1:A9)",
    "insurance": "-2+3",
    "contact_method": "\tcall",
    "consent": True,
}


@pytest.fixture
async def client(
    make_client: MakeClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Client:
    """An app with three requests: one from the chat, a hostile one, and an old closed one."""
    monkeypatch.chdir(tmp_path)  # no iop-bot.yml from the checkout
    c = await make_client(public_url="https://intake.clinic.example")
    await chat_request(c)
    await stored_request(c, HOSTILE)
    old = await stored_request(
        c, {"first_name": "Olga"}, now=datetime(2020, 3, 1, 12, 0, tzinfo=UTC)
    )
    sql(c, "UPDATE assessment_requests SET status = 'closed' WHERE id = ?", old)
    return c


def export(client: Client, *args: str, dev: bool = True) -> Any:
    settings = client.server.app[SETTINGS_KEY]
    env = {
        "IOP_BOT_DATABASE_URL": f"sqlite+aiosqlite:///{db_file(settings)}",
        "IOP_BOT_PUBLIC_URL": settings.public_url,
    }
    argv = ["requests", "export", *args, *(["--dev"] if dev else [])]
    return CliRunner(env=env).invoke(main, argv, catch_exceptions=False)


async def run(client: Client, *args: str, dev: bool = True) -> Any:
    return await asyncio.to_thread(export, client, *args, dev=dev)


async def test_csv_has_decrypted_details_and_neutralized_formulas(client: Client) -> None:
    result = await run(client, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    header, chat, hostile, old = rows
    assert header[:3] == ["Request", "Received (UTC)", "Status"]
    assert "Conversation" not in " ".join(header)
    by_name = dict(zip(header, chat, strict=True))
    assert by_name["Request"] == "1"
    assert by_name["First name"] == VISITOR_NAME
    assert by_name["Email"] == VISITOR_EMAIL
    assert by_name["Insurance"] == "Zephyr Mutual Health"
    cells = dict(zip(header, hostile, strict=True))
    assert cells["First name"] == "'" + HOSTILE["first_name"]
    assert cells["Email"] == "'@SUM(A1:A9)"
    assert cells["Insurance"] == "'-2+3"
    assert cells["Contact method"] == "'\tcall"
    assert cells["Phone"] == "'+1 207 555 0100"
    assert dict(zip(header, old, strict=True))["Status"] == "closed"
    assert not result.stdout.startswith("\ufeff")  # for scripts: no byte-order mark


async def test_json_keeps_values_and_types_and_links_to_the_dashboard(client: Client) -> None:
    result = await run(client, "--format", "json")
    assert result.exit_code == 0, result.output
    chat, hostile, old = json.loads(result.stdout)
    assert chat["id"] == 1 and chat["first_name"] == VISITOR_NAME
    assert chat["url"] == "https://intake.clinic.example/staff/requests/1"
    assert chat["voicemail_ok"] is True or chat["voicemail_ok"] is False
    assert chat["created_at"].endswith("Z")
    assert "conversation_id" not in chat
    assert hostile["first_name"] == HOSTILE["first_name"]  # JSON is data, not a spreadsheet
    assert hostile["consent_at"] is not None
    assert old["created_at"] == "2020-03-01T12:00:00Z"


async def test_filters_by_status_and_day(client: Client) -> None:
    closed = json.loads((await run(client, "--format", "json", "--status", "closed")).stdout)
    assert [r["first_name"] for r in closed] == ["Olga"]
    recent = json.loads((await run(client, "--format", "json", "--since", "2021-01-01")).stdout)
    assert [r["id"] for r in recent] == [1, 2]
    today = datetime.now(UTC).date()
    future = (today + timedelta(days=1)).isoformat()
    assert json.loads((await run(client, "--format", "json", "--since", future)).stdout) == []
    bad = await run(client, "--since", "yesterday")
    assert bad.exit_code == 2 and "--since" in bad.output
    bad = await run(client, "--status", "lost")
    assert bad.exit_code == 2


async def test_every_export_is_audited_without_personal_data(client: Client) -> None:
    await run(client, "--format", "csv", "--status", "new")
    [(actor, action, target, ip, details)] = sql(
        client,
        "SELECT actor, action, target, ip, details FROM audit_log WHERE action = 'request.export'",
    )
    assert actor.startswith("cli")
    assert (action, target, ip) == ("request.export", "2 requests", "local")
    assert json.loads(details) == {
        "format": "csv",
        "status": "new",
        "since": None,
        "rows": 2,
        "to": "stdout",
    }


async def test_output_file_is_private(client: Client, tmp_path: Path) -> None:
    target = tmp_path / "requests.json"
    target.write_text("old contents")
    target.chmod(0o644)
    result = await run(client, "--format", "json", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "Exported 3 request(s)" in result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 3
    [(details,)] = sql(client, "SELECT details FROM audit_log WHERE action = 'request.export'")
    assert json.loads(details)["to"] == "file"


async def test_refuses_without_an_encryption_key(client: Client) -> None:
    result = await run(client, dev=False)
    assert result.exit_code == 1
    assert MISSING_KEY_MESSAGE.splitlines()[0] in result.output
    assert sql(client, "SELECT COUNT(*) FROM audit_log WHERE action = 'request.export'") == [(0,)]
