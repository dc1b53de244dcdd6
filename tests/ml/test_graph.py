"""Flight-risk scores reach the talent graph through the outbox: the drain sets the latest score on each Employee
node (a later run on the same date replaces it, an older run does not), the rebuild reads the same from the tables,
and the check finds the two equal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from neo4j import Driver
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from graph import client
from graph.rebuild import rebuild
from graph.sync import drain_outbox, pending_count
from hcm.outbox import OutboxEvent
from ml import graph as ml_graph
from ml.models import ModelVersion, Score
from tests.factories import small_org
from tests.graph.fixtures import DATABASE, assert_clean, module_driver, units_of_work_inside

pytestmark = pytest.mark.graph


@pytest.fixture(scope="module")
def graph_driver() -> Iterator[Driver]:
    yield from module_driver()


@pytest.fixture
def graph(graph_driver: Driver, db: Session, monkeypatch: pytest.MonkeyPatch) -> Driver:
    """The driver on an empty graph; the rebuild's units of work run inside the test's transaction."""
    units_of_work_inside(db, monkeypatch)
    client.write(graph_driver, DATABASE, "MATCH (n) DETACH DELETE n")
    return graph_driver


def version(db: Session, label: str, kind: str = "flight-risk") -> ModelVersion:
    """A registry row for the scores to name (no artifact is loaded here)."""
    v = ModelVersion(kind=kind, label=label, candidate="logistic", sklearn_version="x", data_hash="0" * 64,
                     metrics={}, card={}, artifact=b"", artifact_sha256="0" * 64)
    db.add(v)
    db.flush()
    return v


def run(db: Session, v: ModelVersion, as_of: date, scores: dict[int, tuple[float, str]]) -> None:
    """What ``ml.score.score`` writes for a run: the score rows, then the outbox events."""
    db.execute(insert(Score), [{"version_id": v.id, "employee_id": emp, "position_id": None, "as_of": as_of,
                                "probability": p, "band": band, "drivers": []} for emp, (p, band) in scores.items()])
    ml_graph.emit_scores(db, version=v, as_of=as_of, scores=[(emp, p, band) for emp, (p, band) in scores.items()])
    db.flush()


def risk(driver: Driver) -> dict[str, Any]:
    rows = client.read(driver, DATABASE, "MATCH (e:Employee) WHERE e.flight_risk IS NOT NULL "
                                         "RETURN e.key AS k, e.flight_risk AS p, e.flight_risk_band AS b, "
                                         "e.flight_risk_model AS m, e.flight_risk_as_of AS d")
    return {r["k"]: (r["p"], r["b"], r["m"], r["d"]) for r in rows}


def test_the_latest_score_of_each_person_reaches_the_graph_and_the_rebuild_agrees(db: Session, graph: Driver) -> None:
    org = small_org(db)
    rebuild(graph, DATABASE, session=db)  # the people, as the graph knew them before any scoring run
    alice, bob, dana = (org.people[k].id for k in ("alice", "bob", "dana"))
    v1, v2 = version(db, "flight-risk-1"), version(db, "flight-risk-2")
    run(db, v1, date(2026, 10, 31), {alice: (0.10, "low"), bob: (0.60, "high")})
    run(db, v1, date(2026, 11, 30), {alice: (0.30, "medium"), bob: (0.20, "low")})
    run(db, v2, date(2026, 11, 30), {alice: (0.40, "medium")})  # retrained the same day: replaces alice's
    run(db, v2, date(2026, 9, 30), {dana: (0.05, "low"), alice: (0.9, "high")})  # an older run: alice keeps hers
    events = db.scalars(select(OutboxEvent).where(OutboxEvent.topic == ml_graph.TOPIC)).all()
    assert len(events) == 4 and events[0].payload["model"] == "flight-risk-1"

    drain_outbox(db, graph, DATABASE)
    assert pending_count(db) == 0
    assert risk(graph) == {"X-ALICE": (0.40, "medium", "flight-risk-2", "2026-11-30"),
                           "X-BOB": (0.20, "low", "flight-risk-1", "2026-11-30"),
                           "X-DANA": (0.05, "low", "flight-risk-2", "2026-09-30")}
    assert_clean(db, graph)
    drained = risk(graph)

    rebuild(graph, DATABASE, session=db, batch=2)
    assert risk(graph) == drained
    assert_clean(db, graph)


def test_readiness_scores_and_other_kinds_stay_out_of_the_employee_properties(db: Session, graph: Driver) -> None:
    org = small_org(db)
    r = version(db, "readiness-1", kind="readiness")
    db.execute(insert(Score), [{"version_id": r.id, "employee_id": org.people["bob"].id,
                                "position_id": org.positions["ops_head"].id, "as_of": date(2026, 11, 30),
                                "probability": 0.7, "band": "high", "drivers": []}])
    db.flush()
    drain_outbox(db, graph, DATABASE)
    rebuild(graph, DATABASE, session=db)
    assert risk(graph) == {}
    assert_clean(db, graph)


def test_a_malformed_event_is_refused_by_the_projection_with_its_reason() -> None:
    from graph.projection import ProjectionError, plan

    bad = OutboxEvent(id=1, topic=ml_graph.TOPIC, key="k", op="upsert", payload={"model": "m", "scores": []})
    with pytest.raises(ProjectionError, match="as_of"):
        plan([bad])
