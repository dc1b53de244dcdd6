"""Reading computed scores with the people scope applied: department, process and company scores are
about units and visible to everyone; post and employee scores follow hcm.policy's people scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from hcm.errors import Invalid
from hcm.org.models import BusinessProcess, Department, Employee, Position
from hcm.policy import Principal, employee_filter
from performance.models import UnitResult
from performance.service.periods import get_period

UNIT_TYPES = ("company", "department", "process", "post", "employee")


def unit_results(db: Session, *, principal: Principal, period_id: int, unit_type: str) -> list[dict[str, Any]]:
    get_period(db, period_id)
    if unit_type not in UNIT_TYPES:
        raise Invalid(f"unit_type must be one of {', '.join(UNIT_TYPES)}", field="unit_type")
    cols = (UnitResult.unit_id, UnitResult.operational_score, UnitResult.management_score,
            UnitResult.collaboration_score, UnitResult.competency_score, UnitResult.score)
    base = UnitResult.period_id == period_id
    if unit_type == "department":
        stmt = select(*cols, Department.name).join(Department, and_(UnitResult.unit_type == "department",
                                                                     Department.id == UnitResult.unit_id))
    elif unit_type == "process":
        stmt = select(*cols, BusinessProcess.name).join(BusinessProcess, and_(UnitResult.unit_type == "process",
                                                                               BusinessProcess.id == UnitResult.unit_id))
    elif unit_type == "post":
        held_visible = select(Employee.position_id).where(employee_filter(principal), Employee.position_id.is_not(None))
        stmt = (select(*cols, Position.title).join(Position, and_(UnitResult.unit_type == "post",
                                                                  Position.id == UnitResult.unit_id))
                .where(Position.id.in_(held_visible)))
    elif unit_type == "employee":
        stmt = (select(*cols, Employee.first_name + " " + Employee.last_name)
                .join(Employee, and_(UnitResult.unit_type == "employee", Employee.id == UnitResult.unit_id))
                .where(employee_filter(principal)))
    else:
        stmt = select(*cols, UnitResult.unit_type).where(UnitResult.unit_type == "company")
    rows = db.execute(stmt.where(base).order_by(UnitResult.score.desc().nulls_last(), UnitResult.unit_id)).all()
    keys = ("unit_id", "operational_score", "management_score", "collaboration_score", "competency_score", "score")
    return [{**{k: (round(v, 2) if isinstance(v, float) else v) for k, v in zip(keys, r[:6], strict=True)},
             "name": r[6], "unit_type": unit_type} for r in rows]
