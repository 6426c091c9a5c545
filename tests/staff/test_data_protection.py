"""Personal data at rest and in logs: the database file holds no plaintext, the server refuses
to start without a key outside development mode, and the audit trail cannot be rewritten."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.crypto import MISSING_KEY_MESSAGE, EncryptionKeyError, generate_key
from bot.web.app import create_app
from bot.web.keys import SETTINGS_KEY

from .conftest import (
    VISITOR_EMAIL,
    VISITOR_NAME,
    VISITOR_PHONE,
    Client,
    MakeClient,
    chat_request,
    db_file,
    page_csrf,
    sql,
)

NOTE = "Spoke with Quentin, prefers Tuesday mornings"
SECRET_WORDS = (
    VISITOR_NAME,
    VISITOR_EMAIL,
    "2075550199",
    VISITOR_PHONE,
    "Zephyr Mutual",
    "Tuesday mornings",
)


def raw_bytes(client: Client) -> bytes:
    """The database file and its write-ahead log, byte for byte, as a thief would copy them."""
    path = db_file(client.server.app[SETTINGS_KEY])
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


async def test_database_file_holds_no_plaintext_personal_data(staff: Client) -> None:
    await chat_request(staff)
    csrf = await page_csrf(staff, "/staff/requests/1")
    await staff.post("/staff/requests/1/notes", data={"note": NOTE, "csrf_token": csrf})
    page = await (await staff.get("/staff/requests/1")).text()
    assert VISITOR_NAME in page and NOTE in page  # the staff view does decrypt
    data = raw_bytes(staff)
    assert len(data) > 10_000
    for word in SECRET_WORDS:
        assert word.encode() not in data, word
        assert word.encode("utf-16-le") not in data, word


async def test_personal_data_stays_out_of_the_logs(
    staff: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await chat_request(staff)
    await staff.get("/staff/requests/1")
    await staff.get(f"/staff/requests?q={VISITOR_NAME}")
    await staff.get("/staff/requests/export.csv")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for word in SECRET_WORDS:
        assert word not in logged, word


def test_app_refuses_to_start_without_a_key_outside_dev_mode(settings: Any) -> None:
    with pytest.raises(EncryptionKeyError) as err:
        create_app(settings(dev_mode=False))
    assert str(err.value) == MISSING_KEY_MESSAGE
    create_app(settings(dev_mode=False, encryption_keys=generate_key()))  # with a key it does


def test_serve_prints_the_clear_message_without_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {
        "IOP_BOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        "IOP_BOT_SETTINGS_FILE": str(tmp_path / "none.yml"),
        "IOP_BOT_ENCRYPTION_KEYS": "",
        "IOP_BOT_DEV_MODE": "false",
    }
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 1
    assert "No encryption key is set" in result.output
    assert "iop-bot keys generate" in result.output
    assert not (tmp_path / "db.sqlite").exists()  # it stopped before touching anything


async def test_audit_trail_is_append_only(staff: Client) -> None:
    path = db_file(staff.server.app[SETTINGS_KEY])
    with sqlite3.connect(path) as conn:
        (count,) = conn.execute("SELECT count(*) FROM audit_log").fetchone()
        assert count >= 1
        for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone() == (count,)


async def test_production_mode_works_end_to_end_with_a_key(make_client: MakeClient) -> None:
    client = await make_client(dev_mode=False, encryption_keys=generate_key())
    await chat_request(client)
    (name_enc,) = sql(client, "SELECT first_name_enc FROM assessment_requests")[0]
    assert name_enc.startswith("v2:")  # an AES-GCM-SIV field token (bot/crypto.py)
