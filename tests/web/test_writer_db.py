"""The group-commit writer's own connection: SQLite directly, other databases through run_sync."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import tables
from bot.storage.db import migrate, open_engine, open_sqlite_engine
from bot.storage.writer_db import DirectSQLite, ThroughAsyncDriver, open_writer_database


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'writer.db'}"


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = open_engine(db_url)
    await migrate(engine)
    yield engine
    await engine.dispose()


def _pragmas(conn: Connection) -> tuple[object, ...]:
    return tuple(
        conn.execute(text(f"PRAGMA {name}")).scalar()
        for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
    )


async def test_sqlite_is_reached_directly_with_the_durability_pragmas(
    engine: AsyncEngine, db_url: str
) -> None:
    database = open_writer_database(db_url)
    try:
        assert isinstance(database, DirectSQLite)
        # synchronous=2 is FULL: a commit is on disk before the visitor sees the reply.
        assert database.transaction(_pragmas) == ("wal", 2, 1, 5000)
    finally:
        database.close()


@pytest.mark.parametrize("direct", [True, False], ids=["sqlite3", "async-driver"])
async def test_a_failed_transaction_leaves_nothing_and_the_next_one_works(
    engine: AsyncEngine, db_url: str, direct: bool
) -> None:
    def put(key: str, fail: bool = False) -> Callable[[Connection], str]:
        def unit(conn: Connection) -> str:
            conn.execute(insert(tables.instance).values(key=key, value="v"))
            if fail:
                raise RuntimeError("a unit failed after writing")
            return key

        return unit

    results: list[object] = []

    def on_own_thread() -> None:  # as in the writer: opened, used and closed on one thread
        database = open_writer_database(db_url, direct_sqlite=direct)
        try:
            assert isinstance(database, DirectSQLite if direct else ThroughAsyncDriver)
            try:
                database.transaction(put("half", fail=True))
            except RuntimeError as exc:
                results.append(exc)
            results.append(database.transaction(put("whole")))
        finally:
            database.close()

    thread = threading.Thread(target=on_own_thread)
    thread.start()
    thread.join(10)
    assert isinstance(results[0], RuntimeError) and results[1] == "whole"
    async with engine.connect() as conn:
        keys = set((await conn.execute(select(tables.instance.c.key))).scalars())
    assert "whole" in keys and "half" not in keys


def test_the_direct_engine_is_for_sqlite_only() -> None:
    with pytest.raises(ValueError, match="SQLite"):
        open_sqlite_engine("postgresql+asyncpg://user@localhost/db")
