"""Unanswered questions: kept masked and encrypted from real chat turns, grouped for editors,
turned into YAML examples, marked handled; staff-only pages on the real server."""

from __future__ import annotations

import html
import json
import re
import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from ruamel.yaml import YAML
from sqlalchemy import Connection, text

from bot.content.models import ContentPack
from bot.dialogue.machine import StepResult
from bot.dialogue.turn import Event
from bot.runtime import Runtime
from bot.settings import Settings
from bot.staff.rotate import encrypted_columns
from bot.storage import tables
from bot.storage.db import sqlite_file
from bot.unanswered import question_of, store
from bot.unanswered import views as unanswered_views
from bot.unanswered.grouping import (
    Question,
    cluster,
    examples_of,
    grouping_normalizer,
    snippet,
    suggest,
)
from bot.web.app import create_app
from bot.web.chat import TurnRecord
from bot.web.keys import CIPHER_KEY, DB_KEY, SETTINGS_KEY

from .live_helpers import (
    FAST_LIMITS,
    STAFF,
    Client,
    csrf_of,
    light_hashing,
    page_csrf,
    say,
    sign_in,
    start,
)

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
LIST = "/staff/unanswered"

# (text, reason, top intent, confidence): three ways to ask about parking, two about dogs...
ASKED = [
    ("is there parking", "out_of_scope", "location", 0.31),
    ("can I bring my dog", "out_of_scope", "work_school", 0.04),
    ("can i bring my dog to group", "out_of_scope", "therapies_offered", 0.19),
    ("what's the wifi password", "out_of_scope", "skip", 0.22),
    ("Is there parking nearby?", "out_of_scope", "location", 0.36),
    ("do you have parking", "ambiguous", "location", 0.52),
    ("are dogs allowed", "out_of_scope", None, None),
    ("IS THERE  PARKING", "out_of_scope", "location", 0.3),
]


def questions(rows: list[tuple[str, str, str | None, float | None]] = ASKED) -> list[Question]:
    return [
        Question(i + 1, t, reason, intent, conf, T0 + timedelta(hours=i))
        for i, (t, reason, intent, conf) in enumerate(rows)
    ]


# --- grouping and snippets (pure) ---------------------------------------------------------


def test_similar_questions_are_grouped_most_frequent_first(demo_runtime: Runtime) -> None:
    pack = demo_runtime.pack
    groups = cluster(questions(), grouping_normalizer(pack))
    assert [[q.id for q in g.questions] for g in groups] == [[1, 5, 6, 8], [2, 3], [7], [4]]
    parking, dogs, allowed, wifi = groups
    assert (parking.count, dogs.count, allowed.count, wifi.count) == (4, 2, 1, 1)
    assert parking.id == 1 and parking.text == "is there parking"  # the commonest wording
    assert (parking.first_at, parking.last_at) == (T0, T0 + timedelta(hours=7))
    assert parking.ambiguous == 1
    # Equally frequent groups: the most recently asked first.
    assert allowed.last_at > wifi.last_at


def test_a_group_keeps_its_id_as_new_questions_arrive(demo_runtime: Runtime) -> None:
    normalizer = grouping_normalizer(demo_runtime.pack)
    before = {g.id for g in cluster(questions(), normalizer)}
    more = [*ASKED, ("where do people park", "out_of_scope", None, None)]
    more += [("parking??", "out_of_scope", "location", 0.3)] * 3
    after = cluster(questions(more), normalizer)
    assert before <= {g.id for g in after}
    assert after[0].id == 1 and after[0].count == 7


def test_the_closest_intent_is_the_one_ranked_first_most_often(demo_runtime: Runtime) -> None:
    pack = demo_runtime.pack
    parking, dogs, allowed, _ = cluster(questions(), grouping_normalizer(pack))
    found = suggest(parking, pack)
    assert found is not None
    assert (found.intent, found.votes, found.of) == ("location", 4, 4)
    assert found.file == "intents/logistics.yml" and found.line > 0
    assert suggest(dogs, pack) is None  # ranked first only at noise-level confidence
    assert suggest(allowed, pack) is None


def _pasted(snippet_text: str, pack: ContentPack, intent: str) -> list[str]:
    """Paste the snippet under an intent's examples, as the editor would, and read it back."""
    document = f"intents:\n  - name: {intent}\n    title: T\n    examples:\n{snippet_text}"
    data: Any = YAML(typ="safe").load(document)
    examples: list[str] = data["intents"][0]["examples"]
    return examples


def test_the_yaml_snippet_pastes_under_the_closest_intent(demo_runtime: Runtime) -> None:
    pack = demo_runtime.pack
    parking = cluster(questions(), grouping_normalizer(pack))[0]
    text_ = snippet(examples_of(parking), suggest(parking, pack))
    lines = text_.splitlines()
    assert lines[0].startswith("      # Closest intent: location, in intents/logistics.yml (line ")
    assert "Ranked first for 4 of these 4 questions" in lines[1]
    assert all(line.startswith("      - ") for line in lines[3:])
    # De-duplicated regardless of case and spacing, oldest wording kept.
    assert _pasted(text_, pack, "location") == [
        "is there parking",
        "Is there parking nearby?",
        "do you have parking",
    ]


def test_snippet_lines_that_are_not_plain_yaml_are_quoted(demo_runtime: Runtime) -> None:
    awkward = ["call me at [phone] about parking", "parking: where?", "a # sign", "- dash", "true"]
    group = cluster(
        questions([(t, "out_of_scope", None, None) for t in awkward]),
        grouping_normalizer(demo_runtime.pack),
    )
    texts_ = [t for g in group for t in examples_of(g)]
    pasted = _pasted(snippet(texts_, None), demo_runtime.pack, "new_intent")
    assert sorted(pasted) == sorted(awkward)
    assert "No existing intent came close" in snippet(texts_, None)


def test_a_turn_keeps_only_typed_fallbacks() -> None:
    def turn(
        text_: str | None, events: list[Event], state: dict[str, Any] | None = None
    ) -> TurnRecord:
        result = StepResult(state or {}, [], events, None)
        return TurnRecord("c1", text_, None if text_ else "/x", result, None)

    ranking = [
        {"intent": "location", "confidence": 0.51},
        {"intent": "how_to_start", "confidence": 0.5},
    ]
    ambiguous = Event("fallback", {"reason": "ambiguous", "ranking": ranking})
    kept = question_of(
        turn(
            "Where is Ana's group? 207 555 0199",
            [ambiguous],
            {"form": {"values": {"first_name": "Ana"}}},
        )
    )
    assert kept is not None
    assert (kept.reason, kept.top_intent, kept.confidence) == ("ambiguous", "location", 0.51)
    assert kept.text == "Where is [name]'s group? [phone]"
    assert question_of(turn(None, [ambiguous])) is None  # a button press
    assert question_of(turn("hi", [Event("intent_matched", {"intent": "greet"})])) is None
    crisis = [Event("crisis", {"kind": "crisis_self_harm"}), ambiguous]
    assert question_of(turn("some text", crisis)) is None
    other = Event("fallback", {"reason": "something_else", "ranking": []})
    assert question_of(turn("text", [other])) is None


# --- through the real server --------------------------------------------------------------

MakeClient = Callable[..., Awaitable[Client]]


@pytest.fixture
def make_client(
    aiohttp_client: Any, settings: Callable[..., Settings], demo_runtime: Runtime
) -> MakeClient:
    async def make() -> Client:
        app = create_app(settings(**FAST_LIMITS), runtime=demo_runtime)
        client: Client = await aiohttp_client(light_hashing(app))
        return client

    return make


def db_rows(client: Client, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    path = sqlite_file(client.server.app[SETTINGS_KEY].database_url)
    assert path is not None
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


def kept_texts(client: Client) -> list[str]:
    cipher = client.server.app[CIPHER_KEY]
    rows = db_rows(client, "SELECT text_enc FROM unanswered_questions ORDER BY id")
    return [cipher.decrypt(token) or "" for (token,) in rows]


async def test_fallbacks_are_kept_masked_and_encrypted(make_client: MakeClient) -> None:
    client = await make_client()
    conversation = await start(client)
    for question in (
        "my cousin at 207-555-0199 wants to know about ferry rides",
        "write to me at jo.zephyr@example.org about the ferry",
    ):
        replies = await say(client, conversation, {"text": question})
        assert replies[0]["kind"] == "fallback"
    assert kept_texts(client) == [
        "my cousin at [phone] wants to know about ferry rides",
        "write to me at [email] about the ferry",
    ]
    rows = db_rows(
        client,
        "SELECT conversation_id, reason, top_intent, confidence, created_at, handled_at, text_enc "
        "FROM unanswered_questions",
    )
    for cid, reason, top, confidence, created, handled, token in rows:
        assert (cid, reason, handled) == (conversation, "out_of_scope", None)
        assert isinstance(top, str) and isinstance(confidence, float) and created
        assert "ferry" not in token and "[phone]" not in token  # encrypted at rest


async def test_the_name_given_in_the_form_is_masked(make_client: MakeClient) -> None:
    client = await make_client()
    conversation = await start(client)
    for body in ({"payload": "/request_assessment"}, {"payload": "/for_self"}, {"text": "Quentin"}):
        await say(client, conversation, body)
    replies = await say(client, conversation, {"text": "does Quentin need a ferry pass?"})
    assert replies[0]["kind"] == "fallback"
    assert kept_texts(client) == ["does [name] need a ferry pass?"]


async def test_answers_buttons_and_crisis_messages_are_never_kept(make_client: MakeClient) -> None:
    client = await make_client()
    conversation = await start(client)
    await say(client, conversation, {"text": "what is iop"})
    replies = await say(client, conversation, {"payload": "/no_such_intent"})
    assert replies[0]["kind"] == "fallback"  # not understood, but nothing was typed
    replies = await say(client, conversation, {"text": "i want to kill myself"})
    assert replies[0]["kind"] == "crisis"
    assert db_rows(client, "SELECT COUNT(*) FROM unanswered_questions") == [(0,)]


async def _ask_all(client: Client) -> str:
    """Store ASKED as one conversation's questions, an hour apart, through the storage code."""
    conversation = await start(client)
    app = client.server.app
    async with app[DB_KEY].begin() as conn:
        for i, (question, reason, intent, confidence) in enumerate(ASKED):
            await store.insert_question(
                conn,
                conversation_id=conversation,
                text_enc=app[CIPHER_KEY].encrypt(question) or "",
                reason=reason,
                top_intent=intent,
                confidence=confidence,
                now=T0 + timedelta(hours=i),
            )
    return conversation


def _group_rows(page: str) -> list[tuple[str, int]]:
    rows = re.findall(
        r'id="group-link-(\d+)" class="question-text">([^<]*)</a></th>\s*'
        r'<td class="group-count">(\d+)</td>',
        page,
    )
    return [(html.unescape(text_), int(count)) for _, text_, count in rows]


async def test_the_review_page_lists_groups_with_counts_and_dates(make_client: MakeClient) -> None:
    client = await make_client()
    await _ask_all(client)
    await sign_in(client, STAFF, "staff")  # editors are staff users, not admins
    page = await (await client.get(LIST)).text()
    assert _group_rows(page) == [
        ("is there parking", 4),
        ("can I bring my dog", 2),
        ("are dogs allowed", 1),
        ("what's the wifi password", 1),
    ]
    assert 'id="open-count">8<' in page
    assert f'datetime="{T0.isoformat(timespec="seconds")}"' in page  # first asked
    assert f'datetime="{(T0 + timedelta(hours=7)).isoformat(timespec="seconds")}"' in page
    assert 'id="nav-unanswered"' in page


async def test_the_review_considers_only_the_newest_questions(
    make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unanswered_views, "MAX_ITEMS", 3)
    client = await make_client()
    await _ask_all(client)
    await sign_in(client, STAFF, "staff")
    page = await (await client.get(LIST)).text()
    assert "Grouping the newest 3 of 8 open questions" in page
    # The newest three: "IS THERE  PARKING" and "do you have parking" group, "are dogs allowed".
    assert _group_rows(page) == [("do you have parking", 2), ("are dogs allowed", 1)]


async def test_a_group_gives_yaml_examples_and_can_be_marked_handled(
    make_client: MakeClient,
) -> None:
    client = await make_client()
    conversation = await _ask_all(client)
    staff_id = await sign_in(client, STAFF, "staff")
    resp = await client.get(f"{LIST}/1")
    assert resp.status == 200
    page = await resp.text()
    found = re.search(r'<pre class="snippet" id="yaml-snippet"[^>]*>(.*?)</pre>', page, re.S)
    assert found
    shown = html.unescape(found.group(1))
    assert "# Closest intent: location" in shown
    assert "      - is there parking\n      - Is there parking nearby?\n" in shown
    assert 'data-copy-target="yaml-snippet" hidden' in page  # shown by the script only
    assert "/staff/static/unanswered.js" in page
    assert 'name="seen" value="8"' in page  # the newest question shown

    # A question arriving after the page was loaded is not handled with the group.
    async with client.server.app[DB_KEY].begin() as conn:
        await store.insert_question(
            conn,
            conversation_id=conversation,
            text_enc=client.server.app[CIPHER_KEY].encrypt("is there parking") or "",
            reason="out_of_scope",
            top_intent=None,
            confidence=None,
            now=T0 + timedelta(days=1),
        )
    token = await page_csrf(client, f"{LIST}/1")
    denied = await client.post(f"{LIST}/1/handled", data={"seen": "8"}, allow_redirects=False)
    assert denied.status == 403  # no CSRF token
    resp = await client.post(
        f"{LIST}/1/handled",
        data={"seen": "8", "csrf_token": token},
        allow_redirects=False,
    )
    assert resp.status == 303
    page = await (await client.get(resp.headers["Location"])).text()
    assert "4 questions marked handled" in page
    assert _group_rows(page) == [  # the late parking question is left, alone
        ("can I bring my dog", 2),
        ("is there parking", 1),
        ("are dogs allowed", 1),
        ("what's the wifi password", 1),
    ]
    handled = db_rows(
        client, "SELECT id, handled_by FROM unanswered_questions WHERE handled_at IS NOT NULL"
    )
    assert sorted(handled) == [(1, staff_id), (5, staff_id), (6, staff_id), (8, staff_id)]
    audit = db_rows(
        client, "SELECT actor, target, details FROM audit_log WHERE action = 'unanswered.handled'"
    )
    assert [(a, t, json.loads(d)) for a, t, d in audit] == [
        (STAFF, "unanswered question group 1", {"questions": 4})
    ]
    # The group is gone from its old address (its questions are handled).
    gone = await client.get(f"{LIST}/5")
    assert gone.status == 404 and "no longer open" in await gone.text()


async def test_a_large_backlog_is_grouped_quickly_and_handled_in_one_go(
    make_client: MakeClient,
) -> None:
    client = await make_client()
    conversation = await start(client)
    app = client.server.app
    cipher = app[CIPHER_KEY]
    same = cipher.encrypt("is there parking") or ""
    words = [
        "ferry",
        "dog",
        "wifi",
        "badge",
        "locker",
        "bus",
        "snack",
        "shoes",
        "coffee",
        "piano",
        "garden",
    ]
    async with app[DB_KEY].begin() as conn:
        for i in range(2100):
            # 1,500 of the same question, and 600 different ones.
            asked = same if i % 7 else cipher.encrypt(f"{words[i % 11]} {i} question {i * 7919}")
            await store.insert_question(
                conn,
                conversation_id=conversation,
                text_enc=asked or "",
                reason="out_of_scope",
                top_intent=None,
                confidence=None,
                now=T0 + timedelta(minutes=i),
            )
    await sign_in(client, STAFF, "staff")
    started = time.monotonic()
    page = await (await client.get(LIST)).text()
    took = time.monotonic() - started
    assert took < 5, took  # measured well under a second
    assert "Grouping the newest 2000 of 2100 open questions" in page
    big = _group_rows(page)[0]
    assert big[0] == "is there parking" and big[1] > 1000
    leader = re.search(r'id="group-link-(\d+)"', page)
    assert leader
    detail = await client.get(f"{LIST}/{leader.group(1)}")
    token = csrf_of(await detail.text())
    resp = await client.post(
        f"{LIST}/{leader.group(1)}/handled",
        data={"seen": "2100", "csrf_token": token},
        allow_redirects=False,
    )
    assert resp.status == 303
    handled = db_rows(
        client, "SELECT COUNT(*) FROM unanswered_questions WHERE handled_at IS NOT NULL"
    )
    assert handled == [(big[1],)]


async def test_the_pages_are_for_signed_in_staff_only(make_client: MakeClient) -> None:
    client = await make_client()
    await _ask_all(client)
    for path in (LIST, f"{LIST}/1"):
        resp = await client.get(path, allow_redirects=False)
        assert resp.status == 302 and "/staff/login" in resp.headers["Location"]
    resp = await client.post(f"{LIST}/1/handled", data={"seen": "8"}, allow_redirects=False)
    assert resp.status == 403
    assert db_rows(
        client, "SELECT COUNT(*) FROM unanswered_questions WHERE handled_at IS NULL"
    ) == [(8,)]


async def test_deleting_a_conversation_deletes_its_questions(make_client: MakeClient) -> None:
    client = await make_client()
    conversation = await _ask_all(client)
    async with client.server.app[DB_KEY].begin() as conn:
        await conn.execute(
            text("DELETE FROM messages WHERE conversation_id = :c"), {"c": conversation}
        )
        await conn.execute(text("DELETE FROM conversations WHERE id = :c"), {"c": conversation})
    assert db_rows(client, "SELECT COUNT(*) FROM unanswered_questions") == [(0,)]


async def test_the_migration_matches_the_table_definition(make_client: MakeClient) -> None:
    client = await make_client()

    def diff(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return [
            d
            for d in compare_metadata(context, tables.metadata)
            if "unanswered_questions" in repr(d)
        ]

    async with client.server.app[DB_KEY].connect() as conn:
        assert await conn.run_sync(diff) == []
        schema = (
            await conn.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'unanswered_questions'")
            )
        ).scalar_one()
    for name in (
        "ck_unanswered_questions_reason",
        "fk_unanswered_questions_conversation_id_conversations",
        "pk_unanswered_questions",
    ):
        assert f"CONSTRAINT {name} " in schema, name
    assert "ON DELETE CASCADE" in schema


def test_key_rotation_re_encrypts_the_stored_questions() -> None:
    # Rotation finds encrypted columns by convention (*_enc in any bot/storage/tables*.py).
    names = {(t.name, c.name) for t, _, cs in encrypted_columns() for c in cs}
    assert ("unanswered_questions", "text_enc") in names
