"""In-process coordination for conversations: one turn at a time, and recent states in memory.

Both are optimisations on top of the database's version column, which is what
keeps state correct across processes: the lock stops two messages of the same
conversation from racing in this process, and the cache saves reading and
decrypting the state on every message. A stale cache entry is caught by the
version check and dropped.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass


class KeyedLocks:
    """An asyncio.Lock per key, created on demand and dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


@dataclass(frozen=True)
class CachedState:
    version: int
    state_json: str  # plaintext JSON; parsed afresh each turn so nothing can mutate it


class StateCache:
    """Least-recently-used map of conversation id to its last committed state."""

    def __init__(self, max_entries: int) -> None:
        self._max = max_entries
        self._items: OrderedDict[str, CachedState] = OrderedDict()

    def get(self, key: str) -> CachedState | None:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, key: str, item: CachedState) -> None:
        self._items[key] = item
        self._items.move_to_end(key)
        while len(self._items) > self._max:
            self._items.popitem(last=False)

    def drop(self, key: str) -> None:
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)
