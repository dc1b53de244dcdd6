"""Typed reading of one record. A getter that meets a bad value records {row, column, reason} and returns
None, so a whole file is checked in one pass and every problem is reported together.

Text is read exactly as the file holds it: spaces, tabs and line breaks at either end are part of a name
or a note (``text``). A code or an id (``code``) cannot have white space around it: such a value is
refused, naming the row and the column, never silently trimmed into another key. Around a number, a date,
a yes/no or a choice, white space is not part of the value and is ignored. Only a cell with nothing in it
at all is empty."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar

from hcm.errors import ImportRejected
from hcm.fields import CODE_PATTERN, EMAIL_PATTERN

E = TypeVar("E", bound=enum.Enum)

CODE_RE = re.compile(CODE_PATTERN)  # the API's rule for codes and external ids
EMAIL_RE = re.compile(EMAIL_PATTERN)
MONEY_MAX = Decimal("999999999999.99")  # Numeric(14, 2)
CENT = Decimal("0.01")
TRUE = {"true", "yes", "y", "1", "x"}
FALSE = {"false", "no", "n", "0"}


class Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, row: int, column: str | None, reason: str) -> None:
        self.items.append({"row": row, "column": column, "reason": reason})

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, kind: str) -> None:
        if self.items:
            self.items.sort(key=lambda e: e["row"])  # stable: within a row, the order columns were checked
            n = len(self.items)
            raise ImportRejected(
                f"{kind}: the file was rejected, nothing was written ({n} problem{'s' if n != 1 else ''})",
                details=self.items,
            )


def as_text(v: Any) -> str:
    """A cell as text, whatever the spreadsheet stored (XLSX cells come typed); text exactly as it is."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == time() else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def columns_of(header: Sequence[str], accepted: Sequence[str], required: Sequence[str], errors: Errors) -> dict[str, int]:
    """Map the accepted column names to their index; extra columns are ignored; missing required ones and
    repeated ones are reported on row 1."""
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in accepted:
            if name in index:
                errors.add(1, name, f"column {name!r} appears twice")
            else:
                index[name] = i
    for name in required:
        if name not in index:
            errors.add(1, name, f"missing required column {name!r}")
    return index


class Cells:
    """One record of the file, read through its column map."""

    __slots__ = ("_cells", "_cols", "_errors", "ok", "row")

    def __init__(self, row: int, cells: list[Any], cols: dict[str, int], errors: Errors) -> None:
        self.row, self._cells, self._cols, self._errors, self.ok = row, cells, cols, errors, True

    def has(self, col: str) -> bool:
        return col in self._cols

    def raw(self, col: str) -> Any:
        """The cell as the file holds it; None when it is empty (holds nothing at all)."""
        i = self._cols.get(col)
        if i is None or i >= len(self._cells):
            return None
        v = self._cells[i]
        return None if v is None or v == "" else v

    def _value(self, col: str, required: bool) -> Any:
        """The cell of a number, date, yes/no or choice column: white space around it is not part of it, and
        a cell of white space only is empty."""
        v = self.raw(col)
        if isinstance(v, str):
            v = v.strip() or None
        if v is None:
            self._missing(col, required)
        return v

    def error(self, col: str | None, reason: str) -> None:
        self.ok = False
        self._errors.add(self.row, col, reason)

    def _missing(self, col: str, required: bool) -> None:
        if required:
            self.error(col, "a value is required")

    def text(self, col: str, *, required: bool = False, max_len: int | None = None,
             pattern: re.Pattern[str] | None = None, what: str = "") -> str | None:
        v = self.raw(col)
        if v is None:
            self._missing(col, required)
            return None
        s = as_text(v)
        if max_len is not None and len(s) > max_len:
            self.error(col, f"too long: {len(s)} characters, at most {max_len}")
            return None
        if pattern is not None and not pattern.fullmatch(s):
            self.error(col, f"not a valid {what or col}: {s!r}")
            return None
        return s

    def code(self, col: str, *, required: bool = False, max_len: int | None = 64) -> str | None:
        """A code or an external id (a key, or a reference to one): exact, and never with white space around it."""
        v = self.raw(col)
        if v is None:
            self._missing(col, required)
            return None
        s = as_text(v)
        if not s.strip():
            self.error(col, f"only white space: {s!r}; a code is letters, digits and _ . : / -")
            return None
        if s != s.strip():
            self.error(col, f"white space around the code {s!r}: a code has none, and it is not trimmed")
            return None
        if max_len is not None and len(s) > max_len:
            self.error(col, f"too long: {len(s)} characters, at most {max_len}")
            return None
        return s

    def date(self, col: str, *, required: bool = False) -> date | None:
        v = self._value(col, required)
        if v is None:
            return None
        if isinstance(v, datetime):
            return v.date()
        if isinstance(v, date):
            return v
        s = as_text(v)
        try:
            return date.fromisoformat(s)
        except ValueError:
            self.error(col, f"not a date: {s!r} (expected YYYY-MM-DD)")
            return None

    def decimal(self, col: str, *, required: bool = False, minimum: Decimal | None = Decimal(0)) -> Decimal | None:
        v = self._value(col, required)
        if v is None:
            return None
        if isinstance(v, bool):
            self.error(col, f"not a number: {v!r}")
            return None
        if isinstance(v, int | float):
            # A spreadsheet number (often the result of a formula): money is kept to the cent.
            d = Decimal(str(v)).quantize(CENT, rounding=ROUND_HALF_UP)
        else:
            s = as_text(v)
            try:
                # Strict: "1,500" is 1500 in one locale and 1.5 in another, and money is not guessed.
                d = Decimal(s)
            except InvalidOperation:
                d = Decimal("NaN")
            if not d.is_finite():
                self.error(col, f"not a number: {s!r}")
                return None
            if d.as_tuple().exponent < -2:  # type: ignore[operator]
                self.error(col, f"at most 2 decimals: {s!r}")
                return None
        if minimum is not None and d < minimum:
            self.error(col, f"must be at least {minimum}: {as_text(v)!r}")
            return None
        if abs(d) > MONEY_MAX:
            self.error(col, f"too large: {as_text(v)!r}")
            return None
        return d

    def integer(self, col: str, *, required: bool = False, lo: int | None = None, hi: int | None = None) -> int | None:
        v = self._value(col, required)
        if v is None:
            return None
        n: int | None = None
        if isinstance(v, int) and not isinstance(v, bool):
            n = v
        elif isinstance(v, float) and v.is_integer():
            n = int(v)
        elif isinstance(v, str) and re.fullmatch(r"[+-]?[0-9]+(\.0+)?", v):
            n = int(v.split(".")[0])
        if n is None:
            self.error(col, f"not a whole number: {as_text(v)!r}")
            return None
        if (lo is not None and n < lo) or (hi is not None and n > hi):
            self.error(col, f"must be between {lo} and {hi}: {n}")
            return None
        return n

    def boolean(self, col: str, *, default: bool) -> bool | None:
        v = self._value(col, False)
        if v is None:
            return default
        if isinstance(v, bool):
            return v
        s = as_text(v).lower()
        if s in TRUE:
            return True
        if s in FALSE:
            return False
        self.error(col, f"not a yes/no value: {as_text(v)!r} (use true or false)")
        return None

    def choice(self, col: str, cls: type[E], *, required: bool = False, allowed: Sequence[E] | None = None) -> E | None:
        v = self._value(col, required)
        if v is None:
            return None
        s = as_text(v).lower()
        options = list(allowed or cls)
        for m in options:
            if m.value == s:
                return m
        self.error(col, f"{as_text(v)!r} is not one of: {', '.join(str(m.value) for m in options)}")
        return None
