"""The SQL twins of the scoring formulas give the same scores as the Python originals, on SQLite and
PostgreSQL, for random inputs (so a roll-up inside the database scores exactly like the reference)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import literal, select

from performance import scoring, scoring_sql

nums = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False, allow_subnormal=False)
# too_slow: each example is a database round trip, and CI shares two cores with a database server.
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@st.composite
def bounds(draw):  # type: ignore[no-untyped-def]
    """(direction, threshold, target, stretch) in the right order for the direction: drawn valid, not filtered."""
    lower = draw(st.booleans())
    a, b, c = sorted(draw(st.lists(nums, min_size=3, max_size=3, unique=True)))
    assume(b - a > 1e-3 and c - b > 1e-3)
    with_stretch = draw(st.booleans())
    if lower:
        return "lower_is_better", c, b, (a if with_stretch else None)
    return "higher_is_better", a, b, (c if with_stretch else None)


def sql_value(db, expr) -> float | None:  # type: ignore[no-untyped-def]
    return db.execute(select(expr)).scalar()


def lit(x):  # type: ignore[no-untyped-def]
    return literal(x)


@SETTINGS
@given(actual=nums, b=bounds())
def test_linear(db, actual, b) -> None:  # type: ignore[no-untyped-def]
    direction, t, g, s = b
    try:
        scoring.validate_bounds(direction, t, g, s)
    except ValueError:
        assume(False)
    expected = scoring.linear(actual, direction=direction, threshold=t, target=g, stretch=s)
    got = sql_value(db, scoring_sql.linear(lit(actual), direction=lit(direction), threshold=lit(t), target=lit(g),
                                           stretch=lit(s)))
    assert got == pytest.approx(expected, abs=1e-6)


@SETTINGS
@given(actual=nums, edges=st.lists(nums, min_size=4, max_size=4))
def test_range(db, actual, edges) -> None:  # type: ignore[no-untyped-def]
    tlo, lo, hi, thi = sorted(edges)
    try:
        expected = scoring.range_score(actual, target_low=lo, target_high=hi, threshold_low=tlo, threshold_high=thi)
    except ValueError:
        assume(False)
    got = sql_value(db, scoring_sql.range_score(lit(actual), target_low=lit(lo), target_high=lit(hi),
                                                threshold_low=lit(tlo), threshold_high=lit(thi)))
    assert got == pytest.approx(expected, abs=1e-6)


@SETTINGS
@given(actual=nums, b=bounds())
def test_banded_on_threshold_target_stretch(db, actual, b) -> None:  # type: ignore[no-untyped-def]
    direction, t, g, s = b
    try:
        scoring.validate_bounds(direction, t, g, s)
    except ValueError:
        assume(False)
    expected = scoring.score("banded", 1, actual=actual, direction=direction,
                             bands=scoring.indicator_bands(threshold=t, target=g, stretch=s))
    got = sql_value(db, scoring_sql.banded(lit(actual), direction=lit(direction), threshold=lit(t), target=lit(g),
                                           stretch=lit(s)))
    assert got == pytest.approx(expected, abs=1e-6)


@SETTINGS
@given(total=st.integers(1, 50), data=st.data())
def test_milestone_and_rubric(db, total, data) -> None:  # type: ignore[no-untyped-def]
    done = data.draw(st.integers(0, total))
    assert sql_value(db, scoring_sql.milestone(lit(done), lit(total))) == pytest.approx(scoring.milestone(done, total))
    level = data.draw(st.integers(1, 5))
    assert sql_value(db, scoring_sql.rubric(lit(level))) == pytest.approx(scoring.rubric(level))


@SETTINGS
@given(actual=nums, b=nums, g=nums, lower=st.booleans())
def test_progress(db, actual, b, g, lower) -> None:  # type: ignore[no-untyped-def]
    direction = "lower_is_better" if lower else "higher_is_better"
    try:
        expected = scoring.progress(actual, baseline=b, target=g, direction=direction)
    except ValueError:
        assume(False)
    got = sql_value(db, scoring_sql.progress(lit(actual), baseline=lit(b), target=lit(g), direction=lit(direction)))
    assert got == pytest.approx(expected, abs=1e-9)
