"""The reloader: new content goes live in the running server once it validates.

A reload loads the pack, runs the validator's checks (``bot.editor.validate.check_loaded``
without the slow leave-one-out pass; errors block, warnings do not) and builds the matcher
and dialogue engine, all in a worker thread so visitors keep being answered meanwhile. Only
then is the new runtime swapped in, in one assignment (``RuntimeHolder.swap``): a turn sees
the old content or the new, never a mix. A pack with errors is rejected
(``RuntimeHolder.reject``): the previous content stays live, the errors (file:line:column;
content, not personal data) are logged and shown on the admin Content page.

Every reload also re-reads the settings file. ``match_threshold`` and ``ambiguity_margin``
shape the matcher, so a change to them is applied by the same rebuild; any other changed
setting needs a restart, which is logged and shown on the Content page.

Reloads are triggered by file changes (``bot.reload.watch``, when ``watch_content``
is on) and by an admin's "Reload now" (``bot.reload.views``); they run one at a time.
``bot.reload.setup`` wires it into the server.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter

from aiohttp import web
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from bot.content.loader import ContentError, load_pack
from bot.content.models import Problem
from bot.editor.validate import check_loaded
from bot.runtime import Runtime, RuntimeHolder, build_runtime
from bot.settings import DEFAULT_SETTINGS_FILE, ENV_PREFIX, Settings, SettingsError

log = logging.getLogger(__name__)

__all__ = [
    "RELOADER_KEY",
    "RELOAD_OPTIONS_KEY",
    "ReloadOptions",
    "ReloadOutcome",
    "Reloader",
    "build_checked",
]

LIVE_SETTINGS = ("match_threshold", "ambiguity_margin")  # applied by rebuilding the runtime
HISTORY = 10  # reload outcomes kept for the Content page


@dataclass(frozen=True)
class ReloadOptions:
    """How the server watches for changes. Tests shorten the debounce and pin the settings file."""

    debounce_ms: int = 300  # quiet time after the last change before reloading
    settings_file: Path | None = None  # None: IOP_BOT_SETTINGS_FILE, else ./iop-bot.yml
    environ: Mapping[str, str] | None = None  # None: the process environment

    def env(self) -> Mapping[str, str]:
        return os.environ if self.environ is None else self.environ

    def settings_path(self) -> Path:
        """The settings file the server reads, found as ``Settings.load`` finds it."""
        found = (
            self.settings_file
            or self.env().get(ENV_PREFIX + "SETTINGS_FILE")
            or DEFAULT_SETTINGS_FILE
        )
        return Path(found).resolve()


@dataclass(frozen=True)
class ReloadOutcome:
    """What one reload did; the Content page shows the latest few."""

    at: datetime
    trigger: str  # "files changed", "Reload now", ...
    detail: str  # which files, or who pressed the button
    ok: bool
    seconds: float
    intents: int  # in the content live after this reload
    errors: tuple[Problem, ...] = ()
    applied: tuple[str, ...] = ()  # live settings changed, "match_threshold: 0.48 -> 0.5"
    restart: tuple[str, ...] = ()  # settings changed in the file that need a restart


def build_checked(settings: Settings) -> Runtime | list[Problem]:
    """The runtime for the pack named by ``settings``, or the errors that keep it from going live.

    Pure CPU and file reads: the reloader runs it in a worker thread.
    """
    root = settings.content_path
    try:
        pack = load_pack(root)
        errors = [p for p in check_loaded(pack, settings, leave_out=False) if p.severity == "error"]
        if errors:
            return errors
        return build_runtime(settings, pack)
    except ContentError as exc:
        return list(exc.problems)
    except ValueError as exc:  # e.g. a threshold the matcher refuses
        return [Problem("settings", 0, 0, f"the matcher refused the settings: {exc}")]
    except OSError as exc:
        return [Problem(str(root), 0, 0, f"the content cannot be read: {exc.strerror or exc}")]
    except Exception as exc:  # a bug in a check must not take the watcher down with it
        log.exception("checking the content failed")
        return [Problem(str(root), 0, 0, f"the content could not be checked: {exc!r}")]


class Reloader:
    """Rebuilds and swaps the live runtime; remembers how the last reloads went."""

    def __init__(self, holder: RuntimeHolder, settings: Settings, options: ReloadOptions) -> None:
        self.holder = holder
        self.settings = settings  # what the live runtime was built with
        self.options = options
        self.history: deque[ReloadOutcome] = deque(maxlen=HISTORY)
        self.pending_restart: tuple[str, ...] = ()
        self._lock = asyncio.Lock()
        self._at_start = self._read_settings_file()[0]  # as the server started with it
        self._applied = self._at_start  # as last applied

    @property
    def last(self) -> ReloadOutcome | None:
        return self.history[-1] if self.history else None

    @property
    def settings_path(self) -> Path:
        return self.options.settings_path()

    def _read_settings_file(self) -> tuple[Settings | None, list[Problem]]:
        """The settings file and environment as they are now, or the problem reading them."""
        path = self.settings_path
        where = str(path)
        try:
            return Settings.load(environ=self.options.env(), settings_file=path), []
        except SettingsError as exc:
            return None, [Problem(where, 0, 0, f"server settings: {exc}")]
        except MarkedYAMLError as exc:
            mark = exc.problem_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
            return None, [Problem(where, line, col, f"not valid YAML: {exc.problem}")]
        except (YAMLError, OSError, UnicodeDecodeError) as exc:
            return None, [Problem(where, 0, 0, f"the settings file cannot be read: {exc}")]

    def _settings_changes(self, now: Settings) -> tuple[Settings, tuple[str, ...], tuple[str, ...]]:
        """(settings to build with, live changes applied, settings that need a restart)."""
        target = self.settings
        applied: list[str] = []
        if self._applied is not None:
            for name in LIVE_SETTINGS:
                old, new = getattr(self._applied, name), getattr(now, name)
                if old != new:
                    target = replace(target, **{name: new})
                    applied.append(f"{name}: {old} -> {new}")
        start = self._at_start
        restart = tuple(
            f.name
            for f in fields(Settings)
            if start is not None
            and f.name not in LIVE_SETTINGS
            and getattr(start, f.name) != getattr(now, f.name)
        )
        return target, tuple(applied), restart

    async def reload(self, trigger: str, detail: str = "") -> ReloadOutcome:
        """Validate and build the content now; swap it in when it has no errors."""
        async with self._lock:
            started = perf_counter()
            file_settings, problems = self._read_settings_file()
            applied: tuple[str, ...] = ()
            restart = self.pending_restart
            target = self.settings
            if file_settings is not None:
                target, applied, restart = self._settings_changes(file_settings)
                if self._at_start is None:  # unreadable at startup: this is the first good read
                    self._at_start = self._applied = file_settings
            if not problems:
                loop = asyncio.get_running_loop()
                built = await loop.run_in_executor(None, build_checked, target)
                if isinstance(built, Runtime):
                    self.holder.swap(built)
                    self.settings = target
                    self._applied = file_settings if file_settings is not None else self._applied
                else:
                    problems, applied = built, ()
            if problems:
                self.holder.reject(problems)
            outcome = ReloadOutcome(
                at=datetime.now(UTC),
                trigger=trigger,
                detail=detail,
                ok=not problems,
                seconds=perf_counter() - started,
                intents=len(self.holder.current.pack.intents),
                errors=tuple(problems),
                applied=applied,
                restart=restart,
            )
            self._log(outcome)
            self.history.append(outcome)
            self.pending_restart = restart
            return outcome

    def _log(self, outcome: ReloadOutcome) -> None:
        why = f"{outcome.trigger}{': ' + outcome.detail if outcome.detail else ''}"
        if outcome.ok:
            log.info(
                "content reloaded (%s): %d intents live, checked in %.2f s",
                why,
                outcome.intents,
                outcome.seconds,
            )
            for change in outcome.applied:
                log.info("setting applied without a restart: %s", change)
        else:
            # Content and settings-file locations only: never visitor data.
            log.warning(
                "content reload rejected (%s): %d error(s); the previous content stays live",
                why,
                len(outcome.errors),
            )
            for problem in outcome.errors:
                log.warning("  %s", problem)
        if outcome.restart != self.pending_restart:
            if outcome.restart:
                # Names only: some settings are secrets.
                log.warning(
                    "settings changed in %s need a restart to take effect: %s",
                    self.settings_path,
                    ", ".join(outcome.restart),
                )
            else:
                log.info("the settings file is back to what the server runs with")


RELOAD_OPTIONS_KEY = web.AppKey("editor_reload_options", ReloadOptions)
RELOADER_KEY = web.AppKey("editor_reloader", Reloader)
