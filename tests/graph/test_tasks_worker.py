"""A real Celery worker process over Redis, a fresh PostgreSQL database and the session's graph server:
org changes committed here reach the graph through the outbox and graph.sync_outbox."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
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

pytestmark = [pytest.mark.redis, pytest.mark.slow, pytest.mark.graph, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
RESULT_TIMEOUT = 60


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
    queue = f"hcm-test-{uuid.uuid4().hex[:8]}"  # stale messages of earlier runs cannot reach this worker
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {
        **os.environ,
        "HCM_DATABASE_URL": worker_db_url,
        "HCM_BROKER_URL": redis_url,
        "HCM_GRAPH__ENABLED": "true",
        "HCM_GRAPH__EMBEDDED": "false",
        "HCM_GRAPH__URI": worker_graph.uri,
        "HCM_GRAPH__USER": worker_graph.user,
        "HCM_GRAPH__PASSWORD": worker_graph.password,
        "HCM_GRAPH__DATABASE": DATABASE,
        "HCM_DEMO": "true",
        "HCM_SECRET_KEY": "worker-test-secret-key-0123456789",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    cmd = [sys.executable, "-m", "celery", "-A", "hcm.tasks:celery_app", "worker", "--pool=solo", "--concurrency=1",
           "-Q", queue, "-n", f"{queue}@%h", "--loglevel=INFO", "--without-gossip", "--without-mingle",
           "--without-heartbeat"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    sender = Celery("hcm-test-sender", broker=redis_url, backend=redis_url, set_as_current=False)
    sender.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"])
    try:
        yield {"sender": sender, "queue": queue, "proc": proc, "log": log_path}
    finally:
        proc.send_signal(signal.SIGTERM)  # warm shutdown: finish the current task, close the driver
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        sender.close()


def sync(worker: dict[str, Any]) -> int:
    result = worker["sender"].send_task("graph.sync_outbox", queue=worker["queue"])
    try:
        return int(result.get(timeout=RESULT_TIMEOUT))
    except Exception as exc:  # noqa: BLE001 - a timeout or the task's own error: either way, show the worker's log
        alive = worker["proc"].poll() is None
        tail = "\n".join(worker["log"].read_text(errors="replace").splitlines()[-40:])
        pytest.fail(f"graph.sync_outbox gave no result ({type(exc).__name__}: {exc}); worker alive={alive}; "
                    f"its log:\n{tail}")


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
