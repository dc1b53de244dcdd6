"""Team views on the small known plan (``tests.performance.factories.build_plan``): goal progress per person,
check-ins due, the team's rating distribution and points, and who may look at which team."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hcm.errors import Forbidden, Invalid, NotFound
from performance.models import PeriodState, RatingKind, RatingSource
from performance.service import settings, team
from tests.performance import factories as perf


def by_name(view: team.TeamView) -> dict[str, team.Member]:
    return {m.name.split()[0]: m for m in view.members}


def test_the_managers_team_view_on_the_known_plan(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    view = team.team_view(db, principal=org.principal("manager"), period_id=plan.period.id, today=plan.today)
    assert view.manager_name == "Bruno Boss"
    members = by_name(view)
    assert list(members) == ["Bob", "Dana", "Alice"]  # riskiest first: Bob at risk, then Dana 75.0, Alice 125.0
    assert {n: m.direct for n, m in members.items()} == {"Alice": True, "Dana": False, "Bob": True}
    # goal progress per person: their post goal with its computed result
    goals = {n: [(g.code, g.score, g.at_risk) for g in m.goals] for n, m in members.items()}
    assert goals == {"Alice": [("P-ALICE", 125.0, False)], "Dana": [("P-DANA", 75.0, False)],
                     "Bob": [("P-BOB", 25.0, True)]}
    assert members["Bob"].progress == pytest.approx(0.25)  # 1 of 4 milestones
    assert members["Dana"].progress == pytest.approx(4.5 / 7)  # from 12 days down to 7.5, target 5
    assert view.goals == 3 and view.goals_at_risk == 1
    # check-ins due at day 200: nothing since day 170, or never
    assert {(d.indicator_code, d.name, d.last_as_of) for d in view.checkins_due} == {
        ("A2", "Alice Analyst", None), ("B1", "Bob Lead", plan.start + timedelta(days=60))}
    assert {d.due for d in view.checkins_due} == {date(2026, 2, 28), date(2026, 5, 31)}  # B1 (3 Apr) covers April
    # final performance ratings of the team: one each of 2, 3 and 4; carol (Sales) is not in the team
    assert view.distribution == {1: 0, 2: 1, 3: 1, 4: 1, 5: 0} and view.rated == 3 and view.unrated == 0
    assert {n: m.rating for n, m in members.items()} == {"Alice": 4.0, "Dana": 2.0, "Bob": 3.0}
    assert {n: m.points for n, m in members.items()} == {"Alice": 110, "Dana": 100, "Bob": 0}
    assert view.points == 210


def test_check_ins_due_follow_the_day_and_the_period_state(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    boss = org.principal("manager")
    later = team.team_view(db, principal=boss, period_id=plan.period.id, today=plan.today + timedelta(days=25))
    # on day 225 (15 September) August is over: A1 (11 August) and DN1 (16 August) cover it, A2 and B1 are still due
    assert {d.indicator_code for d in later.checkins_due} == {"A2", "B1"}
    perf.advance(db, plan.period, PeriodState.CALIBRATION)
    closed_for_checkins = team.team_view(db, principal=boss, period_id=plan.period.id, today=plan.today)
    assert not closed_for_checkins.checkins_open and closed_for_checkins.checkins_due == []


def test_hr_views_any_managers_team_and_others_may_not(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    hr = org.principal("hr")
    view = team.team_view(db, principal=hr, period_id=plan.period.id, manager_id=org.people["boss"].id, today=plan.today)
    assert set(by_name(view)) == {"Alice", "Bob", "Dana"}
    # the CEO's team is everyone below the CEO's post
    ceo = team.team_view(db, principal=hr, period_id=plan.period.id, manager_id=org.people["ceo"].id, today=plan.today)
    assert set(by_name(ceo)) == {"Alice", "Bob", "Dana", "Bruno", "Carol"}
    assert ceo.distribution == {1: 0, 2: 1, 3: 1, 4: 1, 5: 1} and ceo.unrated == 1  # Bruno has no rating
    with pytest.raises(Invalid):
        team.team_view(db, principal=hr, period_id=plan.period.id)  # HR names the manager
    with pytest.raises(NotFound):
        team.team_view(db, principal=hr, period_id=plan.period.id, manager_id=999_999)
    boss = org.principal("manager")
    # a manager may look at a team inside their own line (Bob's: Dana), not at anyone else's
    sub = team.team_view(db, principal=boss, period_id=plan.period.id, manager_id=org.people["bob"].id, today=plan.today)
    assert set(by_name(sub)) == {"Dana"}
    with pytest.raises(NotFound):
        team.team_view(db, principal=boss, period_id=plan.period.id, manager_id=org.people["carol"].id)
    for who in ("employee", "exec"):
        with pytest.raises(Forbidden):
            team.team_view(db, principal=org.principal(who), period_id=plan.period.id)


def test_a_persons_own_view(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    alice = org.principal("employee")
    mine = team.person_view(db, principal=alice, period_id=plan.period.id, employee_id=org.people["alice"].id)
    assert [g.code for g in mine.goals] == ["P-ALICE"] and mine.points == 110
    assert [(f.kind, f.value) for f in mine.ratings.final] == [(RatingKind.PERFORMANCE, 4.0)]  # own potential: hidden
    settings.update(db, principal=org.principal("hr"), employees_see_potential=True)
    mine = team.person_view(db, principal=alice, period_id=plan.period.id, employee_id=org.people["alice"].id)
    assert [(f.kind, f.value) for f in mine.ratings.final] == [(RatingKind.PERFORMANCE, 4.0), (RatingKind.POTENTIAL, 3.0)]
    assert [(a.source, a.shown, a.raters, a.mean) for a in mine.ratings.aggregates] == [
        (RatingSource.PEER, False, None, None)]  # two peers: below the anonymity threshold
    with pytest.raises(NotFound):
        team.person_view(db, principal=alice, period_id=plan.period.id, employee_id=org.people["bob"].id)


def test_helpers_for_the_forms(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    alice, boss, hr = org.principal("employee"), org.principal("manager"), org.principal("hr")
    assert {c.name for c in team.colleagues(db, principal=alice)} == {"Bob Lead"}  # reporting to the same post
    assert {c.name for c in team.colleagues(db, principal=boss)} == {"Carol Seller", "Alice Analyst", "Bob Lead",
                                                                         "Dana Clerk"}
    assert team.colleagues(db, principal=hr) == []  # not linked to an employee
    assert {m.name for m in team.managers(db, principal=hr)} == {"Cora Chief", "Bruno Boss", "Bob Lead", "Carol Seller"}
    with pytest.raises(Forbidden):
        team.managers(db, principal=boss)
    roster = {r.name: r.rating for r in team.calibration_roster(db, principal=hr, period_id=plan.period.id,
                                                                       department_id=org.ops.id)}
    assert roster == {"Alice Analyst": 4.0, "Bruno Boss": None, "Bob Lead": 3.0, "Dana Clerk": 2.0}


def test_goal_detail_scores_links_and_check_in_rights(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    alice, hr = org.principal("employee"), org.principal("hr")
    d = team.goal_detail(db, principal=alice, goal_id=plan.goals["P-ALICE"].id, today=plan.today)
    assert [(p.goal.code, p.weight) for p in d.parents] == [("D-OPS", 50.0)]
    rows = {r.indicator.code: r for r in d.indicators}
    assert rows["A1"].score == 125.0 and rows["A1"].actual == 110 and len(rows["A1"].checkins) == 1
    assert rows["A2"].score is None and rows["A2"].checkins == []
    # her own post's facts, but not the rubric level that judges her: her manager records that
    assert rows["A1"].may_check_in and not rows["A2"].may_check_in
    boss = team.goal_detail(db, principal=org.principal("manager"), goal_id=plan.goals["P-ALICE"].id, today=plan.today)
    assert all(r.may_check_in for r in boss.indicators)
    ops = team.goal_detail(db, principal=alice, goal_id=plan.goals["D-OPS"].id, today=plan.today)
    assert [(c.goal.code, c.weight) for c in ops.children] == [("P-ALICE", 50.0)]  # only what she may see
    assert not ops.indicators[0].may_check_in
    hr_ops = team.goal_detail(db, principal=hr, goal_id=plan.goals["D-OPS"].id, today=plan.today)
    assert [c.goal.code for c in hr_ops.children] == ["P-ALICE", "P-BOB", "P-DANA"]
    assert hr_ops.indicators[0].may_check_in
    with pytest.raises(NotFound):
        team.goal_detail(db, principal=alice, goal_id=plan.goals["P-BOB"].id)
