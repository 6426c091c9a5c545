"""`iop-bot serve`: run the web server until SIGINT/SIGTERM, then shut down gracefully."""

from __future__ import annotations

import gc
import logging

import click
from aiohttp import web

from bot.content import ContentError
from bot.crypto import EncryptionKeyError
from bot.settings import Settings, SettingsError
from bot.storage.db import DatabaseError
from bot.web.accesslog import AccessLogger

log = logging.getLogger("bot.web")


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


async def freeze_startup_objects(_app: web.Application) -> None:
    """Move everything built at startup out of the garbage collector's sight (``gc.freeze``).

    The content pack, matcher index, spelling dictionary and imported modules live as long as
    the process, yet every full collection walked all of them: about 100 ms each, a dozen
    times in 20 s at 1,000 messages/s, which was both CPU and the worst latencies. Registered
    last in ``on_startup``, so the database, writer and workers are up by then. A content
    reload's new runtime is not frozen; it is collected like anything else.
    """
    gc.collect()
    gc.freeze()


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (setting: host).")
@click.option("--port", type=int, default=None, help="Port to listen on (setting: port).")
@click.option(
    "--dev",
    is_flag=True,
    default=False,
    help="Development mode: a local encryption key is made if none is set. Never in production.",
)
def serve_cmd(host: str | None, port: int | None, dev: bool) -> None:
    """Start the web server: chat API, widget, demo page and staff dashboard."""
    from bot.web.app import create_app  # imported late so `iop-bot --help` stays fast

    try:
        settings = Settings.load({"host": host, "port": port, "dev_mode": True if dev else None})
        configure_logging(settings.log_level)
        app = create_app(settings)
    except (SettingsError, EncryptionKeyError) as exc:
        raise click.ClickException(str(exc)) from None
    except ContentError as exc:
        problems = "\n".join(f"  {p}" for p in exc.problems)
        raise click.ClickException(f"the content pack has problems:\n{problems}") from None
    app.on_startup.append(freeze_startup_objects)
    if settings.dev_mode:
        log.warning("development mode is on: never use it with real visitors")
    log.info("serving on %s (listening on %s:%d)", settings.base_url, settings.host, settings.port)
    try:
        web.run_app(
            app,
            host=settings.host,
            port=settings.port,
            shutdown_timeout=settings.shutdown_timeout,
            access_log_class=AccessLogger,
            access_log=logging.getLogger("bot.web.access"),
            print=None,
        )
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:  # the port is taken, or the address is not ours
        raise click.ClickException(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}"
        ) from None
