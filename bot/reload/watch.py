"""Watch the content pack's files and the settings file, and say when they have changed.

Two ``watchfiles`` watchers feed one queue: a recursive one on intents/ and responses/ (YAML
files only) and a non-recursive one on the pack's folder and the settings file's folder
(center.yml, the settings file, and the intents/ and responses/ folders themselves, so a
folder that is replaced is watched again). The pack's folder is never watched recursively: by
default it is the working directory or the project checkout, with the database, .git and
caches inside. After a change, the watcher waits until nothing has changed for
``debounce_ms`` (an editor's save, a ``git pull``) and then calls ``on_change`` once, with
the changed files; changes during that call are gathered for the next one.

On file systems that do not report changes (some network and container mounts), set
``WATCHFILES_FORCE_POLLING=1``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from watchfiles import Change, DefaultFilter, awatch

log = logging.getLogger(__name__)

FOLDERS = ("intents", "responses")
YAML_SUFFIXES = frozenset({".yml", ".yaml"})
RETRY_SECONDS = 2.0  # after a watcher failed (a folder vanished mid-start, a watch limit)

OnChange = Callable[[list[str]], Awaitable[object]]


class ContentWatcher:
    """Calls ``on_change`` after the content or the settings file changed and settled."""

    def __init__(
        self,
        root: Path,
        settings_file: Path | None,
        on_change: OnChange,
        *,
        debounce_ms: int = 300,
    ) -> None:
        self.root = root.resolve()
        self.folders = tuple(self.root / name for name in FOLDERS)
        self.top_level = {self.root / "center.yml", *self.folders}
        if settings_file is not None:
            self.top_level.add(settings_file.resolve())
        self.on_change = on_change
        self.debounce = max(1, debounce_ms)
        self._yaml_filter = DefaultFilter()
        self._rewatch = asyncio.Event()

    # --- what the watchers keep -------------------------------------------------------
    def _is_top_level(self, _change: Change, path: str) -> bool:
        return Path(path) in self.top_level

    def _is_content_file(self, change: Change, path: str) -> bool:
        return Path(path).suffix in YAML_SUFFIXES and self._yaml_filter(change, path)

    def shown(self, path: str) -> str:
        """A changed path as editors know it: relative to the pack, else the file's name."""
        p = Path(path)
        try:
            return str(p.relative_to(self.root))
        except ValueError:
            return p.name

    # --- running ------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Watch until ``stop`` is set; a call to ``on_change`` in progress finishes first."""
        queue: asyncio.Queue[set[str] | None] = asyncio.Queue()
        tasks = [
            asyncio.create_task(self._watch_top_level(queue, stop), name="content-watch-top"),
            asyncio.create_task(self._watch_folders(queue, stop), name="content-watch-folders"),
            asyncio.create_task(self._relay_stop(queue, stop), name="content-watch-stop"),
        ]
        log.info("watching %s for content changes", self.root)
        try:
            while (changed := await self._settled(queue)) is not None:
                try:
                    await self.on_change(sorted(changed))
                except Exception:
                    log.exception("reloading after a content change failed")
        finally:
            stop.set()
            self._rewatch.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            log.info("stopped watching %s", self.root)

    async def _settled(self, queue: asyncio.Queue[set[str] | None]) -> set[str] | None:
        """The next changes once nothing more changed for the debounce time; None to stop."""
        first = await queue.get()
        if first is None:
            return None
        changed = set(first)
        while True:
            try:
                more = await asyncio.wait_for(queue.get(), self.debounce / 1000)
            except TimeoutError:
                return changed
            if more is None:
                return None
            changed |= more

    async def _relay_stop(self, queue: asyncio.Queue[set[str] | None], stop: asyncio.Event) -> None:
        await stop.wait()
        self._rewatch.set()
        queue.put_nowait(None)

    async def _watch_top_level(
        self, queue: asyncio.Queue[set[str] | None], stop: asyncio.Event
    ) -> None:
        folders = sorted({p.parent for p in self.top_level if p.parent.is_dir()})
        while not stop.is_set():
            try:
                async for changes in awatch(
                    *folders,
                    watch_filter=self._is_top_level,
                    recursive=False,
                    stop_event=stop,
                    step=self.debounce,
                ):
                    paths = {p for _, p in changes}
                    if any(Path(p) in self.folders for p in paths):
                        self._rewatch.set()  # a content folder came or went: watch it anew
                    queue.put_nowait({self.shown(p) for p in paths})
            except Exception as exc:
                log.warning("watching %s failed (%s); retrying", self.root, exc)
                await _sleep_unless(stop, RETRY_SECONDS)

    async def _watch_folders(
        self, queue: asyncio.Queue[set[str] | None], stop: asyncio.Event
    ) -> None:
        while not stop.is_set():
            rewatch = self._rewatch = asyncio.Event()
            if stop.is_set():
                break
            folders = [f for f in self.folders if f.is_dir()]
            if not folders:
                await _wait_any(stop, rewatch)
                continue
            try:
                async for changes in awatch(
                    *folders,
                    watch_filter=self._is_content_file,
                    recursive=True,
                    stop_event=rewatch,
                    step=self.debounce,
                ):
                    queue.put_nowait({self.shown(p) for _, p in changes})
            except Exception as exc:
                log.warning("watching %s failed (%s); retrying", ", ".join(FOLDERS), exc)
                await _sleep_unless(stop, RETRY_SECONDS)


async def _wait_any(*events: asyncio.Event) -> None:
    waiters = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
