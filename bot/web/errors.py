"""Errors as clear JSON for API clients, and never a stack trace for anyone.

Every API error has the shape ``{"error": {"code", "message", "request_id"}}``.
Unexpected exceptions are logged with the request id (the client gets the same
id to quote) but without the exception's message, which could carry visitor text.
"""

from __future__ import annotations

import logging
import re
import secrets
import traceback
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.web.keys import REQUEST_ID_KEY

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

API_PREFIXES = ("/api/", "/webhooks/")
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# Codes for errors aiohttp raises itself (routing, body size, ...).
_HTTP_CODES = {
    400: ("bad_request", "The request could not be understood."),
    403: ("forbidden", "This request is not allowed."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not accept that method."),
    413: ("body_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "Send the body as application/json."),
    429: ("rate_limited", "Too many requests; try again later."),
}


class ApiError(Exception):
    """An error the client should see as it is: status, stable code, human message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def error_response(
    request: web.Request,
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body = {"error": {"code": code, "message": message, "request_id": request[REQUEST_ID_KEY]}}
    return web.json_response(body, status=status, headers=headers)


def log_exception(message: str, exc: BaseException, request_id: str) -> None:
    """Log where an exception happened (types, files, lines) but not its message or locals."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(f"{f.filename}:{f.lineno} in {f.name}" for f in reversed(frames[-8:]))
    chain = [type(exc).__name__]
    cause = exc.__cause__ or exc.__context__
    while cause is not None and len(chain) < 5:
        chain.append(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    log.error("%s [request %s]: %s at %s", message, request_id, " from ".join(chain), where)


def _request_id(request: web.Request) -> str:
    given = request.headers.get("X-Request-ID", "")
    return given if _CLIENT_REQUEST_ID.match(given) else secrets.token_hex(8)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outermost middleware: request id, JSON errors under /api, 500 without details."""
    request[REQUEST_ID_KEY] = _request_id(request)
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(request, exc.status, exc.code, exc.message, exc.headers)
    except web.HTTPException as exc:
        if exc.status < 400 or not is_api_path(request.path):
            raise
        code, message = _HTTP_CODES.get(exc.status, ("http_error", exc.reason))
        headers = {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After")}
        return error_response(request, exc.status, code, message, headers)
    except Exception as exc:
        log_exception("unhandled error", exc, request[REQUEST_ID_KEY])
        if is_api_path(request.path):
            return error_response(
                request, 500, "internal_error", "Something went wrong on our side."
            )
        return web.Response(status=500, text="500: Internal Server Error")
