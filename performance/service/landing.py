"""The period the performance pages open on when none is asked for.

A person opening the Performance page wants the period they are working in, provided there is something of
theirs in it; a period that has begun but holds none of their goals yet (a quarter nobody planned) shows only
dashes. So: the current period when it has goals for them, else the latest period with results for them, else
(nothing of theirs anywhere yet) the period people are working in.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from hcm.policy import Principal, own_profile_id
from performance.models import Goal, GoalResult, Period, PeriodKind, PeriodState
from performance.policy import visible_goals

# A period that has begun and is not closed, best first: people work in one in progress, then review, then
# calibrate it.
CURRENT_STATES = (PeriodState.IN_PROGRESS, PeriodState.REVIEW, PeriodState.CALIBRATION)
# With nothing of the person's anywhere: the first state that has periods wins (as the pages chose before).
_ANY_STATES = (*CURRENT_STATES, PeriodState.PLANNING, PeriodState.CLOSED)


def _goals_for(db: Session, principal: Principal) -> Any:
    """The goals that make a period worth opening for ``principal``: their own (post or personal) goals for a
    manager or an employee, whose page is about those; every goal they may see for HR and executives, whose
    page shows the company's and the departments' results."""
    own = own_profile_id(principal)
    if own is not None:
        post = Goal.position_id == principal.position_id if principal.position_id is not None else false()
        return or_(post, Goal.employee_id == own)
    return visible_goals(principal)


def default_period(db: Session, *, principal: Principal, today: date) -> Period | None:
    """The current period (``today`` within [start, end), in progress, review or calibration; in that order, a
    year before its quarters) that has goals for ``principal``; else the latest-ending period with goal results
    for them (a year before its quarters on the same end); else the period people are working in; None when
    there are no periods."""
    periods = list(db.scalars(select(Period).order_by(Period.start_date.desc(), Period.id.desc())))
    if not periods:
        return None
    mine = _goals_for(db, principal)

    def first_year(candidates: list[Period]) -> list[Period]:
        return sorted(candidates, key=lambda p: p.kind is not PeriodKind.ANNUAL)  # stable: latest start next

    current = [p for state in CURRENT_STATES for p in first_year(
        [p for p in periods if p.state is state and p.start_date <= today < p.end_date])]
    if current:
        with_goals = set(db.scalars(select(Goal.period_id).where(
            mine, Goal.period_id.in_([p.id for p in current])).distinct()))
        chosen = next((p for p in current if p.id in with_goals), None)
        if chosen is not None:
            return chosen
    scored = set(db.scalars(select(GoalResult.period_id).join(Goal, Goal.id == GoalResult.goal_id)
                            .where(mine, GoalResult.score.is_not(None)).distinct()))
    if scored:
        return max((p for p in periods if p.id in scored),
                   key=lambda p: (p.end_date, p.kind is PeriodKind.ANNUAL, p.start_date, p.id))
    if current:
        return current[0]
    for state in _ANY_STATES:
        running = first_year([p for p in periods if p.state is state])
        if running:
            return running[0]
    return None
