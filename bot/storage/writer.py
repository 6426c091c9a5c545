"""Group commit: concurrent conversations share one transaction and one commit.

Every visitor message must be on disk before its reply is sent, and one commit
per message would cap throughput at the disk's fsync rate. Instead, requests
hand a *unit* of work (an async function of a connection) to a single writer
task. The writer runs every unit that is waiting in one transaction, commits
once, and only then resolves each caller's future. When the batch fails, each
unit is retried alone, so one bad unit never takes the others down with it.
Units therefore must be idempotent up to their own transaction (plain inserts
and updates are).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

T = TypeVar("T")
Unit = Callable[[AsyncConnection], Awaitable[T]]


class WriterClosedError(RuntimeError):
    """The writer has shut down; nothing more can be stored through it."""


@dataclass
class _Job:
    unit: Unit[Any]
    future: asyncio.Future[Any]


class GroupCommitWriter:
    """One long-lived connection and one task that commits units in batches."""

    def __init__(self, engine: AsyncEngine, *, max_batch: int = 256) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Job | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._conn: AsyncConnection | None = None
        self._closing = False
        self.batches = 0
        self.units = 0

    async def start(self) -> None:
        self._conn = await self._engine.connect()
        self._task = asyncio.create_task(self._loop(), name="storage-writer")

    async def close(self) -> None:
        """Finish every unit already handed in, then release the connection."""
        if self._closing:
            return
        self._closing = True
        self._queue.put_nowait(None)
        if self._task is not None:
            await self._task
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def run(self, unit: Unit[T]) -> T:
        """Run ``unit`` in a transaction; returns once that transaction is committed."""
        if self._closing or self._task is None:
            raise WriterClosedError("the storage writer is not running")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_retrieve)
        self._queue.put_nowait(_Job(unit, future))
        # Shielded: a caller that goes away must not cancel work other callers share.
        return await asyncio.shield(future)

    async def _loop(self) -> None:
        stopping = False
        while not stopping:
            job = await self._queue.get()
            if job is None:
                break
            batch = [job]
            while len(batch) < self._max_batch and not self._queue.empty():
                nxt = self._queue.get_nowait()
                if nxt is None:
                    stopping = True
                    break
                batch.append(nxt)
            await self._commit(batch)
        # Units handed in before close() but after the stop marker still run.
        while not self._queue.empty():
            job = self._queue.get_nowait()
            if job is not None:
                await self._commit([job])

    async def _connection(self) -> AsyncConnection:
        if self._conn is None or self._conn.invalidated or self._conn.closed:
            if self._conn is not None:
                await self._conn.close()
            self._conn = await self._engine.connect()
        return self._conn

    async def _commit(self, batch: list[_Job]) -> None:
        results: list[Any] = []
        try:
            conn = await self._connection()
            async with conn.begin():
                for job in batch:
                    results.append(await job.unit(conn))
        except Exception as exc:
            if len(batch) > 1:
                for job in batch:
                    await self._commit([job])
                return
            _settle_error(batch[0].future, exc)
            return
        except BaseException:  # cancellation of the writer itself
            for job in batch:
                job.future.cancel()
            raise
        self.batches += 1
        self.units += len(batch)
        for job, result in zip(batch, results, strict=True):
            if not job.future.done():
                job.future.set_result(result)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark an error as seen even when its caller went away, so asyncio doesn't warn."""
    if not future.cancelled():
        future.exception()


def _settle_error(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
