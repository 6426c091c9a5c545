"""Match results are plain Python data: they go into JSON (parse, reports, the API, storage)."""

import json
from pathlib import Path

from bot.content import load_pack
from bot.matching.matcher import Matcher

ROOT = Path(__file__).resolve().parents[2]

MESSAGES = [
    "how long is the program",
    "do you take insurance and how long is it?",  # two questions: the ambiguity path
    "i drink too much but still function, is this program for people like me",
    "who won the super bowl",
    "",
]


def test_results_hold_only_builtin_types() -> None:
    matcher = Matcher(load_pack(ROOT), threshold=0.5, margin=0.05)
    for text in MESSAGES:
        result = matcher.match(text)
        assert type(result.ambiguous) is bool, text
        assert type(result.confidence) is float, text
        assert all(type(r.confidence) is float and type(r.intent) is str for r in result.ranking)
        json.dumps(result.to_json())
