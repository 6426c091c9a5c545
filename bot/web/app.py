"""The one app factory: every part of the server is built here from one Settings object.

``create_app`` checks what can be checked without a running loop (settings,
encryption key, content pack) so a bad configuration fails before the port
opens; the database, its migrations and the group-commit writer open and close
in ``cleanup_ctx``. Each concern registers itself through a ``setup_*``
function, so the factory reads as a list of the server's parts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

import bot.notify
import bot.reload
import bot.staff
import bot.unanswered
from bot.crypto import cipher_from_settings
from bot.runtime import Runtime, RuntimeHolder, build_runtime
from bot.settings import Settings
from bot.storage.db import data_dir_for, migrate, open_engine
from bot.storage.requests import enabled_channels
from bot.storage.writer import GroupCommitWriter
from bot.web.api import setup_chat_api
from bot.web.chat import ChatService
from bot.web.errors import API_PREFIXES, error_middleware
from bot.web.keys import (
    CHAT_KEY,
    CIPHER_KEY,
    DB_KEY,
    LIMITER_KEY,
    NEW_REQUEST_KEY,
    ORIGINS_KEY,
    RUNTIME_KEY,
    SETTINGS_KEY,
    TURN_HOOKS_KEY,
    WRITER_KEY,
)
from bot.web.openapi import setup_openapi
from bot.web.pages import setup_pages
from bot.web.rasa import setup_rasa
from bot.web.ratelimit import RateLimits, address_limit_middleware, limiter_context
from bot.web.security import OriginPolicy, cors_middleware, security_headers


def create_app(settings: Settings, *, runtime: Runtime | None = None) -> web.Application:
    """Build the whole server for ``settings``; nothing is shared with any other app.

    ``runtime`` is the already-built content runtime to start with (tests reuse one);
    by default the content pack named by the settings is loaded.
    """
    origins = OriginPolicy.from_settings(settings)
    limits = RateLimits.from_settings(settings)
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[
            error_middleware,
            cors_middleware(origins),
            address_limit_middleware(limits, API_PREFIXES),
        ],
    )
    app[SETTINGS_KEY] = settings
    app[ORIGINS_KEY] = origins
    app[LIMITER_KEY] = limits
    app[CIPHER_KEY] = cipher_from_settings(settings, data_dir_for(settings.database_url))
    app[RUNTIME_KEY] = RuntimeHolder(runtime or build_runtime(settings))
    app[TURN_HOOKS_KEY] = []
    app[NEW_REQUEST_KEY] = asyncio.Event()
    app.on_response_prepare.append(
        security_headers(origins, https=settings.base_url.startswith("https://"))
    )
    app.cleanup_ctx.append(_storage)
    app.cleanup_ctx.append(_chat)
    app.cleanup_ctx.append(limiter_context)

    setup_chat_api(app)
    setup_rasa(app)
    setup_pages(app)
    setup_openapi(app)
    # --- Other parts plug in here, each with its own routes and cleanup_ctx: ---------------
    bot.staff.setup(app)  # staff dashboard; migration 0002_staff
    bot.notify.setup(app)  # new-request notifications: outbox worker (email, webhook)
    bot.reload.setup(app)  # content hot reload, admin Content page
    bot.unanswered.setup(app)  # unanswered questions; migration 0003_unanswered
    # ---------------------------------------------------------------------------------------
    return app


async def _storage(app: web.Application) -> AsyncIterator[None]:
    """Open the database, migrate it to the newest schema, start the group-commit writer."""
    url = app[SETTINGS_KEY].database_url
    engine = open_engine(url)
    try:
        await migrate(engine)
        writer = GroupCommitWriter(url)
        await writer.start()
    except BaseException:
        await engine.dispose()
        raise
    app[DB_KEY] = engine
    app[WRITER_KEY] = writer
    yield
    # aiohttp has let in-flight requests finish by now: commit what they handed in, then close.
    await writer.close()
    await engine.dispose()


async def _chat(app: web.Application) -> AsyncIterator[None]:
    hooks = app[TURN_HOOKS_KEY]  # the list itself: hooks added by later setups count too
    app[CHAT_KEY] = ChatService(
        holder=app[RUNTIME_KEY],
        db=app[DB_KEY],
        writer=app[WRITER_KEY],
        cipher=app[CIPHER_KEY],
        channels=enabled_channels(app[SETTINGS_KEY]),
        hooks=hooks,
        new_request=app[NEW_REQUEST_KEY],
    )
    yield
