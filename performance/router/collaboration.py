"""Collaboration between departments: service items, ratings by the consumer side, the aggregated report."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.fields import Code, Id, In, Timestamp
from hcm.policy import Principal, allow
from performance.policy import PerfPermission
from performance.schemas_collaboration import CollaborationReport
from performance.service import collaboration

router = APIRouter(prefix="/api/performance", tags=["performance"])
READ = Depends(allow(PerfPermission.READ))


class ServiceItemIn(In):
    code: Code
    name: str = Field(min_length=1, max_length=300)
    provider_department_id: Id
    consumer_department_id: Id
    process_id: Id | None = None
    description: str | None = Field(default=None, max_length=4000)


class ServiceItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    description: str | None
    provider_department_id: int
    consumer_department_id: int
    process_id: int | None


class CollaborationIn(In):
    service_item_id: Id
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=collaboration.MAX_COMMENT)


class CollaborationOut(BaseModel):
    """The rater's own rating, echoed back to them (others only ever see aggregates)."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    period_id: int
    service_item_id: int
    score: int
    comment: str | None
    created_at: Timestamp


@router.post("/service-items", response_model=ServiceItemOut, status_code=201)
def create_service_item(data: ServiceItemIn, db: Session = Depends(get_db),
                        who: Principal = Depends(allow(PerfPermission.PERIODS))):
    return collaboration.create_service_item(db, principal=who, **data.model_dump())


@router.get("/service-items", response_model=list[ServiceItemOut])
def list_service_items(department_id: Id | None = None, provider_department_id: Id | None = None,
                       consumer_department_id: Id | None = None, db: Session = Depends(get_db), _: Principal = READ):
    return collaboration.list_service_items(db, department_id=department_id, provider_department_id=provider_department_id,
                                            consumer_department_id=consumer_department_id)


@router.post("/periods/{period_id}/collaboration", response_model=CollaborationOut, status_code=201)
def rate(period_id: Id, data: CollaborationIn, db: Session = Depends(get_db),
         who: Principal = Depends(allow(PerfPermission.RATE))):
    return collaboration.rate_collaboration(db, principal=who, period_id=period_id, **data.model_dump())


@router.get("/periods/{period_id}/collaboration", response_model=CollaborationReport)
def report(period_id: Id, department_id: Id | None = None, db: Session = Depends(get_db), who: Principal = READ):
    return collaboration.collaboration_report(db, principal=who, period_id=period_id, department_id=department_id)
