"""The models' API: people's flight risk and its history, HR's band overrides, the model versions and their
cards, HR's visibility setting. Thin routes over ``ml.service`` and ``ml.settings``, which apply the row rule of
``ml.policy`` (outside the caller's risk scope: 404 like nobody; an employee never reaches a risk route)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.fields import Id
from hcm.paging import PageNo, PageSize
from hcm.policy import Principal, allow
from ml import service, settings
from ml.policy import MlPermission
from ml.schemas import CardOut, OverrideIn, OverrideOut, PersonRisk, RiskPage, SettingsIn, SettingsOut, VersionOut

router = APIRouter(prefix="/api/ml", tags=["ml"])
RISK = Depends(allow(MlPermission.RISK_READ))
CARD = Depends(allow(MlPermission.CARD_READ))
OVERRIDE = Depends(allow(MlPermission.OVERRIDE))
SETTINGS = Depends(allow(MlPermission.SETTINGS))
Filter = Annotated[str | None, Query(max_length=64)]


@router.get("/risk", response_model=RiskPage)
def risk_list(department_id: Id | None = None, key_post: Filter = None, nine_box: Filter = None, band: Filter = None,
              page: PageNo = 1, page_size: PageSize = 50, db: Session = Depends(get_db), who: Principal = RISK):
    return service.at_risk(db, principal=who, department_id=department_id, key_post=key_post, nine_box=nine_box,
                           band=band, page=page, page_size=page_size)


@router.get("/people/{employee_id}/risk", response_model=PersonRisk)
def person_risk(employee_id: Id, db: Session = Depends(get_db), who: Principal = RISK):
    return service.person_history(db, principal=who, employee_id=employee_id)


@router.post("/scores/{score_id}/override", response_model=OverrideOut, status_code=201)
def override_band(score_id: Id, data: OverrideIn, db: Session = Depends(get_db), who: Principal = OVERRIDE):
    return service.override(db, principal=who, score_id=score_id, band=data.band, reason=data.reason)


@router.get("/versions", response_model=list[VersionOut])
def list_versions(db: Session = Depends(get_db), _: Principal = CARD):
    return service.versions(db)


@router.get("/versions/{version_id}", response_model=CardOut)
def version_card(version_id: Id, db: Session = Depends(get_db), _: Principal = CARD):
    return service.model_card(db, version_id=version_id)


@router.get("/settings", response_model=SettingsOut)
def get_settings(db: Session = Depends(get_db), _: Principal = SETTINGS):
    return settings.current(db)


@router.put("/settings", response_model=SettingsOut)
def update_settings(data: SettingsIn, db: Session = Depends(get_db), who: Principal = SETTINGS):
    return settings.update(db, principal=who, managers_see_risk=data.managers_see_risk)
