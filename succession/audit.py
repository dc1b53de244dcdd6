"""The audit of succession: every change to the register, a plan, a slate, a development action, a pool or the
settings is one ``SuccessionAudit`` row (who, when, what, before, after), written by ``record`` in the same
transaction as the change, so a change that rolls back leaves no audit either. Nothing rewrites the rows.

Every service of the module calls ``record``; nothing else writes ``succ_audit``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.db import jsonable
from hcm.policy import Principal
from succession.models import SuccessionAudit

# The entities the audit knows (``SuccessionAudit.entity``).
ENTITIES = frozenset({"key_post", "plan", "nomination", "action", "pool", "pool_member", "settings"})


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of a row, JSON-able: the ``before``/``after`` of an audit entry."""
    return {name: jsonable(getattr(obj, name)) for name in fields}


def record(db: Session, *, principal: Principal | None, entity: str, entity_id: int | None,
           position_id: int | None, action: str, before: Mapping[str, Any] | None,
           after: Mapping[str, Any] | None) -> SuccessionAudit:
    """Write one audit entry for a change made in this transaction. ``principal`` None: the system (demo data).
    ``before`` is None for a creation, ``after`` None for a deletion; both are made JSON-able here."""
    if entity not in ENTITIES:
        raise ValueError(f"unknown audit entity {entity!r}: one of {sorted(ENTITIES)}")
    row = SuccessionAudit(
        entity=entity, entity_id=entity_id, position_id=position_id, action=action,
        before=None if before is None else jsonable(dict(before)),
        after=None if after is None else jsonable(dict(after)),
        user_id=principal.user_id if principal is not None else None)
    db.add(row)
    db.flush()
    return row


def position_history(db: Session, *, position_id: int) -> list[SuccessionAudit]:
    """Every audit entry about a post (its register decisions, its plan, slate and actions), oldest first."""
    return list(db.scalars(select(SuccessionAudit).where(SuccessionAudit.position_id == position_id)
                           .order_by(SuccessionAudit.at, SuccessionAudit.id)))


def entity_history(db: Session, *, entity: str, entity_id: int) -> list[SuccessionAudit]:
    """Every audit entry about one row (a pool, a pool member, an action...), oldest first."""
    return list(db.scalars(select(SuccessionAudit)
                           .where(SuccessionAudit.entity == entity, SuccessionAudit.entity_id == entity_id)
                           .order_by(SuccessionAudit.at, SuccessionAudit.id)))
