"""Roll-up on a small known cascade, every figure computed by hand (see the comments)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from performance.models import (
    CollaborationRating,
    GoalLevel,
    GoalResult,
    IndicatorResult,
    PeriodState,
    RatingEvent,
    RatingKind,
    RatingSource,
    RatingStatus,
    ServiceItem,
    UnitResult,
)
from performance.service import cascade, periods, rollup, units
from tests.performance import factories as perf


@pytest.fixture
def cascade_2026(db, org):  # type: ignore[no-untyped-def]
    hr = org.principal("hr")
    p = perf.period(db, state=PeriodState.PLANNING, dept_operational_share=0.8, post_operational_share=0.3,
                    collaboration_weight=0.1, competency_weight=0.3)
    c1 = perf.goal(db, hr, p, "C1", GoalLevel.COMPANY)
    d1 = perf.goal(db, hr, p, "D1", GoalLevel.DEPARTMENT, department_id=org.ops.id)
    d2 = perf.goal(db, hr, p, "D2", GoalLevel.DEPARTMENT, department_id=org.sales.id)
    p1 = perf.goal(db, hr, p, "P1", GoalLevel.POST, position_id=org.positions["team1"].id)
    i1 = perf.indicator(db, hr, d1, "I1", kind="quantitative", klass="operational", threshold=80, target=100, stretch=120,
                        weight=70)
    i2 = perf.indicator(db, hr, d1, "I2", kind="rubric", klass="management", weight=30)
    i3 = perf.indicator(db, hr, p1, "I3", kind="milestone", klass="management", milestones_total=4, weight=50)
    i4 = perf.indicator(db, hr, p1, "I4", kind="quantitative", direction="lower_is_better", klass="operational",
                        threshold=10, target=5, baseline=12, weight=50)
    i5 = perf.indicator(db, hr, d2, "I5", kind="quantitative", direction="range", klass="operational", target_low=40,
                        target_high=60, threshold_low=30, threshold_high=80, weight=100)
    perf.link(db, hr, c1, (d1, 60), (d2, 40))
    perf.link(db, hr, d1, (p1, 100))
    assert cascade.plan_problems(db, period_id=p.id) == []
    perf.advance(db, p, PeriodState.IN_PROGRESS)

    june = date(2026, 6, 30)
    perf.check_in(db, hr, i1, date(2026, 3, 31), actual=90)  # superseded by the later check-in below
    perf.check_in(db, hr, i1, june, actual=110)  # -> 125: halfway from target 100 to stretch 120
    perf.check_in(db, hr, i2, june, rubric_level=2)  # -> 50
    perf.check_in(db, hr, i3, june, milestones_done=3)  # -> 75
    perf.check_in(db, hr, i4, june, actual=7.5)  # lower is better, halfway from 10 to 5 -> 75
    perf.check_in(db, hr, i5, june, actual=70)  # range: halfway from 60 to tolerance 80 -> 75
    # collaboration: three people rate the service Operations gives Sales, 4, 3 and 5 -> 4 -> 125
    item = ServiceItem(code="SI-1", name="Deliveries on time", provider_department_id=org.ops.id,
                       consumer_department_id=org.sales.id)
    db.add(item)
    db.flush()
    db.add_all([CollaborationRating(period_id=p.id, service_item_id=item.id, rater_user_id=org.users[u].id, score=v)
                for u, v in (("hr", 4), ("exec", 3), ("manager", 5))])
    # competency: alice's approved competency rating 4 -> 125 (a later submitted one does not count)
    db.add(RatingEvent(period_id=p.id, employee_id=org.people["alice"].id, kind=RatingKind.COMPETENCY,
                       source=RatingSource.MANAGER, value=4, status=RatingStatus.APPROVED))
    db.flush()
    db.add(RatingEvent(period_id=p.id, employee_id=org.people["alice"].id, kind=RatingKind.COMPETENCY,
                       source=RatingSource.SELF, value=1, status=RatingStatus.SUBMITTED))
    db.flush()
    return p, {"C1": c1, "D1": d1, "D2": d2, "P1": p1}, {"I1": i1, "I2": i2, "I3": i3, "I4": i4, "I5": i5}


def unit_scores(db, p):  # type: ignore[no-untyped-def]
    """Every unit's scores as the readers see them: live for an open period, frozen for a closed one."""
    return {(t, r.unit_id): r for t in units.UNIT_TYPES for r in db.execute(select(units.scores(p, t)))}


def test_known_cascade_rolls_up_to_hand_computed_scores(db, org, cascade_2026):  # type: ignore[no-untyped-def]
    p, goals, inds = cascade_2026
    assert rollup.recompute(db, period_id=p.id, today=date(2026, 7, 2)) == {"goals": 4}  # one result row a goal
    ir = rollup.indicator_rows(db, period_id=p.id, today=date(2026, 7, 2))
    assert {k: ir[i.id].score for k, i in inds.items()} == pytest.approx(
        {"I1": 125.0, "I2": 50.0, "I3": 75.0, "I4": 75.0, "I5": 75.0})
    assert ir[inds["I1"].id].actual == 110  # the latest check-in wins
    assert ir[inds["I4"].id].progress == pytest.approx((12 - 7.5) / (12 - 5))
    gr = {r.goal_id: r for r in db.scalars(select(GoalResult).where(GoalResult.period_id == p.id))}
    # D1 own = (125*70 + 50*30)/100 = 102.5; rolled from P1 = 75; both ways -> half each = 88.75
    # C1 = (88.75*60 + 75*40)/100 = 83.25
    assert {k: gr[g.id].score for k, g in goals.items()} == pytest.approx(
        {"P1": 75.0, "D1": 88.75, "D2": 75.0, "C1": 83.25})
    assert gr[goals["D1"].id].operational_score == pytest.approx(125.0)
    assert gr[goals["D1"].id].management_score == pytest.approx(50.0)
    units = unit_scores(db, p)
    ops = units[("department", org.ops.id)]
    # departments mainly operational: 0.8*125 + 0.2*50 = 110; collaboration 125 at weight 0.1 -> 111.5
    assert (ops.operational_score, ops.management_score, ops.collaboration_score, ops.score) == pytest.approx(
        (125.0, 50.0, 125.0, 111.5))
    assert units[("department", org.sales.id)].score == pytest.approx(75.0)
    assert units[("post", org.positions["team1"].id)].score == pytest.approx(75.0)
    alice = units[("employee", org.people["alice"].id)]
    # individual: 0.7 * 75 + 0.3 * competency 125 = 90
    assert (alice.competency_score, alice.score) == pytest.approx((125.0, 90.0))
    assert units[("company", 0)].score == pytest.approx(83.25)


def test_unit_scores_narrowed_to_some_units_are_the_same_figures(db, org, cascade_2026):  # type: ignore[no-untyped-def]
    """A team view asks for a few people's scores: the narrowed query reads only their goals, and must agree
    with the company-wide one."""
    p, _goals, _inds = cascade_2026
    rollup.recompute(db, period_id=p.id, today=date(2026, 7, 2))
    everyone = unit_scores(db, p)
    for unit_type, unit_id in (("employee", org.people["alice"].id), ("post", org.positions["team1"].id),
                               ("department", org.ops.id), ("department", org.sales.id), ("company", 0)):
        rows = db.execute(select(units.scores(p, unit_type, ids=[unit_id]))).all()
        assert [tuple(r) for r in rows] == [tuple(everyone[(unit_type, unit_id)])], unit_type
    nobody = org.people["bob"].id  # holds a post without goals
    assert db.execute(select(units.scores(p, "employee", ids=[nobody]))).all() == []


def test_at_risk_when_progress_lags_time(db, org, cascade_2026):  # type: ignore[no-untyped-def]
    p, _goals, inds = cascade_2026
    ir = rollup.indicator_rows(db, period_id=p.id, today=date(2026, 12, 1))  # 92% of the year gone
    assert ir[inds["I3"].id].at_risk is True  # 3 of 4 milestones = 75% < 92% - 10
    assert ir[inds["I4"].id].at_risk is True  # 64% of the way
    ir = rollup.indicator_rows(db, period_id=p.id, today=date(2026, 3, 1))  # 16% of the year gone
    assert not any(r.at_risk for r in ir.values())


def test_closing_freezes_scores_and_emits_them(db, org, cascade_2026):  # type: ignore[no-untyped-def]
    from hcm.outbox import OutboxEvent
    from performance.errors import PeriodClosed

    p, _goals, inds = cascade_2026
    periods.advance(db, period_id=p.id, to=PeriodState.REVIEW)
    rollup.recompute(db, period_id=p.id, today=p.end_date)
    live = unit_scores(db, p)
    perf.advance(db, p, PeriodState.CLOSED)
    assert p.state is PeriodState.CLOSED and p.closed_at is not None
    # the unit scores were written when the period closed: the same as they were live, for good
    stored = {(u.unit_type, u.unit_id): u.score for u in db.scalars(select(UnitResult).where(UnitResult.period_id == p.id))}
    assert stored == pytest.approx({k: r.score for k, r in live.items()})
    alice = org.people["alice"]
    alice.position_id = None  # she leaves her post: the closed period still scores her as it was closed
    db.flush()
    assert unit_scores(db, p)[("employee", alice.id)].score == pytest.approx(90.0)
    assert units.live(p, "employee") is not None and not [
        r for r in db.execute(select(units.live(p, "employee"))) if r.unit_id == alice.id]
    ev = db.scalars(select(OutboxEvent).where(OutboxEvent.topic == "performance_scores")).all()
    assert len(ev) == 1 and ev[0].payload["final"] is True
    assert {"employee": "X-ALICE", "score": 90.0} in ev[0].payload["scores"]
    frozen = db.scalars(select(IndicatorResult).where(IndicatorResult.period_id == p.id)).all()
    assert sorted(r.score for r in frozen) == pytest.approx([50.0, 75.0, 75.0, 75.0, 125.0])
    assert {r.formula_version for r in frozen} == {1}
    with pytest.raises(PeriodClosed, match="closed"):
        perf.check_in(db, org.principal("hr"), inds["I1"], date(2026, 7, 1), actual=1)
    with pytest.raises(PeriodClosed):
        rollup.recompute(db, period_id=p.id)
