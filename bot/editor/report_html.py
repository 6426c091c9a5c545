"""report.html: one self-contained page an editor opens in a browser after `iop-bot test`.

Inline CSS and an inline SVG histogram; no scripts, fonts or images from
anywhere, so the file works offline, can be mailed around, and makes no request
when opened. The numbers are computed here; the template only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot import __version__
from bot.editor.evaluate import HISTOGRAM_BINS, IntentEvaluation
from bot.editor.testrun import Results

TEMPLATES = Path(__file__).resolve().parent / "templates"
SERIES = (
    ("right", "In-scope, right intent on top"),
    ("wrong", "In-scope, wrong intent on top"),
    ("decline", "Should be declined (out of scope)"),
)
# Histogram drawing area, in SVG user units.
CHART_W, CHART_H, PAD_L, PAD_R, PAD_B, PAD_T = 720, 240, 40, 20, 28, 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: str
    title: str


def _level(count: int, top: int) -> int:
    """Shade 0-5 of a confusion matrix cell: 0 for empty, 5 for the largest count."""
    if not count or not top:
        return 0
    return max(1, min(5, round(5 * count / top)))


def matrix_view(ev: IntentEvaluation) -> list[dict[str, Any]]:
    """Rows of the confusion matrix with a shade per cell.

    A diagonal cell is shaded by the share of its row it holds (how much of the
    intent is recognised); a mistake by its count against the largest mistake.
    """
    off = [c for i, row in enumerate(ev.matrix) for j, c in enumerate(row) if i != j]
    top_off = max(off, default=0)
    rows = []
    for i, label in enumerate(ev.labels):
        total = sum(ev.matrix[i])
        cells = [
            {
                "count": count,
                "diagonal": i == j,
                "level": _level(count, total if i == j else top_off),
                "title": f"{label} taken for {ev.labels[j]}: {count}",
            }
            for j, count in enumerate(ev.matrix[i])
        ]
        rows.append({"label": label, "cells": cells, "total": total})
    return rows


def histogram_view(ev: IntentEvaluation) -> dict[str, Any]:
    """Bars, axis ticks and the threshold line of the confidence histogram, as SVG numbers."""
    counts = {kind: ev.histogram(kind) for kind, _ in SERIES}
    tallest = max((c for series in counts.values() for c in series), default=0) or 1
    plot_w, plot_h = CHART_W - PAD_L - PAD_R, CHART_H - PAD_B - PAD_T
    slot = plot_w / HISTOGRAM_BINS
    bar_w = slot / (len(SERIES) + 1)
    bars = []
    for b in range(HISTOGRAM_BINS):
        low, high = b / HISTOGRAM_BINS, (b + 1) / HISTOGRAM_BINS
        for k, (kind, label) in enumerate(SERIES):
            count = counts[kind][b]
            height = plot_h * count / tallest
            bars.append(
                Bar(
                    x=round(PAD_L + b * slot + (k + 0.5) * bar_w, 2),
                    y=round(PAD_T + plot_h - height, 2),
                    width=round(bar_w, 2),
                    height=round(height, 2),
                    series=kind,
                    title=f"{label}, confidence {low:.2f} to {high:.2f}: {count}",
                )
            )
    ticks = [{"x": round(PAD_L + plot_w * t / 4, 2), "label": f"{t / 4:.2f}"} for t in range(5)]
    return {
        "bars": bars,
        "ticks": ticks,
        "threshold_x": round(PAD_L + plot_w * ev.threshold, 2),
        "width": CHART_W,
        "height": CHART_H,
        "base_y": PAD_T + plot_h,
        "top_y": PAD_T,
        "left": PAD_L,
        "right": PAD_L + plot_w,
        "tallest": tallest,
        "series": SERIES,
        "counts": counts,
        "bins": [
            f"{b / HISTOGRAM_BINS:.2f}-{(b + 1) / HISTOGRAM_BINS:.2f}"
            for b in range(HISTOGRAM_BINS)
        ],
    }


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(results: Results) -> str:
    """The report page as one string."""
    ev = results.intents
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            r=results,
            ev=ev,
            macro=ev.macro,
            matrix=matrix_view(ev),
            hist=histogram_view(ev),
            version=__version__,
        )
    )
