"""Server-rendered SVG charts the pages of every module share: the geometry is worked out here, the markup is the
shell's macros (``charts.html``: ``{% from "charts.html" import line_chart, xy_chart, bar_chart, share_bar %}``), so a chart
is plain numbers a test can read and needs no script, no network and no inline style (the Content-Security-Policy
allows none): colours are CSS classes.

- ``line_chart``: values over labelled points (a trend), a y axis of shares 0..100 % with gridlines, x labels
  thinned out so they never overlap, gaps where a value is missing.
- ``xy_chart``: points on two share axes 0..1 (a calibration chart: predicted against observed), with the
  diagonal y = x.
- ``column_chart``: grouped vertical bars of shares per labelled category (actual next to target), the value
  written above each bar.
- ``bar_chart``: one bar per label (scores of units), a y axis on a round step, and an optional target line
  (``target=100``: on target) drawn across the plot with its label.
- ``share_bar``: one small horizontal bar (a share of 0..1) for a table cell; ``percent`` the share as text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

CHAR_WIDTH = 6.6  # px per character of the charts' 11-12 px labels, roughly (system sans-serif)


def percent(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f} %"


def fit(label: str, chars: int) -> str:
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
    x_ticks = [Tick(round(x_at(i), 1), fit(labels[i], chars)) for i in shown]
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


# --- points on two share axes (calibration) ---------------------------------------------------------
@dataclass(frozen=True)
class XYPoint:
    x: float  # px
    y: float
    r: float  # px: the radius, by the point's weight
    x_value: float
    y_value: float
    weight: int
    text: str


@dataclass(frozen=True)
class XYChart:
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    ticks_x: list[Tick]
    ticks_y: list[Tick]
    points: list[XYPoint]
    path: str  # the points joined in x order
    diagonal: tuple[float, float, float, float]  # x1 y1 x2 y2 of y = x
    x_title: str
    y_title: str

    @property
    def empty(self) -> bool:
        return not self.points


def xy_chart(points: Sequence[tuple[float, float, int]], *, x_title: str, y_title: str, width: int = 420,
             height: int = 360, step: float = 0.25) -> XYChart:
    """``points``: (x share, y share, weight) each, e.g. per bin of a calibration (mean predicted, observed rate,
    people). Both axes 0..1; the bigger the weight, the bigger the dot (by area)."""
    left, right, top, bottom = 56.0, width - 20.0, 16.0, height - 52.0

    def at_x(v: float) -> float:
        return round(left + (right - left) * max(0.0, min(1.0, v)), 1)

    def at_y(v: float) -> float:
        return round(bottom - (bottom - top) * max(0.0, min(1.0, v)), 1)

    n = round(1 / step)
    ticks_x = [Tick(at_x(i * step), percent(i * step)) for i in range(n + 1)]
    ticks_y = [Tick(at_y(i * step), percent(i * step)) for i in range(n + 1)]
    heaviest = max([w for _, _, w in points] + [1])
    dots = [XYPoint(at_x(x), at_y(y), round(3.0 + 6.0 * math.sqrt(w / heaviest), 1), x, y, w,
                    f"predicted {percent(x, 1)}, observed {percent(y, 1)} ({w})")
            for x, y, w in sorted(points)]
    path = " ".join(f"{'M' if i == 0 else 'L'}{d.x} {d.y}" for i, d in enumerate(dots))
    return XYChart(width=width, height=height, left=left, top=top, right=right, bottom=bottom, ticks_x=ticks_x,
                   ticks_y=ticks_y, points=dots, path=path, diagonal=(at_x(0), at_y(0), at_x(1), at_y(1)),
                   x_title=x_title, y_title=y_title)


# --- grouped columns of shares ---------------------------------------------------------------------
@dataclass(frozen=True)
class Bar:
    key: str  # the series: CSS class chart-bar-<key>
    x: float
    y: float
    width: float
    height: float
    value: float | None
    text: str  # the value as shown


@dataclass(frozen=True)
class ColumnGroup:
    label: str
    sub: str  # a second line under the label ("" for none)
    x: float  # the group's centre
    bars: list[Bar]


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    y_ticks: list[Tick]
    groups: list[ColumnGroup]
    series: list[tuple[str, str]]  # (key, label) for the legend
    x_title: str
    y_title: str

    @property
    def empty(self) -> bool:
        return not any(b.value for g in self.groups for b in g.bars)


NICE_MAX = ((0.1, 0.02), (0.25, 0.05), (0.5, 0.1), (0.75, 0.25), (1.0, 0.25))


def column_chart(labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[float | None]]], *,
                 x_title: str, y_title: str, sublabels: Sequence[str] | None = None, width: int = 760,
                 height: int = 300) -> ColumnChart:
    """Shares 0..1 per category ``labels``: ``series`` are (key, label, one value per category or None), drawn
    side by side in each category. The y axis ends at the smallest of 10/25/50/75/100 % that holds every value."""
    left, right, top, bottom = 56.0, width - 16.0, 20.0, height - (66.0 if sublabels else 52.0)
    top_value = max([v for _, _, vs in series for v in vs if v is not None] + [0.0])
    y_max, y_step = next(((m, s) for m, s in NICE_MAX if top_value <= m + 1e-9), NICE_MAX[-1])

    def y_at(v: float) -> float:
        return round(bottom - (bottom - top) * max(0.0, min(v, y_max)) / y_max, 1)

    y_ticks = [Tick(y_at(i * y_step), percent(i * y_step)) for i in range(round(y_max / y_step) + 1)]
    n, k = len(labels), max(1, len(series))
    slot = (right - left) / max(1, n)
    bar_w = round(min(40.0, slot * 0.8 / k), 1)
    chars = max(4, int(slot / CHAR_WIDTH))
    groups = []
    for i, label in enumerate(labels):
        centre = left + slot * (i + 0.5)
        first = centre - bar_w * k / 2
        bars = []
        for j, (key, _label, values) in enumerate(series):
            v = values[i]
            y = y_at(v or 0.0)
            bars.append(Bar(key, round(first + j * bar_w, 1), y, bar_w, round(bottom - y, 1), v, percent(v)))
        groups.append(ColumnGroup(fit(label, chars), fit(sublabels[i], chars) if sublabels else "", round(centre, 1),
                                  bars))
    return ColumnChart(width=width, height=height, left=left, top=top, right=right, bottom=bottom, y_ticks=y_ticks,
                       groups=groups, series=[(key, label) for key, label, _ in series], x_title=x_title,
                       y_title=y_title)


def share_bar(value: float | None, width: float = 80.0) -> float:
    """The filled width of a small bar for a share 0..1."""
    return round(width * max(0.0, min(1.0, value or 0.0)), 1)


# --- a bar chart with an optional target line -------------------------------------------------------
@dataclass(frozen=True)
class ScoreBar:
    x: float  # px: the bar's left edge
    y: float  # px: its top
    width: float
    height: float
    label: str
    value: float | None
    text: str  # the value as shown ("—" for none: no bar drawn)
    href: str | None


@dataclass(frozen=True)
class TargetLine:
    y: float  # px
    value: float
    label: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    bars: list[ScoreBar]
    y_ticks: list[Tick]
    target: TargetLine | None
    x_title: str
    y_title: str
    label_chars: int  # how many characters of a label fit under its bar

    @property
    def empty(self) -> bool:
        return not any(b.value is not None for b in self.bars)


def nice_step(span: float, ticks: int = 5) -> float:
    """A round gridline step (1, 2, 2.5 or 5 times a power of ten) giving about ``ticks`` steps over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw)


def bar_chart(labels: Sequence[str], values: Sequence[float | None], *, x_title: str, y_title: str,
              target: float | None = None, target_label: str = "Target", hrefs: Sequence[str | None] | None = None,
              width: int = 760, height: int = 300, y_max: float | None = None, digits: int = 1) -> BarChart:
    """One bar per label from 0 up to its value (None: no bar, the label stays); ``target`` draws a horizontal
    line at that value across the plot, labelled ``target_label`` (e.g. 100 = on target). The y axis runs from 0
    to ``y_max`` (default: the largest of the values and the target, plus a margin, on a round step)."""
    left, right, top, bottom = 56.0, width - 16.0, 16.0, height - 52.0
    shown = [v for v in values if v is not None] + ([target] if target is not None else [])
    top_value = max([max(shown, default=0.0), 0.0])
    if y_max is None:
        step = nice_step(top_value * 1.1 or 1.0)
        y_max = step * max(1, math.ceil(top_value * 1.1 / step))
    else:
        step = nice_step(y_max)
    y_max = max(y_max, 1e-9)

    def y_at(v: float) -> float:
        return round(bottom - (bottom - top) * max(0.0, min(v, y_max)) / y_max, 1)

    y_ticks = [Tick(y_at(i * step), f"{i * step:g}") for i in range(round(y_max / step) + 1)]
    n = len(labels)
    slot = (right - left) / n if n else right - left
    bar_w = round(min(56.0, slot * 0.7), 1)
    bars = []
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        x = round(left + slot * i + (slot - bar_w) / 2, 1)
        y = y_at(v) if v is not None else bottom
        bars.append(ScoreBar(x=x, y=y, width=bar_w, height=round(bottom - y, 1), label=label, value=v,
                        text="—" if v is None else f"{v:.{digits}f}", href=hrefs[i] if hrefs else None))
    line = None if target is None else TargetLine(y_at(target), target, target_label)
    return BarChart(width=width, height=height, left=left, top=top, right=right, bottom=bottom, bars=bars,
                    y_ticks=y_ticks, target=line, x_title=x_title, y_title=y_title,
                    label_chars=max(3, int(slot // CHAR_WIDTH) - 1))
