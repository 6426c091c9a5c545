"""The unanswered-questions pages of the dashboard (staff and admins; editors are staff users).

Groups are computed on each page view from the newest open questions (at most
``grouping.MAX_ITEMS``), in a worker thread so the server keeps answering visitors meanwhile.
"Mark handled" marks the group's questions up to the newest one the editor saw, so a
question that arrived after the page was loaded stays open even if it would join the group.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web

from bot.content.models import ContentPack
from bot.crypto import FieldCipher
from bot.staff import audit
from bot.staff.pages import client_ip, principal, render
from bot.unanswered import store
from bot.unanswered.grouping import (
    MAX_ITEMS,
    Group,
    Suggestion,
    cluster,
    examples_of,
    grouping_normalizer,
    snippet,
    suggest,
)
from bot.web.keys import CIPHER_KEY, DB_KEY, RUNTIME_KEY

UNANSWERED_HANDLED = "unanswered.handled"  # audit action


@dataclass(frozen=True)
class Review:
    """One page view's worth of grouped open questions."""

    groups: list[Group]
    suggestions: dict[int, Suggestion | None]
    open: int
    handled: int

    @property
    def considered(self) -> int:
        return sum(g.count for g in self.groups)

    def find(self, group_id: int) -> Group | None:
        return next((g for g in self.groups if g.id == group_id), None)


def _grouped(
    rows: list[store.StoredQuestion], cipher: FieldCipher, pack: ContentPack
) -> tuple[list[Group], dict[int, Suggestion | None]]:
    """Decrypt and group (CPU work: runs in a thread)."""
    questions = [row.decrypt(cipher) for row in rows]
    groups = cluster(questions, grouping_normalizer(pack))
    return groups, {g.id: suggest(g, pack) for g in groups}


async def _review(request: web.Request) -> Review:
    app = request.config_dict
    async with app[DB_KEY].connect() as conn:
        rows = await store.open_questions(conn, MAX_ITEMS)
        open_count, handled = await store.open_counts(conn)
    pack = app[RUNTIME_KEY].current.pack
    groups, suggestions = await asyncio.get_running_loop().run_in_executor(
        None, _grouped, rows, app[CIPHER_KEY], pack
    )
    return Review(groups, suggestions, open_count, handled)


def _group_id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound() from None


async def group_list(request: web.Request) -> web.StreamResponse:
    review = await _review(request)
    try:
        done = max(0, int(request.query.get("handled", "")))
    except ValueError:
        done = None
    return render(
        request,
        "unanswered.html",
        {"review": review, "max_items": MAX_ITEMS, "handled_now": done},
    )


async def group_detail(request: web.Request) -> web.StreamResponse:
    review = await _review(request)
    group = review.find(_group_id(request))
    if group is None:
        return render(request, "unanswered_group.html", {"group": None}, status=404)
    suggestion = review.suggestions.get(group.id)
    examples = examples_of(group)
    pack = request.config_dict[RUNTIME_KEY].current.pack
    return render(
        request,
        "unanswered_group.html",
        {
            "group": group,
            "suggestion": suggestion,
            "suggested_intent": pack.intents.get(suggestion.intent) if suggestion else None,
            "snippet": snippet(examples, suggestion),
            "example_count": len(examples),
        },
    )


async def group_handled(request: web.Request) -> web.StreamResponse:
    """Mark a group's questions handled, up to the newest the editor saw; they leave the list.

    The form names the group and the newest question id on the page rather than every id
    (a big group would not fit in a request body): the group is computed again and its
    questions up to that id are marked, so one asked after the page was loaded stays open.
    """
    current = principal(request)
    group_id = _group_id(request)
    form = await request.post()
    try:
        seen = int(str(form.get("seen", "")))
    except ValueError:
        raise web.HTTPBadRequest(text="The form lacks the newest question id.") from None
    group = (await _review(request)).find(group_id)
    ids = [q.id for q in group.questions if q.id <= seen] if group else []
    async with request.config_dict[DB_KEY].begin() as conn:
        count = await store.mark_handled(
            conn, ids, staff_id=current.account.id, now=datetime.now(UTC)
        )
        await audit.record(
            conn,
            actor=current.account.email,
            actor_id=current.account.id,
            action=UNANSWERED_HANDLED,
            target=f"unanswered question group {group_id}",
            ip=client_ip(request),
            details={"questions": count},
        )
    target = request.app.router["staff.unanswered"].url_for().with_query({"handled": str(count)})
    raise web.HTTPSeeOther(target)
