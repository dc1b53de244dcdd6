"""Succession demo data (succession.demo) on a small seeded company (hcm.seed + performance.demo): read back through
the plan services, every slate satisfies the rules the services enforce (nobody on their own post's slate, nobody
who has left, nobody twice, ranks 1..n); readiness histories end where the slates stand; the board has what it
needs (uncovered posts, all three readiness values, overdue and done actions, single points of failure, pools);
the outbox carries exactly the plans' SUCCESSOR_FOR edges; the data is deterministic and the same on PostgreSQL."""

from __future__ import annotations

import itertools
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from hcm import migrate, modules
from hcm import seed as seeding
from hcm.auth.models import Role, User
from hcm.db import Base, make_engine
from hcm.errors import Conflict
from hcm.org.models import Employee, EmployeeStatus, Position
from hcm.outbox import OutboxEvent
from hcm.policy import Principal
from performance.demo import seed_performance
from succession.demo import POOLS, SuccessionSeedReport, seed_succession
from succession.models import (
    ActionStatus,
    DevelopmentAction,
    Nomination,
    PoolMember,
    Readiness,
    SuccessionAudit,
    SuccessionPlan,
    TalentPool,
)
from succession.service import edges, plans
from succession.service import pools as pools_service
from tests.services import fresh_pg_database

pytestmark = pytest.mark.slow

AS_OF = date(2026, 11, 27)
EMPLOYEES = 300
SEED = 11
TABLES = ("succ_plans", "succ_nominations", "succ_readiness_changes", "succ_development_actions", "succ_pools",
          "succ_pool_members", "succ_audit")


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The org and performance's demo, before succession's step (copied by the tests that run it)."""
    path = tmp_path_factory.mktemp("succ-demo") / "company.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    seeding.seed(url, employees=EMPLOYEES, seed=SEED, as_of=AS_OF)
    seed_performance(url, seed=SEED, as_of=AS_OF)
    return path


def _copy(company: Path, name: str) -> str:
    target = company.with_name(name)
    shutil.copy(company, target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="module")
def seeded(company: Path) -> Iterator[tuple[Engine, SuccessionSeedReport, list[tuple[str, int, int]]]]:
    calls: list[tuple[str, int, int]] = []
    url = _copy(company, "main.db")
    report = seed_succession(url, seed=SEED, as_of=AS_OF, progress=lambda *c: calls.append(c))
    engine = make_engine(url)
    yield engine, report, calls
    engine.dispose()


@pytest.fixture(scope="module")
def s(seeded: tuple[Engine, Any, Any]) -> Iterator[Session]:
    with Session(seeded[0]) as session:
        yield session


@pytest.fixture(scope="module")
def hr(s: Session) -> Principal:
    user = s.scalars(select(User).where(User.username == "hr")).one()
    return Principal(user.id, user.username, Role.HR_ADMIN, None, None)


def _dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        out = {}
        for name in TABLES:
            table = Base.metadata.tables[name]
            cols = [c for c in table.columns if c.name != "id"] if name == "succ_audit" else list(table.columns)
            out[name] = [tuple(r) for r in conn.execute(select(*cols).order_by(*table.primary_key.columns))]
        out["outbox"] = [tuple(r) for r in conn.execute(
            select(OutboxEvent.key, OutboxEvent.op, OutboxEvent.payload).where(OutboxEvent.topic == edges.TOPIC)
            .order_by(OutboxEvent.id))]
    return out


def test_the_demo_step_is_registered_after_performance() -> None:
    names = [step.name for step, _ in modules.demo_steps()]
    assert names.index("org") < names.index("performance") < names.index("succession")
    step = next(step for step, _ in modules.demo_steps() if step.name == "succession")
    assert (step.run, step.order) == ("succession.module:seed_demo", 30)


def test_report_and_progress(seeded: tuple[Engine, SuccessionSeedReport, list[tuple[str, int, int]]],
                             s: Session) -> None:
    _, report, calls = seeded
    key_posts = s.scalars(select(Position).where(Position.is_key.is_(True), Position.is_active.is_(True))).all()
    assert report.key_posts == len(key_posts) and report.plans + report.without_plan == len(key_posts)
    assert 0 < report.without_plan < report.plans  # most posts have a plan, a few are left uncovered
    assert report.rows["succ_plans"] == report.plans == len(s.scalars(select(SuccessionPlan)).all())
    assert "key posts have a plan" in str(report) and "succ_nominations" in str(report)
    assert calls[0] == ("succession plans", 0, 4) and calls[-1] == ("succession plans", 4, 4)


def test_every_slate_keeps_the_services_rules(s: Session, hr: Principal) -> None:
    """Read back through the service: no holder on their own slate, nobody who has left, nobody twice, ranks 1..n,
    an emergency successor on the slate or confirmed off it, and each readiness history ending where it stands."""
    plan_posts = s.scalars(select(SuccessionPlan.position_id)).all()
    status = dict(s.execute(select(Employee.id, Employee.status)).all())
    for position_id in plan_posts:
        out = plans.get_plan(s, principal=hr, position_id=position_id)
        ids = [n.employee.id for n in out.nominees]
        assert len(ids) == len(set(ids)), out.position.code
        assert [n.rank for n in out.nominees] == list(range(1, len(ids) + 1)), out.position.code
        assert out.holder is None or out.holder.id not in ids, out.position.code
        assert all(status[i] is EmployeeStatus.ACTIVE for i in ids), out.position.code
        assert all(n.current_position is None or n.current_position.id != position_id for n in out.nominees)
        # ready-now first, as the demo ranks them
        order = [list(Readiness).index(n.readiness) for n in out.nominees]
        assert order == sorted(order), out.position.code
        if out.emergency is not None:
            assert out.emergency.employee.status is EmployeeStatus.ACTIVE
            assert out.holder is None or out.emergency.employee.id != out.holder.id
            assert out.emergency.on_slate == (out.emergency.employee.id in ids)
            assert out.emergency.on_slate or out.emergency.confirmed_at is not None
        history = plans.history(s, principal=hr, position_id=position_id)
        by_person: dict[int, list[Any]] = defaultdict(list)
        for c in history.readiness_changes:
            by_person[c.employee_id].append(c)
        for n in out.nominees:
            events = by_person[n.employee.id]
            assert events[0].before is None and events[-1].after is n.readiness
            assert all(a.after == b.before for a, b in itertools.pairwise(events))
            assert all(e.changed_at < datetime(AS_OF.year, AS_OF.month, AS_OF.day) and e.reason for e in events)
            assert n.nominated_at <= events[0].changed_at
        # the audit tells the same story: a creation per nomination, open or removed, and the plan's own
        created = Counter((a.entity, a.action) for a in history.audit)
        assert created[("plan", "create")] == 1
        removed = s.scalars(select(Nomination).where(Nomination.plan_id == out.id,
                                                     Nomination.removed_at.is_not(None))).all()
        assert created[("nomination", "create")] == len(ids) + len(removed)
        assert created[("nomination", "remove")] == len(removed)
        assert all(r.removal_reason and r.employee_id not in ids for r in removed)


def test_the_board_has_something_to_show(s: Session, hr: Principal) -> None:
    page = plans.list_plans(s, principal=hr, page_size=500)
    assert any(p.plan_id is None for p in page.items)  # key posts left without a plan
    with_plan = [p for p in page.items if p.plan_id is not None]
    assert any(p.ready_now == 0 for p in with_plan) and any(p.ready_now for p in with_plan)  # uncovered and covered
    readiness = Counter(s.scalars(select(Nomination.readiness).where(Nomination.removed_at.is_(None))))
    assert set(readiness) == set(Readiness) and min(readiness.values()) >= 0.1 * sum(readiness.values())
    assert sum(1 for p in with_plan if p.emergency_employee_id is not None) >= 3
    # readiness that moved before today, with a reason, and removals with theirs
    moved = [a for a in s.scalars(select(SuccessionAudit).where(SuccessionAudit.action == "readiness"))]
    assert moved and all(a.after["reason"] and a.at.date() < AS_OF for a in moved)  # type: ignore[index]
    assert s.scalars(select(Nomination).where(Nomination.removed_at.is_not(None))).first() is not None
    # development actions: some done, some overdue as of the demo's day, each with an owner still here
    acts = s.scalars(select(DevelopmentAction)).all()
    assert any(a.status is ActionStatus.DONE and a.completed_at is not None for a in acts)
    assert any(a.due_date is not None and a.due_date < AS_OF and a.status in (ActionStatus.PLANNED,
                                                                               ActionStatus.IN_PROGRESS) for a in acts)
    assert all((a.status is ActionStatus.DONE) == (a.completed_at is not None) for a in acts)
    owners = {a.owner_employee_id for a in acts if a.owner_employee_id is not None}
    assert owners and all(s.get(Employee, o).status is EmployeeStatus.ACTIVE for o in owners)  # type: ignore[union-attr]
    assert any(a.skill_id is not None and a.target_level is not None for a in acts)


def test_a_couple_of_people_are_single_points_of_failure(s: Session) -> None:
    """The only active ready-now successor of two or more key posts (graph.queries.single_points_of_failure)."""
    ready = s.execute(select(Nomination.plan_id, Nomination.employee_id).where(
        Nomination.removed_at.is_(None), Nomination.readiness == Readiness.READY_NOW)).all()
    per_plan: dict[int, list[int]] = defaultdict(list)
    for plan_id, emp in ready:
        per_plan[plan_id].append(emp)
    only = Counter(emps[0] for emps in per_plan.values() if len(emps) == 1)
    assert sum(1 for n in only.values() if n >= 2) >= 2
    slates = Counter(s.scalars(select(Nomination.employee_id).where(Nomination.removed_at.is_(None))))
    assert max(slates.values()) >= 2


def test_talent_pools_with_criteria_and_members(s: Session, hr: Principal) -> None:
    pools = {p.code: p for p in s.scalars(select(TalentPool))}
    assert set(pools) == {code for code, *_ in POOLS}
    for p in pools.values():
        # stored in the pools service's own form, which reads them back and checks the members against them
        assert p.criteria["performance"]["min_rating"] and p.criteria["grade_levels"]["min_level"]
        members = s.scalars(select(PoolMember).where(PoolMember.pool_id == p.id)).all()
        assert members and all(m.reason for m in members), p.code
        assert len({m.employee_id for m in members}) == len(members)
        assert all(m.removal_reason for m in members if m.removed_at is not None)
        detail = pools_service.pool_detail(s, principal=hr, pool_id=p.id)
        assert detail.members > 0 and detail.flagged == 0, (p.code, detail)
        assert detail.eligible > 0, p.code  # people who meet the criteria and are not in the pool yet


def test_the_outbox_carries_the_plans_successor_edges(s: Session) -> None:
    sent = {e.key: e.payload for e in s.scalars(select(OutboxEvent).where(OutboxEvent.topic == edges.TOPIC))}
    want = {e.key: e.payload() for e in edges.successor_edges(s)}
    assert sent == want
    assert len(want) >= s.query(Nomination).filter(Nomination.removed_at.is_(None)).count()
    assert any(p["readiness"] == edges.EMERGENCY for p in sent.values())  # an interim off the slate


def test_refuses_a_second_run(seeded: tuple[Engine, Any, Any]) -> None:
    with pytest.raises(Conflict, match="succession plan"):
        seed_succession(seeded[0], seed=SEED, as_of=AS_OF)


def test_same_seed_same_data(seeded: tuple[Engine, Any, Any], company: Path) -> None:
    twin = make_engine(_copy(company, "twin.db"))
    other = make_engine(_copy(company, "other.db"))
    try:
        seed_succession(twin, seed=SEED, as_of=AS_OF)
        assert _dump(twin) == _dump(seeded[0])  # bit for bit, dated by the seed and the as-of day
        seed_succession(other, seed=SEED + 1, as_of=AS_OF)
        assert _dump(other)["succ_nominations"] != _dump(seeded[0])["succ_nominations"]
    finally:
        twin.dispose()
        other.dispose()


def test_postgresql_gets_the_same_data(seeded: tuple[Engine, Any, Any]) -> None:
    pg = None
    with fresh_pg_database("hcm_succdemo") as url:
        try:
            migrate.upgrade(url)
            pg = make_engine(url)
            seeding.seed(pg, employees=EMPLOYEES, seed=SEED, as_of=AS_OF)
            seed_performance(pg, seed=SEED, as_of=AS_OF)
            seed_succession(pg, seed=SEED, as_of=AS_OF)
            assert _dump(pg) == _dump(seeded[0])
            with Session(pg) as s:  # the id sequences moved past the written rows
                plan = s.scalars(select(SuccessionPlan)).first()
                assert plan is not None
                s.add(Nomination(plan_id=plan.id, employee_id=1, rank=99, readiness=Readiness.READY_3_PLUS))
                s.add(TalentPool(code="NEW", name="Created after seeding", criteria={}))
                s.flush()
                s.rollback()
        finally:
            if pg is not None:
                pg.dispose()


@pytest.mark.graph
def test_the_demos_graph_gets_its_successor_edges_when_the_outbox_drains(company: Path) -> None:
    """As `hcm demo` does before the first page: drain the demo's whole outbox into an empty graph; it then
    equals the tables (graph.check), its SUCCESSOR_FOR edges one per open nomination or interim."""
    from graph import client
    from graph.check import check
    from graph.sync import drain_outbox, pending_count
    from tests.graph.fixtures import DATABASE, shared_server

    server = shared_server()
    driver = client.make_driver(server.uri, *server.auth)
    engine = make_engine(_copy(company, "graph.db"))
    try:
        client.ensure_schema(driver, DATABASE)
        client.write(driver, DATABASE, "MATCH (n) DETACH DELETE n")
        seed_succession(engine, seed=SEED, as_of=AS_OF)
        drain_outbox(engine, driver, DATABASE, batch=5000)
        with Session(engine) as s:
            assert pending_count(s) == 0
            report = check(s, driver, DATABASE)  # the whole graph: the edges, and the people and posts they join
            assert report.clean, "\n".join(report.lines())
            want = len(edges.successor_edges(s))
        got = client.read(driver, DATABASE, "MATCH (:Employee)-[x:SUCCESSOR_FOR]->(:Position) RETURN count(x) AS n")
        assert got[0]["n"] == want > 0
    finally:
        engine.dispose()
        driver.close()
