"""Form fields as the pages receive them (text), read into values with the 4xx that names the field: one rule
for every module's pages (an empty field is None; a required one says what to choose)."""

from __future__ import annotations

import math

from hcm.errors import Invalid
from hcm.fields import MAX_INT


def whole_number(raw: str | None, field: str, *, low: int = 1, high: int = MAX_INT) -> int | None:
    """The field as a whole number in ``low..high`` (by default an id: past the INTEGER columns it is nobody's), or
    None when it is empty."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise Invalid(f"{field}: {text!r} is not a whole number", field=field) from None
    if not low <= value <= high:
        raise Invalid(f"{field}: {text!r} is out of range ({low} to {high})", field=field)
    return value


def required_whole_number(raw: str | None, field: str, what: str, *, low: int = 1, high: int = MAX_INT) -> int:
    """``whole_number`` that must be given: an empty field is "choose ``what``"."""
    value = whole_number(raw, field, low=low, high=high)
    if value is None:
        raise Invalid(f"{field}: choose {what}", field=field)
    return value


def number(raw: str | None, field: str) -> float | None:
    """The field as a finite number, or None when it is empty."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise Invalid(f"{field}: {text!r} is not a number", field=field) from None
    if not math.isfinite(value):
        raise Invalid(f"{field}: {text!r} is not a finite number", field=field)
    return value
