"""Group commit: concurrent conversations share one transaction and one commit.

Every visitor message must be on disk before its reply is sent, and one commit
per message would cap throughput at the disk's fsync rate. Instead, requests
hand a *unit* of work to a single writer thread. The writer takes every unit
that is waiting, runs them in one transaction, commits once, and only then
resolves each caller's future. When a batch fails, each unit is retried alone,
so one bad unit never takes the others down with it; units must therefore be
repeatable (plain inserts and updates are).

A unit is either a function of a (synchronous) SQLAlchemy ``Connection``, run
one by one, or a ``BatchUnit``, whose class writes all of its waiting instances
with a few ``executemany`` statements, so a batch of 200 chat turns is a handful
of statements, not 600. Units run on the writer's thread (see
``bot.storage.writer_db`` for how it reaches the database): they must only use
the connection they are given, and must not block for long.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection

from bot.storage.writer_db import WriterDatabase, open_writer_database

log = logging.getLogger(__name__)

T = TypeVar("T")
UnitFn = Callable[[Connection], T]


class WriterClosedError(RuntimeError):
    """The writer has shut down; nothing more can be stored through it."""


class BatchUnit(ABC):
    """A unit whose class can write many instances at once."""

    @classmethod
    @abstractmethod
    def write_many(cls, conn: Connection, units: Sequence[Any]) -> list[Any]:
        """Write ``units`` (all of this class); one result per unit, in order.

        A result that is an exception instance fails only that unit's caller; the
        method must then have written nothing for it. Raising fails the whole batch
        (which is then retried unit by unit).
        """


@dataclass
class _Job:
    unit: BatchUnit | UnitFn[Any]
    future: asyncio.Future[Any]


class GroupCommitWriter:
    """A thread with its own connection and batch loop; callers await from their event loop.

    The thread does nothing but write, so a batch never waits behind the server's
    request handlers. Hand-offs between the threads are kept rare, because each
    one is a system call and a fight for the GIL: callers append to a deque and
    wake the writer only when it sleeps; the writer settles a whole batch with one
    wake-up of the callers' loop.

    ``direct_sqlite=False`` reaches SQLite through its async driver, the way any
    other database is reached (tests use it to cover that path).
    """

    def __init__(
        self,
        database_url: str,
        *,
        max_batch: int = 256,
        gather_seconds: float = 0.005,
        direct_sqlite: bool = True,
    ) -> None:
        self._url = database_url
        self._max_batch = max_batch
        self._gather = gather_seconds
        self._direct_sqlite = direct_sqlite
        self._pending: deque[_Job | None] = deque()  # appends and pops are thread-safe
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._caller_loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Future[None] | None = None
        self._closing = False
        self.batches = 0  # committed transactions
        self.units = 0  # units committed in them
        self.busy_seconds = 0.0  # time spent writing and committing

    async def start(self) -> None:
        """Start the writer thread; raises if it cannot connect to the database."""
        self._caller_loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = self._caller_loop.create_future()
        self._stopped = self._caller_loop.create_future()
        self._thread = threading.Thread(
            target=self._thread_main, args=(ready,), name="storage-writer", daemon=True
        )
        self._thread.start()
        await ready

    async def close(self) -> None:
        """Finish every unit already handed in, then stop the thread and its connection."""
        if self._closing or self._stopped is None:
            return
        self._closing = True
        self._hand_in(None)
        await self._stopped
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)
        if self.batches:
            log.info(
                "storage writer closed: %d units in %d transactions (%.1f per commit, "
                "%.1f ms per commit)",
                self.units,
                self.batches,
                self.units / self.batches,
                self.busy_seconds / self.batches * 1000,
            )

    async def run(self, unit: BatchUnit | UnitFn[T]) -> T:
        """Write ``unit`` in a transaction; returns once that transaction is committed."""
        if self._closing or self._caller_loop is None:
            raise WriterClosedError("the storage writer is not running")
        future: asyncio.Future[T] = self._caller_loop.create_future()
        future.add_done_callback(_retrieve)
        self._hand_in(_Job(unit, future))
        # Shielded: a caller that goes away must not cancel work other callers share.
        return await asyncio.shield(future)

    def _hand_in(self, job: _Job | None) -> None:
        self._pending.append(job)
        # The writer clears the event before it drains the deque, so a job appended
        # while the event is still set is always found by that drain.
        if not self._wake.is_set():
            self._wake.set()

    # --- on the writer thread ------------------------------------------------------
    def _thread_main(self, ready: asyncio.Future[None]) -> None:
        try:
            database = open_writer_database(self._url, direct_sqlite=self._direct_sqlite)
        except Exception as exc:
            self._closing = True
            self._to_caller(_settle_many, [(ready, exc)])
            return
        self._to_caller(_settle_many, [(ready, None)])
        try:
            self._batches(database)
        finally:
            try:
                database.close()
            finally:
                self._to_caller(_settle_many, [(self._stopped, None)])

    def _batches(self, database: WriterDatabase) -> None:
        busy = False
        while True:
            self._wake.wait()
            self._wake.clear()
            if busy and len(self._pending) < self._max_batch:
                # Under load, wait a moment for more turns to share this commit: each
                # commit costs an fsync and a few statements whatever its size.
                time.sleep(self._gather)
            batch: list[_Job] = []
            stopping = False
            while self._pending and len(batch) < self._max_batch:
                job = self._pending.popleft()
                if job is None:
                    stopping = True
                    break
                batch.append(job)
            if batch:
                busy = len(batch) > 1
                self._commit(database, batch)
            if stopping:
                break
            if self._pending:
                self._wake.set()  # more than one batch was waiting
        # Units handed in before close() but queued behind the stop marker still run.
        while self._pending:
            job = self._pending.popleft()
            if job is not None:
                self._commit(database, [job])

    def _commit(self, database: WriterDatabase, batch: list[_Job]) -> None:
        started = time.perf_counter()
        try:
            results = database.transaction(lambda conn: _write(conn, batch))
        except Exception as exc:
            if len(batch) > 1:
                for job in batch:
                    self._commit(database, [job])
                return
            self._to_caller(_settle_many, [(batch[0].future, exc)])
            return
        self.batches += 1
        self.units += len(batch)
        self.busy_seconds += time.perf_counter() - started
        self._to_caller(
            _settle_many, [(job.future, result) for job, result in zip(batch, results, strict=True)]
        )

    def _to_caller(self, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn`` on the callers' loop: one wake-up per batch, not one per unit."""
        assert self._caller_loop is not None
        if not self._caller_loop.is_closed():
            self._caller_loop.call_soon_threadsafe(fn, *args)


def _write(conn: Connection, batch: list[_Job]) -> list[Any]:
    results: list[Any] = [None] * len(batch)
    groups: dict[type[BatchUnit], list[int]] = {}
    for index, job in enumerate(batch):
        if isinstance(job.unit, BatchUnit):
            groups.setdefault(type(job.unit), []).append(index)
        else:
            results[index] = job.unit(conn)
    for cls, indexes in groups.items():
        written = cls.write_many(conn, [batch[i].unit for i in indexes])
        if len(written) != len(indexes):
            raise RuntimeError(f"{cls.__name__}.write_many returned the wrong number of results")
        for index, result in zip(indexes, written, strict=True):
            results[index] = result
    return results


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark an error as seen even when its caller went away, so asyncio doesn't warn."""
    if not future.cancelled():
        future.exception()


def _settle_many(pairs: list[tuple[asyncio.Future[Any] | None, Any]]) -> None:
    """Resolve futures (on their own loop): an exception instance fails that caller only."""
    for future, result in pairs:
        if future is None or future.done():
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)
