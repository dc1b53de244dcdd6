"""A real Celery worker process over Redis, a fresh PostgreSQL database and the session's graph server:
org changes committed here reach the graph through the outbox and graph.sync_outbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from graph import client
from graph.server import GraphServer
from hcm import migrate
from hcm.db import make_engine
from hcm.org import service
from hcm.org.models import MoveReason
from hcm.org.schemas import DepartmentIn, EmployeeIn, MoveIn, PositionIn
from hcm.outbox import OutboxEvent
from tests.graph.fixtures import DATABASE, shared_server
from tests.services import fresh_pg_database
from tests.worker import celery_worker, result_of

pytestmark = [pytest.mark.redis, pytest.mark.slow, pytest.mark.graph, pytest.mark.postgres]



@pytest.fixture(scope="module")
def worker_db_url() -> Iterator[str]:
    """A database of its own: the worker commits, so the suite's rolled-back databases will not do."""
    with fresh_pg_database("hcm_worker") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="module")
def worker_graph() -> GraphServer:
    return shared_server()


@pytest.fixture(scope="module")
def worker(redis_url: str, worker_db_url: str, worker_graph: GraphServer, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[dict[str, Any]]:
    with celery_worker(redis_url, worker_db_url, tmp_path_factory.mktemp("worker"), graph=worker_graph) as w:
        yield w


def sync(worker: dict[str, Any]) -> int:
    return int(result_of(worker, "graph.sync_outbox"))


def test_a_real_worker_drains_committed_changes_into_the_graph(worker: dict[str, Any], worker_db_url: str,
                                                               worker_graph: GraphServer) -> None:
    driver = client.make_driver(worker_graph.uri, *worker_graph.auth)
    engine = make_engine(worker_db_url)
    try:
        client.write(driver, DATABASE, "MATCH (n) DETACH DELETE n")
        with Session(engine) as s, s.begin():
            co = service.create_department(s, data=DepartmentIn(code="W-CO", name="Company"))
            ceo = service.create_position(s, data=PositionIn(code="W-CEO", title="Chief", department_id=co.id,
                                                             is_key=True))
            head = service.create_position(s, data=PositionIn(code="W-H", title="Head", department_id=co.id,
                                                              reports_to_id=ceo.id))
            emp = service.hire(s, data=EmployeeIn(external_id="W-1", first_name="Wen", last_name="Worker",
                                                  hire_date=date(2022, 1, 3), position_id=head.id))
            emp_id, ceo_id = emp.id, ceo.id
        assert sync(worker) == 5  # department, two positions, the hire and its career history

        rows = client.read(driver, DATABASE, "MATCH (e:Employee)-[:HOLDS]->(p:Position)-[:IN]->(d:Department) "
                                             "RETURN e.key AS e, p.key AS p, d.key AS d")
        assert rows == [{"e": "W-1", "p": "W-H", "d": "W-CO"}]
        with Session(engine) as s:
            assert all(r.processed_at is not None for r in s.scalars(select(OutboxEvent)))

        with Session(engine) as s, s.begin():
            service.move(s, employee_id=emp_id, data=MoveIn(reason=MoveReason.PROMOTION,
                                                           effective_date=date(2024, 1, 2), position_id=ceo_id))
        assert sync(worker) == 2  # the person and their career history
        assert sync(worker) == 0  # delivered again: nothing left, nothing changes
        rows = client.read(driver, DATABASE, "MATCH (e:Employee)-[:HOLDS]->(p) RETURN e.key AS e, p.key AS p")
        assert rows == [{"e": "W-1", "p": "W-CEO"}]
        assert worker["proc"].poll() is None, "the worker died"
    finally:
        driver.close()
        engine.dispose()
