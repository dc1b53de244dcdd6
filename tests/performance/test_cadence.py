"""When a check-in is due (performance.service.cadence): the reporting dates of each cadence, the next one after
the latest check-in and from which day it is due, on pinned dates worked out by hand; then the lists built on it
(``team.checkins_due``) for each role, on SQLite and PostgreSQL, including the issue's case: a manager whose 35
check-ins "due" on 1 December were 33 quarterly indicators last checked in on 30 September."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import literal

from performance.models import Cadence, Goal, GoalLevel, Indicator, PeriodState
from performance.service import team
from performance.service.cadence import due_date, is_due, reporting_dates
from performance.service.tasks_panel import _own_checkins
from tests import factories
from tests.performance import factories as perf

M, Q, E = Cadence.MONTHLY, Cadence.QUARTERLY, Cadence.PERIOD_END
Y26 = (date(2026, 1, 1), date(2027, 1, 1))  # the year 2026: [start, end)
D = date


# --- the reporting dates -------------------------------------------------------------------------------
def test_the_reporting_dates_of_a_calendar_year() -> None:
    assert reporting_dates(M, *Y26) == [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30),
                                        D(2026, 5, 31), D(2026, 6, 30), D(2026, 7, 31), D(2026, 8, 31),
                                        D(2026, 9, 30), D(2026, 10, 31), D(2026, 11, 30), D(2026, 12, 31)]
    assert reporting_dates(Q, *Y26) == [D(2026, 3, 31), D(2026, 6, 30), D(2026, 9, 30), D(2026, 12, 31)]
    assert reporting_dates(E, *Y26) == [D(2026, 12, 31)]


def test_a_leap_february_ends_on_the_29th() -> None:
    assert reporting_dates(M, D(2028, 1, 1), D(2029, 1, 1))[:3] == [D(2028, 1, 31), D(2028, 2, 29), D(2028, 3, 31)]
    assert reporting_dates(M, D(2026, 1, 1), D(2026, 4, 1)) == [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31)]
    assert reporting_dates(M, D(2100, 2, 1), D(2100, 4, 1)) == [D(2100, 2, 28), D(2100, 3, 31)]  # 2100: not leap


def test_a_period_off_the_calendar_closes_on_its_last_day() -> None:
    # the plan's year, 2 February 2026 to 1 February 2027 (its end_date is the day after)
    start, end = D(2026, 2, 2), D(2027, 2, 2)
    months = reporting_dates(M, start, end)
    assert months[0] == D(2026, 2, 28) and months[-2:] == [D(2027, 1, 31), D(2027, 2, 1)] and len(months) == 13
    assert reporting_dates(Q, start, end) == [D(2026, 3, 31), D(2026, 6, 30), D(2026, 9, 30), D(2026, 12, 31),
                                              D(2027, 2, 1)]
    assert reporting_dates(E, start, end) == [D(2027, 2, 1)]


def test_a_period_shorter_than_a_quarter() -> None:
    # mid-February to mid-April: one quarter end inside it, then the period's last day
    start, end = D(2026, 2, 15), D(2026, 4, 15)
    assert reporting_dates(Q, start, end) == [D(2026, 3, 31), D(2026, 4, 14)]
    assert reporting_dates(M, start, end) == [D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 14)]
    # inside one quarter: a quarterly indicator is checked in once, at the end, like a period-end one
    assert reporting_dates(Q, D(2026, 4, 1), D(2026, 6, 1)) == [D(2026, 5, 31)] == reporting_dates(
        E, D(2026, 4, 1), D(2026, 6, 1))
    # a quarter exactly: its end is the period's last day, once
    assert reporting_dates(Q, D(2026, 1, 1), D(2026, 4, 1)) == [D(2026, 3, 31)]
    assert reporting_dates(M, D(2026, 3, 10), D(2026, 3, 11)) == [D(2026, 3, 10)]  # a one-day period
    with pytest.raises(ValueError):
        reporting_dates(M, D(2026, 3, 10), D(2026, 3, 10))


# --- the next check-in and when it is due -------------------------------------------------------------------
@pytest.mark.parametrize(("cadence", "last", "due"), [
    # the module's examples
    (M, D(2026, 10, 31), D(2026, 11, 30)),
    (Q, D(2026, 9, 30), D(2026, 12, 31)),
    (E, None, D(2026, 12, 31)),
    (M, D(2026, 11, 15), D(2026, 12, 31)),  # mid-November covers November
    # never checked in: the first interval
    (M, None, D(2026, 1, 31)), (Q, None, D(2026, 3, 31)),
    # the period's first day covers the first interval; a day before the period covers nothing
    (M, D(2026, 1, 1), D(2026, 2, 28)), (Q, D(2026, 1, 1), D(2026, 6, 30)), (E, D(2026, 1, 1), None),
    (M, D(2025, 12, 31), D(2026, 1, 31)), (Q, D(2025, 12, 31), D(2026, 3, 31)),
    # a check-in exactly on a reporting date covers the interval it closes; the next day opens the next one
    (M, D(2026, 1, 31), D(2026, 2, 28)), (M, D(2026, 2, 1), D(2026, 3, 31)),
    (Q, D(2026, 3, 31), D(2026, 6, 30)), (Q, D(2026, 4, 1), D(2026, 9, 30)),
    (Q, D(2026, 6, 30), D(2026, 9, 30)), (Q, D(2026, 7, 1), D(2026, 12, 31)),
    # the last interval covered: nothing more is due, even after the period
    (M, D(2026, 12, 1), None), (M, D(2026, 12, 31), None), (Q, D(2026, 10, 1), None), (E, D(2026, 12, 31), None),
    (M, D(2027, 1, 1), None), (E, D(2027, 3, 1), None),
])
def test_the_next_check_in_of_a_calendar_year(cadence, last, due) -> None:  # type: ignore[no-untyped-def]
    assert due_date(cadence, *Y26, last) == due


@pytest.mark.parametrize(("cadence", "last", "today", "expected"), [
    # due from the day after its reporting date, not on it
    (M, D(2026, 10, 31), D(2026, 11, 30), False), (M, D(2026, 10, 31), D(2026, 12, 1), True),
    # the case: quarterly, last 30 September, on 1 December: December's quarter is not over
    (Q, D(2026, 9, 30), D(2026, 12, 1), False), (Q, D(2026, 9, 30), D(2026, 12, 31), False),
    (Q, D(2026, 9, 30), D(2027, 1, 1), True),
    # the same monthly indicator on 1 December is one month behind
    (M, D(2026, 9, 30), D(2026, 12, 1), True),
    # at period end: only once the period is over (in review)
    (E, None, D(2026, 12, 31), False), (E, None, D(2027, 1, 1), True),
    # ... and a check-in during the period covers its one interval, the whole period
    (E, D(2026, 6, 1), D(2027, 1, 1), False),
    # never checked in, monthly: January's from 1 February; quarterly: the first quarter's from 1 April
    (M, None, D(2026, 1, 31), False), (M, None, D(2026, 2, 1), True),
    (Q, None, D(2026, 3, 31), False), (Q, None, D(2026, 4, 1), True),
    # all covered: never due again
    (M, D(2026, 12, 31), D(2027, 6, 1), False), (Q, D(2026, 12, 15), D(2027, 6, 1), False),
])
def test_is_due_from_the_day_after_the_reporting_date(cadence, last, today, expected) -> None:  # type: ignore[no-untyped-def]
    assert is_due(cadence, *Y26, last, today) is expected


def test_leap_february() -> None:
    leap = (D(2028, 1, 1), D(2029, 1, 1))
    assert due_date(M, *leap, D(2028, 1, 31)) == D(2028, 2, 29)
    assert not is_due(M, *leap, D(2028, 1, 31), D(2028, 2, 29)) and is_due(M, *leap, D(2028, 1, 31), D(2028, 3, 1))
    assert due_date(M, *leap, D(2028, 2, 28)) == D(2028, 3, 31)  # 28 February covers February
    assert due_date(M, *leap, D(2028, 2, 29)) == D(2028, 3, 31)
    assert due_date(M, *Y26, D(2026, 1, 31)) == D(2026, 2, 28)
    assert not is_due(M, *Y26, D(2026, 1, 31), D(2026, 2, 28)) and is_due(M, *Y26, D(2026, 1, 31), D(2026, 3, 1))


def test_the_next_check_in_of_a_period_shorter_than_a_quarter() -> None:
    short = (D(2026, 2, 15), D(2026, 4, 15))
    assert due_date(Q, *short, None) == D(2026, 3, 31)
    assert due_date(Q, *short, D(2026, 2, 15)) == D(2026, 4, 14)
    assert due_date(Q, *short, D(2026, 4, 1)) is None  # after the quarter end: the last (short) interval
    assert due_date(E, *short, None) == D(2026, 4, 14)
    assert is_due(Q, *short, D(2026, 3, 31), D(2026, 4, 15)) and not is_due(Q, *short, D(2026, 3, 31), D(2026, 4, 14))
    assert due_date(M, *short, D(2026, 2, 28)) == D(2026, 3, 31) and due_date(M, *short, D(2026, 3, 1)) == D(2026, 4, 14)


# --- the lists built on it, per role ------------------------------------------------------------------------
# The plan (tests/performance/factories.py): 2 February 2026 to 1 February 2027, monthly indicators by default.
# The boss's team: A1 (Alice's post goal, last 11 August), A2 (Alice's, a rubric level, never), B1 (Bob's, last
# 3 April), DN1 (Dana's, last 16 August); outside it CR1 (Carol's, never).
def _due(rows: list[team.DueCheckIn]) -> dict[str, date]:
    return {d.indicator_code: d.due for d in rows}


def test_the_managers_team_the_employees_own_and_hr_on_pinned_days(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    boss, hr, alice = org.principal("manager"), org.principal("hr"), org.principal("employee")
    pid = plan.period.id
    aug21 = plan.today
    assert aug21 == D(2026, 8, 21)
    mine = team.team_view(db, principal=boss, period_id=pid, today=aug21).checkins_due
    # A2 never checked in: February's (28th) is due; B1's April check-in covers April: May's is due
    assert _due(mine) == {"A2": D(2026, 2, 28), "B1": D(2026, 5, 31)}
    assert [d.indicator_code for d in mine] == ["A2", "B1"]  # oldest due first
    assert {d.indicator_code: d.name for d in mine} == {"A2": "Alice Analyst", "B1": "Bob Lead"}
    assert {d.indicator_code: d.goal_title for d in mine} == {"A2": "Close support tickets",
                                                              "B1": "Roll out the new process"}
    # HR looking at the same manager's team: the same list; HR has no own check-ins
    assert _due(team.team_view(db, principal=hr, period_id=pid, manager_id=org.people["boss"].id,
                               today=aug21).checkins_due) == _due(mine)
    assert _own_checkins(db, hr, plan.period, aug21) == []
    # the employee's own: A1 covers August; A2 is her manager's to record (a rubric level of her): nothing
    assert _own_checkins(db, alice, plan.period, aug21) == []
    # on 1 September August is over for everybody: A1 and DN1 (August covered) wait for September
    sep1 = D(2026, 9, 1)
    assert _due(team.team_view(db, principal=boss, period_id=pid, today=sep1).checkins_due) == {
        "A2": D(2026, 2, 28), "B1": D(2026, 5, 31)}
    oct1 = D(2026, 10, 1)
    assert _due(team.team_view(db, principal=boss, period_id=pid, today=oct1).checkins_due) == {
        "A1": D(2026, 9, 30), "A2": D(2026, 2, 28), "B1": D(2026, 5, 31), "DN1": D(2026, 9, 30)}
    assert _due(_own_checkins(db, alice, plan.period, oct1)) == {"A1": D(2026, 9, 30)}
    # Carol's CR1 is outside the boss's team whatever the day
    assert "CR1" not in _due(team.team_view(db, principal=boss, period_id=pid, today=D(2027, 1, 15)).checkins_due)


def test_the_team_lists_follow_each_indicators_cadence(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    boss, alice = org.principal("manager"), org.principal("employee")
    for code, cad in (("A1", Q), ("A2", E), ("DN1", E), ("B1", Q)):
        plan.indicators[code].cadence = cad
    db.flush()
    pid = plan.period.id
    oct1, jan15 = D(2026, 10, 1), D(2027, 1, 15)
    # 1 October: A1 (quarterly, 11 August) covers the third quarter; A2 (never, at period end) waits for the
    # period's end; DN1 (at period end, 16 August) is covered; B1 (quarterly, 3 April) covers the second
    # quarter: the third's (30 September) is due
    assert _due(team.team_view(db, principal=boss, period_id=pid, today=oct1).checkins_due) == {"B1": D(2026, 9, 30)}
    assert _own_checkins(db, alice, plan.period, oct1) == []
    # 15 January 2027: the fourth quarter is over
    assert _due(team.team_view(db, principal=boss, period_id=pid, today=jan15).checkins_due) == {
        "A1": D(2026, 12, 31), "B1": D(2026, 9, 30)}
    # 2 February 2027, the period over (its last day 1 February): A2's one check-in is due, DN1's was made
    feb2 = D(2027, 2, 2)
    assert _due(team.team_view(db, principal=boss, period_id=pid, today=feb2).checkins_due) == {
        "A1": D(2026, 12, 31), "A2": D(2027, 2, 1), "B1": D(2026, 9, 30)}
    assert _due(team.team_view(db, principal=boss, period_id=pid, today=D(2027, 2, 1)).checkins_due) == {
        "A1": D(2026, 12, 31), "B1": D(2026, 9, 30)}  # on the last day itself, not yet
    # a check-in exactly on the reporting date covers its quarter
    perf.check_in(db, boss, plan.indicators["B1"], D(2026, 9, 30), milestones_done=2)
    assert "B1" not in _due(team.team_view(db, principal=boss, period_id=pid, today=oct1).checkins_due)
    # once the period is in calibration nobody is asked for a check-in
    perf.advance(db, plan.period, PeriodState.CALIBRATION)
    assert team.team_view(db, principal=boss, period_id=pid, today=feb2).checkins_due == []
    assert _own_checkins(db, alice, plan.period, feb2) == []


def test_33_of_35_quarterly_indicators_last_checked_in_on_30_september_are_not_due_on_1_december(  # type: ignore[no-untyped-def]
        db, org) -> None:
    hr, boss = org.principal("hr"), org.principal("manager")
    with factories.today_pinned(D(2026, 12, 1)):
        p = perf.period(db, code="FY26-C", state=PeriodState.PLANNING)  # the year 2026
        post = perf.goal(db, hr, p, "P-ALICE-26", GoalLevel.POST, title="Close support tickets",
                         position_id=org.positions["team1"].id)
        made: list[Indicator] = []
        for n in range(35):
            cad = Q if n < 33 else M
            made.append(perf.indicator(db, hr, post, f"K{n:02d}", name=f"Indicator {n}", kind="quantitative",
                                       klass="operational", threshold=80, target=100,
                                       weight=2 if n < 33 else 17, cadence=cad))
        perf.advance(db, p, PeriodState.IN_PROGRESS)
        for ind in made:
            perf.check_in(db, hr, ind, D(2026, 9, 30), actual=90)
        due = team.team_view(db, principal=boss, period_id=p.id, today=D(2026, 12, 1)).checkins_due
        # the two monthly ones owe October (31 October); the 33 quarterly ones are due for 31 December only
        assert _due(due) == {"K33": D(2026, 10, 31), "K34": D(2026, 10, 31)}
        assert all(d.goal_title == "Close support tickets" for d in due)  # by title, not code
        assert len(_own_checkins(db, org.principal("employee"), p, D(2026, 12, 1))) == 2
        # on 1 January 2027 the fourth quarter is over: all 35 are due
        assert len(team.team_view(db, principal=boss, period_id=p.id, today=D(2027, 1, 1)).checkins_due) == 35


def test_checkins_due_lists_post_and_employee_goals_and_nothing_unheld(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    """The function itself: a post goal is credited to its holder; a vacant post's goal to nobody."""
    hr = org.principal("hr")
    p = plan.period
    everyone = team.checkins_due(db, period=p, post_filter=literal(True), person_filter=literal(True), today=plan.today)
    assert _due(everyone) == {"A2": D(2026, 2, 28), "B1": D(2026, 5, 31), "CR1": D(2026, 2, 28)}
    assert {d.indicator_code: d.name for d in everyone}["CR1"] == "Carol Seller"
    # a vacant post's goal has no holder to ask
    vacant = db.get(Goal, plan.goals["P-CAROL"].id)
    vacant.position_id = org.positions["vacant"].id
    db.flush()
    assert "CR1" not in _due(team.checkins_due(db, period=p, post_filter=literal(True), person_filter=literal(True),
                                               today=plan.today))
    assert hr.employee_id is None  # HR is nobody's holder: its own list is empty (above)
    later = plan.today + timedelta(days=400)  # long after the period: all covered or still owed, never an error
    assert {d.indicator_code for d in team.checkins_due(db, period=p, post_filter=literal(True),
                                                        person_filter=literal(True), today=later)} >= {"A2", "B1"}
