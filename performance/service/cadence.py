"""When a check-in is due: the one definition, following each indicator's cadence.

A period covers the days ``[start_date, end_date)`` (its ``end_date`` is the first day after it, as everywhere in
performance). An indicator's cadence cuts the period into **reporting intervals**, each ending on a
**reporting date**:

- ``monthly``: every last day of a calendar month inside the period;
- ``quarterly``: every last day of a calendar quarter (31 March, 30 June, 30 September, 31 December) inside it;
- ``period_end``: none of those;

and, whatever the cadence, the period's last day (``end_date - 1 day``) is always the last reporting date, so a
period that does not end on a month or quarter end still closes with one check-in. The intervals are
``(previous reporting date, reporting date]``, the first one starting on the period's first day.

A check-in (by its ``as_of``, the day the value was measured) covers the interval it falls in. The check-in
**due** is for the first interval after the one the latest check-in covers (the first interval when there is
none): ``due_date`` is that interval's reporting date, and it **is due** once that day is over, that is from the
next day on (the check-in for November is due from 1 December). After the last interval is covered nothing more
is due. Examples, a year 2026 (``[2026-01-01, 2027-01-01)``):

- monthly, last check-in 2026-10-31 → due for 2026-11-30, due from 2026-12-01;
- quarterly, last check-in 2026-09-30 → due for 2026-12-31, not due on 2026-12-01;
- period end → due for 2026-12-31 from 2027-01-01 (while the period is in review);
- monthly, last check-in 2026-11-15 → it covers November: the next is due for 2026-12-31.

Whether a period takes check-ins at all (in progress or in review) is the caller's question
(``performance.service.team.CHECKIN_STATES``).
"""

from __future__ import annotations

from datetime import date, timedelta

from performance.models import Cadence

# the months a calendar quarter ends in
_QUARTER_END_MONTHS = (3, 6, 9, 12)


def _month_end(year: int, month: int) -> date:
    first_of_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return first_of_next - timedelta(days=1)


def reporting_dates(cadence: Cadence, start: date, end: date) -> list[date]:
    """The reporting dates of a period ``[start, end)`` for ``cadence``, in order; the last is ``end - 1 day``."""
    last = end - timedelta(days=1)
    if last < start:
        raise ValueError(f"end ({end}) must be after start ({start})")
    days: list[date] = []
    if cadence is not Cadence.PERIOD_END:
        year, month = start.year, start.month
        while True:
            day = _month_end(year, month)
            if day >= last:
                break
            if cadence is Cadence.MONTHLY or month in _QUARTER_END_MONTHS:
                days.append(day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    days.append(last)
    return days


def due_date(cadence: Cadence, start: date, end: date, last_as_of: date | None) -> date | None:
    """The reporting date of the next check-in of an indicator of ``cadence`` in the period ``[start, end)``
    whose latest check-in is as of ``last_as_of`` (None: never checked in); None when the last interval is
    covered. A check-in dated before the period covers nothing; one after it covers the last interval."""
    dates = reporting_dates(cadence, start, end)
    if last_as_of is None or last_as_of < start:
        return dates[0]
    covered = next((k for k, day in enumerate(dates) if last_as_of <= day), len(dates) - 1)
    return dates[covered + 1] if covered + 1 < len(dates) else None


def is_due(cadence: Cadence, start: date, end: date, last_as_of: date | None, today: date) -> bool:
    """Is a check-in due on ``today``: the next reporting date (``due_date``) is over."""
    day = due_date(cadence, start, end, last_as_of)
    return day is not None and day < today
