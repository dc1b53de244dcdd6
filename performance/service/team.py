"""Read models behind the performance pages: a manager's team view, a person's own view, a goal's detail.

Team view (one period, one manager's reporting subtree; a handful of queries whatever the team size):
- members: the active people whose posts report, directly or not, to the manager's post;
- goal progress per person: their post goals (through the post they hold) and their own employee goals,
  each with the ``GoalResult`` score, progress and at-risk flag of the last recompute;
- check-ins due: indicators of those goals whose next check-in, by the indicator's cadence, is due
  (``performance.service.cadence``; only while the period takes check-ins: in progress or in review), by the
  day they fell due;
- the distribution of the team's final performance ratings (``ratings.latest_approved``, rounded half
  up to 1..5 like calibration) and each member's final rating;
- points balances (``points.balances``, so the caller's people scope applies).

The members come riskiest first: most goals at risk, then the lowest score, then the lowest progress (unscored
last), then by name.

Who: a manager sees their own team, or the team of a manager inside their reporting subtree; HR any
manager's team, chosen by the manager's employee id. Executives and employees have no team view.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, func, literal, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from hcm import clock
from hcm.auth.models import User
from hcm.errors import Forbidden, Invalid
from hcm.org.models import BusinessProcess, Department, Employee, EmployeeStatus, Position
from hcm.org.queries import department_subtree_ids
from hcm.policy import Principal, is_hr, subtree_position_ids, team_filter, visible_employee
from performance.models import (
    Cadence,
    CheckIn,
    Goal,
    GoalLevel,
    GoalLink,
    GoalResult,
    Indicator,
    IndicatorKind,
    Period,
    PeriodState,
    PointsEntry,
    RatingKind,
)
from performance.policy import (
    may_calibrate,
    may_check_in,
    may_choose_any_team,
    may_view_teams,
    recognisable,
    visible_goals,
)
from performance.schemas import GoalOut, IndicatorOut, PeriodOut
from performance.schemas_ratings import RatingsView
from performance.schemas_team import (
    CheckInLine,
    Colleague,
    GoalDetail,
    GoalResultOut,
    IndicatorDetail,
    LinkedGoal,
    ManagerChoice,
    RosterEntry,
    SupportingGoal,
)
from performance.service import cadence, cascade, points, ratings, rollup, units
from performance.service.calibration import RATINGS, rating_bucket
from performance.service.lookups import get_period

CHECKIN_STATES = (PeriodState.IN_PROGRESS, PeriodState.REVIEW)
ROSTER_LIMIT = 1000


def _name() -> ColumnElement[str]:
    return Employee.first_name + literal(" ") + Employee.last_name


# --- shapes ------------------------------------------------------------------------------------------
@dataclass
class GoalRow:
    goal_id: int
    code: str
    title: str
    level: str
    employee_id: int
    score: float | None
    progress: float | None
    at_risk: bool


@dataclass
class Member:
    employee_id: int
    name: str
    position_title: str | None
    direct: bool
    goals: list[GoalRow] = field(default_factory=list)
    score: float | None = None  # the employee unit score of the last recompute
    rating: float | None = None  # final performance rating
    points: int = 0

    @property
    def progress(self) -> float | None:
        values = [g.progress for g in self.goals if g.progress is not None]
        return sum(values) / len(values) if values else None

    @property
    def at_risk(self) -> int:
        return sum(1 for g in self.goals if g.at_risk)


@dataclass
class DueCheckIn:
    indicator_id: int
    indicator_code: str
    indicator_name: str
    kind: IndicatorKind
    unit: str | None
    milestones_total: int | None
    cadence: Cadence
    goal_id: int
    goal_code: str
    goal_title: str
    employee_id: int
    name: str
    last_as_of: date | None
    due: date  # the reporting date the missing check-in is for (due from the day after)


@dataclass
class TeamView:
    period_id: int
    manager_id: int
    manager_name: str
    members: list[Member]
    checkins_open: bool  # the period takes check-ins (otherwise nothing is due)
    checkins_due: list[DueCheckIn]
    distribution: dict[int, int]  # final performance rating 1..5 -> people
    rated: int

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def unrated(self) -> int:
        return self.size - self.rated

    @property
    def goals(self) -> int:
        return sum(len(m.goals) for m in self.members)

    @property
    def goals_at_risk(self) -> int:
        return sum(m.at_risk for m in self.members)

    @property
    def progress(self) -> float | None:
        values = [g.progress for m in self.members for g in m.goals if g.progress is not None]
        return sum(values) / len(values) if values else None

    @property
    def points(self) -> int:
        return sum(m.points for m in self.members)


@dataclass
class PersonView:
    period_id: int
    employee_id: int
    name: str
    position_title: str | None
    goals: list[GoalRow]
    score: float | None
    points: int
    ratings: RatingsView  # finals, and peer input only aggregated


# --- building blocks -----------------------------------------------------------------------------
def _goal_rows(db: Session, *, period_id: int, post_filter: ColumnElement[bool],
               person_filter: ColumnElement[bool]) -> list[GoalRow]:
    """Post goals (of the posts ``post_filter`` keeps, credited to the post's holder) and employee goals
    (of the people ``person_filter`` keeps), with their last computed results. One query."""
    holder = aliased(Employee)
    person = func.coalesce(Goal.employee_id, holder.id)
    rows = db.execute(
        select(Goal.id, Goal.code, Goal.title, Goal.level, person, GoalResult.score, GoalResult.progress,
               GoalResult.at_risk)
        .outerjoin(holder, and_(Goal.level == GoalLevel.POST, holder.position_id == Goal.position_id))
        .outerjoin(GoalResult, GoalResult.goal_id == Goal.id)
        .where(Goal.period_id == period_id,
               or_(and_(Goal.level == GoalLevel.POST, post_filter), and_(Goal.level == GoalLevel.EMPLOYEE, person_filter)),
               person.is_not(None))
        .order_by(Goal.level, Goal.code)
    ).all()
    return [GoalRow(goal_id=gid, code=code, title=title, level=GoalLevel(level).value, employee_id=emp,
                    score=None if score is None else round(float(score), 1),
                    progress=None if prog is None else float(prog), at_risk=bool(risk))
            for gid, code, title, level, emp, score, prog, risk in rows]


def _resolve_manager(db: Session, principal: Principal, manager_id: int | None) -> tuple[int, str, int]:
    """(employee id, name, position id) of the manager whose team is asked for, if the caller may see it."""
    if not may_view_teams(principal):
        raise Forbidden("team views are for managers (their own reporting line) and HR")
    if manager_id is None:
        if may_choose_any_team(principal) or principal.employee_id is None:
            raise Invalid("choose the manager whose team to show", field="manager_id")
        manager_id = principal.employee_id
    emp = visible_employee(db, principal, manager_id, field="manager_id")  # a manager: themselves or their line
    if emp.position_id is None:
        raise Invalid(f"{emp.full_name} holds no post, so has no reporting line", field="manager_id")
    return emp.id, emp.full_name, emp.position_id


def checkins_due(db: Session, *, period: Period, post_filter: ColumnElement[bool],
                 person_filter: ColumnElement[bool], today: date,
                 may_report: ColumnElement[bool] | None = None) -> list[DueCheckIn]:
    """The check-ins due on ``today`` (``performance.service.cadence``) for the indicators of the post goals
    ``post_filter`` keeps (credited to the post's holder) and the employee goals ``person_filter`` keeps, oldest
    due first; ``may_report`` narrows the indicators further (whose the caller may record). Nothing while the
    period takes no check-ins. Two queries: the indicators with their latest check-in, then the names."""
    if period.state not in CHECKIN_STATES:
        return []
    holder = aliased(Employee)
    person = func.coalesce(Goal.employee_id, holder.id)
    last = func.max(CheckIn.as_of)
    stmt = (
        select(Indicator.id, Indicator.code, Indicator.name, Indicator.kind, Indicator.unit, Indicator.milestones_total,
               Indicator.cadence, Goal.id, Goal.code, Goal.title, person.label("person"), last.label("last"))
        .join(Goal, Goal.id == Indicator.goal_id)
        .outerjoin(holder, and_(Goal.level == GoalLevel.POST, holder.position_id == Goal.position_id,
                                holder.status == EmployeeStatus.ACTIVE))
        .outerjoin(CheckIn, CheckIn.indicator_id == Indicator.id)
        .where(Goal.period_id == period.id,
               or_(and_(Goal.level == GoalLevel.POST, post_filter), and_(Goal.level == GoalLevel.EMPLOYEE, person_filter)),
               person.is_not(None))
        .group_by(Indicator.id, Indicator.code, Indicator.name, Indicator.kind, Indicator.unit,
                  Indicator.milestones_total, Indicator.cadence, Goal.id, Goal.code, Goal.title, Goal.employee_id,
                  holder.id)
    )
    if may_report is not None:
        stmt = stmt.where(may_report)
    rows: list[DueCheckIn] = []
    for r in db.execute(stmt):
        cad = Cadence(r.cadence)
        due = cadence.due_date(cad, period.start_date, period.end_date, r.last)
        if due is not None and due < today:
            rows.append(DueCheckIn(indicator_id=r[0], indicator_code=r[1], indicator_name=r[2], kind=IndicatorKind(r[3]),
                                   unit=r[4], milestones_total=r[5], cadence=cad, goal_id=r[7], goal_code=r[8],
                                   goal_title=r[9], employee_id=int(r.person), name="", last_as_of=r.last, due=due))
    if rows:
        names = {i: n for i, n in db.execute(select(Employee.id, _name())
                                             .where(Employee.id.in_({d.employee_id for d in rows})))}
        for d in rows:
            d.name = names.get(d.employee_id, "")
    return sorted(rows, key=lambda d: (d.due, d.name, d.goal_title, d.indicator_code))


def riskiest_first(member: Member) -> tuple[Any, ...]:
    """The team view's order: most goals at risk, then the lowest score, then the lowest progress (people
    without a score or progress after those with one), then by name."""
    progress = member.progress
    return (-member.at_risk, member.score is None, member.score or 0.0, progress is None, progress or 0.0,
            member.name)


# --- views -----------------------------------------------------------------------------------------
def team_view(db: Session, *, principal: Principal, period_id: int, manager_id: int | None = None,
              today: date | None = None) -> TeamView:
    period = get_period(db, period_id)
    mgr_id, mgr_name, mgr_pos = _resolve_manager(db, principal, manager_id)
    team_posts = subtree_position_ids(mgr_pos)
    in_team = and_(Employee.position_id.in_(team_posts), Employee.status == EmployeeStatus.ACTIVE)
    team_ids = select(Employee.id).where(in_team)

    members = {
        eid: Member(employee_id=eid, name=name, position_title=title, direct=boss == mgr_pos)
        for eid, name, title, boss in db.execute(
            select(Employee.id, _name(), Position.title, Position.reports_to_id)
            .join(Position, Position.id == Employee.position_id).where(in_team)
            .order_by(Employee.last_name, Employee.first_name, Employee.id))
    }
    post_filter = Goal.position_id.in_(select(Employee.position_id).where(in_team))
    person_filter = Goal.employee_id.in_(team_ids)
    for g in _goal_rows(db, period_id=period.id, post_filter=post_filter, person_filter=person_filter):
        if g.employee_id in members:
            members[g.employee_id].goals.append(g)
    scores = units.scores(period, "employee", ids=list(members))
    for eid, score in db.execute(select(scores.c.unit_id, scores.c.score)):
        if eid in members and score is not None:
            members[eid].score = round(float(score), 1)

    fin = ratings.latest_approved(period.id, RatingKind.PERFORMANCE, employee_ids=team_ids)
    distribution = dict.fromkeys(RATINGS, 0)
    rated = 0
    for eid, value in db.execute(select(fin.c.employee_id, fin.c.value)):
        if eid in members:
            members[eid].rating = float(value)
            distribution[rating_bucket(float(value))] += 1
            rated += 1

    if members:
        for b in points.balances(db, principal=principal, period_id=period.id, employee_ids=list(members)):
            members[b.employee_id].points = b.points

    due = [d for d in checkins_due(db, period=period, post_filter=post_filter, person_filter=person_filter,
                                   today=today or clock.today()) if d.employee_id in members]
    return TeamView(period_id=period.id, manager_id=mgr_id, manager_name=mgr_name,
                    members=sorted(members.values(), key=riskiest_first),
                    checkins_open=period.state in CHECKIN_STATES, checkins_due=due, distribution=distribution,
                    rated=rated)


def person_view(db: Session, *, principal: Principal, period_id: int, employee_id: int) -> PersonView:
    """One person's goals, score, points and ratings (final ones, and peer input only aggregated)."""
    period = get_period(db, period_id)
    emp = visible_employee(db, principal, employee_id)
    name, position_id = emp.full_name, emp.position_id
    title = db.scalar(select(Position.title).where(Position.id == position_id)) if position_id is not None else None
    post_filter = Goal.position_id == position_id if position_id is not None else literal(False)
    goals = _goal_rows(db, period_id=period.id, post_filter=post_filter, person_filter=Goal.employee_id == employee_id)
    goals = [g for g in goals if g.employee_id == employee_id]
    scores = units.scores(period, "employee", ids=[employee_id])
    score = db.scalar(select(scores.c.score))
    balance = db.scalar(select(func.coalesce(func.sum(PointsEntry.amount), 0)).where(
        PointsEntry.period_id == period.id, PointsEntry.employee_id == employee_id)) or 0
    view = ratings.ratings_for(db, principal=principal, period_id=period.id, employee_id=employee_id)
    return PersonView(period_id=period.id, employee_id=employee_id, name=str(name), position_title=title, goals=goals,
                      score=None if score is None else round(float(score), 1), points=int(balance), ratings=view)


def managers(db: Session, *, principal: Principal) -> list[ManagerChoice]:
    """People whose post has posts reporting to it (HR's choice of whose team to look at)."""
    if not may_choose_any_team(principal):
        raise Forbidden("only HR chooses any manager's team")
    bosses = select(Position.reports_to_id).where(Position.reports_to_id.is_not(None))
    rows = db.execute(select(Employee.id, _name(), Position.title).join(Position, Position.id == Employee.position_id)
                      .where(Employee.position_id.in_(bosses), Employee.status == EmployeeStatus.ACTIVE)
                      .order_by(Employee.last_name, Employee.first_name, Employee.id)).all()
    return [ManagerChoice(employee_id=i, name=n, position_title=t) for i, n, t in rows]


def colleagues(db: Session, *, principal: Principal) -> list[Colleague]:
    """Whom the caller may recognise from the points page (``performance.policy.recognisable``, the rule the
    award itself asks): the people reporting to the same post as theirs, and for a manager also their
    reporting subtree. Names only; never the caller."""
    if principal.employee_id is None or principal.position_id is None:
        return []
    near = team_filter(principal) if is_hr(principal) else recognisable(principal)  # HR: not the whole company
    rows = db.execute(select(Employee.id, _name()).where(near, Employee.status == EmployeeStatus.ACTIVE,
                                                         Employee.id != principal.employee_id)
                      .order_by(Employee.last_name, Employee.first_name, Employee.id)).all()
    return [Colleague(employee_id=i, name=n) for i, n in rows]


def calibration_roster(db: Session, *, principal: Principal, period_id: int,
                       department_id: int | None = None) -> list[RosterEntry]:
    """Active people (of a department subtree) with their current final performance rating: whom HR may
    calibrate. At most ``ROSTER_LIMIT`` rows (filter by department for more)."""
    if not may_calibrate(principal):
        raise Forbidden("only HR calibrates ratings")
    get_period(db, period_id)
    fin = ratings.latest_approved(period_id, RatingKind.PERFORMANCE)
    stmt: Select[Any] = (
        select(Employee.id, _name(), Position.title, fin.c.value)
        .outerjoin(Position, Position.id == Employee.position_id)
        .outerjoin(fin, fin.c.employee_id == Employee.id)
        .where(Employee.status == EmployeeStatus.ACTIVE)
        .order_by(Employee.last_name, Employee.first_name, Employee.id).limit(ROSTER_LIMIT))
    if department_id is not None:
        stmt = stmt.where(Position.department_id.in_(department_subtree_ids(department_id)))
    return [RosterEntry(employee_id=i, name=n, position_title=t, rating=v) for i, n, t, v in db.execute(stmt)]


# --- a goal's page ---------------------------------------------------------------------------------
def _unit_name(db: Session, goal: Goal) -> str:
    for value, label, model in ((goal.department_id, Department.name, Department),
                                (goal.process_id, BusinessProcess.name, BusinessProcess),
                                (goal.employee_id, Employee.first_name + literal(" ") + Employee.last_name, Employee),
                                (goal.position_id, Position.title, Position)):
        if value is not None:
            return str(db.scalar(select(label).where(model.id == value)) or "")
    return "Company"


def goal_detail(db: Session, *, principal: Principal, goal_id: int, today: date | None = None) -> GoalDetail:
    """A visible goal with its result, the goals it supports and that support it (visible ones, with
    link weights), its indicators with their live (or frozen) scores, their check-ins, and whether the
    caller may check in on each."""
    goal = cascade.get_visible_goal(db, principal=principal, goal_id=goal_id)
    period = get_period(db, goal.period_id)
    visible = visible_goals(principal)
    result = db.get(GoalResult, goal.id)
    up = db.execute(select(Goal, GoalLink.weight).join(GoalLink, GoalLink.parent_goal_id == Goal.id)
                    .where(GoalLink.child_goal_id == goal.id, visible).order_by(Goal.code)).all()
    down = db.execute(select(Goal, GoalLink.weight, GoalResult.score, GoalResult.progress, GoalResult.at_risk)
                      .join(GoalLink, GoalLink.child_goal_id == Goal.id)
                      .outerjoin(GoalResult, GoalResult.goal_id == Goal.id)
                      .where(GoalLink.parent_goal_id == goal.id, visible)
                      .order_by(GoalLink.weight.desc(), Goal.code)).all()
    indicators = list(db.scalars(select(Indicator).where(Indicator.goal_id == goal.id).order_by(Indicator.code)))
    live = rollup.indicator_rows(db, period_id=period.id, today=today, goal_ids=[goal.id])
    history: dict[int, list[CheckInLine]] = defaultdict(list)
    author = aliased(Employee)
    for ci, username, first, last in db.execute(
            select(CheckIn, User.username, author.first_name, author.last_name)
            .outerjoin(User, User.id == CheckIn.author_user_id)
            .outerjoin(author, author.id == User.employee_id)
            .where(CheckIn.indicator_id.in_([i.id for i in indicators]))
            .order_by(CheckIn.as_of.desc(), CheckIn.id.desc())):
        # who checked in: the author's name when their login is a person's, else the login's name
        by = f"{first} {last}" if first is not None else username
        history[ci.indicator_id].append(CheckInLine(as_of=ci.as_of, actual=ci.actual, milestones_done=ci.milestones_done,
                                                    rubric_level=ci.rubric_level, comment=ci.comment, by=by,
                                                    at=ci.created_at))
    open_ = period.state in CHECKIN_STATES
    rows = []
    for ind in indicators:
        r = live.get(ind.id)
        rows.append(IndicatorDetail(
            indicator=IndicatorOut.model_validate(ind),
            actual=None if r is None else r.actual,
            score=None if r is None or r.score is None else round(float(r.score), 1),
            progress=None if r is None or r.progress is None else float(r.progress),
            at_risk=bool(r is not None and r.at_risk),
            checkins=history.get(ind.id, []),
            may_check_in=open_ and may_check_in(db, principal, indicator=ind, goal=goal),
        ))
    return GoalDetail(
        goal=GoalOut.model_validate(goal), period=PeriodOut.model_validate(period), unit=_unit_name(db, goal),
        result=None if result is None else GoalResultOut.model_validate(result), checkins_open=open_,
        parents=[LinkedGoal(goal=GoalOut.model_validate(g), weight=float(w)) for g, w in up],
        children=[SupportingGoal(goal=GoalOut.model_validate(g), weight=float(w),
                                 score=None if s is None else round(float(s), 1), progress=p, at_risk=bool(risk))
                  for g, w, s, p, risk in down],
        indicators=rows,
    )
