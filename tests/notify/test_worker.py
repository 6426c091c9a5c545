"""The outbox worker's guarantees: one claim per attempt, leases after crashes, backoff, wake-ups."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.crypto import FieldCipher, generate_key
from bot.notify import outbox
from bot.notify.email import EmailChannel
from bot.notify.worker import OutboxWorker
from bot.settings import Settings
from bot.storage.db import migrate, open_engine
from bot.storage.requests import create_request

from .conftest import SmtpServer, eventually, query, running, submit_request

SettingsMaker = Callable[..., Settings]


@pytest.fixture
async def engine(mail_settings: SettingsMaker) -> AsyncIterator[AsyncEngine]:
    """The migrated database of ``mail_settings()``, without any app around it."""
    db = open_engine(mail_settings().database_url)
    await migrate(db)
    yield db
    await db.dispose()


async def make_requests(engine: AsyncEngine, count: int) -> list[int]:
    cipher = FieldCipher([generate_key()])
    ids = []
    async with engine.begin() as conn:
        for _ in range(count):
            fields = {"first_name": "Quentin", "phone": "+12075550199", "consent": True}
            ids.append(await create_request(conn, None, fields, cipher, ["email"]))
    return ids


def worker(
    engine: AsyncEngine, settings: Settings, *, lease: float = outbox.LEASE_SECONDS
) -> OutboxWorker:
    policy = outbox.RetryPolicy.from_settings(settings)
    return OutboxWorker(
        engine,
        {"email": EmailChannel(settings)},
        base_url=settings.base_url,
        policy=outbox.RetryPolicy(policy.max_attempts, policy.first_delay, policy.max_delay, lease),
        poll_seconds=settings.outbox_poll_seconds,
    )


async def test_two_workers_racing_on_one_database_send_each_request_once(
    engine: AsyncEngine, mail_settings: SettingsMaker, smtp: SmtpServer
) -> None:
    settings = mail_settings()
    ids = await make_requests(engine, 12)
    one, two = worker(engine, settings), worker(engine, settings)
    made = await asyncio.gather(one.run_once(), two.run_once(), one.run_once(), two.run_once())
    assert sum(made) == 12
    subjects = sorted(int(m["Subject"].rpartition("#")[2]) for m in smtp.handler.messages)
    assert subjects == ids
    assert query(settings, "SELECT DISTINCT status, attempts FROM outbox") == [("sent", 1)]


async def test_a_row_claimed_by_a_crashed_process_is_sent_after_its_lease(
    engine: AsyncEngine, mail_settings: SettingsMaker, smtp: SmtpServer
) -> None:
    settings = mail_settings()
    await make_requests(engine, 1)
    # A process claims the row and dies before sending.
    async with engine.begin() as conn:
        [row] = await outbox.due_rows(conn, ["email"], outbox.utcnow(), limit=10)
        assert await outbox.claim(conn, row, outbox.utcnow(), lease=0.4)
        assert not await outbox.claim(conn, row, outbox.utcnow(), lease=0.4)  # taken
    survivor = worker(engine, settings)
    assert await survivor.run_once() == 0
    assert smtp.handler.raw == []
    await asyncio.sleep(0.45)
    assert await survivor.run_once() == 1
    assert len(smtp.handler.raw) == 1
    assert query(settings, "SELECT status, attempts FROM outbox") == [("sent", 2)]


async def test_a_new_request_wakes_the_worker_before_its_next_poll(
    mail_settings: SettingsMaker, smtp: SmtpServer
) -> None:
    settings = mail_settings(outbox_poll_seconds=60)
    async with running(settings) as client:
        await asyncio.sleep(0.1)  # the worker's first round is done; it now sleeps for a minute
        started = asyncio.get_running_loop().time()
        await submit_request(client)
        await eventually(lambda: len(smtp.handler.raw) == 1, within=3)
        assert asyncio.get_running_loop().time() - started < 3


def test_backoff_doubles_with_jitter_and_is_capped(mail_settings: SettingsMaker) -> None:
    policy = outbox.RetryPolicy.from_settings(mail_settings(outbox_poll_seconds=2.0))
    assert policy.first_delay == 30.0 and policy.max_delay == 3600.0
    low = [policy.delay(n, rand=lambda: 0.0) for n in range(1, 10)]
    high = [policy.delay(n, rand=lambda: 1.0) for n in range(1, 10)]
    assert high[:5] == [30.0, 60.0, 120.0, 240.0, 480.0]
    assert low[:3] == [15.0, 30.0, 60.0]
    assert high[-1] == 3600.0 and low[-1] == 1800.0
    assert policy.delay(10_000, rand=lambda: 1.0) == 3600.0
    jittered = {policy.delay(3) for _ in range(50)}
    assert len(jittered) > 1 and all(60.0 <= d <= 120.0 for d in jittered)


async def test_a_failed_attempt_is_scheduled_by_the_policy(
    engine: AsyncEngine, mail_settings: SettingsMaker
) -> None:
    [request_id] = await make_requests(engine, 1)
    policy = outbox.RetryPolicy(max_attempts=3, first_delay=10, max_delay=100, lease=300)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        [row] = await outbox.due_rows(conn, ["email"], now, limit=1)
        delay = await outbox.mark_failed_attempt(
            conn, row.id, attempts=1, error="SMTP 451: later", now=now, policy=policy
        )
        assert delay is not None and 5 <= delay <= 10
        assert await outbox.due_rows(conn, ["email"], now + timedelta(seconds=4.9), limit=1) == []
        assert await outbox.due_rows(conn, ["email"], now + timedelta(seconds=10), limit=1)
        assert (
            await outbox.mark_failed_attempt(
                conn, row.id, attempts=3, error="SMTP 451: later", now=now, policy=policy
            )
            is None
        )
        [status] = await outbox.delivery_status(conn, request_id)
    assert (status["status"], status["last_error"]) == ("failed", "SMTP 451: later")
