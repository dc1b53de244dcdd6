"""Paging, the same for every module: a ``Page`` of items with the total, one size limit, one check."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from annotated_types import Interval
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hcm.errors import Invalid
from hcm.fields import MAX_INT

T = TypeVar("T")

MAX_PAGE_SIZE = 500

# The ``page`` and ``page_size`` parameters of every list (``page: PageNo = 1, page_size: PageSize = 100``).
PageNo = Annotated[int, Interval(ge=1, le=MAX_INT)]
PageSize = Annotated[int, Interval(ge=1, le=MAX_PAGE_SIZE)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


def check_page(page: int, page_size: int) -> None:
    if not 1 <= page <= MAX_INT:
        raise Invalid(f"page must be between 1 and {MAX_INT}", field="page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise Invalid(f"page_size must be between 1 and {MAX_PAGE_SIZE}", field="page_size")


def paginate(db: Session, stmt: Any, *, page: int, page_size: int) -> tuple[list[Any], int]:
    """One page of a select's rows and the total of all of them (counted in the database)."""
    check_page(page, page_size)
    total = db.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = db.execute(stmt.limit(page_size).offset((page - 1) * page_size)).all()
    return list(rows), int(total)
