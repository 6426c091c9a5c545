"""Per-address and per-conversation rate limits (the `limits` library, moving window, in memory).

In memory means per process: with several server processes behind a load
balancer each enforces its own share. The limits come from settings in the
library's notation ("120/minute", "10 per second").

One adjustment to the library: its MemoryStorage forgets old hits on a timer
thread that it starts anew 10 ms after the last pass whenever traffic goes on,
and each pass walks every key. Under load that is a hundred thread starts a
second, each stalling the event loop until the new thread runs, plus a pass
over every active conversation: measured at about 8 % of the server's CPU at
1,000 messages/s. Old hits never count (the moving window checks timestamps
itself); forgetting them only frees memory, so the app runs the storage's
expiry every ``EXPIRE_EVERY_SECONDS`` instead.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import cast

from aiohttp import web
from aiohttp.typedefs import Middleware
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from bot.settings import Settings, SettingsError
from bot.web.errors import ApiError
from bot.web.keys import LIMITER_KEY

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

log = logging.getLogger(__name__)

EXPIRE_EVERY_SECONDS = 5.0
_STORAGE_EXPIRY = "_MemoryStorage__expire_events"  # the library's own expiry pass


class _ExpiryRunByTheApp:
    """Stands in for MemoryStorage's timer thread, so the storage never starts one."""

    def is_alive(self) -> bool:
        return True

    def cancel(self) -> None:
        """Nothing to stop: there is no thread."""


class RateLimitedError(Exception):
    """Too many requests; ``retry_after`` is whole seconds until one more is allowed."""

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(f"rate limit exceeded ({scope})")
        self.scope = scope
        self.retry_after = retry_after


def _parse(name: str, value: str) -> RateLimitItem:
    try:
        return parse(value)
    except ValueError as exc:
        raise SettingsError(
            f"setting {name!r}: {value!r} is not a rate limit (try '120/minute')"
        ) from exc


class RateLimits:
    """The chat API's two limits over one in-memory moving-window store."""

    def __init__(self, per_address: str, per_conversation: str) -> None:
        self._address = _parse("rate_limit_ip", per_address)
        self._conversation = _parse("rate_limit_conversation", per_conversation)
        self._storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self._storage)
        expire = getattr(self._storage, _STORAGE_EXPIRY, None)
        # Only when this version of limits has the expiry pass we call instead.
        self._expire: Callable[[], None] | None = expire if callable(expire) else None
        if self._expire is not None:
            self._storage.timer.cancel()
            self._storage.timer = cast(threading.Timer, _ExpiryRunByTheApp())

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        return cls(settings.rate_limit_ip, settings.rate_limit_conversation)

    def hit_address(self, address: str) -> None:
        self._hit(self._address, "address", address)

    def hit_conversation(self, conversation_id: str) -> None:
        self._hit(self._conversation, "conversation", conversation_id)

    def _hit(self, item: RateLimitItem, scope: str, key: str) -> None:
        if self._limiter.hit(item, scope, key):
            return
        reset_at, _remaining = self._limiter.get_window_stats(item, scope, key)
        raise RateLimitedError(scope, max(1, math.ceil(reset_at - time.time())))

    def expire(self) -> None:
        """Forget hits that have left every window (frees memory; never changes a decision)."""
        if self._expire is None:
            return
        self._expire()
        # The library's pass empties a key's list but keeps the key: drop those too, or
        # every conversation ever seen would stay in memory. Safe here: with no timer
        # thread, only this (the event loop's) thread touches the storage.
        events = self._storage.events
        for key in [k for k, hits in events.items() if not hits]:
            del events[key]

    def keys(self) -> int:
        """How many addresses and conversations have hits in memory."""
        return len(self._storage.events)

    async def expire_periodically(self, every: float = EXPIRE_EVERY_SECONDS) -> None:
        while True:
            await asyncio.sleep(every)
            self.expire()

    def close(self) -> None:
        """Stop the store's own timer thread, if the library version still runs one."""
        self._storage.timer.cancel()


async def limiter_context(app: web.Application) -> AsyncIterator[None]:
    """``cleanup_ctx``: run the limiter's expiry while the app runs."""
    limits = app[LIMITER_KEY]
    task = asyncio.create_task(limits.expire_periodically(), name="rate-limit-expiry")
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    limits.close()


def address_limit_middleware(limits: RateLimits, prefixes: tuple[str, ...]) -> Middleware:
    """Count every chat request (preflights aside) against the client's address."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "OPTIONS" and request.path.startswith(prefixes):
            try:
                limits.hit_address(request.remote or "unknown")
            except RateLimitedError as exc:
                raise ApiError(
                    429,
                    "rate_limited",
                    "Too many requests from your network; please wait a moment.",
                    headers={"Retry-After": str(exc.retry_after)},
                ) from None
        return await handler(request)

    return middleware
