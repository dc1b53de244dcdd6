"""Errors specific to performance management (all are HcmError, so the one handler renders them)."""

from __future__ import annotations

from hcm.errors import Conflict


class PeriodClosed(Conflict):
    """A closed period is read-only."""

    def __init__(self, code: str) -> None:
        super().__init__(f"period {code!r} is closed: closed periods are read-only", field="period_id")


class LedgerAppendOnly(Conflict):
    def __init__(self) -> None:
        super().__init__("points ledger entries are append-only: post a compensating entry (corrects_entry_id) "
                         "instead of editing or deleting", field="entry_id")
