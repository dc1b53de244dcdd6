"""Period set-up by HR: copying a goal plan (hand-checked counts on the small plan), editing an indicator with
the checks of a new one, what blocks a period's next state, and the set-up pages (HR only, CSRF, field-named
4xx, advancing with blockers, closed periods refusing edits), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from hcm.errors import Conflict, Forbidden, Invalid
from hcm.org.models import EmployeeStatus
from performance.models import CheckIn, Goal, GoalLevel, GoalLink, Indicator, PeriodKind, PeriodState
from performance.schemas_setup import IndicatorPatch
from performance.service import cascade, periods, setup
from tests.factories import count
from tests.performance import factories as perf


def _fy27(db, hr):  # type: ignore[no-untyped-def]
    return periods.create_period(db, code="FY27", name="Year 2027", kind=PeriodKind.ANNUAL,
                                 start_date=date(2027, 2, 1), end_date=date(2028, 1, 31))


def test_copy_plan_takes_the_plan_only_and_skips_leavers(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    hr = org.principal("hr")
    E = org.people
    # an employee goal of Dana under her post goal, and owners for a department goal and an indicator
    e_dana = perf.goal(db, hr, plan.period, "E-DANA", GoalLevel.EMPLOYEE, employee_id=E["dana"].id,
                       position_id=org.positions["deep"].id)
    plan.goals["D-SAL"].owner_employee_id = E["carol"].id
    plan.indicators["CR1"].owner_employee_id = E["carol"].id
    plan.indicators["A1"].owner_employee_id = E["alice"].id
    db.add(GoalLink(parent_goal_id=plan.goals["P-DANA"].id, child_goal_id=e_dana.id, weight=100))
    E["dana"].status = EmployeeStatus.EXITED
    E["carol"].status = EmployeeStatus.EXITED
    db.flush()
    checkins = count(db, CheckIn)
    target = _fy27(db, hr)
    got = setup.copy_plan(db, principal=hr, source_period_id=plan.period.id, target_period_id=target.id)
    # 8 goals less Dana's own; 7 links less the one to it; 7 indicators
    assert (got.goals, got.links, got.indicators) == (7, 6, 7)
    assert [(s.what, s.code) for s in got.skipped] == [("goal", "E-DANA")]
    assert sorted((s.what, s.code) for s in got.cleared_owners) == [("goal", "D-SAL"), ("indicator", "P-CAROL/CR1")]
    copied = {g.code: g for g in db.scalars(select(Goal).where(Goal.period_id == target.id))}
    assert set(copied) == set(plan.goals) and copied["D-SAL"].owner_employee_id is None
    assert copied["P-ALICE"].position_id == org.positions["team1"].id
    a1 = db.scalars(select(Indicator).where(Indicator.goal_id == copied["P-ALICE"].id, Indicator.code == "A1")).one()
    assert (a1.threshold, a1.target, a1.stretch, a1.weight, a1.owner_employee_id) == (80, 100, 120, 60, E["alice"].id)
    weights = {(p, c): w for p, c, w in db.execute(select(GoalLink.parent_goal_id, GoalLink.child_goal_id,
                                                          GoalLink.weight))}
    assert weights[(copied["C1"].id, copied["D-OPS"].id)] == 60
    assert count(db, CheckIn) == checkins  # never check-ins
    assert cascade.plan_problems(db, period_id=target.id) == []
    # a second copy into a period that has goals is refused; so is a copy by anyone but HR
    with pytest.raises(Conflict):
        setup.copy_plan(db, principal=hr, source_period_id=plan.period.id, target_period_id=target.id)
    with pytest.raises(Forbidden):
        setup.copy_plan(db, principal=org.principal("manager"), source_period_id=plan.period.id,
                        target_period_id=target.id)


def test_update_indicator_checks_like_create(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    hr = org.principal("hr")
    target = _fy27(db, hr)
    setup.copy_plan(db, principal=hr, source_period_id=plan.period.id, target_period_id=target.id)
    ind = db.scalars(select(Indicator).join(Goal).where(Goal.period_id == target.id, Indicator.code == "A1")).one()
    with pytest.raises(Invalid) as bad:
        cascade.update_indicator(db, principal=hr, indicator_id=ind.id, data=IndicatorPatch(target=130))
    assert bad.value.field in ("target", "stretch")
    with pytest.raises(Invalid) as bad:
        cascade.update_indicator(db, principal=hr, indicator_id=ind.id, data=IndicatorPatch(kind="milestone"))
    assert bad.value.field == "milestones_total"
    cascade.update_indicator(db, principal=hr, indicator_id=ind.id, data=IndicatorPatch(target=110, weight=50,
                                                                                        cadence="quarterly"))
    assert (ind.target, ind.weight, ind.cadence.value) == (110, 50, "quarterly")
    # 50 + 40 on P-ALICE: the period cannot start, and the blockers say so beforehand
    found = periods.blockers(db, period_id=target.id)
    assert [b.message for b in found] == ["Goal P-ALICE: the weights of its indicators add to 90, not 100."]
    with pytest.raises(Conflict):
        periods.advance(db, period_id=target.id, to=PeriodState.IN_PROGRESS)
    cascade.update_indicator(db, principal=hr, indicator_id=ind.id, data=IndicatorPatch(weight=60))
    assert periods.blockers(db, period_id=target.id) == []
    # a template is never advanced
    setup.set_template(db, principal=hr, period_id=target.id, is_template=True)
    assert [b.rule for b in periods.blockers(db, period_id=target.id)] == ["template"]
    with pytest.raises(Conflict):
        periods.advance(db, period_id=target.id, to=PeriodState.IN_PROGRESS)


def test_save_as_template_and_start_from_it(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    hr = org.principal("hr")
    tpl, got = setup.save_as_template(db, principal=hr, source_period_id=plan.period.id, code="TPL", name="Template")
    assert tpl.is_template and (got.goals, got.links, got.indicators) == (7, 6, 7)
    p, copied = setup.start_period(db, principal=hr, code="FY27", name="Year 2027", kind=PeriodKind.ANNUAL,
                                   start_date=date(2027, 1, 1), end_date=date(2027, 12, 31),
                                   source_period_id=tpl.id)
    assert p.state is PeriodState.PLANNING and not p.is_template and copied is not None and copied.goals == 7
