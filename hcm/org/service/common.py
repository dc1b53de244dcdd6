"""Shared helpers of the org services: lookups, references, uniqueness."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.db import Base
from hcm.errors import Conflict, Invalid


def _ref(db: Session, model: type[Base], id_: int | None, field: str) -> None:
    """A reference in a request body must point at an existing row (422 naming the field)."""
    if id_ is not None and db.get(model, id_) is None:
        raise Invalid(f"{field}={id_} does not point at an existing {model.__name__}", field=field)


def _unique(db: Session, column: Any, value: Any, field: str, *, exclude_id: int | None = None) -> None:
    if value is None:
        return
    stmt = select(column.class_.id).where(column == value)
    if exclude_id is not None:
        stmt = stmt.where(column.class_.id != exclude_id)
    if db.execute(stmt).first() is not None:
        raise Conflict(f"{field}={value!r} is already used by another {column.class_.__name__}", field=field)


def _apply(obj: Any, patch: Any) -> dict[str, Any]:
    changes: dict[str, Any] = patch.model_dump(exclude_unset=True)
    for k, v in changes.items():
        setattr(obj, k, v)
    return changes


def _like(q: str) -> str:
    return f"%{q.strip().lower()}%"
