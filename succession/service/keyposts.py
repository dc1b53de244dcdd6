"""HR's decisions that a post is key (or no longer is), with the reason: the one place ``Position.is_key`` is
changed by succession. Each decision is a ``KeyPostDecision`` row (the register's history), the flag is set
through the org service (so the ``position`` outbox event carries it to the graph), and the change is audited
(entity ``key_post``). The register (``succession.service.register``) and the plans (a plan for a post that is
not key yet, marked key in the same step) both decide through ``decide``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.db import get_or_404, jsonable
from hcm.errors import Invalid
from hcm.org import service as org_service
from hcm.org.models import Position
from hcm.org.schemas import PositionPatch
from hcm.policy import Principal, require_hr
from succession import audit
from succession.models import KeyPostDecision


def clean_reason(reason: str | None, *, field: str = "reason") -> str:
    """A reason HR must give: refused (422 naming the field) when missing or blank."""
    text = (reason or "").strip()
    if not text:
        raise Invalid(f"{field} is required: say why", field=field)
    return text


def decide(db: Session, *, principal: Principal, position: Position | int, is_key: bool, reason: str | None,
           criticality: dict[str, Any] | None = None, reason_field: str = "reason") -> KeyPostDecision:
    """HR sets, confirms (``is_key`` True) or withdraws (False) a key post, with the reason and, for the record,
    the criticality the register showed. Refused: anyone but HR; a blank reason; making an inactive post key."""
    require_hr(principal, "decide which posts are key")
    pos = position if isinstance(position, Position) else get_or_404(db, Position, position, field="position_id")
    why = clean_reason(reason, field=reason_field)
    if is_key and not pos.is_active:
        raise Invalid(f"position {pos.code!r} is inactive: an inactive post cannot be key", field="position_id")
    was = bool(pos.is_key)
    if was != is_key:
        org_service.update_position(db, position_id=pos.id, data=PositionPatch(is_key=is_key))
    decision = KeyPostDecision(position_id=pos.id, is_key=is_key, reason=why,
                               criticality=jsonable(criticality) if criticality is not None else None,
                               decided_by_user_id=principal.user_id)
    db.add(decision)
    db.flush()
    action = ("confirm_key" if was else "set_key") if is_key else "withdraw_key"
    audit.record(db, principal=principal, entity="key_post", entity_id=decision.id, position_id=pos.id,
                 action=action, before={"is_key": was},
                 after={"is_key": is_key, "reason": why, "criticality": decision.criticality})
    return decision


def mark_key(db: Session, *, principal: Principal, position: Position | int, reason: str | None,
             criticality: dict[str, Any] | None = None, reason_field: str = "reason") -> KeyPostDecision:
    """``decide`` with ``is_key=True``: HR makes (or confirms) a post key, with the reason."""
    return decide(db, principal=principal, position=position, is_key=True, reason=reason, criticality=criticality,
                  reason_field=reason_field)


def decisions(db: Session, *, position_id: int) -> list[KeyPostDecision]:
    """The register's history of a post, oldest first."""
    return list(db.scalars(select(KeyPostDecision).where(KeyPostDecision.position_id == position_id)
                           .order_by(KeyPostDecision.decided_at, KeyPostDecision.id)))
