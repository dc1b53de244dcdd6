"""The skills catalog, employee proficiencies and position requirements."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hcm import outbox
from hcm.db import get_or_404
from hcm.errors import Conflict, Forbidden, NotFound
from hcm.org import events
from hcm.org.models import (
    EmployeeSkill,
    Position,
    PositionSkill,
    Skill,
)
from hcm.org.schemas import (
    EmployeeSkillIn,
    EmployeeSkillOut,
    RequirementIn,
    RequirementOut,
    SkillIn,
    SkillPatch,
)
from hcm.org.service.common import _apply, _like, _unique
from hcm.paging import Page, paginate
from hcm.policy import (
    Principal,
    can_assess_skill,
    judges_self,
    visible_employee,
)


# --- skills ---------------------------------------------------------------------------------------
def list_skills(
    db: Session, *, q: str | None = None, category: str | None = None, page: int = 1, page_size: int = 100
) -> Page[Skill]:
    stmt = select(Skill).order_by(Skill.name)
    if q:
        stmt = stmt.where(or_(func.lower(Skill.name).like(_like(q)), func.lower(Skill.code).like(_like(q))))
    if category:
        stmt = stmt.where(Skill.category == category)
    rows, total = paginate(db, stmt, page=page, page_size=page_size)
    return Page(items=[r[0] for r in rows], total=total, page=page, page_size=page_size)


def create_skill(db: Session, *, data: SkillIn) -> Skill:
    _unique(db, Skill.code, data.code, "code")
    _unique(db, Skill.taxonomy_uri, data.taxonomy_uri, "taxonomy_uri")
    s = Skill(**data.model_dump())
    db.add(s)
    db.flush()
    outbox.emit(db, *events.skill(s.code, name=s.name, category=s.category))
    return s


def update_skill(db: Session, *, skill_id: int, data: SkillPatch) -> Skill:
    s = get_or_404(db, Skill, skill_id)
    if "taxonomy_uri" in data.model_fields_set:
        _unique(db, Skill.taxonomy_uri, data.taxonomy_uri, "taxonomy_uri", exclude_id=s.id)
    _apply(s, data)
    db.flush()
    outbox.emit(db, *events.skill(s.code, name=s.name, category=s.category))
    return s


def delete_skill(db: Session, *, skill_id: int) -> None:
    s = get_or_404(db, Skill, skill_id)
    in_use = db.execute(select(EmployeeSkill.id).where(EmployeeSkill.skill_id == s.id).limit(1)).first() or \
        db.execute(select(PositionSkill.id).where(PositionSkill.skill_id == s.id).limit(1)).first()
    if in_use:
        raise Conflict(f"skill {s.code!r} is used by employees or positions; it cannot be deleted")
    outbox.emit(db, "skill", s.code, op="delete")
    db.delete(s)
    db.flush()


def employee_skills(db: Session, *, principal: Principal, employee_id: int) -> list[EmployeeSkillOut]:
    visible_employee(db, principal, employee_id)
    rows = db.execute(
        select(EmployeeSkill, Skill.code, Skill.name)
        .join(Skill, Skill.id == EmployeeSkill.skill_id)
        .where(EmployeeSkill.employee_id == employee_id)
        .order_by(Skill.name, EmployeeSkill.source)
    ).all()
    return [EmployeeSkillOut(skill_id=es.skill_id, skill_code=code, skill_name=name, level=es.level,
                             source=es.source, assessed_on=es.assessed_on) for es, code, name in rows]


def assess_skill(
    db: Session, *, principal: Principal, employee_id: int, skill_id: int, data: EmployeeSkillIn
) -> EmployeeSkillOut:
    emp = visible_employee(db, principal, employee_id)
    if not can_assess_skill(db, principal, employee_id, data.source):
        raise Forbidden(f"the role {principal.role.value!r} may not record a {data.source.value!r} "
                        f"assessment for employee {employee_id}"
                        + (" (nobody assesses themselves but by self-assessment)" if judges_self(principal, employee_id)
                           else ""))
    skill = get_or_404(db, Skill, skill_id)
    es = db.scalars(select(EmployeeSkill).where(
        EmployeeSkill.employee_id == employee_id, EmployeeSkill.skill_id == skill_id,
        EmployeeSkill.source == data.source)).first()
    if es is not None and data.assessed_on < es.assessed_on:
        raise Conflict(f"a newer {data.source.value} assessment exists (from {es.assessed_on})", field="assessed_on")
    if es is None:
        es = EmployeeSkill(employee_id=employee_id, skill_id=skill_id, source=data.source,
                           level=data.level, assessed_on=data.assessed_on)
        db.add(es)
    else:
        es.level, es.assessed_on = data.level, data.assessed_on
    db.flush()
    outbox.emit(db, *events.employee_skill(emp.external_id, skill.code, level=es.level, source=es.source.value))
    return EmployeeSkillOut(skill_id=skill.id, skill_code=skill.code, skill_name=skill.name, level=es.level,
                            source=es.source, assessed_on=es.assessed_on)


def requirements(db: Session, *, position_id: int) -> list[RequirementOut]:
    get_or_404(db, Position, position_id)
    rows = db.execute(
        select(PositionSkill, Skill.code, Skill.name).join(Skill, Skill.id == PositionSkill.skill_id)
        .where(PositionSkill.position_id == position_id).order_by(Skill.name)
    ).all()
    return [RequirementOut(skill_id=r.skill_id, skill_code=c, skill_name=n, required_level=r.required_level,
                           importance=r.importance) for r, c, n in rows]


def set_requirement(db: Session, *, position_id: int, skill_id: int, data: RequirementIn) -> RequirementOut:
    pos = get_or_404(db, Position, position_id)
    skill = get_or_404(db, Skill, skill_id)
    req = db.scalars(select(PositionSkill).where(PositionSkill.position_id == position_id,
                                                 PositionSkill.skill_id == skill_id)).first()
    if req is None:
        req = PositionSkill(position_id=position_id, skill_id=skill_id)
        db.add(req)
    req.required_level, req.importance = data.required_level, data.importance
    db.flush()
    outbox.emit(db, *events.requirement(pos.code, skill.code, level=req.required_level,
                                        importance=req.importance.value))
    return RequirementOut(skill_id=skill.id, skill_code=skill.code, skill_name=skill.name,
                          required_level=req.required_level, importance=req.importance)


def remove_requirement(db: Session, *, position_id: int, skill_id: int) -> None:
    req = db.scalars(select(PositionSkill).where(PositionSkill.position_id == position_id,
                                                 PositionSkill.skill_id == skill_id)).first()
    if req is None:
        raise NotFound("PositionSkill", f"{position_id}/{skill_id}", field="position_id/skill_id")
    pos_code = db.scalar(select(Position.code).where(Position.id == position_id))
    skill_code = db.scalar(select(Skill.code).where(Skill.id == skill_id))
    outbox.emit(db, "requirement", f"{pos_code}|{skill_code}", op="delete")
    db.delete(req)
    db.flush()
