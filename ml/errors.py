"""The error the ml adapter raises for input it cannot use (a bad CSV, a missing column, a label with one class)."""

from __future__ import annotations


class DataError(ValueError):
    """Input data the models cannot be trained or evaluated on; the message says what is wrong and where.

    The CLI prints the message and exits with code 2 (bad input), never a traceback."""
