"""The request page shows how its notifications fared (staff see failures without reading logs)."""

from __future__ import annotations

from collections.abc import Callable

from bot.settings import Settings

from ..staff.conftest import ADMIN_EMAIL, add_account, login
from .conftest import SmtpServer, eventually, query, running, submit_request


async def test_the_request_page_shows_each_channel_with_its_status(
    mail_settings: Callable[..., Settings], smtp: SmtpServer
) -> None:
    smtp.stop()
    settings = mail_settings(outbox_max_attempts=1)
    async with running(settings) as client:
        await add_account(client, ADMIN_EMAIL, "admin")
        assert (await login(client, ADMIN_EMAIL)).status == 303
        await submit_request(client)
        await eventually(lambda: query(settings, "SELECT status FROM outbox") == [("failed",)])
        page = await (await client.get("/staff/requests/1")).text()
    assert 'id="notification-email"' in page
    assert "Failed" in page and "SMTPConnectError" in page
