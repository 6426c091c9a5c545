"""Hot reload of the content pack in the running server, and the admin Content page.

``setup(app)`` makes a ``Reloader`` (``bot.reload.reloader``) at startup and, when the
``watch_content`` setting is on, a ``ContentWatcher`` (``bot.reload.watch``) that
reloads after center.yml, intents/, responses/ or the settings file change. An edit that does
not validate leaves the previous content live; admins see why on /staff/admin/content, where
they can also reload by hand. The watcher stops cleanly on shutdown (a reload in progress
finishes first).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

import bot.staff
from bot.reload import views
from bot.reload.reloader import RELOAD_OPTIONS_KEY, RELOADER_KEY, Reloader, ReloadOptions
from bot.reload.watch import ContentWatcher
from bot.web.keys import RUNTIME_KEY, SETTINGS_KEY

__all__ = ["RELOADER_KEY", "RELOAD_OPTIONS_KEY", "ReloadOptions", "Reloader", "setup"]

STOP_TIMEOUT = 10.0  # seconds a reload in progress gets to finish at shutdown


async def _reload_context(app: web.Application) -> AsyncIterator[None]:
    """Make the reloader; while the server runs, watch the files when ``watch_content`` is on."""
    settings = app[SETTINGS_KEY]
    reloader = Reloader(app[RUNTIME_KEY], settings, app[RELOAD_OPTIONS_KEY])
    app[RELOADER_KEY] = reloader
    task: asyncio.Task[None] | None = None
    stop = asyncio.Event()
    if settings.watch_content:
        watcher = ContentWatcher(
            settings.content_path,
            reloader.settings_path,
            on_change=lambda changed: reloader.reload("files changed", ", ".join(changed)),
            debounce_ms=app[RELOAD_OPTIONS_KEY].debounce_ms,
        )
        task = asyncio.create_task(watcher.run(stop), name="content-watcher")
    yield
    if task is not None:
        stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), STOP_TIMEOUT)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def setup(app: web.Application) -> None:
    """Add hot reload and the admin Content page; call it after ``bot.staff.setup``."""
    app[RELOAD_OPTIONS_KEY] = ReloadOptions()
    app.cleanup_ctx.append(_reload_context)
    bot.staff.add_page(
        app,
        path="/staff/admin/content",
        handler=views.content_page,
        name="staff.admin_content",
        title="Content",
        description="The live content pack, reload results with file:line errors; reload now.",
    )
    bot.staff.add_page(
        app,
        path="/staff/admin/content/reload",
        handler=views.reload_now,
        name="staff.admin_content_reload",
        title="Reload now",
        method="POST",
        nav=False,
    )
