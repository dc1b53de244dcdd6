"""Exports: every kind as the rows its import accepts, in the same column order, so that exporting and
importing the file again changes nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from hcm.org.models import (
    Assignment,
    Department,
    Employee,
    EmployeeSkill,
    EmployeeStatus,
    Grade,
    JobFamily,
    MoveReason,
    Position,
    PositionSkill,
    Skill,
)

Rows = Iterable[Sequence[Any]]


def job_families(db: Session) -> Rows:
    return db.execute(select(JobFamily.code, JobFamily.name).order_by(JobFamily.code)).all()


def grades(db: Session) -> Rows:
    return db.execute(select(Grade.code, Grade.name, Grade.level, Grade.pay_min, Grade.pay_mid, Grade.pay_max)
                      .order_by(Grade.level, Grade.code)).all()


def departments(db: Session) -> Rows:
    parent = aliased(Department)
    return db.execute(select(Department.code, Department.name, parent.code)
                      .outerjoin(parent, parent.id == Department.parent_id).order_by(Department.code)).all()


def positions(db: Session) -> Rows:
    boss = aliased(Position)
    heads: dict[int | None, list[str]] = defaultdict(list)
    for code, pid in db.execute(select(Department.code, Department.head_position_id)
                                .where(Department.head_position_id.is_not(None)).order_by(Department.code)).all():
        heads[pid].append(code)
    rows = db.execute(
        select(Position.id, Position.code, Position.title, Department.code, Grade.code, JobFamily.code, boss.code,
               Position.is_key, Position.is_active)
        .join(Department, Department.id == Position.department_id)
        .outerjoin(Grade, Grade.id == Position.grade_id)
        .outerjoin(JobFamily, JobFamily.id == Position.job_family_id)
        .outerjoin(boss, boss.id == Position.reports_to_id)
        .order_by(Position.code)
    ).all()
    return [(*r[1:], ";".join(heads.get(r[0], ()))) for r in rows]


def skills(db: Session) -> Rows:
    return db.execute(select(Skill.code, Skill.name, Skill.category, Skill.taxonomy_uri, Skill.description)
                      .order_by(Skill.code)).all()


def requirements(db: Session) -> Rows:
    rows = db.execute(
        select(Position.code, Skill.code, PositionSkill.required_level, PositionSkill.importance)
        .join(Position, Position.id == PositionSkill.position_id).join(Skill, Skill.id == PositionSkill.skill_id)
        .order_by(Position.code, Skill.code)
    ).all()
    return [(p, s, lvl, imp.value) for p, s, lvl, imp in rows]


def employees(db: Session) -> Rows:
    exit_reason: dict[int, str] = {}
    for eid, reason in db.execute(
        select(Assignment.employee_id, Assignment.reason)
        .where(Assignment.reason.in_([MoveReason.EXIT_VOLUNTARY, MoveReason.EXIT_INVOLUNTARY]))
        .order_by(Assignment.start_date, Assignment.id)
    ).all():
        exit_reason[eid] = reason.value  # the latest exit wins
    rows = db.execute(
        select(Employee.id, Employee.external_id, Employee.first_name, Employee.last_name, Employee.email,
               Employee.hire_date, Position.code, Employee.salary, Employee.gender, Employee.birth_year, Employee.status,
               Employee.exit_date)
        .outerjoin(Position, Position.id == Employee.position_id)
        .order_by(Employee.external_id)
    ).all()
    return [
        (*r[1:8], r.gender.value if r.gender else None, r.birth_year, r.status.value, r.exit_date,
         exit_reason.get(r.id) if r.status is EmployeeStatus.EXITED else None)
        for r in rows
    ]


def assignments(db: Session) -> Rows:
    rows = db.execute(
        select(Employee.external_id, Position.code, Assignment.start_date, Assignment.end_date, Assignment.reason,
               Assignment.salary, Assignment.note)
        .join(Employee, Employee.id == Assignment.employee_id)
        .outerjoin(Position, Position.id == Assignment.position_id)
        .order_by(Employee.external_id, Assignment.start_date, Assignment.id)
    ).all()
    return [(e, p, s, end, reason.value, sal, note) for e, p, s, end, reason, sal, note in rows]


def proficiencies(db: Session) -> Rows:
    rows = db.execute(
        select(Employee.external_id, Skill.code, EmployeeSkill.level, EmployeeSkill.source, EmployeeSkill.assessed_on)
        .join(Employee, Employee.id == EmployeeSkill.employee_id).join(Skill, Skill.id == EmployeeSkill.skill_id)
        .order_by(Employee.external_id, Skill.code, EmployeeSkill.source)
    ).all()
    return [(e, s, lvl, src.value, on) for e, s, lvl, src, on in rows]


EXPORTERS: dict[str, Callable[[Session], Rows]] = {
    "job_families": job_families,
    "grades": grades,
    "departments": departments,
    "positions": positions,
    "skills": skills,
    "requirements": requirements,
    "employees": employees,
    "assignments": assignments,
    "proficiencies": proficiencies,
}
