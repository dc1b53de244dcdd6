"""Calibration: the distribution of final performance ratings next to the period's target, and HR's
adjustments (new APPROVED events with source CALIBRATION and a required reason; never edits).

- The population is the people of a department subtree (the department and all its descendants) and/or
  a grade level; with neither, the whole company. Active employees count, and so does anyone who left
  after receiving a final rating in the period.
- A final rating is rounded half up to 1..5 for counting; shares are percent of the rated population and
  the gap is share minus target, in percentage points.
- Adjustments: HR only, while the period is in calibration, never of oneself (the self-judgement rule); the
  report lists each one with the final rating before it and after it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from hcm.errors import Invalid, NotFound
from hcm.org.models import Department, Employee, EmployeeStatus, Grade, Position
from hcm.org.queries import department_subtree_ids
from hcm.policy import Principal
from performance.models import PeriodState, RatingEvent, RatingKind, RatingSource, RatingStatus
from performance.policy import refuse_self_judgement, require_calibrator
from performance.schemas_ratings import Adjustment, DistributionOut, DistributionRow
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
    counts = dict.fromkeys(RATINGS, 0)
    for _emp, value in rows:
        if value is not None:
            counts[rating_bucket(value)] += 1
    rated = sum(counts.values())
    target = {int(k): float(v) for k, v in period.target_distribution.items()}
    out_rows = []
    for r in RATINGS:
        share = round(100.0 * counts[r] / rated, 2) if rated else None
        t = target.get(r, 0.0)
        out_rows.append(DistributionRow(rating=r, count=counts[r], share=share, target=t,
                                        gap=round(share - t, 2) if share is not None else None))
    adjusted = adjustments(db, period_id=period_id, employee_ids=stmt.with_only_columns(Employee.id))
    return DistributionOut(period_id=period_id, department_id=department_id, level=level, population=len(rows),
                           rated=rated, unrated=len(rows) - rated, rows=out_rows, adjustments=adjusted)


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
