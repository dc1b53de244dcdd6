"""The version-1 scoring formulas as SQL expressions, so a period's scores are recomputed set-based
inside the database (one INSERT ... SELECT, no row round trips).

These are twins of ``performance.scoring``: ``tests/performance/test_scoring_sql.py`` evaluates both on
the same random inputs, on SQLite and PostgreSQL, and requires equal results. A new formula version
gets a new twin here; a version, once registered, never changes in either place.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, and_, case, cast, func, literal, null
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from performance.scoring import DEFAULT_SCALE, ScoreScale

SQL_FORMULAS = {("linear", 1), ("banded", 1), ("range", 1), ("milestone", 1), ("rubric", 1)}


def _f(x: Any) -> ColumnElement[Any]:
    return cast(x, Float)


class _least_fn(FunctionElement[Any]):
    """LEAST(a, b) on PostgreSQL, the two-argument scalar MIN(a, b) on SQLite. A CASE would repeat its
    arguments, and nested formulas would grow exponentially in SQL text and in evaluation time."""

    type = Float()
    inherit_cache = True
    name = "least"


class _greatest_fn(FunctionElement[Any]):
    type = Float()
    inherit_cache = True
    name = "greatest"


@compiles(_least_fn)
def _least_default(element: Any, compiler: Any, **kw: Any) -> str:
    return f"LEAST({compiler.process(element.clauses, **kw)})"


@compiles(_least_fn, "sqlite")
def _least_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"MIN({compiler.process(element.clauses, **kw)})"


@compiles(_greatest_fn)
def _greatest_default(element: Any, compiler: Any, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(_greatest_fn, "sqlite")
def _greatest_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"MAX({compiler.process(element.clauses, **kw)})"


def _least(a: Any, b: Any) -> ColumnElement[Any]:
    return _least_fn(a, b)


def _greatest(a: Any, b: Any) -> ColumnElement[Any]:
    return _greatest_fn(a, b)


def _lerp(a: float, b: float, f: Any) -> ColumnElement[Any]:
    inner = _least(literal(b), _greatest(literal(a), a + f * (b - a)))
    return case((f <= 0.0, literal(a)), (f >= 1.0, literal(b)), else_=inner)


def _step(a: float, b: float, x: Any, lo: Any, hi: Any) -> ColumnElement[Any]:
    """a + (x - lo) / (hi - lo) * (b - a) for lo <= x < hi: the caller's CASE already bounds x, so the share
    is in [0, 1) and needs none of _lerp's guards (the Python original clamps only against rounding,
    far below the tolerance the twin test allows)."""
    share: ColumnElement[Any] = (x - lo) / (hi - lo)
    return literal(a) + share * (b - a)


def _rise(x: Any, t: Any, g: Any, scale: ScoreScale) -> ColumnElement[Any]:
    return case((x < t, literal(scale.floor)), (x >= g, literal(scale.target)),
                else_=_step(scale.threshold, scale.target, x, t, g))


def _linear_higher(x: Any, t: Any, g: Any, s: Any, scale: ScoreScale) -> ColumnElement[Any]:
    slope = scale.target - scale.threshold
    over = _least(literal(scale.cap), scale.target + (x - g) / (g - t) * slope)
    return case(
        (x < t, literal(scale.floor)),
        (x < g, _step(scale.threshold, scale.target, x, t, g)),
        (s.is_(None), over if slope != 0.0 else literal(scale.target)),
        (x >= s, literal(scale.cap)),
        else_=_step(scale.target, scale.cap, x, g, s),
    )


def linear(actual: Any, *, direction: Any, threshold: Any, target: Any, stretch: Any,
           scale: ScoreScale = DEFAULT_SCALE) -> ColumnElement[Any]:
    x, t, g, s = _f(actual), _f(threshold), _f(target), _f(stretch)
    return case(
        (direction == "higher_is_better", _linear_higher(x, t, g, s, scale)),
        else_=_linear_higher(-x, -t, -g, -s, scale),
    )


def banded(actual: Any, *, direction: Any, threshold: Any, target: Any, stretch: Any,
           scale: ScoreScale = DEFAULT_SCALE) -> ColumnElement[Any]:
    """Bands at threshold / target / stretch scoring threshold / target / cap (see scoring.indicator_bands)."""
    x, t, g, s = _f(actual), _f(threshold), _f(target), _f(stretch)
    higher = case((and_(s.is_not(None), x >= s), literal(scale.cap)), (x >= g, literal(scale.target)),
                  (x >= t, literal(scale.threshold)), else_=literal(scale.floor))
    lower = case((and_(s.is_not(None), x <= s), literal(scale.cap)), (x <= g, literal(scale.target)),
                 (x <= t, literal(scale.threshold)), else_=literal(scale.floor))
    return case((direction == "higher_is_better", higher), else_=lower)


def range_score(actual: Any, *, target_low: Any, target_high: Any, threshold_low: Any, threshold_high: Any,
                scale: ScoreScale = DEFAULT_SCALE) -> ColumnElement[Any]:
    x = _f(actual)
    left = _rise(x, _f(threshold_low), _f(target_low), scale)
    right = _rise(-x, -_f(threshold_high), -_f(target_high), scale)
    return _least(left, right)


def milestone(done: Any, total: Any, *, scale: ScoreScale = DEFAULT_SCALE) -> ColumnElement[Any]:
    return _lerp(scale.floor, scale.target, _f(done) / _f(total))


def rubric(level: Any, *, scale: ScoreScale = DEFAULT_SCALE) -> ColumnElement[Any]:
    """Five levels: 1 -> floor, 2 -> threshold, 3 -> target, 4 -> midway to the cap, 5 -> cap.
    A fractional level (an average of ratings) is interpolated between its neighbours."""
    v = _f(level)
    mid = (scale.target + scale.cap) / 2
    return case(
        (v <= 1, literal(scale.floor)),
        (v <= 2, scale.floor + (v - 1) * (scale.threshold - scale.floor)),
        (v <= 3, scale.threshold + (v - 2) * (scale.target - scale.threshold)),
        (v <= 4, scale.target + (v - 3) * (mid - scale.target)),
        (v <= 5, mid + (v - 4) * (scale.cap - mid)),
        else_=literal(scale.cap),
    )


def indicator_score(ind: Any, actual: Any, done: Any, level: Any) -> ColumnElement[Any]:
    """Score of an indicator row (``ind`` has the Indicator columns) given its latest check-in values."""
    return case(
        (and_(ind.formula == "linear", ind.formula_version == 1, actual.is_not(None)),
         linear(actual, direction=ind.direction, threshold=ind.threshold, target=ind.target, stretch=ind.stretch)),
        (and_(ind.formula == "banded", ind.formula_version == 1, actual.is_not(None)),
         banded(actual, direction=ind.direction, threshold=ind.threshold, target=ind.target, stretch=ind.stretch)),
        (and_(ind.formula == "range", ind.formula_version == 1, actual.is_not(None)),
         range_score(actual, target_low=ind.target_low, target_high=ind.target_high,
                     threshold_low=ind.threshold_low, threshold_high=ind.threshold_high)),
        (and_(ind.formula == "milestone", ind.formula_version == 1, done.is_not(None)),
         milestone(done, ind.milestones_total)),
        (and_(ind.formula == "rubric", ind.formula_version == 1, level.is_not(None)), rubric(level)),
        else_=null(),
    )


def progress(actual: Any, *, baseline: Any, target: Any, direction: Any, cap: float = 1.5) -> ColumnElement[Any]:
    """Share of the way from baseline to target (0..cap); NULL without a baseline or for ranges."""
    x, b, g = _f(actual), _f(baseline), _f(target)
    sign = case((direction == "lower_is_better", -1.0), else_=1.0)
    xs, bs, gs = x * sign, b * sign, g * sign
    share = case((gs == bs, case((xs >= gs, 1.0), else_=0.0)), else_=(xs - bs) / (gs - bs))
    return case((direction == "range", null()), (b.is_(None), null()),
                else_=_least(literal(cap), _greatest(literal(0.0), share)))


def weight_of(value: Any, weight: Any, when: Any = None) -> ColumnElement[Any]:
    """The total weight behind the non-NULL values (those matching ``when``) of an aggregate group."""
    counted = value.is_not(None) if when is None else and_(value.is_not(None), when)
    return func.sum(case((counted, weight), else_=0.0), type_=Float)


def weighted_mean(value: Any, weight: Any, when: Any = None) -> ColumnElement[Any]:
    """Weighted mean of the non-NULL values of an aggregate group (those matching ``when``); NULL when
    none counts. The one definition of "averaged with the weights" for goals, links and units."""
    counted = value.is_not(None) if when is None else and_(value.is_not(None), when)
    total = func.sum(func.coalesce(value, 0.0) * case((counted, weight), else_=0.0), type_=Float)
    return total / func.nullif(weight_of(value, weight, when), 0.0, type_=Float)
