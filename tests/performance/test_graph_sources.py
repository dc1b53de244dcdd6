"""Performance's part of the talent graph over the real Bolt server: the drain (outbox events from the services)
and the rebuild (``performance.graph`` read from the tables) leave the same Employee scores and ratings, and
``graph.check`` finds nothing to say after either.

Each test starts from a graph rebuilt from the small org alone (its rows are written directly, without outbox
events), so what the drain then applies is performance's own events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from neo4j import Driver
from sqlalchemy.orm import Session

from graph import client
from graph.rebuild import rebuild
from graph.sync import drain_outbox, pending_count
from performance.models import PeriodKind, PeriodState, RatingKind
from performance.service import calibration, rollup
from tests.factories import Org
from tests.graph.fixtures import DATABASE, assert_clean, module_driver, units_of_work_inside
from tests.performance import factories as perf

pytestmark = pytest.mark.graph

PROPS = ("perf_score", "perf_period", "perf_period_end", "perf_final",
         "final_rating", "potential", "rating_period", "rating_period_end")


@pytest.fixture(scope="module")
def graph_driver() -> Iterator[Driver]:
    yield from module_driver()


@pytest.fixture
def graph(graph_driver: Driver, db: Session, org: Org, monkeypatch: pytest.MonkeyPatch) -> Driver:
    """The driver, on a graph rebuilt from the small org; ``hcm.db.unit_of_work`` (the rebuild's transaction)
    is a savepoint in the test's own transaction, so the rebuild reads what the test wrote."""
    units_of_work_inside(db, monkeypatch)
    rebuild_and_check(db, graph_driver)
    assert people(graph_driver) == {}
    return graph_driver


def drain_and_check(db: Session, driver: Driver, **kw: Any) -> dict[str, dict[str, Any]]:
    drain_outbox(db, driver, DATABASE, **kw)
    assert pending_count(db) == 0
    assert_clean(db, driver)
    return people(driver)


def rebuild_and_check(db: Session, driver: Driver) -> dict[str, dict[str, Any]]:
    db.flush()
    rebuild(driver, DATABASE)
    assert pending_count(db) == 0  # everything up to the rebuild is marked done
    assert_clean(db, driver)
    return people(driver)


def people(driver: Driver) -> dict[str, dict[str, Any]]:
    """Each Employee's performance properties (only people that have some)."""
    out = {}
    for r in client.read(driver, DATABASE, "MATCH (n:Employee) RETURN n.key AS key, properties(n) AS props"):
        props = {k: r["props"][k] for k in PROPS if r["props"].get(k) is not None}
        if props:
            out[r["key"]] = props
    return out


def scores(period: str, end: date, final: bool, **by_person: float) -> dict[str, dict[str, Any]]:
    return {f"X-{p.upper()}": {"perf_score": s, "perf_period": period, "perf_period_end": end.isoformat(),
                               "perf_final": final} for p, s in by_person.items()}


def ratings(period: str, end: date, **by_person: tuple[float | None, float | None]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for p, (final, potential) in by_person.items():
        row: dict[str, Any] = {"rating_period": period, "rating_period_end": end.isoformat()}
        row |= {k: v for k, v in (("final_rating", final), ("potential", potential)) if v is not None}
        out[f"X-{p.upper()}"] = row
    return out


def merged(*parts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for part in parts:
        for key, props in part.items():
            out.setdefault(key, {}).update(props)
    return out


def test_drain_and_rebuild_agree_through_a_period_with_calibration_and_close(db: Session, org: Org,
                                                                              graph: Driver) -> None:
    hr, E = org.principal("hr"), org.people
    plan = perf.build_plan(db, org)  # ratings approved here each send that person's
    p, end = plan.period, plan.period.end_date
    rollup.refresh(db, period_id=p.id, today=plan.today)  # what a check-in's task does: scores, sent
    # dana's competency rating (3 -> 100 points) is 30 % of her score now: 0.7 * 75 + 0.3 * 100
    perf.final(db, hr, p, E["dana"], 3, kind=RatingKind.COMPETENCY)
    perf.advance(db, p, PeriodState.CALIBRATION)
    adj = calibration.calibrate(db, principal=hr, period_id=p.id, employee_id=E["bob"].id, value=4,
                                reason="led the rollout through two reorganisations")
    assert (adj.before, adj.after) == (3.0, 4.0)

    # carol's post goal has no check-in: no score, yet her ratings; the CEO and the boss have neither
    want = merged(scores("FY-T", end, False, alice=125.0, bob=25.0, dana=82.5),
                  ratings("FY-T", end, alice=(4.0, 3.0), bob=(4.0, 2.0), dana=(2.0, 1.0), carol=(5.0, 3.0)))
    assert drain_and_check(db, graph) == want
    assert rebuild_and_check(db, graph) == want

    perf.advance(db, p, PeriodState.CLOSED)  # frozen and sent as final, everyone's ratings sent again
    want = merged(want, scores("FY-T", end, True, alice=125.0, bob=25.0, dana=82.5))
    assert drain_and_check(db, graph) == want
    assert rebuild_and_check(db, graph) == want


@pytest.mark.parametrize("batch", [1000, 1], ids=["one-batch", "event-by-event"])
def test_an_older_periods_results_after_a_newer_ones_change_nothing(db: Session, org: Org, graph: Driver,
                                                                   batch: int) -> None:
    hr, E = org.principal("hr"), org.people
    old = perf.build_plan(db, org, start=perf.PLAN_START - timedelta(days=365), code="FY-OLD")
    new = perf.build_plan(db, org, start=perf.PLAN_START, code="FY-NEW")
    rollup.refresh(db, period_id=new.period.id, today=new.today)
    want = merged(scores("FY-NEW", new.period.end_date, False, alice=125.0, bob=25.0, dana=75.0),
                  ratings("FY-NEW", new.period.end_date, alice=(4.0, 3.0), bob=(3.0, 2.0), dana=(2.0, 1.0),
                          carol=(5.0, 3.0)))
    assert drain_and_check(db, graph, batch=batch) == want

    # the older year is recomputed, rated and calibrated after the newer one: sent, and shown nowhere
    rollup.refresh(db, period_id=old.period.id, today=old.today)
    perf.final(db, hr, old.period, E["dana"], 5, kind=RatingKind.COMPETENCY)
    perf.final(db, hr, old.period, E["alice"], 1)
    perf.advance(db, old.period, PeriodState.CALIBRATION)
    calibration.calibrate(db, principal=hr, period_id=old.period.id, employee_id=E["bob"].id, value=1,
                          reason="the older year, looked at again")
    assert drain_and_check(db, graph, batch=batch) == want
    assert rebuild_and_check(db, graph) == want

    # both years' events pending at once, the older year's last (a drain that was behind)
    rollup.refresh(db, period_id=new.period.id, today=new.today)
    perf.advance(db, old.period, PeriodState.CLOSED)
    assert drain_and_check(db, graph, batch=batch) == want
    assert rebuild_and_check(db, graph) == want


def test_periods_ending_the_same_day_show_the_one_that_sent_last(db: Session, org: Org, graph: Driver) -> None:
    """A year and its last quarter end together: the drain keeps whichever period sent last (it replaces a
    period ending no earlier), and the rebuild picks the same one from when each was sent."""
    hr, E = org.principal("hr"), org.people
    year = perf.period(db, code="Y26")
    q4 = perf.period(db, code="Y26-Q4", kind=PeriodKind.QUARTER, start=date(2026, 10, 1), parent_id=year.id)
    assert q4.end_date == year.end_date
    perf.final(db, hr, year, E["alice"], 3)
    perf.final(db, hr, q4, E["alice"], 4)
    perf.final(db, hr, year, E["alice"], 5, kind=RatingKind.POTENTIAL)  # the year again: it sent last
    perf.final(db, hr, year, E["bob"], 2)
    perf.final(db, hr, q4, E["bob"], 3, kind=RatingKind.POTENTIAL)
    want = merged(ratings("Y26", year.end_date, alice=(3.0, 5.0)), ratings("Y26-Q4", q4.end_date, bob=(None, 3.0)))
    assert drain_and_check(db, graph) == want
    assert rebuild_and_check(db, graph) == want

    # the year closes: everyone it rated is sent again, so it is the last to have sent for bob too
    perf.advance(db, year, PeriodState.CLOSED)
    want = merged(ratings("Y26", year.end_date, alice=(3.0, 5.0), bob=(2.0, None)))
    assert drain_and_check(db, graph) == want
    assert rebuild_and_check(db, graph) == want
