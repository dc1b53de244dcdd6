"""The audit of what people change about the models' outputs: every band override and every change of the
visibility setting is one ``MlAudit`` row (who, when, what, before, after), written by ``record`` in the same
transaction as the change, so a change that rolls back leaves no audit either. Nothing rewrites the rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.db import jsonable
from hcm.policy import Principal
from ml.models import MlAudit

ENTITIES = frozenset({"score", "settings"})


def record(db: Session, *, principal: Principal, entity: str, entity_id: int | None, action: str,
           before: Mapping[str, Any] | None, after: Mapping[str, Any] | None,
           employee_id: int | None = None) -> MlAudit:
    """One audit entry for a change made in this transaction (``employee_id``: whose score it was about)."""
    if entity not in ENTITIES:
        raise ValueError(f"unknown audit entity {entity!r}: one of {sorted(ENTITIES)}")
    row = MlAudit(entity=entity, entity_id=entity_id, employee_id=employee_id, action=action,
                  before=None if before is None else jsonable(dict(before)),
                  after=None if after is None else jsonable(dict(after)), user_id=principal.user_id)
    db.add(row)
    db.flush()
    return row


def history(db: Session, *, entity: str, entity_id: int | None = None) -> list[MlAudit]:
    """The audit entries about an entity (one row of it when ``entity_id``), oldest first."""
    stmt = select(MlAudit).where(MlAudit.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(MlAudit.entity_id == entity_id)
    return list(db.scalars(stmt.order_by(MlAudit.at, MlAudit.id)))
