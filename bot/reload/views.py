"""The admin Content page: what content is live, how the last reloads went, "Reload now".

Admin-only by its path (/staff/admin/...); the button is a POST with the session's CSRF
token (checked by the staff guard) and is recorded in the audit trail.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot.content.models import Problem
from bot.reload.reloader import RELOADER_KEY, ReloadOutcome
from bot.staff import audit
from bot.staff.pages import client_ip, principal, render
from bot.web.keys import DB_KEY, RUNTIME_KEY, SETTINGS_KEY

CONTENT_RELOAD = "content.reload"  # audit action


@dataclass(frozen=True)
class ShownProblem:
    where: str  # "intents/program.yml:12:7", relative to the pack when it is inside it
    severity: str
    message: str


def shown_problem(problem: Problem, root: Path) -> ShownProblem:
    path = Path(problem.file)
    if path.is_absolute():
        with contextlib.suppress(ValueError):
            path = path.relative_to(root)
    where = str(path)
    if problem.line:
        where += f":{problem.line}:{problem.column or 1}"
    return ShownProblem(where, problem.severity, problem.message)


async def content_page(request: web.Request) -> web.StreamResponse:
    app = request.config_dict
    reloader = app[RELOADER_KEY]
    runtime = app[RUNTIME_KEY].current
    root = app[SETTINGS_KEY].content_path
    last: ReloadOutcome | None = reloader.last
    return render(
        request,
        "content_status.html",
        {
            "runtime": runtime,
            "content_root": str(root),
            "live_settings": reloader.settings,
            "watching": app[SETTINGS_KEY].watch_content,
            "settings_path": str(reloader.settings_path),
            "settings_present": reloader.settings_path.is_file(),
            "pending_restart": reloader.pending_restart,
            "last": last,
            "errors": [shown_problem(p, root) for p in last.errors] if last else [],
            "history": list(reversed(reloader.history)),
            "just_reloaded": request.query.get("reloaded") == "1" and last is not None,
        },
    )


async def reload_now(request: web.Request) -> web.StreamResponse:
    """Reload the content at once (an admin's button), record it, show the result."""
    current = principal(request)
    outcome = await request.config_dict[RELOADER_KEY].reload(
        "Reload now", f"by {current.account.email}"
    )
    async with request.config_dict[DB_KEY].begin() as conn:
        await audit.record(
            conn,
            actor=current.account.email,
            actor_id=current.account.id,
            action=CONTENT_RELOAD,
            target="content pack",
            ip=client_ip(request),
            details={
                "ok": outcome.ok,
                "errors": len(outcome.errors),
                "intents": outcome.intents,
            },
        )
    target = request.app.router["staff.admin_content"].url_for().with_query({"reloaded": "1"})
    raise web.HTTPSeeOther(target)
