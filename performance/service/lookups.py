"""Looking up a period and guarding the writes that belong to one: what every performance service checks
first. Apart from the period lifecycle (``periods``), so the services it drives can use them too."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hcm.db import get_or_404
from hcm.errors import Conflict
from performance.errors import PeriodClosed
from performance.models import Period, PeriodState


def get_period(db: Session, period_id: int) -> Period:
    return get_or_404(db, Period, period_id)


def ensure_writable(db: Session, period_id: int, *, for_update: bool = False) -> Period:
    """Every write that belongs to a period goes through here: closed periods refuse it.

    The period's row stays locked until the transaction ends: shared by the writes into the period (any
    number at once), exclusively (``for_update``) by changes of the period itself, its state above all. So
    a period never closes under a check-in in flight, and a check-in that waited for a closing period reads
    the closed state and is refused. (SQLite has one writer at a time and needs no row locks.)"""
    p = get_or_404(db, Period, period_id, lock="update" if for_update else "share")
    if p.state is PeriodState.CLOSED:
        raise PeriodClosed(p.code)
    return p


def ensure_state(period: Period, *allowed: PeriodState, action: str) -> None:
    if period.state not in allowed:
        names = " or ".join(s.value for s in allowed)
        raise Conflict(f"{action} needs the period {period.code!r} to be {names}; it is {period.state.value}",
                       field="period_id")
