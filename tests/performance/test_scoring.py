"""Scoring formulas: hand-computed examples plus Hypothesis properties (monotone, capped, exact anchors,
mirror between directions), and version-1 results pinned so the registry never changes silently."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from performance.scoring import (
    FORMULAS,
    LATEST,
    PROGRESS_CAP,
    Direction,
    ScoreScale,
    UnknownFormula,
    at_risk,
    banded,
    check_weights_sum,
    indicator_bands,
    latest_version,
    linear,
    milestone,
    progress,
    range_score,
    rubric,
    score,
    time_elapsed,
    validate_bounds,
    weighted_average,
)

# A decorator, not a loaded profile: loading one here would change Hypothesis settings for the whole session.
SETTINGS = settings(deadline=None, max_examples=100)

HIGHER, LOWER = "higher_is_better", "lower_is_better"
DEFAULT = ScoreScale()

values = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, allow_subnormal=False)
scales = st.lists(st.floats(0, 1000, allow_nan=False, allow_subnormal=False), min_size=4, max_size=4).map(
    lambda v: ScoreScale(*sorted(v))
)


@st.composite
def higher_bounds(draw: st.DrawFn) -> tuple[float, float, float | None]:
    """threshold < target < stretch (stretch sometimes absent)."""
    t, g, s = sorted(draw(st.lists(values, min_size=3, max_size=3, unique=True)))
    return t, g, (s if draw(st.booleans()) else None)


@st.composite
def range_bounds(draw: st.DrawFn) -> dict[str, float]:
    """threshold_low <= target_low <= target_high <= threshold_high, equal edges allowed."""
    thl, tl, th, thh = sorted(draw(st.lists(values, min_size=4, max_size=4)))
    return {"threshold_low": thl, "target_low": tl, "target_high": th, "threshold_high": thh}


def neg(x: float | None) -> float | None:
    return None if x is None else -x


# --- linear ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("actual", "expected"), [(70, 0.0), (79.99, 0.0), (80, 50.0), (90, 75.0), (100, 100.0),
                                                  (110, 125.0), (120, 150.0), (130, 150.0)])  # fmt: skip
def test_linear_higher_examples(actual: float, expected: float) -> None:
    assert linear(actual, direction=HIGHER, threshold=80, target=100, stretch=120) == expected


@pytest.mark.parametrize(("actual", "expected"), [(130, 0.0), (120, 50.0), (110, 75.0), (100, 100.0), (90, 125.0),
                                                  (80, 150.0), (10, 150.0)])  # fmt: skip
def test_linear_lower_examples(actual: float, expected: float) -> None:
    assert linear(actual, direction=LOWER, threshold=120, target=100, stretch=80) == expected


def test_linear_without_stretch_extrapolates_the_threshold_slope_to_the_cap() -> None:
    kw: dict[str, Any] = {"direction": HIGHER, "threshold": 80, "target": 100}
    assert [linear(a, **kw) for a in (105, 110, 120, 1e9)] == [112.5, 125.0, 150.0, 150.0]


def test_linear_uses_the_given_scale() -> None:
    scale = ScoreScale(floor=10, threshold=60, target=100, cap=120)
    kw: dict[str, Any] = {"direction": HIGHER, "threshold": 0, "target": 10, "stretch": 20, "scale": scale}
    assert [linear(a, **kw) for a in (-1, 0, 5, 10, 15, 25)] == [10.0, 60.0, 80.0, 100.0, 110.0, 120.0]


def test_linear_rejects_range_and_bad_input() -> None:
    with pytest.raises(ValueError, match="range_score"):
        linear(1, direction="range", threshold=0, target=1)
    with pytest.raises(ValueError, match="direction must be one of"):
        linear(1, direction="up", threshold=0, target=1)
    with pytest.raises(ValueError, match="actual must be a finite number"):
        linear(math.nan, direction=HIGHER, threshold=0, target=1)
    with pytest.raises(ValueError, match=r"threshold \(2\) must be below target \(1\)"):
        linear(1, direction=HIGHER, threshold=2, target=1)


@SETTINGS
@given(higher_bounds(), values, values, scales)
def test_linear_monotone_and_capped(bounds: tuple[float, float, float | None], a: float, b: float,
                                    scale: ScoreScale) -> None:  # fmt: skip
    t, g, s = bounds
    lo, hi = sorted((a, b))
    up = [linear(x, direction=HIGHER, threshold=t, target=g, stretch=s, scale=scale) for x in (lo, hi)]
    down = [linear(x, direction=LOWER, threshold=-t, target=-g, stretch=neg(s), scale=scale) for x in (lo, hi)]
    assert up[0] <= up[1]
    assert down[0] >= down[1]
    for v in up + down:
        assert scale.floor <= v <= scale.cap


@SETTINGS
@given(higher_bounds(), scales)
def test_linear_exact_anchors(bounds: tuple[float, float, float | None], scale: ScoreScale) -> None:
    t, g, s = bounds
    kw: dict[str, Any] = {"direction": HIGHER, "threshold": t, "target": g, "stretch": s, "scale": scale}
    assert linear(g, **kw) == scale.target
    assert linear(t, **kw) == scale.threshold
    assert linear(math.nextafter(t, -math.inf), **kw) == scale.floor
    if s is not None:
        assert linear(s, **kw) == scale.cap
        assert linear(s + abs(s) + 1, **kw) == scale.cap
    mirrored: dict[str, Any] = {"direction": LOWER, "threshold": -t, "target": -g, "stretch": neg(s), "scale": scale}
    assert linear(-g, **mirrored) == scale.target
    assert linear(-t, **mirrored) == scale.threshold


@SETTINGS
@given(higher_bounds(), values, scales)
def test_linear_mirror_between_directions(bounds: tuple[float, float, float | None], x: float,
                                          scale: ScoreScale) -> None:  # fmt: skip
    t, g, s = bounds  # lower-is-better bounds are the negated higher-is-better ones
    lower = linear(x, direction=LOWER, threshold=-t, target=-g, stretch=neg(s), scale=scale)
    higher = linear(-x, direction=HIGHER, threshold=t, target=g, stretch=s, scale=scale)
    assert lower == higher


# --- validate_bounds ---------------------------------------------------------------------------------


@SETTINGS
@given(higher_bounds())
def test_validate_bounds_accepts_good_and_rejects_swapped(bounds: tuple[float, float, float | None]) -> None:
    t, g, s = bounds
    validate_bounds(HIGHER, t, g, s)
    validate_bounds(LOWER, -t, -g, neg(s))
    validate_bounds(Direction.LOWER, g, t, None)
    with pytest.raises(ValueError, match=r"threshold \(.*\) must be below target \(.*\) when higher is better"):
        validate_bounds(HIGHER, g, t, None)
    with pytest.raises(ValueError, match=r"threshold \(.*\) must be above target \(.*\) when lower is better"):
        validate_bounds(LOWER, t, g, None)
    with pytest.raises(ValueError, match=r"threshold .* target"):
        validate_bounds(HIGHER, g, g, None)
    if s is not None:
        with pytest.raises(ValueError, match=r"stretch \(.*\) must be above target"):
            validate_bounds(HIGHER, t, s, g)
        with pytest.raises(ValueError, match=r"stretch \(.*\) must be below target"):
            validate_bounds(LOWER, -t, -g, -t)


def test_validate_bounds_messages() -> None:
    with pytest.raises(ValueError, match=r"^threshold \(120\) must be below target \(100\) when higher is better$"):
        validate_bounds(HIGHER, 120, 100, None)
    with pytest.raises(ValueError, match=r"^threshold \(80\) must be above target \(100\) when lower is better$"):
        validate_bounds(LOWER, 80, 100, None)
    with pytest.raises(ValueError, match=r"^stretch \(100\) must be above target \(100\) when higher is better$"):
        validate_bounds(HIGHER, 80, 100, 100)
    with pytest.raises(ValueError, match="threshold and target are required"):
        validate_bounds(HIGHER, None, 100, None)
    with pytest.raises(ValueError, match="target must be a finite number"):
        validate_bounds(HIGHER, 1, math.inf, None)
    with pytest.raises(ValueError, match="target_low apply only to a range"):
        validate_bounds(HIGHER, 1, 2, None, target_low=1)
    with pytest.raises(ValueError, match="too far apart"):
        validate_bounds(HIGHER, -1e308, 1e308, None)


def test_validate_bounds_range_messages() -> None:
    good = {"threshold_low": 5, "target_low": 10, "target_high": 20, "threshold_high": 30}
    validate_bounds("range", None, None, None, **good)
    with pytest.raises(ValueError, match=r"^target_low \(25\) must not be above target_high \(20\)$"):
        validate_bounds("range", None, None, None, **{**good, "target_low": 25})
    with pytest.raises(ValueError, match=r"^threshold_low \(12\) must not be above target_low \(10\)$"):
        validate_bounds("range", None, None, None, **{**good, "threshold_low": 12})
    with pytest.raises(ValueError, match=r"^target_high \(20\) must not be above threshold_high \(15\)$"):
        validate_bounds("range", None, None, None, **{**good, "threshold_high": 15})
    with pytest.raises(ValueError, match="needs threshold_high"):
        validate_bounds("range", None, None, None, **{**good, "threshold_high": None})
    with pytest.raises(ValueError, match="stretch does not apply"):
        validate_bounds("range", None, None, 40, **good)


def test_score_scale_must_be_ordered() -> None:
    with pytest.raises(ValueError, match=r"scale threshold \(120\) must not be above scale target \(100\)"):
        ScoreScale(threshold=120)
    with pytest.raises(ValueError, match="scale cap must be a finite number"):
        ScoreScale(cap=math.inf)


# --- banded ------------------------------------------------------------------------------------------

HIGHER_BANDS = [(80, 50), (100, 100), (120, 150)]
LOWER_BANDS = [(120, 50), (100, 100), (80, 150)]


@pytest.mark.parametrize(("actual", "expected"), [(79.9, 0), (80, 50), (99, 50), (100, 100), (119, 100), (120, 150),
                                                  (1e6, 150)])  # fmt: skip
def test_banded_higher_examples(actual: float, expected: float) -> None:
    assert banded(actual, direction=HIGHER, bands=HIGHER_BANDS) == expected
    assert banded(actual, direction=HIGHER, bands=list(reversed(HIGHER_BANDS))) == expected


@pytest.mark.parametrize(("actual", "expected"), [(130, 0), (120, 50), (101, 50), (100, 100), (80, 150), (-5, 150)])
def test_banded_lower_examples(actual: float, expected: float) -> None:
    assert banded(actual, direction=LOWER, bands=LOWER_BANDS) == expected


def test_banded_rejects_bad_bands() -> None:
    with pytest.raises(ValueError, match="must not fall as the bound rises when higher is better"):
        banded(1, direction=HIGHER, bands=[(80, 100), (100, 50)])
    with pytest.raises(ValueError, match="must not rise as the bound rises when lower is better"):
        banded(1, direction=LOWER, bands=HIGHER_BANDS)
    with pytest.raises(ValueError, match="appears twice"):
        banded(1, direction=HIGHER, bands=[(80, 50), (80, 100)])
    with pytest.raises(ValueError, match="empty"):
        banded(1, direction=HIGHER, bands=[])
    with pytest.raises(ValueError, match="outside the scale"):
        banded(1, direction=HIGHER, bands=[(80, 200)])


def test_indicator_bands_for_both_directions() -> None:
    up = indicator_bands(threshold=80, target=100, stretch=120)
    assert up == HIGHER_BANDS
    assert [banded(a, direction=HIGHER, bands=up) for a in (79, 80, 100, 130)] == [0, 50, 100, 150]
    down = indicator_bands(threshold=120, target=100, stretch=80)
    assert [banded(a, direction=LOWER, bands=down) for a in (121, 120, 100, 80)] == [0, 50, 100, 150]
    assert indicator_bands(threshold=1, target=2) == [(1, 50.0), (2, 100.0)]


@SETTINGS
@given(higher_bounds(), values)
def test_indicator_bands_match_linear_at_the_anchors(bounds: tuple[float, float, float | None], x: float) -> None:
    t, g, s = bounds
    bands = indicator_bands(threshold=t, target=g, stretch=s)
    step = banded(x, direction=HIGHER, bands=bands)
    smooth = linear(x, direction=HIGHER, threshold=t, target=g, stretch=s)
    assert step <= smooth  # a step never credits more than the line through the same anchors
    for anchor in bounds:
        if anchor is not None:
            assert banded(anchor, direction=HIGHER, bands=bands) == linear(
                anchor, direction=HIGHER, threshold=t, target=g, stretch=s
            )


@st.composite
def band_sets(draw: st.DrawFn) -> list[tuple[float, float]]:
    bounds = sorted(draw(st.lists(values, min_size=1, max_size=6, unique=True)))
    scores = sorted(draw(st.lists(st.floats(0, 150), min_size=len(bounds), max_size=len(bounds))))
    return list(zip(bounds, scores, strict=True))


@SETTINGS
@given(band_sets(), values, values)
def test_banded_monotone(bands: list[tuple[float, float]], a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    up = [banded(x, direction=HIGHER, bands=bands) for x in (lo, hi)]
    mirrored = [(-bound, s) for bound, s in bands]
    down = [banded(-x, direction=LOWER, bands=mirrored) for x in (lo, hi)]
    assert up[0] <= up[1]
    assert down == up  # lower-is-better is the exact mirror
    allowed = {DEFAULT.floor} | {s for _, s in bands}
    assert set(up) <= allowed


# --- milestone and rubric ----------------------------------------------------------------------------


def test_milestone_examples() -> None:
    assert [milestone(d, 4) for d in range(5)] == [0.0, 25.0, 50.0, 75.0, 100.0]
    assert milestone(3, 3, scale=ScoreScale(floor=20)) == 100.0
    for bad, match in [((5, 4), r"done \(5\) must be between 0 and total \(4\)"), ((-1, 4), "done"),
                       ((1, 0), r"total \(0\) must be at least 1"), ((1.5, 4), "done must be a whole number")]:  # fmt: skip
        with pytest.raises(ValueError, match=match):
            milestone(*bad)  # type: ignore[arg-type]


@SETTINGS
@given(st.integers(1, 10_000), st.data(), scales)
def test_milestone_monotone_and_target_at_completion(total: int, data: st.DataObject, scale: ScoreScale) -> None:
    a, b = sorted(data.draw(st.lists(st.integers(0, total), min_size=2, max_size=2)))
    assert milestone(a, total, scale=scale) <= milestone(b, total, scale=scale)
    assert scale.floor <= milestone(a, total, scale=scale) <= scale.target
    assert milestone(total, total, scale=scale) == scale.target
    assert milestone(0, total, scale=scale) == scale.floor


def test_rubric_mapping() -> None:
    assert [rubric(level) for level in range(1, 6)] == [0.0, 50.0, 100.0, 125.0, 150.0]
    assert [rubric(level, levels=4) for level in range(1, 5)] == [0.0, 50.0, 100.0, 150.0]
    assert [rubric(level, levels=3) for level in range(1, 4)] == [0.0, 100.0, 150.0]


@pytest.mark.parametrize("level", [0, 6, -1, 3.0, True])
def test_rubric_rejects_levels_outside_the_scale(level: int) -> None:
    with pytest.raises(ValueError, match=r"outside the 1\.\.5 scale"):
        rubric(level)


def test_rubric_rejects_tiny_scales() -> None:
    with pytest.raises(ValueError, match="at least 3 levels"):
        rubric(1, levels=2)


@SETTINGS
@given(st.integers(3, 12), scales)
def test_rubric_monotone_with_anchors(levels: int, scale: ScoreScale) -> None:
    scores = [rubric(level, levels=levels, scale=scale) for level in range(1, levels + 1)]
    assert scores == sorted(scores)
    assert scores[0] == scale.floor
    assert scores[levels // 2] == scale.target
    assert scores[-1] == scale.cap
    if levels >= 4:
        assert scores[1] == scale.threshold


# --- range -------------------------------------------------------------------------------------------


def test_range_examples() -> None:
    kw: dict[str, Any] = {"target_low": 10, "target_high": 20, "threshold_low": 5, "threshold_high": 30}
    got = [range_score(a, **kw) for a in (4.9, 5, 7.5, 10, 15, 20, 25, 30, 30.1)]
    assert got == [0.0, 50.0, 75.0, 100.0, 100.0, 100.0, 75.0, 50.0, 0.0]
    tight: dict[str, Any] = {"target_low": 10, "target_high": 20, "threshold_low": 10, "threshold_high": 20}
    assert [range_score(a, **tight) for a in (9.99, 10, 20, 20.01)] == [0.0, 100.0, 100.0, 0.0]


@SETTINGS
@given(range_bounds(), values, values, scales)
def test_range_properties(b: dict[str, float], x: float, y: float, scale: ScoreScale) -> None:
    def f(a: float) -> float:
        return range_score(a, scale=scale, **b)

    assert scale.floor <= f(x) <= scale.target
    # inside the band: target; beyond the tolerances: floor; at a tolerance: threshold (if it has a slope)
    mid = b["target_low"] + (b["target_high"] - b["target_low"]) / 2
    assert f(b["target_low"]) == f(b["target_high"]) == f(mid) == scale.target
    assert f(math.nextafter(b["threshold_low"], -math.inf)) == scale.floor
    assert f(math.nextafter(b["threshold_high"], math.inf)) == scale.floor
    if b["threshold_low"] < b["target_low"]:
        assert f(b["threshold_low"]) == scale.threshold
    if b["target_high"] < b["threshold_high"]:
        assert f(b["threshold_high"]) == scale.threshold
    lo, hi = sorted((x, y))
    if hi <= b["target_low"]:
        assert f(lo) <= f(hi)
    if lo >= b["target_high"]:
        assert f(lo) >= f(hi)
    mirrored: dict[str, Any] = {"target_low": -b["target_high"], "target_high": -b["target_low"],
                "threshold_low": -b["threshold_high"], "threshold_high": -b["threshold_low"]}  # fmt: skip
    assert range_score(-x, scale=scale, **mirrored) == f(x)


# --- process control ---------------------------------------------------------------------------------


def test_progress_examples() -> None:
    assert progress(55, baseline=50, target=60, direction=HIGHER) == 0.5
    assert progress(7, baseline=10, target=4, direction=LOWER) == 0.5
    assert progress(100, baseline=50, target=60, direction=HIGHER) == PROGRESS_CAP
    assert progress(40, baseline=50, target=60, direction=HIGHER) == 0.0
    assert progress(5, baseline=5, target=5, direction=HIGHER) == 1.0
    assert progress(4, baseline=5, target=5, direction=HIGHER) == 0.0
    assert progress(4, baseline=5, target=5, direction=LOWER) == 1.0
    with pytest.raises(ValueError, match=r"target \(40\) must not be below baseline \(50\) when higher is better"):
        progress(45, baseline=50, target=40, direction=HIGHER)
    with pytest.raises(ValueError, match=r"target \(60\) must not be above baseline \(50\) when lower is better"):
        progress(45, baseline=50, target=60, direction=LOWER)
    with pytest.raises(ValueError, match="not range"):
        progress(45, baseline=50, target=60, direction="range")


@SETTINGS
@given(st.lists(values, min_size=2, max_size=2, unique=True).map(sorted), values, values)
def test_progress_properties(bt: list[float], x: float, y: float) -> None:
    baseline, target = bt
    kw: dict[str, Any] = {"baseline": baseline, "target": target, "direction": HIGHER}
    assert progress(baseline, **kw) == 0.0
    assert progress(target, **kw) == 1.0
    lo, hi = sorted((x, y))
    assert 0.0 <= progress(lo, **kw) <= progress(hi, **kw) <= PROGRESS_CAP
    assert progress(-x, baseline=-baseline, target=-target, direction=LOWER) == progress(x, **kw)


def test_at_risk_examples() -> None:
    assert at_risk(0.3, 0.5) is True
    assert at_risk(0.4, 0.5) is False  # lags by exactly the tolerance
    assert at_risk(0.3, 0.4) is False  # 0.4 - 0.3 is 0.10000000000000003 in floats
    assert at_risk(0.35, 0.5, tolerance=0.2) is False
    assert at_risk(0.0, 1.0, tolerance=0.0) is True
    with pytest.raises(ValueError, match="tolerance"):
        at_risk(0.1, 0.2, tolerance=-0.1)


@SETTINGS
@given(st.floats(0, 1.5), st.floats(0, 1), st.floats(0, 0.5))
def test_at_risk_never_flags_progress_ahead_of_time(p: float, e: float, tol: float) -> None:
    if p >= e:
        assert not at_risk(p, e, tolerance=tol)
    if e - p > tol + 1e-6:
        assert at_risk(p, e, tolerance=tol)


def test_time_elapsed_examples() -> None:
    start, end = date(2025, 1, 1), date(2025, 1, 11)
    assert time_elapsed(start, end, date(2024, 12, 1)) == 0.0
    assert time_elapsed(start, end, start) == 0.0
    assert time_elapsed(start, end, date(2025, 1, 6)) == 0.5
    assert time_elapsed(start, end, end) == 1.0
    assert time_elapsed(start, end, date(2026, 1, 1)) == 1.0
    with pytest.raises(ValueError, match=r"end \(2025-01-01\) must be after start \(2025-01-01\)"):
        time_elapsed(start, start, start)


@SETTINGS
@given(st.dates(), st.integers(1, 3650), st.integers(-5000, 5000), st.integers(0, 5000))
def test_time_elapsed_bounded_and_monotone(start: date, length: int, offset: int, step: int) -> None:
    try:
        end, a, b = start + timedelta(days=length), start + timedelta(days=offset), start + timedelta(days=offset + step)
    except OverflowError:
        assume(False)
        return
    assert 0.0 <= time_elapsed(start, end, a) <= time_elapsed(start, end, b) <= 1.0


# --- aggregation -------------------------------------------------------------------------------------


def test_weighted_average_examples() -> None:
    assert weighted_average([(100, 60), (50, 40)]) == 80.0
    assert weighted_average([(100, 1), (0, 0)]) == 100.0
    assert weighted_average([(100, 0), (50, 0)]) is None
    assert weighted_average([]) is None
    assert weighted_average(iter([(90, 1.0)])) == 90.0
    with pytest.raises(ValueError, match="must not be negative"):
        weighted_average([(100, -1)])


@SETTINGS
@given(st.lists(st.tuples(st.floats(0, 150), st.floats(0, 1e4, allow_subnormal=False)), max_size=30))
def test_weighted_average_stays_within_weighted_scores(pairs: list[tuple[float, float]]) -> None:
    result = weighted_average(pairs)
    weighted = [s for s, w in pairs if w > 0]
    if not weighted:
        assert result is None
        return
    assert result is not None
    assert min(weighted) <= result <= max(weighted)


@SETTINGS
@given(st.floats(0, 150), st.lists(st.floats(0.001, 1e4), min_size=1, max_size=30))
def test_weighted_average_of_equal_scores_is_that_score(s: float, weights: list[float]) -> None:
    assert weighted_average((s, w) for w in weights) == s


def test_check_weights_sum() -> None:
    check_weights_sum([60, 40])
    check_weights_sum([0.1] * 1000)
    check_weights_sum([1 / 3] * 3, total=1.0)
    with pytest.raises(ValueError, match=r"^weights of children add to 90, not 100$"):
        check_weights_sum([50, 40])
    with pytest.raises(ValueError, match=r"^weights of goals of Sales add to 99\.99, not 100$"):
        check_weights_sum([50, 49.99], what="goals of Sales")
    with pytest.raises(ValueError, match="must not be negative"):
        check_weights_sum([110, -10])
    with pytest.raises(ValueError, match=r"add to 0, not 100"):
        check_weights_sum([])


@SETTINGS
@given(st.lists(st.floats(0.01, 1e3), min_size=1, max_size=50))
def test_check_weights_sum_accepts_normalised_weights(raw: list[float]) -> None:
    total = math.fsum(raw)
    check_weights_sum([100 * w / total for w in raw])
    with pytest.raises(ValueError, match="weights of children add to"):
        check_weights_sum([100 * w / total for w in raw] + [0.01])


# --- registry ----------------------------------------------------------------------------------------

# Version 1 results, pinned: if one of these changes, add a version 2 instead of editing version 1.
PINNED_V1 = [
    ("linear", {"actual": 90, "direction": HIGHER, "threshold": 80, "target": 100, "stretch": 120}, 75.0),
    ("linear", {"actual": 110, "direction": HIGHER, "threshold": 80, "target": 100}, 125.0),
    ("linear", {"actual": 93, "direction": LOWER, "threshold": 100, "target": 90, "stretch": 85}, 85.0),
    ("banded", {"actual": 105, "direction": HIGHER, "bands": HIGHER_BANDS}, 100.0),
    ("banded", {"actual": 95, "direction": LOWER, "bands": indicator_bands(threshold=120, target=100, stretch=80)}, 100.0),
    ("milestone", {"done": 3, "total": 4}, 75.0),
    ("rubric", {"level": 4}, 125.0),
    ("range", {"actual": 25, "target_low": 10, "target_high": 20, "threshold_low": 5, "threshold_high": 30}, 75.0),
]


@pytest.mark.parametrize(("name", "inputs", "expected"), PINNED_V1)
def test_version_1_results_are_pinned(name: str, inputs: dict[str, object], expected: float) -> None:
    assert score(name, 1, **inputs) == expected


def test_registry_has_version_1_of_every_formula() -> None:
    assert {("linear", 1), ("banded", 1), ("milestone", 1), ("rubric", 1), ("range", 1)} <= set(FORMULAS)
    assert LATEST == {"linear": 1, "banded": 1, "milestone": 1, "rubric": 1, "range": 1}
    assert latest_version("range") == 1
    assert FORMULAS[("range", 1)] is range_score


def test_unknown_formula_names_it() -> None:
    with pytest.raises(UnknownFormula, match=r"unknown scoring formula 'linear' version 2 \(known versions of linear: 1\)"):
        score("linear", 2, actual=1, direction=HIGHER, threshold=0, target=1)
    with pytest.raises(KeyError, match=r"unknown scoring formula 'sigmoid' version 1 .*known formulas: banded, linear"):
        score("sigmoid", 1)
    with pytest.raises(UnknownFormula, match="'sigmoid'"):
        latest_version("sigmoid")
    err = UnknownFormula("x", 3)
    assert (err.name, err.version) == ("x", 3)
    assert str(err).startswith("unknown scoring formula 'x' version 3")


def test_score_passes_inputs_through_and_validates() -> None:
    assert score("rubric", 1, level=2, levels=4) == 50.0
    with pytest.raises(ValueError, match=r"outside the 1\.\.5 scale"):
        score("rubric", 1, level=9)
