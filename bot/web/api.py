"""The chat API (JSON, versioned under /api/v1) that the widget and other clients use.

Input is checked before anything changes: size, content type, JSON shape,
message length and rate limits. The reply is sent only after the turn is
committed (see bot.web.chat).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from bot.web.chat import (
    ConversationBusyError,
    ConversationNotFoundError,
    StorageUnavailableError,
    reply_to_json,
)
from bot.web.errors import ApiError
from bot.web.keys import CHAT_KEY, LIMITER_KEY, SETTINGS_KEY
from bot.web.ratelimit import RateLimitedError
from bot.web.schemas import MessageIn

ModelT = TypeVar("ModelT", bound=BaseModel)

CONVERSATION_ID = r"{conversation_id:[A-Za-z0-9_-]{16,128}}"
STORAGE_RETRY_SECONDS = "5"


async def read_body(request: web.Request) -> bytes:
    """The raw body, refused early when it is too large or not JSON."""
    limit = request.app[SETTINGS_KEY].max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, "body_too_large", f"The request body is over {limit} bytes.")
    body = await request.read()  # client_max_size stops bodies without a Content-Length
    if len(body) > limit:
        raise ApiError(413, "body_too_large", f"The request body is over {limit} bytes.")
    if body.strip() and not _is_json(request.content_type):
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    return body


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def parse(model: type[ModelT], body: bytes) -> ModelT:
    """Validate a JSON body against ``model``; errors name the field but never echo its value."""
    try:
        return model.model_validate_json(body or b"{}")
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False, include_context=False)[0]
        if first["type"] == "json_invalid":
            raise ApiError(400, "invalid_json", "The body is not valid JSON.") from None
        where = ".".join(str(p) for p in first["loc"])
        message = f"{where}: {first['msg']}" if where else str(first["msg"])
        raise ApiError(400, "invalid_request", message) from None


def check_length(request: web.Request, text: str | None) -> None:
    limit = request.app[SETTINGS_KEY].max_message_chars
    if text is not None and len(text) > limit:
        raise ApiError(413, "message_too_long", f"Messages can be at most {limit} characters.")


@contextmanager
def service_errors() -> Iterator[None]:
    """Translate the chat service's and rate limiter's exceptions into API errors."""
    try:
        yield
    except ConversationNotFoundError:
        raise ApiError(404, "conversation_not_found", "There is no such conversation.") from None
    except RateLimitedError as exc:
        raise ApiError(
            429,
            "rate_limited",
            "Too many messages; please wait a moment.",
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    except ConversationBusyError:
        raise ApiError(409, "conversation_busy", "Please send your message again.") from None
    except StorageUnavailableError:
        raise ApiError(
            503,
            "storage_unavailable",
            "Your message could not be saved. Please try again shortly.",
            headers={"Retry-After": STORAGE_RETRY_SECONDS},
        ) from None


async def create_conversation(request: web.Request) -> web.Response:
    parse(_Empty, await read_body(request))
    with service_errors():
        conversation_id, replies = await request.app[CHAT_KEY].start()
    return web.json_response(
        {"conversation_id": conversation_id, "messages": [reply_to_json(r) for r in replies]},
        status=201,
    )


async def post_message(request: web.Request) -> web.Response:
    conversation_id = request.match_info["conversation_id"]
    message = parse(MessageIn, await read_body(request))
    check_length(request, message.text)
    if message.payload is not None:
        text, payload, label = None, message.payload, message.text
    else:
        text, payload, label = message.text, None, None
    with service_errors():
        request.app[LIMITER_KEY].hit_conversation(conversation_id)
        replies = await request.app[CHAT_KEY].send(
            conversation_id, text=text, payload=payload, label=label
        )
    return web.json_response({"messages": [reply_to_json(r) for r in replies]})


async def get_conversation(request: web.Request) -> web.Response:
    conversation_id = request.match_info["conversation_id"]
    with service_errors():
        entries = await request.app[CHAT_KEY].transcript(conversation_id)
    return web.json_response(
        {
            "conversation_id": conversation_id,
            "messages": [
                {
                    "role": e.role,
                    "text": e.text,
                    "buttons": e.buttons,
                    "kind": e.kind,
                    "created_at": e.created_at.isoformat().replace("+00:00", "Z"),
                }
                for e in entries
            ],
        }
    )


class _Empty(BaseModel):
    """POST /conversations takes no fields (an empty body or {} is fine)."""


def setup_chat_api(app: web.Application) -> None:
    app.router.add_post("/api/v1/conversations", create_conversation, name="conversations")
    app.router.add_get(
        f"/api/v1/conversations/{CONVERSATION_ID}", get_conversation, name="conversation"
    )
    app.router.add_post(
        f"/api/v1/conversations/{CONVERSATION_ID}/messages", post_message, name="messages"
    )
