"""What the performance pages offer to choose from, and the check of a choice: the scope rule applied to
pickers. A person is offered only the departments and managers they may see, and a choice outside them is
answered exactly like one that names nothing (404, "department 17 is outside what you may see (or does not
exist)"), never with a page of zeros as if the data were empty.

Departments a viewer may see
- HR and executives: every department (executives read the org's aggregates).
- A manager: the departments where their own post or a post of their reporting subtree sits.
- An employee: the department of their own post (none without a post).

Managers a viewer may see: people holding a post that posts report to, active, within the viewer's people
scope (``hcm.policy.employee_filter``): HR everyone, an executive the key-post holders, a manager
themselves and the managers of their subtree, an employee nobody (whoever reports to them is outside their
people scope, so their line would show nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, false, literal, select
from sqlalchemy.orm import Session

from hcm.errors import NotFound
from hcm.org.models import Department, Employee, EmployeeStatus, Position
from hcm.policy import Principal, employee_filter, is_executive, is_hr, is_manager, subtree_position_ids


class NotYours(NotFound):
    """A choice outside the viewer's scope, or naming nothing: the same 404 for both."""

    def __init__(self, what: str, key: object, *, field: str) -> None:
        super().__init__(what, key, field=field)
        self.message = f"{what} {key} is outside what you may see (or does not exist)"


@dataclass(frozen=True)
class DepartmentChoice:
    id: int
    name: str
    depth: int  # among the offered departments: 0 for a top one, 1 for a department under it, ...
    parent_id: int | None  # the nearest offered department above it

    @property
    def label(self) -> str:
        """The name indented by its depth (non-breaking spaces: an <option> keeps them)."""
        return "\u00a0\u00a0\u00a0" * self.depth + self.name


@dataclass(frozen=True)
class ManagerPick:
    employee_id: int
    name: str
    position_title: str


def visible_department_ids(db: Session, principal: Principal) -> set[int] | None:
    """The ids of the departments the viewer may see; None: all of them (HR, executives)."""
    if is_hr(principal) or is_executive(principal):
        return None
    if principal.position_id is None:
        return set()
    own = select(Position.department_id).where(Position.id == principal.position_id)
    if not is_manager(principal):
        return set(db.scalars(own))
    below = select(Position.department_id).where(Position.id.in_(subtree_position_ids(principal.position_id)))
    return set(db.scalars(own.union(below)))


def departments(db: Session, *, principal: Principal) -> list[DepartmentChoice]:
    """The departments the viewer may see, as a tree: each after its nearest offered parent, by name."""
    rows = db.execute(select(Department.id, Department.name, Department.parent_id)).all()
    visible = visible_department_ids(db, principal)
    parent_of = {i: p for i, _, p in rows}
    name_of = {i: n for i, n, _ in rows}
    shown = set(name_of) if visible is None else visible & set(name_of)

    def shown_parent(i: int) -> int | None:
        p, seen = parent_of.get(i), {i}
        while p is not None and p not in shown and p not in seen:
            seen.add(p)
            p = parent_of.get(p)
        return p if p in shown else None

    children: dict[int | None, list[int]] = {}
    for i in shown:
        children.setdefault(shown_parent(i), []).append(i)
    out: list[DepartmentChoice] = []

    def walk(parent: int | None, depth: int) -> None:
        for i in sorted(children.get(parent, []), key=lambda d: (name_of[d].lower(), d)):
            out.append(DepartmentChoice(id=i, name=name_of[i], depth=depth, parent_id=parent))
            walk(i, depth + 1)

    walk(None, 0)
    return out


def check_department(db: Session, *, principal: Principal, department_id: int,
                     field: str = "department") -> int:
    """``department_id`` if the viewer may see that department; otherwise (out of scope or nonexistent) a
    404 saying so."""
    visible = visible_department_ids(db, principal)
    exists = db.scalar(select(Department.id).where(Department.id == department_id)) is not None
    if not exists or (visible is not None and department_id not in visible):
        raise NotYours("department", department_id, field=field)
    return department_id


def _managers_query(principal: Principal) -> Select[int, str, str]:
    bosses = select(Position.reports_to_id).where(Position.reports_to_id.is_not(None))
    return (select(Employee.id, Employee.first_name + literal(" ") + Employee.last_name, Position.title)
            .join(Position, Position.id == Employee.position_id)
            .where(Employee.position_id.in_(bosses), Employee.status == EmployeeStatus.ACTIVE,
                   employee_filter(principal) if _picks_managers(principal) else false()))


def _picks_managers(principal: Principal) -> bool:
    return is_hr(principal) or is_executive(principal) or is_manager(principal)


def managers(db: Session, *, principal: Principal) -> list[ManagerPick]:
    """The managers the viewer may see (module docstring), by name."""
    rows = db.execute(_managers_query(principal).order_by(Employee.last_name, Employee.first_name, Employee.id))
    return [ManagerPick(employee_id=i, name=n, position_title=t) for i, n, t in rows]


def check_manager(db: Session, *, principal: Principal, employee_id: int, field: str = "manager",
                  managing_only: bool = True) -> int:
    """``employee_id`` if the viewer may see that person as a manager; otherwise a 404 saying so, the same
    for someone out of scope and for an id that names nobody. ``managing_only=False`` also takes a visible
    person with nobody reporting to them (the team view then says so)."""
    if managing_only:
        found = db.scalar(_managers_query(principal).where(Employee.id == employee_id).with_only_columns(Employee.id))
    else:
        found = db.scalar(select(Employee.id).where(Employee.id == employee_id, employee_filter(principal)))
    if found is None:
        raise NotYours("manager", employee_id, field=field)
    return employee_id
