"""People pickers of the succession pages (the what-if's leavers, a pool's members), always within the caller's
people scope (``hcm.policy.employee_filter``): someone outside it is never offered, and an id named outside it
is reported like one that names nobody.

- ``search``: active people whose name or external id contains the text; without text, the holders of the key
  posts (the people a what-if is usually about), the highest grades first.
- ``named``: the people behind a list of ids, in the order given, and the ids that name nobody the caller sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hcm.org.models import Department, Employee, EmployeeStatus, Grade, Position
from hcm.policy import Principal, employee_filter

PICK_LIMIT = 30


@dataclass(frozen=True)
class Pick:
    id: int
    name: str
    external_id: str
    position: str | None  # the title of the post they hold
    position_code: str | None
    department: str | None
    active: bool
    key_post: bool  # they hold a key post


def _stmt(principal: Principal) -> Any:
    return (select(Employee.id, Employee.first_name, Employee.last_name, Employee.external_id, Employee.status,
                   Position.title, Position.code, Position.is_key, Department.name)
            .outerjoin(Position, Position.id == Employee.position_id)
            .outerjoin(Department, Department.id == Position.department_id)
            .outerjoin(Grade, Grade.id == Position.grade_id)
            .where(employee_filter(principal)))


def _pick(row: Any) -> Pick:
    i, first, last, ext, status, title, code, is_key, dept = row
    return Pick(i, f"{first} {last}", ext, title, code, dept, status == EmployeeStatus.ACTIVE, bool(is_key))


def like_pattern(text: str) -> str:
    """A LIKE pattern that finds ``text`` anywhere (its own % and _ taken as plain characters by dropping them)."""
    return f"%{text.strip().lower().replace('%', '').replace('_', '')}%"


def search(db: Session, *, principal: Principal, q: str = "", exclude: Iterable[int] = (),
           limit: int = PICK_LIMIT) -> list[Pick]:
    """Active people in the caller's scope: names or external ids containing ``q``, by name; without ``q``, the
    holders of the active key posts, the highest grades first. ``exclude``: ids left out (those already chosen)."""
    stmt = _stmt(principal).where(Employee.status == EmployeeStatus.ACTIVE).limit(limit)
    left_out = sorted(set(exclude))
    if left_out:
        stmt = stmt.where(Employee.id.not_in(left_out))
    if q.strip():
        like = like_pattern(q)
        full = func.lower(Employee.first_name + " " + Employee.last_name)
        stmt = stmt.where(or_(full.like(like), func.lower(Employee.external_id).like(like))).order_by(
            Employee.last_name, Employee.first_name, Employee.id)
    else:
        stmt = stmt.where(Position.is_key.is_(True), Position.is_active.is_(True)).order_by(
            Grade.level.desc().nulls_last(), Position.code, Employee.id)
    return [_pick(r) for r in db.execute(stmt)]


def named(db: Session, *, principal: Principal, ids: Sequence[int]) -> tuple[list[Pick], list[int]]:
    """(the people these ids name within the caller's scope, in the order given; the ids that name nobody there)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return [], []
    found = {p.id: p for p in (_pick(r) for r in db.execute(_stmt(principal).where(Employee.id.in_(wanted))))}
    return [found[i] for i in wanted if i in found], [i for i in wanted if i not in found]
