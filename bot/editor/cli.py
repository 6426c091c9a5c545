"""Editor commands: `iop-bot validate` checks a content pack, `iop-bot test` measures it.

Exit codes, for scripts and CI: 0 all good; 1 problems found (errors, failed
tests, a missed crisis message; warnings too with --strict); 2 the run could
not happen (the pack or a test file does not load, bad options).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import click

from bot.content.loader import ContentError
from bot.editor.check_center import load_settings
from bot.editor.report_html import render_html
from bot.editor.report_json import report_json
from bot.editor.report_text import render_text as render_test_text
from bot.editor.testdata import Sample
from bot.editor.testrun import run_tests
from bot.editor.validate import render_json, render_text, validate
from bot.settings import Settings

EXIT_FAILED = 1
EXIT_CANNOT_RUN = 2

_content_option = click.option(
    "--content",
    "content_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of the content pack. Default: the content_dir setting (the working "
    "directory when it holds center.yml, else the demo pack).",
)


def _settings() -> Settings:
    """The settings, or the defaults when they do not load (validate reports why)."""
    return load_settings()[0]


@click.command("validate")
@_content_option
@click.option("--strict", is_flag=True, help="Fail on warnings too, not only on errors.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for scripts and editors' tools.",
)
def validate_cmd(content_dir: Path | None, strict: bool, fmt: str) -> None:
    """Check the content pack and list every problem as file:line:column.

    Exits 0 when there is no error (and, with --strict, no warning), else 1.
    """
    root = content_dir or _settings().content_path
    result = validate(root)
    if fmt == "json":
        click.echo(render_json(result))
    else:
        click.echo(render_text(result, color=True))
    sys.exit(EXIT_FAILED if result.failed(strict) else 0)


def _progress(samples: Iterable[Sample]) -> Iterator[Sample]:
    """A progress bar on stderr when it is a terminal; nothing in logs and pipes."""
    items = list(samples)
    if not sys.stderr.isatty():
        yield from items
        return
    with click.progressbar(items, label="Matching test messages", file=sys.stderr) as bar:
        yield from bar


@click.command("test")
@_content_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Folder for report.json and report.html.",
)
@click.option(
    "--compare",
    "compare_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Another copy of the pack (say, from before your edit): shows what got better or worse.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Matcher threshold to evaluate with. Default: the match_threshold setting.",
)
@click.option(
    "--data",
    "data_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Labelled test messages. Default: tests/content/heldout.yml in the pack.",
)
@click.option(
    "--crisis",
    "crisis_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Crisis test messages. Default: tests/content/crisis.yml in the pack.",
)
def test_cmd(
    content_dir: Path | None,
    out_dir: Path,
    compare_dir: Path | None,
    threshold: float | None,
    data_file: Path | None,
    crisis_file: Path | None,
) -> None:
    """Run the conversation tests and measure how well the bot understands.

    Prints a report, writes OUT/report.json and OUT/report.html (open it in a
    browser), and exits 1 when a conversation test fails or a crisis message is missed.
    """
    settings = _settings()
    root = content_dir or settings.content_path
    try:
        results = run_tests(
            root,
            threshold=settings.match_threshold if threshold is None else threshold,
            margin=settings.ambiguity_margin,
            data=data_file,
            crisis=crisis_file,
            compare=compare_dir,
            progress=_progress,
        )
    except ContentError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(
            "The tests cannot run until these are fixed ('iop-bot validate' checks the pack).",
            err=True,
        )
        sys.exit(EXIT_CANNOT_RUN)
    click.echo(render_test_text(results))
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "report.json", out_dir / "report.html"
    json_path.write_text(
        json.dumps(report_json(results), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    html_path.write_text(render_html(results), encoding="utf-8")
    click.echo(f"Reports: {json_path} and {html_path} (open the .html file in a browser)")
    sys.exit(EXIT_FAILED if results.failures else 0)
