"""The OpenAPI 3.1 document of the public HTTP interface, served at /api/openapi.json.

Paths are written out by hand; bodies come from the pydantic models that also
validate requests, and limits from the running settings, so the document
describes this server as configured.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

import bot
from bot.settings import Settings
from bot.web import schemas as s
from bot.web.keys import OPENAPI_KEY, SETTINGS_KEY

REF = "#/components/schemas/{model}"

_MODELS: list[tuple[type[BaseModel], JsonSchemaMode]] = [
    (s.MessageIn, "validation"),
    (s.RasaMessageIn, "validation"),
    (s.ConversationCreated, "serialization"),
    (s.MessagesOut, "serialization"),
    (s.Transcript, "serialization"),
    (s.RasaReply, "serialization"),
    (s.ErrorOut, "serialization"),
    (s.Health, "serialization"),
]

ERRORS = {
    "400": "Malformed JSON, wrong types or missing fields (`invalid_json`, `invalid_request`).",
    "403": "The request's Origin is not on the allow-list (`origin_not_allowed`).",
    "404": "Unknown conversation (`conversation_not_found`) or address (`not_found`).",
    "409": "The conversation changed concurrently; send again (`conversation_busy`).",
    "413": "Body over max_body_bytes (`body_too_large`) or text over max_message_chars "
    "(`message_too_long`).",
    "415": "The body is not application/json (`unsupported_media_type`).",
    "429": "Rate limited (`rate_limited`); the Retry-After header says when to retry.",
    "503": "The message could not be stored; nothing changed (`storage_unavailable`).",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for code in codes:
        out[code] = _json(_ref("ErrorOut"), ERRORS[code])
        if code in ("429", "503"):
            out[code]["headers"] = {
                "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
            }
    return out


def _text(content_type: str, description: str) -> dict[str, Any]:
    return {"200": {"description": description, "content": {content_type: {}}}}


CONVERSATION_ID_PARAM = {
    "name": "conversation_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{16,128}$"},
}


def build_document(settings: Settings) -> dict[str, Any]:
    _, defs = models_json_schema(_MODELS, ref_template=REF)
    components = defs.get("$defs", {})
    limits = (
        f"Messages: at most {settings.max_message_chars} characters; bodies: at most "
        f"{settings.max_body_bytes} bytes. Rate limits: {settings.rate_limit_ip} per client "
        f"address, {settings.rate_limit_conversation} per conversation."
    )
    message_body = {
        "required": True,
        "content": {"application/json": {"schema": _ref("MessageIn")}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "iop-bot chat API",
            "version": bot.__version__,
            "description": "Chat with the intake assistant. " + limits,
        },
        "servers": [{"url": settings.base_url}],
        "paths": {
            "/api/v1/conversations": {
                "post": {
                    "summary": "Start a conversation; returns its id and the greeting.",
                    "operationId": "createConversation",
                    "responses": {
                        "201": _json(_ref("ConversationCreated"), "The new conversation."),
                        **_errors("400", "403", "413", "415", "429", "503"),
                    },
                }
            },
            "/api/v1/conversations/{conversation_id}": {
                "get": {
                    "summary": "The whole conversation so far, to restore it after a reload.",
                    "operationId": "getConversation",
                    "parameters": [CONVERSATION_ID_PARAM],
                    "responses": {
                        "200": _json(_ref("Transcript"), "Every message, oldest first."),
                        **_errors("404", "429", "503"),
                    },
                }
            },
            "/api/v1/conversations/{conversation_id}/messages": {
                "post": {
                    "summary": "Send a visitor message; returns the bot's replies.",
                    "operationId": "postMessage",
                    "parameters": [CONVERSATION_ID_PARAM],
                    "requestBody": message_body,
                    "responses": {
                        "200": _json(_ref("MessagesOut"), "The replies, stored before sending."),
                        **_errors("400", "403", "404", "409", "413", "415", "429", "503"),
                    },
                }
            },
            "/webhooks/rest/webhook": {
                "post": {
                    "summary": "Rasa-compatible REST channel.",
                    "operationId": "rasaWebhook",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("RasaMessageIn")}},
                    },
                    "responses": {
                        "200": _json(
                            {"type": "array", "items": _ref("RasaReply")},
                            "The replies (a sender's first answer starts with the greeting).",
                        ),
                        **_errors("400", "403", "413", "415", "429", "503"),
                    },
                }
            },
            "/webhooks/rest/": {
                "get": {
                    "summary": "Rasa channel probe.",
                    "operationId": "rasaHealth",
                    "responses": {"200": _json({"type": "object"}, '{"status": "ok"}')},
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Health: 200 when the database answers, else 503.",
                    "operationId": "health",
                    "responses": {
                        "200": _json(_ref("Health"), "Healthy."),
                        "503": _json(_ref("Health"), "The database does not answer."),
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "This document.",
                    "operationId": "openapi",
                    "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1 document.")},
                }
            },
            "/": {"get": {"summary": "Demo page with the widget.", **_page("text/html")}},
            "/widget.js": {"get": {"summary": "The widget script.", **_page("text/javascript")}},
            "/widget.css": {"get": {"summary": "The widget styles.", **_page("text/css")}},
            "/static/{filename}": {
                "get": {
                    "summary": "Assets of the demo page.",
                    "parameters": [
                        {
                            "name": "filename",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": {"description": "The file."},
                        "404": {"description": "None."},
                    },
                }
            },
        },
        "components": {"schemas": components},
    }


def _page(content_type: str) -> dict[str, Any]:
    return {"responses": _text(content_type, "The resource.")}


async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI_KEY])


def setup_openapi(app: web.Application) -> None:
    app[OPENAPI_KEY] = build_document(app[SETTINGS_KEY])
    app.router.add_get("/api/openapi.json", openapi_json, name="openapi")
