"""Storage on its own: migrations, SQLite settings, the group-commit writer, requests and outbox."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography.fernet import Fernet
from sqlalchemy import Connection, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.crypto import FieldCipher
from bot.settings import Settings
from bot.storage import tables
from bot.storage.conversations import VersionConflictError
from bot.storage.db import DatabaseError, current_revisions, migrate, open_engine, sqlite_file
from bot.storage.requests import create_request, enabled_channels
from bot.storage.turns import NewConversation, TurnWrite
from bot.storage.writer import GroupCommitWriter, WriterClosedError

MY_TABLES = {"instance", "conversations", "messages", "assessment_requests", "outbox"}


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'sub' / 'test.db'}"


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = open_engine(db_url)
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher([Fernet.generate_key().decode()])


async def test_first_start_creates_folder_and_schema(engine: AsyncEngine, tmp_path: Path) -> None:
    assert (tmp_path / "sub" / "test.db").is_file()
    revisions = await current_revisions(engine)
    assert revisions  # at head, whatever later parts added
    async with engine.connect() as conn:
        names = set(await conn.run_sync(lambda c: c.dialect.get_table_names(c)))
    assert names >= MY_TABLES
    await migrate(engine)  # a second start changes nothing
    assert await current_revisions(engine) == revisions


async def test_migration_matches_the_table_definitions(engine: AsyncEngine) -> None:
    def diff(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return [
            d
            for d in compare_metadata(context, tables.metadata)
            if any(name in repr(d) for name in MY_TABLES)
        ]

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []
        schema = "\n".join(
            row[0]
            for row in await conn.execute(
                text("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")
            )
        )
    # Constraint names are the same as the metadata's naming convention gives.
    for name in (
        "ck_outbox_channel",
        "ck_outbox_status",
        "ck_messages_role",
        "uq_outbox_request_id_channel",
    ):
        assert f"CONSTRAINT {name} " in schema, name


async def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 5000
        with pytest.raises(IntegrityError):
            await conn.execute(
                insert(tables.outbox).values(
                    request_id=999, channel="email", next_attempt_at=_now(), created_at=_now()
                )
            )


async def test_a_database_from_a_newer_release_is_refused(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(DatabaseError, match="9999_future"):
        await migrate(engine)


def test_sqlite_file_of_urls() -> None:
    assert sqlite_file("sqlite+aiosqlite:///data/x.db") == Path("data/x.db")
    assert sqlite_file("sqlite+aiosqlite://") is None
    assert sqlite_file("sqlite+aiosqlite:///:memory:") is None
    assert sqlite_file("postgresql+asyncpg://u:p@h/db") is None


# --- requests and outbox -----------------------------------------------------------------


async def test_create_request_writes_request_and_outbox_atomically(
    engine: AsyncEngine, cipher: FieldCipher, caplog: pytest.LogCaptureFixture
) -> None:
    fields = {
        "for_whom": "loved_one",
        "first_name": "Rosalind",
        "phone": "+12075550123",
        "email": None,
        "contact_method": "text",
        "contact_time": "evening",
        "voicemail_ok": True,
        "text_ok": True,
        "insurance": None,
        "consent": True,
        "favourite_colour": "a personal secret",
    }
    async with engine.begin() as conn:
        first = await create_request(conn, None, fields, cipher, ["email", "webhook"])
        second = await create_request(conn, None, fields, cipher, [])
    assert (first, second) == (1, 2)
    assert "favourite_colour" in caplog.text and "a personal secret" not in caplog.text
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(tables.assessment_requests).where(tables.assessment_requests.c.id == first)
            )
        ).one()
        outbox = (await conn.execute(select(tables.outbox.c.channel, tables.outbox.c.status))).all()
    assert row.status == "new" and row.for_whom == "loved_one" and row.text_ok is True
    assert row.email_enc is None and row.insurance_enc is None
    assert cipher.decrypt(row.first_name_enc) == "Rosalind"
    assert row.consent_at is not None and row.consent_at.tzinfo is not None
    assert sorted(outbox) == [("email", "pending"), ("webhook", "pending")]

    # An unknown channel aborts the whole transaction: no request without its notifications.
    with pytest.raises(ValueError, match="carrier_pigeon"):
        async with engine.begin() as conn:
            await create_request(conn, None, fields, cipher, ["email", "carrier_pigeon"])
    async with engine.connect() as conn:
        count = (await conn.execute(text("SELECT count(*) FROM assessment_requests"))).scalar()
    assert count == 2


def test_enabled_channels_follow_settings() -> None:
    assert enabled_channels(Settings()) == ()
    assert enabled_channels(Settings(smtp_host="mail", notify_email_to=("a@b.c",))) == ("email",)
    assert enabled_channels(Settings(smtp_host="mail")) == ()
    assert enabled_channels(
        Settings(smtp_host="mail", notify_email_to=("a@b.c",), webhook_url="https://h/x")
    ) == ("email", "webhook")


# --- the group-commit writer -------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _put(key: str, value: str = "v") -> Callable[[Connection], str]:
    def unit(conn: Connection) -> str:
        conn.execute(insert(tables.instance).values(key=key, value=value))
        return key

    return unit


@pytest.fixture(params=[True, False], ids=["sqlite3", "async-driver"])
def direct(request: pytest.FixtureRequest) -> bool:
    """Both ways the writer reaches a database: SQLite directly, or through an async driver."""
    return bool(request.param)


async def test_writer_commits_concurrent_units_in_batches(
    engine: AsyncEngine, db_url: str, direct: bool
) -> None:
    writer = GroupCommitWriter(db_url, direct_sqlite=direct)
    await writer.start()
    try:
        keys = await asyncio.gather(*(writer.run(_put(f"k{i}")) for i in range(200)))
    finally:
        await writer.close()
    assert keys == [f"k{i}" for i in range(200)]
    assert writer.units == 200 and writer.batches < 200  # shared commits
    async with engine.connect() as conn:
        count = (
            await conn.execute(text("SELECT count(*) FROM instance WHERE key LIKE 'k%'"))
        ).scalar()
    assert count == 200


async def test_a_failing_unit_does_not_take_its_batch_down(
    engine: AsyncEngine, db_url: str, direct: bool
) -> None:
    writer = GroupCommitWriter(db_url, direct_sqlite=direct)
    await writer.start()
    try:
        results = await asyncio.gather(
            writer.run(_put("a")),
            writer.run(_put("sender_salt")),  # duplicate primary key: fails
            writer.run(_put("b")),
            return_exceptions=True,
        )
    finally:
        await writer.close()
    assert results[0] == "a" and results[2] == "b"
    assert isinstance(results[1], IntegrityError)
    async with engine.connect() as conn:
        keys = set((await conn.execute(select(tables.instance.c.key))).scalars())
    assert {"a", "b", "sender_salt"} <= keys


async def test_writer_close_drains_and_then_refuses(
    engine: AsyncEngine, db_url: str, direct: bool
) -> None:
    writer = GroupCommitWriter(db_url, direct_sqlite=direct)
    await writer.start()
    pending = [asyncio.ensure_future(writer.run(_put(f"d{i}"))) for i in range(20)]
    await asyncio.sleep(0)
    await writer.close()
    assert [p.result() for p in pending] == [f"d{i}" for i in range(20)]
    with pytest.raises(WriterClosedError):
        await writer.run(_put("late"))


async def test_a_cancelled_caller_still_gets_its_unit_committed(
    engine: AsyncEngine, db_url: str, direct: bool
) -> None:
    writer = GroupCommitWriter(db_url, direct_sqlite=direct)
    await writer.start()
    try:
        task = asyncio.ensure_future(writer.run(_put("orphan")))
        await asyncio.sleep(0)
        task.cancel()
        await writer.run(_put("after"))
    finally:
        await writer.close()
    async with engine.connect() as conn:
        keys = set((await conn.execute(select(tables.instance.c.key))).scalars())
    assert {"orphan", "after"} <= keys


def test_raw_file_is_readable_by_plain_sqlite3(tmp_path: Path) -> None:
    async def make() -> None:
        engine = open_engine(f"sqlite+aiosqlite:///{tmp_path / 'plain.db'}")
        await migrate(engine)
        await engine.dispose()

    asyncio.run(make())
    with sqlite3.connect(tmp_path / "plain.db") as conn:
        assert conn.execute("SELECT count(*) FROM instance").fetchone() == (1,)


def test_aiosqlite_debug_lines_with_sql_parameters_stay_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logger = logging.getLogger("aiosqlite")
    monkeypatch.setattr(logger, "level", logging.NOTSET)
    open_engine("sqlite+aiosqlite://")
    assert logger.level == logging.INFO
    monkeypatch.setattr(logger, "level", logging.DEBUG)  # an explicit choice is respected
    open_engine("sqlite+aiosqlite://")
    assert logger.level == logging.DEBUG


# --- batched chat turns --------------------------------------------------------------------


async def test_turn_batches_refuse_only_the_out_of_date_turns(
    engine: AsyncEngine, db_url: str, direct: bool
) -> None:
    now = _now()
    bot_message: dict[str, object] = {
        "role": "bot",
        "text_enc": "token",
        "buttons": [],
        "kind": "answer",
        "intent": None,
        "confidence": None,
    }
    writer = GroupCommitWriter(db_url, direct_sqlite=direct)
    await writer.start()
    try:
        await asyncio.gather(
            *(writer.run(NewConversation(f"conv-{i}", "s0", (bot_message,), now)) for i in range(3))
        )
        results = await asyncio.gather(
            writer.run(TurnWrite("conv-0", 1, "s1", (bot_message,), now)),
            writer.run(TurnWrite("conv-0", 1, "s1-again", (bot_message,), now)),  # same version
            writer.run(TurnWrite("conv-1", 7, "stale", (bot_message,), now)),  # wrong version
            writer.run(TurnWrite("conv-2", 1, "s1", (bot_message,), now, crisis_kind="k")),
            return_exceptions=True,
        )
    finally:
        await writer.close()
    assert results[0] is None and results[3] is None
    assert isinstance(results[1], VersionConflictError)
    assert isinstance(results[2], VersionConflictError)
    async with engine.connect() as conn:
        rows = {
            r.id: r
            for r in await conn.execute(
                select(
                    tables.conversations.c.id,
                    tables.conversations.c.version,
                    tables.conversations.c.state_enc,
                    tables.conversations.c.crisis_flag,
                    tables.conversations.c.crisis_kind,
                )
            )
        }
        counts = dict(
            (
                await conn.execute(
                    text("SELECT conversation_id, count(*) FROM messages GROUP BY conversation_id")
                )
            ).all()
        )
    assert (rows["conv-0"].version, rows["conv-0"].state_enc) == (2, "s1")
    assert (rows["conv-1"].version, rows["conv-1"].state_enc) == (1, "s0")
    assert (rows["conv-2"].crisis_flag, rows["conv-2"].crisis_kind) == (True, "k")
    assert counts == {"conv-0": 2, "conv-1": 1, "conv-2": 2}  # refused turns wrote nothing


async def test_turns_without_a_reliable_executemany_row_count_check_versions_first(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The path PostgreSQL (asyncpg) takes: SELECT ... FOR UPDATE, then the batched UPDATE."""
    now = _now()
    message = {"role": "bot", "text_enc": "t", "buttons": [], "kind": "answer"}
    async with engine.begin() as conn:
        await conn.run_sync(
            NewConversation.write_many,
            [NewConversation(f"pg-{i}", "s0", (message,), now) for i in range(2)],
        )
    async with engine.begin() as conn:
        monkeypatch.setattr(conn.dialect, "supports_sane_multi_rowcount", False)
        results = await conn.run_sync(
            TurnWrite.write_many,
            [
                TurnWrite("pg-0", 1, "s1", (message,), now),
                TurnWrite("pg-1", 5, "stale", (message,), now),
                TurnWrite("pg-0", 1, "twice", (message,), now),
            ],
        )
    assert results[0] is None
    assert isinstance(results[1], VersionConflictError)
    assert isinstance(results[2], VersionConflictError)
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(tables.conversations.c.id, tables.conversations.c.state_enc)
        )
        states = {row.id: row.state_enc for row in rows}
    assert states == {"pg-0": "s1", "pg-1": "s0"}


MIGRATE_SCRIPT = """
import asyncio, sys
from bot.storage.db import migrate, open_engine

async def main() -> None:
    engine = open_engine(sys.argv[1])
    try:
        await migrate(engine)
    finally:
        await engine.dispose()

asyncio.run(main())
"""


async def test_processes_starting_together_on_a_new_database_migrate_once(tmp_path: Path) -> None:
    """Two servers (or a server and `iop-bot staff add`) started at once must not both create it."""
    for round_ in range(3):
        url = f"sqlite+aiosqlite:///{tmp_path / f'race{round_}.db'}"
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                MIGRATE_SCRIPT,
                url,
                stderr=asyncio.subprocess.PIPE,
            )
            for _ in range(3)
        ]
        results = [await p.communicate() for p in procs]
        errors = [err.decode() for (_, err), p in zip(results, procs, strict=True) if p.returncode]
        assert not errors, errors
