"""The delivery worker: a background task that sends due outbox rows.

It wakes every ``outbox_poll_seconds`` and at once when the chat service
signals a new request (the app's new-request event), claims each due row (see
``bot.notify.outbox``), hands it to its channel and records the outcome. On
shutdown it stops claiming, lets sends already under way finish for a grace
period, and only then cancels them (a cancelled send is retried after its
lease, like a crash).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.notify import outbox
from bot.notify.channel import Channel, DeliveryError
from bot.notify.message import Notification

log = logging.getLogger(__name__)

BATCH_SIZE = 50
CONCURRENCY = 4
# Marking a row sent is retried briefly: failing to record it is what could cause a resend.
MARK_SENT_RETRY_DELAYS = (0.1, 0.5, 2.0)


class OutboxWorker:
    """Delivers the outbox of one database through the configured channels."""

    def __init__(
        self,
        engine: AsyncEngine,
        channels: Mapping[str, Channel],
        *,
        base_url: str,
        policy: outbox.RetryPolicy,
        poll_seconds: float,
        wake: asyncio.Event | None = None,
    ) -> None:
        self._engine = engine
        self._channels = dict(channels)
        self._base_url = base_url
        self._policy = policy
        self._poll = poll_seconds
        self._wake = wake
        self._stopping = asyncio.Event()
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._task: asyncio.Task[None] | None = None

    # --- lifecycle --------------------------------------------------------------
    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop(), name="notify-outbox")

    async def stop(self, grace: float) -> None:
        """Stop claiming; give sends under way ``grace`` seconds, then cancel them."""
        self._stopping.set()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            log.warning("notification sends still running at shutdown were cancelled")
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            if self._wake is not None:
                self._wake.clear()  # before looking, so a request committed meanwhile wakes us
            try:
                await self.run_once()
            except (SQLAlchemyError, OSError) as exc:
                log.error("notification worker cannot read the outbox: %s", type(exc).__name__)
            except Exception:  # keep delivering after a bug; the traceback holds no visitor data
                log.exception("notification worker round failed")
            await self._pause()

    async def _pause(self) -> None:
        waits = [asyncio.ensure_future(self._stopping.wait())]
        if self._wake is not None:
            waits.append(asyncio.ensure_future(self._wake.wait()))
        try:
            await asyncio.wait(waits, timeout=self._poll, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waits:
                waiter.cancel()
            await asyncio.gather(*waits, return_exceptions=True)

    # --- one round --------------------------------------------------------------
    async def run_once(self) -> int:
        """Try every row that is due now; returns how many attempts were made."""
        attempts = 0
        while not self._stopping.is_set():
            async with self._engine.connect() as conn:
                rows = await outbox.due_rows(
                    conn, self._channels, outbox.utcnow(), limit=BATCH_SIZE
                )
            if not rows:
                break
            outcomes = await asyncio.gather(
                *(self._attempt(row) for row in rows), return_exceptions=True
            )
            tried = 0
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    # The database failed mid-attempt; the row's lease brings it back later.
                    log.error("a notification attempt was not recorded: %s", type(outcome).__name__)
                    tried += 1
                else:
                    tried += int(outcome)
            attempts += tried
            if len(rows) < BATCH_SIZE or not tried:
                break
        return attempts

    async def _attempt(self, row: outbox.DueRow) -> bool:
        async with self._slots:
            if self._stopping.is_set():
                return False
            async with self._engine.begin() as conn:
                if not await outbox.claim(conn, row, outbox.utcnow(), self._policy.lease):
                    return False
            attempt = row.attempts + 1
            note = Notification.for_request(row.request_id, row.request_created_at, self._base_url)
            try:
                remark = await self._channels[row.channel].deliver(note)
            except DeliveryError as exc:
                await self._failed(row, attempt, exc.reason)
            except Exception as exc:  # a channel bug must not stop the other deliveries
                log.exception("notification channel %s raised unexpectedly", row.channel)
                await self._failed(row, attempt, f"unexpected error: {type(exc).__name__}")
            else:
                await self._sent(row, attempt, remark)
            return True

    async def _sent(self, row: outbox.DueRow, attempt: int, remark: str | None) -> None:
        for delay in (*MARK_SENT_RETRY_DELAYS, None):
            try:
                async with self._engine.begin() as conn:
                    await outbox.mark_sent(conn, row.id, outbox.utcnow(), remark)
            except SQLAlchemyError as exc:
                if delay is None:
                    log.error(
                        "%s notification for request %d was delivered but could not be recorded "
                        "(%s); it will be sent again when its lease ends",
                        row.channel,
                        row.request_id,
                        type(exc).__name__,
                    )
                    return
                await asyncio.sleep(delay)
            else:
                break
        log.info(
            "%s notification for request %d delivered (attempt %d)%s",
            row.channel,
            row.request_id,
            attempt,
            f": {remark}" if remark else "",
        )

    async def _failed(self, row: outbox.DueRow, attempt: int, reason: str) -> None:
        async with self._engine.begin() as conn:
            delay = await outbox.mark_failed_attempt(
                conn,
                row.id,
                attempts=attempt,
                error=reason,
                now=outbox.utcnow(),
                policy=self._policy,
            )
        if delay is None:
            log.error(
                "%s notification for request %d failed for good after %d attempts: %s",
                row.channel,
                row.request_id,
                attempt,
                reason,
            )
        else:
            log.warning(
                "%s notification for request %d failed (attempt %d of %d), next try in %.1fs: %s",
                row.channel,
                row.request_id,
                attempt,
                self._policy.max_attempts,
                delay,
                reason,
            )
