"""The succession pages' own SVG chart: per group (gender, age band), the group's share of a population beside its
share of the eligible population, and its impact ratio against the four-fifths line (representation). The geometry
is worked out here, the markup is ``succession/charts.html``; the charts every module shares (the line chart, the
share bar, ``percent``) are the platform's, ``hcm.web.charts``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hcm.web.charts import Tick, percent


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
