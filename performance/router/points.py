"""Points ledger API: thin routes over ``performance.service.points``. Entries are append-only: PATCH and
DELETE exist only to answer 409 with the rule (a client that tries learns what to do instead)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.errors import ErrorOut, Invalid
from hcm.fields import Code, Id, In, Int, Timestamp
from hcm.policy import Principal, allow
from performance.policy import PerfPermission
from performance.schemas_points import Leaderboard, PointsBalance, PointsLedger
from performance.service import points

router = APIRouter(prefix="/api/performance", tags=["performance"])
READ = Depends(allow(PerfPermission.READ))
AWARD = Depends(allow(PerfPermission.POINTS_AWARD))
HR = Depends(allow(PerfPermission.PERIODS))


class RuleIn(In):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    amount: Int


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    amount: int
    active: bool


class AwardIn(In):
    employee_id: Id
    rule_code: str | None = Field(default=None, max_length=64)
    amount: Int | None = None  # HR only; otherwise the rule's amount
    reason: str = Field(min_length=1, max_length=500)


class CorrectionIn(In):
    reason: str = Field(min_length=1, max_length=500)
    amount: Int | None = None  # the compensating amount; default: reverse what remains of the entry


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    period_id: Id
    employee_id: Id
    rule_id: Id | None
    amount: int
    reason: str
    corrects_entry_id: Id | None
    created_by_user_id: Id | None
    created_at: Timestamp


@router.get("/points/rules", response_model=list[RuleOut])
def list_rules(active_only: bool = False, db: Session = Depends(get_db), _: Principal = READ):
    return points.list_rules(db, active_only=active_only)


@router.post("/points/rules", response_model=RuleOut, status_code=201)
def create_rule(data: RuleIn, db: Session = Depends(get_db), who: Principal = HR):
    return points.create_rule(db, principal=who, **data.model_dump())


@router.post("/periods/{period_id}/points", response_model=EntryOut, status_code=201)
def award(period_id: Id, data: AwardIn, db: Session = Depends(get_db), who: Principal = AWARD):
    return points.award(db, principal=who, period_id=period_id, **data.model_dump())


@router.post("/points/entries/{entry_id}/corrections", response_model=EntryOut, status_code=201)
def correct(entry_id: Id, data: CorrectionIn, db: Session = Depends(get_db), who: Principal = AWARD):
    return points.correct(db, principal=who, entry_id=entry_id, **data.model_dump())


# Their one answer is the 409 naming the rule, so that is the response /docs shows.
@router.patch("/points/entries/{entry_id}", status_code=409, response_model=ErrorOut,
              response_description="Always: ledger entries are append-only")
def update_entry(entry_id: Id, _: Principal = AWARD) -> None:
    points.refuse_edit(entry_id=entry_id)


@router.delete("/points/entries/{entry_id}", status_code=409, response_model=ErrorOut,
               response_description="Always: ledger entries are append-only")
def delete_entry(entry_id: Id, _: Principal = AWARD) -> None:
    points.refuse_edit(entry_id=entry_id)


@router.get("/periods/{period_id}/points/balances", response_model=list[PointsBalance])
def balances(period_id: Id, employee_id: list[Id] | None = Query(None), db: Session = Depends(get_db),
             who: Principal = READ):
    return points.balances(db, principal=who, period_id=period_id, employee_ids=employee_id)


@router.get("/periods/{period_id}/points/ledger", response_model=PointsLedger)
def ledger(period_id: Id, employee_id: Id | None = None, db: Session = Depends(get_db), who: Principal = READ):
    if employee_id is None:
        if who.employee_id is None:
            raise Invalid("give employee_id: your account is not linked to an employee", field="employee_id")
        employee_id = who.employee_id
    return points.ledger(db, principal=who, period_id=period_id, employee_id=employee_id)


@router.get("/periods/{period_id}/points/leaderboard", response_model=Leaderboard)
def leaderboard(period_id: Id, scope: Literal["team", "department", "company"] = "team",
                department_id: Id | None = None, limit: int = Query(20, ge=1, le=points.MAX_LEADERBOARD),
                db: Session = Depends(get_db), who: Principal = READ):
    return points.leaderboard(db, principal=who, period_id=period_id, scope=scope, department_id=department_id,
                              limit=limit)
