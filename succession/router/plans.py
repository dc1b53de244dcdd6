"""Succession API: plans, slates, readiness, the emergency successor, development actions, one's own
nominations and HR's visibility settings. Thin routes over ``succession.service.plans`` / ``actions`` and
``succession.settings``, which apply the row rules of ``succession.policy`` (outside scope: 404)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.fields import Id
from hcm.paging import Page, PageNo, PageSize
from hcm.policy import Principal, allow
from succession import settings
from succession.policy import SuccPermission
from succession.schemas import (
    ActionIn,
    ActionOut,
    ActionPatch,
    EmergencyIn,
    MyNominationOut,
    NominateIn,
    PlanHistory,
    PlanIn,
    PlanOut,
    PlanPatch,
    PlanSummary,
    ReadinessIn,
    RemoveIn,
    RerankIn,
    SettingsIn,
    SettingsOut,
)
from succession.service import actions, plans

router = APIRouter(prefix="/api/succession", tags=["succession"])
READ = Depends(allow(SuccPermission.PLANS_READ))
WRITE = Depends(allow(SuccPermission.PLANS_WRITE))
OWN = Depends(allow(SuccPermission.OWN_NOMINATIONS))
SETTINGS = Depends(allow(SuccPermission.SETTINGS))
PLAN = "/positions/{position_id}/plan"
NOMINEE = PLAN + "/nominees/{employee_id}"


@router.get("/plans", response_model=Page[PlanSummary])
def list_plans(department_id: Id | None = None, with_plan: bool | None = None, page: PageNo = 1,
               page_size: PageSize = 100, db: Session = Depends(get_db), who: Principal = READ):
    return plans.list_plans(db, principal=who, department_id=department_id, with_plan=with_plan, page=page,
                            page_size=page_size)


@router.get(PLAN, response_model=PlanOut)
def get_plan(position_id: Id, db: Session = Depends(get_db), who: Principal = READ):
    return plans.get_plan(db, principal=who, position_id=position_id)


@router.post(PLAN, response_model=PlanOut, status_code=201)
def create_plan(position_id: Id, data: PlanIn, db: Session = Depends(get_db), who: Principal = WRITE):
    return plans.create_plan(db, principal=who, position_id=position_id, data=data)


@router.patch(PLAN, response_model=PlanOut)
def update_plan(position_id: Id, data: PlanPatch, db: Session = Depends(get_db), who: Principal = WRITE):
    return plans.update_plan(db, principal=who, position_id=position_id, data=data)


@router.get(PLAN + "/history", response_model=PlanHistory)
def plan_history(position_id: Id, db: Session = Depends(get_db), who: Principal = READ):
    return plans.history(db, principal=who, position_id=position_id)


@router.post(PLAN + "/nominees", response_model=PlanOut, status_code=201)
def nominate(position_id: Id, data: NominateIn, db: Session = Depends(get_db), who: Principal = WRITE):
    return plans.nominate(db, principal=who, position_id=position_id, employee_id=data.employee_id,
                          readiness=data.readiness, rank=data.rank, reason=data.reason)


@router.put(PLAN + "/order", response_model=PlanOut)
def rerank(position_id: Id, data: RerankIn, db: Session = Depends(get_db), who: Principal = WRITE):
    return plans.rerank(db, principal=who, position_id=position_id, order=data.order)


@router.post(NOMINEE + "/readiness", response_model=PlanOut, status_code=201)
def change_readiness(position_id: Id, employee_id: Id, data: ReadinessIn, db: Session = Depends(get_db),
                     who: Principal = WRITE):
    return plans.change_readiness(db, principal=who, position_id=position_id, employee_id=employee_id,
                                  readiness=data.readiness, reason=data.reason)


@router.post(NOMINEE + "/remove", response_model=PlanOut)
def remove_nominee(position_id: Id, employee_id: Id, data: RemoveIn, db: Session = Depends(get_db),
                   who: Principal = WRITE):
    return plans.remove_nominee(db, principal=who, position_id=position_id, employee_id=employee_id,
                                reason=data.reason)


@router.put(PLAN + "/emergency", response_model=PlanOut)
def set_emergency(position_id: Id, data: EmergencyIn, db: Session = Depends(get_db), who: Principal = WRITE):
    return plans.set_emergency(db, principal=who, position_id=position_id, employee_id=data.employee_id,
                               confirm=data.confirm, reason=data.reason)


@router.get(NOMINEE + "/actions", response_model=list[ActionOut])
def list_actions(position_id: Id, employee_id: Id, db: Session = Depends(get_db), who: Principal = READ):
    return actions.list_actions(db, principal=who, position_id=position_id, employee_id=employee_id)


@router.post(NOMINEE + "/actions", response_model=ActionOut, status_code=201)
def create_action(position_id: Id, employee_id: Id, data: ActionIn, db: Session = Depends(get_db),
                  who: Principal = WRITE):
    return actions.create_action(db, principal=who, position_id=position_id, employee_id=employee_id, data=data)


@router.patch(NOMINEE + "/actions/{action_id}", response_model=ActionOut)
def update_action(position_id: Id, employee_id: Id, action_id: Id, data: ActionPatch,
                  db: Session = Depends(get_db), who: Principal = WRITE):
    return actions.update_action(db, principal=who, position_id=position_id, employee_id=employee_id,
                                 action_id=action_id, data=data)


@router.get("/me/nominations", response_model=list[MyNominationOut])
def my_nominations(db: Session = Depends(get_db), who: Principal = OWN):
    return plans.my_nominations(db, principal=who)


@router.get("/settings", response_model=SettingsOut)
def get_settings(db: Session = Depends(get_db), _: Principal = SETTINGS):
    return settings.current(db)


@router.put("/settings", response_model=SettingsOut)
def update_settings(data: SettingsIn, db: Session = Depends(get_db), who: Principal = SETTINGS):
    return settings.update(db, principal=who, managers_see_plans_below=data.managers_see_plans_below,
                           employees_see_own_nominations=data.employees_see_own_nominations)
