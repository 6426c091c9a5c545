"""The content loader reports every problem with its file, line and column."""

from pathlib import Path

import pytest

from bot.content import ContentError, load_pack

CENTER = """\
center:
  name: Test Center
  city: Testville
  region: Maine
  phone: "(207) 555-0100"
"""


def write_pack(root: Path, intents: str, responses: str, center: str = CENTER) -> Path:
    (root / "intents").mkdir(parents=True)
    (root / "responses").mkdir()
    (root / "center.yml").write_text(center)
    (root / "intents" / "a.yml").write_text(intents)
    (root / "responses" / "a.yml").write_text(responses)
    return root


GOOD_INTENTS = """\
synonyms:
  iop: [intensive outpatient]
intents:
  - name: greet
    title: Hello
    examples:
      - hi
      - hello
"""
GOOD_RESPONSES = """\
responses:
  greet:
    - text: "Hello from {{ center.name }}"
      buttons:
        - title: Hi
          payload: /greet
"""


def test_loads_a_good_pack(tmp_path: Path) -> None:
    pack = load_pack(write_pack(tmp_path, GOOD_INTENTS, GOOD_RESPONSES))
    assert pack.intents["greet"].examples == ("hi", "hello")
    assert pack.intents["greet"].response == "greet"
    assert pack.synonyms == {"iop": ("intensive outpatient",)}
    assert pack.center.phone_e164 == "+12075550100"
    assert pack.responses["greet"][0].buttons[0].payload == "/greet"


def problems_of(root: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_pack(root)
    return [str(p) for p in info.value.problems]


def test_all_problems_reported_at_once_with_lines(tmp_path: Path) -> None:
    intents = """\
intents:
  - name: greet
    title: Hello
    examples: []
  - name: Bad-Name
    title: x
    examples: [a]
    exampels: [b]
"""
    responses = """\
responses:
  greet:
    - text: hi
      buttons:
        - title: Go
          payload: not-a-payload
"""
    found = problems_of(write_pack(tmp_path, intents, responses))
    joined = "\n".join(found)
    assert "intents/a.yml:4:5: error: intent 'greet' has no examples" in joined
    assert (
        "intents/a.yml:5:5: error: intent 'Bad-Name': 'name': an intent name uses lowercase"
        in joined
    )
    assert (
        "intents/a.yml:8:5: error: intent 'Bad-Name': 'exampels' is not a known field here"
        in joined
    )
    assert "responses/a.yml:6:11: error: response 'greet': 'payload': a button payload" in joined


def test_yaml_syntax_error_has_position(tmp_path: Path) -> None:
    found = problems_of(write_pack(tmp_path, "intents:\n  - name: [unclosed\n", GOOD_RESPONSES))
    assert any("intents/a.yml:3:" in p and "not valid YAML" in p for p in found), found


def test_missing_response_and_duplicate_intent(tmp_path: Path) -> None:
    intents = GOOD_INTENTS + "  - name: greet\n    title: Again\n    examples: [hey]\n"
    intents += "  - name: bye\n    title: Bye\n    examples: [bye]\n"
    found = problems_of(write_pack(tmp_path, intents, GOOD_RESPONSES))
    assert any("intent 'greet' is defined twice" in p and ":9:" in p for p in found), found
    assert any("intent 'bye' has no response 'bye'" in p for p in found), found


def test_bad_center_phone(tmp_path: Path) -> None:
    center = CENTER.replace("(207) 555-0100", "call us")
    found = problems_of(write_pack(tmp_path, GOOD_INTENTS, GOOD_RESPONSES, center))
    assert any("center.yml:5:" in p and "not a phone number" in p for p in found), found
