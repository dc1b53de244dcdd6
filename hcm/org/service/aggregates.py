"""Aggregates for leadership and HR."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hcm import clock
from hcm.org.models import (
    Assignment,
    Department,
    Employee,
    MoveReason,
    Position,
)
from hcm.org.schemas import (
    DivisionHeadcount,
    OrgSummary,
)
from hcm.org.service.departments import department_parents


# --- aggregates (executive & HR) ----------------------------------------------------------------
def _division_of(db: Session) -> dict[int, int]:
    """Map each department to its top-level division (the child of the root, or the root itself)."""
    parents = department_parents(db)
    out: dict[int, int] = {}
    for d in parents:
        chain = [d]
        while parents.get(chain[-1]) is not None:
            chain.append(parents[chain[-1]])  # type: ignore[arg-type]
        out[d] = chain[-2] if len(chain) >= 2 else chain[-1]
    return out


def org_summary(db: Session, *, today: date | None = None) -> OrgSummary:
    today = today or clock.today()
    held = Employee.id.is_not(None)
    per_dept = db.execute(
        select(
            Position.department_id,
            func.count(Position.id),
            func.count(Employee.id),
            func.sum(case((Position.is_key.is_(True), 1), else_=0)),
            func.sum(case((Position.is_key.is_(True) & ~held, 1), else_=0)),
        )
        .outerjoin(Employee, Employee.position_id == Position.id)
        .where(Position.is_active.is_(True))
        .group_by(Position.department_id)
    ).all()
    division = _division_of(db)
    depts = {d.id: d for d in db.scalars(select(Department))}
    acc: dict[int, list[int]] = {}
    for dept_id, npos, nheld, nkey, nkeyvac in per_dept:
        a = acc.setdefault(division.get(dept_id, dept_id), [0, 0, 0, 0])
        a[0] += npos
        a[1] += nheld
        a[2] += int(nkey or 0)
        a[3] += int(nkeyvac or 0)
    divisions = [
        DivisionHeadcount(department_id=k, code=depts[k].code, name=depts[k].name, headcount=v[1], positions=v[0],
                          vacancies=v[0] - v[1], key_positions=v[2], key_vacancies=v[3])
        for k, v in acc.items()
    ]
    divisions.sort(key=lambda d: -d.headcount)
    year_ago = today - timedelta(days=365)
    exits = dict(
        db.execute(
            select(Assignment.reason, func.count()).where(
                Assignment.reason.in_([MoveReason.EXIT_VOLUNTARY, MoveReason.EXIT_INVOLUNTARY]),
                Assignment.start_date > year_ago, Assignment.start_date <= today,
            ).group_by(Assignment.reason)
        ).all()
    )
    return OrgSummary(
        headcount=sum(d.headcount for d in divisions),
        positions=sum(d.positions for d in divisions),
        vacancies=sum(d.vacancies for d in divisions),
        key_positions=sum(d.key_positions for d in divisions),
        key_vacancies=sum(d.key_vacancies for d in divisions),
        exits_last_12_months=sum(exits.values()),
        voluntary_exits_last_12_months=exits.get(MoveReason.EXIT_VOLUNTARY, 0),
        divisions=divisions,
    )
