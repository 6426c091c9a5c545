"""`iop-bot parse --explain`: the example that matched, where it is written, and the score parts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from bot.content import load_pack
from bot.editor.explain import example_location, explain_json
from bot.matching.matcher import Matcher
from bot.terminal import parse_cmd

MakePack = Callable[..., Path]  # the make_pack fixture of conftest.py


def test_parse_explain_names_the_example_and_its_line(make_pack: MakePack) -> None:
    root = make_pack()
    result = CliRunner().invoke(
        parse_cmd,
        [
            "--explain",
            "--content",
            str(root),
            "--threshold",
            "0.48",
            "how lnog is the program",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "'how lnog is the program'"
    assert "  read as: 'how long is the program'" in lines
    assert "  typos fixed: lnog -> long" in lines
    assert lines[3].startswith("  result: answered as 'program_length' (confidence 0.")
    assert lines[4].startswith("  1. program_length  0.")
    assert lines[5] == "     closest example: 'how long is the program' (intents/faq.yml:5)"
    assert lines[6].startswith("     words in common 1.00 · spelling alike 1.00")
    assert "  2. " in result.output and "  3. " in result.output


def test_parse_explain_says_when_the_safety_layer_answers(make_pack: MakePack) -> None:
    root = make_pack()
    result = CliRunner().invoke(
        parse_cmd, ["--explain", "--content", str(root), "i want to kill myself"]
    )
    assert result.exit_code == 0, result.output
    assert "  safety: answered with the crisis reply 'crisis_self_harm'" in result.output
    assert "the matching below is not used" in result.output


def test_explain_json_and_locations(make_pack: MakePack) -> None:
    pack = load_pack(make_pack())
    matcher = Matcher(pack, threshold=0.48, margin=0.05)
    data = explain_json(matcher, pack, "where is the clinic", top=2)
    assert data["intent"] == "location"
    first = data["explanations"][0]
    assert first["example"] == "where is the clinic"
    assert first["example_location"] == "intents/faq.yml:55"
    assert len(data["explanations"]) == 2
    assert example_location(pack, "location", "not an example") == "intents/faq.yml:50"
    assert example_location(pack, "no_such_intent", "x") == ""
