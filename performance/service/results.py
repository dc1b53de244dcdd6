"""Reading computed scores with the people scope applied: department, process and company scores are
about units and visible to everyone; post and employee scores follow hcm.policy's people scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from hcm.org.models import BusinessProcess, Department, Employee, Position
from hcm.paging import Page, paginate
from hcm.policy import Principal, employee_filter
from performance.schemas import UnitScoreOut
from performance.service import units
from performance.service.lookups import get_period


def _results(db: Session, principal: Principal, period_id: int, unit_type: str) -> Any:
    """The unit scores of a type with their names, best first, within the principal's people scope."""
    period = get_period(db, period_id)
    u = units.scores(period, unit_type)
    cols = [u.c[c] for c in units.COLUMNS]
    if unit_type == "department":
        stmt = select(*cols, Department.name).join(Department, Department.id == u.c.unit_id)
    elif unit_type == "process":
        stmt = select(*cols, BusinessProcess.name).join(BusinessProcess, BusinessProcess.id == u.c.unit_id)
    elif unit_type == "post":
        held_visible = select(Employee.position_id).where(employee_filter(principal), Employee.position_id.is_not(None))
        stmt = select(*cols, Position.title).join(Position, Position.id == u.c.unit_id).where(Position.id.in_(held_visible))
    elif unit_type == "employee":
        stmt = (select(*cols, Employee.first_name + " " + Employee.last_name)
                .join(Employee, Employee.id == u.c.unit_id).where(employee_filter(principal)))
    else:
        stmt = select(*cols, literal(unit_type))
    return stmt.order_by(u.c.score.desc().nulls_last(), u.c.unit_id)


def _row(r: Any, unit_type: str) -> UnitScoreOut:
    scores = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in zip(units.COLUMNS, r[:6], strict=True)}
    return UnitScoreOut(**scores, name=r[6], unit_type=unit_type)


def unit_results(db: Session, *, principal: Principal, period_id: int, unit_type: str) -> list[UnitScoreOut]:
    """All of them (for the few departments, processes or the company a page shows)."""
    return [_row(r, unit_type) for r in db.execute(_results(db, principal, period_id, unit_type))]


def unit_results_page(db: Session, *, principal: Principal, period_id: int, unit_type: str, page: int = 1,
                      page_size: int = 100) -> Page[UnitScoreOut]:
    """One page of them, with the total (a company has as many post and employee scores as people)."""
    rows, total = paginate(db, _results(db, principal, period_id, unit_type), page=page, page_size=page_size)
    return Page[UnitScoreOut](items=[_row(r, unit_type) for r in rows], total=total, page=page, page_size=page_size)
