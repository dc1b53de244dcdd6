"""Scoring formulas of total performance management: pure functions, standard library only.

Scale. A score lies on ``ScoreScale``: ``floor`` (0) below the threshold, ``threshold`` (50) exactly at
the threshold, ``target`` (100) exactly on target, ``cap`` (150) at the stretch and never above it.
Exact anchor values are guaranteed (an actual equal to the target scores exactly ``scale.target``), and
every formula is monotone in the right direction even under float rounding: each linear piece is
clamped to its own score interval, so rounding can never push a piece past its neighbour.

Choices worth knowing:

* ``linear`` without a stretch keeps the threshold->target slope above the target until the cap, so
  over-achievement still counts (threshold 80, target 100: actual 110 -> 125, 120 and beyond -> 150).
* Lower-is-better is computed by negating the higher-is-better case, so the mirror
  ``linear(x, lower, t, g, s) == linear(-x, higher, -t, -g, -s)`` holds bit for bit; ``range_score``
  mirrors the same way.
* Below the threshold the score drops to ``scale.floor`` (a step when floor < threshold score).
* ``rubric`` on 5 levels: 1->floor, 2->threshold, 3->target, 4->midway to the cap, 5->cap (other
  sizes: see ``rubric``).
* ``milestone`` gives no credit above the target: all milestones done is exactly ``scale.target``.
* ``progress`` is the share of the way from baseline to target, clamped to 0..``PROGRESS_CAP``.

Versioned registry. ``FORMULAS`` maps ``(name, version)`` to a function, and ``score(name, version,
...)`` looks up that exact version. A result records the version it was computed with, so a closed
period is always rescored with the formula it was closed under. To change a formula: copy the current
function to a private ``_<name>_v<N>`` kept unchanged forever, register the new function as version
N+1 and bump ``LATEST``. Never edit or remove a registered version: ``tests/performance/test_scoring.py``
pins version 1 results so a silent change fails.

Errors are ``ValueError`` (bad bounds or inputs, message naming the field) and ``UnknownFormula``
(a ``KeyError``); services translate them into the platform's typed errors.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import pairwise

__all__ = [
    "FORMULAS",
    "LATEST",
    "PROGRESS_CAP",
    "Direction",
    "Kind",
    "ScoreScale",
    "UnknownFormula",
    "at_risk",
    "banded",
    "check_weights_sum",
    "indicator_bands",
    "latest_version",
    "linear",
    "milestone",
    "progress",
    "range_score",
    "rubric",
    "score",
    "time_elapsed",
    "validate_bounds",
    "weighted_average",
]

PROGRESS_CAP = 1.5
# Float slack for comparing shares in at_risk (0.4 - 0.3 is 0.10000000000000003, not 0.1).
_SHARE_EPS = 1e-9


class Direction(StrEnum):
    HIGHER = "higher_is_better"
    LOWER = "lower_is_better"
    RANGE = "range"


class Kind(StrEnum):
    QUANTITATIVE = "quantitative"
    MILESTONE = "milestone"
    RUBRIC = "rubric"


_WORDS = {Direction.HIGHER: "higher is better", Direction.LOWER: "lower is better", Direction.RANGE: "range"}


def _fmt(x: float) -> str:
    # 10 significant digits: 90.0 -> "90", yet 99.99999 stays distinguishable from 100.
    return f"{x:.10g}"


def _finite(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return float(value)


def _direction(value: Direction | str) -> Direction:
    try:
        return Direction(value)
    except ValueError:
        known = ", ".join(d.value for d in Direction)
        raise ValueError(f"direction must be one of {known}; got {value!r}") from None


@dataclass(frozen=True, slots=True)
class ScoreScale:
    floor: float = 0.0
    threshold: float = 50.0
    target: float = 100.0
    cap: float = 150.0

    def __post_init__(self) -> None:
        values = [(n, _finite(f"scale {n}", getattr(self, n))) for n in ("floor", "threshold", "target", "cap")]
        for (low_name, low), (high_name, high) in pairwise(values):
            if low > high:
                raise ValueError(f"scale {low_name} ({_fmt(low)}) must not be above scale {high_name} ({_fmt(high)})")


DEFAULT_SCALE = ScoreScale()


# --- bounds ------------------------------------------------------------------------------------------


def _spread(low_name: str, low: float, high_name: str, high: float) -> None:
    # The spread is a divisor: an overflow to inf would turn scores into nan.
    if not math.isfinite(high - low):
        raise ValueError(f"{low_name} ({_fmt(low)}) and {high_name} ({_fmt(high)}) are too far apart to score")


def validate_bounds(
    direction: Direction | str,
    threshold: float | None,
    target: float | None,
    stretch: float | None,
    target_low: float | None = None,
    target_high: float | None = None,
    threshold_low: float | None = None,
    threshold_high: float | None = None,
) -> None:
    """Raise ``ValueError`` naming the broken rule if the indicator's bounds cannot be scored."""
    d = _direction(direction)
    words = _WORDS[d]
    band = {
        "threshold_low": threshold_low,
        "target_low": target_low,
        "target_high": target_high,
        "threshold_high": threshold_high,
    }
    if d is Direction.RANGE:
        if stretch is not None:
            raise ValueError("stretch does not apply to a range indicator")
        missing = [name for name, value in band.items() if value is None]
        if missing:
            raise ValueError(f"a range indicator needs {', '.join(missing)}")
        values = [(name, _finite(name, value)) for name, value in band.items() if value is not None]
        for (low_name, low), (high_name, high) in pairwise(values):
            if low > high:
                raise ValueError(f"{low_name} ({_fmt(low)}) must not be above {high_name} ({_fmt(high)})")
        _spread("threshold_low", values[0][1], "threshold_high", values[3][1])
        return

    extra = [name for name, value in band.items() if value is not None]
    if extra:
        raise ValueError(f"{', '.join(extra)} apply only to a range indicator, not when {words}")
    if threshold is None or target is None:
        raise ValueError(f"threshold and target are required when {words}")
    t, g = _finite("threshold", threshold), _finite("target", target)
    below, above = ("below", "above") if d is Direction.HIGHER else ("above", "below")
    if not (t < g if d is Direction.HIGHER else t > g):
        raise ValueError(f"threshold ({_fmt(t)}) must be {below} target ({_fmt(g)}) when {words}")
    _spread("threshold", t, "target", g)
    if stretch is not None:
        s = _finite("stretch", stretch)
        if not (s > g if d is Direction.HIGHER else s < g):
            raise ValueError(f"stretch ({_fmt(s)}) must be {above} target ({_fmt(g)}) when {words}")
        _spread("target", g, "stretch", s)


# --- formulas ----------------------------------------------------------------------------------------


def _lerp(a: float, b: float, f: float) -> float:
    """a + f * (b - a) for f in [0, 1], exact at both ends and never outside [a, b]."""
    if f <= 0.0:
        return a
    if f >= 1.0:
        return b
    return min(b, max(a, a + f * (b - a)))


def _rise(x: float, threshold: float, target: float, scale: ScoreScale) -> float:
    """Higher-is-better approach side: floor below threshold, threshold..target score, target beyond."""
    if x < threshold:
        return scale.floor
    if x >= target:
        return scale.target
    return _lerp(scale.threshold, scale.target, (x - threshold) / (target - threshold))


def _linear_higher(x: float, t: float, g: float, s: float | None, scale: ScoreScale) -> float:
    if x < g:
        return _rise(x, t, g, scale)
    if s is not None:
        return _lerp(scale.target, scale.cap, (x - g) / (s - g))
    slope = scale.target - scale.threshold
    if slope == 0.0:
        return scale.target
    over = (x - g) / (g - t)
    return min(scale.cap, max(scale.target, scale.target + over * slope))


def linear(
    actual: float,
    *,
    direction: Direction | str,
    threshold: float,
    target: float,
    stretch: float | None = None,
    scale: ScoreScale = DEFAULT_SCALE,
) -> float:
    """Piecewise linear score: floor below threshold, threshold..target score, target..cap to stretch.

    Without a stretch the threshold->target slope continues above the target until the cap.
    """
    d = _direction(direction)
    if d is Direction.RANGE:
        raise ValueError("linear does not score a range indicator; use range_score")
    validate_bounds(d, threshold, target, stretch)
    x = _finite("actual", actual)
    if d is Direction.HIGHER:
        return _linear_higher(x, threshold, target, stretch, scale)
    return _linear_higher(-x, -threshold, -target, None if stretch is None else -stretch, scale)


def banded(
    actual: float,
    *,
    direction: Direction | str,
    bands: Iterable[tuple[float, float]],
    scale: ScoreScale = DEFAULT_SCALE,
) -> float:
    """Step score from ``(bound, score)`` bands, in any order.

    Higher is better: the score of the highest bound the actual reaches (``actual >= bound``).
    Lower is better: the score of the lowest bound the actual stays within (``actual <= bound``).
    No band reached gives ``scale.floor``. Scores must move the right way with the bound.
    """
    d = _direction(direction)
    if d is Direction.RANGE:
        raise ValueError("banded does not score a range indicator; use range_score")
    x = _finite("actual", actual)
    steps = sorted((_finite("band bound", b), _finite("band score", s)) for b, s in bands)
    if not steps:
        raise ValueError("bands must not be empty")
    for (b1, s1), (b2, s2) in pairwise(steps):
        if b1 == b2:
            raise ValueError(f"band bound {_fmt(b1)} appears twice")
        if (s2 < s1) if d is Direction.HIGHER else (s2 > s1):
            way = "fall" if d is Direction.HIGHER else "rise"
            raise ValueError(
                f"band scores must not {way} as the bound rises when {_WORDS[d]}: "
                f"{_fmt(s1)} at {_fmt(b1)}, {_fmt(s2)} at {_fmt(b2)}"
            )
    for _, s in steps:
        if not scale.floor <= s <= scale.cap:
            raise ValueError(f"band score {_fmt(s)} is outside the scale {_fmt(scale.floor)}..{_fmt(scale.cap)}")
    if d is Direction.HIGHER:
        reached = [s for b, s in steps if x >= b]
        return reached[-1] if reached else scale.floor
    reached = [s for b, s in steps if x <= b]
    return reached[0] if reached else scale.floor


def indicator_bands(
    *, threshold: float, target: float, stretch: float | None = None, scale: ScoreScale = DEFAULT_SCALE
) -> list[tuple[float, float]]:
    """Bands for ``banded`` from an indicator's own bounds: threshold, target and stretch score the scale's
    threshold, target and cap. The same list serves either direction (``banded`` reads it by direction)."""
    bands = [(threshold, scale.threshold), (target, scale.target)]
    if stretch is not None:
        bands.append((stretch, scale.cap))
    return bands


def milestone(done: int, total: int, *, scale: ScoreScale = DEFAULT_SCALE) -> float:
    """Completion share mapped floor..target; all done is exactly the target score, never more."""
    for name, value in (("done", done), ("total", total)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
    if total < 1:
        raise ValueError(f"total ({total}) must be at least 1")
    if not 0 <= done <= total:
        raise ValueError(f"done ({done}) must be between 0 and total ({total})")
    return _lerp(scale.floor, scale.target, done / total)


def rubric(level: int, *, levels: int = 5, scale: ScoreScale = DEFAULT_SCALE) -> float:
    """Rubric level 1..levels mapped onto the scale.

    Level 1 is the floor, the middle level ``m = levels // 2 + 1`` the target and the top level the cap;
    levels 2..m run from the threshold score to the target, levels m..top from the target to the cap.
    Five levels: 1->0, 2->50, 3->100, 4->125, 5->150. Four: 0, 50, 100, 150. Three: 0, 100, 150.
    """
    if isinstance(levels, bool) or not isinstance(levels, int) or levels < 3:
        raise ValueError(f"a rubric scale needs at least 3 levels, got {levels!r}")
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= levels:
        raise ValueError(f"rubric level {level!r} is outside the 1..{levels} scale")
    middle = levels // 2 + 1
    if level == 1:
        return scale.floor
    if level <= middle:
        if middle == 2:
            return scale.target
        return _lerp(scale.threshold, scale.target, (level - 2) / (middle - 2))
    return _lerp(scale.target, scale.cap, (level - middle) / (levels - middle))


def range_score(
    actual: float,
    *,
    target_low: float,
    target_high: float,
    threshold_low: float,
    threshold_high: float,
    scale: ScoreScale = DEFAULT_SCALE,
) -> float:
    """Target score inside [target_low, target_high], linear down to the threshold score at each
    tolerance, floor beyond the tolerances. Equal tolerance and band edge means no slope on that side.
    """
    validate_bounds(
        Direction.RANGE, None, None, None,
        target_low=target_low, target_high=target_high, threshold_low=threshold_low, threshold_high=threshold_high,
    )  # fmt: skip
    x = _finite("actual", actual)
    left = _rise(x, threshold_low, target_low, scale)
    right = _rise(-x, -threshold_high, -target_high, scale)
    return min(left, right)


def progress(actual: float, *, baseline: float, target: float, direction: Direction | str) -> float:
    """Share of the way from baseline to target, clamped to 0..PROGRESS_CAP.

    A baseline equal to the target (hold a level) gives 1.0 when at or beyond the target, else 0.0.
    """
    d = _direction(direction)
    if d is Direction.RANGE:
        raise ValueError("progress needs higher_is_better or lower_is_better, not range")
    x, b, g = _finite("actual", actual), _finite("baseline", baseline), _finite("target", target)
    if d is Direction.LOWER:
        x, b, g = -x, -b, -g
    if g < b:
        wrong = "below" if d is Direction.HIGHER else "above"
        raise ValueError(f"target ({_fmt(target)}) must not be {wrong} baseline ({_fmt(baseline)}) when {_WORDS[d]}")
    if g == b:
        return 1.0 if x >= g else 0.0
    _spread("baseline", b, "target", g)
    return min(PROGRESS_CAP, max(0.0, (x - b) / (g - b)))


def at_risk(progress_share: float, elapsed_share: float, *, tolerance: float = 0.1) -> bool:
    """True when progress lags the elapsed share of the period by more than ``tolerance``."""
    p = _finite("progress_share", progress_share)
    e = _finite("elapsed_share", elapsed_share)
    tol = _finite("tolerance", tolerance)
    if tol < 0:
        raise ValueError(f"tolerance ({_fmt(tol)}) must not be negative")
    return e - p > tol + _SHARE_EPS


def time_elapsed(start: date, end: date, today: date) -> float:
    """Share of the period [start, end) elapsed at ``today``, clamped to 0..1."""
    if end <= start:
        raise ValueError(f"end ({end}) must be after start ({start})")
    if today <= start:
        return 0.0
    if today >= end:
        return 1.0
    return min(1.0, max(0.0, (today - start) / (end - start)))


# --- aggregation -------------------------------------------------------------------------------------


def weighted_average(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Weighted mean of ``(score, weight)`` pairs; ``None`` when the total weight is zero (or no pairs).

    The result is kept within the scores that carry weight, which fsum alone cannot promise.
    """
    items = [(_finite("score", s), _finite("weight", w)) for s, w in pairs]
    for _, w in items:
        if w < 0:
            raise ValueError(f"weight ({_fmt(w)}) must not be negative")
    weighted = [(s, w) for s, w in items if w > 0]
    total = math.fsum(w for _, w in weighted)
    if not weighted or total == 0.0:
        return None
    mean = math.fsum(s * w for s, w in weighted) / total
    return min(max(s for s, _ in weighted), max(min(s for s, _ in weighted), mean))


def check_weights_sum(weights: Iterable[float], *, total: float = 100.0, tol: float = 1e-6, what: str = "children") -> None:
    """Raise ``ValueError`` ("weights of children add to 90, not 100") unless the weights add to total."""
    values = [_finite(f"weight of {what}", w) for w in weights]
    negative = [w for w in values if w < 0]
    if negative:
        raise ValueError(f"weights of {what} must not be negative, got {_fmt(negative[0])}")
    got = math.fsum(values)
    if abs(got - total) > tol:
        raise ValueError(f"weights of {what} add to {_fmt(got)}, not {_fmt(total)}")


# --- registry ----------------------------------------------------------------------------------------


class UnknownFormula(KeyError):
    def __init__(self, name: str, version: int | None = None) -> None:
        known = sorted(v for n, v in FORMULAS if n == name)
        if known:
            hint = f"known versions of {name}: {', '.join(map(str, known))}"
        else:
            hint = f"known formulas: {', '.join(sorted({n for n, _ in FORMULAS}))}"
        which = repr(name) if version is None else f"{name!r} version {version}"
        self.name, self.version = name, version
        self.message = f"unknown scoring formula {which} ({hint})"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


FORMULAS: dict[tuple[str, int], Callable[..., float]] = {
    ("linear", 1): linear,
    ("banded", 1): banded,
    ("milestone", 1): milestone,
    ("rubric", 1): rubric,
    ("range", 1): range_score,
}

LATEST: dict[str, int] = {name: max(v for n, v in FORMULAS if n == name) for name, _ in FORMULAS}


def latest_version(name: str) -> int:
    """The version new results should record for ``name``."""
    try:
        return LATEST[name]
    except KeyError:
        raise UnknownFormula(name) from None


def score(formula: str, version: int, **inputs: object) -> float:
    """Score with exactly ``(formula, version)``; never falls back to another version."""
    try:
        fn = FORMULAS[(formula, version)]
    except (KeyError, TypeError):
        raise UnknownFormula(formula, version) from None
    return fn(**inputs)
