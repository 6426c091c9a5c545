"""`iop-bot serve` as a real process, and graceful shutdown with a request in flight."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import Connection

from bot.runtime import Runtime
from bot.web.app import create_app
from bot.web.chat import TurnRecord
from bot.web.cli import freeze_startup_objects
from bot.web.keys import TURN_HOOKS_KEY

from .support import query

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_in_flight_request_finishes_and_is_stored_on_shutdown(
    settings: Any, demo_runtime: Runtime
) -> None:
    config = settings()
    app = create_app(config, runtime=demo_runtime)
    entered = threading.Event()  # hooks run on the storage writer's thread

    def slow_turn(_conn: Connection, record: TurnRecord) -> None:
        if record.text == "slow one":
            entered.set()
            time.sleep(0.5)

    app[TURN_HOOKS_KEY].append(slow_turn)
    runner = web.AppRunner(app, shutdown_timeout=config.shutdown_timeout)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        async with http.post(base + "/api/v1/conversations") as resp:
            cid = (await resp.json())["conversation_id"]
        send = asyncio.ensure_future(
            http.post(f"{base}/api/v1/conversations/{cid}/messages", json={"text": "slow one"})
        )
        assert await asyncio.to_thread(entered.wait, 10)
        await runner.cleanup()  # shutdown starts while the turn is still being stored
        resp = await send
        assert resp.status == 200
        assert (await resp.json())["messages"]
        resp.release()
    stored = query(config, "SELECT count(*) FROM messages WHERE role = 'visitor'")
    assert stored == [(1,)]


async def test_serve_freezes_what_startup_built(settings: Any, demo_runtime: Runtime) -> None:
    """`iop-bot serve` hides long-lived startup objects from the garbage collector's passes."""
    app = create_app(settings(), runtime=demo_runtime)
    assert any(o is demo_runtime.matcher for o in gc.get_objects())
    try:
        await freeze_startup_objects(app)
        assert gc.get_freeze_count() > 0
        assert not any(o is demo_runtime.matcher for o in gc.get_objects())
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IOP_BOT_")}
    env.update(
        IOP_BOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bot.db'}",
        IOP_BOT_CONTENT_DIR=str(ROOT),
        IOP_BOT_WATCH_CONTENT="false",
        **extra,
    )
    return env


def test_serve_runs_until_sigterm_and_exits_cleanly(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--dev", "--port", str(port)],
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = _wait_healthy(port, proc)
        assert body["status"] == "ok"
        cid = asyncio.run(_one_turn(port))
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, output
    assert "Traceback" not in output
    assert "development mode" in output
    assert "POST /api/v1/conversations/{conversation_id}/messages 200" in output
    assert cid not in output and "how many hours" not in output
    assert (tmp_path / "data" / "bot.db").is_file()
    assert (tmp_path / "data" / "dev-encryption.key").is_file()


def test_serve_refuses_to_start_without_an_encryption_key(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", str(free_port())],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "iop-bot keys generate" in result.stderr
    assert "Traceback" not in result.stderr


def _wait_healthy(port: int, proc: subprocess.Popen[str]) -> dict[str, Any]:
    async def probe() -> dict[str, Any]:
        deadline = time.monotonic() + 30
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise AssertionError(
                        f"server exited: {proc.stdout.read() if proc.stdout else ''}"
                    )
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        body: dict[str, Any] = await resp.json()
                        return body
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
        raise AssertionError("server did not become healthy")

    return asyncio.run(probe())


async def _one_turn(port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        async with http.post(base + "/api/v1/conversations") as resp:
            assert resp.status == 201
            cid: str = (await resp.json())["conversation_id"]
        async with http.post(
            f"{base}/api/v1/conversations/{cid}/messages", json={"text": "how many hours a week?"}
        ) as resp:
            assert resp.status == 200
    return cid
