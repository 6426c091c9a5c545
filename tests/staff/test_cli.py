"""The `staff`, `audit` and `keys` commands, run through click on a real SQLite file."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner, Result
from cryptography.fernet import Fernet

from bot.cli import main
from bot.crypto import FieldCipher, generate_key
from bot.settings import Settings
from bot.staff import accounts
from bot.staff.passwords import make_hasher
from bot.staff.request_store import add_note
from bot.web.app import create_app
from bot.web.keys import CIPHER_KEY, DB_KEY

from .conftest import CHAT_FORM

PASSWORD = "violet-harbor-lantern-42"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Settings through the environment only, on a fresh database file."""
    monkeypatch.chdir(tmp_path)  # no iop-bot.yml from the checkout
    return {
        "IOP_BOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'iop-bot.db'}",
        "IOP_BOT_SETTINGS_FILE": str(tmp_path / "none.yml"),
    }


def run(env: dict[str, str], *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)


def db(env: dict[str, str], statement: str, *params: Any) -> list[tuple[Any, ...]]:
    path = env["IOP_BOT_DATABASE_URL"].removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as conn:
        return conn.execute(statement, params).fetchall()


def test_staff_add_with_a_typed_password(env: dict[str, str]) -> None:
    result = run(
        env, "staff", "add", "Ada@Example.org", "--role", "admin", input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created admin account ada@example.org." in result.output
    assert PASSWORD not in result.output  # hidden input is not echoed
    ((email, role, active, password_hash),) = db(
        env, "SELECT email, role, active, password_hash FROM staff_accounts"
    )
    assert (email, role, active) == ("ada@example.org", "admin", 1)
    assert password_hash.startswith("$argon2id$")
    assert make_hasher().verify(password_hash, PASSWORD)
    assert db(env, "SELECT actor, action FROM audit_log")[-1][1] == "account.create"
    assert db(env, "SELECT actor FROM audit_log")[-1][0].startswith("cli")


def test_staff_add_asks_again_when_the_confirmation_differs(env: dict[str, str]) -> None:
    result = run(
        env,
        "staff",
        "add",
        "sam@example.org",
        input=f"{PASSWORD}\nsomething-else-1\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert db(env, "SELECT role FROM staff_accounts") == [("staff",)]


def test_staff_add_generates_a_password_shown_once(env: dict[str, str]) -> None:
    result = run(env, "staff", "add", "sam@example.org", "--generate")
    assert result.exit_code == 0, result.output
    password = result.output.split("Password (shown only now): ")[1].strip()
    assert len(password) >= 16
    (password_hash,) = db(env, "SELECT password_hash FROM staff_accounts")[0]
    assert make_hasher().verify(password_hash, password)
    everything = json.dumps(db(env, "SELECT * FROM audit_log"))
    assert password not in everything


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pw", "at least 12"),
        ("Password2024!", "common word"),
        ("abcdefghijklmnop", "sequence"),
        ("aaaaaaaaaaaaaaa", "too few different"),
    ],
)
def test_staff_add_refuses_weak_passwords(env: dict[str, str], password: str, message: str) -> None:
    result = run(env, "staff", "add", "sam@example.org", input=f"{password}\n{password}\n")
    assert result.exit_code == 1
    assert message in result.output
    assert db(env, "SELECT count(*) FROM staff_accounts") == [(0,)]


def test_staff_add_refuses_bad_emails_roles_and_duplicates(env: dict[str, str]) -> None:
    assert "not a valid email" in run(env, "staff", "add", "nope", "--generate").output
    assert run(env, "staff", "add", "x@example.org", "--role", "root", "--generate").exit_code == 2
    assert run(env, "staff", "add", "x@example.org", "--generate").exit_code == 0
    dup = run(env, "staff", "add", "X@example.org", "--generate")
    assert dup.exit_code == 1 and "already exists" in dup.output


def test_staff_list(env: dict[str, str]) -> None:
    assert "No staff accounts yet" in run(env, "staff", "list").output
    run(env, "staff", "add", "ada@example.org", "--role", "admin", "--generate")
    run(env, "staff", "add", "sam@example.org", "--generate")
    lines = run(env, "staff", "list").output.splitlines()
    assert lines[0].split()[:3] == ["ada@example.org", "admin", "active"]
    assert lines[1].split()[:3] == ["sam@example.org", "staff", "active"]
    assert "last sign-in: never" in lines[1]


def test_staff_disable_and_enable(env: dict[str, str]) -> None:
    run(env, "staff", "add", "ada@example.org", "--role", "admin", "--generate")
    run(env, "staff", "add", "sam@example.org", "--generate")
    result = run(env, "staff", "disable", "SAM@example.org")
    assert result.exit_code == 0 and "Disabled sam@example.org." in result.output
    assert "disabled" in run(env, "staff", "list").output
    assert run(env, "staff", "enable", "sam@example.org").exit_code == 0
    assert db(env, "SELECT active FROM staff_accounts WHERE email = 'sam@example.org'") == [(1,)]
    actions = [r[0] for r in db(env, "SELECT action FROM audit_log ORDER BY id")]
    assert actions[-2:] == ["account.disable", "account.enable"]


def test_the_last_admin_cannot_be_disabled(env: dict[str, str]) -> None:
    run(env, "staff", "add", "ada@example.org", "--role", "admin", "--generate")
    result = run(env, "staff", "disable", "ada@example.org")
    assert result.exit_code == 1 and "last active admin" in result.output
    assert run(env, "staff", "disable", "ghost@example.org").exit_code == 1


def test_staff_reset_password(env: dict[str, str]) -> None:
    run(env, "staff", "add", "sam@example.org", "--generate")
    db(
        env,
        "INSERT INTO staff_sessions (token_hash, staff_id, csrf_token, created_at, last_seen_at)"
        " VALUES ('h', 1, 'c', '2030-01-01 00:00:00', '2030-01-01 00:00:00')",
    )
    db(
        env,
        "INSERT INTO login_throttle VALUES ('account', ?, 5, '2030-01-01 00:00:00', "
        "'2030-01-01 00:00:00')",
        hashlib.sha256(b"account:sam@example.org").hexdigest(),
    )
    new = "quiet-meadow-compass-77"
    result = run(env, "staff", "reset-password", "sam@example.org", input=f"{new}\n{new}\n")
    assert result.exit_code == 0, result.output
    (password_hash,) = db(env, "SELECT password_hash FROM staff_accounts")[0]
    assert make_hasher().verify(password_hash, new)
    assert db(env, "SELECT count(*) FROM staff_sessions") == [(0,)]
    assert db(env, "SELECT count(*) FROM login_throttle") == [(0,)]  # lockout lifted
    assert db(env, "SELECT action FROM audit_log ORDER BY id")[-1] == ("account.password_reset",)
    missing = run(env, "staff", "reset-password", "ghost@example.org", "--generate")
    assert missing.exit_code == 1 and "no account" in missing.output


def test_audit_export_csv_json_and_since(env: dict[str, str]) -> None:
    run(env, "staff", "add", "sam@example.org", "--generate")
    db(
        env,
        "INSERT INTO audit_log (created_at, actor, action, target, details) VALUES "
        "('2020-01-01 00:00:00', '=cmd@example.org', 'logout', '@SUM(1)', '{}')",
    )
    out = run(env, "audit", "export")
    assert out.exit_code == 0
    rows = list(csv.reader(io.StringIO(out.output)))
    assert rows[0] == ["id", "created_at", "actor_id", "actor", "action", "target", "ip", "details"]
    assert rows[2][3:6] == ["'=cmd@example.org", "logout", "'@SUM(1)"]
    assert not [c for r in rows[1:] for c in r if c.startswith(("=", "+", "-", "@"))]

    data = json.loads(run(env, "audit", "export", "--format", "json").output)
    assert [e["action"] for e in data][:2] == ["account.create", "logout"]
    assert data[0]["created_at"].endswith("+00:00")
    recent = json.loads(
        run(env, "audit", "export", "--format", "json", "--since", "2021-01-01").output
    )
    assert "logout" not in [e["action"] for e in recent]
    # Each export is itself on the record.
    assert db(env, "SELECT count(*) FROM audit_log WHERE action = 'audit.export'") == [(3,)]
    assert run(env, "audit", "export", "--since", "yesterday").exit_code == 2


def test_audit_export_to_a_file(env: dict[str, str], tmp_path: Path) -> None:
    run(env, "staff", "add", "sam@example.org", "--generate")
    target = tmp_path / "audit.json"
    assert run(env, "audit", "export", "--format", "json", "-o", str(target)).exit_code == 0
    assert json.loads(target.read_text())[0]["action"] == "account.create"


def test_keys_generate_prints_a_fernet_key(env: dict[str, str]) -> None:
    result = run(env, "keys", "generate")
    key = result.output.strip()
    assert result.exit_code == 0
    Fernet(key.encode())  # raises when malformed
    assert run(env, "keys", "generate").output.strip() != key


def test_keys_rotate_reencrypts_every_personal_field(env: dict[str, str], tmp_path: Path) -> None:
    old, new = generate_key(), generate_key()
    # Data written with the old key by the real app: a request from the chat and a note.
    _write_with_app(env, old, tmp_path)
    before = _encrypted_values(env)
    assert before and all(
        FieldCipher([old]).decrypt(v) != "[unreadable: encryption key missing]" for v in before
    )

    missing = run({**env, "IOP_BOT_ENCRYPTION_KEYS": new}, "keys", "rotate")
    assert missing.exit_code == 1 and "cannot be decrypted" in missing.output

    result = run({**env, "IOP_BOT_ENCRYPTION_KEYS": f"{new},{old}"}, "keys", "rotate")
    assert result.exit_code == 0, result.output
    assert "assessment_requests: 1" in result.output
    after = _encrypted_values(env)
    assert len(after) == len(before)
    only_new = FieldCipher([new])
    plain = [only_new.decrypt(v) for v in after]
    assert "[unreadable: encryption key missing]" not in plain
    assert "Quentin" in plain and "A note about Quentin" in plain
    (details,) = db(env, "SELECT details FROM audit_log WHERE action = 'keys.rotate'")[0]
    assert '"request_events": 1' in details
    assert run({**env, "IOP_BOT_ENCRYPTION_KEYS": f"{new},{old}"}, "keys", "rotate").exit_code == 0


def test_keys_rotate_needs_a_key(env: dict[str, str]) -> None:
    result = run(env, "keys", "rotate")
    assert result.exit_code == 1
    assert "No encryption key is set" in result.output


def _encrypted_values(env: dict[str, str]) -> list[str]:
    values: list[str] = []
    for table, columns in (
        ("conversations", ("state_enc",)),
        ("messages", ("text_enc",)),
        ("assessment_requests", ("first_name_enc", "phone_enc", "email_enc", "insurance_enc")),
        ("request_events", ("note_enc",)),
    ):
        for row in db(env, f"SELECT {', '.join(columns)} FROM {table}"):
            values.extend(v for v in row if v is not None)
    return values


def _write_with_app(env: dict[str, str], key: str, tmp_path: Path) -> None:
    """Run the real app with ``key``: a visitor's request through the chat API, a staff note."""
    settings = Settings.load(
        {
            "database_url": env["IOP_BOT_DATABASE_URL"],
            "encryption_keys": key,
            "content_dir": str(Path(__file__).resolve().parents[2]),
            "watch_content": False,
        },
        environ={},
        settings_file=tmp_path / "none.yml",
    )

    async def go() -> None:
        async with TestClient(TestServer(create_app(settings))) as client:
            cid = (await (await client.post("/api/v1/conversations")).json())["conversation_id"]
            for body in CHAT_FORM:
                await client.post(f"/api/v1/conversations/{cid}/messages", json=body)
            app = client.server.app
            async with app[DB_KEY].begin() as conn:
                staff = await accounts.create_account(
                    conn, email="sam@example.org", role="staff", password_hash="x"
                )
                await add_note(
                    conn, app[CIPHER_KEY], 1, staff, "A note about Quentin", now=datetime.now(UTC)
                )

    asyncio.run(go())
