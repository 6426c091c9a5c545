"""Durable storage through the real app: restarts, encryption at rest, failures, concurrency."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from cryptography.fernet import Fernet

from bot.crypto import FieldCipher
from bot.runtime import Runtime
from bot.web.app import create_app
from bot.web.keys import CHAT_KEY, NEW_REQUEST_KEY, RUNTIME_KEY

from .support import (
    CONFIRM,
    EMAIL,
    FORM_UNTIL_CONFIRM,
    NAME,
    PHONE_E164,
    db_path,
    query,
    say,
    start,
    texts,
)


async def test_restart_in_the_middle_of_the_form(settings: Any, demo_runtime: Runtime) -> None:
    config = settings()
    first = TestClient(TestServer(create_app(config, runtime=demo_runtime)))
    await first.start_server()
    cid = await start(first)
    for body in FORM_UNTIL_CONFIRM[:4]:  # up to and including the contact details
        await say(first, cid, body)
    await first.close()  # the server goes away mid-form

    second = TestClient(TestServer(create_app(config, runtime=demo_runtime)))
    await second.start_server()
    try:
        # The new server knows nothing in memory; the form continues from the database.
        replies = await say(second, cid, FORM_UNTIL_CONFIRM[4])
        assert "time" in texts(replies).lower()
        for body in FORM_UNTIL_CONFIRM[5:]:
            replies = await say(second, cid, body)
        assert NAME in texts(replies)  # the summary still has the name given before
        replies = await say(second, cid, CONFIRM)
        assert any(m["kind"] == "confirmation" for m in replies)
        transcript = await (await second.get(f"/api/v1/conversations/{cid}")).json()
        assert len([m for m in transcript["messages"] if m["role"] == "visitor"]) == 10
    finally:
        await second.close()
    assert query(config, "SELECT count(*) FROM assessment_requests") == [(1,)]


async def test_request_and_messages_are_encrypted_at_rest(
    client: TestClient[Any, Any], settings: Any
) -> None:
    config = settings()
    cid = await start(client)
    for body in FORM_UNTIL_CONFIRM:
        await say(client, cid, body)
    # The form's answers live in the dialogue state, which is encrypted too.
    cipher = client.app[CHAT_KEY]._cipher
    state_enc = query(config, "SELECT state_enc FROM conversations WHERE id = ?", cid)[0][0]
    assert NAME not in state_enc and NAME in str(cipher.decrypt(state_enc))
    await say(client, cid, CONFIRM)
    await client.close()  # checkpoint and close, so everything is in the main file
    path = db_path(config)
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    for secret in (NAME, EMAIL, PHONE_E164, "207-555-0199", "5550199", "Zephyr"):
        assert secret.encode() not in raw, secret
    rows = query(
        config,
        "SELECT id, status, for_whom, first_name_enc, phone_enc, email_enc, contact_method, "
        "voicemail_ok, insurance_enc, consent_at FROM assessment_requests",
    )
    assert len(rows) == 1
    (
        request_id,
        status,
        for_whom,
        name_enc,
        phone_enc,
        email_enc,
        method,
        voicemail,
        ins,
        consent,
    ) = rows[0]
    assert (request_id, status, for_whom, method, voicemail) == (1, "new", "self", "call", 1)
    assert consent is not None
    assert cipher.decrypt(name_enc) == NAME
    assert cipher.decrypt(phone_enc) == PHONE_E164
    assert cipher.decrypt(email_enc) == EMAIL
    assert cipher.decrypt(ins) == "Zephyr Mutual Health"


async def test_outbox_rows_are_written_with_the_request(
    aiohttp_client: Any, settings: Any, demo_runtime: Runtime
) -> None:
    config = settings(
        smtp_host="127.0.0.1",
        notify_email_to=("admissions@example.org",),
        notify_email_from="bot@example.org",
        webhook_url="http://127.0.0.1:9/hook",
        webhook_secret="s3cret-s3cret-s3cret-s3cret-s3cret",
        outbox_poll_seconds=3600.0,
    )
    client = await aiohttp_client(create_app(config, runtime=demo_runtime))
    woken = client.app[NEW_REQUEST_KEY]
    woken.clear()
    cid = await start(client)
    for body in [*FORM_UNTIL_CONFIRM, CONFIRM]:
        await say(client, cid, body)
    assert woken.is_set()
    rows = query(
        config, "SELECT request_id, channel, status, attempts FROM outbox ORDER BY channel"
    )
    assert [r[1] for r in rows] == ["email", "webhook"]
    assert all(r[0] == 1 for r in rows)


async def test_storage_failure_tells_the_visitor_and_keeps_the_form(
    client: TestClient[Any, Any], settings: Any
) -> None:
    config = settings()
    cid = await start(client)
    for body in FORM_UNTIL_CONFIRM:
        await say(client, cid, body)
    # A real failure: the requests table disappears under the running server.
    with sqlite3.connect(db_path(config)) as conn:
        conn.execute("ALTER TABLE assessment_requests RENAME TO assessment_requests_gone")

    replies = await say(client, cid, CONFIRM)
    assert [m["kind"] for m in replies] == ["error"]
    phone = client.app[RUNTIME_KEY].current.pack.center.phone
    assert phone in texts(replies)
    assert query(config, "SELECT count(*) FROM outbox") == [(0,)]

    # The database comes back; the same "yes" now submits, since the state did not advance.
    with sqlite3.connect(db_path(config)) as conn:
        conn.execute("ALTER TABLE assessment_requests_gone RENAME TO assessment_requests")
    replies = await say(client, cid, CONFIRM)
    assert any(m["kind"] == "confirmation" for m in replies)
    assert query(config, "SELECT count(*) FROM assessment_requests") == [(1,)]
    # Both attempts are in the transcript: nothing was silently dropped.
    transcript = await (await client.get(f"/api/v1/conversations/{cid}")).json()
    kinds = [m["kind"] for m in transcript["messages"] if m["role"] == "bot"]
    assert "error" in kinds and kinds[-1] == "confirmation"


async def test_total_storage_failure_is_503_and_acknowledges_nothing(
    client: TestClient[Any, Any], settings: Any
) -> None:
    config = settings()
    cid = await start(client)
    before = await (await client.get(f"/api/v1/conversations/{cid}")).json()
    with sqlite3.connect(db_path(config)) as conn:
        conn.execute("ALTER TABLE messages RENAME TO messages_gone")
    try:
        resp = await client.post(
            f"/api/v1/conversations/{cid}/messages", json={"text": "what is IOP?"}
        )
        assert resp.status == 503
        assert resp.headers["Retry-After"]
        assert (await resp.json())["error"]["code"] == "storage_unavailable"
    finally:
        with sqlite3.connect(db_path(config)) as conn:
            conn.execute("ALTER TABLE messages_gone RENAME TO messages")
    after = await (await client.get(f"/api/v1/conversations/{cid}")).json()
    assert after == before
    # And the conversation works again once storage is back.
    assert await say(client, cid, {"text": "what is IOP?"})


async def test_concurrent_messages_to_one_conversation_are_serialized(
    client: TestClient[Any, Any], settings: Any
) -> None:
    cid = await start(client)
    questions = [f"how many hours a week? ({i})" for i in range(12)]
    results = await asyncio.gather(*(say(client, cid, {"text": q}) for q in questions))
    assert all(results)
    transcript = await (await client.get(f"/api/v1/conversations/{cid}")).json()
    visitors = [m["text"] for m in transcript["messages"] if m["role"] == "visitor"]
    assert sorted(visitors) == sorted(questions)
    # Every turn advanced the same state: version = 1 (created) + one per message.
    assert query(settings(), "SELECT version FROM conversations WHERE id = ?", cid) == [(13,)]
    cached = await client.app[CHAT_KEY]._snapshot(cid)
    assert '"turn":12' in cached.state_json


async def test_a_stale_cache_is_caught_by_the_version_check(
    client: TestClient[Any, Any], settings: Any
) -> None:
    """Another process advanced the conversation: this one must not overwrite it."""
    config = settings()
    cid = await start(client)
    await say(client, cid, {"text": "what is IOP?"})
    # Simulate another server process taking a turn: bump the version in the database.
    with sqlite3.connect(db_path(config)) as conn:
        conn.execute("UPDATE conversations SET version = version + 1 WHERE id = ?", (cid,))
    await say(client, cid, {"text": "how many hours a week?"})
    assert query(config, "SELECT version FROM conversations WHERE id = ?", cid) == [(4,)]


async def test_an_unreadable_state_starts_the_conversation_over(
    client: TestClient[Any, Any], settings: Any
) -> None:
    """Say the key that encrypted it was removed: the visitor still gets an answer."""
    config = settings()
    cid = await start(client)
    other_key = FieldCipher([Fernet.generate_key().decode()])
    with sqlite3.connect(db_path(config)) as conn:
        conn.execute(
            "UPDATE conversations SET state_enc = ?, version = version + 1 WHERE id = ?",
            (other_key.encrypt('{"turn": 3}'), cid),
        )
    replies = await say(client, cid, {"text": "what is IOP?"})
    assert replies and replies[0]["kind"] == "answer"
