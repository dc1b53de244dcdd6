"""The SVG charts' geometry (succession/pages/charts.py) and the heat map's bands (succession/service/heatmap.py),
without a database: labels that never overlap, gaps where a value is missing, bars to scale, band edges."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hcm.web import charts as web
from succession.pages import charts
from succession.service import heatmap


def test_a_line_chart_maps_shares_onto_the_plot() -> None:
    c = web.line_chart(["2026-01", "2026-02", "2026-03"], [("covered", "Covered", [0.0, 0.5, 1.0])],
                          x_title="Month end", y_title="Share", width=400, height=200)
    line = c.lines[0]
    assert [(d.x, d.y) for d in line.dots] == [(c.left, c.bottom), ((c.left + c.right) / 2, (c.top + c.bottom) / 2),
                                                (c.right, c.top)]
    assert line.path == f"M{c.left} {c.bottom} L{(c.left + c.right) / 2} {(c.top + c.bottom) / 2} L{c.right} {c.top}"
    assert [t.label for t in c.y_ticks] == ["0 %", "25 %", "50 %", "75 %", "100 %"]
    assert [d.text for d in line.dots] == ["0 %", "50 %", "100 %"] and line.last == line.dots[-1]
    assert [t.label for t in c.x_ticks] == ["2026-01", "2026-02", "2026-03"] and not c.empty


def test_a_missing_value_breaks_the_line() -> None:
    c = web.line_chart(["a", "b", "c", "d"], [("two", "Two", [0.2, None, 0.4, 0.6])], x_title="x", y_title="y")
    assert c.lines[0].path.count("M") == 2 and len(c.lines[0].dots) == 3
    empty = web.line_chart(["a"], [("two", "Two", [None])], x_title="x", y_title="y")
    assert empty.empty and empty.lines[0].last is None


@pytest.mark.parametrize("n", [1, 2, 7, 13, 25, 37])
def test_x_labels_never_overlap_and_the_last_is_always_shown(n: int) -> None:
    labels = [f"2026-{i:02d}" for i in range(1, n)] + ["2026-11-27"]
    c = web.line_chart(labels, [("covered", "Covered", [0.5] * n)], x_title="x", y_title="y")
    assert c.x_ticks[-1].label == "2026-11-27"
    need = 10 * web.CHAR_WIDTH  # the widest label
    assert all(b.pos - a.pos >= need for a, b in zip(c.x_ticks, c.x_ticks[1:], strict=False))
    if n > 1:
        assert c.x_ticks[0].label == "2026-01"  # and the first


def test_long_labels_are_cut_with_an_ellipsis() -> None:
    c = web.line_chart(["FY2026, FY2026-Q4 and more", "today"], [("covered", "Covered", [0.1, 0.2])],
                          x_title="x", y_title="y")
    assert c.x_ticks[0].label.endswith("…") and len(c.x_ticks[0].label) == 14


def _group(name: str, share: float | None, eligible_share: float | None, ratio: float | None,
           flagged: bool = False) -> SimpleNamespace:
    return SimpleNamespace(group=name, share=share, eligible_share=eligible_share, impact_ratio=ratio, flagged=flagged,
                           small=False, count=1, selected=1, eligible=2)


def test_a_group_chart_scales_shares_and_ratios() -> None:
    c = charts.group_chart([_group("female", 0.43, 0.42, 0.85), _group("male", 0.57, 0.53, 1.0),
                            _group("other", 0.0, 0.01, 0.0, flagged=True)], population="Nominees", threshold=0.8)
    assert c.share_max == 0.6  # the largest share, 57 %, rounded up to a fifth
    female, male, other = c.rows
    assert male.share_w == pytest.approx(c.share_w * 0.57 / 0.6, abs=0.1)
    assert male.ratio_w == c.ratio_w and other.ratio_w == 0 and other.flagged
    assert c.threshold_x == pytest.approx(c.ratio_x + 0.8 * c.ratio_w)
    assert [t.label for t in c.share_ticks] == ["0 %", "15 %", "30 %", "45 %", "60 %"]
    assert female.y < male.y < other.y and c.height > other.y + c.row_h
    assert c.ratio_x > c.share_x + c.share_w  # the two panels do not overlap
    none = charts.group_chart([_group("unknown", None, None, None)], population="x", threshold=0.8)
    assert none.rows[0].ratio is None and none.share_max == 0.2


def test_share_bars_stay_within_their_width() -> None:
    assert (web.share_bar(None), web.share_bar(0.5), web.share_bar(2.0), web.share_bar(-1)) == \
        (0.0, 40.0, 80.0, 0.0)


@pytest.mark.parametrize(("score", "band"), [(100, "very_high"), (55, "very_high"), (54.9, "high"), (40, "high"),
                                             (39.9, "medium"), (25, "medium"), (24.9, "low"), (0, "low"),
                                             (None, "low")])
def test_criticality_bands(score: float | None, band: str) -> None:
    assert heatmap.criticality_band(score) == band


@pytest.mark.parametrize(("risk", "vacant", "band"), [(1.0, False, "high"), (0.6, False, "high"),
                                                      (0.59, False, "medium"), (0.3, False, "medium"),
                                                      (0.29, False, "low"), (0.0, False, "low"),
                                                      (None, False, "unknown"), (None, True, "vacant"),
                                                      (0.9, True, "vacant")])
def test_vacancy_bands(risk: float | None, vacant: bool, band: str) -> None:
    assert heatmap.vacancy_band(risk, vacant=vacant) == band


def test_cell_strength_and_unknown_cells() -> None:
    def post(covered: bool) -> heatmap.HeatPost:
        return heatmap.HeatPost(position_id=1, code="P", title="T", department_name="D", holder_id=None,
                                holder_name=None, score=50.0, vacancy_risk=None, ready_now=int(covered),
                                successors=1, covered=covered)

    def strength(*covered: bool) -> str:
        return heatmap.Cell("high", "low", [post(c) for c in covered]).strength

    assert (strength(), strength(False), strength(True, False, False), strength(True, False),
            strength(True, True)) == ("none", "weak", "thin", "fair", "strong")
    with pytest.raises(Exception, match="criticality must be one of"):
        heatmap.check_cell("hot", "low")
    with pytest.raises(Exception, match="vacancy must be one of"):
        heatmap.check_cell("high", "")
    assert heatmap.cell_labels("low", "unknown") == ("under 25", "not known")
