"""Periods, goals, links, indicators, check-ins, results: thin routes over the performance services."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm import clock
from hcm.deps import get_db
from hcm.fields import Id
from hcm.paging import Page, PageNo, PageSize
from hcm.policy import Principal, allow
from performance.models import CheckIn, GoalLevel, Indicator, Period
from performance.policy import PerfPermission
from performance.schemas import (
    AdvanceIn,
    CascadeNode,
    CheckInIn,
    CheckInOut,
    ChildrenIn,
    GoalIn,
    GoalLinkOut,
    GoalOut,
    GoalPatch,
    IndicatorIn,
    IndicatorOut,
    PeriodIn,
    PeriodOut,
    PlanProblem,
    RecomputeOut,
    UnitScoreOut,
)
from performance.service import cascade, lookups, periods, results, rollup

router = APIRouter(prefix="/api/performance", tags=["performance"])
READ = Depends(allow(PerfPermission.READ))
PLAN = Depends(allow(PerfPermission.PLAN))
PERIODS = Depends(allow(PerfPermission.PERIODS))


@router.get("/periods", response_model=list[PeriodOut])
def list_periods(db: Session = Depends(get_db), _: Principal = READ):
    return list(db.scalars(select(Period).order_by(Period.start_date.desc(), Period.kind)))


@router.post("/periods", response_model=PeriodOut, status_code=201)
def create_period(data: PeriodIn, db: Session = Depends(get_db), _: Principal = PERIODS):
    return periods.create_period(db, **data.model_dump())


@router.get("/periods/{period_id}", response_model=PeriodOut)
def get_period(period_id: Id, db: Session = Depends(get_db), _: Principal = READ):
    return lookups.get_period(db, period_id)


@router.post("/periods/{period_id}/advance", response_model=PeriodOut)
def advance(period_id: Id, data: AdvanceIn, db: Session = Depends(get_db), _: Principal = PERIODS):
    return periods.advance(db, period_id=period_id, to=data.to)


@router.get("/periods/{period_id}/plan-problems", response_model=list[PlanProblem])
def plan_problems(period_id: Id, db: Session = Depends(get_db), _: Principal = PLAN):
    lookups.get_period(db, period_id)
    return cascade.plan_problems(db, period_id=period_id)


@router.post("/periods/{period_id}/recompute", response_model=RecomputeOut)
def recompute(period_id: Id, db: Session = Depends(get_db), _: Principal = PERIODS):
    return rollup.refresh(db, period_id=period_id, today=clock.today())


@router.get("/periods/{period_id}/cascade", response_model=list[CascadeNode])
def cascade_tree(period_id: Id, db: Session = Depends(get_db), who: Principal = READ):
    return cascade.cascade_tree(db, principal=who, period_id=period_id)


@router.get("/periods/{period_id}/goals", response_model=list[GoalOut])
def list_goals(period_id: Id, level: GoalLevel | None = None, department_id: Id | None = None,
               position_id: Id | None = None, db: Session = Depends(get_db), who: Principal = READ):
    return cascade.list_goals(db, principal=who, period_id=period_id, level=level, department_id=department_id,
                              position_id=position_id)


@router.post("/periods/{period_id}/goals", response_model=GoalOut, status_code=201)
def create_goal(period_id: Id, data: GoalIn, db: Session = Depends(get_db), who: Principal = PLAN):
    return cascade.create_goal(db, principal=who, period_id=period_id, data=data)


@router.get("/goals/{goal_id}", response_model=GoalOut)
def get_goal(goal_id: Id, db: Session = Depends(get_db), who: Principal = READ):
    return cascade.get_visible_goal(db, principal=who, goal_id=goal_id)


@router.patch("/goals/{goal_id}", response_model=GoalOut)
def update_goal(goal_id: Id, data: GoalPatch, db: Session = Depends(get_db), who: Principal = PLAN):
    return cascade.update_goal(db, principal=who, goal_id=goal_id, data=data)


@router.delete("/goals/{goal_id}", status_code=204, response_model=None)
def delete_goal(goal_id: Id, db: Session = Depends(get_db), who: Principal = PLAN) -> Response:
    cascade.delete_goal(db, principal=who, goal_id=goal_id)
    return Response(status_code=204)


@router.put("/goals/{goal_id}/children", response_model=list[GoalLinkOut])
def set_children(goal_id: Id, data: ChildrenIn, db: Session = Depends(get_db), who: Principal = PLAN):
    return cascade.set_children(db, principal=who, parent_goal_id=goal_id, data=data)


@router.get("/goals/{goal_id}/indicators", response_model=list[IndicatorOut])
def list_indicators(goal_id: Id, db: Session = Depends(get_db), who: Principal = READ):
    cascade.get_visible_goal(db, principal=who, goal_id=goal_id)
    return list(db.scalars(select(Indicator).where(Indicator.goal_id == goal_id).order_by(Indicator.code)))


@router.post("/goals/{goal_id}/indicators", response_model=IndicatorOut, status_code=201)
def create_indicator(goal_id: Id, data: IndicatorIn, db: Session = Depends(get_db), who: Principal = PLAN):
    return cascade.create_indicator(db, principal=who, goal_id=goal_id, data=data)


@router.post("/indicators/{indicator_id}/checkins", response_model=CheckInOut, status_code=201)
def check_in(indicator_id: Id, data: CheckInIn, db: Session = Depends(get_db),
             who: Principal = Depends(allow(PerfPermission.CHECKIN))):
    return cascade.check_in(db, principal=who, indicator_id=indicator_id, data=data)


@router.get("/indicators/{indicator_id}/checkins", response_model=list[CheckInOut])
def list_checkins(indicator_id: Id, db: Session = Depends(get_db), who: Principal = READ):
    cascade.get_visible_indicator(db, principal=who, indicator_id=indicator_id)
    return list(db.scalars(select(CheckIn).where(CheckIn.indicator_id == indicator_id)
                           .order_by(CheckIn.as_of.desc(), CheckIn.id.desc())))


@router.get("/periods/{period_id}/results", response_model=Page[UnitScoreOut])
def list_results(period_id: Id, unit_type: str = "department", page: PageNo = 1,
                 page_size: PageSize = 100, db: Session = Depends(get_db),
                 who: Principal = READ):
    return results.unit_results_page(db, principal=who, period_id=period_id, unit_type=unit_type, page=page,
                                     page_size=page_size)


