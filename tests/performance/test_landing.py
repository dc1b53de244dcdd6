"""Which period the performance pages open on (performance.service.landing.default_period): the current one
when it has goals for the person, else the latest with results for them, else the one people work in."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from hcm.policy import Principal
from performance.models import Goal, GoalLevel, GoalResult, Period, PeriodKind, PeriodState
from performance.service.landing import default_period
from tests import factories
from tests.factories import Org

TODAY = date(2026, 12, 1)


def _period(db: Session, code: str, start: date, end: date, state: PeriodState, *,
            kind: PeriodKind = PeriodKind.ANNUAL) -> Period:
    p = Period(code=code, name=code, kind=kind, start_date=start, end_date=end, state=state)
    db.add(p)
    db.flush()
    return p


def _goal(db: Session, p: Period, code: str, level: GoalLevel, *, score: float | None = None, **target: int) -> Goal:
    g = Goal(period_id=p.id, code=code, title=code, level=level, **target)
    db.add(g)
    db.flush()
    if score is not None:  # as a recompute left it
        db.add(GoalResult(goal_id=g.id, period_id=p.id, level=level.value, score=score, at_risk=False))
        db.flush()
    return g


def _who(db: Session, org: Org, username: str) -> Principal:
    return factories.principal(db, org.users[username])


def test_the_current_period_without_goals_gives_way_to_the_one_with_them(db: Session, org: Org) -> None:
    """December: the year is in review with its goals, its last quarter in progress with none planned (what
    the demo showed: every role opened on an empty quarter)."""
    year = _period(db, "Y26", date(2026, 1, 1), date(2027, 1, 1), PeriodState.REVIEW)
    q4 = _period(db, "Y26-Q4", date(2026, 10, 1), date(2027, 1, 1), PeriodState.IN_PROGRESS, kind=PeriodKind.QUARTER)
    _goal(db, year, "C1", GoalLevel.COMPANY)
    _goal(db, year, "P-ALICE", GoalLevel.POST, position_id=org.positions["team1"].id)
    for username in ("hr", "exec", "employee"):
        assert default_period(db, principal=_who(db, org, username), today=TODAY) == year, username
    # once the quarter has goals of theirs, the period in progress comes first
    _goal(db, q4, "C1", GoalLevel.COMPANY)
    assert default_period(db, principal=_who(db, org, "hr"), today=TODAY) == q4
    assert default_period(db, principal=_who(db, org, "employee"), today=TODAY) == year  # alice has none there
    _goal(db, q4, "P-ALICE", GoalLevel.POST, position_id=org.positions["team1"].id)
    assert default_period(db, principal=_who(db, org, "employee"), today=TODAY) == q4
    # in progress, a year comes before its quarters
    year.state = PeriodState.IN_PROGRESS
    db.flush()
    assert default_period(db, principal=_who(db, org, "employee"), today=TODAY) == year


def test_a_person_with_nothing_current_opens_on_their_latest_results(db: Session, org: Org) -> None:
    old = _period(db, "Y24", date(2024, 1, 1), date(2025, 1, 1), PeriodState.CLOSED)
    last = _period(db, "Y25", date(2025, 1, 1), date(2026, 1, 1), PeriodState.CLOSED)
    last_q = _period(db, "Y25-Q4", date(2025, 10, 1), date(2026, 1, 1), PeriodState.CLOSED, kind=PeriodKind.QUARTER)
    now = _period(db, "Y26", date(2026, 1, 1), date(2027, 1, 1), PeriodState.IN_PROGRESS)
    _goal(db, now, "P-BOB", GoalLevel.POST, position_id=org.positions["team2"].id)  # someone else's
    _goal(db, old, "P-ALICE", GoalLevel.POST, position_id=org.positions["team1"].id, score=90.0)
    alice = _who(db, org, "employee")
    assert default_period(db, principal=alice, today=TODAY) == old
    _goal(db, last_q, "P-ALICE", GoalLevel.POST, position_id=org.positions["team1"].id, score=80.0)
    assert default_period(db, principal=alice, today=TODAY) == last_q
    _goal(db, last, "P-ALICE", GoalLevel.POST, position_id=org.positions["team1"].id, score=None)  # not scored
    assert default_period(db, principal=alice, today=TODAY) == last_q
    _goal(db, last, "E-ALICE", GoalLevel.EMPLOYEE, employee_id=org.people["alice"].id, score=70.0)
    assert default_period(db, principal=alice, today=TODAY) == last  # the year before its quarter on the same end
    # the manager's own goals count, not the team's
    assert default_period(db, principal=_who(db, org, "manager"), today=TODAY) == now  # nothing of boss's: as before


def test_only_a_running_period_that_contains_today_is_current(db: Session, org: Org) -> None:
    assert default_period(db, principal=_who(db, org, "hr"), today=TODAY) is None  # no periods at all
    stale = _period(db, "Y25", date(2025, 1, 1), date(2026, 1, 1), PeriodState.IN_PROGRESS)  # never closed
    later = _period(db, "Y27", date(2027, 1, 1), date(2028, 1, 1), PeriodState.PLANNING)
    _goal(db, stale, "C1", GoalLevel.COMPANY)
    _goal(db, later, "C1", GoalLevel.COMPANY)
    hr = _who(db, org, "hr")
    assert default_period(db, principal=hr, today=TODAY) == stale  # nothing current: nothing scored: as before
    now = _period(db, "Y26", date(2026, 1, 1), date(2027, 1, 1), PeriodState.IN_PROGRESS)
    _goal(db, now, "C1", GoalLevel.COMPANY)
    assert default_period(db, principal=hr, today=TODAY) == now
    assert default_period(db, principal=hr, today=date(2025, 12, 31)) == stale  # current on its last day
    # on its end day a period is over: nothing is current, nothing scored, so the running one begun last
    assert default_period(db, principal=hr, today=date(2027, 1, 1)) == now
    _goal(db, stale, "C2", GoalLevel.COMPANY, score=95.0)
    assert default_period(db, principal=hr, today=date(2027, 1, 1)) == stale
