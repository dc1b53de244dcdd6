"""Field types every module's API shapes share, and the patterns behind them (the file import checks the
same patterns, so a code that the API takes, an import takes too).

Odd input is refused here, in front of the services, with a 422 naming the field, never by the database with a
500: every request body is an ``In`` (a ``Patch`` for a partial update), every id in a path, a query or a body
is an ``Id``, every other whole number that is stored is an ``Int``, every free-text query is a ``SearchText``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, get_args

from annotated_types import Interval, MaxLen
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

# Business keys (department / position / skill / goal codes, employee external ids) and e-mail addresses.
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=CODE_PATTERN)]
Email = Annotated[str, Field(max_length=200, pattern=EMAIL_PATTERN)]

# Ids and the whole numbers the tables keep are INTEGER columns: 32 bits on PostgreSQL, where a larger value
# is a DataError (SQLite's 64 bits overflow in the driver instead). One bound for both.
MAX_INT = 2**31 - 1
MAX_SEARCH = 200  # characters of a free-text search (SQLite refuses LIKE patterns past 50,000 bytes)
MAX_TEXT = 4000  # characters of a free-text body field without a column limit of its own (descriptions)
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)  # far enough for any plan, near enough that date arithmetic never overflows
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: Any) -> Any:
    # Pydantic's lax mode reads a number as seconds since 1970; a date in the API is written YYYY-MM-DD.
    if isinstance(value, date) or (isinstance(value, str) and _DAY.fullmatch(value)):
        return value
    raise PydanticCustomError("date_type", "Input should be a date written YYYY-MM-DD")


def plain_text(value: str) -> str:
    """Text a database can store: no NUL character (PostgreSQL refuses it) and no lone surrogate (which JSON's
    ``\\ud800`` escapes can produce and no encoder can write)."""
    if "\x00" in value:
        raise PydanticCustomError("string_nul", "Text should not contain the NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("string_unicode", "Text should be valid Unicode (a lone surrogate is not)") from None
    return value


# Constraints as annotated-types (not ``Field``): the same type then serves a path or query parameter, where
# FastAPI would take a ``Field`` for the parameter's own declaration, and a body field, where a ``Field`` can narrow
# it further (``count: Int = Field(ge=0)``). Day's BeforeValidator comes last: pydantic runs it first.
Id = Annotated[int, Interval(ge=1, le=MAX_INT)]
Int = Annotated[int, Interval(ge=-MAX_INT, le=MAX_INT)]
Day = Annotated[date, Interval(ge=FIRST_DAY, le=LAST_DAY), BeforeValidator(_iso_day)]
SearchText = Annotated[str, MaxLen(MAX_SEARCH), AfterValidator(plain_text)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]  # the NUMERIC(14, 2) columns (pay, salary)


def _rfc3339(value: datetime) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat().replace("+00:00", "Z")


# A moment in an answer. The tables keep naive UTC (hcm.db.utcnow); JSON says so, as RFC 3339 (the OpenAPI
# "date-time" format) requires: 2026-05-01T09:30:00Z. Python callers keep the naive value.
Timestamp = Annotated[datetime, PlainSerializer(_rfc3339, return_type=str, when_used="json"),
                      WithJsonSchema({"type": "string", "format": "date-time"})]
LongText = Annotated[str, MaxLen(MAX_TEXT)]


def _wants_number(annotation: Any) -> bool:
    """Whether a field's type holds a number (int, float, Decimal), alone or in a list, an optional, a mapping."""
    if annotation in (int, float, Decimal):
        return True
    return any(_wants_number(arg) for arg in get_args(annotation) if arg is not bool)


def _no_booleans(value: Any) -> None:
    # Pydantic's lax mode reads true/false as 1/0: a boolean where a number belongs is a client's mistake.
    if isinstance(value, bool):
        raise PydanticCustomError("number_type", "Input should be a number, not true or false")
    if isinstance(value, list | tuple):
        for v in value:
            _no_booleans(v)
    elif isinstance(value, dict):
        for v in value.values():
            _no_booleans(v)


def _texts(value: Any) -> None:
    if isinstance(value, str):
        plain_text(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            _texts(k)
            _texts(v)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            _texts(v)


class In(BaseModel):
    """A request body: unknown keys are refused (a typo is not silently dropped), numbers are finite (no NaN,
    Infinity or 1e400, in float and Decimal fields alike) and are numbers (not true or false), and every text is
    ``plain_text``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and _wants_number(field.annotation):
            _no_booleans(value)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _plain_texts(cls, value: Any) -> Any:
        _texts(value)
        return value


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def keep_if_left_out(**constraints: Any) -> Any:
    """A ``Patch`` field whose column always has a value: left out, it stays as it is; null is refused (422)
    instead of reaching the NOT NULL column. Declare it with its type without ``None``:
    ``name: str = keep_if_left_out(min_length=1)``."""
    return Field(default=None, json_schema_extra=_no_default, **constraints)


class Patch(In):
    """A partial update: only the fields sent change. A field typed ``X | None`` is cleared by null; one typed
    without ``None`` (``keep_if_left_out``) may be left out but not sent as null."""

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_allowed(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if value is None and field is not None and type(None) not in get_args(field.annotation):
            raise PydanticCustomError("null_not_allowed", "Cannot be null: leave the field out to keep its value")
        return value
