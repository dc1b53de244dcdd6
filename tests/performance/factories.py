"""Performance test data, made through the services so every rule they check applies: one way to make a period
(and move it on), goals, indicators, links, check-ins and ratings; and ``build_plan``, the small known plan the
team, page and browser tests share. The org they sit on comes from ``tests.factories``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from hcm import migrate
from hcm.db import make_engine
from hcm.org.models import Employee
from hcm.policy import Principal
from performance.models import (
    PERIOD_FLOW,
    CheckIn,
    Goal,
    GoalLevel,
    Indicator,
    Period,
    PeriodKind,
    PeriodState,
    RatingEvent,
    RatingKind,
    RatingSource,
)
from performance.schemas import CheckInIn, ChildrenIn, GoalIn, IndicatorIn, LinkIn, RatingIn
from performance.service import cascade, periods, points, ratings, rollup
from tests import factories
from tests.browser import live_app
from tests.factories import Org

YEAR_START = date(2026, 1, 1)
_MONTHS = {PeriodKind.ANNUAL: 12, PeriodKind.QUARTER: 3}


def _months_later(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    return day.replace(year=day.year + y, month=m + 1)


def period(db: Session, *, code: str = "FY26", state: PeriodState = PeriodState.IN_PROGRESS,
           kind: PeriodKind = PeriodKind.ANNUAL, start: date = YEAR_START, end: date | None = None,
           name: str | None = None, **settings: Any) -> Period:
    """A period of ``kind`` from ``start`` (a year: 2026 by default), moved on to ``state``. ``settings`` are
    the period's own (``collaboration_weight=0.2``, ``dept_operational_share=...``). A period that will get
    goals starts in PLANNING and is moved on with ``advance`` once its plan is complete."""
    p = periods.create_period(db, code=code, name=name or code, kind=kind, start_date=start,
                              end_date=end or _months_later(start, _MONTHS[kind]), **settings)
    return advance(db, p, state)


def advance(db: Session, p: Period, to: PeriodState) -> Period:
    """Move the period on, one state at a time (the flow allows no skipping), until it is in ``to``."""
    while PERIOD_FLOW.index(p.state) < PERIOD_FLOW.index(to):
        p = periods.advance(db, period_id=p.id, to=PERIOD_FLOW[PERIOD_FLOW.index(p.state) + 1])
    return p


def goal(db: Session, by: Principal, p: Period, code: str, level: GoalLevel, *, title: str | None = None,
         **kw: Any) -> Goal:
    return cascade.create_goal(db, principal=by, period_id=p.id, data=GoalIn(code=code, title=title or code,
                                                                             level=level, **kw))


def indicator(db: Session, by: Principal, g: Goal, code: str, *, name: str | None = None, **kw: Any) -> Indicator:
    return cascade.create_indicator(db, principal=by, goal_id=g.id, data=IndicatorIn(code=code, name=name or code,
                                                                                     **kw))


def link(db: Session, by: Principal, parent: Goal, *children: tuple[Goal, float]) -> None:
    """``parent`` is supported by each child goal with its weight (the weights add to 100)."""
    cascade.set_children(db, principal=by, parent_goal_id=parent.id, data=ChildrenIn(
        children=[LinkIn(child_goal_id=c.id, weight=w) for c, w in children]))


def check_in(db: Session, by: Principal, i: Indicator, as_of: date, **kw: Any) -> CheckIn:
    return cascade.check_in(db, principal=by, indicator_id=i.id, data=CheckInIn(as_of=as_of, **kw))


def rate(db: Session, by: Principal, p: Period, emp: Employee, source: RatingSource, value: float, *,
         kind: RatingKind = RatingKind.PERFORMANCE, scale_max: int = 5, reason: str | None = None) -> RatingEvent:
    return ratings.submit_rating(db, principal=by, period_id=p.id, data=RatingIn(
        employee_id=emp.id, kind=kind, source=source, value=value, scale_max=scale_max, reason=reason))


def final(db: Session, hr: Principal, p: Period, emp: Employee, value: float, *,
          kind: RatingKind = RatingKind.PERFORMANCE, scale_max: int = 5) -> RatingEvent:
    """An approved HR rating: the final rating of that kind."""
    ev = rate(db, hr, p, emp, RatingSource.HR, value, kind=kind, scale_max=scale_max)
    return ratings.approve_rating(db, principal=hr, rating_id=ev.id)


# --- the shared known plan ---------------------------------------------------------------------------
PLAN_DAYS = 365
PLAN_TODAY = 200  # the plan's "today": day 200 of 365, so about 55 % of the period has elapsed
PLAN_START = date(2026, 2, 2)  # a fixed first day: nothing here depends on the day the suite runs


@dataclass
class Plan:
    period: Period
    start: date
    today: date
    goals: dict[str, Goal] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)


def build_plan(db: Session, org: Org, *, start: date = PLAN_START, code: str = "FY-T") -> Plan:
    """A period in progress with a small cascade, check-ins, a recompute, ratings and points.

    C1 company  <- D-OPS 60 %, D-SAL 40 %
    D-OPS       <- P-ALICE 50 %, P-BOB 30 %, P-DANA 20 %       D-SAL <- P-CAROL 100 %
    Check-ins (day of the period): A1 110 on day 190 (-> 125), A2 none, B1 1 of 4 milestones on day 60
    (-> 25, progress 25 % against 55 % elapsed: at risk), DN1 7.5 on day 195 (-> 75), CR1 none.
    Final performance ratings: alice 4, bob 3, dana 2, carol 5; potential (1..3): alice 3, bob 2, dana 1,
    carol 3. Peer ratings of alice from bob and dana (two raters: never shown). Points: alice 100 + 10,
    dana 100, bob none. Adds logins for bob and dana.
    """
    for name in ("bob", "dana"):
        if name not in org.users:
            factories.login(db, org, name)
    hr = org.principal("hr")
    p = period(db, code=code, name=f"Year {code}", state=PeriodState.PLANNING, start=start,
               end=start + timedelta(days=PLAN_DAYS))
    plan = Plan(period=p, start=start, today=start + timedelta(days=PLAN_TODAY))
    P, E = org.positions, org.people

    def g(code: str, title: str, level: GoalLevel, **kw: Any) -> Goal:
        plan.goals[code] = goal(db, hr, p, code, level, title=title, **kw)
        return plan.goals[code]

    def ind(on: Goal, code: str, name: str, **kw: Any) -> None:
        plan.indicators[code] = indicator(db, hr, on, code, name=name, **kw)

    c1 = g("C1", "Grow profitably", GoalLevel.COMPANY)
    d_ops = g("D-OPS", "Run operations reliably", GoalLevel.DEPARTMENT, department_id=org.ops.id)
    d_sal = g("D-SAL", "Win new customers", GoalLevel.DEPARTMENT, department_id=org.sales.id)
    p_alice = g("P-ALICE", "Close support tickets", GoalLevel.POST, position_id=P["team1"].id)
    p_bob = g("P-BOB", "Roll out the new process", GoalLevel.POST, position_id=P["team2"].id)
    p_dana = g("P-DANA", "Cut the backlog", GoalLevel.POST, position_id=P["deep"].id)
    p_carol = g("P-CAROL", "Grow the pipeline", GoalLevel.POST, position_id=P["sales_head"].id)
    link(db, hr, c1, (d_ops, 60), (d_sal, 40))
    link(db, hr, d_ops, (p_alice, 50), (p_bob, 30), (p_dana, 20))
    link(db, hr, d_sal, (p_carol, 100))
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
    advance(db, p, PeriodState.IN_PROGRESS)

    for code, day, kw in (("OPS1", 150, {"actual": 95}), ("SAL1", 150, {"actual": 105}), ("A1", 190, {"actual": 110}),
                          ("B1", 60, {"milestones_done": 1}), ("DN1", 195, {"actual": 7.5})):
        check_in(db, hr, plan.indicators[code], start + timedelta(days=day), **kw)
    rollup.recompute(db, period_id=p.id, today=plan.today)

    for person, value in (("alice", 4), ("bob", 3), ("dana", 2), ("carol", 5)):
        final(db, hr, p, E[person], value)
    for person, value in (("alice", 3), ("bob", 2), ("dana", 1), ("carol", 3)):
        final(db, hr, p, E[person], value, kind=RatingKind.POTENTIAL, scale_max=3)
    for rater, value in (("bob", 2), ("dana", 5)):
        rate(db, org.principal(rater), p, E["alice"], RatingSource.PEER, value)

    for code, amount in (("PEER_RECOGNITION", 10), ("GOAL_ACHIEVED", 100)):
        if not any(r.code == code for r in points.list_rules(db)):
            points.create_rule(db, principal=hr, code=code, name=code.replace("_", " ").title(), amount=amount)
    points.award(db, principal=hr, period_id=p.id, employee_id=E["alice"].id, reason="Backlog cleared",
                 rule_code="GOAL_ACHIEVED")
    points.award(db, principal=org.principal("bob"), period_id=p.id, employee_id=E["alice"].id,
                 reason="Helped with the rollout", rule_code="PEER_RECOGNITION")
    points.award(db, principal=hr, period_id=p.id, employee_id=E["dana"].id, reason="Audit passed",
                 rule_code="GOAL_ACHIEVED")
    db.flush()
    return plan


def plan_database(folder: Path) -> tuple[str, Plan, Org]:
    """A fresh, migrated SQLite file in ``folder`` holding the small org and the plan, committed, for a live app
    to serve; returns its URL, the plan and the org (their objects keep their loaded values)."""
    url = f"sqlite:///{folder / 'plan.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            org = factories.small_org(db)
            plan = build_plan(db, org)
            db.commit()
    finally:
        engine.dispose()
    return url, plan, org


@dataclass
class LivePlan:
    """The plan served by a live app (``served_plan``): its base URL, the database URL, the plan and the org (their
    objects keep their loaded values), and the ids the browser tests look for."""

    url: str
    db_url: str
    plan: Plan
    org: Org

    @property
    def period_id(self) -> int:
        return self.plan.period.id

    @property
    def goals(self) -> dict[str, int]:
        return {k: g.id for k, g in self.plan.goals.items()}

    @property
    def indicators(self) -> dict[str, int]:
        return {k: i.id for k, i in self.plan.indicators.items()}

    @property
    def people(self) -> dict[str, int]:
        return {k: e.id for k, e in self.org.people.items()}

    @property
    def ops(self) -> int:
        return self.org.ops.id

    @property
    def sales(self) -> int:
        return self.org.sales.id


@contextmanager
def served_plan(folder: Path, *, today: date | None = None) -> Iterator[LivePlan]:
    """``plan_database`` in ``folder``, served on a free loopback port with the pages' (and the in-process
    recompute's) today pinned to ``today`` (by default the plan's); the process-wide engine points at it while
    it is served."""
    url, plan, org = plan_database(folder)
    with factories.today_pinned(today or plan.today), live_app(url) as base:
        yield LivePlan(base, url, plan, org)
