"""What browsers load: the demo page, the widget's files, their static assets, and /healthz."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

import bot
from bot.storage.db import current_revisions, ping
from bot.web.keys import DB_KEY, PAGES_ENV_KEY, RUNTIME_KEY

PACKAGE_DIR = Path(bot.__file__).resolve().parent
WIDGET_DIR = PACKAGE_DIR.parent / "web_widget"
TEMPLATES_DIR = PACKAGE_DIR / "web" / "templates"
STATIC_DIR = PACKAGE_DIR / "web" / "static"

log = logging.getLogger(__name__)

WIDGET_FILES = {
    "/widget.js": ("widget.js", "text/javascript; charset=utf-8"),
    "/widget.css": ("widget.css", "text/css; charset=utf-8"),
}
# Embedding sites load /widget.js under a fixed name, so browsers may keep it only briefly
# and then revalidate (ETag / Last-Modified make that a 304).
WIDGET_CACHE_CONTROL = "public, max-age=300, must-revalidate"
STATIC_CACHE_CONTROL = "public, max-age=3600"


async def demo_page(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME_KEY].current
    template = request.app[PAGES_ENV_KEY].get_template("demo.html")
    html = template.render(
        **runtime.pack.center.template_vars(),
        widget_src="/widget.js",
        widget_css="/widget.css",
    )
    return web.Response(
        text=html, content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-cache"}
    )


def _file_handler(
    path: Path, content_type: str, cache_control: str
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(_request: web.Request) -> web.StreamResponse:
        # FileResponse answers 404 itself when the file is missing.
        return web.FileResponse(
            path, headers={"Content-Type": content_type, "Cache-Control": cache_control}
        )

    return handler


async def healthz(request: web.Request) -> web.Response:
    """Liveness and readiness: 200 when the database answers, 503 when it does not."""
    holder = request.app[RUNTIME_KEY]
    try:
        await ping(request.app[DB_KEY])
        revisions = await current_revisions(request.app[DB_KEY])
    except Exception as exc:  # any failure means "not ready"
        log.warning("health check: the database did not answer (%s)", type(exc).__name__)
        revisions = ()
    else:
        if not revisions:
            log.warning("health check: the database has no schema (was it replaced?)")
    database_ok = bool(revisions)
    body = {
        "status": "ok" if database_ok else "unavailable",
        "database": "ok" if database_ok else "error",
        "schema_revision": ",".join(revisions) or None,
        "content_loaded_at": holder.current.loaded_at.astimezone(UTC).isoformat(),
        "content_errors": len(holder.last_errors),
        "version": bot.__version__,
        "time": datetime.now(UTC).isoformat(),
    }
    return web.json_response(
        body, status=200 if database_ok else 503, headers={"Cache-Control": "no-store"}
    )


def setup_pages(app: web.Application) -> None:
    app[PAGES_ENV_KEY] = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True),
        auto_reload=False,
    )
    app.router.add_get("/", demo_page, name="demo")
    app.router.add_get("/healthz", healthz, name="healthz")
    for route, (filename, content_type) in WIDGET_FILES.items():
        app.router.add_get(
            route, _file_handler(WIDGET_DIR / filename, content_type, WIDGET_CACHE_CONTROL)
        )
    app.router.add_static("/static/", STATIC_DIR, name="static", append_version=False)
