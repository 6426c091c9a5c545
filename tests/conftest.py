"""Shared fixtures: settings on a fresh SQLite file with the demo content, and a client of the real app."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; Playwright downloads no browser here
# Headless on a closed network: without these, Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

SettingsFactory = Callable[..., Settings]


@pytest.fixture
def settings(tmp_path: Path) -> SettingsFactory:
    """``settings(**overrides)``: dev mode, the demo pack, ``tmp_path/iop-bot.db``.

    The environment and any iop-bot.yml in the working directory are ignored, so
    tests see only what they pass.
    """

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": f"sqlite+aiosqlite:///{tmp_path / 'iop-bot.db'}",
            "content_dir": str(ROOT),
            "dev_mode": True,
            "watch_content": False,
            **overrides,
        }
        return Settings.load(values, environ={}, settings_file=tmp_path / "no-settings.yml")

    return make


@pytest.fixture(scope="session")
def demo_runtime() -> Runtime:
    """The demo pack's runtime with default settings, built once (loading it takes a while)."""
    return build_runtime(Settings(content_dir=str(ROOT)))


@pytest.fixture
async def client(
    aiohttp_client: Any, settings: SettingsFactory, demo_runtime: Runtime
) -> TestClient[Any, Any]:
    """A client of ``create_app(settings())`` on a real local server."""
    return await aiohttp_client(create_app(settings(), runtime=demo_runtime))


@pytest.fixture(scope="session")
def chromium_launch() -> dict[str, Any]:
    """Launch options for Debian's Chromium: skipped without it locally, a failure under CI=true."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing; run scripts/ensure-browser"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return {"executable_path": str(CHROMIUM), "headless": True, "args": CHROMIUM_ARGS}
