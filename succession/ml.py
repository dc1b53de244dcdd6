"""Succession's facet of the risk pages (the ``ml.facets`` extension point of ``ml/``): whether a person holds a
key post of the register (``Position.is_key``, decided by ``succession.service.keyposts``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.org.models import Employee, Position
from ml.facets import Facet


def key_post_holders(db: Session, employee_ids: Sequence[int]) -> dict[int, str]:
    """``{employee_id: "yes"}`` for those of ``employee_ids`` who hold an active key post; the others are absent."""
    ids = list(employee_ids)
    if not ids:
        return {}
    rows = db.scalars(select(Employee.id).join(Position, Position.id == Employee.position_id)
                      .where(Employee.id.in_(ids), Position.is_key.is_(True), Position.is_active.is_(True)))
    return dict.fromkeys(rows, "yes")


FACETS = (Facet(key="key_post", label="Key post", choices={"yes": "Holds a key post"}, values=key_post_holders),)
