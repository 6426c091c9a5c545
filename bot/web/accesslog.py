"""Access log lines that carry no personal data and no conversation ids.

A conversation id is the only key to its transcript, so paths are logged as
their route template (``/api/v1/conversations/{conversation_id}``), never with
the real id, and query strings are never logged.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.web.keys import REQUEST_ID_KEY


def route_template(request: web.BaseRequest) -> str:
    """The matched route's template, or a placeholder when nothing matched."""
    if isinstance(request, web.Request):
        info = request.match_info
        route = info.route if info.http_exception is None else None
        if route is not None and route.resource is not None:
            return route.resource.canonical
    return "(unmatched)"


class AccessLogger(AbstractAccessLogger):
    """``<address> <METHOD> <route> <status> <bytes>B <ms>ms rid=<request id>``."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        request_id = request.get(REQUEST_ID_KEY, "-") if isinstance(request, web.Request) else "-"
        self.logger.info(
            "%s %s %s %d %dB %.1fms rid=%s",
            request.remote or "-",
            request.method,
            route_template(request),
            response.status,
            response.body_length,
            time * 1000,
            request_id,
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(20)  # INFO
