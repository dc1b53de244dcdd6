"""Succession's part of the talent graph over the real Bolt server: the drain (the ``successor`` events the plan
services send) and the rebuild (``succession.graph`` read from the tables) leave the same SUCCESSOR_FOR edges,
and ``graph.check`` finds nothing to say after either, through nominations, a re-rank, a readiness change, an
emergency successor confirmed off the slate, a removal and a nominee's exit.

Each test starts from a graph rebuilt from the small org alone, so what the drain then applies is the plans'."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver
from sqlalchemy.orm import Session

from graph import client, queries
from graph.rebuild import rebuild
from graph.sync import drain_outbox, pending_count
from succession.models import Readiness
from succession.schemas import PlanIn
from succession.service import plans
from tests.factories import Org
from tests.graph.fixtures import DATABASE, assert_clean, module_driver, units_of_work_inside
from tests.succession.factories import exit_employee

pytestmark = pytest.mark.graph

Edges = dict[tuple[str, str], tuple[str, int]]


@pytest.fixture(scope="module")
def graph_driver() -> Iterator[Driver]:
    yield from module_driver()


@pytest.fixture
def graph(graph_driver: Driver, db: Session, org: Org, monkeypatch: pytest.MonkeyPatch) -> Driver:
    units_of_work_inside(db, monkeypatch)
    assert rebuild_and_check(db, graph_driver) == {}
    return graph_driver


def edges(driver: Driver) -> Edges:
    rows = client.read(driver, DATABASE, "MATCH (a:Employee)-[s:SUCCESSOR_FOR]->(b:Position) "
                                         "RETURN a.key AS a, b.key AS b, s.readiness AS r, s.rank AS k")
    out: Edges = {}
    for r in rows:
        assert (r["a"], r["b"]) not in out, "one SUCCESSOR_FOR per person and post"
        out[(r["a"], r["b"])] = (r["r"], r["k"])
    return out


def drain_and_check(db: Session, driver: Driver, **kw: Any) -> Edges:
    drain_outbox(db, driver, DATABASE, **kw)
    assert pending_count(db) == 0
    assert_clean(db, driver)
    return edges(driver)


def rebuild_and_check(db: Session, driver: Driver) -> Edges:
    db.flush()
    rebuild(driver, DATABASE)
    assert pending_count(db) == 0
    assert_clean(db, driver)
    return edges(driver)


def test_drain_and_rebuild_agree_through_a_plans_life(db: Session, org: Org, graph: Driver) -> None:
    hr, E, P = org.principal("hr"), org.people, org.positions
    ceo, ops = P["ceo"].id, P["ops_head"].id
    for pos in (ceo, ops):
        plans.create_plan(db, principal=hr, position_id=pos, data=PlanIn())
    plans.nominate(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, readiness=Readiness.READY_1_2)
    plans.nominate(db, principal=hr, position_id=ceo, employee_id=E["carol"].id, readiness=Readiness.READY_NOW,
                   rank=1)
    plans.nominate(db, principal=hr, position_id=ops, employee_id=E["bob"].id, readiness=Readiness.READY_NOW)
    plans.nominate(db, principal=hr, position_id=ops, employee_id=E["alice"].id, readiness=Readiness.READY_3_PLUS)
    want = {("X-CAROL", "CEO"): ("ready_now", 1), ("X-BOSS", "CEO"): ("ready_1_2", 2),
            ("X-BOB", "OPS-H"): ("ready_now", 1), ("X-ALICE", "OPS-H"): ("ready_3_plus", 2)}
    assert drain_and_check(db, graph) == want
    assert rebuild_and_check(db, graph) == want

    plans.rerank(db, principal=hr, position_id=ceo, order=[E["boss"].id, E["carol"].id])
    plans.change_readiness(db, principal=hr, position_id=ceo, employee_id=E["boss"].id,
                           readiness=Readiness.READY_NOW, reason="ran the merger")
    plans.set_emergency(db, principal=hr, position_id=ops, employee_id=E["dana"].id, confirm=True,
                        reason="covers nights already")
    plans.remove_nominee(db, principal=hr, position_id=ops, employee_id=E["bob"].id, reason="moved to sales")
    exit_employee(db, E["carol"])  # her nomination stays: the graph shows her status
    want = {("X-BOSS", "CEO"): ("ready_now", 1), ("X-CAROL", "CEO"): ("ready_now", 2),
            ("X-ALICE", "OPS-H"): ("ready_3_plus", 1), ("X-DANA", "OPS-H"): ("emergency", 2)}
    assert drain_and_check(db, graph, batch=2) == want
    assert rebuild_and_check(db, graph) == want

    slate = queries.successors(graph, DATABASE, position="CEO")
    assert [(s.employee, s.status, s.readiness, s.rank) for s in slate.successors] == [
        ("X-BOSS", "active", "ready_now", 1), ("X-CAROL", "exited", "ready_now", 2)]
    bench = {b.position.key: (b.ready_now, b.emergency, b.successors) for b in queries.bench_strength(graph, DATABASE)}
    assert bench["CEO"] == (1, 0, 1) and bench["OPS-H"] == (0, 1, 2)  # exited Carol is not counted

    plans.set_emergency(db, principal=hr, position_id=ops, employee_id=None, reason="Dana moved on")
    plans.remove_nominee(db, principal=hr, position_id=ceo, employee_id=E["carol"].id, reason="left")
    want = {("X-BOSS", "CEO"): ("ready_now", 1), ("X-ALICE", "OPS-H"): ("ready_3_plus", 1)}
    assert drain_and_check(db, graph) == want
    assert rebuild_and_check(db, graph) == want
