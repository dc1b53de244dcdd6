"""Outbox events -> nodes and edges, checked by querying the real graph server back with Cypher."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import Driver
from neo4j.exceptions import ConstraintError

from graph import client
from graph.projection import Event, ProjectionError, apply_events, plan
from tests.graph.fixtures import DATABASE

pytestmark = pytest.mark.graph


def q(driver: Driver, query: Any, **params: Any) -> list[dict[str, Any]]:
    return client.read(driver, DATABASE, query, **params)


def edges(driver: Driver, rel: str) -> set[tuple[str, str]]:
    rows = q(driver, "MATCH (a)-[r]->(b) WHERE type(r) = $rel RETURN a.key AS a, b.key AS b", rel=rel)
    return {(r["a"], r["b"]) for r in rows}


def keys(driver: Driver, label: str) -> set[str]:
    rows = q(driver, "MATCH (n) WHERE $label IN labels(n) RETURN n.key AS k", label=label)
    return {r["k"] for r in rows}


def snapshot(driver: Driver) -> tuple[list[Any], list[Any]]:
    nodes = q(driver, "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
    rels = q(driver, "MATCH (a)-[r]->(b) RETURN a.key AS a, type(r) AS t, properties(r) AS props, b.key AS b")
    return (sorted(nodes, key=repr), sorted(rels, key=repr))


def org_events() -> list[Event]:
    """A tiny org as hcm.org.service writes it to the outbox."""
    raw: list[tuple[str, str, dict[str, Any]]] = [
        ("department", "CO", {"name": "Company", "parent": None}),
        ("department", "OPS", {"name": "Operations", "parent": "CO"}),
        ("position", "CEO", {"title": "Chief Executive", "department": "CO", "reports_to": None, "is_key": True}),
        ("position", "OPS-H", {"title": "Head of Ops", "department": "OPS", "reports_to": "CEO", "is_key": True}),
        ("position", "OPS-1", {"title": "Analyst", "department": "OPS", "reports_to": "OPS-H", "is_key": False}),
        ("employee", "E-CORA", {"name": "Cora Chief", "status": "active", "position": "CEO"}),
        ("employee", "E-BRUNO", {"name": "Bruno Boss", "status": "active", "position": "OPS-H"}),
        ("skill", "PY", {"name": "Python", "category": "technical"}),
        ("skill", "LEAD", {"name": "Leadership", "category": "behavioural"}),
        ("employee_skill", "E-BRUNO|LEAD", {"employee": "E-BRUNO", "skill": "LEAD", "level": 4, "source": "manager"}),
        ("employee_skill", "E-BRUNO|LEAD", {"employee": "E-BRUNO", "skill": "LEAD", "level": 5, "source": "self"}),
        ("requirement", "OPS-H|LEAD", {"position": "OPS-H", "skill": "LEAD", "level": 4, "importance": "high"}),
        ("requirement", "OPS-1|PY", {"position": "OPS-1", "skill": "PY", "level": 3, "importance": "medium"}),
    ]
    return [Event(topic=t, key=k, payload=p, id=i) for i, (t, k, p) in enumerate(raw, start=1)]


def test_org_events_become_nodes_and_edges(graph: Driver) -> None:
    assert apply_events(graph, DATABASE, org_events()) == 13

    assert keys(graph, "Department") == {"CO", "OPS"}
    assert keys(graph, "Position") == {"CEO", "OPS-H", "OPS-1"}
    assert keys(graph, "Employee") == {"E-CORA", "E-BRUNO"}
    assert keys(graph, "Skill") == {"PY", "LEAD"}
    assert edges(graph, "PART_OF") == {("OPS", "CO")}
    assert edges(graph, "IN") == {("CEO", "CO"), ("OPS-H", "OPS"), ("OPS-1", "OPS")}
    assert edges(graph, "REPORTS_TO") == {("OPS-H", "CEO"), ("OPS-1", "OPS-H")}
    assert edges(graph, "HOLDS") == {("E-CORA", "CEO"), ("E-BRUNO", "OPS-H")}

    [pos] = q(graph, "MATCH (p:Position {key: $k}) RETURN p.title AS title, p.is_key AS is_key", k="OPS-H")
    assert pos == {"title": "Head of Ops", "is_key": True}
    [emp] = q(graph, "MATCH (e:Employee {key: $k}) RETURN e.name AS name, e.status AS status", k="E-CORA")
    assert emp == {"name": "Cora Chief", "status": "active"}
    has = q(graph, "MATCH (:Employee {key: $e})-[h:HAS_SKILL]->(:Skill {key: $s}) "
                   "RETURN h.source AS source, h.level AS level ORDER BY source", e="E-BRUNO", s="LEAD")
    assert has == [{"source": "manager", "level": 4}, {"source": "self", "level": 5}]
    req = q(graph, "MATCH (:Position {key: $p})-[r:REQUIRES]->(:Skill {key: $s}) "
                   "RETURN r.level AS level, r.importance AS importance", p="OPS-H", s="LEAD")
    assert req == [{"level": 4, "importance": "high"}]
    # The path the product asks about: who holds a post in Operations, and which skills it needs.
    path = q(graph, "MATCH (e:Employee)-[:HOLDS]->(p:Position)-[:IN]->(:Department)-[:PART_OF*0..]->(:Department {key: $d}) "
                    "MATCH (p)-[:REQUIRES]->(s:Skill) RETURN e.key AS e, s.key AS s", d="CO")
    assert path == [{"e": "E-BRUNO", "s": "LEAD"}]


def test_replaying_events_gives_the_same_graph(graph: Driver) -> None:
    events = org_events()
    apply_events(graph, DATABASE, events)
    first = snapshot(graph)
    apply_events(graph, DATABASE, events)
    apply_events(graph, DATABASE, events[:5])  # a replayed prefix (a crash before the outbox was stamped)
    apply_events(graph, DATABASE, events[5:])
    assert snapshot(graph) == first
    assert len(first[0]) == 9 and len(first[1]) == 12


def test_events_apply_in_id_order_and_newest_state_wins(graph: Driver) -> None:
    events = [
        Event("employee", "E1", payload={"name": "Ann", "status": "active", "position": "P1"}, id=10),
        Event("employee", "E1", payload={"name": "Ann", "status": "active", "position": "P2"}, id=11),
        Event("position", "P1", payload={"title": "One", "department": None, "reports_to": None}, id=12),
    ]
    apply_events(graph, DATABASE, list(reversed(events)))  # handed over out of order
    assert edges(graph, "HOLDS") == {("E1", "P2")}
    assert keys(graph, "Position") == {"P1", "P2"}  # P2 exists as a stub until its own event arrives


def test_a_move_moves_the_holds_edge(graph: Driver) -> None:
    apply_events(graph, DATABASE, org_events())
    apply_events(graph, DATABASE, [
        Event("employee", "E-BRUNO", payload={"name": "Bruno Boss", "status": "active", "position": "OPS-1"}, id=100),
        Event("employee", "E-ANN", payload={"name": "Ann New", "status": "active", "position": "OPS-H"}, id=101),
    ])
    assert edges(graph, "HOLDS") == {("E-CORA", "CEO"), ("E-BRUNO", "OPS-1"), ("E-ANN", "OPS-H")}


def test_an_exit_removes_holds_and_keeps_the_person_with_status(graph: Driver) -> None:
    apply_events(graph, DATABASE, org_events())
    apply_events(graph, DATABASE, [
        Event("employee", "E-BRUNO", payload={"name": "Bruno Boss", "status": "exited", "position": None}, id=100),
    ])
    assert edges(graph, "HOLDS") == {("E-CORA", "CEO")}
    [row] = q(graph, "MATCH (e:Employee {key: $k}) RETURN e.status AS status", k="E-BRUNO")
    assert row["status"] == "exited"
    # Skills stay: they describe the person, and are history for the flight-risk models.
    assert ("E-BRUNO", "LEAD") in edges(graph, "HAS_SKILL")


def test_reparenting_and_unlinking_leave_one_edge_or_none(graph: Driver) -> None:
    apply_events(graph, DATABASE, org_events())
    apply_events(graph, DATABASE, [
        Event("department", "SAL", payload={"name": "Sales", "parent": "CO"}, id=100),
        Event("department", "OPS", payload={"name": "Operations", "parent": "SAL"}, id=101),
        Event("position", "OPS-1", payload={"title": "Analyst", "department": "SAL", "reports_to": None}, id=102),
    ])
    assert edges(graph, "PART_OF") == {("OPS", "SAL"), ("SAL", "CO")}
    assert ("OPS-1", "SAL") in edges(graph, "IN") and ("OPS-1", "OPS") not in edges(graph, "IN")
    assert edges(graph, "REPORTS_TO") == {("OPS-H", "CEO")}


def test_a_payload_without_a_relation_field_leaves_that_edge_alone(graph: Driver) -> None:
    apply_events(graph, DATABASE, org_events())
    apply_events(graph, DATABASE, [Event("employee", "E-CORA", payload={"name": "Cora C."}, id=100)])
    assert ("E-CORA", "CEO") in edges(graph, "HOLDS")
    [row] = q(graph, "MATCH (e:Employee {key: $k}) RETURN e.name AS name, e.status AS status", k="E-CORA")
    assert row == {"name": "Cora C.", "status": "active"}


def test_one_batch_sharing_a_new_parent_creates_it_once(graph: Driver) -> None:
    apply_events(graph, DATABASE, [
        Event("department", "A", payload={"name": "A", "parent": "ROOT"}, id=1),
        Event("department", "B", payload={"name": "B", "parent": "ROOT"}, id=2),
    ])
    assert keys(graph, "Department") == {"A", "B", "ROOT"}
    assert edges(graph, "PART_OF") == {("A", "ROOT"), ("B", "ROOT")}


def test_deletes_remove_nodes_and_edges(graph: Driver) -> None:
    apply_events(graph, DATABASE, org_events())
    apply_events(graph, DATABASE, [
        Event("requirement", "OPS-H|LEAD", op="delete", id=100),  # the service sends no payload on delete
        Event("employee_skill", "E-BRUNO|LEAD", op="delete", payload={"source": "self"}, id=101),
        Event("employee", "E-CORA", payload={"name": "Cora Chief", "status": "exited", "position": None}, id=102),
        Event("position", "OPS-1", op="delete", id=103),
        Event("skill", "PY", op="delete", id=104),
    ])
    assert edges(graph, "REQUIRES") == set()
    assert q(graph, "MATCH (:Employee)-[h:HAS_SKILL]->() RETURN h.source AS s") == [{"s": "manager"}]
    assert keys(graph, "Position") == {"CEO", "OPS-H"}
    assert ("OPS-1", "OPS-H") not in edges(graph, "REPORTS_TO")
    assert keys(graph, "Skill") == {"LEAD"}

    apply_events(graph, DATABASE, [
        Event("employee_skill", "E-BRUNO|LEAD", op="delete", id=105),  # no source: every assessment
        Event("position", "CEO", op="delete", id=106),
        Event("department", "CO", op="delete", id=107),
    ])
    assert edges(graph, "HAS_SKILL") == set()
    assert keys(graph, "Department") == {"OPS"} and edges(graph, "PART_OF") == set()
    # Deleting what is already gone is a no-op (replay after a crash).
    apply_events(graph, DATABASE, [Event("department", "CO", op="delete", id=107)])


def test_upsert_after_delete_in_one_batch_recreates(graph: Driver) -> None:
    apply_events(graph, DATABASE, [
        Event("skill", "GO", payload={"name": "Go"}, id=1),
        Event("skill", "GO", op="delete", id=2),
        Event("skill", "GO", payload={"name": "Golang"}, id=3),
        Event("skill", "RS", payload={"name": "Rust"}, id=4),
        Event("skill", "RS", op="delete", id=5),
    ])
    assert q(graph, "MATCH (s:Skill) RETURN s.key AS k, s.name AS n") == [{"k": "GO", "n": "Golang"}]


def test_unique_business_keys_are_enforced(graph: Driver) -> None:
    found = {tuple(c["labelsOrTypes"]) for c in client.constraints(graph, DATABASE) if c["properties"] == ["key"]}
    assert {("Employee",), ("Position",), ("Department",), ("Skill",)} <= found
    client.write(graph, DATABASE, "CREATE (:Employee {key: $k})", k="E1")
    with pytest.raises(ConstraintError):
        client.write(graph, DATABASE, "CREATE (:Employee {key: $k})", k="E1")
    assert keys(graph, "Employee") == {"E1"}
    client.ensure_schema(graph, DATABASE)  # idempotent


@pytest.mark.parametrize(("event", "why"), [
    (Event("payroll", "X", payload={}), "no projection for topic"),
    (Event("skill", "X", op="merge"), "op must be one of"),
    (Event("skill", "", payload={"name": "x"}), "empty key"),
    (Event("skill", "X", payload={"name": {"nested": 1}}), "payload field 'name' is a dict"),
    (Event("employee", "X", payload={"position": 7}), "must be a business key"),
    (Event("requirement", "no-separator", payload={"level": 3}), "the key must be 'position|skill'"),
    (Event("employee_skill", "E|S", payload={"level": 3}), "needs 'level' and 'source'"),
])
def test_a_bad_event_is_refused_before_the_graph_is_touched(graph: Driver, event: Event, why: str) -> None:
    good = Event("skill", "OK", payload={"name": "fine"})
    with pytest.raises(ProjectionError, match=why):
        apply_events(graph, DATABASE, [good, event])
    assert keys(graph, "Skill") == set()


def test_plan_batches_a_run_into_one_unwind() -> None:
    events = [Event("skill", f"S{i}", payload={"name": f"Skill {i}"}, id=i) for i in range(500)]
    [(query, params)] = plan(events)
    assert query.startswith("UNWIND $rows") and len(params["rows"]) == 500


def test_performance_scores_land_on_employees_latest_period_wins(graph: Driver) -> None:
    apply_events(graph, DATABASE, org_events())
    n = len(org_events())

    def scores(i: int, period: str, end: str, final: bool, cora: float, bruno: float) -> Event:
        return Event("performance_scores", f"{period}#0", id=n + i, payload={
            "period": period, "period_end": end, "final": final,
            "scores": [{"employee": "E-CORA", "score": cora}, {"employee": "E-BRUNO", "score": bruno}]})

    apply_events(graph, DATABASE, [scores(1, "FY26", "2026-12-31", False, 90.0, 70.5),
                                   scores(2, "FY26", "2026-12-31", True, 95.0, 71.0)])
    # a recompute of an older period, sent later, does not overwrite the newer period's score
    apply_events(graph, DATABASE, [scores(3, "FY25", "2025-12-31", True, 10.0, 10.0)])
    rows = q(graph, "MATCH (e:Employee) RETURN e.key AS k, e.perf_score AS s, e.perf_period AS p, e.perf_final AS f "
                    "ORDER BY k")
    assert rows == [{"k": "E-BRUNO", "s": 71.0, "p": "FY26", "f": True}, {"k": "E-CORA", "s": 95.0, "p": "FY26", "f": True}]
    with pytest.raises(ProjectionError, match="scores"):
        plan([Event("performance_scores", "X#0", payload={"period": "X", "period_end": "2026-01-01"}, id=1)])
    with pytest.raises(ProjectionError, match="period_end"):
        plan([Event("performance_scores", "X#0", payload={"period": "X", "scores": []}, id=1)])
