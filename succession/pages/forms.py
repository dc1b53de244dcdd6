"""What the succession pages' forms share: a typed value from a form field, refused the way the services refuse
(``Invalid`` naming the field, shown as a message at the form), and the department picker's options."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pydantic
from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.errors import Invalid
from hcm.org.models import Department


def form_date(raw: str, field: str) -> date | None:
    """A YYYY-MM-DD field: None when left empty, a 422 naming the field when it is not a date."""
    text = raw.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{field}: {text!r} is not a date (YYYY-MM-DD)", field=field) from None


def form_model(make: Callable[[], Any]) -> Any:
    """A pydantic model from a form: its first validation error as the service's kind of refusal."""
    try:
        return make()
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "form"
        raise Invalid(f"{field}: {first.get('msg', 'invalid')}", field=field) from None


def departments(db: Session) -> list[dict[str, Any]]:
    return [{"id": i, "name": n} for i, n in db.execute(select(Department.id, Department.name).order_by(Department.name))]
