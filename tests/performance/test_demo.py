"""Performance demo data (performance.demo) on a small seeded company: every rule the services enforce holds
for the bulk rows, periods end in the right states with the right results, the data is deterministic and the
same on both backends, and the scores follow the people's latent performance from the org seed."""

from __future__ import annotations

import math
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from graph import client as graph_client
from graph.check import check
from graph.sync import drain_outbox, pending_count
from hcm import migrate
from hcm import seed as seeding
from hcm.auth.models import User
from hcm.auth.security import verify_password
from hcm.db import Base, make_engine
from hcm.errors import Conflict, Invalid
from hcm.org.models import Department, Employee, EmployeeStatus, Position
from hcm.outbox import OutboxEvent
from performance import scoring
from performance.demo import PerformanceSeedReport, seed_performance, split_100
from performance.errors import PeriodClosed
from performance.models import (
    CheckIn,
    CollaborationRating,
    Goal,
    GoalLevel,
    GoalLink,
    GoalResult,
    Indicator,
    IndicatorResult,
    Period,
    PeriodKind,
    PeriodState,
    PointsEntry,
    PointsRule,
    RatingEvent,
    RatingKind,
    RatingSource,
    RatingStatus,
    ServiceItem,
    UnitResult,
)
from performance.service import lookups
from performance.service import units as unit_service
from performance.service.cascade import default_formula, plan_problems
from tests import factories
from tests.graph.fixtures import DATABASE as GRAPH_DATABASE
from tests.graph.fixtures import shared_server
from tests.services import fresh_pg_database

TODAY = date(2026, 9, 20)  # Q1 and Q2 closed, Q3 under way, the mid-year reviews done
DECEMBER = date(2026, 12, 1)  # the year in review, Q4 in progress (the pages once opened on Q4 with no goals)
EMPLOYEES = 300
SEED = 11
TABLES = ("perf_periods", "perf_goals", "perf_goal_links", "perf_indicators", "perf_checkins", "perf_service_items",
          "perf_collaboration_ratings", "perf_rating_events", "perf_points_rules", "perf_points_ledger", "users")
RESULTS = ("perf_indicator_results", "perf_goal_results", "perf_unit_results")
VOLATILE = {"closed_at", "computed_at", "created_at"}  # stamped by the services with the clock


def _company(path: Path, *, as_of: date = TODAY, org_seed: int = SEED, seed: int = SEED,
             calls: list[tuple[str, int, int]] | None = None) -> tuple[str, PerformanceSeedReport]:
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    seeding.seed(url, employees=EMPLOYEES, seed=org_seed, as_of=as_of)
    report = seed_performance(url, seed=seed, as_of=as_of, org_seed=org_seed,
                              progress=(lambda *c: calls.append(c)) if calls is not None else None)
    return url, report


@pytest.fixture(scope="module")
def tmp_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("perf-demo")


@pytest.fixture(scope="module")
def seeded(tmp_dir: Path) -> Iterator[tuple[Engine, PerformanceSeedReport, list[tuple[str, int, int]]]]:
    calls: list[tuple[str, int, int]] = []
    url, report = _company(tmp_dir / "main.db", calls=calls)
    engine = make_engine(url)
    yield engine, report, calls
    engine.dispose()


@pytest.fixture(scope="module")
def december(tmp_dir: Path) -> Iterator[Engine]:
    url, _ = _company(tmp_dir / "december-1st.db", as_of=DECEMBER)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def db(seeded: tuple[Engine, Any, Any]) -> Iterator[Session]:
    with Session(seeded[0]) as s:
        yield s


def _periods(db: Session) -> dict[str, Period]:
    return {p.code: p for p in db.scalars(select(Period))}


def _dump(engine: Engine, tables: tuple[str, ...] = TABLES, *, volatile: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name in tables:
            table = Base.metadata.tables[name]
            cols = [c for c in table.columns if c.name != "password_hash" and (volatile or c.name not in VOLATILE)]
            pk = list(table.primary_key.columns)
            rows = conn.execute(select(*cols).order_by(*pk)).all()
            out[name] = [tuple(r) for r in rows]
    return out


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Equal rows; computed floats may differ in the last bits between SQLite and PostgreSQL arithmetic."""
    return len(a) == len(b) and all(
        math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9) if isinstance(x, float) and isinstance(y, float) else x == y
        for x, y in zip(a, b, strict=True))


def _assert_same(got: dict[str, list[tuple[Any, ...]]], want: dict[str, list[tuple[Any, ...]]]) -> None:
    assert got.keys() == want.keys()
    for name in got:
        assert len(got[name]) == len(want[name]), name
        bad = [(a, b) for a, b in zip(got[name], want[name], strict=True) if not _same(a, b)]
        assert not bad, (name, len(bad), bad[:3])


def _spearman(a: Any, b: Any) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def _final(db: Session, period_id: int, kind: RatingKind = RatingKind.PERFORMANCE) -> dict[int, float]:
    """The latest approved event per employee (the service's definition of a final rating)."""
    out: dict[int, tuple[datetime, int, float]] = {}
    for e, at, i, v in db.execute(select(RatingEvent.employee_id, RatingEvent.created_at, RatingEvent.id, RatingEvent.value)
                                  .where(RatingEvent.period_id == period_id, RatingEvent.kind == kind,
                                         RatingEvent.status == RatingStatus.APPROVED)):
        if e not in out or (at, i) > out[e][:2]:
            out[e] = (at, i, v)
    return {e: v for e, (_, _, v) in out.items()}


def _depths(db: Session) -> dict[int, int]:
    parent = dict(db.execute(select(Department.id, Department.parent_id)).all())
    depth = {}
    for d in parent:
        k, cur = 0, parent[d]
        while cur is not None:
            k, cur = k + 1, parent[cur]
        depth[d] = k
    return depth


def _held_on(db: Session, day: date) -> set[int]:
    return set(db.execute(text("SELECT position_id FROM assignments WHERE position_id IS NOT NULL AND start_date <= :d "
                               "AND (end_date IS NULL OR end_date > :d)"), {"d": day}).scalars())


# --- the run ------------------------------------------------------------------------------------------------------
def test_report_states_and_progress(seeded: tuple[Engine, PerformanceSeedReport, list[tuple[str, int, int]]],
                                    db: Session) -> None:
    _, report, calls = seeded
    assert dict(report.periods) == {"FY2025": "closed", "FY2026": "in_progress", "FY2026-Q1": "closed",
                                    "FY2026-Q2": "closed", "FY2026-Q3": "in_progress", "FY2026-Q4": "planning"}
    ps = _periods(db)
    assert {c: p.state for c, p in ps.items()} == {c: PeriodState(s) for c, s in report.periods}
    fy = ps["FY2026"]
    for q in range(1, 5):
        quarter = ps[f"FY2026-Q{q}"]
        assert quarter.kind is PeriodKind.QUARTER and quarter.parent_id == fy.id
        assert fy.start_date <= quarter.start_date < quarter.end_date <= fy.end_date
    for p in ps.values():  # the mixes are the defaults
        assert (p.dept_operational_share, p.post_operational_share, p.collaboration_weight, p.competency_weight) == \
            (0.8, 0.3, 0.1, 0.3)
    assert ps["FY2025"].closed_at is not None and ps["FY2026"].closed_at is None
    assert "org seed" in report.latent
    assert report.rows["perf_checkins"] > report.rows["perf_indicators"] > report.rows["perf_goals"] > 0
    assert set(report.employee_scores) == {"FY2025", "FY2026"}
    assert "FY2025 closed" in str(report)
    last: dict[str, tuple[int, int]] = {}
    for phase, done, total in calls:
        assert 0 <= done <= total
        last[phase] = (done, total)
    assert {"performance goals", "check-ins", "collaboration", "ratings", "points", "scores"} <= set(last)
    assert all(done == total for done, total in last.values())


def test_refuses_a_second_run_and_an_empty_database(seeded: tuple[Engine, Any, Any], tmp_dir: Path) -> None:
    with pytest.raises(Conflict, match="performance period"):
        seed_performance(seeded[0], seed=SEED, as_of=TODAY)
    empty = f"sqlite:///{tmp_dir / 'empty.db'}"
    migrate.upgrade(empty)
    with pytest.raises(Invalid, match="no active employees"):
        seed_performance(empty, as_of=TODAY)


# --- the cascade --------------------------------------------------------------------------------------------------
def test_split_100_adds_to_100_exactly_enough() -> None:
    rng = np.random.default_rng(3)
    for k in (1, 2, 3, 7, 99, 150, 2500):
        w = split_100(rng.lognormal(0, 1.5, k).tolist())
        assert len(w) == k and all(0 < x <= 100 for x in w)
        assert abs(sum(w) - 100.0) <= 1e-9 and abs(sum(reversed(w)) - 100.0) <= 1e-9


def test_every_weight_rule_holds(db: Session) -> None:
    for p in _periods(db).values():
        assert plan_problems(db, period_id=p.id) == [], p.code
    level = dict(db.execute(select(Goal.id, Goal.level)).all())
    period_of = dict(db.execute(select(Goal.id, Goal.period_id)).all())
    kids: dict[int, list[float]] = defaultdict(list)
    rank = {GoalLevel.COMPANY: 0, GoalLevel.DEPARTMENT: 1, GoalLevel.PROCESS: 1, GoalLevel.POST: 2}
    for parent, child, weight in db.execute(select(GoalLink.parent_goal_id, GoalLink.child_goal_id, GoalLink.weight)):
        assert 0 < weight <= 100
        assert period_of[parent] == period_of[child] and rank[level[child]] > rank[level[parent]]
        kids[parent].append(weight)
    assert all(abs(sum(ws) - 100) <= 1e-6 for ws in kids.values())
    per_goal: dict[int, list[float]] = defaultdict(list)
    for gid, weight in db.execute(select(Indicator.goal_id, Indicator.weight)):
        per_goal[gid].append(weight)
    assert set(per_goal) == set(level)  # every goal is measured
    assert all(2 <= len(ws) <= 4 and abs(sum(ws) - 100) <= 1e-6 for ws in per_goal.values())


def test_the_cascade_covers_the_company(db: Session) -> None:
    depth = _depths(db)
    units = {d for d, k in depth.items() if k in (1, 2)}
    processes = set(db.execute(text("SELECT id FROM business_processes")).scalars())
    parents_of: dict[int, set[int]] = defaultdict(set)
    for parent, child in db.execute(select(GoalLink.parent_goal_id, GoalLink.child_goal_id)):
        parents_of[child].add(parent)
    goals = db.execute(select(Goal.id, Goal.period_id, Goal.level, Goal.department_id, Goal.process_id,
                              Goal.position_id)).all()
    level = {g.id: g.level for g in goals}
    dept_of = {g.id: g.department_id for g in goals}
    pos_dept = dict(db.execute(select(Position.id, Position.department_id)).all())
    parent_dept = dict(db.execute(select(Department.id, Department.parent_id)).all())
    ps = _periods(db)
    held = {"FY2025": _held_on(db, date(2025, 12, 31)),
            "FY2026": set(db.execute(select(Employee.position_id).where(Employee.status == EmployeeStatus.ACTIVE,
                                                                        Employee.position_id.is_not(None))).scalars())}
    for code in ("FY2025", "FY2026"):
        mine = [g for g in goals if g.period_id == ps[code].id]
        by = Counter(g.level for g in mine)
        assert 3 <= by[GoalLevel.COMPANY] <= 5
        assert Counter(g.department_id for g in mine if g.level is GoalLevel.DEPARTMENT).keys() == units
        assert all(1 <= n <= 2 for n in Counter(g.department_id for g in mine if g.level is GoalLevel.DEPARTMENT).values())
        assert {g.process_id for g in mine if g.level is GoalLevel.PROCESS} == processes
        posts = Counter(g.position_id for g in mine if g.level is GoalLevel.POST)
        assert set(posts) == held[code] and all(1 <= n <= 2 for n in posts.values())
        for g in mine:
            ups = parents_of[g.id]
            if g.level is GoalLevel.COMPANY:
                assert not ups
            elif g.level in (GoalLevel.DEPARTMENT, GoalLevel.PROCESS):
                assert ups and all(level[u] is GoalLevel.COMPANY for u in ups)
            else:  # a post's goals support the goals of its division or department (the CEO's office: the company)
                assert ups
                d: int | None = pos_dept[g.position_id]
                while d is not None and d not in units:
                    d = parent_dept[d]
                for u in ups:
                    assert (level[u] is GoalLevel.COMPANY) if d is None else (dept_of[u] == d)


def test_indicators_are_scorable(db: Session) -> None:
    rows = db.scalars(select(Indicator)).all()
    kinds = Counter((i.kind.value, i.direction.value) for i in rows)
    for shape in (("quantitative", "higher_is_better"), ("quantitative", "lower_is_better"), ("quantitative", "range"),
                  ("milestone", "higher_is_better"), ("rubric", "higher_is_better")):
        assert kinds[shape] > 0, shape
    for i in rows:
        assert i.formula == default_formula(i.kind, i.direction)
        assert i.formula_version == scoring.latest_version(i.formula)
        if i.kind.value == "quantitative":
            scoring.validate_bounds(i.direction.value, i.threshold, i.target, i.stretch, target_low=i.target_low,
                                    target_high=i.target_high, threshold_low=i.threshold_low,
                                    threshold_high=i.threshold_high)
            if i.direction.value != "range":  # the way from baseline to target points the right way
                assert (i.target - i.baseline) * (1 if i.direction.value == "higher_is_better" else -1) > 0
        elif i.kind.value == "milestone":
            assert i.milestones_total and i.milestones_total >= 1
    # departments mostly operational, posts mostly management
    mix = Counter((g_level, klass) for g_level, klass in db.execute(
        select(Goal.level, Indicator.klass).join(Indicator, Indicator.goal_id == Goal.id)))

    def share(lv: GoalLevel) -> float:
        return mix[(lv, "operational")] / (mix[(lv, "operational")] + mix[(lv, "management")])

    assert share(GoalLevel.DEPARTMENT) > 0.6 and share(GoalLevel.POST) < 0.4


def test_checkins_fit_their_indicators_and_periods(db: Session) -> None:
    ps = _periods(db)
    span = {p.id: (p.start_date, p.end_date) for p in ps.values()}
    ind = {i.id: i for i in db.scalars(select(Indicator))}
    period_of = dict(db.execute(select(Goal.id, Goal.period_id)).all())
    last: dict[int, date] = {}
    for c in db.scalars(select(CheckIn)):
        i = ind[c.indicator_id]
        start, end = span[period_of[i.goal_id]]
        assert start <= c.as_of <= end and c.as_of < TODAY and c.created_at.date() <= TODAY
        if i.kind.value == "quantitative":
            assert c.actual is not None and c.milestones_done is None and c.rubric_level is None
        elif i.kind.value == "milestone":
            assert c.actual is None and 0 <= c.milestones_done <= i.milestones_total
        else:
            assert c.actual is None and 1 <= c.rubric_level <= 5
        last[i.id] = max(last.get(i.id, c.as_of), c.as_of)
    closed = [i for i in ind.values() if period_of[i.goal_id] == ps["FY2025"].id]
    assert all(last.get(i.id) == date(2025, 12, 31) for i in closed)  # a closed year has its year-end actuals


def test_quarters_that_have_begun_are_planned_and_checked_in_like_the_years(db: Session) -> None:
    ps = _periods(db)
    goals = db.execute(select(Goal.id, Goal.period_id, Goal.level, Goal.position_id)).all()
    days: dict[int, set[date]] = defaultdict(set)
    for period_id, day in db.execute(select(Goal.period_id, CheckIn.as_of).join(Indicator, Indicator.goal_id == Goal.id)
                                     .join(CheckIn, CheckIn.indicator_id == Indicator.id)):
        days[period_id].add(day)
    current_holders = set(db.execute(select(Employee.position_id).where(
        Employee.status == EmployeeStatus.ACTIVE, Employee.position_id.is_not(None))).scalars())
    for code, held, checked_in in (
            ("FY2026-Q1", _held_on(db, date(2026, 3, 31)), {date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)}),
            ("FY2026-Q2", _held_on(db, date(2026, 6, 30)), {date(2026, 4, 30), date(2026, 5, 31), date(2026, 6, 30)}),
            # the quarter under way: its month ends so far and yesterday (TODAY is the 20th)
            ("FY2026-Q3", current_holders, {date(2026, 7, 31), date(2026, 8, 31), date(2026, 9, 19)})):
        p = ps[code]
        mine = [g for g in goals if g.period_id == p.id]
        by = Counter(g.level for g in mine)
        assert 3 <= by[GoalLevel.COMPANY] <= 5 and by[GoalLevel.DEPARTMENT] and by[GoalLevel.PROCESS], code
        assert {g.position_id for g in mine if g.level is GoalLevel.POST} == held, code  # every post held then
        assert days[p.id] == checked_in, code
        results = db.scalars(select(GoalResult).where(GoalResult.period_id == p.id)).all()
        assert len(results) == len(mine) and sum(r.score is not None for r in results) > 0.9 * len(mine), code
    for code in ("FY2026-Q1", "FY2026-Q2"):  # closed like a past year: frozen
        assert db.scalar(select(func.count()).select_from(IndicatorResult)
                         .where(IndicatorResult.period_id == ps[code].id)), code
    assert not [g for g in goals if g.period_id == ps["FY2026-Q4"].id]  # not begun: nothing planned yet


def test_every_role_opens_the_performance_page_on_a_period_with_their_goals(
        seeded: tuple[Engine, Any, Any], december: Engine, app: Any) -> None:
    """What `hcm demo` shows first, in September (the year and Q3 in progress) and on 1 December (the year in
    review, Q4 in progress): a period people are in, with their goals and scores, never an empty one."""
    from fastapi.testclient import TestClient

    from hcm.deps import get_db

    def reading(engine: Engine) -> Callable[[], Iterator[Session]]:
        def session() -> Iterator[Session]:
            with Session(engine) as s:
                yield s

        return session

    for engine, as_of, expected in ((seeded[0], TODAY, "FY2026"), (december, DECEMBER, "FY2026-Q4")):
        app.dependency_overrides[get_db] = reading(engine)
        try:
            with factories.today_pinned(as_of), TestClient(app) as web, Session(engine) as s:
                users = s.scalars(select(User).where(User.username.in_([u for u, _ in seeding.DEMO_USERS]))).all()
                assert len(users) == 4
                for user in users:
                    r = web.get("/performance", headers=factories.bearer(user))
                    assert r.status_code == 200, (user.username, r.text[:300])
                    assert re.search(r'data-period="([^"]+)"', r.text).group(1) == expected, (as_of, user.username)
                    assert "No goals for you in this period yet" not in r.text
                    stat = "company-score" if user.username in ("hr", "exec") else "my-score"
                    value = re.search(rf'data-stat="{stat}"><span class="stat-value">([^<]*)<', r.text).group(1)
                    assert value.replace(".", "", 1).isdigit(), (as_of, user.username, stat, value)
                    if stat == "my-score":
                        assert 'data-table="my-goals"' in r.text
        finally:
            app.dependency_overrides.clear()


# --- results ------------------------------------------------------------------------------------------------------
def test_closed_year_is_frozen_and_announced(db: Session) -> None:
    ps = _periods(db)
    closed, open_ = ps["FY2025"], ps["FY2026"]
    n_ind = db.scalar(text("SELECT COUNT(*) FROM perf_indicators i JOIN perf_goals g ON g.id = i.goal_id "
                           "WHERE g.period_id = :p"), {"p": closed.id})
    frozen = db.scalars(select(IndicatorResult).where(IndicatorResult.period_id == closed.id)).all()
    assert len(frozen) == n_ind and all(r.score is not None for r in frozen)
    assert not db.scalars(select(IndicatorResult).where(IndicatorResult.period_id == open_.id)).all()
    with pytest.raises(PeriodClosed):
        lookups.ensure_writable(db, closed.id)
    events = {e.key: e.payload for e in db.scalars(select(OutboxEvent).where(OutboxEvent.topic == "performance_scores"))}
    assert events["FY2025#0"]["final"] is True and events["FY2026#0"]["final"] is False
    assert len(events["FY2025#0"]["scores"]) == db.scalar(text(
        "SELECT COUNT(*) FROM perf_unit_results WHERE period_id = :p AND unit_type = 'employee' AND score IS NOT NULL"),
        {"p": closed.id})


def test_open_year_has_goal_and_unit_results(db: Session) -> None:
    ps = _periods(db)
    for code in ("FY2025", "FY2026"):
        pid = ps[code].id
        n_goals = db.scalar(text("SELECT COUNT(*) FROM perf_goals WHERE period_id = :p"), {"p": pid})
        results = db.scalars(select(GoalResult).where(GoalResult.period_id == pid)).all()
        assert len(results) == n_goals and all(r.score is not None for r in results)
        n = {t: len(_unit_scores(db, ps[code], t)) for t in unit_service.UNIT_TYPES}
        assert n["company"] == 1 and n["department"] > 0 and n["process"] > 0
        assert n["employee"] >= 0.9 * EMPLOYEES and n["post"] >= n["employee"]
    # the closed year's were written when it closed (the open year's are read live from its goal results)
    assert db.scalar(select(func.count()).select_from(UnitResult).where(UnitResult.period_id == ps["FY2025"].id))
    assert not db.scalar(select(func.count()).select_from(UnitResult).where(UnitResult.period_id == ps["FY2026"].id))
    closed = [r for t in ("department", "employee") for r in _unit_scores(db, ps["FY2025"], t)]
    collab = [r.collaboration_score for r in closed if r.collaboration_score is not None]
    competency = [r.competency_score for r in closed if r.competency_score is not None]
    assert collab and competency  # collaboration and approved competency ratings count in the closed year


def _unit_scores(db: Session, period: Period, unit_type: str) -> list[Any]:
    return list(db.execute(select(unit_service.scores(period, unit_type))))


# --- people -------------------------------------------------------------------------------------------------------
def test_ratings_are_on_scale_with_provenance(db: Session) -> None:
    ps = _periods(db)
    events = db.scalars(select(RatingEvent)).all()
    dept_of = dict(db.execute(select(Position.id, Position.department_id)).all())
    peers: dict[tuple[int, int], set[int]] = defaultdict(set)
    for ev in events:
        scale = 3 if ev.kind is RatingKind.POTENTIAL else 5
        assert ev.scale_max == scale and 1 <= ev.value <= scale and ev.value == int(ev.value)
        assert ev.created_at.date() <= TODAY
        if ev.source is RatingSource.SELF:
            assert ev.rater_employee_id == ev.employee_id and ev.status is RatingStatus.SUBMITTED
        if ev.source is RatingSource.PEER:
            assert ev.rater_employee_id not in (None, ev.employee_id) and ev.status is RatingStatus.SUBMITTED
            peers[(ev.period_id, ev.employee_id)].add(ev.rater_employee_id)
        if ev.source is RatingSource.CALIBRATION:
            assert ev.period_id == ps["FY2025"].id and ev.status is RatingStatus.APPROVED and ev.reason
        if ev.status is RatingStatus.APPROVED and ev.source is RatingSource.MANAGER:
            assert ev.reason and ev.reason.startswith("approval of rating #")
    assert peers and all(len(r) >= 3 for r in peers.values())
    # peers of the closed year sat in the same department as the person at the year end
    held = {e: p for e, p in db.execute(text(
        "SELECT employee_id, position_id FROM assignments WHERE position_id IS NOT NULL AND start_date <= :d "
        "AND (end_date IS NULL OR end_date > :d)"), {"d": date(2025, 12, 31)}).all()}
    for (pid, e), raters in peers.items():
        if pid == ps["FY2025"].id:
            assert {dept_of[held[r]] for r in raters} == {dept_of[held[e]]}
    # most people reviewed in the closed year have an approved final rating, potential and competency too
    active_then = len(_held_on(db, date(2025, 12, 31)))
    final = _final(db, ps["FY2025"].id)
    assert len(final) >= 0.75 * active_then
    assert len(_final(db, ps["FY2025"].id, RatingKind.POTENTIAL)) == len(final)
    assert len(_final(db, ps["FY2025"].id, RatingKind.COMPETENCY)) == len(final)
    assert not _final(db, ps["FY2026"].id)  # this year: submitted mid-year ratings, nothing final yet
    assert _final(db, ps["FY2026"].id, RatingKind.POTENTIAL)
    # calibration: a handful, each moving a final rating one step and becoming the final rating
    cal = [ev for ev in events if ev.source is RatingSource.CALIBRATION]
    assert 3 <= len(cal) <= 25
    for ev in cal:
        assert final[ev.employee_id] == ev.value
        approved = [x for x in events if x.employee_id == ev.employee_id and x.period_id == ev.period_id
                    and x.kind is RatingKind.PERFORMANCE and x.source is RatingSource.MANAGER
                    and x.status is RatingStatus.APPROVED]
        assert approved and abs(approved[-1].value - ev.value) == 1 and approved[-1].created_at < ev.created_at


def test_collaboration_comes_from_the_consumer_side(db: Session) -> None:
    items = {i.id: i for i in db.scalars(select(ServiceItem))}
    assert 24 <= len(items) <= 60
    assert all(i.provider_department_id != i.consumer_department_id for i in items.values())
    parent = dict(db.execute(select(Department.id, Department.parent_id)).all())
    users = {u.id: u for u in db.scalars(select(User))}
    spells: dict[int, list[tuple[date, date | None, int]]] = defaultdict(list)
    for e, p, start, end in db.execute(text("SELECT employee_id, position_id, start_date, end_date FROM assignments "
                                            "WHERE position_id IS NOT NULL")).all():
        spells[e].append((date.fromisoformat(str(start)), date.fromisoformat(str(end)) if end else None, p))
    dept_of = dict(db.execute(select(Position.id, Position.department_id)).all())
    raters: dict[tuple[int, int], set[int]] = defaultdict(set)
    for r in db.scalars(select(CollaborationRating)):
        assert 1 <= r.score <= 5
        emp, day = users[r.rater_user_id].employee_id, r.created_at.date()
        pos = next((p for start, end, p in spells[emp] if start <= day and (end is None or day < end)), None)
        d = dept_of.get(pos) if pos else None
        chain = set()
        while d is not None:
            chain.add(d)
            d = parent[d]
        assert items[r.service_item_id].consumer_department_id in chain  # the rater sits in the consumer tree
        assert r.rater_user_id not in raters[(r.period_id, r.service_item_id)]  # once per rater, item and period
        raters[(r.period_id, r.service_item_id)].add(r.rater_user_id)
    assert sum(len(v) >= 3 for v in raters.values()) >= 0.8 * len(raters)
    demo = {"hr", "exec", "manager", "employee"}
    made = [u for u in users.values() if u.username not in demo]
    assert made and all(not u.is_active and not verify_password(seeding.DEMO_PASSWORD, u.password_hash) for u in made)


def test_points_ledger_is_consistent(db: Session) -> None:
    rules = {r.code: (r.id, r.amount) for r in db.scalars(select(PointsRule))}
    assert {c: a for c, (_, a) in rules.items()} == {"GOAL_ACHIEVED": 100, "PEER_RECOGNITION": 10,
                                                     "TRAINING_COMPLETED": 30, "INNOVATION": 50}
    entries = {e.id: e for e in db.scalars(select(PointsEntry))}
    status = dict(db.execute(select(Employee.id, Employee.status)).all())
    user_emp = dict(db.execute(select(User.id, User.employee_id)).all())
    amount_of = {rid: amt for rid, amt in rules.values()}
    corrected: Counter[int] = Counter()
    given: Counter[tuple[int, int | None]] = Counter()
    for e in entries.values():
        assert e.amount != 0 and e.reason and e.created_at.date() <= TODAY
        assert user_emp.get(e.created_by_user_id) != e.employee_id  # nobody awards themselves
        if e.corrects_entry_id is None:
            assert e.amount == amount_of[e.rule_id]
            if e.rule_id == rules["PEER_RECOGNITION"][0]:
                given[(e.period_id, e.created_by_user_id)] += 1
        else:
            orig = entries[e.corrects_entry_id]
            assert orig.corrects_entry_id is None and orig.employee_id == e.employee_id
            assert orig.period_id == e.period_id and (e.amount > 0) != (orig.amount > 0)
            assert orig.created_at <= e.created_at
            corrected[orig.id] += e.amount
    assert len(corrected) >= 3
    assert all(abs(c) <= entries[o].amount for o, c in corrected.items())  # never beyond the original
    assert max(given.values()) <= 5
    ps = _periods(db)
    for p in (ps["FY2025"], ps["FY2026"]):
        mine = [e for e in entries.values() if e.period_id == p.id]
        balance: Counter[int] = Counter()
        for e in mine:
            balance[e.employee_id] += e.amount
        sql = dict(db.execute(text("SELECT employee_id, SUM(amount) FROM perf_points_ledger WHERE period_id = :p "
                                   "GROUP BY employee_id"), {"p": p.id}).all())
        assert sql == dict(balance) and all(v >= 0 for v in balance.values())
    assert all(status[e.employee_id] is not None for e in entries.values())


def test_scores_follow_the_people(db: Session) -> None:
    """The same people who were promoted and kept in the org seed score well here: scores and ratings follow
    the org seed's latent performance (which never left that generator), and agree with each other."""
    company = seeding.build(EMPLOYEES, seed=SEED, as_of=TODAY)
    latent = company.history.perf
    ps = _periods(db)
    for code in ("FY2025", "FY2026"):
        rows = [(r.unit_id, r.score) for r in _unit_scores(db, ps[code], "employee") if r.score is not None]
        ids = np.asarray([r[0] for r in rows])
        assert _spearman([r[1] for r in rows], latent[ids - 1]) > 0.3, code
    final = _final(db, ps["FY2025"].id)
    ids = np.asarray(sorted(final))
    assert _spearman([final[i] for i in ids], latent[ids - 1]) > 0.3
    score = {r.unit_id: r.score for r in _unit_scores(db, ps["FY2025"], "employee")}
    both = [(final[i], score[i]) for i in ids if score.get(i) is not None]
    assert _spearman([a for a, _ in both], [b for _, b in both]) > 0.3
    potential = _final(db, ps["FY2025"].id, RatingKind.POTENTIAL)
    assert Counter(potential.values()).keys() == {1.0, 2.0, 3.0}
    buckets = Counter(round(v) for v in final.values())
    assert set(buckets) == {1, 2, 3, 4, 5} and buckets[3] == max(buckets.values())


# --- determinism, other dates, the fallback latent, PostgreSQL -------------------------------------------------------
def test_same_seed_same_data(seeded: tuple[Engine, Any, Any], tmp_dir: Path) -> None:
    url, _ = _company(tmp_dir / "twin.db")
    twin = make_engine(url)
    try:
        assert _dump(twin, (*TABLES, *RESULTS)) == _dump(seeded[0], (*TABLES, *RESULTS))  # bit for bit
        # the data itself is dated by the seed and today, not by the clock
        assert _dump(twin, TABLES[1:], volatile=True) == _dump(seeded[0], TABLES[1:], volatile=True)
    finally:
        twin.dispose()


def test_december_review_and_a_company_it_cannot_rebuild(tmp_dir: Path) -> None:
    """In December this year's period is in review; with the wrong org seed the org cannot be rebuilt, so the
    latent is derived from the data instead, and everything still holds."""
    url, report = _company(tmp_dir / "december.db", as_of=date(2026, 12, 10), org_seed=SEED, seed=5)
    assert dict(report.periods)["FY2026"] == "review" and dict(report.periods)["FY2026-Q4"] == "in_progress"
    assert "org seed" in report.latent
    url2 = f"sqlite:///{tmp_dir / 'derived.db'}"
    migrate.upgrade(url2)
    seeding.seed(url2, employees=EMPLOYEES, seed=SEED, as_of=TODAY)
    derived = seed_performance(url2, seed=SEED, as_of=TODAY, org_seed=SEED + 1)
    assert "derived" in derived.latent
    engine = make_engine(url2)
    try:
        with Session(engine) as s:
            assert all(plan_problems(s, period_id=p.id) == [] for p in _periods(s).values())
            assert dict(derived.periods) == {"FY2025": "closed", "FY2026": "in_progress", "FY2026-Q1": "closed",
                                             "FY2026-Q2": "closed", "FY2026-Q3": "in_progress", "FY2026-Q4": "planning"}
    finally:
        engine.dispose()
    december = make_engine(url)
    try:
        with Session(december) as s:
            ps = _periods(s)
            assert _final(s, ps["FY2026"].id)  # year-end approvals have started
    finally:
        december.dispose()


def test_postgresql_gets_the_same_data(seeded: tuple[Engine, Any, Any]) -> None:
    pg = None
    with fresh_pg_database("hcm_perfdemo") as url:
        try:
            migrate.upgrade(url)
            pg = make_engine(url)
            fks = ("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                   "FROM pg_constraint WHERE contype = 'f'")
            with pg.connect() as conn:
                before = sorted(conn.execute(text(fks)).all())
            seeding.seed(pg, employees=EMPLOYEES, seed=SEED, as_of=TODAY)
            report = seed_performance(pg, seed=SEED, as_of=TODAY)
            assert dict(report.periods)["FY2025"] == "closed"
            with pg.connect() as conn:  # the foreign keys dropped for the bulk load are all back
                assert sorted(conn.execute(text(fks)).all()) == before
            _assert_same(_dump(pg, (*TABLES, *RESULTS)), _dump(seeded[0], (*TABLES, *RESULTS)))
            with Session(pg) as s:  # the id sequences moved past the written rows
                p = _periods(s)["FY2026"]
                s.add(Goal(period_id=p.id, code="NEW-1", title="Created after seeding", level=GoalLevel.COMPANY))
                s.add(PointsEntry(period_id=p.id, employee_id=1, amount=5, reason="after seeding"))
                s.flush()
                s.rollback()
        finally:
            if pg is not None:
                pg.dispose()


# --- the talent graph ---------------------------------------------------------------------------------------------
@pytest.mark.graph
@pytest.mark.parametrize("company", ["seeded", "december"], ids=["mid-year-review", "year-end-review"])
def test_the_demos_outbox_drains_to_the_graph_a_rebuild_gives(company: str, request: pytest.FixtureRequest,
                                                              tmp_dir: Path) -> None:
    """The closed year and the open one with approved ratings (the potentials of the mid-year talent review; in
    December the year-end approvals too): drained from the demo's outbox, the graph is what a rebuild writes, so
    it shows the open year's ratings, as the services would have sent them. (The demo writes its rating events
    in bulk, past ``rollup.rating_written``: once it did not send them, and the drained graph kept last year's.)"""
    fixture = request.getfixturevalue(company)
    engine: Engine = fixture[0] if isinstance(fixture, tuple) else fixture
    copy = tmp_dir / f"graph-{company}.db"  # the drain marks the outbox done: the module's company stays as it is
    copy.unlink(missing_ok=True)
    with sqlite3.connect(str(engine.url.database)) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    target = make_engine(f"sqlite:///{copy}")
    server = shared_server()
    driver = graph_client.make_driver(server.uri, *server.auth)
    try:
        graph_client.ensure_schema(driver, GRAPH_DATABASE)
        graph_client.write(driver, GRAPH_DATABASE, "MATCH (n) DETACH DELETE n")
        with Session(target) as s:
            open_year = _periods(s)["FY2026"]
            assert open_year.state is not PeriodState.CLOSED
            rated = set(_final(s, open_year.id, RatingKind.POTENTIAL)) | set(_final(s, open_year.id))
            assert rated  # the open year has approved ratings: the case the drain once missed
        drain_outbox(target, driver, GRAPH_DATABASE)
        with Session(target) as s:
            assert pending_count(s) == 0
            report = check(s, driver, GRAPH_DATABASE)
            assert report.clean, "\n".join(report.lines())
            ext = dict(s.execute(select(Employee.id, Employee.external_id).where(Employee.id.in_(rated))).all())
        shown = {r["key"] for r in graph_client.read(
            driver, GRAPH_DATABASE, "MATCH (e:Employee) WHERE e.rating_period = $period RETURN e.key AS key",
            period="FY2026")}
        assert shown == set(ext.values())
    finally:
        driver.close()
        target.dispose()
