"""Team views on a small known plan: goal progress per person, check-ins due, the team's rating
distribution and points, and who may look at which team. ``build_plan`` is shared with the page and
browser tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hcm.auth.models import Role
from hcm.errors import Forbidden, Invalid, NotFound
from hcm.policy import Principal
from performance.models import Goal, GoalLevel, Indicator, Period, PeriodKind, PeriodState, RatingKind, RatingSource
from performance.schemas import CheckInIn, ChildrenIn, GoalIn, IndicatorIn, LinkIn, RatingIn
from performance.service import cascade, periods, points, ratings, rollup, team
from tests import factories
from tests.factories import Org

DAYS = 365
TODAY = 200  # the plan's "today": day 200 of 365, so about 55 % of the period has elapsed
START = date(2026, 2, 2)  # a fixed first day: nothing here depends on the day the suite runs


@dataclass
class Plan:
    period: Period
    start: date
    today: date
    goals: dict[str, Goal] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)


def principal(org: Org, username: str) -> Principal:
    u = org.users[username]
    emp = next((e for e in org.people.values() if e.id == u.employee_id), None)
    return Principal(u.id, u.username, u.role, u.employee_id, emp.position_id if emp else None)


def build_plan(db: Session, org: Org, *, start: date = START, code: str = "FY-T") -> Plan:
    """A period in progress with a small cascade, check-ins, a recompute, ratings and points.

    C1 company  <- D-OPS 60 %, D-SAL 40 %
    D-OPS       <- P-ALICE 50 %, P-BOB 30 %, P-DANA 20 %       D-SAL <- P-CAROL 100 %
    Check-ins (day of the period): A1 110 on day 190 (-> 125), A2 none, B1 1 of 4 milestones on day 60
    (-> 25, progress 25 % against 55 % elapsed: at risk), DN1 7.5 on day 195 (-> 75), CR1 none.
    Final performance ratings: alice 4, bob 3, dana 2, carol 5; potential (1..3): alice 3, bob 2, dana 1,
    carol 3. Peer ratings of alice from bob and dana (two raters: never shown). Points: alice 100 + 10,
    dana 100, bob none.
    """
    for name in ("bob", "dana"):
        if name not in org.users:
            org.users[name] = factories.user(db, username=name, role=Role.EMPLOYEE, emp=org.people[name])
    hr = principal(org, "hr")
    p = periods.create_period(db, code=code, name=f"Year {code}", kind=PeriodKind.ANNUAL, start_date=start,
                              end_date=start + timedelta(days=DAYS))
    plan = Plan(period=p, start=start, today=start + timedelta(days=TODAY))
    P, E = org.positions, org.people

    def goal(code: str, title: str, level: GoalLevel, **kw: Any) -> Goal:
        g = cascade.create_goal(db, principal=hr, period_id=p.id, data=GoalIn(code=code, title=title, level=level, **kw))
        plan.goals[code] = g
        return g

    def ind(g: Goal, code: str, name: str, **kw: Any) -> Indicator:
        i = cascade.create_indicator(db, principal=hr, goal_id=g.id, data=IndicatorIn(code=code, name=name, **kw))
        plan.indicators[code] = i
        return i

    def link(parent: Goal, *children: tuple[Goal, float]) -> None:
        cascade.set_children(db, principal=hr, parent_goal_id=parent.id, data=ChildrenIn(
            children=[LinkIn(child_goal_id=c.id, weight=w) for c, w in children]))

    c1 = goal("C1", "Grow profitably", GoalLevel.COMPANY)
    d_ops = goal("D-OPS", "Run operations reliably", GoalLevel.DEPARTMENT, department_id=org.ops.id)
    d_sal = goal("D-SAL", "Win new customers", GoalLevel.DEPARTMENT, department_id=org.sales.id)
    p_alice = goal("P-ALICE", "Close support tickets", GoalLevel.POST, position_id=P["team1"].id)
    p_bob = goal("P-BOB", "Roll out the new process", GoalLevel.POST, position_id=P["team2"].id)
    p_dana = goal("P-DANA", "Cut the backlog", GoalLevel.POST, position_id=P["deep"].id)
    p_carol = goal("P-CAROL", "Grow the pipeline", GoalLevel.POST, position_id=P["sales_head"].id)
    link(c1, (d_ops, 60), (d_sal, 40))
    link(d_ops, (p_alice, 50), (p_bob, 30), (p_dana, 20))
    link(d_sal, (p_carol, 100))
    ind(d_ops, "OPS1", "On-time deliveries", kind="quantitative", klass="operational", baseline=50, threshold=80,
        target=100, stretch=120, unit="%", weight=100)
    ind(d_sal, "SAL1", "New contracts", kind="quantitative", klass="operational", baseline=0, threshold=80, target=100,
        weight=100)
    ind(p_alice, "A1", "Tickets closed", kind="quantitative", klass="operational", baseline=60, threshold=80,
        target=100, stretch=120, weight=60)
    ind(p_alice, "A2", "Customer feedback", kind="rubric", klass="management", weight=40)
    ind(p_bob, "B1", "Rollout milestones", kind="milestone", klass="management", milestones_total=4, weight=100)
    ind(p_dana, "DN1", "Open backlog (days)", kind="quantitative", direction="lower_is_better", klass="operational",
        baseline=12, threshold=10, target=5, weight=100)
    ind(p_carol, "CR1", "Pipeline value", kind="quantitative", klass="operational", baseline=0, threshold=80,
        target=100, weight=100)
    periods.advance(db, period_id=p.id, to=PeriodState.IN_PROGRESS)

    def ci(code: str, day: int, **kw: Any) -> None:
        cascade.check_in(db, principal=hr, indicator_id=plan.indicators[code].id,
                         data=CheckInIn(as_of=start + timedelta(days=day), **kw))

    ci("OPS1", 150, actual=95)
    ci("SAL1", 150, actual=105)
    ci("A1", 190, actual=110)
    ci("B1", 60, milestones_done=1)
    ci("DN1", 195, actual=7.5)
    rollup.recompute(db, period_id=p.id, today=plan.today)

    def final(person: str, value: float, kind: RatingKind = RatingKind.PERFORMANCE, scale_max: int = 5) -> None:
        ev = ratings.submit_rating(db, principal=hr, period_id=p.id, data=RatingIn(
            employee_id=E[person].id, kind=kind, source=RatingSource.HR, value=value, scale_max=scale_max))
        ratings.approve_rating(db, principal=hr, rating_id=ev.id)

    for person, value in (("alice", 4), ("bob", 3), ("dana", 2), ("carol", 5)):
        final(person, value)
    for person, value in (("alice", 3), ("bob", 2), ("dana", 1), ("carol", 3)):
        final(person, value, RatingKind.POTENTIAL, 3)
    for rater, value in (("bob", 2), ("dana", 5)):
        ratings.submit_rating(db, principal=principal(org, rater), period_id=p.id, data=RatingIn(
            employee_id=E["alice"].id, kind=RatingKind.PERFORMANCE, source=RatingSource.PEER, value=value))

    for code, amount in (("PEER_RECOGNITION", 10), ("GOAL_ACHIEVED", 100)):
        if not any(r.code == code for r in points.list_rules(db)):
            points.create_rule(db, principal=hr, code=code, name=code.replace("_", " ").title(), amount=amount)
    points.award(db, principal=hr, period_id=p.id, employee_id=E["alice"].id, reason="Backlog cleared",
                 rule_code="GOAL_ACHIEVED")
    points.award(db, principal=principal(org, "bob"), period_id=p.id, employee_id=E["alice"].id,
                 reason="Helped with the rollout", rule_code="PEER_RECOGNITION")
    points.award(db, principal=hr, period_id=p.id, employee_id=E["dana"].id, reason="Audit passed",
                 rule_code="GOAL_ACHIEVED")
    db.flush()
    return plan


@pytest.fixture
def plan(db, org) -> Plan:  # type: ignore[no-untyped-def]
    return build_plan(db, org)


def by_name(view: team.TeamView) -> dict[str, team.Member]:
    return {m.name.split()[0]: m for m in view.members}


def test_the_managers_team_view_on_the_known_plan(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    view = team.team_view(db, principal=principal(org, "manager"), period_id=plan.period.id, today=plan.today)
    assert view.manager_name == "Bruno Boss"
    members = by_name(view)
    assert list(members) == ["Alice", "Dana", "Bob"]  # by last name: Analyst, Clerk, Lead
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
    assert view.due_before == plan.start + timedelta(days=170)
    # final performance ratings of the team: one each of 2, 3 and 4; carol (Sales) is not in the team
    assert view.distribution == {1: 0, 2: 1, 3: 1, 4: 1, 5: 0} and view.rated == 3 and view.unrated == 0
    assert {n: m.rating for n, m in members.items()} == {"Alice": 4.0, "Dana": 2.0, "Bob": 3.0}
    assert {n: m.points for n, m in members.items()} == {"Alice": 110, "Dana": 100, "Bob": 0}
    assert view.points == 210


def test_check_ins_due_follow_the_day_and_the_period_state(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    boss = principal(org, "manager")
    later = team.team_view(db, principal=boss, period_id=plan.period.id, today=plan.today + timedelta(days=25))
    # on day 225 the cut-off is day 195: A1 (day 190) is now overdue as well, DN1 (day 195) is not
    assert {d.indicator_code for d in later.checkins_due} == {"A2", "B1", "A1"}
    periods.advance(db, period_id=plan.period.id, to=PeriodState.REVIEW)
    periods.advance(db, period_id=plan.period.id, to=PeriodState.CALIBRATION)
    closed_for_checkins = team.team_view(db, principal=boss, period_id=plan.period.id, today=plan.today)
    assert not closed_for_checkins.checkins_open and closed_for_checkins.checkins_due == []


def test_hr_views_any_managers_team_and_others_may_not(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    hr = principal(org, "hr")
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
    boss = principal(org, "manager")
    # a manager may look at a team inside their own line (Bob's: Dana), not at anyone else's
    sub = team.team_view(db, principal=boss, period_id=plan.period.id, manager_id=org.people["bob"].id, today=plan.today)
    assert set(by_name(sub)) == {"Dana"}
    with pytest.raises(NotFound):
        team.team_view(db, principal=boss, period_id=plan.period.id, manager_id=org.people["carol"].id)
    for who in ("employee", "exec"):
        with pytest.raises(Forbidden):
            team.team_view(db, principal=principal(org, who), period_id=plan.period.id)


def test_a_persons_own_view(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    alice = principal(org, "employee")
    mine = team.person_view(db, principal=alice, period_id=plan.period.id, employee_id=org.people["alice"].id)
    assert [g.code for g in mine.goals] == ["P-ALICE"] and mine.points == 110
    assert [(f.kind, f.value) for f in mine.ratings.final] == [(RatingKind.PERFORMANCE, 4.0), (RatingKind.POTENTIAL, 3.0)]
    assert [(a.source, a.shown, a.raters, a.mean) for a in mine.ratings.aggregates] == [
        (RatingSource.PEER, False, None, None)]  # two peers: below the anonymity threshold
    with pytest.raises(NotFound):
        team.person_view(db, principal=alice, period_id=plan.period.id, employee_id=org.people["bob"].id)


def test_helpers_for_the_forms(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    alice, boss, hr = principal(org, "employee"), principal(org, "manager"), principal(org, "hr")
    assert {c["name"] for c in team.colleagues(db, principal=alice)} == {"Bob Lead"}  # reporting to the same post
    assert {c["name"] for c in team.colleagues(db, principal=boss)} == {"Carol Seller", "Alice Analyst", "Bob Lead",
                                                                         "Dana Clerk"}
    assert team.colleagues(db, principal=hr) == []  # not linked to an employee
    assert {m["name"] for m in team.managers(db, principal=hr)} == {"Cora Chief", "Bruno Boss", "Bob Lead", "Carol Seller"}
    with pytest.raises(Forbidden):
        team.managers(db, principal=boss)
    roster = {r["name"]: r["rating"] for r in team.calibration_roster(db, principal=hr, period_id=plan.period.id,
                                                                       department_id=org.ops.id)}
    assert roster == {"Alice Analyst": 4.0, "Bruno Boss": None, "Bob Lead": 3.0, "Dana Clerk": 2.0}


def test_goal_detail_scores_links_and_check_in_rights(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    alice, hr = principal(org, "employee"), principal(org, "hr")
    d = team.goal_detail(db, principal=alice, goal_id=plan.goals["P-ALICE"].id, today=plan.today)
    assert [(p["goal"].code, p["weight"]) for p in d["parents"]] == [("D-OPS", 50.0)]
    rows = {r["indicator"].code: r for r in d["indicators"]}
    assert rows["A1"]["score"] == 125.0 and rows["A1"]["actual"] == 110 and len(rows["A1"]["checkins"]) == 1
    assert rows["A2"]["score"] is None and rows["A2"]["checkins"] == []
    assert rows["A1"]["may_check_in"] and rows["A2"]["may_check_in"]  # her own post's indicators
    ops = team.goal_detail(db, principal=alice, goal_id=plan.goals["D-OPS"].id, today=plan.today)
    assert [(c["goal"].code, c["weight"]) for c in ops["children"]] == [("P-ALICE", 50.0)]  # only what she may see
    assert not ops["indicators"][0]["may_check_in"]
    hr_ops = team.goal_detail(db, principal=hr, goal_id=plan.goals["D-OPS"].id, today=plan.today)
    assert [c["goal"].code for c in hr_ops["children"]] == ["P-ALICE", "P-BOB", "P-DANA"]
    assert hr_ops["indicators"][0]["may_check_in"]
    with pytest.raises(NotFound):
        team.goal_detail(db, principal=alice, goal_id=plan.goals["P-BOB"].id)
