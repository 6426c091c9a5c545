"""Helpers for the staff dashboard tests: a real app on a real SQLite file, real accounts,
real sign-ins through the login form, and requests made through the chat API."""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher

from bot.settings import Settings
from bot.staff import accounts
from bot.staff.keys import DUMMY_HASH_KEY, HASHER_KEY
from bot.staff.passwords import check_password, dummy_hash, make_hasher
from bot.storage.db import sqlite_file
from bot.storage.requests import create_request
from bot.web.app import create_app
from bot.web.keys import CIPHER_KEY, DB_KEY, SETTINGS_KEY

Client = TestClient[Any, Any]

ADMIN_EMAIL = "ada.admin@example.org"
STAFF_EMAIL = "sam.staff@example.org"
PASSWORD = "violet-harbor-lantern-42"

# A complete assessment request through the chat API, as a visitor makes it.
VISITOR_NAME = "Quentin"
VISITOR_PHONE = "207-555-0199"
VISITOR_EMAIL = "quentin.zephyr@example.org"
CHAT_FORM: list[dict[str, str]] = [
    {"payload": "/request_assessment"},
    {"payload": "/for_self"},
    {"text": VISITOR_NAME},
    {"text": f"{VISITOR_PHONE} or {VISITOR_EMAIL}"},
    {"payload": "/contact_call"},
    {"payload": "/time_morning"},
    {"payload": "/affirm"},
    {"text": "Zephyr Mutual Health"},
    {"payload": "/affirm"},
    {"payload": "/affirm"},
]

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


def db_file(settings: Settings) -> Path:
    path = sqlite_file(settings.database_url)
    assert path is not None
    return path


def sql(client: Client, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read or write the app's SQLite file directly, as an outsider (or an attacker) would."""
    with sqlite3.connect(db_file(client.server.app[SETTINGS_KEY])) as conn:
        return conn.execute(statement, params).fetchall()


def light_hasher() -> PasswordHasher:
    """argon2id with the smallest cost parameters, for tests that sign in many times.

    Production uses ``make_hasher()`` (~0.2 s a check); the code path is the same, only the
    cost in the hash string differs. Tests about cost itself use ``make_client(light=False)``.
    """
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@functools.cache
def known_hash(password: str, light: bool) -> str:
    """An argon2id hash of a test password, made once per run."""
    return (light_hasher() if light else make_hasher()).hash(password)


async def add_account(client: Client, email: str, role: str, password: str = PASSWORD) -> int:
    """Create an account with the same code the CLI and the admin page use."""
    check_password(password, email=email)
    hasher = client.server.app[HASHER_KEY]
    password_hash = known_hash(password, hasher.time_cost == 1)
    async with client.server.app[DB_KEY].begin() as conn:
        account = await accounts.create_account(
            conn, email=email, role=role, password_hash=password_hash
        )
    return account.id


async def login(client: Client, email: str, password: str = PASSWORD) -> Any:
    """Sign in through the login form: load it (CSRF cookie and field), then post it."""
    page = await client.get("/staff/login")
    token = csrf_of(await page.text())
    return await client.post(
        "/staff/login",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False,
    )


async def page_csrf(client: Client, path: str = "/staff/requests") -> str:
    resp = await client.get(path)
    assert resp.status == 200, path
    return csrf_of(await resp.text())


async def chat_request(client: Client, steps: list[dict[str, str]] | None = None) -> str:
    """Make an assessment request the way a visitor does; returns the conversation id."""
    resp = await client.post("/api/v1/conversations")
    assert resp.status == 201, await resp.text()
    cid: str = (await resp.json())["conversation_id"]
    for body in steps or CHAT_FORM:
        r = await client.post(f"/api/v1/conversations/{cid}/messages", json=body)
        assert r.status == 200, await r.text()
    return cid


async def stored_request(
    client: Client,
    fields: Mapping[str, Any],
    *,
    conversation_id: str | None = None,
    now: datetime | None = None,
) -> int:
    """Store a request with arbitrary field values through the storage part's create_request
    (for values the chat form would refuse, such as markup in a name)."""
    app = client.server.app
    async with app[DB_KEY].begin() as conn:
        return await create_request(
            conn, conversation_id, fields, app[CIPHER_KEY], (), now=now or datetime.now(UTC)
        )


MakeClient = Callable[..., Awaitable[Client]]


@pytest.fixture
def make_client(aiohttp_client: Any, settings: Callable[..., Settings]) -> MakeClient:
    """``await make_client(**setting_overrides)``: a client of the real app (light argon2)."""

    async def make(*, light: bool = True, **overrides: Any) -> Client:
        app = create_app(settings(**overrides))
        if light:
            app[HASHER_KEY] = light_hasher()
            app[DUMMY_HASH_KEY] = dummy_hash(app[HASHER_KEY])
        client: Client = await aiohttp_client(app)
        return client

    return make


@pytest.fixture
async def admin(make_client: MakeClient) -> Client:
    """A client signed in as an admin (a staff account exists too)."""
    client = await make_client()
    await add_account(client, ADMIN_EMAIL, "admin")
    await add_account(client, STAFF_EMAIL, "staff")
    resp = await login(client, ADMIN_EMAIL)
    assert resp.status == 303, await resp.text()
    return client


@pytest.fixture
async def staff(make_client: MakeClient) -> Client:
    """A client signed in with the staff role (an admin exists too)."""
    client = await make_client()
    await add_account(client, ADMIN_EMAIL, "admin")
    await add_account(client, STAFF_EMAIL, "staff")
    resp = await login(client, STAFF_EMAIL)
    assert resp.status == 303, await resp.text()
    return client
