"""Request-scoped dependencies: one unit of work per request, and who is asking."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from hcm.db import unit_of_work


def get_db() -> Iterator[Session]:
    """One transaction per request: services flush, this commits at the edge (or rolls back)."""
    with unit_of_work() as session:
        yield session


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api")
