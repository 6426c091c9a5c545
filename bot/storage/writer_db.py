"""The group-commit writer's own database connection, on the writer's thread.

Batches are plain synchronous code on a SQLAlchemy ``Connection`` however the
database is reached, so units are written once:

* SQLite is used directly through the standard library's ``sqlite3`` driver.
  Through aiosqlite, every statement was handed to its worker thread and the
  answer handed back, three times per statement (cursor, execute, close): about a
  tenth of the server's CPU in system calls and GIL hand-offs at 1,000 messages/s,
  and a wait for the busy main thread's GIL at each hand-off.
* Any other database keeps its async driver (asyncpg): the writer's thread runs
  a private event loop, and each batch runs through ``AsyncConnection.run_sync``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage.db import open_engine, open_sqlite_engine

T = TypeVar("T")


class WriterDatabase(Protocol):
    """One long-lived connection; used from the thread that opened it, and only there."""

    def transaction(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` in a transaction and commit it; raises (after rollback) if it fails."""

    def close(self) -> None:
        """Close the connection and the engine."""


class DirectSQLite:
    """SQLite through ``sqlite3`` on the calling thread."""

    def __init__(self, database_url: str) -> None:
        self._engine: Engine = open_sqlite_engine(database_url)
        try:
            self._conn: Connection = self._engine.connect()
        except BaseException:
            self._engine.dispose()
            raise

    def transaction(self, fn: Callable[[Connection], T]) -> T:
        if self._conn.invalidated or self._conn.closed:
            self._conn.close()
            self._conn = self._engine.connect()
        with self._conn.begin():
            return fn(self._conn)

    def close(self) -> None:
        self._conn.close()
        self._engine.dispose()


class ThroughAsyncDriver:
    """An async driver on a private event loop; each transaction runs via ``run_sync``."""

    def __init__(self, database_url: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._engine: AsyncEngine = open_engine(database_url)
        try:
            self._conn: AsyncConnection = self._loop.run_until_complete(self._engine.connect())
        except BaseException:
            self._loop.run_until_complete(self._engine.dispose())
            self._loop.close()
            raise

    def transaction(self, fn: Callable[[Connection], T]) -> T:
        return self._loop.run_until_complete(self._transaction(fn))

    async def _transaction(self, fn: Callable[[Connection], T]) -> T:
        if self._conn.invalidated or self._conn.closed:
            await self._conn.close()
            self._conn = await self._engine.connect()
        async with self._conn.begin():
            return await self._conn.run_sync(fn)

    def close(self) -> None:
        try:
            self._loop.run_until_complete(self._conn.close())
            self._loop.run_until_complete(self._engine.dispose())
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        finally:
            self._loop.close()


def open_writer_database(database_url: str, *, direct_sqlite: bool = True) -> WriterDatabase:
    """The writer's connection: SQLite directly (unless ``direct_sqlite`` is off), else async."""
    if direct_sqlite and make_url(database_url).get_backend_name() == "sqlite":
        return DirectSQLite(database_url)
    return ThroughAsyncDriver(database_url)
