"""Typed keys for what the app factory hangs on the application and on each request.

Everything shared lives here rather than in module globals, so two apps (a test
and a restarted test app, say) never share state. The value types are imported
for type checking only, so any module can import its keys from here without
import cycles.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from jinja2 import Environment
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.crypto import FieldCipher
    from bot.runtime import RuntimeHolder
    from bot.settings import Settings
    from bot.storage.writer import GroupCommitWriter
    from bot.web.chat import ChatService, TurnHook
    from bot.web.ratelimit import RateLimits
    from bot.web.security import OriginPolicy

SETTINGS_KEY: web.AppKey[Settings] = web.AppKey("settings")
RUNTIME_KEY: web.AppKey[RuntimeHolder] = web.AppKey("runtime")
CIPHER_KEY: web.AppKey[FieldCipher] = web.AppKey("cipher")
DB_KEY: web.AppKey[AsyncEngine] = web.AppKey("db")
WRITER_KEY: web.AppKey[GroupCommitWriter] = web.AppKey("writer")
CHAT_KEY: web.AppKey[ChatService] = web.AppKey("chat")
LIMITER_KEY: web.AppKey[RateLimits] = web.AppKey("limiter")
ORIGINS_KEY: web.AppKey[OriginPolicy] = web.AppKey("origins")
PAGES_ENV_KEY: web.AppKey[Environment] = web.AppKey("pages_env")
OPENAPI_KEY: web.AppKey[dict[str, Any]] = web.AppKey("openapi")
# Called inside the transaction of every stored turn (e.g. to record unanswered questions).
TURN_HOOKS_KEY: web.AppKey[list[TurnHook]] = web.AppKey("turn_hooks")
# Set after a new assessment request is committed, so the notifier can wake up early.
NEW_REQUEST_KEY: web.AppKey[asyncio.Event] = web.AppKey("new_request")

REQUEST_ID_KEY: web.RequestKey[str] = web.RequestKey("request_id")
