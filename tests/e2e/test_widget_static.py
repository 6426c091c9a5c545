"""Checks on the widget's and demo page's files that need no browser: size, CSP safety, privacy."""

from __future__ import annotations

import gzip
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.content import load_pack

ROOT = Path(__file__).resolve().parents[2]
WIDGET_JS = ROOT / "web_widget" / "widget.js"
WIDGET_CSS = ROOT / "web_widget" / "widget.css"
TEMPLATES = ROOT / "bot" / "web" / "templates"
BUDGET_BYTES = 15 * 1024  # widget.js + widget.css, gzipped


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def test_widget_fits_the_size_budget() -> None:
    total = gzipped(WIDGET_JS) + gzipped(WIDGET_CSS)
    assert total <= BUDGET_BYTES, f"widget.js + widget.css are {total} bytes gzipped"


@pytest.mark.parametrize(
    "pattern",
    [
        r"\.innerHTML\b",
        r"\.outerHTML\b",
        r"insertAdjacentHTML",
        r"document\.write",
        r"\beval\s*\(",
        r"new\s+Function\b",
        r"set(?:Timeout|Interval)\(\s*[\"'`]",
        r"document\.cookie",
        r"localStorage",
        r"setAttribute\(\s*[\"']style",
        r"\bimport\s*\(",
    ],
)
def test_widget_script_avoids_unsafe_or_tracking_apis(pattern: str) -> None:
    assert not re.search(pattern, WIDGET_JS.read_text(encoding="utf-8")), pattern


def test_widget_names_no_other_host() -> None:
    """Every request goes to the widget's own origin: the only URL in code is the SVG namespace."""
    code = re.sub(r"/\*.*?\*/", "", WIDGET_JS.read_text(encoding="utf-8"), flags=re.S)
    urls = set(re.findall(r"https?://[^\s\"'`)]+", code))
    assert urls == {"http://www.w3.org/2000/svg"}


def test_widget_stylesheet_loads_nothing_and_ignores_the_page_root_font_size() -> None:
    css = WIDGET_CSS.read_text(encoding="utf-8")
    assert "@import" not in css
    assert "url(" not in css
    assert not re.search(r"\d+(?:\.\d+)?rem\b", css), "rem follows the host page's <html> font"


def test_widget_script_parses() -> None:
    """Syntax check with Node when it is installed (the browser tests run it for real)."""
    node = subprocess.run(["which", "node"], capture_output=True, text=True).stdout.strip()
    if not node:
        pytest.skip("node is not installed")
    result = subprocess.run([node, "--check", str(WIDGET_JS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


class PageAudit(HTMLParser):
    """Collects what a strict CSP would block, plus the script tags and the tables."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.problems: list[str] = []
        self.header_scopes: list[str | None] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if tag == "script":
            self.scripts.append(values)
        if tag == "style":
            self.problems.append("a <style> element")
        if tag == "th":
            self.header_scopes.append(values.get("scope"))
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"a style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"an {name} handler on <{tag}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"a javascript: URL on <{tag}>")

    def handle_data(self, data: str) -> None:
        if self.tags and self.tags[-1] == "script" and data.strip():
            self.problems.append("an inline script")


@pytest.fixture(scope="module")
def demo_html() -> str:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True)
    )
    center = load_pack(ROOT).center
    return env.get_template("demo.html").render(
        **center.template_vars(), widget_src="https://bot.example.org/widget.js"
    )


def test_demo_page_works_under_a_strict_csp(demo_html: str) -> None:
    audit = PageAudit()
    audit.feed(demo_html)
    assert audit.problems == []
    # Embedded exactly as a center would: one async script tag with data attributes.
    assert len(audit.scripts) == 1
    script = audit.scripts[0]
    assert script["src"] == "https://bot.example.org/widget.js"
    assert "async" in script
    assert script["data-phone"] == load_pack(ROOT).center.phone


def test_demo_page_content_comes_from_the_iop_page(demo_html: str) -> None:
    audit = PageAudit()
    audit.feed(demo_html)
    assert "table" in audit.tags and "caption" in audit.tags
    assert audit.header_scopes and all(s in ("col", "row") for s in audit.header_scopes)
    for text in [
        "Intensive Outpatient Program (IOP)",
        "5–6 days a week, 6+ hours daily",
        "Follow drug screening requirements as needed",
        "What are the goals of an intensive outpatient program?",
        'href="tel:+12075550142"',
    ]:
        assert text in demo_html
    # The page's blog teasers are not program facts and stay out.
    assert "Addiction Recovery Blog" not in demo_html
    assert "RESOURCES" not in demo_html
