"""Field types every module's API shapes share, and the patterns behind them (the file import checks the
same patterns, so a code that the API takes, an import takes too)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# Business keys (department / position / skill / goal codes, employee external ids) and e-mail addresses.
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=CODE_PATTERN)]
Email = Annotated[str, Field(max_length=200, pattern=EMAIL_PATTERN)]
