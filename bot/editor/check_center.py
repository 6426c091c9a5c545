"""Checks on center.yml and the server settings: the numbers a visitor may have to call.

The loader only makes sure the center's phone parses; here every crisis number is
checked against libphonenumber's metadata for the center's country, because a
wrong emergency number in a crisis reply is the worst mistake the content can make.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import phonenumbers
from ruamel.yaml.error import MarkedYAMLError

from bot.content.models import ContentPack, Problem
from bot.editor.locate import Locator
from bot.settings import DEFAULT_SETTINGS_FILE, ENV_PREFIX, Settings, SettingsError

# The national numbers in the United States; another country's values only get the
# metadata checks.
US_CRISIS = {
    "lifeline": "988",
    "emergency": "911",
    "poison_control": "1-800-222-1222",
    "text_line_number": "741741",
}
_DIGITS_ONLY = str.maketrans("", "", " -().+")


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def _is_phone(text: str, region: str) -> bool:
    number = _parse(text, region)
    return number is not None and bool(phonenumbers.is_valid_number(number))


def _is_short(text: str, region: str) -> bool:
    number = _parse(text, region)
    return number is not None and bool(
        phonenumbers.is_valid_short_number_for_region(number, region)
    )


def _is_emergency(text: str, region: str) -> bool:
    return bool(phonenumbers.is_emergency_number(text, region))


# Each crisis value: what it should be, and the test for it.
_CRISIS_TESTS: dict[str, tuple[str, Callable[[str, str], bool]]] = {
    "lifeline": (
        "the crisis lifeline's short code or phone number",
        lambda t, r: _is_short(t, r) or _is_phone(t, r),
    ),
    "emergency": ("the emergency number", _is_emergency),
    "poison_control": ("poison control's phone number", _is_phone),
    "text_line_number": (
        "the crisis text line's short code or phone number",
        lambda t, r: _is_short(t, r) or _is_phone(t, r),
    ),
}


def check_center(pack: ContentPack) -> Iterator[Problem]:
    """The center's phone and the crisis resources, located in center.yml."""
    center = pack.center
    file = str(_shown(pack.root / "center.yml"))
    locator = Locator()
    region = str(center.extra.get("country", "US")).upper()

    def at(path: tuple[str, ...], message: str, severity: str = "error") -> Problem:
        line, col = locator.find(file, path)
        return Problem(file, line, col, message, severity)

    if not _is_phone(center.phone, region):
        yield at(
            ("center", "phone"),
            f"'phone': {center.phone!r} is not a working number in {region}; "
            "check the area code and the digits",
            "warning",
        )
    for key, (meaning, test) in _CRISIS_TESTS.items():
        value = str(center.crisis.get(key, "")).strip()
        if not value:
            yield at(("crisis", key), f"'{key}' is empty: it must hold {meaning}")
            continue
        if not test(value, region):
            yield at(("crisis", key), f"'{key}': {value!r} is not {meaning} in {region}")
            continue
        usual = US_CRISIS.get(key)
        if (
            region == "US"
            and usual
            and value.translate(_DIGITS_ONLY) != usual.translate(_DIGITS_ONLY)
        ):
            yield at(
                ("crisis", key),
                f"'{key}': {value!r} is not the usual {usual} in the United States; "
                "make sure this is intended",
                "warning",
            )
    keyword = str(center.crisis.get("text_line_keyword", "")).strip()
    if not keyword or len(keyword.split()) != 1:
        yield at(
            ("crisis", "text_line_keyword"),
            f"'text_line_keyword': {keyword!r} must be the one word to text, like HOME",
        )


def load_settings(settings_file: str | Path | None = None) -> tuple[Settings, list[Problem]]:
    """The server settings, or the defaults with the problems that kept them from loading.

    The defaults let the other checks (and `iop-bot test`) run while the settings
    file or an IOP_BOT_* variable is being fixed.
    """
    path = Path(
        settings_file or os.environ.get(ENV_PREFIX + "SETTINGS_FILE") or DEFAULT_SETTINGS_FILE
    )
    where = str(path) if path.is_file() else f"{ENV_PREFIX}* environment variables"
    try:
        return Settings.load(settings_file=settings_file), []
    except SettingsError as exc:
        return Settings(), [Problem(where, 0, 0, f"server settings: {exc}")]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        message = f"server settings are not valid YAML: {exc.problem}"
        return Settings(), [Problem(where, line, col, message)]


def _shown(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
