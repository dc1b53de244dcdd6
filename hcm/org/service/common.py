"""Shared helpers of the org services: lookups, references, uniqueness, paging."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hcm.db import Base
from hcm.errors import Conflict, Invalid

MAX_PAGE_SIZE = 500


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


def check_page(page: int, page_size: int) -> None:
    if page < 1:
        raise Invalid("page starts at 1", field="page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise Invalid(f"page_size must be between 1 and {MAX_PAGE_SIZE}", field="page_size")


def paginate(db: Session, stmt: Any, *, page: int, page_size: int) -> tuple[list[Any], int]:
    check_page(page, page_size)
    total = db.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = db.execute(stmt.limit(page_size).offset((page - 1) * page_size)).all()
    return list(rows), int(total)


def _apply(obj: Any, patch: Any) -> dict[str, Any]:
    changes: dict[str, Any] = patch.model_dump(exclude_unset=True)
    for k, v in changes.items():
        setattr(obj, k, v)
    return changes


def _like(q: str) -> str:
    return f"%{q.strip().lower()}%"
