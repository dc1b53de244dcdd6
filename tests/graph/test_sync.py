"""The drain: org changes made through hcm.org.service reach the graph through the outbox, on SQLite and
PostgreSQL, and a graph that is down loses nothing."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import pytest
from neo4j import Driver
from sqlalchemy import select
from sqlalchemy.orm import Session

from graph import client
from graph.server import free_port
from graph.sync import drain_outbox, pending_count
from hcm.auth.models import Role
from hcm.org import service
from hcm.org.models import Importance, MoveReason, SkillSource
from hcm.org.schemas import (
    DepartmentIn,
    EmployeeIn,
    EmployeeSkillIn,
    MoveIn,
    PositionIn,
    RequirementIn,
    SkillIn,
)
from hcm.outbox import OutboxEvent, emit
from hcm.policy import Principal
from tests.graph.fixtures import DATABASE

pytestmark = pytest.mark.graph

HR = Principal(user_id=0, username="hr", role=Role.HR_ADMIN, employee_id=None, position_id=None)


def q(driver: Driver, query: Any, **params: Any) -> list[dict[str, Any]]:
    return client.read(driver, DATABASE, query, **params)


def holds(driver: Driver) -> set[tuple[str, str]]:
    return {(r["e"], r["p"]) for r in q(driver, "MATCH (e:Employee)-[:HOLDS]->(p:Position) RETURN e.key AS e, p.key AS p")}


def build_org(db: Session) -> dict[str, Any]:
    co = service.create_department(db, data=DepartmentIn(code="CO", name="Company"))
    ops = service.create_department(db, data=DepartmentIn(code="OPS", name="Operations", parent_id=co.id))
    ceo = service.create_position(db, data=PositionIn(code="CEO", title="Chief Executive", department_id=co.id,
                                                      is_key=True))
    head = service.create_position(db, data=PositionIn(code="OPS-H", title="Head of Ops", department_id=ops.id,
                                                       reports_to_id=ceo.id, is_key=True))
    analyst = service.create_position(db, data=PositionIn(code="OPS-1", title="Analyst", department_id=ops.id,
                                                          reports_to_id=head.id))
    cora = service.hire(db, data=EmployeeIn(external_id="X-CORA", first_name="Cora", last_name="Chief",
                                            hire_date=date(2020, 1, 6), position_id=ceo.id))
    ann = service.hire(db, data=EmployeeIn(external_id="X-ANN", first_name="Ann", last_name="Lyst",
                                           hire_date=date(2021, 3, 1), position_id=analyst.id))
    lead = service.create_skill(db, data=SkillIn(code="LEAD", name="Leadership", category="behavioural"))
    service.set_requirement(db, position_id=head.id, skill_id=lead.id,
                            data=RequirementIn(required_level=4, importance=Importance.HIGH))
    service.assess_skill(db, principal=HR, employee_id=ann.id, skill_id=lead.id,
                         data=EmployeeSkillIn(level=3, source=SkillSource.MANAGER, assessed_on=date(2024, 5, 1)))
    return {"co": co, "ops": ops, "ceo": ceo, "head": head, "analyst": analyst, "cora": cora, "ann": ann, "lead": lead}


def outbox_rows(db: Session) -> list[OutboxEvent]:
    return list(db.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))


def test_service_changes_reach_the_graph(db: Session, graph: Driver) -> None:
    org = build_org(db)
    n = len(outbox_rows(db))
    assert n >= 10

    assert drain_outbox(db, graph, DATABASE) == n
    assert all(r.processed_at is not None and r.last_error is None for r in outbox_rows(db))
    assert pending_count(db) == 0
    assert holds(graph) == {("X-CORA", "CEO"), ("X-ANN", "OPS-1")}
    assert client.counts(graph, DATABASE) == {"Employee": 2, "Position": 3, "Department": 2, "Skill": 1,
                                              "Role": 0, "JobFamily": 0}
    assert q(graph, "MATCH (:Position {key: 'OPS-H'})-[r:REQUIRES]->(s:Skill) RETURN s.key AS s, r.level AS l") == \
        [{"s": "LEAD", "l": 4}]
    assert q(graph, "MATCH (:Employee {key: 'X-ANN'})-[h:HAS_SKILL]->(:Skill {key: 'LEAD'}) "
                    "RETURN h.level AS l, h.source AS s") == [{"l": 3, "s": "manager"}]
    assert drain_outbox(db, graph, DATABASE) == 0  # nothing left

    # A promotion into the vacant head post, then an exit: HOLDS follows, the person stays with a status.
    service.move(db, employee_id=org["ann"].id,
                 data=MoveIn(reason=MoveReason.PROMOTION, effective_date=date(2024, 6, 1), position_id=org["head"].id))
    service.move(db, employee_id=org["cora"].id,
                 data=MoveIn(reason=MoveReason.EXIT_VOLUNTARY, effective_date=date(2024, 7, 1)))
    assert drain_outbox(db, graph, DATABASE, batch=1) == 4  # employee + career history per move, in order
    assert holds(graph) == {("X-ANN", "OPS-H")}
    assert q(graph, "MATCH (e:Employee {key: 'X-CORA'}) RETURN e.status AS s") == [{"s": "exited"}]

    service.remove_requirement(db, position_id=org["head"].id, skill_id=org["lead"].id)
    service.delete_position(db, position_id=service.create_position(
        db, data=PositionIn(code="TMP", title="Temp", department_id=org["ops"].id)).id)
    assert drain_outbox(db, graph, DATABASE) == 3
    assert q(graph, "MATCH ()-[r:REQUIRES]->() RETURN count(r) AS n") == [{"n": 0}]
    assert q(graph, "MATCH (p:Position {key: 'TMP'}) RETURN count(p) AS n") == [{"n": 0}]


def test_graph_down_loses_nothing_and_catches_up(db: Session, graph: Driver) -> None:
    build_org(db)
    n = len(outbox_rows(db))
    dead = client.make_driver(f"bolt://127.0.0.1:{free_port()}", "root", "nobody-listens")
    try:
        started = time.monotonic()
        assert drain_outbox(db, dead, DATABASE) == 0
        assert time.monotonic() - started < 2  # found down at once, not after the driver's retries
        assert drain_outbox(db, dead, DATABASE) == 0
    finally:
        dead.close()
    rows = outbox_rows(db)
    assert all(r.processed_at is None and r.attempts == 2 for r in rows)
    assert all("ServiceUnavailable" in (r.last_error or "") for r in rows)
    assert client.counts(graph, DATABASE)["Employee"] == 0

    assert drain_outbox(db, graph, DATABASE) == n
    rows = outbox_rows(db)
    assert all(r.processed_at is not None and r.last_error is None for r in rows)
    assert holds(graph) == {("X-CORA", "CEO"), ("X-ANN", "OPS-1")}


def test_a_bad_event_stops_the_drain_after_the_good_ones_before_it(db: Session, graph: Driver) -> None:
    emit(db, "skill", "A", {"name": "Alpha"})
    emit(db, "skill", "B", {"name": {"not": "a property"}})
    emit(db, "skill", "C", {"name": "Gamma"})
    db.flush()
    assert drain_outbox(db, graph, DATABASE) == 1
    a, b, c = outbox_rows(db)
    assert a.processed_at is not None
    assert b.processed_at is None and b.attempts == 1 and "ProjectionError" in (b.last_error or "")
    assert c.processed_at is None and c.attempts == 0  # waits behind b: never applied out of order
    assert q(graph, "MATCH (s:Skill) RETURN s.key AS k") == [{"k": "A"}]


def test_topics_without_a_projection_wait_in_the_outbox(db: Session, graph: Driver) -> None:
    emit(db, "succession_plan", "CEO", {"future": True})
    emit(db, "skill", "A", {"name": "Alpha"})
    db.flush()
    assert drain_outbox(db, graph, DATABASE) == 1
    waiting = [r for r in outbox_rows(db) if r.processed_at is None]
    assert [(r.topic, r.attempts) for r in waiting] == [("succession_plan", 0)]


def test_drain_with_an_engine_commits_per_batch(engine: Any, graph: Driver) -> None:
    """With an Engine the drain opens its own sessions and commits each batch (what the Celery task does)."""
    with Session(engine) as s, s.begin():
        emit(s, "skill", "ENG-1", {"name": "one"})
        emit(s, "skill", "ENG-2", {"name": "two"})
        ids = [r.id for r in s.scalars(select(OutboxEvent).where(OutboxEvent.key.like("ENG-%")))]
    try:
        assert drain_outbox(engine, graph, DATABASE, batch=1) >= 2  # other suites might have committed rows too
        with Session(engine) as s:
            assert all(s.get(OutboxEvent, i).processed_at is not None for i in ids)  # type: ignore[union-attr]
        assert {r["k"] for r in q(graph, "MATCH (s:Skill) RETURN s.key AS k")} == {"ENG-1", "ENG-2"}
    finally:
        with Session(engine) as s, s.begin():
            for i in ids:
                s.delete(s.get(OutboxEvent, i))


def test_a_second_drainer_skips_locked_rows_and_does_not_overtake(engine: Any, graph: Driver) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks: SQLite has a single writer and no SELECT ... FOR UPDATE")
    with Session(engine) as s, s.begin():
        for k in ("LOCK-1", "LOCK-2", "LOCK-3"):
            emit(s, "skill", k, {"name": k})
    try:
        with Session(engine) as first, first.begin():
            # The first drainer holds the oldest pending row (as drain_batch does while it talks to the graph).
            oldest = first.scalars(select(OutboxEvent).where(OutboxEvent.processed_at.is_(None))
                                   .order_by(OutboxEvent.id).limit(1).with_for_update(skip_locked=True)).one()
            assert oldest.key == "LOCK-1"
            assert drain_outbox(engine, graph, DATABASE) == 0  # skips LOCK-1, refuses to apply LOCK-2 before it
            assert q(graph, "MATCH (s:Skill) RETURN count(s) AS n") == [{"n": 0}]
        assert drain_outbox(engine, graph, DATABASE) >= 3
        assert {r["k"] for r in q(graph, "MATCH (s:Skill) RETURN s.key AS k")} >= {"LOCK-1", "LOCK-2", "LOCK-3"}
    finally:
        with Session(engine) as s, s.begin():
            for row in s.scalars(select(OutboxEvent).where(OutboxEvent.key.like("LOCK-%"))):
                s.delete(row)
