"""Reviews: the employee's self-assessment, the manager's rating (performance, competency, potential), and the
status of each person's review.

The status of a person's review in a period, from their rating events (``ratings``: dated, append-only):
- self: submitted when the person has given a self rating of performance (the latest one, with its date);
- manager: the latest manager or HR rating of performance (the two sources that are approved, "the judges"):
  none, submitted (awaiting approval) or approved (an approval copy is the latest judge event);
- calibrated: a calibration event of performance exists;
- final: the final performance rating (``ratings.latest_approved``), whichever source it came from.

``statuses`` and ``review_list`` compute these for many people in a few queries (a window over the period's
events, the final ratings, the people), never a query per person. Who is listed: HR everyone (filterable by
department subtree), a manager the people of their reporting subtree (not themselves); a person's own row only
through ``statuses`` (their own page). Someone's own potential goes through ``settings.hides_potential``.

Writes go through ``ratings.submit_rating`` / ``ratings.approve_rating`` (the rating rules: who rates whom, the
period's state, closed periods), after the form's values are all checked, so a refused form writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, String, and_, case, func, literal, select, type_coerce
from sqlalchemy.orm import Session, aliased

from hcm.errors import Forbidden, Invalid
from hcm.org.models import Department, Employee, EmployeeStatus, Position
from hcm.org.queries import department_subtree_ids
from hcm.paging import check_page
from hcm.policy import (
    Principal,
    employee_filter,
    is_hr,
    judges_self,
    manages,
    subtree_position_ids,
    visible_employee,
)
from performance.models import Period, RatingEvent, RatingKind, RatingSource, RatingStatus
from performance.policy import may_approve, may_view_teams, refuse_self_judgement
from performance.schemas import RatingIn
from performance.service import pickers, ratings, team
from performance.service.lookups import get_period
from performance.service.settings import hides_potential

JUDGES = (RatingSource.MANAGER, RatingSource.HR)
TRACKED = (RatingSource.SELF, RatingSource.MANAGER, RatingSource.HR, RatingSource.CALIBRATION)
SELF_KINDS = (RatingKind.PERFORMANCE, RatingKind.COMPETENCY)
POTENTIAL_SCALE = 3  # the form's potential: 1 low, 2 medium, 3 high (the 9-box's axis)
COMMENT_MAX = 2000
PAGE_SIZE = 100
STATUS_FILTERS: dict[str, str] = {
    "self_missing": "no self-assessment yet",
    "self_submitted": "self-assessment submitted",
    "manager_missing": "no manager rating yet",
    "awaiting_approval": "manager rating awaiting approval",
    "approved": "manager rating approved",
    "calibrated": "calibrated",
    "no_final": "no final rating yet",
    "final": "with a final rating",
}
ManagerState = Literal["none", "submitted", "approved"]


# --- shapes ------------------------------------------------------------------------------------------
@dataclass
class ReviewRow:
    employee_id: int
    name: str
    position_title: str | None
    department: str | None
    self_at: datetime | None = None  # the latest self rating of performance
    self_values: dict[str, float] = field(default_factory=dict)  # kind -> the latest self value
    self_comment: str | None = None
    manager_state: ManagerState = "none"
    manager_at: datetime | None = None
    manager_values: dict[str, float] = field(default_factory=dict)  # kind -> the latest manager/HR value
    manager_scales: dict[str, int] = field(default_factory=dict)
    manager_comment: str | None = None
    pending: dict[str, int] = field(default_factory=dict)  # kind -> a manager/HR rating awaiting approval
    calibrated: bool = False
    final: float | None = None  # the final performance rating

    @property
    def self_submitted(self) -> bool:
        return self.self_at is not None


@dataclass
class Statuses:
    open: bool  # the period takes ratings (in progress or in review)
    rows: dict[int, ReviewRow]


@dataclass
class ReviewCounts:
    """Each count is of the people in scope (``people``), whatever the status filter of the list."""

    people: int
    self_submitted: int
    manager_submitted: int  # the latest manager/HR rating of performance awaits approval
    manager_approved: int  # ... is approved
    calibrated: int
    final: int  # with a final performance rating


@dataclass
class ReviewList:
    period: Period
    counts: ReviewCounts
    rows: list[ReviewRow]
    listed: int  # people matching the filters (the list's pages)
    page: int
    page_size: int
    department_id: int | None
    status: str | None


@dataclass
class PersonReview:
    person: team.PersonView
    department: str | None
    review: ReviewRow
    open: bool
    may_self_assess: bool
    may_rate: bool
    may_approve: bool
    rater_source: RatingSource | None  # what the caller's rating form records: manager or HR


# --- the queries ---------------------------------------------------------------------------------------
def _latest(period_id: int, employee_ids: Any) -> Any:
    """Per person and kind, the latest event of each tracked group (self, the judges: manager or HR,
    calibration): ``id, employee_id, kind, source, grp, value, scale_max, status, reason, created_at``."""
    grp = case((RatingEvent.source.in_(JUDGES), literal("judge")), else_=type_coerce(RatingEvent.source, String))
    rn = func.row_number().over(partition_by=(RatingEvent.employee_id, RatingEvent.kind, grp),
                                order_by=(RatingEvent.created_at.desc(), RatingEvent.id.desc()))
    ranked = select(RatingEvent.id, RatingEvent.employee_id, RatingEvent.kind, RatingEvent.source, grp.label("grp"),
                    RatingEvent.value, RatingEvent.scale_max, RatingEvent.status, RatingEvent.reason,
                    RatingEvent.created_at, rn.label("rn")) \
        .where(RatingEvent.period_id == period_id, RatingEvent.source.in_(TRACKED),
               RatingEvent.employee_id.in_(employee_ids)).subquery("ranked")
    return select(*(c for c in ranked.c if c.name != "rn")).where(ranked.c.rn == 1).subquery("latest")


def _listed(principal: Principal) -> Any:
    """Whose reviews the caller follows: HR everyone active; a manager the active people of their subtree."""
    if not may_view_teams(principal):
        raise Forbidden("the review status is for HR (everyone) and managers (their reporting subtree); "
                        "your own review is on your performance page")
    active = Employee.status == EmployeeStatus.ACTIVE
    if is_hr(principal):
        return active
    if principal.position_id is None:
        raise Forbidden("a manager without a post has no reporting subtree")
    return and_(active, Employee.position_id.in_(subtree_position_ids(principal.position_id)))


def _people(period_id: int, where: Any, department_id: int | None) -> tuple[Select[Any], dict[str, Any]]:
    """The people query of the list with the status columns each filter and count reads."""
    latest = _latest(period_id, select(Employee.id).where(where))
    own = aliased(latest, name="self_perf")
    judge = aliased(latest, name="judge_perf")
    cal = aliased(latest, name="cal_perf")
    fin = ratings.latest_approved(period_id, RatingKind.PERFORMANCE, employee_ids=select(Employee.id).where(where))
    perf = RatingKind.PERFORMANCE
    stmt = (
        select(Employee.id.label("employee_id"), Employee.first_name.label("first"), Employee.last_name.label("last"),
               Position.title.label("title"), Department.name.label("department"), own.c.created_at.label("self_at"),
               judge.c.status.label("judge_status"), judge.c.created_at.label("judge_at"), cal.c.id.label("cal_id"),
               fin.c.value.label("final"))
        .outerjoin(Position, Position.id == Employee.position_id)
        .outerjoin(Department, Department.id == Position.department_id)
        .outerjoin(own, and_(own.c.employee_id == Employee.id, own.c.kind == perf, own.c.grp == "self"))
        .outerjoin(judge, and_(judge.c.employee_id == Employee.id, judge.c.kind == perf, judge.c.grp == "judge"))
        .outerjoin(cal, and_(cal.c.employee_id == Employee.id, cal.c.kind == perf, cal.c.grp == "calibration"))
        .outerjoin(fin, fin.c.employee_id == Employee.id)
        .where(where)
    )
    if department_id is not None:
        stmt = stmt.where(Position.department_id.in_(department_subtree_ids(department_id)))
    cols = {"self": own.c.id, "judge": judge.c.status, "cal": cal.c.id, "final": fin.c.id}
    return stmt, cols


def _status_filter(cols: dict[str, Any], status: str) -> Any:
    return {
        "self_missing": cols["self"].is_(None),
        "self_submitted": cols["self"].is_not(None),
        "manager_missing": cols["judge"].is_(None),
        "awaiting_approval": cols["judge"] == RatingStatus.SUBMITTED,
        "approved": cols["judge"] == RatingStatus.APPROVED,
        "calibrated": cols["cal"].is_not(None),
        "no_final": cols["final"].is_(None),
        "final": cols["final"].is_not(None),
    }[status]


def _fill(db: Session, principal: Principal, period_id: int, rows: dict[int, ReviewRow]) -> None:
    """The values behind each row's status: the latest self and manager/HR values of every kind, comments,
    what awaits approval. One query for all the rows (the caller's own potential as the potential rule says)."""
    if not rows:
        return
    hide_own = principal.employee_id in rows and hides_potential(db, principal, employee_id=principal.employee_id)
    latest = _latest(period_id, list(rows))
    for r in db.execute(select(latest)):
        row = rows[r.employee_id]
        kind = RatingKind(r.kind)
        if kind is RatingKind.POTENTIAL and hide_own and r.employee_id == principal.employee_id:
            continue
        if r.grp == "self":
            row.self_values[kind.value] = float(r.value)
            if kind is RatingKind.PERFORMANCE:
                row.self_at, row.self_comment = r.created_at, r.reason
        elif r.grp == "judge":
            row.manager_values[kind.value] = float(r.value)
            row.manager_scales[kind.value] = int(r.scale_max)
            if RatingStatus(r.status) is RatingStatus.SUBMITTED:
                row.pending[kind.value] = int(r.id)
            if kind is RatingKind.PERFORMANCE:
                row.manager_state = "approved" if RatingStatus(r.status) is RatingStatus.APPROVED else "submitted"
                row.manager_at, row.manager_comment = r.created_at, r.reason
        elif r.grp == "calibration" and kind is RatingKind.PERFORMANCE:
            row.calibrated = True


def _row(r: Any) -> ReviewRow:
    return ReviewRow(employee_id=r[0], name=f"{r[1]} {r[2]}", position_title=r[3], department=r[4],
                     final=None if r[9] is None else float(r[9]))


# --- reads ---------------------------------------------------------------------------------------------
def statuses(db: Session, *, principal: Principal, period_id: int, employee_ids: list[int]) -> Statuses:
    """The review status of the given people (a team view's members, one's own), the ones the caller may see
    (anyone else is left out). A handful of queries whatever their number."""
    period = get_period(db, period_id)
    rows: dict[int, ReviewRow] = {}
    if employee_ids:
        where = and_(Employee.id.in_(list(dict.fromkeys(employee_ids))), employee_filter(principal))
        stmt, _ = _people(period.id, where, None)
        rows = {r[0]: _row(r) for r in db.execute(stmt)}
        _fill(db, principal, period.id, rows)
    return Statuses(open=period.state in ratings.RATING_STATES, rows=rows)


def review_list(db: Session, *, principal: Principal, period_id: int, department_id: int | None = None,
                status: str | None = None, page: int = 1, page_size: int = PAGE_SIZE) -> ReviewList:
    """The reviews page: the counts of the people in scope (department subtree for the filter), and a page of
    them with their status, filtered by ``status`` (one of ``STATUS_FILTERS``)."""
    period = get_period(db, period_id)
    where = _listed(principal)
    if department_id is not None:  # a department outside the viewer's scope: the 404 of a nonexistent one
        pickers.check_department(db, principal=principal, department_id=department_id)
    if status is not None and status not in STATUS_FILTERS:
        raise Invalid(f"status: choose one of {', '.join(STATUS_FILTERS)}", field="status")
    check_page(page, page_size)
    stmt, cols = _people(period.id, where, department_id)
    base = stmt.subquery("people")

    def n(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    agg = db.execute(select(
        func.count(), n(base.c.self_at.is_not(None)), n(base.c.judge_status == RatingStatus.SUBMITTED),
        n(base.c.judge_status == RatingStatus.APPROVED), n(base.c.cal_id.is_not(None)), n(base.c.final.is_not(None)),
    ).select_from(base)).one()
    counts = ReviewCounts(people=int(agg[0]), self_submitted=int(agg[1]), manager_submitted=int(agg[2]),
                          manager_approved=int(agg[3]), calibrated=int(agg[4]), final=int(agg[5]))
    listed_stmt = stmt.where(_status_filter(cols, status)) if status is not None else stmt
    listed = counts.people if status is None else int(
        db.scalar(select(func.count()).select_from(listed_stmt.subquery())) or 0)
    page_rows = db.execute(listed_stmt.order_by(Employee.last_name, Employee.first_name, Employee.id)
                           .limit(page_size).offset((page - 1) * page_size)).all()
    rows = {r[0]: _row(r) for r in page_rows}
    _fill(db, principal, period.id, rows)
    return ReviewList(period=period, counts=counts, rows=list(rows.values()), listed=listed, page=page,
                      page_size=page_size, department_id=department_id, status=status)


def rater_source(db: Session, principal: Principal, employee_id: int) -> RatingSource | None:
    """What the caller's rating of this person records (HR: an HR rating; a manager above them: a manager
    rating), or None: nobody rates themselves, an employee rates no one from these pages."""
    if judges_self(principal, employee_id):
        return None
    if is_hr(principal):
        return RatingSource.HR
    return RatingSource.MANAGER if manages(db, principal, employee_id) else None


def person_review(db: Session, *, principal: Principal, period_id: int, employee_id: int) -> PersonReview:
    """A person's performance page: goals with scores, the ratings the caller may see, the review status and
    which forms the caller gets. Someone outside the caller's people scope is the 404 of nobody."""
    person = team.person_view(db, principal=principal, period_id=period_id, employee_id=employee_id)
    found = statuses(db, principal=principal, period_id=period_id, employee_ids=[employee_id])
    review = found.rows.get(employee_id) or ReviewRow(employee_id=employee_id, name=person.name,
                                                      position_title=person.position_title, department=None)
    source = rater_source(db, principal, employee_id)
    approves = bool(review.pending) and may_approve(db, principal, source=RatingSource.MANAGER, employee_id=employee_id)
    own = principal.employee_id == employee_id
    return PersonReview(person=person, department=review.department, review=review, open=found.open,
                        may_self_assess=own, may_rate=source is not None, may_approve=approves, rater_source=source)


# --- writes --------------------------------------------------------------------------------------------
def _value(raw: float | None, kind: RatingKind, scale: int, name: str) -> float | None:
    if raw is None:
        return None
    if not 1 <= raw <= scale:
        raise Invalid(f"{name}: {raw:g} is outside the {kind.value} rating scale 1..{scale}", field=name)
    return raw


def _comment(comment: str | None) -> str | None:
    text = (comment or "").strip()
    if len(text) > COMMENT_MAX:
        raise Invalid(f"comment: at most {COMMENT_MAX} characters ({len(text)} given)", field="comment")
    return text or None


def self_assess(db: Session, *, principal: Principal, period_id: int, performance: float | None,
                competency: float | None, comment: str | None) -> list[RatingEvent]:
    """One's own view of the period: a self rating of performance (required) and of competency (optional),
    1..5, with a comment. Kept beside the manager's, never final (``ratings``: source=self)."""
    own = principal.employee_id
    if own is None:
        raise Forbidden("a self-assessment is given by an employee; this user is linked to none")
    values = {RatingKind.PERFORMANCE: _value(performance, RatingKind.PERFORMANCE, 5, "performance"),
              RatingKind.COMPETENCY: _value(competency, RatingKind.COMPETENCY, 5, "competency")}
    if values[RatingKind.PERFORMANCE] is None:
        raise Invalid("performance: give your own rating of your performance (1-5)", field="performance")
    reason = _comment(comment)
    return [ratings.submit_rating(db, principal=principal, period_id=period_id, data=RatingIn(
        employee_id=own, kind=kind, source=RatingSource.SELF, value=value, scale_max=5, reason=reason))
        for kind, value in values.items() if value is not None]


def rate(db: Session, *, principal: Principal, period_id: int, employee_id: int, performance: float | None,
         competency: float | None, potential: float | None, comment: str | None) -> list[RatingEvent]:
    """The manager's rating of someone in their reporting subtree (HR's of anyone: an HR rating): performance
    and competency 1..5, potential 1..3, any of them, at least one. Submitted, awaiting approval. Someone
    outside the caller's people scope is the 404 of nobody; oneself is the self-judgement rule's 403."""
    get_period(db, period_id)
    visible_employee(db, principal, employee_id, field="employee_id")
    values = {RatingKind.PERFORMANCE: (_value(performance, RatingKind.PERFORMANCE, 5, "performance"), 5),
              RatingKind.COMPETENCY: (_value(competency, RatingKind.COMPETENCY, 5, "competency"), 5),
              RatingKind.POTENTIAL: (_value(potential, RatingKind.POTENTIAL, POTENTIAL_SCALE, "potential"),
                                     POTENTIAL_SCALE)}
    if all(v is None for v, _ in values.values()):
        raise Invalid("performance: give at least one rating (performance, competency or potential)",
                      field="performance")
    reason = _comment(comment)
    source = RatingSource.HR if is_hr(principal) else RatingSource.MANAGER
    return [ratings.submit_rating(db, principal=principal, period_id=period_id, data=RatingIn(
        employee_id=employee_id, kind=kind, source=source, value=value, scale_max=scale, reason=reason))
        for kind, (value, scale) in values.items() if value is not None]


def approve(db: Session, *, principal: Principal, period_id: int, employee_id: int) -> list[RatingEvent]:
    """Approve every manager/HR rating of the person awaiting approval (the latest of each kind): each becomes
    final (``ratings.approve_rating``: HR, or for a manager rating the person's manager; never oneself)."""
    get_period(db, period_id)
    visible_employee(db, principal, employee_id, field="employee_id")
    # who may approve at all, before what awaits: else one's own hidden potential reads as "nothing awaits"
    refuse_self_judgement(principal, employee_id=employee_id, what="approving a rating", field="employee_id")
    if not may_approve(db, principal, source=RatingSource.MANAGER, employee_id=employee_id):
        raise Forbidden("ratings are approved by HR or the person's manager", field="employee_id")
    found = statuses(db, principal=principal, period_id=period_id, employee_ids=[employee_id]).rows.get(employee_id)
    if found is None or not found.pending:
        raise Invalid("employee_id: nothing of this person awaits approval", field="employee_id")
    return [ratings.approve_rating(db, principal=principal, rating_id=found.pending[kind.value])
            for kind in RatingKind if kind.value in found.pending]
