"""Request-scoped dependencies: one unit of work per request, and who is asking."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from hcm.db import unit_of_work

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: services flush, this commits at the edge (or rolls back). A GET only
    reads, so on SQLite it does not wait for a writer (``unit_of_work(writes=False)``)."""
    with unit_of_work(writes=request.method not in READ_METHODS) as session:
        yield session


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api")
