"""Content packs for the editor tool tests, built in a temporary folder.

A pack is ``fixtures/base`` with one ``fixtures/broken/<case>`` laid over it
(files replaced or added), plus the responses and intents the dialogue
requires (``REQUIRED_RESPONSES``, ``REQUIRED_INTENTS``) that the fixture files
do not define, generated so the fixtures keep loading when the dialogue adds one.
The test runs inside the pack folder, so problems name files as ``intents/faq.yml``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from bot.dialogue.replies import REQUIRED_INTENTS, REQUIRED_RESPONSES

FIXTURES = Path(__file__).resolve().parent / "fixtures"

CRISIS_TEXT = {
    "crisis_self_harm": "Call or text {{ crisis.lifeline }} now. If you are in danger, call "
    "{{ crisis.emergency }}. Text {{ crisis.text_line_keyword }} to {{ crisis.text_line_number }}.",
    "medical_emergency": "Call {{ crisis.emergency }} now. Poison Control: {{ crisis.poison_control }}.",
}

MakePack = Callable[..., Path]


def _defined(folder: Path, kind: str) -> set[str]:
    """Names defined by the pack's own YAML files (unreadable files define nothing)."""
    names: set[str] = set()
    for path in folder.glob("*.yml"):
        try:
            data: Any = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        except Exception:
            continue
        if not isinstance(data, dict):
            continue
        if kind == "responses" and isinstance(data.get("responses"), dict):
            names |= set(data["responses"])
        if kind == "intents" and isinstance(data.get("intents"), list):
            names |= {i.get("name") for i in data["intents"] if isinstance(i, dict)}
    return names


def _generate(root: Path, skip: Iterable[str]) -> None:
    yaml = YAML()
    skipped = set(skip)
    responses = {
        name: [{"text": CRISIS_TEXT.get(name, f"Fixture reply for {name.replace('_', ' ')}.")}]
        for name in REQUIRED_RESPONSES
        if name not in _defined(root / "responses", "responses") and name not in skipped
    }
    intents = []
    for name in REQUIRED_INTENTS:
        if name in _defined(root / "intents", "intents") or name in skipped:
            continue
        # A made-up word of its own keeps each intent's examples apart from every other's.
        digest = hashlib.sha256(name.encode()).hexdigest()
        tag = "".join(chr(97 + int(c, 16)) for c in digest[:8])
        words = name.replace("_", " ")
        examples = [tag, f"{tag} {words}", f"{words} {tag}", f"{tag} please"]
        examples += [f"please {tag}", f"{tag} now"]
        intents.append(
            {
                "name": name,
                "title": words.capitalize(),
                "response": "form_start" if name == "request_assessment" else "dialogue_answer",
                "examples": examples,
            }
        )
    if intents:
        responses["dialogue_answer"] = [{"text": "Fixture reply to a dialogue intent."}]
    with (root / "responses" / "zz_dialogue.yml").open("w", encoding="utf-8") as out:
        yaml.dump({"responses": responses}, out)
    with (root / "intents" / "zz_dialogue.yml").open("w", encoding="utf-8") as out:
        yaml.dump({"intents": intents}, out)


@pytest.fixture
def make_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MakePack:
    """``make_pack(overlay=None, skip=())``: a pack folder, made the working directory."""
    for key in list(os.environ):
        if key.startswith("IOP_BOT_"):
            monkeypatch.delenv(key)

    def make(overlay: str | None = None, skip: Iterable[str] = (), name: str = "pack") -> Path:
        root = tmp_path / name
        shutil.copytree(FIXTURES / "base", root)
        if overlay:
            shutil.copytree(FIXTURES / "broken" / overlay, root, dirs_exist_ok=True)
        _generate(root, skip)
        monkeypatch.chdir(root)
        return root

    return make
