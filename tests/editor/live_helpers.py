"""Helpers for the live editor tests (hot reload, unanswered questions): a real server on a
copy of the demo pack, staff accounts signed in through the real login form, the chat API,
and polling with a deadline instead of fixed sleeps."""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher
from ruamel.yaml import YAML

from bot.staff import accounts
from bot.staff.keys import DUMMY_HASH_KEY, HASHER_KEY
from bot.staff.passwords import dummy_hash
from bot.web.keys import DB_KEY

Client = TestClient[Any, Any]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "amber-quarry-lantern-77"
ADMIN = "ada.admin@example.org"
STAFF = "eddie.editor@example.org"
FAST_LIMITS = {"rate_limit_ip": "100000/minute", "rate_limit_conversation": "100000/minute"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def copy_pack(dest: Path) -> Path:
    """The demo content pack (center.yml, intents/, responses/) copied to ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "center.yml", dest / "center.yml")
    for folder in ("intents", "responses"):
        shutil.copytree(ROOT / folder, dest / folder)
    return dest


def light_hashing(app: web.Application) -> web.Application:
    """argon2id at its lowest cost (same code path), so signing in takes milliseconds."""
    app[HASHER_KEY] = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    app[DUMMY_HASH_KEY] = dummy_hash(app[HASHER_KEY])
    return app


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def add_account(client: Client, email: str, role: str) -> int:
    app = client.server.app
    password_hash = app[HASHER_KEY].hash(PASSWORD)
    async with app[DB_KEY].begin() as conn:
        account = await accounts.create_account(
            conn, email=email, role=role, password_hash=password_hash
        )
    return account.id


async def sign_in(client: Client, email: str, role: str) -> int:
    """Create an account and sign in through the login form; returns the account id."""
    account_id = await add_account(client, email, role)
    page = await client.get("/staff/login")
    resp = await client.post(
        "/staff/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_of(await page.text())},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    return account_id


async def page_csrf(client: Client, path: str) -> str:
    resp = await client.get(path)
    assert resp.status == 200, path
    return csrf_of(await resp.text())


async def start(client: Client) -> str:
    resp = await client.post("/api/v1/conversations")
    assert resp.status == 201, await resp.text()
    conversation_id: str = (await resp.json())["conversation_id"]
    return conversation_id


async def say(client: Client, conversation_id: str, body: dict[str, str]) -> list[dict[str, Any]]:
    resp = await client.post(f"/api/v1/conversations/{conversation_id}/messages", json=body)
    assert resp.status == 200, await resp.text()
    messages: list[dict[str, Any]] = (await resp.json())["messages"]
    return messages


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m["text"] for m in messages)


async def eventually(
    check: Callable[[], Awaitable[bool]],
    *,
    within: float = 20.0,
    poke: Callable[[], None] | None = None,
    poke_every: float = 2.0,
    what: str | Callable[[], str] = "the condition",
) -> float:
    """Poll ``check`` until it holds; returns the seconds it took. ``poke`` re-saves the edit
    every ``poke_every`` seconds, in case it landed before the watcher was in place."""
    started = time.monotonic()
    poked = started
    while not await check():
        now = time.monotonic()
        if now - started > within:
            told = what if isinstance(what, str) else what()
            raise AssertionError(f"{told} did not happen within {within} s")
        if poke is not None and now - poked > poke_every:
            poke()
            poked = now
        await asyncio.sleep(0.05)
    return time.monotonic() - started


def save(path: Path, text: str) -> None:
    """Write a file the way editors do: a temporary file renamed over the old one."""
    temporary = path.with_name(f".{path.name}.saving")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def edit(path: Path, old: str, new: str) -> Callable[[], None]:
    """Replace ``old`` by ``new`` in a file and save it; returns a function that saves again."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    changed = text.replace(old, new)
    save(path, changed)
    return lambda: save(path, changed)


def line_of(path: Path, needle: str) -> int:
    """The 1-based line of the first line containing ``needle``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} is not in {path}")


def remove_intent(pack: Path, name: str) -> None:
    """Delete an intent as an editor would: its entry, its response, every button and
    ``suggest`` that leads to it."""
    yaml = YAML()
    yaml.preserve_quotes = True
    for path in sorted((pack / "intents").glob("*.yml")):
        data = yaml.load(path.read_text(encoding="utf-8"))
        intents = data.get("intents") if data else None
        if not intents:
            continue
        kept = [i for i in intents if i.get("name") != name]
        for intent in kept:
            if name in (intent.get("suggest") or []):
                intent["suggest"] = [s for s in intent["suggest"] if s != name]
        data["intents"] = kept
        save(path, _dumped(yaml, data))
    for path in sorted((pack / "responses").glob("*.yml")):
        data = yaml.load(path.read_text(encoding="utf-8"))
        responses = data.get("responses") if data else None
        if not responses:
            continue
        responses.pop(name, None)
        for variants in responses.values():
            for variant in variants:
                buttons = variant.get("buttons")
                if buttons:
                    variant["buttons"] = [b for b in buttons if b.get("payload") != f"/{name}"]
        save(path, _dumped(yaml, data))


def _dumped(yaml: YAML, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
