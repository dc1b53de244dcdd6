"""Development actions of a nominee: what they do to close a gap on the way to ready-now, with an owner, a due
date and a status. An action belongs to an open nomination (``/positions/{id}/plan/nominees/{employee_id}``);
"what it takes" creates one from a gap through ``create_action``.

Rules: a skill gap names the skill (``skill_id``) and may name the level to reach; a target level needs a skill;
an experience gap may name the role to hold (``target_role``). The owner is an active employee. ``done`` stamps
``completed_at``; leaving ``done`` clears it. Every change is audited (entity ``action``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.db import get_or_404, get_reference, utcnow
from hcm.errors import Invalid
from hcm.org.models import EmployeeStatus, Skill
from hcm.policy import Principal, visible_employee
from succession import audit
from succession.models import ActionStatus, DevelopmentAction, GapKind, Nomination
from succession.schemas import ActionIn, ActionOut, ActionPatch
from succession.service.plans import nominee_of, require_writer

ACTION_FIELDS = ("title", "gap_kind", "skill_id", "target_level", "target_role", "owner_employee_id", "due_date",
                 "status", "completed_at")


def _owner(db: Session, principal: Principal, owner_id: int | None) -> None:
    if owner_id is None:
        return
    owner = visible_employee(db, principal, owner_id, field="owner_employee_id", reference=True)
    if owner.status is not EmployeeStatus.ACTIVE:
        raise Invalid(f"owner_employee_id={owner_id} has left the company: an action's owner is someone still here",
                      field="owner_employee_id")


def _title(title: str) -> str:
    text = title.strip()
    if not text:
        raise Invalid("title is required: say what the action is", field="title")
    return text


def _gap(db: Session, data: ActionIn) -> None:
    if data.skill_id is not None:
        get_reference(db, Skill, data.skill_id, field="skill_id")
    if data.gap_kind is GapKind.SKILL and data.skill_id is None:
        raise Invalid("a skill gap names its skill: skill_id is required when gap_kind is 'skill'", field="skill_id")
    if data.target_level is not None and data.skill_id is None:
        raise Invalid("target_level is the level to reach in a skill: it needs a skill_id", field="target_level")


def list_actions(db: Session, *, principal: Principal, position_id: int, employee_id: int) -> list[ActionOut]:
    _, _, nom = nominee_of(db, principal=principal, position_id=position_id, employee_id=employee_id)
    return [ActionOut.model_validate(a) for a in db.scalars(
        select(DevelopmentAction).where(DevelopmentAction.nomination_id == nom.id).order_by(DevelopmentAction.id))]


def create_action(db: Session, *, principal: Principal, position_id: int, employee_id: int,
                  data: ActionIn) -> ActionOut:
    require_writer(principal)
    pos, _, nom = nominee_of(db, principal=principal, position_id=position_id, employee_id=employee_id)
    title = _title(data.title)
    _gap(db, data)
    _owner(db, principal, data.owner_employee_id)
    action = DevelopmentAction(nomination_id=nom.id, title=title, gap_kind=data.gap_kind,
                               skill_id=data.skill_id, target_level=data.target_level, target_role=data.target_role,
                               owner_employee_id=data.owner_employee_id, due_date=data.due_date,
                               status=ActionStatus.PLANNED, created_by_user_id=principal.user_id)
    db.add(action)
    db.flush()
    audit.record(db, principal=principal, entity="action", entity_id=action.id, position_id=pos.id, action="create",
                 before=None, after=audit.snapshot(action, ACTION_FIELDS))
    return ActionOut.model_validate(action)


def _action_of(db: Session, nom: Nomination, action_id: int) -> DevelopmentAction:
    action = get_or_404(db, DevelopmentAction, action_id, field="action_id",
                        visible=DevelopmentAction.nomination_id == nom.id)
    return action


def update_action(db: Session, *, principal: Principal, position_id: int, employee_id: int, action_id: int,
                  data: ActionPatch) -> ActionOut:
    require_writer(principal)
    pos, _, nom = nominee_of(db, principal=principal, position_id=position_id, employee_id=employee_id)
    action = _action_of(db, nom, action_id)
    fields = data.model_fields_set
    title = _title(data.title) if "title" in fields else action.title
    if "owner_employee_id" in fields:
        _owner(db, principal, data.owner_employee_id)
    before = audit.snapshot(action, ACTION_FIELDS)
    action.title = title
    if "owner_employee_id" in fields:
        action.owner_employee_id = data.owner_employee_id
    if "due_date" in fields:
        action.due_date = data.due_date
    if "status" in fields and data.status is not action.status:
        action.status = data.status
        action.completed_at = utcnow() if data.status is ActionStatus.DONE else None
    db.flush()
    after = audit.snapshot(action, ACTION_FIELDS)
    if after != before:
        audit.record(db, principal=principal, entity="action", entity_id=action.id, position_id=pos.id,
                     action="update", before=before, after=after)
    return ActionOut.model_validate(action)
