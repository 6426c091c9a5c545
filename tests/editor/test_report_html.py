"""report.html opened in a real headless Chromium: the tables and the chart show, nothing loads.

The report is a file an editor opens locally, so it must be complete on its own:
every request the page makes is recorded, and only the page itself may appear.
A test message carrying HTML checks that message text is escaped, not run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.editor.cli import test_cmd as iop_bot_test

MakePack = Callable[..., Path]  # the make_pack fixture of conftest.py
HOSTILE = "<img src=x onerror=alert(1)> how long is the program"


@pytest.fixture
def report(make_pack: MakePack, tmp_path: Path) -> Path:
    """report.html of the fixture pack, with a hostile message the bot gets wrong on purpose."""
    root = make_pack()
    data = root / "tests/content/heldout.yml"
    text = data.read_text(encoding="utf-8")
    hostile = f'in_scope:\n  - {{text: "{HOSTILE}", intent: weekly_hours}}\n'
    data.write_text(text.replace("in_scope:\n", hostile, 1), encoding="utf-8")
    out = tmp_path / "report"
    result = CliRunner().invoke(
        iop_bot_test, ["--content", str(root), "--out", str(out), "--threshold", "0.48"]
    )
    assert result.exit_code == 0, result.output
    return out / "report.html"


async def test_report_shows_matrix_and_histogram_without_requests(
    report: Path, chromium_launch: dict[str, Any]
) -> None:
    from playwright.async_api import async_playwright

    requested: list[str] = []
    dialogs: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**chromium_launch)
        try:
            page = await browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.on("dialog", lambda dialog: dialogs.append(dialog.message))
            await page.goto(report.as_uri())
            await page.wait_for_load_state("load")

            matrix = page.locator("#confusion-matrix")
            assert await matrix.is_visible()
            headers = await matrix.locator("thead th.col").all_inner_texts()
            assert headers[:5] == [
                "insurance_cost",
                "location",
                "program_length",
                "weekly_hours",
                "out_of_scope",
            ]
            row = matrix.locator("tbody tr", has=page.locator("th", has_text="program_length"))
            cells = await row.locator("td").all_inner_texts()
            assert [c.strip() for c in cells] == ["", "", "3", "2", "", "5"]

            histogram = page.locator("svg#histogram")
            assert await histogram.is_visible()
            box = await histogram.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 100
            bars = histogram.locator("rect")
            assert await bars.count() >= 3
            assert await bars.first.is_visible()
            assert await histogram.locator("line.threshold").count() == 1

            assert await page.locator("#per-intent").is_visible()
            assert await page.locator("#confused-pairs").is_visible()
            mis = page.locator("#misclassified")
            assert await mis.get_by_text(HOSTILE, exact=True).is_visible()  # shown, not run
            assert await mis.locator("img").count() == 0
        finally:
            await browser.close()
    assert requested == [report.as_uri()], requested
    assert dialogs == []
