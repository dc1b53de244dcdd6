"""Ratings, calibration and the 9-box: thin routes over the services, which check who may rate, approve
or see whom."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.fields import Id, Int, SearchText
from hcm.paging import Page, PageNo, PageSize
from hcm.policy import Principal, allow
from performance.policy import PerfPermission
from performance.schemas import RatingIn, RatingOut
from performance.schemas_ratings import (
    Adjustment,
    CalibrateIn,
    DistributionOut,
    NineBoxOut,
    NineBoxPerson,
    RatingsView,
)
from performance.service import calibration, ninebox, ratings

router = APIRouter(prefix="/api/performance", tags=["performance"])
READ = Depends(allow(PerfPermission.READ))
RATE = Depends(allow(PerfPermission.RATE))
CALIBRATE = Depends(allow(PerfPermission.CALIBRATE))


@router.post("/periods/{period_id}/ratings", response_model=RatingOut, status_code=201)
def submit_rating(period_id: Id, data: RatingIn, db: Session = Depends(get_db), who: Principal = RATE):
    return ratings.submit_rating(db, principal=who, period_id=period_id, data=data)


@router.post("/ratings/{rating_id}/approve", response_model=RatingOut, status_code=201)
def approve_rating(rating_id: Id, db: Session = Depends(get_db), who: Principal = RATE):
    return ratings.approve_rating(db, principal=who, rating_id=rating_id)


@router.get("/periods/{period_id}/employees/{employee_id}/ratings", response_model=RatingsView)
def employee_ratings(period_id: Id, employee_id: Id, db: Session = Depends(get_db), who: Principal = READ):
    return ratings.ratings_for(db, principal=who, period_id=period_id, employee_id=employee_id)


@router.get("/periods/{period_id}/calibration", response_model=DistributionOut)
def calibration_distribution(period_id: Id, department_id: Id | None = None, level: Int | None = None,
                             db: Session = Depends(get_db), who: Principal = CALIBRATE):
    return calibration.distribution(db, principal=who, period_id=period_id, department_id=department_id, level=level)


@router.post("/periods/{period_id}/calibration", response_model=Adjustment, status_code=201)
def calibrate(period_id: Id, data: CalibrateIn, db: Session = Depends(get_db), who: Principal = CALIBRATE):
    return calibration.calibrate(db, principal=who, period_id=period_id, employee_id=data.employee_id,
                                 value=data.value, reason=data.reason, kind=data.kind, scale_max=data.scale_max)


@router.get("/periods/{period_id}/ninebox", response_model=NineBoxOut)
def nine_box(period_id: Id, scope: Literal["team", "department", "company"] = Query(),
             department_id: Id | None = None, db: Session = Depends(get_db), who: Principal = READ):
    return ninebox.nine_box(db, principal=who, period_id=period_id, scope=scope, department_id=department_id)


@router.get("/periods/{period_id}/ninebox/people", response_model=Page[NineBoxPerson])
def nine_box_people(period_id: Id, cell: SearchText, scope: Literal["team", "department", "company"] = Query(),
                    department_id: Id | None = None, page: PageNo = 1,
                    page_size: PageSize = 100, db: Session = Depends(get_db),
                    who: Principal = READ):
    """The people of one cell (``high-high`` ... or ``unplaced``), a page at a time: the 9-box drill-down."""
    return ninebox.cell_people(db, principal=who, period_id=period_id, scope=scope, cell=cell,
                               department_id=department_id, page=page, page_size=page_size)
