"""Server-rendered SVG charts of the succession pages: the geometry is worked out here, the markup is the
templates' (``succession/charts.html``), so a chart is plain numbers a test can read and needs no script, no
network and no inline style (the Content-Security-Policy allows none): colours are CSS classes.

- ``line_chart``: values over labelled points (the bench-strength trend), a y axis of shares 0..100 % with
  gridlines, x labels thinned out so they never overlap, gaps where a value is missing.
- ``group_chart``: per group (gender, age band), the group's share of a population beside its share of the
  eligible population, and its impact ratio against the four-fifths line (representation).
- ``share_bar``: one small horizontal bar (a share of 0..1) for a table cell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

CHAR_WIDTH = 6.6  # px per character of the charts' 11-12 px labels, roughly (system sans-serif)


def percent(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f} %"


def _fit(label: str, chars: int) -> str:
    return label if len(label) <= chars else label[:max(1, chars - 1)] + "…"


# --- a line chart ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tick:
    pos: float  # px along its axis
    label: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    label: str  # the point's label (the x axis)
    text: str  # the value as shown


@dataclass(frozen=True)
class Line:
    key: str  # the CSS class suffix: chart-line-<key>
    label: str
    path: str  # SVG path data ("M x y L x y ..."), broken where a value is missing
    dots: list[Dot]
    last: Dot | None  # where the line ends: its value is written there


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: float  # the plot area
    top: float
    right: float
    bottom: float
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    lines: list[Line]
    x_title: str
    y_title: str

    @property
    def empty(self) -> bool:
        return not any(line.dots for line in self.lines)


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[float | None]]], *,
               x_title: str, y_title: str, width: int = 760, height: int = 300, y_max: float = 1.0,
               y_step: float = 0.25) -> LineChart:
    """Shares (0..``y_max``) over the points ``labels``: ``series`` are (key, label, one value per point or None)."""
    left, right, top, bottom = 56.0, width - 64.0, 16.0, height - 52.0
    n = len(labels)
    span = right - left

    def x_at(i: int) -> float:
        return left + (span * i / (n - 1) if n > 1 else span / 2)

    def y_at(v: float) -> float:
        return bottom - (bottom - top) * max(0.0, min(v, y_max)) / y_max

    y_ticks = [Tick(round(y_at(i * y_step), 1), percent(i * y_step))
               for i in range(round(y_max / y_step) + 1)]
    # as many x labels as fit side by side: every ``step``-th, and always the last (the as-of date)
    chars = min(max((len(label) for label in labels), default=1), 14)
    need = chars * CHAR_WIDTH + 12  # px a label takes
    gap = span / (n - 1) if n > 1 else span  # px between two points
    step = max(1, math.ceil(need / gap))
    shown = list(range(0, n, step))
    if n and shown[-1] != n - 1:
        if (n - 1 - shown[-1]) * gap < need:
            shown.pop()
        shown.append(n - 1)
    x_ticks = [Tick(round(x_at(i), 1), _fit(labels[i], chars)) for i in shown]
    lines = []
    for key, label, values in series:
        dots: list[Dot] = []
        parts: list[str] = []
        pen_up = True
        for i, v in enumerate(values):
            if v is None:
                pen_up = True
                continue
            d = Dot(round(x_at(i), 1), round(y_at(v), 1), labels[i], percent(v))
            parts.append(f"{'M' if pen_up else 'L'}{d.x} {d.y}")
            pen_up = False
            dots.append(d)
        lines.append(Line(key, label, " ".join(parts), dots, dots[-1] if dots else None))
    return LineChart(width=width, height=height, left=left, top=top, right=right, bottom=bottom, x_ticks=x_ticks,
                     y_ticks=y_ticks, lines=lines, x_title=x_title, y_title=y_title)


# --- representation: shares against the eligible population, and the impact ratio -----------------
@dataclass(frozen=True)
class GroupBar:
    label: str
    y: float  # the row's top
    share: float | None
    share_w: float
    eligible_share: float | None
    eligible_w: float
    ratio: float | None
    ratio_w: float
    flagged: bool
    small: bool
    count: int
    selected: int  # of the group's eligible people, those in the population
    eligible: int


@dataclass(frozen=True)
class GroupChart:
    width: int
    height: int
    label_w: float
    share_x: float
    share_w: float
    ratio_x: float
    ratio_w: float
    top: float
    row_h: float
    share_max: float
    share_ticks: list[Tick]
    ratio_ticks: list[Tick]
    threshold: float
    threshold_x: float
    rows: list[GroupBar] = field(default_factory=list)
    population: str = ""


def group_chart(groups: Sequence[Any], *, population: str, threshold: float, width: int = 840) -> GroupChart:
    """``groups``: the service's ``GroupFigures`` (share, eligible_share, impact_ratio, flagged, small, ...)."""
    label_w, share_x, share_w = 140.0, 148.0, 300.0
    ratio_x, ratio_w = share_x + share_w + 64.0, 200.0  # the ratio's words (up to ~20 characters) after it
    top, row_h = 50.0, 40.0
    biggest = max([g.share or 0.0 for g in groups] + [g.eligible_share or 0.0 for g in groups] + [0.0])
    share_max = min(1.0, max(0.2, math.ceil(biggest * 5 - 1e-9) / 5))  # 20 %, 40 %, ... 100 %
    step = share_max / 4 if share_max > 0.4 else 0.1 if share_max > 0.2 else 0.05
    share_ticks = [Tick(round(share_x + share_w * i * step / share_max, 1), percent(i * step))
                   for i in range(round(share_max / step) + 1)]
    ratio_ticks = [Tick(round(ratio_x + ratio_w * v, 1), f"{v:.1f}") for v in (0.0, 0.5, 1.0)]
    rows = [GroupBar(label=g.group, y=top + i * row_h, share=g.share,
                     share_w=round(share_w * (g.share or 0.0) / share_max, 1), eligible_share=g.eligible_share,
                     eligible_w=round(share_w * (g.eligible_share or 0.0) / share_max, 1), ratio=g.impact_ratio,
                     ratio_w=round(ratio_w * min(1.0, g.impact_ratio or 0.0), 1), flagged=g.flagged, small=g.small,
                     count=g.count, selected=g.selected, eligible=g.eligible)
            for i, g in enumerate(groups)]
    height = int(top + row_h * len(rows) + 30)
    return GroupChart(width=width, height=height, label_w=label_w, share_x=share_x, share_w=share_w, ratio_x=ratio_x,
                      ratio_w=ratio_w, top=top, row_h=row_h, share_max=share_max, share_ticks=share_ticks,
                      ratio_ticks=ratio_ticks, threshold=threshold, threshold_x=round(ratio_x + ratio_w * threshold, 1),
                      rows=rows, population=population)


def share_bar(value: float | None, width: float = 80.0) -> float:
    """The filled width of a small bar for a share 0..1."""
    return round(width * max(0.0, min(1.0, value or 0.0)), 1)
