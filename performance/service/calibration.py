"""Calibration: the distribution of final performance ratings next to the period's target, and HR's
adjustments (new APPROVED events with source CALIBRATION and a required reason; never edits).

- The population is the people of a department subtree (the department and all its descendants) and/or
  a grade level; with neither, the whole company. Active employees count, and so does anyone who left
  after receiving a final rating in the period.
- A final rating is rounded half up to 1..5 for counting; shares are percent of the rated population and
  the gap is share minus target, in percentage points.
- Adjustments: HR only, while the period is in calibration, never of oneself (the self-judgement rule); the
  report lists each one with the final rating before it and after it.
- A session (``session``, the calibration page) is the same population, filtered by department subtree, grade
  level (``Grade.level`` of the person's post: the grade HR calibrates within) and direct manager (the holder of
  the post the person's post reports to), with each person's period score, the manager's latest performance
  rating (submitted or approved) and the final rating; sortable by each column, missing values last. Its log
  is every calibration of the people in scope, newest first, with who made it and the final rating before it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from hcm.auth.models import User
from hcm.errors import Invalid, NotFound
from hcm.org.models import Department, Employee, EmployeeStatus, Grade, Position
from hcm.org.queries import department_subtree_ids
from hcm.paging import MAX_PAGE_SIZE, check_page
from hcm.policy import Principal
from performance.models import PeriodState, RatingEvent, RatingKind, RatingSource, RatingStatus
from performance.policy import refuse_self_judgement, require_calibrator
from performance.schemas_calibration import (
    CalibrationSession,
    Choice,
    LogEntry,
    SessionCounts,
    SessionFilters,
    SessionRow,
)
from performance.schemas_ratings import Adjustment, DistributionOut, DistributionRow
from performance.service import units
from performance.service.lookups import ensure_state, ensure_writable, get_period
from performance.service.ratings import announce, check_scale, final_rating, latest_approved, rated_person

RATINGS = (1, 2, 3, 4, 5)


def rating_bucket(value: float) -> int:
    """Half up, not Python's banker's rounding: 2.5 counts as 3."""
    return min(5, max(1, math.floor(value + 0.5)))


def check_department(db: Session, department_id: int | None) -> None:
    if department_id is not None and db.get(Department, department_id) is None:
        raise NotFound("Department", department_id, field="department_id")


def distribution(db: Session, *, principal: Principal, period_id: int, department_id: int | None = None,
                 level: int | None = None) -> DistributionOut:
    require_calibrator(principal, "read the calibration distribution")
    period = get_period(db, period_id)
    check_department(db, department_id)
    fin = latest_approved(period_id, RatingKind.PERFORMANCE)
    stmt = (select(Employee.id, fin.c.value)
            .outerjoin(Position, Position.id == Employee.position_id)
            .outerjoin(fin, fin.c.employee_id == Employee.id)
            .where(or_(Employee.status == EmployeeStatus.ACTIVE, fin.c.value.is_not(None))))
    if department_id is not None:
        stmt = stmt.where(Position.department_id.in_(department_subtree_ids(department_id)))
    if level is not None:
        stmt = stmt.join(Grade, Grade.id == Position.grade_id).where(Grade.level == level)
    rows = db.execute(stmt).all()
    out_rows = _distribution_rows(period.target_distribution, [value for _emp, value in rows])
    rated = sum(r.count for r in out_rows)
    adjusted = adjustments(db, period_id=period_id, employee_ids=stmt.with_only_columns(Employee.id))
    return DistributionOut(period_id=period_id, department_id=department_id, level=level, population=len(rows),
                           rated=rated, unrated=len(rows) - rated, rows=out_rows, adjustments=adjusted)


def _distribution_rows(target_distribution: dict[Any, Any], finals: Iterable[float | None]) -> list[DistributionRow]:
    """Count the final ratings per step (half up) against the target shares (percent of the rated)."""
    counts = dict.fromkeys(RATINGS, 0)
    for value in finals:
        if value is not None:
            counts[rating_bucket(value)] += 1
    rated = sum(counts.values())
    target = {int(k): float(v) for k, v in target_distribution.items()}
    out = []
    for r in RATINGS:
        share = round(100.0 * counts[r] / rated, 2) if rated else None
        t = target.get(r, 0.0)
        out.append(DistributionRow(rating=r, count=counts[r], share=share, target=t,
                                   gap=round(share - t, 2) if share is not None else None))
    return out


def adjustments(db: Session, *, period_id: int, employee_ids: Iterable[int] | Any | None = None) -> list[Adjustment]:
    """Every calibration event of the period (for these employees), with the final rating just before it."""
    stmt = (select(RatingEvent, Employee.first_name, Employee.last_name)
            .join(Employee, Employee.id == RatingEvent.employee_id)
            .where(RatingEvent.period_id == period_id, RatingEvent.status == RatingStatus.APPROVED)
            .order_by(RatingEvent.employee_id, RatingEvent.kind, RatingEvent.created_at, RatingEvent.id))
    if employee_ids is not None:
        ids = employee_ids if isinstance(employee_ids, Select) else list(employee_ids)
        stmt = stmt.where(RatingEvent.employee_id.in_(ids))
    out = []
    before: dict[tuple[int, RatingKind], float] = {}
    for ev, first, last in db.execute(stmt):
        key = (ev.employee_id, ev.kind)
        if ev.source is RatingSource.CALIBRATION:
            out.append(Adjustment(event_id=ev.id, employee_id=ev.employee_id, employee_name=f"{first} {last}",
                                  kind=ev.kind, before=before.get(key), after=ev.value, reason=ev.reason,
                                  by_user_id=ev.rater_user_id, at=ev.created_at))
        before[key] = ev.value
    out.sort(key=lambda a: (a.at, a.event_id))
    return out


def calibrate(db: Session, *, principal: Principal, period_id: int, employee_id: int, value: float,
              reason: str | None, kind: RatingKind = RatingKind.PERFORMANCE,
              scale_max: int | None = None) -> Adjustment:
    """Append an approved calibration event; it becomes the final rating. ``scale_max`` defaults to the
    scale of the current final rating of that kind (5 when there is none)."""
    require_calibrator(principal, "calibrate ratings")
    period = ensure_writable(db, period_id)
    ensure_state(period, PeriodState.CALIBRATION, action="a calibration adjustment")
    emp = rated_person(db, principal, employee_id)
    refuse_self_judgement(principal, employee_id=employee_id, what="a calibration", field="employee_id")
    text = (reason or "").strip()
    if not text:
        raise Invalid("a calibration adjustment needs a reason: say why the rating changes", field="reason")
    current = final_rating(db, period_id=period_id, employee_id=employee_id, kind=kind)
    scale = scale_max or (current.scale_max if current is not None else 5)
    check_scale(kind, value, scale)
    ev = RatingEvent(period_id=period_id, employee_id=employee_id, kind=kind, source=RatingSource.CALIBRATION,
                     value=value, scale_max=scale, rater_employee_id=principal.employee_id,
                     rater_user_id=principal.user_id, reason=text, status=RatingStatus.APPROVED)
    db.add(ev)
    db.flush()
    announce(db, ev)
    return Adjustment(event_id=ev.id, employee_id=employee_id, employee_name=emp.full_name, kind=kind,
                      before=current.value if current is not None else None, after=value, reason=text,
                      by_user_id=principal.user_id, at=ev.created_at)


# --- a calibration session (the page) --------------------------------------------------------------
PAGE_SIZE = MAX_PAGE_SIZE  # a session of up to 500 people is one page
MAX_LISTED = 5000  # a filtered session of up to this many people is read by their ids (a longer list: a subquery)


def _text(v: Any) -> tuple[int, str]:
    return (1, "") if v is None else (0, str(v).casefold())


def _num(v: Any) -> tuple[int, float]:
    return (1, 0.0) if v is None else (0, float(v))


# A person of the session as the query gives it, before the page's rows are made of the shown ones only.
_ID, _NAME, _DEPT_ID, _DEPT, _TITLE, _GRADE, _LEVEL, _BOSS_ID, _BOSS, _SCORE, _MGR, _FINAL, _SOURCE = range(13)

SORTS: dict[str, Any] = {  # column key -> the sort key of a person (a tuple as above)
    "name": lambda r: _text(r[_NAME]),
    "department": lambda r: _text(r[_DEPT]),
    "position": lambda r: _text(r[_TITLE]),
    "level": lambda r: _num(r[_LEVEL]),
    "manager": lambda r: _text(r[_BOSS]),
    "score": lambda r: _num(r[_SCORE]),
    "manager_rating": lambda r: _num(r[_MGR]),
    "final": lambda r: _num(r[_FINAL]),
}
DEFAULT_SORT = "name"


def check_sort(sort: str) -> tuple[str, bool]:
    """``sort`` is a column key, ``-key`` for descending."""
    key, desc = (sort[1:], True) if sort.startswith("-") else (sort, False)
    if key not in SORTS:
        raise Invalid(f"sort: {sort!r} is not a column; sort by one of {', '.join(SORTS)} (-column: descending)",
                      field="sort")
    return key, desc


def _latest_of_source(period_id: int, kind: RatingKind, source: RatingSource, *, employee_ids: Any = None) -> Any:
    """Per employee, the latest event of one source and kind, submitted or approved (an approval copies it);
    ``employee_ids`` (a list or a select of ids) narrows it before ranking."""
    rn = func.row_number().over(partition_by=RatingEvent.employee_id,
                                order_by=(RatingEvent.created_at.desc(), RatingEvent.id.desc()))
    ranked = (select(RatingEvent.employee_id, RatingEvent.value, rn.label("rn"))
              .where(RatingEvent.period_id == period_id, RatingEvent.kind == kind, RatingEvent.source == source))
    if employee_ids is not None:
        ranked = ranked.where(RatingEvent.employee_id.in_(employee_ids))
    sub = ranked.subquery()
    return select(sub.c.employee_id, sub.c.value).where(sub.c.rn == 1).subquery(f"latest_{source.value}")


def session(db: Session, *, principal: Principal, period_id: int, filters: SessionFilters | None = None,
            sort: str = DEFAULT_SORT, page: int = 1) -> CalibrationSession:
    """The people in scope (filtered), sorted and paged, with the counts, the distribution of their final
    ratings and the log of their calibrations. Three queries whatever the size: the people, the log, the
    grade levels; and, filtered by department or level, who is in scope first (and the department's subtree)."""
    require_calibrator(principal, "open a calibration session")
    filters = filters or SessionFilters()
    key, desc = check_sort(sort)
    check_page(page, PAGE_SIZE)
    period = get_period(db, period_id)
    check_department(db, filters.department_id)
    if filters.manager_id is not None and db.get(Employee, filters.manager_id) is None:
        raise NotFound("Employee", filters.manager_id, field="manager")
    whole = filters.department_id is None and filters.level is None
    candidates = select(Employee.id).outerjoin(Position, Position.id == Employee.position_id)
    # the subtree's departments as a list: the planner then knows how few posts they hold (a recursive CTE it
    # guesses at hundreds of departments, and scans every employee)
    subtree = [] if filters.department_id is None else \
        list(db.scalars(department_subtree_ids(filters.department_id)))
    if filters.department_id is not None:
        candidates = candidates.where(Position.department_id.in_(subtree))
    if filters.level is not None:
        candidates = candidates.join(Grade, Grade.id == Position.grade_id).where(Grade.level == filters.level)
    # A filtered session: the people in scope found first (their final ratings only ranked), then every other
    # figure read for them alone, by their ids, instead of over the whole period and cut down by a subquery.
    narrowed: Any = None
    if not whole:
        fin_of = latest_approved(period_id, RatingKind.PERFORMANCE, employee_ids=candidates)
        found = list(db.scalars(candidates.outerjoin(fin_of, fin_of.c.employee_id == Employee.id)
                                .where(or_(Employee.status == EmployeeStatus.ACTIVE, fin_of.c.value.is_not(None)))))
        narrowed = found if len(found) <= MAX_LISTED else candidates
    fin = latest_approved(period_id, RatingKind.PERFORMANCE, employee_ids=narrowed)
    mgr_rating = _latest_of_source(period_id, RatingKind.PERFORMANCE, RatingSource.MANAGER, employee_ids=narrowed)
    boss = aliased(Employee)
    scope: Any = (select(Employee.id)
                  .outerjoin(Position, Position.id == Employee.position_id)
                  .outerjoin(fin, fin.c.employee_id == Employee.id)
                  .where(or_(Employee.status == EmployeeStatus.ACTIVE, fin.c.value.is_not(None))))
    if filters.department_id is not None:
        scope = scope.where(Position.department_id.in_(subtree))
    if filters.level is not None:
        scope = scope.join(Grade, Grade.id == Position.grade_id).where(Grade.level == filters.level)
    if isinstance(narrowed, list):
        scope = narrowed
    scores = units.scores(period, "employee", ids=None if whole else scope)
    stmt = (select(Employee.id, Employee.first_name, Employee.last_name, Department.id, Department.name,
                   Position.title, Grade.name, Grade.level, boss.id, boss.first_name, boss.last_name,
                   scores.c.score, mgr_rating.c.value, fin.c.value, fin.c.source)
            .outerjoin(Position, Position.id == Employee.position_id)
            .outerjoin(Department, Department.id == Position.department_id)
            .outerjoin(Grade, Grade.id == Position.grade_id)
            .outerjoin(boss, (boss.position_id == Position.reports_to_id) & (boss.status == EmployeeStatus.ACTIVE))
            .outerjoin(scores, scores.c.unit_id == Employee.id)
            .outerjoin(mgr_rating, mgr_rating.c.employee_id == Employee.id)
            .outerjoin(fin, fin.c.employee_id == Employee.id)
            .where(Employee.id.in_(scope)))
    everyone: list[tuple[Any, ...]] = [(e, f"{first} {last}", d, dn, t, gn, lv, b, None if b is None else f"{bf} {bl}",
                                        None if sc is None else round(float(sc), 1), mr, fv, fs)
                                       for e, first, last, d, dn, t, gn, lv, b, bf, bl, sc, mr, fv, fs in db.execute(stmt)]
    managers = sorted({(r[_BOSS_ID], r[_BOSS]) for r in everyone if r[_BOSS_ID] is not None},
                      key=lambda m: (str(m[1]).casefold(), m[0]))
    people = everyone if filters.manager_id is None else [r for r in everyone if r[_BOSS_ID] == filters.manager_id]
    people.sort(key=lambda r: (r[_NAME].casefold(), r[_ID]))  # ties: by name, stable below
    people.sort(key=SORTS[key], reverse=desc)
    if desc:  # missing values last either way
        people.sort(key=lambda r: SORTS[key](r)[0])
    # the log of the people in scope: the scope's own select (not a list of its ids) unless a manager narrows it
    log = session_log(db, period_id=period_id,
                      employee_ids=scope if filters.manager_id is None else [r[_ID] for r in people])
    counts = SessionCounts(
        in_scope=len(people), with_final=sum(r[_FINAL] is not None for r in people),
        without_final=sum(r[_FINAL] is None for r in people),
        without_manager_rating=sum(r[_MGR] is None for r in people),
        without_score=sum(r[_SCORE] is None for r in people), calibrated=len({e.employee_id for e in log}))
    levels: dict[int, list[str]] = {}
    for lv, name in db.execute(select(Grade.level, Grade.name).order_by(Grade.level, Grade.name)):
        levels.setdefault(lv, []).append(name)
    start = (page - 1) * PAGE_SIZE
    return CalibrationSession(
        period_id=period.id, state=period.state, open=period.state is PeriodState.CALIBRATION, filters=filters,
        sort=sort, page=page, page_size=PAGE_SIZE, total=len(people),
        rows=[_session_row(r) for r in people[start:start + PAGE_SIZE]], counts=counts,
        distribution=_distribution_rows(period.target_distribution, [r[_FINAL] for r in people]),
        log=log, levels=[Choice(id=lv, name=f"Level {lv} ({', '.join(names)})") for lv, names in levels.items()],
        managers=[Choice(id=i, name=str(n)) for i, n in managers])


def _session_row(r: tuple[Any, ...]) -> SessionRow:
    return SessionRow(employee_id=r[_ID], name=r[_NAME], department_id=r[_DEPT_ID], department=r[_DEPT],
                      position_title=r[_TITLE], grade=r[_GRADE], level=r[_LEVEL], manager_id=r[_BOSS_ID],
                      manager=r[_BOSS], score=r[_SCORE], manager_rating=r[_MGR], final_rating=r[_FINAL],
                      final_source=None if r[_SOURCE] is None else RatingSource(r[_SOURCE]))


def session_log(db: Session, *, period_id: int, employee_ids: list[int] | Select[Any]) -> list[LogEntry]:
    """The calibrations of these people's performance ratings, newest first: who (the calibrator's name, else
    their username), when, the final rating before and after, the reason. One query: every approved
    performance event of the people calibrated, in order, so "before" is the one just ahead. ``employee_ids``: a
    list, or a select of ids (the session's scope, not sent as a long list of parameters)."""
    if isinstance(employee_ids, list) and not employee_ids:
        return []
    rater = aliased(Employee)
    calibrated = select(RatingEvent.employee_id).where(
        RatingEvent.period_id == period_id, RatingEvent.source == RatingSource.CALIBRATION,
        RatingEvent.kind == RatingKind.PERFORMANCE, RatingEvent.employee_id.in_(employee_ids))
    stmt = (select(RatingEvent.id, RatingEvent.employee_id, RatingEvent.source, RatingEvent.value, RatingEvent.reason,
                   RatingEvent.created_at, Employee.first_name, Employee.last_name, User.username,
                   rater.first_name, rater.last_name)
            .join(Employee, Employee.id == RatingEvent.employee_id)
            .outerjoin(User, User.id == RatingEvent.rater_user_id)
            .outerjoin(rater, rater.id == User.employee_id)
            .where(RatingEvent.period_id == period_id, RatingEvent.kind == RatingKind.PERFORMANCE,
                   RatingEvent.status == RatingStatus.APPROVED, RatingEvent.employee_id.in_(calibrated))
            .order_by(RatingEvent.employee_id, RatingEvent.created_at, RatingEvent.id))
    out: list[LogEntry] = []
    before: dict[int, float] = {}
    for ev_id, emp, source, value, reason, at, first, last, username, rf, rl in db.execute(stmt):
        if RatingSource(source) is RatingSource.CALIBRATION:
            out.append(LogEntry(event_id=ev_id, at=at, by=f"{rf} {rl}" if rf is not None else username,
                                employee_id=emp, employee_name=f"{first} {last}", before=before.get(emp),
                                after=value, reason=reason))
        before[emp] = value
    out.sort(key=lambda e: (e.at, e.event_id), reverse=True)
    return out
