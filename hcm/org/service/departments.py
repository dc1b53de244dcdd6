"""Departments and the department tree."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hcm import outbox
from hcm.db import get_or_404
from hcm.errors import Conflict, Invalid
from hcm.org import events, rules
from hcm.org.models import (
    Department,
    Employee,
    Position,
)
from hcm.org.schemas import (
    DepartmentIn,
    DepartmentNode,
    DepartmentPatch,
)
from hcm.org.service.common import _apply, _like, _ref, _unique
from hcm.paging import Page, paginate


# --- departments ---------------------------------------------------------------------------------
def department_parents(db: Session) -> dict[int, int | None]:
    return dict(db.execute(select(Department.id, Department.parent_id)).all())


def list_departments(
    db: Session, *, q: str | None = None, parent_id: int | None = None, page: int = 1, page_size: int = 100
) -> Page[Department]:
    stmt = select(Department).order_by(Department.code)
    if q:
        stmt = stmt.where(or_(func.lower(Department.name).like(_like(q)), func.lower(Department.code).like(_like(q))))
    if parent_id is not None:
        stmt = stmt.where(Department.parent_id == parent_id)
    rows, total = paginate(db, stmt, page=page, page_size=page_size)
    return Page(items=[r[0] for r in rows], total=total, page=page, page_size=page_size)


def _emit_department(db: Session, d: Department) -> None:
    parent_code = db.scalar(select(Department.code).where(Department.id == d.parent_id)) if d.parent_id else None
    outbox.emit(db, *events.department(d.code, name=d.name, parent=parent_code))


def create_department(db: Session, *, data: DepartmentIn) -> Department:
    _unique(db, Department.code, data.code, "code")
    _ref(db, Department, data.parent_id, "parent_id")
    _ref(db, Position, data.head_position_id, "head_position_id")
    dept = Department(**data.model_dump())
    db.add(dept)
    db.flush()
    _emit_department(db, dept)
    return dept


def update_department(db: Session, *, department_id: int, data: DepartmentPatch) -> Department:
    dept = get_or_404(db, Department, department_id)
    fields = data.model_fields_set
    if "parent_id" in fields:
        _ref(db, Department, data.parent_id, "parent_id")
        if rules.would_create_cycle(department_parents(db), dept.id, data.parent_id):
            raise Invalid(
                f"parent_id={data.parent_id} would make department {dept.code!r} its own ancestor (a cycle)",
                field="parent_id",
            )
    if "head_position_id" in fields:
        _ref(db, Position, data.head_position_id, "head_position_id")
    _apply(dept, data)
    db.flush()
    _emit_department(db, dept)
    return dept


def delete_department(db: Session, *, department_id: int) -> None:
    dept = get_or_404(db, Department, department_id)
    if db.execute(select(Department.id).where(Department.parent_id == dept.id).limit(1)).first():
        raise Conflict(f"department {dept.code!r} still has sub-departments; move or delete them first")
    if db.execute(select(Position.id).where(Position.department_id == dept.id).limit(1)).first():
        raise Conflict(f"department {dept.code!r} still has positions; move or delete them first")
    outbox.emit(db, "department", dept.code, op="delete")
    db.delete(dept)
    db.flush()


def department_tree(db: Session) -> list[dict[str, Any]]:
    """The whole tree with headcount and positions per node (two queries, whatever the size)."""
    depts = db.execute(select(Department.id, Department.code, Department.name, Department.parent_id)).all()
    counts = dict(
        db.execute(
            select(Position.department_id, func.count(Employee.id))
            .join(Employee, Employee.position_id == Position.id)
            .group_by(Position.department_id)
        ).all()
    )
    npos = dict(
        db.execute(select(Position.department_id, func.count(Position.id)).group_by(Position.department_id)).all()
    )
    nodes = {
        d.id: {"id": d.id, "code": d.code, "name": d.name, "headcount": counts.get(d.id, 0),
               "positions": npos.get(d.id, 0), "children": []}
        for d in depts
    }
    roots: list[dict[str, Any]] = []
    for d in depts:
        (nodes[d.parent_id]["children"] if d.parent_id in nodes else roots).append(nodes[d.id])
    for n in nodes.values():
        n["children"].sort(key=lambda c: c["name"])
    return sorted(roots, key=lambda c: c["name"])


def department_nodes(db: Session) -> list[DepartmentNode]:
    """``department_tree``, typed: what the API answers. The org pages still take the plain dicts, because
    they annotate the nodes in place (each node's parent and its headcount rolled up)."""
    return [DepartmentNode.model_validate(n) for n in department_tree(db)]
