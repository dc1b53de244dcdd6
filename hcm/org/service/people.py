"""Employees, career moves and assignment history, with the people scope applied."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from hcm import outbox
from hcm.db import get_or_404
from hcm.errors import Conflict, Invalid, NotFound
from hcm.org import events
from hcm.org.models import (
    Assignment,
    Employee,
    EmployeeStatus,
    MoveReason,
    Position,
)
from hcm.org.schemas import (
    AssignmentOut,
    EmployeeIn,
    EmployeeOut,
    EmployeePatch,
    MoveIn,
)
from hcm.org.service.common import _apply, _like, _unique
from hcm.paging import Page, paginate
from hcm.policy import (
    Principal,
    can_see_pay,
    can_see_protected,
    employee_filter,
    visible_employee,
)


# --- employees -----------------------------------------------------------------------------------
def _employee_rows() -> Any:
    boss = aliased(Employee)
    return (
        select(Employee, Position.title, Position.department_id, boss.id)
        .outerjoin(Position, Position.id == Employee.position_id)
        .outerjoin(boss, boss.position_id == Position.reports_to_id)
    )


def _employee_out(principal: Principal, row: Any) -> EmployeeOut:
    emp, title, dept_id, manager_id = row
    out = EmployeeOut(
        id=emp.id, external_id=emp.external_id, first_name=emp.first_name, last_name=emp.last_name,
        email=emp.email, hire_date=emp.hire_date, status=emp.status, exit_date=emp.exit_date,
        position_id=emp.position_id, position_title=title, department_id=dept_id, manager_id=manager_id,
    )
    if can_see_pay(principal, emp.id):
        out.salary = emp.salary
    if can_see_protected(principal):
        out.gender, out.birth_year = emp.gender, emp.birth_year
    return out


def list_employees(
    db: Session,
    *,
    principal: Principal,
    q: str | None = None,
    department_id: int | None = None,
    position_id: int | None = None,
    manager_id: int | None = None,
    status: EmployeeStatus | None = None,
    page: int = 1,
    page_size: int = 100,
) -> Page[EmployeeOut]:
    stmt = _employee_rows().where(employee_filter(principal)).order_by(Employee.last_name, Employee.first_name, Employee.id)
    if q:
        full = func.lower(Employee.first_name + " " + Employee.last_name)
        stmt = stmt.where(or_(full.like(_like(q)), func.lower(Employee.external_id).like(_like(q))))
    if department_id is not None:
        stmt = stmt.where(Position.department_id == department_id)
    if position_id is not None:
        stmt = stmt.where(Employee.position_id == position_id)
    if status is not None:
        stmt = stmt.where(Employee.status == status)
    if manager_id is not None:
        visible_employee(db, principal, manager_id, field="manager_id")
        mgr_pos = select(Employee.position_id).where(Employee.id == manager_id).scalar_subquery()
        stmt = stmt.where(Position.reports_to_id == mgr_pos)
    rows, total = paginate(db, stmt, page=page, page_size=page_size)
    return Page(items=[_employee_out(principal, r) for r in rows], total=total, page=page, page_size=page_size)


def get_employee(db: Session, *, principal: Principal, employee_id: int) -> EmployeeOut:
    visible_employee(db, principal, employee_id)
    row = db.execute(_employee_rows().where(Employee.id == employee_id)).first()
    if row is None:
        raise NotFound("Employee", employee_id)
    return _employee_out(principal, row)


def _emit_employee(db: Session, e: Employee) -> None:
    pos = db.scalar(select(Position.code).where(Position.id == e.position_id)) if e.position_id else None
    outbox.emit(db, *events.employee(e.external_id, name=e.full_name, status=e.status.value, position=pos))


def _check_position_free(db: Session, position_id: int, *, field: str = "position_id") -> Position:
    pos = db.get(Position, position_id)
    if pos is None:
        raise Invalid(f"{field}={position_id} does not point at an existing Position", field=field)
    if not pos.is_active:
        raise Invalid(f"position {pos.code!r} is inactive", field=field)
    holder = db.scalar(select(Employee.external_id).where(Employee.position_id == position_id))
    if holder is not None:
        raise Conflict(f"position {pos.code!r} is already held by employee {holder!r}", field=field)
    return pos


def hire(db: Session, *, data: EmployeeIn) -> Employee:
    _unique(db, Employee.external_id, data.external_id, "external_id")
    _unique(db, Employee.email, data.email, "email")
    if data.position_id is not None:
        _check_position_free(db, data.position_id)
    emp = Employee(**data.model_dump(), status=EmployeeStatus.ACTIVE)
    db.add(emp)
    db.flush()
    if data.position_id is not None:
        db.add(Assignment(employee_id=emp.id, position_id=data.position_id, start_date=data.hire_date,
                          reason=MoveReason.HIRE, salary=data.salary))
    db.flush()
    _emit_employee(db, emp)
    if data.position_id is not None:
        outbox.emit(db, *events.career_history(emp.external_id))
    return emp


def update_employee(db: Session, *, employee_id: int, data: EmployeePatch) -> Employee:
    emp = get_or_404(db, Employee, employee_id)
    if "email" in data.model_fields_set:
        _unique(db, Employee.email, data.email, "email", exclude_id=emp.id)
    _apply(emp, data)
    db.flush()
    _emit_employee(db, emp)
    return emp


def move(db: Session, *, employee_id: int, data: MoveIn) -> Assignment:
    """Record a career move: close the open assignment and open the next (or record the exit)."""
    emp = get_or_404(db, Employee, employee_id)
    if emp.status is EmployeeStatus.EXITED:
        raise Conflict(f"employee {emp.external_id!r} has left (on {emp.exit_date}); rehire them first")
    current = db.scalars(
        select(Assignment).where(Assignment.employee_id == emp.id, Assignment.end_date.is_(None))
    ).first()
    if data.effective_date < emp.hire_date:
        raise Invalid(f"effective_date {data.effective_date} is before the hire date {emp.hire_date}",
                      field="effective_date")
    if current is not None and data.effective_date <= current.start_date:
        raise Invalid(f"effective_date must be after the start of the current assignment ({current.start_date})",
                      field="effective_date")
    if data.position_id is not None:
        if data.position_id == emp.position_id:
            raise Invalid("the employee already holds this position", field="position_id")
        _check_position_free(db, data.position_id)
    if current is not None:
        current.end_date = data.effective_date - timedelta(days=1) if not data.reason.is_exit else data.effective_date
    salary = data.salary if data.salary is not None else emp.salary
    step = Assignment(employee_id=emp.id, position_id=data.position_id, start_date=data.effective_date,
                      end_date=data.effective_date if data.reason.is_exit else None,
                      reason=data.reason, salary=salary, note=data.note)
    db.add(step)
    emp.position_id = data.position_id
    emp.salary = salary
    if data.reason.is_exit:
        emp.status, emp.exit_date = EmployeeStatus.EXITED, data.effective_date
    db.flush()
    _emit_employee(db, emp)
    outbox.emit(db, *events.career_history(emp.external_id))
    return step


def list_assignments(
    db: Session,
    *,
    principal: Principal,
    employee_id: int | None = None,
    reason: MoveReason | None = None,
    since: date | None = None,
    until: date | None = None,
    page: int = 1,
    page_size: int = 100,
) -> Page[AssignmentOut]:
    stmt = (
        select(Assignment, Position.title)
        .join(Employee, Employee.id == Assignment.employee_id)
        .outerjoin(Position, Position.id == Assignment.position_id)
        .where(employee_filter(principal))
        .order_by(Assignment.employee_id, Assignment.start_date, Assignment.id)
    )
    if employee_id is not None:
        visible_employee(db, principal, employee_id, field="employee_id")
        stmt = stmt.where(Assignment.employee_id == employee_id)
    if reason is not None:
        stmt = stmt.where(Assignment.reason == reason)
    if since is not None:
        stmt = stmt.where(Assignment.start_date >= since)
    if until is not None:
        stmt = stmt.where(Assignment.start_date <= until)
    rows, total = paginate(db, stmt, page=page, page_size=page_size)
    items = []
    for a, title in rows:
        out = AssignmentOut.model_validate(a)
        out.position_title = title
        if not can_see_pay(principal, a.employee_id):
            out.salary = None
        items.append(out)
    return Page(items=items, total=total, page=page, page_size=page_size)
