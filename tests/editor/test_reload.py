"""Hot reload in the running server: real app, real files in a copy of the demo pack, real
watcher. Edits are saved the way editors save (a temporary file renamed over the old one) and
the tests poll the chat API or the admin page with a deadline until the change is live."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.dialogue.replies import REQUIRED_INTENTS
from bot.reload.reloader import RELOAD_OPTIONS_KEY, RELOADER_KEY, ReloadOptions
from bot.runtime import Runtime
from bot.settings import Settings
from bot.storage.db import sqlite_file
from bot.web.app import create_app
from bot.web.keys import RUNTIME_KEY, SETTINGS_KEY

from .live_helpers import (
    ADMIN,
    FAST_LIMITS,
    STAFF,
    Client,
    copy_pack,
    edit,
    eventually,
    light_hashing,
    line_of,
    page_csrf,
    remove_intent,
    save,
    say,
    sign_in,
    start,
    texts,
)

QUESTION = {"text": "how long does the program last"}
OLD_ANSWER = "IOP typically lasts 2 to 3 months"
NEW_ANSWER = "IOP usually runs for about ten weeks"
CONTENT_PAGE = "/staff/admin/content"
RELOAD = "/staff/admin/content/reload"

MakeLive = Callable[..., Awaitable[Client]]


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    return copy_pack(tmp_path / "pack")


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "iop-bot.yml"


@pytest.fixture
def live(
    aiohttp_client: Any,
    settings: Callable[..., Settings],
    demo_runtime: Runtime,
    pack: Path,
    settings_file: Path,
) -> MakeLive:
    """``await live(watch=True, fresh=False, **settings)``: the real server on the pack copy.

    The pack starts as a copy of the demo pack, so the demo runtime (built once per session)
    stands in for loading it again, unless ``fresh`` or the settings change the matcher.
    """

    async def make(*, watch: bool = True, fresh: bool = False, **overrides: Any) -> Client:
        settings_file.parent.mkdir(exist_ok=True)
        values = settings(content_dir=str(pack), watch_content=watch, **FAST_LIMITS, **overrides)
        app = create_app(values, runtime=None if fresh else demo_runtime)
        app[RELOAD_OPTIONS_KEY] = ReloadOptions(
            debounce_ms=20, settings_file=settings_file, environ={}
        )
        client: Client = await aiohttp_client(light_hashing(app))
        return client

    return make


def runtime_of(client: Client) -> Runtime:
    return client.server.app[RUNTIME_KEY].current


def last_errors(client: Client) -> str:
    outcome = client.server.app[RELOADER_KEY].last
    return "the reload" + (f" (last: {list(map(str, outcome.errors))})" if outcome else "")


async def answers(client: Client, conversation_id: str, wanted: str) -> bool:
    return wanted in texts(await say(client, conversation_id, QUESTION))


async def test_a_valid_edit_goes_live_without_a_restart(live: MakeLive, pack: Path) -> None:
    client = await live()
    conversation = await start(client)
    assert await answers(client, conversation, OLD_ANSWER)
    before = runtime_of(client)

    # Files that are not content are ignored, even in the pack's folders.
    (pack / "notes.txt").write_text("not content", encoding="utf-8")
    (pack / "intents" / "README.md").write_text("not content", encoding="utf-8")
    again = edit(pack / "responses" / "faq.yml", OLD_ANSWER, NEW_ANSWER)

    took = await eventually(
        lambda: answers(client, conversation, NEW_ANSWER),
        poke=again,
        what=lambda: last_errors(client),
    )
    assert took < 10
    after = runtime_of(client)
    assert after is not before and after.loaded_at > before.loaded_at
    outcome = client.server.app[RELOADER_KEY].last
    assert outcome is not None and outcome.ok
    assert outcome.trigger == "files changed"
    assert outcome.detail == "responses/faq.yml"
    # The same conversation went on across the reload; a new one gets the new answer too.
    assert await answers(client, await start(client), NEW_ANSWER)

    # Shutting down stops the watcher promptly.
    started = time.monotonic()
    await client.close()
    assert time.monotonic() - started < 3


async def test_an_invalid_edit_keeps_the_old_content_and_admins_see_why(
    live: MakeLive, pack: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = await live()
    await sign_in(client, ADMIN, "admin")
    conversation = await start(client)
    faq = pack / "responses" / "faq.yml"
    line = line_of(faq, OLD_ANSWER)
    before = runtime_of(client)

    with caplog.at_level(logging.INFO, logger="bot.editor"):
        again = edit(faq, OLD_ANSWER, "IOP lasts {{ center.phon }} weeks")

        async def rejected() -> bool:
            page = await client.get(CONTENT_PAGE)
            return "previous content kept" in await page.text()

        await eventually(rejected, poke=again, what="the rejection")

    html = await (await client.get(CONTENT_PAGE)).text()
    assert f"responses/faq.yml:{line}:" in html
    assert "center.phon" in html and "did you mean &#39;phone&#39;?" in html
    assert runtime_of(client) is before
    assert client.server.app[RUNTIME_KEY].last_errors
    assert await answers(client, conversation, OLD_ANSWER)  # still the old content
    # The errors are logged with their location (content, not personal data).
    logged = caplog.text
    assert "content reload rejected" in logged and f"faq.yml:{line}:" in logged

    again = edit(faq, "IOP lasts {{ center.phon }} weeks", NEW_ANSWER)
    await eventually(
        lambda: answers(client, conversation, NEW_ANSWER),
        poke=again,
        what=lambda: last_errors(client),
    )
    assert client.server.app[RUNTIME_KEY].last_errors == []
    html = await (await client.get(CONTENT_PAGE)).text()
    assert "New content live" in html and "center.phon" not in html


async def test_a_pending_did_you_mean_survives_removing_one_of_its_intents(
    live: MakeLive, pack: Path
) -> None:
    # Every second-best intent above the threshold makes a message ambiguous.
    client = await live(fresh=True, ambiguity_margin=1.0)
    conversation = await start(client)
    replies = await say(client, conversation, {"text": "what about medication and therapy"})
    options = [b["payload"].lstrip("/") for r in replies for b in r["buttons"]]
    offered = [name for name in options if name in runtime_of(client).pack.intents]
    assert len(offered) >= 2, replies
    gone = next(name for name in offered if name not in REQUIRED_INTENTS)
    kept = next(name for name in offered if name != gone)

    remove_intent(pack, gone)

    async def removed() -> bool:
        return gone not in runtime_of(client).pack.intents

    await eventually(removed, what=lambda: last_errors(client))
    # The visitor presses the button of the intent that is gone: not understood, no error.
    replies = await say(client, conversation, {"payload": f"/{gone}"})
    assert replies and replies[0]["kind"] == "fallback"
    # The other button still answers, and the conversation goes on.
    replies = await say(client, conversation, {"payload": f"/{kept}"})
    assert replies[0]["kind"] == "answer"


async def test_a_form_in_progress_survives_a_reload_that_removes_an_intent(
    live: MakeLive, pack: Path, settings_file: Path
) -> None:
    client = await live()
    conversation = await start(client)
    for body in ({"payload": "/request_assessment"}, {"payload": "/for_self"}):
        await say(client, conversation, body)
    asked = await say(client, conversation, {"text": "Quentin"})  # now at the contact question
    contact_question = asked[-1]["text"]

    remove_intent(pack, "location")

    async def removed() -> bool:
        return "location" not in runtime_of(client).pack.intents

    await eventually(removed, what=lambda: last_errors(client))
    # A question about the removed topic: not understood, and the form asks again.
    replies = await say(client, conversation, {"text": "where are you located"})
    assert replies[0]["kind"] == "fallback"
    assert replies[-1]["text"] == contact_question
    # The form carries on to the end under the new content.
    for body in (
        {"text": "207-555-0199 or quentin.zephyr@example.org"},
        {"payload": "/contact_call"},
        {"payload": "/time_morning"},
        {"payload": "/affirm"},
        {"text": "Zephyr Mutual Health"},
        {"payload": "/affirm"},
        {"payload": "/affirm"},
    ):
        replies = await say(client, conversation, body)
    assert replies[-1]["kind"] == "confirmation"
    database = sqlite_file(client.server.app[SETTINGS_KEY].database_url)
    assert database is not None
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT COUNT(*) FROM assessment_requests WHERE conversation_id = ?", (conversation,)
        ).fetchone()
    assert rows == (1,)


async def test_reload_now_is_for_admins_with_a_csrf_token_and_is_audited(
    live: MakeLive, pack: Path
) -> None:
    client = await live(watch=False)
    reloader = client.server.app[RELOADER_KEY]
    conversation = await start(client)
    edit(pack / "responses" / "faq.yml", OLD_ANSWER, NEW_ANSWER)  # not watched: nothing happens

    anonymous = await client.post(RELOAD, data={}, allow_redirects=False)
    assert anonymous.status == 403

    await sign_in(client, STAFF, "staff")
    token = await page_csrf(client, "/staff/requests")
    as_staff = await client.post(RELOAD, data={"csrf_token": token}, allow_redirects=False)
    assert as_staff.status == 403 and "Admins only" in await as_staff.text()
    assert (await client.get(CONTENT_PAGE)).status == 403

    await sign_in(client, ADMIN, "admin")
    no_token = await client.post(RELOAD, data={}, allow_redirects=False)
    assert no_token.status == 403
    wrong = await client.post(RELOAD, data={"csrf_token": token}, allow_redirects=False)
    assert wrong.status == 403  # the staff member's token is not the admin's
    assert not reloader.history
    assert await answers(client, conversation, OLD_ANSWER)

    page = await client.get(CONTENT_PAGE)
    html = await page.text()
    assert "No reload since the server started" in html
    assert "Content" in html and 'id="reload-now"' in html
    token = await page_csrf(client, CONTENT_PAGE)
    resp = await client.post(RELOAD, data={"csrf_token": token}, allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"].endswith("/staff/admin/content?reloaded=1")
    html = await (await client.get(resp.headers["Location"])).text()
    assert "Reloaded: the content on disk is live" in html
    assert f"by {ADMIN}" in html
    assert await answers(client, conversation, NEW_ANSWER)

    database = sqlite_file(client.server.app[SETTINGS_KEY].database_url)
    assert database is not None
    with sqlite3.connect(database) as conn:
        audit = conn.execute(
            "SELECT actor, target, details FROM audit_log WHERE action = 'content.reload'"
        ).fetchall()
    assert len(audit) == 1
    actor, target, details = audit[0]
    assert actor == ADMIN and target == "content pack"
    assert '"ok": true' in details and '"errors": 0' in details


async def test_settings_file_changes_apply_the_matcher_live_and_flag_the_rest(
    live: MakeLive, settings_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = await live()
    await sign_in(client, ADMIN, "admin")
    assert runtime_of(client).matcher.threshold != 0.55

    with caplog.at_level(logging.INFO, logger="bot.editor"):
        save(settings_file, "match_threshold: 0.55\nport: 9099\nsmtp_password: hunter2-secret\n")

        async def applied() -> bool:
            return runtime_of(client).matcher.threshold == 0.55

        await eventually(applied, what=lambda: last_errors(client))

    reloader = client.server.app[RELOADER_KEY]
    assert reloader.settings.match_threshold == 0.55
    assert reloader.last is not None and reloader.last.applied[0].startswith("match_threshold")
    assert reloader.pending_restart == ("port", "smtp_password")
    html = await (await client.get(CONTENT_PAGE)).text()
    assert "Restart needed" in html and "<code>port</code>" in html
    assert 'id="content-threshold">0.55<' in html
    logged = caplog.text
    assert "need a restart" in logged and "port" in logged
    assert "hunter2" not in logged and "hunter2" not in html  # names only, never values


async def test_an_unreadable_settings_file_blocks_the_reload(
    live: MakeLive, settings_file: Path
) -> None:
    client = await live(watch=False)
    await sign_in(client, ADMIN, "admin")
    before = runtime_of(client)
    save(settings_file, "match_threshold: 0.5\nport: [8080\n")

    token = await page_csrf(client, CONTENT_PAGE)
    resp = await client.post(RELOAD, data={"csrf_token": token})
    html = await resp.text()
    assert "The content on disk has errors" in html
    assert f"{settings_file}:" in html and "not valid YAML" in html
    assert runtime_of(client) is before

    save(settings_file, "match_threshold: high\n")
    resp = await client.post(RELOAD, data={"csrf_token": token})
    assert "match_threshold" in await resp.text()
    assert runtime_of(client) is before
