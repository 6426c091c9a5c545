"""Per-address and per-conversation rate limits (the `limits` library, moving window, in memory).

In memory means per process: with several server processes behind a load
balancer each enforces its own share. The limits come from settings in the
library's notation ("120/minute", "10 per second").
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from bot.settings import Settings, SettingsError
from bot.web.errors import ApiError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


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

    def close(self) -> None:
        """Stop the store's expiry timer thread."""
        self._storage.timer.cancel()


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
