"""Two transactions on one period at once, on a real PostgreSQL with committed data: a period never closes
under a write in flight, a write never lands in a period that closed meanwhile, and two recomputes of one
period (two workers) run one after the other instead of failing on each other's rows."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from hcm import migrate
from hcm.auth.models import Role, User
from hcm.db import make_engine
from performance.errors import PeriodClosed
from performance.models import GoalLevel, GoalResult, PeriodState
from performance.service import lookups, periods, rollup
from tests import factories
from tests.performance import factories as perf
from tests.services import fresh_pg_database

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

BLOCKED = 1.0  # seconds a transaction is given to (wrongly) get through while another holds the period


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with fresh_pg_database("hcm_concurrency") as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture
def period_id(engine: Engine) -> int:
    """An in-progress period with three company goals (so a recompute writes three result rows)."""
    with Session(engine) as s, s.begin():
        n = s.scalar(select(func.count()).select_from(User)) or 0
        hr = factories.principal(s, factories.user(s, username=f"hr{n}", role=Role.HR_ADMIN))
        p = perf.period(s, code=f"P{n}", state=PeriodState.PLANNING)
        for i in range(3):
            perf.goal(s, hr, p, f"G{n}-{i}", GoalLevel.COMPANY, title="Grow")
        return perf.advance(s, p, PeriodState.IN_PROGRESS).id


@pytest.fixture
def calibrating(engine: Engine, period_id: int) -> int:
    """The period moved on to calibration: the next step closes it."""
    for state in (PeriodState.REVIEW, PeriodState.CALIBRATION):
        with Session(engine) as s, s.begin():
            periods.advance(s, period_id=period_id, to=state)
    return period_id


def in_thread(engine: Engine, work: Callable[[Session], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``work`` in its own transaction on another connection; the outcome lands in the dict."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            with Session(engine) as s, s.begin():
                out["result"] = work(s)
        except Exception as exc:  # noqa: BLE001 - handed to the test to assert on
            out["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def test_a_period_does_not_close_under_a_write_in_flight(engine: Engine, calibrating: int) -> None:
    period_id = calibrating
    with Session(engine) as writer:
        writer.begin()
        lookups.ensure_writable(writer, period_id)  # a check-in, not committed yet
        closer, out = in_thread(engine, lambda s: periods.advance(s, period_id=period_id, to=PeriodState.CLOSED).state)
        closer.join(BLOCKED)
        assert closer.is_alive(), f"the period closed under an open write: {out}"
        writer.commit()
    closer.join(30)
    assert out == {"result": PeriodState.CLOSED}


def test_a_write_waits_for_a_closing_period_and_is_then_refused(engine: Engine, calibrating: int) -> None:
    period_id = calibrating
    with Session(engine) as closer:
        closer.begin()
        periods.advance(closer, period_id=period_id, to=PeriodState.CLOSED)  # scores frozen, not committed yet
        writer, out = in_thread(engine, lambda s: lookups.ensure_writable(s, period_id).code)
        writer.join(BLOCKED)
        assert writer.is_alive(), f"a write went ahead while the period was closing: {out}"
        closer.commit()
    writer.join(30)
    assert isinstance(out.get("error"), PeriodClosed), out


def test_two_recomputes_of_a_period_run_one_after_the_other(engine: Engine, period_id: int) -> None:
    with Session(engine) as first:
        first.begin()
        assert rollup.recompute(first, period_id=period_id, today=date(2026, 7, 1)) == {"goals": 3}
        second, out = in_thread(engine, lambda s: rollup.recompute(s, period_id=period_id, today=date(2026, 7, 2)))
        second.join(BLOCKED)
        assert second.is_alive(), f"a second recompute ran alongside the first: {out}"
        first.commit()
    second.join(30)
    assert out == {"result": {"goals": 3}}
    with Session(engine) as s:
        assert s.scalar(select(func.count()).where(GoalResult.period_id == period_id)) == 3
