"""New-request notifications: a durable outbox delivered by email and/or a signed webhook.

``setup(app)`` checks the notification settings (a bad configuration fails
before the port opens) and adds the delivery worker to the app's
``cleanup_ctx``. Call it after the storage context is registered: the worker
needs the database engine. What a notification says lives in ``message``, the
delivery guarantees in ``outbox`` and ``worker``; docs/notifications.md explains both.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot.notify import email, outbox, webhook
from bot.notify.channel import Channel
from bot.notify.worker import OutboxWorker
from bot.settings import Settings
from bot.storage.requests import enabled_channels
from bot.web.keys import DB_KEY, NEW_REQUEST_KEY, SETTINGS_KEY

__all__ = ["NOTIFY_CHANNELS_KEY", "NOTIFY_WORKER_KEY", "check_settings", "setup"]

log = logging.getLogger(__name__)

# The channels this app delivers through; present once setup(app) has run.
NOTIFY_CHANNELS_KEY: web.AppKey[tuple[str, ...]] = web.AppKey("notify_channels")
NOTIFY_WORKER_KEY: web.AppKey[OutboxWorker] = web.AppKey("notify_worker")


def check_settings(settings: Settings) -> None:
    """Raise ``SettingsError`` when an enabled channel is configured so it could never deliver."""
    email.check(settings)
    webhook.check(settings)


def setup(app: web.Application) -> None:
    """Validate the settings now and run the delivery worker while the app runs.

    Calling it again on the same app does nothing, so one app never runs two workers.
    """
    if NOTIFY_CHANNELS_KEY in app:
        return
    settings = app[SETTINGS_KEY]
    check_settings(settings)
    app[NOTIFY_CHANNELS_KEY] = enabled_channels(settings)
    app.cleanup_ctx.append(_worker_context)


async def _worker_context(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS_KEY]
    engine = app[DB_KEY]
    async with aiohttp.ClientSession() as session:
        channels: dict[str, Channel] = {}
        for name in app[NOTIFY_CHANNELS_KEY]:
            if name == "email":
                channels[name] = email.EmailChannel(settings)
            elif name == "webhook":
                channels[name] = webhook.WebhookChannel(settings, session)
        async with engine.connect() as conn:
            waiting = await outbox.pending_elsewhere(conn, channels)
        for channel, count in sorted(waiting.items()):
            log.warning(
                "%d %s notification(s) are pending but %s is not configured; they are sent "
                "once it is configured again",
                count,
                channel,
                channel,
            )
        worker = OutboxWorker(
            engine,
            channels,
            base_url=settings.base_url,
            policy=outbox.RetryPolicy.from_settings(settings),
            poll_seconds=settings.outbox_poll_seconds,
            wake=app.get(NEW_REQUEST_KEY),
        )
        app[NOTIFY_WORKER_KEY] = worker
        if channels:
            log.info("notifications: %s", ", ".join(sorted(channels)))
            worker.start()
        yield
        await worker.stop(grace=settings.shutdown_timeout)
