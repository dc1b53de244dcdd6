"""API shapes of reading the points ledger: balances, one person's ledger, leaderboards (the rules and
entries themselves are in ``performance.router.points``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from hcm.fields import Timestamp


class PointsBalance(BaseModel):
    employee_id: int
    name: str
    points: int


class LedgerEntry(BaseModel):
    id: int
    created_at: Timestamp
    rule_code: str | None
    amount: int
    reason: str
    corrects_entry_id: int | None  # set on a correction: the entry it compensates
    created_by_user_id: int | None
    corrected: int  # on an original entry: the sum of its corrections so far
    balance: int  # the running balance after this entry


class PointsLedger(BaseModel):
    """One employee's entries in a period, oldest first."""

    period_id: int
    employee_id: int
    name: str
    balance: int
    entries: list[LedgerEntry]


class LeaderboardEntry(BaseModel):
    rank: int  # ties share a rank
    employee_id: int
    name: str
    points: int


class Leaderboard(BaseModel):
    period_id: int
    scope: Literal["team", "department", "company"]
    department_id: int | None  # with scope department only
    entries: list[LeaderboardEntry]
