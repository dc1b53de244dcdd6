"""The outbox events of the org model: topic, business key and payload, built in one place for the API
services, the file import and the demo seed (the graph projection reads exactly these shapes)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Event = tuple[str, str, dict[str, Any]]


def department(code: str, *, name: str, parent: str | None) -> Event:
    return "department", code, {"name": name, "parent": parent}


def role_key(family: str | None, grade: str | None) -> str | None:
    """The talent graph's ``Role`` of a position: its job family x grade (None when either is missing)."""
    return f"{family}/{grade}" if family and grade else None


def position(code: str, *, title: str, department: str | None, reports_to: str | None, is_key: bool,
             active: bool, family: str | None, grade: str | None, grade_level: int | None) -> Event:
    role = role_key(family, grade)
    return "position", code, {"title": title, "department": department, "reports_to": reports_to,
                              "is_key": bool(is_key), "active": bool(active), "role": role,
                              "role_family": family if role else None, "role_grade": grade if role else None,
                              "role_level": int(grade_level) if role and grade_level is not None else None}


def job_family(code: str, *, name: str, related: list[str]) -> Event:
    return "job_family", code, {"name": name, "related": sorted(related)}


def grade(code: str, *, level: int) -> Event:
    return "grade", code, {"level": int(level)}


def career_history(employee: str) -> Event:
    """Someone's assignments changed: the graph derives its career steps again (no payload)."""
    return "career_history", employee, {}


def employee(external_id: str, *, name: str, status: str, position: str | None) -> Event:
    return "employee", external_id, {"name": name, "status": status, "position": position}


def skill(code: str, *, name: str, category: str | None) -> Event:
    return "skill", code, {"name": name, "category": category}


def employee_skill(employee: str, skill: str, *, level: int, source: str) -> Event:
    return "employee_skill", f"{employee}|{skill}", {"employee": employee, "skill": skill, "level": int(level),
                                                     "source": source}


def requirement(position: str, skill: str, *, level: int, importance: str) -> Event:
    return "requirement", f"{position}|{skill}", {"position": position, "skill": skill, "level": int(level),
                                                  "importance": importance}


def positions_from_db(db: Session, ids: Iterable[int]) -> Iterator[Event]:
    """The ``position`` events of these posts as the database has them now (service and import alike)."""
    from sqlalchemy import select
    from sqlalchemy.orm import aliased

    from hcm.org.models import Department, Grade, JobFamily, Position

    boss = aliased(Position)
    wanted = sorted(set(ids))
    for lo in range(0, len(wanted), 5000):
        rows = db.execute(
            select(Position.code, Position.title, Department.code, boss.code, Position.is_key, Position.is_active,
                   JobFamily.code, Grade.code, Grade.level)
            .join(Department, Department.id == Position.department_id)
            .outerjoin(boss, boss.id == Position.reports_to_id)
            .outerjoin(JobFamily, JobFamily.id == Position.job_family_id)
            .outerjoin(Grade, Grade.id == Position.grade_id)
            .where(Position.id.in_(wanted[lo:lo + 5000]))
            .order_by(Position.id)
        )
        for code, title, dept, reports_to, is_key, active, family, grade_code, level in rows:
            yield position(code, title=title, department=dept, reports_to=reports_to, is_key=is_key,
                           active=active, family=family, grade=grade_code, grade_level=level)
