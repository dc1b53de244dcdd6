"""Typed domain errors. One handler turns them into JSON (API) or an error page (web)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel


class HcmError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details
        self.headers: dict[str, str] = {}  # sent with the response (e.g. Retry-After)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "detail": self.message}
        if self.field:
            body["field"] = self.field
        if self.details is not None:
            body["errors"] = self.details
        return body


class ErrorOut(BaseModel):
    """The JSON body of an error (``HcmError.to_dict``), for routes whose only answer is one."""

    error: str  # the kind: not_found, conflict, invalid, ...
    detail: str
    field: str | None = None  # the field or parameter at fault, when there is one
    errors: Any = None  # every problem, when there are several (e.g. the rows of a rejected import)


class Problem(BaseModel):
    """One problem of a refused request (``field``) or of a rejected file (``row`` and ``column``)."""

    reason: str
    field: str | None = None  # the field or parameter at fault, dotted for nested ones (children.0.weight)
    row: int | None = None
    column: str | None = None


class InvalidOut(BaseModel):
    """The JSON body of a 422: the request was refused and nothing was written."""

    error: str  # invalid (a field or parameter), import_rejected (a file's rows)
    detail: str
    field: str | None = None
    errors: list[Problem] | None = None  # every problem, when there are several


class NotFound(HcmError):
    status_code = 404
    code = "not_found"

    def __init__(self, entity: str, key: object, *, field: str = "id") -> None:
        super().__init__(f"{entity} with {field}={key!r} does not exist", field=field)
        self.entity = entity
        self.key = key


class Conflict(HcmError):
    status_code = 409
    code = "conflict"


class Invalid(HcmError):
    status_code = 422
    code = "invalid"


class Unauthorized(HcmError):
    status_code = 401
    code = "unauthorized"


class Forbidden(HcmError):
    status_code = 403
    code = "forbidden"


class TooManyRequests(HcmError):
    """Refused for now (e.g. too many failed log-ins); ``Retry-After`` says for how long, in seconds."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


class ImportRejected(HcmError):
    """A file with at least one bad row: nothing was written. ``details`` lists every problem."""

    status_code = 422
    code = "import_rejected"


def collision(exc: Exception) -> Conflict:
    """A database rule (unique key, reference) stopped a write that the service's own checks let through:
    another transaction wrote the same thing at the same time, after those checks ran. Nothing of this
    request was saved. Named after the rule, with its column as the field where the name tells it."""
    orig = getattr(exc, "orig", exc)
    diag = getattr(orig, "diag", None)
    rule: str | None = getattr(diag, "constraint_name", None)
    field: str | None = None
    table = getattr(diag, "table_name", None)
    if rule and table and rule.startswith(f"uq_{table}_"):
        field = rule.removeprefix(f"uq_{table}_")
    elif rule is None:  # SQLite says "UNIQUE constraint failed: departments.code"
        found = re.search(r"constraint failed: (\w+)\.(\w+)", str(orig))
        if found:
            rule, field = f"{found[1]}.{found[2]}", found[2]
    what = f" {field!r}" if field else ""
    return Conflict(f"the{what} value was saved by someone else at the same time ({rule or 'a database rule'}); "
                    "nothing was saved: reload and try again", field=field)


def refused_value(exc: Exception) -> Invalid:
    """The database refused a value the request's validation let through (a number out of a column's range, a
    text it cannot store). Validation in front of the services is meant to stop every such value; this is the net
    behind it, a 422 the caller can act on instead of a 500. Named after the column where the database says it."""
    orig = getattr(exc, "orig", exc)
    diag = getattr(orig, "diag", None)
    field: str | None = getattr(diag, "column_name", None)
    what = getattr(diag, "message_primary", None) or "a value the database cannot store"
    return Invalid(f"{field + ': ' if field else ''}{what}; nothing was saved", field=field)
