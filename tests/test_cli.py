"""The command group lists and loads every command."""

from click.testing import CliRunner

from bot.cli import COMMANDS, main


def test_every_command_loads_and_has_help() -> None:
    runner = CliRunner()
    listing = runner.invoke(main, ["--help"])
    assert listing.exit_code == 0
    for name in COMMANDS:
        assert name in listing.output
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage:" in result.output
