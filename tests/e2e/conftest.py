"""End-to-end fixtures: the real app on a real localhost port, a real SQLite file, real Chromium.

Each test module shares one bot server, one "center website" on another port (to embed the
widget cross-origin, as a center would) and one browser. Each test gets fresh browser
contexts, so sessionStorage starts empty, and a Watch per page that records every request,
console error, page error and CSP violation; a test fails at teardown if its pages sent a
request off the test origins or logged anything unexpected.
"""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from aiohttp import web
from cryptography.fernet import Fernet
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Request,
    async_playwright,
    expect,
)

from bot.content import Center, load_pack
from bot.settings import Settings
from bot.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TITLE = "Questions? Chat with us"  # the demo page's data-title

# Reports CSP violations (including ones inside the widget's shadow root: the event is
# composed) as console errors, which the Watch collects. Init scripts are exempt from CSP.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + e.blockedURI);
}, true);
"""


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def bound_socket() -> socket.socket:
    """A socket on a free loopback port, bound before the app is built so settings know the URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def serving(app: web.Application, sock: socket.socket) -> AsyncIterator[str]:
    """Serve app on sock until the block ends; the socket is closed whatever happens."""
    with sock:
        runner = web.AppRunner(app)
        await runner.setup()
        try:
            await web.SockSite(runner, sock).start()
            yield f"http://127.0.0.1:{sock.getsockname()[1]}"
        finally:
            await runner.cleanup()


@dataclass(frozen=True)
class Live:
    """A running bot server: its base URL and the SQLite file behind it."""

    url: str
    db_path: Path


@asynccontextmanager
async def bot_server(folder: Path, **overrides: Any) -> AsyncIterator[Live]:
    """The real app from create_app(settings), on a free port, with its own SQLite file."""
    sock = bound_socket()
    port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    db_path = folder / "e2e.db"
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "public_url": url,
        "database_url": f"sqlite+aiosqlite:///{db_path}",
        "content_dir": str(ROOT),
        "encryption_keys": (Fernet.generate_key().decode(),),
        "watch_content": False,
        "rate_limit_ip": "1000/minute",
        "rate_limit_conversation": "200/minute",
    }
    values.update(overrides)
    # environ={} and a missing settings file keep a developer's own config out of the tests.
    try:
        settings = Settings.load(values, environ={}, settings_file=folder / "absent.yml")
        app = create_app(settings)
    except BaseException:
        sock.close()
        raise
    async with serving(app, sock):
        yield Live(url=url, db_path=db_path)


# ---- a center's own website that embeds the widget --------------------------------------

HOSTILE_CSS = """
* { all: unset !important; }
html, body { display: block !important; font: 40px/3 serif !important; color: #f0f !important; }
div, p, span, a { display: inline !important; }
button, input, form, [role], dialog { display: none !important; }
:root { --iop-accent: #ff00ff; }
"""


def host_page_html(bot_url: str, attrs: str, *, hostile: bool, copies: int) -> str:
    """A center's page embedding the widget with the documented one-line tag."""
    sheet = '<link rel="stylesheet" href="/hostile.css">' if hostile else ""
    tag = f'<script src="{bot_url}/widget.js" async {attrs}></script>\n'
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A center's page</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">{sheet}</head>
<body><main><h1>Our program</h1><p>Some text on the center's own site.</p>
<button type="button">A page button</button></main>
{tag * copies}</body></html>"""


def host_site_app(bot_url: str, phone: str) -> web.Application:
    """The CSP here is exactly what docs/widget.md tells a center to allow, and no more."""
    csp = (
        f"default-src 'self'; script-src 'self' {bot_url}; style-src 'self' {bot_url}; "
        f"connect-src 'self' {bot_url}; img-src 'self'; base-uri 'none'; object-src 'none'"
    )
    favicon = (ROOT / "bot/web/static/favicon.svg").read_bytes()

    def page(
        attrs: str, *, hostile: bool = False, copies: int = 1
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        html = host_page_html(bot_url, attrs, hostile=hostile, copies=copies)

        async def handler(request: web.Request) -> web.Response:
            return web.Response(text=html, content_type="text/html")

        return handler

    async def hostile(request: web.Request) -> web.Response:
        return web.Response(text=HOSTILE_CSS, content_type="text/css")

    async def icon(request: web.Request) -> web.Response:
        return web.Response(body=favicon, content_type="image/svg+xml")

    @web.middleware
    async def with_csp(request: web.Request, handler: Any) -> web.StreamResponse:
        response: web.StreamResponse = await handler(request)
        response.headers["Content-Security-Policy"] = csp
        return response

    app = web.Application(middlewares=[with_csp])
    app.router.add_get(
        "/hostile",
        page('data-position="left" data-color="#ffd60a" data-title="Ask us"', hostile=True),
    )
    app.router.add_get("/plain", page(f'data-phone="{phone}"'))
    app.router.add_get("/twice", page(f'data-phone="{phone}"', copies=2))
    app.router.add_get("/hostile.css", hostile)
    app.router.add_get("/favicon.svg", icon)
    return app


@dataclass
class Sites:
    bot: Live
    host: str  # the center's website origin


@pytest.fixture(scope="session")
def center() -> Center:
    """The demo pack's center facts, which the demo page and the replies are built from."""
    return load_pack(ROOT).center


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def sites(tmp_path_factory: pytest.TempPathFactory, center: Center) -> AsyncIterator[Sites]:
    folder = tmp_path_factory.mktemp("e2e")
    with bound_socket() as host_sock:
        host_url = f"http://127.0.0.1:{host_sock.getsockname()[1]}"
        async with (
            bot_server(folder, allowed_origins=(host_url,)) as bot,
            serving(host_site_app(bot.url, center.phone), host_sock),
        ):
            yield Sites(bot=bot, host=host_url)


@pytest.fixture
def serve_bot(tmp_path: Path) -> Callable[..., AbstractAsyncContextManager[Live]]:
    """Start another bot server with different settings (e.g. a tight rate limit)."""

    def start(**overrides: Any) -> AbstractAsyncContextManager[Live]:
        return bot_server(tmp_path, **overrides)

    return start


# ---- the browser --------------------------------------------------------------------------


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def browser(chromium_launch: dict[str, Any]) -> AsyncIterator[Browser]:
    """One Chromium per test module (the chromium_launch fixture is in tests/conftest.py)."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(**chromium_launch)
        yield launched
        await launched.close()


@dataclass
class Watch:
    """Everything a page did that a strict, privacy-respecting embed must not do."""

    origins: frozenset[str]
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Expect console errors matching pattern (a test that provokes a failed request)."""
        self.allowed.append(re.compile(pattern))

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def on_page_error(self, error: Error) -> None:
        self.errors.append(f"page error: {error}")

    def problems(self) -> list[str]:
        found = [
            f"request left the test origins: {url}"
            for url in self.requests
            if origin(url) not in self.origins
        ]
        found += [e for e in self.errors if not any(p.search(e) for p in self.allowed)]
        return found


class OpenPage(Protocol):
    async def __call__(
        self,
        *,
        viewport: dict[str, int] = ...,
        reduced_motion: str | None = ...,
        touch: bool = ...,
        origins: tuple[str, ...] = ...,
    ) -> tuple[Page, Watch]: ...


@pytest_asyncio.fixture(loop_scope="module")
async def open_page(browser: Browser, sites: Sites) -> AsyncIterator[OpenPage]:
    """A factory of watched pages, each in its own context (its own sessionStorage)."""
    contexts = []
    watches: list[Watch] = []

    async def make(
        *,
        viewport: dict[str, int] = DESKTOP,
        reduced_motion: str | None = None,
        touch: bool = False,
        origins: tuple[str, ...] = (),
    ) -> tuple[Page, Watch]:
        context = await browser.new_context(
            viewport=viewport,  # type: ignore[arg-type]
            reduced_motion=reduced_motion,  # type: ignore[arg-type]
            has_touch=touch,
            is_mobile=touch,
            service_workers="block",
        )
        contexts.append(context)
        await context.add_init_script(CSP_REPORTER)
        watch = Watch(origins=frozenset({sites.bot.url, sites.host, *origins}))
        watches.append(watch)
        context.on("request", watch.on_request)
        page = await context.new_page()
        page.on("console", watch.on_console)
        page.on("pageerror", watch.on_page_error)
        return page, watch

    yield make
    for context in contexts:
        await context.close()
    problems = [p for w in watches for p in w.problems()]
    assert not problems, "\n".join(problems)


# ---- driving the widget -----------------------------------------------------------------


class Widget:
    """The widget as a visitor meets it: by role and accessible name, through the shadow root."""

    def __init__(self, page: Page, title: str = TITLE) -> None:
        self.page = page
        self.launcher = page.get_by_role("button", name=title)
        self.panel = page.get_by_role("dialog", name=title)
        self.input = page.get_by_role("textbox", name="Type your question")
        self.log = page.get_by_role("log")
        self.bot_messages = page.locator(".msg.bot")
        self.visitor_messages = page.locator(".msg.visitor")
        self.replies = page.locator(".replies button")

    async def tab_to_launcher(self, limit: int = 60) -> None:
        """Press Tab until the launcher has focus, as a keyboard user would."""
        for _ in range(limit):
            await self.page.keyboard.press("Tab")
            if await self.launcher.evaluate("b => b.getRootNode().activeElement === b"):
                return
        raise AssertionError(f"the launcher was not reached in {limit} presses of Tab")

    async def open(self) -> None:
        """Click the launcher and wait for the panel's opening animation and first messages."""
        await self.launcher.click()
        await self.panel.evaluate("p => Promise.all(p.getAnimations().map(a => a.finished))")
        await self.settled()

    async def settled(self) -> None:
        """Wait until no request is in flight (the log is not busy and nobody is typing)."""
        await expect(self.page.locator(".log[aria-busy='true']")).to_have_count(0)
        await expect(self.page.locator(".typing.on")).to_have_count(0)

    async def _new_bot_messages(self, before: int) -> list[str]:
        await self.settled()
        count = await self.bot_messages.count()
        return [await self.bot_messages.nth(i).inner_text() for i in range(before, count)]

    async def ask(self, text: str) -> list[str]:
        """Type a message, send it with Enter, and return the texts of the replies."""
        before = await self.bot_messages.count()
        await self.input.fill(text)
        await self.input.press("Enter")
        await expect(self.visitor_messages.last).to_contain_text(text)
        return await self._new_bot_messages(before)

    async def choose(self, title: str) -> list[str]:
        """Click a quick reply and return the texts of the replies."""
        before = await self.bot_messages.count()
        await self.replies.get_by_text(title, exact=True).click()
        return await self._new_bot_messages(before)


@pytest.fixture
def widget() -> Callable[..., Widget]:
    """Widget(page, title=...): the tests import nothing from this file, they ask for this."""
    return Widget


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (git-ignored), for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
