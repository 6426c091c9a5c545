"""Settings: declared once, documented, loaded from file, environment and overrides."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.settings import Settings, SettingsError, setting_specs

DOCS = Path(__file__).resolve().parent.parent / "docs" / "settings.md"


def test_every_setting_is_documented_with_its_current_help() -> None:
    doc = DOCS.read_text(encoding="utf-8")
    table = CliRunner().invoke(main, ["settings", "--markdown"]).output.splitlines()[2:]
    assert len(table) == len(setting_specs())
    missing = [row for row in table if row not in doc]
    assert not missing, (
        "docs/settings.md is out of date; regenerate with `iop-bot settings --markdown`"
    )


def test_every_setting_has_help() -> None:
    for name, _type, _default, help_text in setting_specs():
        assert len(help_text) > 15, name


def test_precedence_file_then_env_then_overrides(tmp_path: Path) -> None:
    f = tmp_path / "s.yml"
    f.write_text("port: 9000\nhost: 0.0.0.0\nallowed_origins: [https://a.example]\n")
    env = {"IOP_BOT_PORT": "9100", "IOP_BOT_DEV_MODE": "yes", "UNRELATED": "x"}
    s = Settings.load({"host": "127.0.0.2"}, environ=env, settings_file=f)
    assert s.port == 9100
    assert s.host == "127.0.0.2"
    assert s.dev_mode is True
    assert s.allowed_origins == ("https://a.example",)


def test_list_settings_from_comma_separated_env(tmp_path: Path) -> None:
    env = {"IOP_BOT_ALLOWED_ORIGINS": "https://a.example, https://b.example"}
    s = Settings.load(environ=env, settings_file=tmp_path / "none.yml")
    assert s.allowed_origins == ("https://a.example", "https://b.example")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"IOP_BOT_PORT": "eighty"}, "'port'"),
        ({"IOP_BOT_DEV_MODE": "maybe"}, "'dev_mode'"),
    ],
)
def test_bad_values_name_the_setting(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.load(environ=env, settings_file=tmp_path / "none.yml")


def test_unknown_setting_in_file_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "s.yml"
    f.write_text("prot: 9000\n")
    with pytest.raises(SettingsError, match="prot"):
        Settings.load(environ={}, settings_file=f)


def test_secrets_are_masked() -> None:
    s = Settings.load({"smtp_password": "hunter2hunter2"}, environ={}, settings_file="/nonexistent")
    assert s.redacted()["smtp_password"] == "***"
    assert "hunter2" not in str(s.redacted())
