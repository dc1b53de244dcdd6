"""Who may do what in performance management: the module's permissions, the roles that hold them, and its
named checks. Routes declare the permissions with ``hcm.policy.allow``; services and pages ask the same
checks here, so each rule is written once. The people scope itself (who sees whom) is the core's
(``hcm.policy``): these checks build on it.
"""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Select, and_, or_, select, true, union
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hcm.auth.models import Role
from hcm.errors import Forbidden, Invalid
from hcm.org.models import Department, Employee, EmployeeStatus, Position
from hcm.org.queries import department_subtree_ids
from hcm.policy import (
    Permission,
    Principal,
    employee_filter,
    is_executive,
    is_hr,
    is_manager,
    judges_self,
    manages,
    subtree_position_ids,
    team_filter,
)
from performance.models import Goal, GoalLevel, Indicator, IndicatorKind, RatingSource, ServiceItem


class PerfPermission(enum.StrEnum):
    READ = "performance.read"  # goals, scores, ratings: filtered by the people scope and the rating rules
    PERIODS = "performance.periods"  # open, advance and close periods; configure the mix
    PLAN = "performance.plan"  # goals, links, indicators (managers: their subtree's posts only)
    CHECKIN = "performance.checkin"  # actuals during the period (indicator owners, their managers, HR)
    RATE = "performance.rate"  # self, manager, peer and cross-department ratings
    CALIBRATE = "performance.calibrate"
    POINTS_AWARD = "points.award"


_ALL = frozenset(Role)
GRANTS: dict[PerfPermission, frozenset[Role]] = {
    PerfPermission.READ: _ALL,
    PerfPermission.PERIODS: frozenset({Role.HR_ADMIN}),
    PerfPermission.PLAN: frozenset({Role.HR_ADMIN, Role.MANAGER}),
    PerfPermission.CHECKIN: frozenset({Role.HR_ADMIN, Role.MANAGER, Role.EMPLOYEE}),
    PerfPermission.RATE: frozenset({Role.HR_ADMIN, Role.MANAGER, Role.EMPLOYEE}),
    PerfPermission.CALIBRATE: frozenset({Role.HR_ADMIN}),
    PerfPermission.POINTS_AWARD: frozenset({Role.HR_ADMIN, Role.MANAGER, Role.EMPLOYEE}),
}

# Writes an employee may make, each guarded row by row in its service (their own indicators, or a
# colleague they rate or recognise).
SELF_SERVICE_WRITES = frozenset({PerfPermission.CHECKIN, PerfPermission.RATE, PerfPermission.POINTS_AWARD})


# Peer and cross-department ratings, and collaboration received, are shown only aggregated, and only from
# this many raters up.
ANONYMITY_THRESHOLD = 3


# --- the anonymity rule ----------------------------------------------------------------------------
def published_inputs(n: int) -> int:
    """The anonymity rule: of the ``n`` anonymous inputs behind a figure (the ratings of one service item, the
    raters of one person from one source), how many the figure may rest on -- the earliest, in whole batches
    of ``ANONYMITY_THRESHOLD``; none below it.

    A figure therefore only ever moves by a whole batch: a read, one more rating, and a second read show the
    same figure, so their difference tells nothing; when it moves, it moves by the sum of at least
    ``ANONYMITY_THRESHOLD`` new inputs. (A plain "mean from 3 raters up" gives the n-th rating away as
    n * mean_n - (n - 1) * mean_n-1.) Every figure built from anonymous input -- on every route, page and
    score -- is built from the inputs this rule keeps, through ``published_rank`` in SQL."""
    return n // ANONYMITY_THRESHOLD * ANONYMITY_THRESHOLD


def published_rank(rank: Any, total: Any) -> ColumnElement[bool]:
    """``published_inputs`` inside a query: keep the input ranked ``rank`` (1 = the earliest, a row_number()
    window) of the ``total`` behind its figure (a count() window over the same partition)."""
    return rank <= total // ANONYMITY_THRESHOLD * ANONYMITY_THRESHOLD  # type: ignore[no-any-return]


# --- the self-judgement rule -----------------------------------------------------------------------
def refuse_self_judgement(principal: Principal, *, employee_id: int | None, what: str, field: str | None = None) -> None:
    """Forbidden, with the rule named, when the caller would judge themselves (``hcm.policy.judges_self``):
    nobody sets, approves or calibrates their own rating, nor records the rubric level of their own goal.
    Their own view is the self rating (source=self), kept beside the others' and never final."""
    if judges_self(principal, employee_id):
        raise self_judgement(what, field=field)


def self_judgement(what: str, *, field: str | None = None) -> Forbidden:
    """The refusal of the self-judgement rule, saying what was refused and where one's own view goes."""
    return Forbidden(f"rule: nobody judges themselves: {what} about yourself is made by your manager or HR; "
                     "give your own view as a self rating (source=self), which is kept beside theirs", field=field)


def judges_holder(db: Session, principal: Principal, *, indicator: Indicator, goal: Goal) -> bool:
    """A rubric level on a post or employee goal judges the person the goal belongs to: is the caller that
    person? (Quantitative and milestone indicators report facts, which their owner may check in.)"""
    return (indicator.kind is IndicatorKind.RUBRIC and goal.level in (GoalLevel.POST, GoalLevel.EMPLOYEE)
            and principal.employee_id is not None and _goal_person(db, goal) == principal.employee_id)


# --- planning and check-ins ------------------------------------------------------------------------
def may_plan(db: Session, principal: Principal, *, level: GoalLevel, position_id: int | None,
             employee_id: int | None) -> bool:
    """HR plans every level; a manager plans post and employee goals for posts in their reporting subtree."""
    if is_hr(principal):
        return True
    if not is_manager(principal) or principal.position_id is None:
        return False
    if level is GoalLevel.POST and position_id is not None:
        return db.execute(select(Position.id).where(
            Position.id == position_id, Position.id.in_(subtree_position_ids(principal.position_id)))).first() is not None
    if level is GoalLevel.EMPLOYEE and employee_id is not None:
        return manages(db, principal, employee_id)
    return False


def _goal_person(db: Session, goal: Goal) -> int | None:
    """The employee a post or employee goal belongs to (the post's current holder)."""
    if goal.employee_id is not None:
        return goal.employee_id
    if goal.position_id is not None:
        return db.scalar(select(Employee.id).where(Employee.position_id == goal.position_id))
    return None


def may_check_in(db: Session, principal: Principal, *, indicator: Indicator, goal: Goal) -> bool:
    """HR; the indicator's or the goal's owner; the person the goal belongs to, or a manager above them. Only
    roles that check in at all: an executive may own an indicator, but check-ins are not an executive's write."""
    if not principal.has(PerfPermission.CHECKIN):
        return False
    if judges_holder(db, principal, indicator=indicator, goal=goal):
        return False  # the self-judgement rule: the rubric level of one's own goal is someone else's to record
    if is_hr(principal):
        return True
    me = principal.employee_id
    if me is not None and me in (indicator.owner_employee_id, goal.owner_employee_id):
        return True
    person = _goal_person(db, goal)
    return bool(person is not None and (person == me or manages(db, principal, person)))


def visible_goals(principal: Principal) -> ColumnElement[bool]:
    """Company, department and process goals are visible to everyone; post and employee goals follow the
    people scope (your own, your subtree's, or all for HR). Executives see post goals of key posts. A manager
    also sees the post goals of vacant posts in their subtree, which they plan.

    This is the scope of every goal id a request names (``cascade.get_visible_goal``): a goal outside it is
    not found, exactly like a goal that does not exist."""
    if is_hr(principal):
        return true()
    people = select(Employee.id).where(employee_filter(principal))
    held = select(Employee.position_id).where(employee_filter(principal), Employee.position_id.is_not(None))
    posts: ColumnElement[bool] = Goal.position_id.in_(held)
    if is_manager(principal) and principal.position_id is not None:
        posts = or_(posts, Goal.position_id.in_(subtree_position_ids(principal.position_id)))
    return or_(
        Goal.level.in_([GoalLevel.COMPANY, GoalLevel.DEPARTMENT, GoalLevel.PROCESS]),
        and_(Goal.level == GoalLevel.POST, posts),
        and_(Goal.level == GoalLevel.EMPLOYEE, Goal.employee_id.in_(people)),
    )


def goal_owners(principal: Principal) -> ColumnElement[bool]:
    """Whom a planner may make the owner of a goal or an indicator (which gives check-in rights): the people
    they see (HR everyone, a manager themselves and their subtree). Anyone else is not found."""
    return employee_filter(principal)


# --- whom a request may name -----------------------------------------------------------------------
def _departments_working_with(department: Any) -> Select[tuple[int]]:
    """The departments that work with ``department`` (an id or a scalar subquery): a service item links them,
    either way, with ``department`` at or below one side and them at or below the other."""
    up = select(Department.id, Department.parent_id).where(Department.id == department).cte("dept_up", recursive=True)
    up = up.union_all(select(Department.id, Department.parent_id).where(Department.id == up.c.parent_id))
    mine = select(up.c.id)
    roots = union(select(ServiceItem.consumer_department_id).where(ServiceItem.provider_department_id.in_(mine)),
                  select(ServiceItem.provider_department_id).where(ServiceItem.consumer_department_id.in_(mine)))
    down = select(Department.id).where(Department.id.in_(roots)).cte("dept_down", recursive=True)
    down = down.union_all(select(Department.id).where(Department.parent_id == down.c.id))
    return select(down.c.id)


def rateable(principal: Principal) -> ColumnElement[bool]:
    """Whom the caller may name in a rating, whatever the source (a WHERE clause over ``Employee``): HR
    everyone; anyone else the people they see (themselves, a manager's subtree), the people of their own
    department (peers) and of the departments theirs works with (``_departments_working_with``: the other
    departments' raters). Anyone else is not found; inside it, ``check_rater`` says who rates whom from which
    source."""
    if is_hr(principal):
        return true()
    if principal.position_id is None:
        return employee_filter(principal)
    mine = select(Position.department_id).where(Position.id == principal.position_id).scalar_subquery()
    near = select(Position.id).where(or_(Position.department_id == mine,
                                         Position.department_id.in_(_departments_working_with(mine))))
    return or_(employee_filter(principal), Employee.position_id.in_(near))


def recognisable(principal: Principal) -> ColumnElement[bool]:
    """Whom the caller may name in an award of points, and sees on a leaderboard: HR everyone; anyone else the
    active people they see and their team (``hcm.policy.team_filter``), which is whom their points page offers.
    (Only HR learns from an award that someone has left.)"""
    if is_hr(principal):
        return true()
    return and_(or_(employee_filter(principal), team_filter(principal)), Employee.status == EmployeeStatus.ACTIVE)


# --- ratings ---------------------------------------------------------------------------------------
def _department_of(db: Session, employee_id: int | None) -> int | None:
    if employee_id is None:
        return None
    return db.scalar(select(Position.department_id).join(Employee, Employee.position_id == Position.id)
                     .where(Employee.id == employee_id))


def check_rater(db: Session, principal: Principal, *, source: RatingSource, employee_id: int) -> None:
    """Who rates whom, by source, for a person in the caller's ``rateable`` scope (checked first: anyone else is
    not found). Refuse with the rule named: 403 when the caller has no right to rate this person from this
    source (a manager or HR rating of oneself included: the self-judgement rule), 422 when the source does not
    fit the relationship (e.g. a peer rating of oneself)."""
    me = principal.employee_id
    if source is RatingSource.CALIBRATION:
        raise Invalid("calibration ratings are made only through calibration "
                      "(POST /api/performance/periods/{period_id}/calibration)", field="source")
    if source in (RatingSource.MANAGER, RatingSource.HR):
        refuse_self_judgement(principal, employee_id=employee_id, what=f"a {source.value} rating", field="employee_id")
    if source is RatingSource.SELF:
        if me != employee_id:
            raise Forbidden("a self rating is given only by the person rated")
        return
    if source is RatingSource.MANAGER:
        if not manages(db, principal, employee_id):
            raise Forbidden("a manager rating is given only by HR or a manager whose reporting subtree holds the person")
        return
    if source is RatingSource.HR:
        if not is_hr(principal):
            raise Forbidden("an HR rating is given only by an HR admin")
        return
    # peer and cross-department: employee-linked raters only, placed in a department
    if me is None:
        raise Forbidden(f"a {source.value} rating is given only by an employee (this user is linked to none)")
    if me == employee_id:
        raise Invalid(f"a {source.value} rating cannot be given by the person rated: "
                      "peers and other departments rate colleagues, never themselves (use source=self)", field="source")
    mine, theirs = _department_of(db, me), _department_of(db, employee_id)
    if mine is None or theirs is None:
        raise Forbidden(f"a {source.value} rating needs both people to hold a position in a department")
    if source is RatingSource.PEER and mine != theirs:
        raise Invalid("a peer rating is given by a colleague of the same department; "
                      "use source=cross_department for someone in another department", field="source")
    if source is RatingSource.CROSS_DEPARTMENT and mine == theirs:
        raise Invalid("a cross_department rating is given by someone of another department; "
                      "use source=peer for a colleague of the same department", field="source")


def may_approve(db: Session, principal: Principal, *, source: RatingSource, employee_id: int) -> bool:
    """HR approves manager and HR ratings; the person's manager approves manager ratings too. Nobody approves a
    rating of themselves (``refuse_self_judgement`` says why)."""
    if judges_self(principal, employee_id):
        return False
    return is_hr(principal) or (source is RatingSource.MANAGER and manages(db, principal, employee_id))


def sees_final_ratings_only(principal: Principal, *, employee_id: int) -> bool:
    """An executive sees the final ratings of the people they may see, not the events behind them."""
    return is_executive(principal) and principal.employee_id != employee_id


def may_calibrate(principal: Principal) -> bool:
    """Calibration is whoever holds ``PerfPermission.CALIBRATE``: the pages, the routes and the services ask
    the one grant."""
    return principal.has(PerfPermission.CALIBRATE)


def require_calibrator(principal: Principal, what: str) -> None:
    if not may_calibrate(principal):
        raise Forbidden(f"only HR may {what}")  # the grant's one role (GRANTS above)


# --- collaboration ---------------------------------------------------------------------------------
def may_rate_service(db: Session, principal: Principal, *, consumer_department_id: int) -> bool:
    """A service item is rated from its consumer side: someone whose post sits in the consumer department or
    below it, or HR."""
    if is_hr(principal):
        return True
    if principal.position_id is None:
        return False
    found = db.execute(select(Position.id).where(
        Position.id == principal.position_id,
        Position.department_id.in_(department_subtree_ids(consumer_department_id)))).first()
    return found is not None


# --- team views and the overview -------------------------------------------------------------------
def may_view_teams(principal: Principal) -> bool:
    """Team views are for managers (their own reporting line) and HR."""
    return is_hr(principal) or is_manager(principal)


def may_choose_any_team(principal: Principal) -> bool:
    """HR looks at any manager's team, chosen by the manager; a manager's team view is their own line."""
    return is_hr(principal)


def sees_company_scores(principal: Principal) -> bool:
    """The company's and the departments' scores lead the overview for those who read the org's aggregates."""
    return principal.has(Permission.AGGREGATES)


def may_read_department_results(principal: Principal) -> bool:
    """HR and executives (every department), managers with a post (their own department's subtree)."""
    return sees_company_scores(principal) or (is_manager(principal) and principal.position_id is not None)


def results_department_roots(principal: Principal) -> Select[Any] | None:
    """Whose department results the caller reads (``service.department_results``): HR and executives every
    department (None: no limit); a manager the department their own post sits in, and everything below it
    (a select of that one id; the service takes its subtree). Anyone else reads none: Forbidden, with the
    rule named (their own results are on the overview)."""
    if sees_company_scores(principal):
        return None
    if may_read_department_results(principal):
        return select(Position.department_id).where(Position.id == principal.position_id)
    raise Forbidden("department results are for HR and executives, and for managers within their own department; "
                    "your own results are on the performance overview")


# --- the 9-box -------------------------------------------------------------------------------------
# The scopes each role may ask for, the first being the one a page opens on. A manager's scopes stay
# inside their own reporting subtree (``ninebox_within_subtree``).
NINEBOX_SCOPES: dict[Role, tuple[str, ...]] = {
    Role.HR_ADMIN: ("company", "department"),
    Role.EXECUTIVE: ("company",),
    Role.MANAGER: ("team", "department"),
}
_NINEBOX_REFUSED = {
    "team": "the team 9-box is a manager's own reporting subtree; HR and executives use scope=department or "
            "scope=company",
    "department": "the department 9-box is for HR, and for managers within their own reporting subtree",
    "company": "the company 9-box is for HR and executives",
}


def ninebox_scopes(principal: Principal) -> tuple[str, ...]:
    """The 9-box scopes the principal may ask for; none: no 9-box at all."""
    return NINEBOX_SCOPES.get(principal.role, ())


def ninebox_within_subtree(principal: Principal) -> bool:
    """Whether the principal's 9-box, whatever its scope, holds only their reporting subtree."""
    return is_manager(principal)


def check_ninebox_scope(principal: Principal, scope: str) -> None:
    """Forbidden, with the rule named, unless the principal may ask for this 9-box scope."""
    if scope not in ninebox_scopes(principal) or (ninebox_within_subtree(principal) and principal.position_id is None):
        raise Forbidden(_NINEBOX_REFUSED.get(scope, f"there is no {scope!r} 9-box"))


def ninebox_names_limited(principal: Principal) -> bool:
    """Executives see every count but only the names of key-post holders (and their own)."""
    return is_executive(principal)


def may_name_in_ninebox(principal: Principal, *, employee_id: int, holds_key_post: bool) -> bool:
    return not ninebox_names_limited(principal) or holds_key_post or employee_id == principal.employee_id
