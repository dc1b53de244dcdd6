"""The platform's SVG chart geometry (hcm/web/charts.py) that the line chart tests of tests/succession/test_charts.py
do not cover: the x-y chart of a calibration, without a database."""

from __future__ import annotations

from hcm.web import charts


def test_xy_points_sit_on_both_share_axes_with_the_diagonal() -> None:
    c = charts.xy_chart([(0.5, 0.5, 10), (0.0, 0.0, 40), (1.0, 1.2, 1)], x_title="predicted", y_title="observed",
                        width=420, height=360)
    assert [(p.x_value, p.y_value) for p in c.points] == [(0.0, 0.0), (0.5, 0.5), (1.0, 1.2)]  # in x order
    low, mid, top = c.points
    assert (low.x, low.y) == (c.left, c.bottom) and (top.x, top.y) == (c.right, c.top)  # clipped to the plot
    assert mid.x == round((c.left + c.right) / 2, 1) and mid.y == round((c.top + c.bottom) / 2, 1)
    assert c.diagonal == (c.left, c.bottom, c.right, c.top)
    assert low.r > mid.r > top.r  # dot size by weight
    assert c.path.startswith(f"M{low.x} {low.y} L") and [t.label for t in c.ticks_x] == [
        "0 %", "25 %", "50 %", "75 %", "100 %"]
    assert charts.xy_chart([], x_title="x", y_title="y").empty
