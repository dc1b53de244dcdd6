"""Positions (posts): reporting lines, holders, requirements of the catalog."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from hcm import outbox
from hcm.db import get_or_404
from hcm.errors import Conflict, Invalid, NotFound
from hcm.org import events, rules
from hcm.org.models import (
    Assignment,
    Department,
    Employee,
    Grade,
    JobFamily,
    Position,
)
from hcm.org.schemas import (
    PositionIn,
    PositionOut,
    PositionPatch,
)
from hcm.org.service.common import _apply, _like, _ref, _unique
from hcm.paging import Page, paginate
from hcm.policy import (
    Principal,
    can_see_employee,
)


# --- positions -----------------------------------------------------------------------------------
def position_parents(db: Session) -> dict[int, int | None]:
    return dict(db.execute(select(Position.id, Position.reports_to_id)).all())


def _position_rows(principal: Principal | None) -> Any:
    holder = aliased(Employee)
    return (
        select(Position, holder.id, holder.first_name, holder.last_name)
        .outerjoin(holder, holder.position_id == Position.id)
    )


def _position_out(db: Session, principal: Principal | None, row: Any) -> PositionOut:
    pos, hid, first, last = row
    out = PositionOut.model_validate(pos)
    out.vacant = hid is None
    if hid is not None and (principal is None or can_see_employee(db, principal, hid)):
        out.holder_id, out.holder_name = hid, f"{first} {last}"
    return out


def list_positions(
    db: Session,
    *,
    principal: Principal | None,
    q: str | None = None,
    department_id: int | None = None,
    grade_id: int | None = None,
    job_family_id: int | None = None,
    reports_to_id: int | None = None,
    is_key: bool | None = None,
    vacant: bool | None = None,
    page: int = 1,
    page_size: int = 100,
) -> Page[PositionOut]:
    stmt = _position_rows(principal).order_by(Position.code)
    if q:
        stmt = stmt.where(or_(func.lower(Position.title).like(_like(q)), func.lower(Position.code).like(_like(q))))
    for col, val in ((Position.department_id, department_id), (Position.grade_id, grade_id),
                     (Position.job_family_id, job_family_id), (Position.reports_to_id, reports_to_id),
                     (Position.is_key, is_key)):
        if val is not None:
            stmt = stmt.where(col == val)
    if vacant is not None:
        held = select(Employee.position_id).where(Employee.position_id.is_not(None))
        stmt = stmt.where(Position.id.not_in(held) if vacant else Position.id.in_(held))
    rows, total = paginate(db, stmt, page=page, page_size=page_size)
    return Page(items=[_position_out(db, principal, r) for r in rows], total=total, page=page, page_size=page_size)


def get_position(db: Session, *, principal: Principal | None, position_id: int) -> PositionOut:
    row = db.execute(_position_rows(principal).where(Position.id == position_id)).first()
    if row is None:
        raise NotFound("Position", position_id)
    return _position_out(db, principal, row)


def _emit_position(db: Session, p: Position, *, role_before: tuple[int | None, int | None] | None = None) -> None:
    for event in events.positions_from_db(db, [p.id]):
        outbox.emit(db, *event)
    if role_before is not None and role_before != (p.job_family_id, p.grade_id):
        # the careers through this post now count as steps of its new role
        outbox.emit(db, *events.career_history(f"position:{p.code}"))


def create_position(db: Session, *, data: PositionIn) -> Position:
    _unique(db, Position.code, data.code, "code")
    _ref(db, Department, data.department_id, "department_id")
    _ref(db, Grade, data.grade_id, "grade_id")
    _ref(db, JobFamily, data.job_family_id, "job_family_id")
    _ref(db, Position, data.reports_to_id, "reports_to_id")
    pos = Position(**data.model_dump())
    db.add(pos)
    db.flush()
    _emit_position(db, pos)
    return pos


def update_position(db: Session, *, position_id: int, data: PositionPatch) -> Position:
    pos = get_or_404(db, Position, position_id)
    fields = data.model_fields_set
    for field, model in (("department_id", Department), ("grade_id", Grade), ("job_family_id", JobFamily)):
        if field in fields:
            if field == "department_id" and data.department_id is None:
                raise Invalid("department_id cannot be empty", field="department_id")
            _ref(db, model, getattr(data, field), field)
    if "reports_to_id" in fields:
        _ref(db, Position, data.reports_to_id, "reports_to_id")
        if rules.would_create_cycle(position_parents(db), pos.id, data.reports_to_id):
            raise Invalid(
                f"reports_to_id={data.reports_to_id} would make position {pos.code!r} report to itself (a cycle)",
                field="reports_to_id",
            )
    role_before = (pos.job_family_id, pos.grade_id)
    _apply(pos, data)
    db.flush()
    _emit_position(db, pos, role_before=role_before)
    return pos


def delete_position(db: Session, *, position_id: int) -> None:
    pos = get_or_404(db, Position, position_id)
    if db.execute(select(Employee.id).where(Employee.position_id == pos.id)).first():
        raise Conflict(f"position {pos.code!r} is held by an employee; move them first")
    if db.execute(select(Position.id).where(Position.reports_to_id == pos.id).limit(1)).first():
        raise Conflict(f"position {pos.code!r} has positions reporting to it; re-point them first")
    if db.execute(select(Assignment.id).where(Assignment.position_id == pos.id).limit(1)).first():
        raise Conflict(f"position {pos.code!r} appears in assignment history; deactivate it instead (is_active=false)")
    outbox.emit(db, "position", pos.code, op="delete")
    db.delete(pos)
    db.flush()
