"""Opening the database and bringing its schema up to date.

One code path for SQLite (the default, created on first start) and PostgreSQL.
SQLite gets write-ahead logging (readers never block the writer), foreign keys
and a busy timeout on every connection; SQL parameters are never put into
error messages or logs because some of them are personal data (encrypted or not).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000


class DatabaseError(RuntimeError):
    """The database cannot be opened or migrated; the message says what to do."""


def sqlite_file(url: str | URL) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def data_dir_for(url: str | URL) -> Path:
    """Where local files belonging to this database live (the SQLite file's folder)."""
    path = sqlite_file(url)
    return path.parent if path is not None else Path("data")


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before the visitor sees the reply. Group commit
        # (bot.storage.writer) amortises the fsync over concurrent conversations.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def open_engine(database_url: str) -> AsyncEngine:
    """An async engine for the URL; for SQLite the folder is created and pragmas set."""
    url = make_url(database_url)
    aiosqlite_log = logging.getLogger("aiosqlite")
    if aiosqlite_log.level == logging.NOTSET:
        # Its DEBUG lines carry SQL parameters (conversation ids, encrypted fields).
        aiosqlite_log.setLevel(logging.INFO)
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {"hide_parameters": True}
    if url.get_backend_name() != "sqlite":
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
    return engine


def open_sqlite_engine(database_url: str) -> Engine:
    """A synchronous engine on the same SQLite file, through the standard library's driver.

    For the group-commit writer, which has a thread of its own: talking to ``sqlite3``
    directly spares every statement two thread hand-offs through aiosqlite's worker.
    The same pragmas are set (``synchronous=FULL`` included).
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise ValueError("open_sqlite_engine() is for SQLite URLs only")
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url.set(drivername="sqlite+pysqlite"), hide_parameters=True)
    event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def alembic_config(database_url: str | None = None) -> Config:
    """Alembic configuration pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url:
        # configparser interpolation: a literal % must be doubled.
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def _upgrade(connection: Connection, config: Config) -> None:
    script = ScriptDirectory.from_config(config)
    current = MigrationContext.configure(connection).get_current_heads()
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = [rev for rev in current if rev not in known]
    if unknown:
        raise DatabaseError(
            f"The database is at schema revision {', '.join(unknown)}, which this version of "
            "iop-bot does not know. It was probably written by a newer version; upgrade "
            "iop-bot or restore a backup."
        )
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


# Any constant shared by every iop-bot process; PostgreSQL advisory locks are keyed by a bigint.
_PG_MIGRATION_LOCK = 0x10B_B07


@contextlib.asynccontextmanager
async def _migration_lock(database: Path | None) -> AsyncIterator[None]:
    """Serialize migrations between processes starting at once on the same SQLite file.

    SQLite takes its write lock only at the first DDL statement, so two processes could both
    see an empty database and both try to create it. An exclusive lock on a file beside the
    database makes the second wait and then find the schema up to date.
    """
    if database is None:
        yield
        return
    fd = os.open(f"{database}.migrate.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


async def migrate(engine: AsyncEngine) -> None:
    """Create or upgrade the schema to the newest revision (alembic upgrade head)."""
    config = alembic_config()
    async with _migration_lock(sqlite_file(engine.url)), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})"))
        await conn.run_sync(_upgrade, config)


async def current_revisions(engine: AsyncEngine) -> tuple[str, ...]:
    """The schema revision(s) the database is at; empty before the first migration."""

    def heads(sync: Connection) -> tuple[str, ...]:
        # Quiet: /healthz asks on every probe, and alembic logs each context it configures.
        alembic_log = logging.getLogger("alembic.runtime.migration")
        level = alembic_log.level
        alembic_log.setLevel(logging.WARNING)
        try:
            return tuple(MigrationContext.configure(sync).get_current_heads())
        finally:
            alembic_log.setLevel(level)

    async with engine.connect() as conn:
        return await conn.run_sync(heads)


async def ping(engine: AsyncEngine) -> None:
    """Raise when the database cannot answer a trivial query."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
