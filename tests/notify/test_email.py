"""New-request emails end to end: chat API -> outbox -> worker -> a real SMTP server."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest

from bot import notify
from bot.notify.outbox import delivery_status
from bot.settings import Settings, SettingsError
from bot.web.app import create_app
from bot.web.keys import DB_KEY

from .conftest import (
    ADMISSIONS,
    PERSONAL,
    PUBLIC_URL,
    SENDER,
    SmtpServer,
    eventually,
    query,
    running,
    submit_request,
)

SettingsMaker = Callable[..., Settings]


def outbox_rows(settings: Settings) -> list[tuple[Any, ...]]:
    return query(
        settings,
        "SELECT request_id, channel, status, attempts, last_error FROM outbox ORDER BY id",
    )


async def test_a_new_request_is_emailed_once_with_only_its_number_and_link(
    mail_settings: SettingsMaker, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    settings = mail_settings()
    caplog.set_level(logging.DEBUG)
    async with running(settings) as client:
        await submit_request(client)
        await eventually(lambda: len(smtp.handler.raw) == 1)
        [(request_id,)] = query(settings, "SELECT id FROM assessment_requests")
        await eventually(lambda: outbox_rows(settings)[0][2] == "sent")

    [raw] = smtp.handler.raw
    [message] = smtp.handler.messages
    assert smtp.handler.envelopes == [(SENDER, [ADMISSIONS])]
    assert message["Subject"] == f"New assessment request #{request_id}"
    assert message["From"] == SENDER
    assert message["To"] == ADMISSIONS
    assert message["Auto-Submitted"] == "auto-generated"
    assert re.fullmatch(
        rf"<iop-bot\.request-{request_id}\.\d{{8}}T\d{{12}}Z@clinic\.example>",
        message["Message-ID"],
    )
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    text = body.decode("utf-8").replace("\r\n", "\n")
    assert f"{PUBLIC_URL}/staff/requests/{request_id}\n" in text
    assert "behind staff login" in text
    # Nothing the visitor said or typed, anywhere in the message (headers included) or the logs.
    for secret in PERSONAL:
        assert secret.casefold() not in raw.decode("utf-8", "replace").casefold(), secret
        assert secret.casefold() not in caplog.text.casefold(), secret
    assert outbox_rows(settings) == [(request_id, "email", "sent", 1, None)]


async def test_delivered_exactly_once_across_many_rounds_and_a_restart(
    mail_settings: SettingsMaker, smtp: SmtpServer
) -> None:
    settings = mail_settings()
    async with running(settings) as client:
        for _ in range(3):
            await submit_request(client)
        await eventually(lambda: len(smtp.handler.raw) == 3)
        worker = client.server.app[notify.NOTIFY_WORKER_KEY]
        for _ in range(5):
            assert await worker.run_once() == 0
    async with running(settings) as client:
        worker = client.server.app[notify.NOTIFY_WORKER_KEY]
        for _ in range(5):
            assert await worker.run_once() == 0
    subjects = sorted(m["Subject"] for m in smtp.handler.messages)
    assert subjects == [f"New assessment request #{n}" for n in (1, 2, 3)]
    assert [row[2:4] for row in outbox_rows(settings)] == [("sent", 1)] * 3


async def test_survives_an_smtp_outage_with_backoff_and_sends_once_it_is_back(
    mail_settings: SettingsMaker, smtp: SmtpServer
) -> None:
    smtp.stop()
    settings = mail_settings()
    async with running(settings) as client:
        await submit_request(client)
        await eventually(lambda: outbox_rows(settings)[0][3] >= 3)
        [(_, _, status, attempts, error)] = outbox_rows(settings)
        assert status == "pending"
        assert error and "SMTPConnect" in error
        # Backoff: attempts 1..3 took at least first_delay/2 + first_delay (0.3 s and 0.6 s).
        smtp.start()
        await eventually(lambda: outbox_rows(settings)[0][2] == "sent")
        worker = client.server.app[notify.NOTIFY_WORKER_KEY]
        for _ in range(3):
            await worker.run_once()
    assert len(smtp.handler.raw) == 1
    [(_, _, status, attempts_at_end, error)] = outbox_rows(settings)
    assert (status, error) == ("sent", None)
    assert attempts_at_end >= attempts >= 3


async def test_a_temporary_smtp_refusal_is_retried(
    mail_settings: SettingsMaker, smtp: SmtpServer
) -> None:
    smtp.handler.data_reply = "451 4.3.0 try again later"
    settings = mail_settings()
    async with running(settings) as client:
        await submit_request(client)
        await eventually(lambda: outbox_rows(settings)[0][3] >= 1 and outbox_rows(settings)[0][4])
        assert "SMTP 451" in outbox_rows(settings)[0][4]
        smtp.handler.data_reply = None
        await eventually(lambda: outbox_rows(settings)[0][2] == "sent")
    assert len(smtp.handler.raw) == 1


async def test_a_pending_notification_is_delivered_by_the_next_server_process(
    mail_settings: SettingsMaker, smtp: SmtpServer
) -> None:
    smtp.stop()
    settings = mail_settings()
    async with running(settings) as client:
        await submit_request(client)
        await eventually(lambda: outbox_rows(settings)[0][3] >= 1)
    assert outbox_rows(settings)[0][2] == "pending"
    smtp.start()
    async with running(settings):
        await eventually(lambda: outbox_rows(settings)[0][2] == "sent")
    assert len(smtp.handler.raw) == 1


async def test_a_channel_turned_off_keeps_its_rows_waiting_and_says_so(
    mail_settings: SettingsMaker,
    settings: SettingsMaker,
    smtp: SmtpServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    smtp.stop()
    config = mail_settings()
    async with running(config) as client:
        await submit_request(client)
        await eventually(lambda: outbox_rows(config)[0][3] >= 1)
    with caplog.at_level(logging.WARNING, logger="bot.notify"):
        async with running(settings()):
            pass
    assert "1 email notification(s) are pending but email is not configured" in caplog.text
    assert outbox_rows(config)[0][2] == "pending"
    smtp.start()
    async with running(config):
        await eventually(lambda: outbox_rows(config)[0][2] == "sent")
    assert len(smtp.handler.raw) == 1


async def test_gives_up_after_max_attempts_and_the_dashboard_can_show_why(
    mail_settings: SettingsMaker, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    smtp.stop()
    settings = mail_settings(outbox_max_attempts=2, outbox_poll_seconds=0.01)
    with caplog.at_level(logging.INFO, logger="bot.notify"):
        async with running(settings) as client:
            await submit_request(client)
            await eventually(lambda: outbox_rows(settings)[0][2] == "failed")
            async with client.server.app[DB_KEY].connect() as conn:
                [status] = await delivery_status(conn, 1)
                assert await delivery_status(conn, 999) == []
    assert status["channel"] == "email"
    assert status["status"] == "failed"
    assert status["attempts"] == 2
    assert "SMTPConnect" in status["last_error"]
    assert status["next_attempt_at"] is None and status["sent_at"] is None
    assert "email notification for request 1 failed for good after 2 attempts" in caplog.text
    for secret in PERSONAL:
        assert secret.casefold() not in caplog.text.casefold()


async def test_a_refused_recipient_does_not_cause_a_second_copy_for_the_others(
    mail_settings: SettingsMaker, smtp: SmtpServer
) -> None:
    smtp.handler.refuse_rcpt = {"gone@clinic.example"}
    settings = mail_settings(notify_email_to=(ADMISSIONS, "gone@clinic.example"))
    async with running(settings) as client:
        await submit_request(client)
        await eventually(lambda: outbox_rows(settings)[0][2] == "sent")
        await client.server.app[notify.NOTIFY_WORKER_KEY].run_once()
    assert smtp.handler.envelopes == [(SENDER, [ADMISSIONS])]
    assert outbox_rows(settings)[0][2:] == ("sent", 1, "1 of 2 recipients refused")


async def test_shutdown_lets_a_send_under_way_finish(
    mail_settings: SettingsMaker, smtp: SmtpServer
) -> None:
    smtp.handler.delay = 0.5
    settings = mail_settings()
    async with running(settings) as client:
        await submit_request(client)
        await eventually(lambda: outbox_rows(settings)[0][3] == 1)
    assert outbox_rows(settings)[0][2] == "sent"
    assert len(smtp.handler.raw) == 1


async def test_a_send_cut_off_by_shutdown_waits_for_its_lease(
    mail_settings: SettingsMaker, smtp: SmtpServer
) -> None:
    smtp.handler.delay = 1.0
    settings = mail_settings(shutdown_timeout=0.1)
    async with running(settings) as client:
        await submit_request(client)
        await eventually(lambda: outbox_rows(settings)[0][3] == 1)
    assert outbox_rows(settings)[0][2:4] == ("pending", 1)
    # Leased, not due: the next process does not send it again before the lease ends.
    async with running(settings) as client:
        assert await client.server.app[notify.NOTIFY_WORKER_KEY].run_once() == 0
    assert outbox_rows(settings)[0][2:4] == ("pending", 1)


def test_the_app_runs_one_worker_for_the_configured_channels(
    settings: SettingsMaker, mail_settings: SettingsMaker
) -> None:
    app = create_app(settings())
    assert app[notify.NOTIFY_CHANNELS_KEY] == ()
    before = len(app.cleanup_ctx)
    notify.setup(app)  # idempotent: one app, one worker
    assert len(app.cleanup_ctx) == before
    app = create_app(mail_settings(webhook_url="https://hooks.example/x", webhook_secret="s"))
    assert app[notify.NOTIFY_CHANNELS_KEY] == ("email", "webhook")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"notify_email_from": ""}, "notify_email_from"),
        ({"notify_email_from": "not an address"}, "notify_email_from"),
        ({"smtp_tls": "ssl"}, "smtp_tls"),
        ({"notify_email_to": ("admissions",)}, "notify_email_to"),
        ({"smtp_username": "bot"}, "smtp_password"),
    ],
)
def test_email_settings_that_could_never_deliver_fail_at_startup(
    mail_settings: SettingsMaker, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        create_app(mail_settings(**overrides))
