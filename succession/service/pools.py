"""Talent pools (the talent reserve): named pools with entry criteria, members with the reason they entered,
the people who meet the criteria but are not in the pool yet, and the members who no longer meet them
(docs/succession.md "Talent pools").

Criteria (``PoolCriteria``; every one given must be met, by active people only):
- ``performance``: over the last ``periods`` closed periods of ``kind`` (fewer if fewer have closed), the mean
  of the person's final performance ratings (``performance.service.ratings.latest_approved``) is at least
  ``min_rating`` and/or the mean of their final scores (``performance.service.units.scores``, frozen when the
  period closed) at least ``min_score``; at least one of those periods must have rated (scored) them. With
  ``each``, every one of the periods must have, and each must meet the bar on its own.
- ``potential``: the final potential rating of the latest closed period of ``kind``, banded like the 9-box
  (``performance.service.ninebox.potential_band``), is ``min_band`` or above.
- ``skills``: the effective proficiency (``register.effective_levels``) in each skill is ``min_level`` or above.
- ``grade_levels``: the grade level of the person's post is within ``min_level``..``max_level``.
- ``department_id``: the person's post is in the department or one below it.

A pool without criteria is HR's picks alone: nobody is eligible by rule and no member is flagged. Members are
added and removed by HR with a reason (a removal closes the row); every change is audited. HR and executives
see pools and their members (the module's policy); only HR changes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hcm.db import get_or_404, utcnow
from hcm.errors import Conflict, Invalid, NotFound
from hcm.org.models import Department, Employee, EmployeeStatus, Grade, Position, Skill
from hcm.org.queries import department_subtree_ids
from hcm.paging import Page, paginate
from hcm.policy import Principal, visible_employee
from performance.models import Period, PeriodKind, PeriodState, RatingKind
from performance.service import units
from performance.service.ninebox import potential_band
from performance.service.ratings import latest_approved
from succession import audit
from succession.models import PoolMember, TalentPool
from succession.schemas_register import (
    CriteriaCheck,
    EligibleOut,
    MemberIn,
    MemberOut,
    PoolCriteria,
    PoolDetail,
    PoolIn,
    PoolOut,
    PoolPatch,
)
from succession.service.register import effective_levels

# The lowest final potential rating of each band, per scale: what ``ninebox.potential_band`` answers (a test
# holds the two together). 1..3: rounded half up; 1..5: 1-2 low, 3 medium, 4-5 high (half up).
POTENTIAL_FROM: dict[str, dict[int, float]] = {"medium": {3: 1.5, 5: 2.5}, "high": {3: 2.5, 5: 3.5}}


# --- criteria ---------------------------------------------------------------------------------------
def parse_criteria(raw: dict[str, Any] | None) -> PoolCriteria:
    """The stored criteria (written validated); a row that no longer parses is HR's to fix, not a 500."""
    try:
        return PoolCriteria.model_validate(raw or {})
    except ValidationError as exc:
        raise Conflict(f"the pool's stored criteria no longer parse: {exc.errors()[0]['msg']}",
                       field="criteria") from None


def check_criteria(db: Session, criteria: PoolCriteria) -> None:
    """What the shape cannot say: a performance bar, an ordered grade range, skills and department that exist."""
    perf = criteria.performance
    if perf is not None and perf.min_rating is None and perf.min_score is None:
        raise Invalid("a performance criterion needs min_rating or min_score", field="criteria.performance.min_rating")
    grades = criteria.grade_levels
    if grades is not None:
        if grades.min_level is None and grades.max_level is None:
            raise Invalid("a grade range needs min_level or max_level", field="criteria.grade_levels")
        if grades.min_level is not None and grades.max_level is not None and grades.min_level > grades.max_level:
            raise Invalid(f"grade min_level {grades.min_level} is above max_level {grades.max_level}",
                          field="criteria.grade_levels.min_level")
    seen: set[int] = set()
    wanted = [s.skill_id for s in criteria.skills]
    known = set(db.scalars(select(Skill.id).where(Skill.id.in_(wanted)))) if wanted else set()
    for i, s in enumerate(criteria.skills):
        if s.skill_id in seen:
            raise Invalid(f"skill_id={s.skill_id} is listed twice", field=f"criteria.skills[{i}].skill_id")
        seen.add(s.skill_id)
        if s.skill_id not in known:
            raise Invalid(f"skill_id={s.skill_id} does not point at an existing Skill",
                          field=f"criteria.skills[{i}].skill_id")
    if criteria.department_id is not None and db.get(Department, criteria.department_id) is None:
        raise Invalid(f"department_id={criteria.department_id} does not point at an existing Department",
                      field="criteria.department_id")


def has_criteria(c: PoolCriteria) -> bool:
    return any((c.performance, c.potential, c.skills, c.grade_levels, c.department_id is not None))


def closed_periods(db: Session, kind: PeriodKind, n: int) -> list[Period]:
    """The last ``n`` closed periods of a kind, newest first (by end date)."""
    return list(db.scalars(select(Period).where(Period.state == PeriodState.CLOSED, Period.kind == kind)
                           .order_by(Period.end_date.desc(), Period.id.desc()).limit(n)))


@dataclass
class Evaluation:
    """A pool's criteria as SQL over ``Employee`` (outer-joined measures and one pass column per criterion)."""

    stmt: Any  # select(Employee.id, names, post, department, grade level, measures..., passes...)
    passes: list[tuple[str, ColumnElement[Any]]]  # (criterion field, 1 when met)
    all_pass: ColumnElement[bool]
    skill_codes: list[str] = field(default_factory=list)
    periods_used: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)


def _ok(cond: ColumnElement[bool]) -> ColumnElement[Any]:
    return case((cond, 1), else_=0)


def evaluate(db: Session, criteria: PoolCriteria) -> Evaluation:
    """Everyone (the caller narrows: active people, members, non-members) with the measures behind each
    criterion and whether they meet it, in one statement whatever the company's size."""
    cols: list[Any] = [Employee.id.label("employee_id"), Employee.first_name.label("first_name"),
                       Employee.last_name.label("last_name"), Employee.status.label("status"),
                       Position.id.label("position_id"), Position.title.label("position_title"),
                       Department.name.label("department_name"), Grade.level.label("grade_level")]
    stmt_joins: list[tuple[Any, Any]] = []
    passes: list[tuple[str, ColumnElement[Any]]] = []
    measures: list[str] = []
    periods_used: list[str] = []
    perf = criteria.performance
    if perf is not None:
        periods = closed_periods(db, perf.kind, perf.periods)
        periods_used = [p.code for p in periods]
        need = len(periods) if perf.each else 1
        conds: list[ColumnElement[bool]] = []
        for label, bar, parts in (
            ("rating", perf.min_rating,
             [select(f.c.employee_id.label("employee_id"), f.c.value.label("v"))
              for f in (latest_approved(p.id, RatingKind.PERFORMANCE) for p in periods)]),
            ("score", perf.min_score,
             [select(s.c.unit_id.label("employee_id"), s.c.score.label("v")).where(s.c.score.is_not(None))
              for s in (units.scores(p, "employee") for p in periods)]),
        ):
            if bar is None:
                continue
            if not parts:  # no closed period of that kind: nobody can meet it
                cols.extend([literal(None).label(f"{label}_avg"), literal(0).label(f"{label}_n")])
                measures.extend([f"{label}_avg", f"{label}_n"])
                conds.append(literal(False))
                continue
            u = union_all(*parts).subquery(f"{label}_all")
            agg = (select(u.c.employee_id, func.avg(u.c.v).label("avg"), func.min(u.c.v).label("low"),
                          func.count().label("n")).group_by(u.c.employee_id).subquery(f"{label}_agg"))
            stmt_joins.append((agg, agg.c.employee_id == Employee.id))
            cols.extend([agg.c.avg.label(f"{label}_avg"), func.coalesce(agg.c.n, 0).label(f"{label}_n")])
            measures.extend([f"{label}_avg", f"{label}_n"])
            bar_on = agg.c.low if perf.each else agg.c.avg
            conds.append(and_(agg.c.n >= need, bar_on >= bar))
        passes.append(("performance", _ok(and_(*conds))))
    if criteria.potential is not None:
        latest = closed_periods(db, criteria.potential.kind, 1)
        if latest:
            pot = latest_approved(latest[0].id, RatingKind.POTENTIAL)
            stmt_joins.append((pot, pot.c.employee_id == Employee.id))
            cols.extend([pot.c.value.label("pot_value"), pot.c.scale_max.label("pot_scale")])
            t = POTENTIAL_FROM[criteria.potential.min_band]
            passes.append(("potential", _ok(or_(and_(pot.c.scale_max == 3, pot.c.value >= t[3]),
                                                and_(pot.c.scale_max != 3, pot.c.value >= t[5])))))
        else:
            cols.extend([literal(None).label("pot_value"), literal(None).label("pot_scale")])
            passes.append(("potential", _ok(literal(False))))
        measures.extend(["pot_value", "pot_scale"])
    codes = dict(db.execute(select(Skill.id, Skill.code).where(Skill.id.in_([s.skill_id for s in criteria.skills]))
                            ).all()) if criteria.skills else {}
    skill_codes = []
    for i, s in enumerate(criteria.skills):
        eff = effective_levels(skill_ids=[s.skill_id], active_only=False).subquery(f"skill{i}")
        stmt_joins.append((eff, eff.c.employee_id == Employee.id))
        cols.append(eff.c.level.label(f"skill{i}"))
        skill_codes.append(codes.get(s.skill_id, str(s.skill_id)))
        passes.append((f"skills[{i}]", _ok(eff.c.level >= s.min_level)))
    g = criteria.grade_levels
    if g is not None:
        bounds = [c for c in ((Grade.level >= g.min_level) if g.min_level is not None else None,
                              (Grade.level <= g.max_level) if g.max_level is not None else None) if c is not None]
        passes.append(("grade_levels", _ok(and_(*bounds))))
    if criteria.department_id is not None:
        passes.append(("department_id", _ok(Position.department_id.in_(department_subtree_ids(criteria.department_id)))))
    stmt = (select(*cols, *(p.label(f"pass_{n}") for n, (_, p) in enumerate(passes)))
            .outerjoin(Position, Position.id == Employee.position_id)
            .outerjoin(Department, Department.id == Position.department_id)
            .outerjoin(Grade, Grade.id == Position.grade_id))
    for sub, on in stmt_joins:
        stmt = stmt.outerjoin(sub, on)
    all_pass = and_(literal(True), *(p == 1 for _, p in passes))
    return Evaluation(stmt=stmt, passes=passes, all_pass=all_pass, skill_codes=skill_codes, periods_used=periods_used,
                      measures=measures)


def _check(row: Any, ev: Evaluation, criteria: PoolCriteria) -> CriteriaCheck:
    m = row._mapping
    out = CriteriaCheck(grade_level=m["grade_level"])
    if "rating_avg" in ev.measures:
        v = m["rating_avg"]
        out.performance_rating = None if v is None else round(float(v), 2)
        out.rated_periods = int(m["rating_n"] or 0)
    if "score_avg" in ev.measures:
        v = m["score_avg"]
        out.performance_score = None if v is None else round(float(v), 2)
        out.rated_periods = max(out.rated_periods, int(m["score_n"] or 0))
    if "pot_value" in ev.measures and m["pot_value"] is not None:
        out.potential_band = potential_band(float(m["pot_value"]), m["pot_scale"])
    for i, code in enumerate(ev.skill_codes):
        out.skill_levels[code] = m[f"skill{i}"]
    if has_criteria(criteria):
        out.failing = [name for n, (name, _) in enumerate(ev.passes) if not m[f"pass_{n}"]]
        if m["status"] != EmployeeStatus.ACTIVE:
            out.failing.insert(0, "status")
        out.meets = not out.failing
    return out


# --- pools ------------------------------------------------------------------------------------------
def get_pool(db: Session, pool_id: int) -> TalentPool:
    return get_or_404(db, TalentPool, pool_id, entity="TalentPool", field="pool_id")


def _member_counts(db: Session, pool_ids: list[int]) -> dict[int, int]:
    if not pool_ids:
        return {}
    return dict(db.execute(select(PoolMember.pool_id, func.count())
                           .where(PoolMember.pool_id.in_(pool_ids), PoolMember.removed_at.is_(None))
                           .group_by(PoolMember.pool_id)).all())


def _out(pool: TalentPool, members: int) -> PoolOut:
    return PoolOut(id=pool.id, code=pool.code, name=pool.name, description=pool.description,
                   criteria=parse_criteria(pool.criteria), members=members, created_at=pool.created_at,
                   updated_at=pool.updated_at)


def list_pools(db: Session, *, principal: Principal) -> list[PoolOut]:
    pools = list(db.scalars(select(TalentPool).order_by(TalentPool.name, TalentPool.id)))
    counts = _member_counts(db, [p.id for p in pools])
    return [_out(p, counts.get(p.id, 0)) for p in pools]


def _active_members(pool_id: int) -> Any:
    return select(PoolMember.employee_id).where(PoolMember.pool_id == pool_id, PoolMember.removed_at.is_(None))


def pool_detail(db: Session, *, principal: Principal, pool_id: int) -> PoolDetail:
    pool = get_pool(db, pool_id)
    criteria = parse_criteria(pool.criteria)
    members = _member_counts(db, [pool.id]).get(pool.id, 0)
    flagged = eligible = 0
    periods_used: list[str] = []
    if has_criteria(criteria):
        ev = evaluate(db, criteria)
        periods_used = ev.periods_used
        base = ev.stmt.where(Employee.id.in_(_active_members(pool.id))).subquery()
        ok = and_(*(base.c[f"pass_{n}"] == 1 for n in range(len(ev.passes))))
        flagged = db.scalar(select(func.count()).select_from(base)
                            .where(or_(~ok, base.c.status != EmployeeStatus.ACTIVE))) or 0
        eligible = db.scalar(select(func.count()).select_from(_eligible_stmt(ev, pool.id).subquery())) or 0
    return PoolDetail(**_out(pool, members).model_dump(), flagged=flagged, eligible=eligible,
                      periods_used=periods_used)


def create_pool(db: Session, *, principal: Principal, data: PoolIn) -> PoolDetail:
    if db.scalar(select(TalentPool.id).where(TalentPool.code == data.code)) is not None:
        raise Conflict(f"code={data.code!r} is already used by another TalentPool", field="code")
    check_criteria(db, data.criteria)
    name = data.name.strip()
    if not name:
        raise Invalid("a pool needs a name", field="name")
    now = utcnow()
    pool = TalentPool(code=data.code, name=name, description=data.description,
                      criteria=data.criteria.model_dump(mode="json"), created_by_user_id=principal.user_id,
                      created_at=now, updated_at=now)
    db.add(pool)
    db.flush()
    audit.record(db, principal=principal, entity="pool", entity_id=pool.id, position_id=None, action="create",
                 before=None, after=_audit_view(pool))
    db.flush()
    return pool_detail(db, principal=principal, pool_id=pool.id)


def _audit_view(pool: TalentPool) -> dict[str, Any]:
    return {"code": pool.code, "name": pool.name, "description": pool.description, "criteria": pool.criteria}


def update_pool(db: Session, *, principal: Principal, pool_id: int, data: PoolPatch) -> PoolDetail:
    pool = get_or_404(db, TalentPool, pool_id, entity="TalentPool", field="pool_id", lock="update")
    before = _audit_view(pool)
    fields = data.model_fields_set
    if "criteria" in fields:
        check_criteria(db, data.criteria)
    if "name" in fields:
        name = data.name.strip()
        if not name:
            raise Invalid("a pool needs a name", field="name")
        pool.name = name
    if "description" in fields:
        pool.description = data.description
    if "criteria" in fields:
        pool.criteria = data.criteria.model_dump(mode="json")
    after = _audit_view(pool)
    if after != before:
        pool.updated_at = utcnow()
        db.flush()
        audit.record(db, principal=principal, entity="pool", entity_id=pool.id, position_id=None, action="update",
                     before=before, after=after)
        db.flush()
    return pool_detail(db, principal=principal, pool_id=pool.id)


# --- members ----------------------------------------------------------------------------------------
def _member_rows(db: Session, pool: TalentPool, *, include_removed: bool) -> Any:
    stmt = (select(PoolMember, Employee.first_name, Employee.last_name, Employee.status, Position.title,
                   Department.name)
            .join(Employee, Employee.id == PoolMember.employee_id)
            .outerjoin(Position, Position.id == Employee.position_id)
            .outerjoin(Department, Department.id == Position.department_id)
            .where(PoolMember.pool_id == pool.id))
    if not include_removed:
        stmt = stmt.where(PoolMember.removed_at.is_(None))
    return stmt.order_by(PoolMember.removed_at.is_not(None), Employee.last_name, Employee.first_name, PoolMember.id)


def _member_out(row: Any) -> MemberOut:
    m, first, last, status, title, dept = row
    return MemberOut(id=m.id, pool_id=m.pool_id, employee_id=m.employee_id, name=f"{first} {last}",
                     position_title=title, department_name=dept, active=status == EmployeeStatus.ACTIVE,
                     reason=m.reason, added_by_user_id=m.added_by_user_id, added_at=m.added_at,
                     removed_at=m.removed_at, removal_reason=m.removal_reason)


def members(db: Session, *, principal: Principal, pool_id: int, include_removed: bool = False,
            flagged_only: bool = False, page: int = 1, page_size: int = 100) -> Page[MemberOut]:
    """A page of the pool's members (with ``include_removed``, the closed rows too, after the current ones), each
    current one checked against the criteria: ``check.meets`` false (and ``failing``) flags who no longer meets
    them. ``flagged_only``: just those."""
    pool = get_pool(db, pool_id)
    criteria = parse_criteria(pool.criteria)
    ev = evaluate(db, criteria) if has_criteria(criteria) else None
    stmt = _member_rows(db, pool, include_removed=include_removed and not flagged_only)
    if flagged_only:
        if ev is None:
            return Page[MemberOut](items=[], total=0, page=page, page_size=page_size)
        failing = ev.stmt.where(or_(~ev.all_pass, Employee.status != EmployeeStatus.ACTIVE)).subquery()
        stmt = stmt.where(PoolMember.employee_id.in_(select(failing.c.employee_id)))
    rows, total = paginate(db, stmt, page=page, page_size=page_size)
    items = [_member_out(r) for r in rows]
    current = [i.employee_id for i in items if i.removed_at is None]
    if current:
        if ev is not None:
            checks = {r[0]: _check(r, ev, criteria) for r in db.execute(ev.stmt.where(Employee.id.in_(current)))}
        else:
            checks = {e: CriteriaCheck(failing=[] if a else ["status"]) for e, a in
                      ((i.employee_id, i.active) for i in items if i.removed_at is None)}
        for i in items:
            if i.removed_at is None:
                i.check = checks.get(i.employee_id)
    return Page[MemberOut](items=items, total=total, page=page, page_size=page_size)


def _eligible_stmt(ev: Evaluation, pool_id: int) -> Any:
    return ev.stmt.where(Employee.status == EmployeeStatus.ACTIVE, ev.all_pass,
                         Employee.id.not_in(_active_members(pool_id)))


def eligible(db: Session, *, principal: Principal, pool_id: int, page: int = 1,
             page_size: int = 100) -> Page[EligibleOut]:
    """The active people who meet every criterion and are not in the pool, by name (none without criteria)."""
    pool = get_pool(db, pool_id)
    criteria = parse_criteria(pool.criteria)
    if not has_criteria(criteria):
        return Page[EligibleOut](items=[], total=0, page=page, page_size=page_size)
    ev = evaluate(db, criteria)
    stmt = _eligible_stmt(ev, pool.id).order_by(Employee.last_name, Employee.first_name, Employee.id)
    rows, total = paginate(db, stmt, page=page, page_size=page_size)
    items = [EligibleOut(employee_id=r[0], name=f"{r[1]} {r[2]}", position_id=r[4], position_title=r[5],
                         department_name=r[6], check=_check(r, ev, criteria)) for r in rows]
    return Page[EligibleOut](items=items, total=total, page=page, page_size=page_size)


def add_member(db: Session, *, principal: Principal, pool_id: int, data: MemberIn) -> MemberOut:
    """HR puts someone in the pool with the reason they enter (meeting the criteria or not: the reason says
    why; the members' list flags who does not meet them). Refused: someone who has left, a current member."""
    pool = get_pool(db, pool_id)
    person = visible_employee(db, principal, data.employee_id, field="employee_id", reference=True)
    if person.status is not EmployeeStatus.ACTIVE:
        raise Invalid(f"employee_id={person.id} has left: only active people enter a pool", field="employee_id")
    reason = (data.reason or "").strip()
    if not reason:
        raise Invalid("a member enters a pool with a reason", field="reason")
    if db.scalar(select(PoolMember.id).where(PoolMember.pool_id == pool.id, PoolMember.employee_id == person.id,
                                             PoolMember.removed_at.is_(None))) is not None:
        raise Conflict(f"employee_id={person.id} is already in pool {pool.code!r}", field="employee_id")
    m = PoolMember(pool_id=pool.id, employee_id=person.id, reason=reason, added_by_user_id=principal.user_id,
                   added_at=utcnow())
    db.add(m)
    db.flush()
    audit.record(db, principal=principal, entity="pool_member", entity_id=m.id, position_id=None, action="add",
                 before=None, after={"pool": pool.code, "employee_id": person.id, "reason": reason})
    db.flush()
    return _one_member(db, m.id)


def _one_member(db: Session, member_id: int) -> MemberOut:
    stmt = _member_rows(db, db.get(TalentPool, db.get(PoolMember, member_id).pool_id),  # type: ignore[arg-type,union-attr]
                        include_removed=True).where(PoolMember.id == member_id)
    return _member_out(db.execute(stmt).one())


def remove_member(db: Session, *, principal: Principal, pool_id: int, employee_id: int, reason: str) -> MemberOut:
    """Close a current membership with the reason (the row stays, with who and when)."""
    pool = get_pool(db, pool_id)
    m = db.scalars(select(PoolMember).where(PoolMember.pool_id == pool.id, PoolMember.employee_id == employee_id,
                                            PoolMember.removed_at.is_(None)).with_for_update()).first()
    if m is None:
        raise NotFound("PoolMember", employee_id, field="employee_id")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("a member leaves a pool with a reason", field="reason")
    m.removed_at = utcnow()
    m.removed_by_user_id = principal.user_id
    m.removal_reason = reason
    db.flush()
    audit.record(db, principal=principal, entity="pool_member", entity_id=m.id, position_id=None, action="remove",
                 before={"pool": pool.code, "employee_id": employee_id, "reason": m.reason},
                 after={"removed": True, "reason": reason})
    db.flush()
    return _one_member(db, m.id)
