"""Reading computed scores with the people scope applied: department, process and company scores are
about units and visible to everyone; post and employee scores follow hcm.policy's people scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from hcm.org.models import BusinessProcess, Department, Employee, Position
from hcm.policy import Principal, employee_filter
from performance.service import units
from performance.service.periods import get_period


def unit_results(db: Session, *, principal: Principal, period_id: int, unit_type: str) -> list[dict[str, Any]]:
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
    rows = db.execute(stmt.order_by(u.c.score.desc().nulls_last(), u.c.unit_id)).all()
    return [{**{k: (round(v, 2) if isinstance(v, float) else v) for k, v in zip(units.COLUMNS, r[:6], strict=True)},
             "name": r[6], "unit_type": unit_type} for r in rows]
