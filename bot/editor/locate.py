"""Find the line of a value inside a pack file, for findings the loaded models cannot place.

The models keep the line of each intent, example and response; a button or one
variant of a response is found here by reading its file again with ruamel.yaml,
which remembers where every key and item was written. Files are read on demand
and only once per Locator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq


class Locator:
    """Line and column (1-based) of a key path such as ("responses", "greet", 0, "text")."""

    def __init__(self) -> None:
        self._files: dict[str, Any] = {}

    def _data(self, file: str) -> Any:
        if file not in self._files:
            try:
                self._files[file] = YAML(typ="rt").load(Path(file).read_text(encoding="utf-8"))
            except Exception:  # the loader already reported an unreadable file
                self._files[file] = None
        return self._files[file]

    def find(self, file: str, path: tuple[str | int, ...]) -> tuple[int, int]:
        """The deepest position on ``path`` that exists; (0, 0) when nothing does."""
        node = self._data(file)
        line, col = 0, 0
        for part in path:
            if isinstance(node, CommentedMap) and part in node:
                kl, kc = node.lc.key(part)
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
                kl, kc = node.lc.item(part)
            else:
                break
            line, col = kl + 1, kc + 1
            node = node[part]
        return line, col
