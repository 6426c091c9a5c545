"""Read a content pack from YAML, reporting every problem with its file, line and column.

ruamel.yaml keeps the position of each key and item; pydantic checks the shape.
A pydantic error path (``intents.3.examples``) is walked back through the
YAML nodes to find where the editor should look. All problems are collected
before failing, so an editor fixes them in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from bot.content.models import Button, Center, ContentPack, Intent, Problem, ResponseVariant

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
PAYLOAD_RE = re.compile(r"^/[a-z][a-z0-9_]*$")
ModelT = TypeVar("ModelT", bound=BaseModel)


class ContentError(Exception):
    """The pack cannot be loaded; ``problems`` lists every error found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# --- schema -------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _ButtonIn(_Strict):
    title: str = Field(min_length=1, max_length=60)
    payload: str

    @field_validator("payload")
    @classmethod
    def _payload(cls, v: str) -> str:
        if not PAYLOAD_RE.match(v):
            raise ValueError(
                "a button payload is '/' followed by an intent name, like /how_to_start"
            )
        return v


class _VariantIn(_Strict):
    text: str = Field(min_length=1)
    buttons: list[_ButtonIn] = Field(default_factory=list)


class _IntentIn(_Strict):
    name: str
    title: str = Field(min_length=1, max_length=60)
    examples: list[str] = Field(min_length=1)
    response: str | None = None
    suggest: list[str] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not NAME_RE.match(v):
            raise ValueError(
                "an intent name uses lowercase letters, digits and underscores, like program_length"
            )
        return v

    @field_validator("examples")
    @classmethod
    def _examples(cls, v: list[str]) -> list[str]:
        if any(not str(e).strip() for e in v):
            raise ValueError("an example is empty")
        return [str(e).strip() for e in v]


class _IntentFileIn(_Strict):
    intents: list[_IntentIn] = Field(default_factory=list)
    synonyms: dict[str, list[str]] = Field(default_factory=dict)


class _ResponseFileIn(_Strict):
    responses: dict[str, list[_VariantIn]]


class _CenterIn(_Strict):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)
    name: str = Field(min_length=1)
    short_name: str = ""
    city: str = Field(min_length=1)
    region: str = Field(min_length=1)
    country: str = "US"
    phone: str = Field(min_length=1)
    hours: str = ""
    website: str = ""


class _CrisisIn(_Strict):
    lifeline: str = "988"
    emergency: str = "911"
    text_line_number: str = "741741"
    text_line_keyword: str = "HOME"
    poison_control: str = "1-800-222-1222"


class _CenterFileIn(_Strict):
    center: _CenterIn
    crisis: _CrisisIn = Field(default_factory=_CrisisIn)


# --- YAML with positions ------------------------------------------------------


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.allow_duplicate_keys = False
    return y


def _position(node: Any, loc: tuple[int | str, ...]) -> tuple[int, int]:
    """Line and column (1-based) of the deepest YAML node on the path ``loc``."""
    line, col = 0, 0
    if isinstance(node, (CommentedMap, CommentedSeq)) and node.lc.line is not None:
        line, col = node.lc.line + 1, node.lc.col + 1
    for part in loc:
        try:
            if isinstance(node, CommentedMap) and part in node:
                kl, kc = node.lc.key(part)
                line, col = kl + 1, kc + 1
                node = node[part]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
                il, ic = node.lc.item(part)
                line, col = il + 1, ic + 1
                node = node[part]
            else:
                break
        except (KeyError, IndexError, TypeError):
            break
    return line, col


def _subject(data: Any, loc: tuple[int | str, ...]) -> str:
    """What an error path is about ("intent 'cost'"), so the message names it."""
    try:
        if len(loc) >= 2 and loc[0] == "intents" and isinstance(loc[1], int):
            name = data["intents"][loc[1]].get("name")
            return f"intent '{name}'" if name else f"intent number {loc[1] + 1}"
        if len(loc) >= 2 and loc[0] == "responses" and isinstance(loc[1], str):
            return f"response '{loc[1]}'"
    except (KeyError, IndexError, TypeError, AttributeError):
        pass
    return ""


def _plain_message(err: ErrorDetails, subject: str = "") -> str:
    loc = [p for p in err["loc"] if not isinstance(p, int)]
    what = str(loc[-1]) if loc else "this entry"
    kind = err["type"]
    prefix = f"{subject}: " if subject else ""
    if kind == "missing":
        return f"{prefix}'{what}' is required here"
    if kind == "extra_forbidden":
        return f"{prefix}'{what}' is not a known field here (check the spelling)"
    if kind == "too_short" and what == "examples":
        return f"{subject or 'this intent'} has no examples"
    msg = str(err["msg"])
    msg = msg.removeprefix("Value error, ")
    return f"{prefix}'{what}': {msg}"


def _read(path: Path, rel: str, problems: list[Problem]) -> Any:
    try:
        return _yaml().load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        col = mark.column + 1 if mark else 0
        problems.append(Problem(rel, line, col, f"this is not valid YAML: {exc.problem}"))
    except Exception as exc:  # duplicate keys and encoding errors come as other types
        problems.append(Problem(rel, 0, 0, f"cannot read this file: {exc}"))
    return None


def _validate(model: type[BaseModel], data: Any, rel: str, problems: list[Problem]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            line, col = _position(data, tuple(err["loc"]))
            subject = _subject(data, tuple(err["loc"]))
            problems.append(Problem(rel, line, col, _plain_message(err, subject)))
    return None


def read_model(path: Path, model: type[ModelT]) -> tuple[ModelT, Any]:
    """Read one YAML file into ``model`` and return it with the raw (position-keeping) data.

    For the pack's other YAML files (evaluation sets, conversation tests); raises
    ContentError with every problem located, like ``load_pack``.
    """
    try:
        rel = str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        rel = str(path)
    problems: list[Problem] = []
    if not path.is_file():
        raise ContentError([Problem(rel, 0, 0, "this file is missing")])
    data = _read(path, rel, problems)
    parsed = _validate(model, data, rel, problems) if not problems else None
    if problems or parsed is None:
        raise ContentError(problems)
    return parsed, data


def _yaml_files(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        yield from sorted(p for p in folder.rglob("*") if p.suffix in (".yml", ".yaml"))


# --- the pack -----------------------------------------------------------------


def load_pack(root: str | Path) -> ContentPack:
    """Load and check a content pack; raises ContentError listing every problem."""
    root = Path(root).resolve()
    problems: list[Problem] = []

    def rel(p: Path) -> str:
        try:
            return str(p.relative_to(Path.cwd()))
        except ValueError:
            return str(p)

    center = _load_center(root / "center.yml", rel(root / "center.yml"), problems)

    intents: dict[str, Intent] = {}
    synonyms: dict[str, tuple[str, ...]] = {}
    intent_files = list(_yaml_files(root / "intents"))
    if not intent_files:
        problems.append(
            Problem(rel(root / "intents"), 0, 0, "no intent files found (intents/*.yml)")
        )
    for path in intent_files:
        data = _read(path, rel(path), problems)
        if data is None:
            continue
        parsed = _validate(_IntentFileIn, data, rel(path), problems)
        if parsed is None:
            continue
        for i, it in enumerate(parsed.intents):
            line, _ = _position(data, ("intents", i))
            if it.name in intents:
                first = intents[it.name]
                problems.append(
                    Problem(
                        rel(path),
                        line,
                        1,
                        f"intent '{it.name}' is defined twice (first in {first.file}:{first.line})",
                    )
                )
                continue
            intents[it.name] = Intent(
                name=it.name,
                title=it.title,
                examples=tuple(it.examples),
                example_lines=tuple(
                    _position(data, ("intents", i, "examples", j))[0]
                    for j in range(len(it.examples))
                ),
                response=it.response or it.name,
                suggest=tuple(it.suggest),
                file=rel(path),
                line=line,
            )
        for canonical, variants in parsed.synonyms.items():
            key = canonical.strip().lower()
            synonyms[key] = tuple(
                sorted({*synonyms.get(key, ()), *(v.strip().lower() for v in variants)})
            )

    responses: dict[str, tuple[ResponseVariant, ...]] = {}
    locations: dict[str, tuple[str, int]] = {}
    response_files = list(_yaml_files(root / "responses"))
    if not response_files:
        problems.append(
            Problem(rel(root / "responses"), 0, 0, "no response files found (responses/*.yml)")
        )
    for path in response_files:
        data = _read(path, rel(path), problems)
        if data is None:
            continue
        parsed = _validate(_ResponseFileIn, data, rel(path), problems)
        if parsed is None:
            continue
        for name, variants in parsed.responses.items():
            line, _ = _position(data, ("responses", name))
            if name in responses:
                first_file, first_line = locations[name]
                problems.append(
                    Problem(
                        rel(path),
                        line,
                        1,
                        f"response '{name}' is defined twice (first in {first_file}:{first_line})",
                    )
                )
                continue
            if not variants:
                problems.append(Problem(rel(path), line, 1, f"response '{name}' has no text"))
                continue
            responses[name] = tuple(
                ResponseVariant(v.text, tuple(Button(b.title, b.payload) for b in v.buttons))
                for v in variants
            )
            locations[name] = (rel(path), line)

    for it in intents.values():
        if it.response not in responses:
            problems.append(
                Problem(it.file, it.line, 1, f"intent '{it.name}' has no response '{it.response}'")
            )
        for s in it.suggest:
            if s not in intents:
                problems.append(
                    Problem(
                        it.file, it.line, 1, f"intent '{it.name}' suggests unknown intent '{s}'"
                    )
                )

    if problems or center is None:
        raise ContentError(problems)
    return ContentPack(
        root=root,
        center=center,
        intents=intents,
        responses=responses,
        synonyms=synonyms,
        response_locations=locations,
    )


def _load_center(path: Path, rel: str, problems: list[Problem]) -> Center | None:
    if not path.is_file():
        problems.append(
            Problem(rel, 0, 0, "center.yml is missing: it holds the center's name and phone")
        )
        return None
    data = _read(path, rel, problems)
    if data is None:
        return None
    parsed = _validate(_CenterFileIn, data, rel, problems)
    if parsed is None:
        return None
    c = parsed.center
    try:
        number = phonenumbers.parse(c.phone, c.country)
        if not phonenumbers.is_possible_number(number):
            raise phonenumbers.NumberParseException(1, "not a possible number")
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        line, col = _position(data, ("center", "phone"))
        problems.append(Problem(rel, line, col, f"'phone': {c.phone!r} is not a phone number"))
        return None
    extra = {k: v for k, v in (c.model_extra or {}).items()}
    return Center(
        name=c.name,
        short_name=c.short_name or c.name,
        city=c.city,
        region=c.region,
        phone=c.phone,
        phone_e164=e164,
        hours=c.hours,
        website=c.website,
        crisis=parsed.crisis.model_dump(),
        extra={"country": c.country, **extra},
    )
