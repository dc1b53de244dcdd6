"""The "Your tasks" panel that opens the performance landing page: what is waiting for the viewer, per role.

For each period being worked in (in progress or in review; template periods never are):
- **check-ins due** (``performance.service.cadence``): a person's own indicators that they record (not the
  rubric levels of their own goals: those judge them, their manager records them), and for a manager also the
  indicators of the goals of their reporting subtree (the team view's list);
- **reviews to write**, while the period is in review (``performance.service.ratings`` events): the person's
  own self-assessment (a SELF performance rating) if they have not given one; for a manager, the people
  reporting directly to their post who have no manager (or HR) performance rating yet (``reviews.JUDGES``);
- **goals at risk** (the last recompute's ``GoalResult.at_risk``): an employee's own goals; a manager's own and
  their subtree's post and employee goals; HR and executives every goal they may see.

Company-wide, for HR only: the periods **in calibration** (a link to each calibration) and the periods **in
planning** to set up. Nobody is told about anyone outside their people scope: every person-bound row is
narrowed to the viewer's own goals or their reporting subtree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hcm.org.models import Employee, EmployeeStatus, Position
from hcm.policy import Principal, is_manager, own_profile_id, subtree_position_ids
from performance.models import (
    Goal,
    GoalLevel,
    GoalResult,
    Indicator,
    IndicatorKind,
    Period,
    PeriodState,
    RatingEvent,
    RatingKind,
    RatingSource,
)
from performance.policy import PerfPermission, may_calibrate, visible_goals
from performance.service.reviews import JUDGES
from performance.service.team import CHECKIN_STATES, DueCheckIn, checkins_due

# where the panel sends people (pages of other parts of the performance module)
PERIODS_HREF = "/performance/periods"
AT_RISK_HREF = "/performance/periods/{period_id}/at-risk"
CALIBRATION_HREF = "/performance/periods/{period_id}/calibration"
SELF_REVIEW_HREF = "/performance?period={period_id}#my-review"
TEAM_HREF = "/performance?period={period_id}#team-h"
MY_GOALS_HREF = "/performance?period={period_id}#mine-h"


@dataclass(frozen=True)
class PeriodRef:
    id: int
    code: str
    name: str
    href: str


@dataclass(frozen=True)
class PersonRef:
    employee_id: int
    name: str


@dataclass
class PeriodTasks:
    """What is waiting in one period being worked in."""

    period: PeriodRef
    state: PeriodState
    checkins_due: list[DueCheckIn] = field(default_factory=list)
    self_review_due: bool = False
    self_review_href: str = ""
    ratings_missing: list[PersonRef] = field(default_factory=list)  # direct reports without a manager rating
    ratings_href: str = ""
    goals_at_risk: int = 0
    at_risk_href: str = ""

    @property
    def count(self) -> int:
        return len(self.checkins_due) + int(self.self_review_due) + len(self.ratings_missing) + \
            (1 if self.goals_at_risk else 0)


@dataclass
class TasksPanel:
    periods: list[PeriodTasks]
    calibration_open: list[PeriodRef]  # HR: periods in calibration
    planning: list[PeriodRef]  # HR: periods in planning to set up
    planning_href: str

    @property
    def count(self) -> int:
        return sum(p.count for p in self.periods) + len(self.calibration_open) + len(self.planning)


def _ref(p: Period, href: str) -> PeriodRef:
    return PeriodRef(id=p.id, code=p.code, name=p.name, href=href.format(period_id=p.id))


def _own_checkins(db: Session, principal: Principal, period: Period, today: date) -> list[DueCheckIn]:
    own = own_profile_id(principal)
    if own is None or not principal.has(PerfPermission.CHECKIN):
        return []
    post: ColumnElement[bool] = (Goal.position_id == principal.position_id if principal.position_id is not None
                                 else literal(False))
    # the rubric level of one's own goal judges oneself: someone else records it (``policy.judges_holder``)
    return checkins_due(db, period=period, post_filter=post, person_filter=Goal.employee_id == own, today=today,
                        may_report=Indicator.kind != IndicatorKind.RUBRIC)


def _team(principal: Principal) -> tuple[ColumnElement[bool], ColumnElement[bool]] | None:
    """(post goals, employee goals) of a manager's reporting subtree, without the manager's own."""
    if not is_manager(principal) or principal.position_id is None:
        return None
    posts = subtree_position_ids(principal.position_id)
    in_team = and_(Employee.position_id.in_(posts), Employee.status == EmployeeStatus.ACTIVE,
                   Employee.id != (principal.employee_id or 0))
    return (Goal.position_id.in_(select(Employee.position_id).where(in_team)),
            Goal.employee_id.in_(select(Employee.id).where(in_team)))


def _at_risk_scope(principal: Principal) -> ColumnElement[bool] | None:
    own = own_profile_id(principal)
    if own is None:
        return visible_goals(principal)  # HR, executives: every goal they may see
    mine: list[ColumnElement[bool]] = []
    if own is not None:
        mine.append(and_(Goal.level == GoalLevel.EMPLOYEE, Goal.employee_id == own))
        if principal.position_id is not None:
            mine.append(and_(Goal.level == GoalLevel.POST, Goal.position_id == principal.position_id))
    team = _team(principal)
    if team is not None:
        mine += [and_(Goal.level == GoalLevel.POST, team[0]), and_(Goal.level == GoalLevel.EMPLOYEE, team[1])]
    return or_(*mine) if mine else None


def _missing_manager_ratings(db: Session, principal: Principal, period: Period) -> list[PersonRef]:
    if not is_manager(principal) or principal.position_id is None:
        return []
    # rated: as the review status counts it (``reviews.JUDGES``: a manager's or HR's rating of performance), so
    # the people listed here are those the team view shows "Manager: not yet"
    rated = select(RatingEvent.employee_id).where(
        RatingEvent.period_id == period.id, RatingEvent.kind == RatingKind.PERFORMANCE,
        RatingEvent.source.in_(JUDGES))
    rows = db.execute(
        select(Employee.id, Employee.first_name + literal(" ") + Employee.last_name)
        .join(Position, Position.id == Employee.position_id)
        .where(Position.reports_to_id == principal.position_id, Employee.status == EmployeeStatus.ACTIVE,
               Employee.id != (principal.employee_id or 0), Employee.id.not_in(rated))
        .order_by(Employee.last_name, Employee.first_name, Employee.id)).all()
    return [PersonRef(employee_id=i, name=n) for i, n in rows]


def tasks(db: Session, *, principal: Principal, today: date) -> TasksPanel:
    """The viewer's tasks on ``today`` (see the module's docstring)."""
    periods = list(db.scalars(select(Period).where(Period.is_template.is_(False))
                              .order_by(Period.start_date, Period.end_date.desc(), Period.id)))
    working = [p for p in periods if p.state in CHECKIN_STATES]
    scope = _at_risk_scope(principal)
    at_risk: dict[int, int] = {}
    if scope is not None and working:
        at_risk = dict(db.execute(
            select(Goal.period_id, func.count(Goal.id)).join(GoalResult, GoalResult.goal_id == Goal.id)
            .where(Goal.period_id.in_([p.id for p in working]), GoalResult.at_risk.is_(True), scope)
            .group_by(Goal.period_id)).all())
    own = own_profile_id(principal)
    team = _team(principal)
    out: list[PeriodTasks] = []
    for p in working:
        due = _own_checkins(db, principal, p, today)
        if team is not None:
            due += checkins_due(db, period=p, post_filter=team[0], person_filter=team[1], today=today)
        t = PeriodTasks(period=_ref(p, "/performance?period={period_id}"), state=p.state,
                        checkins_due=sorted(due, key=lambda d: (d.due, d.name, d.goal_title, d.indicator_code)),
                        goals_at_risk=at_risk.get(p.id, 0),
                        # an employee's own goals are on the landing page; the at-risk list is about others
                        at_risk_href=(MY_GOALS_HREF if own is not None and not is_manager(principal)
                                      else AT_RISK_HREF).format(period_id=p.id))
        if p.state is PeriodState.REVIEW:
            if own is not None and principal.has(PerfPermission.RATE):
                t.self_review_due = db.scalar(select(RatingEvent.id).where(
                    RatingEvent.period_id == p.id, RatingEvent.employee_id == own,
                    RatingEvent.kind == RatingKind.PERFORMANCE, RatingEvent.source == RatingSource.SELF).limit(1)) is None
                t.self_review_href = SELF_REVIEW_HREF.format(period_id=p.id)
            t.ratings_missing = _missing_manager_ratings(db, principal, p)
            t.ratings_href = TEAM_HREF.format(period_id=p.id)
        out.append(t)
    hr = may_calibrate(principal)
    return TasksPanel(
        periods=out,
        calibration_open=[_ref(p, CALIBRATION_HREF) for p in periods if hr and p.state is PeriodState.CALIBRATION],
        planning=[_ref(p, PERIODS_HREF) for p in periods if hr and p.state is PeriodState.PLANNING],
        planning_href=PERIODS_HREF,
    )
