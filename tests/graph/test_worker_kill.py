"""A Celery worker killed with SIGKILL during a drain batch: the same task message is delivered again and the
graph still says exactly what the tables say.

Real processes throughout: Celery workers over Redis, a PostgreSQL database seeded with a synthetic company (some
1,200 outbox events), the session's ArcadeDB graph server. ``graph.sync_outbox`` is sent once, with a small
batch; once some batches are committed and another one is open, the process running the task is killed.

Two ways a worker dies, two ways the message comes back:

- The whole worker (``--pool=solo``: the main process runs the task). Nothing is left to reject the message: it
  stays in the Redis transport's unacked hash, and a fresh worker restores it to the queue once it is older than
  ``visibility_timeout`` (set to a few seconds here through HCM_BROKER_TRANSPORT_OPTIONS; kombu's default is 1 h).
- A prefork pool child alone. Its parent sees the child lost and, the task being ``acks_late`` +
  ``reject_on_worker_lost``, rejects the message with requeue: it is back in the queue at once and a new child
  runs it, while the visibility timeout is an hour (kombu's default), so nothing else could have brought it back.

Either way the batch in flight was rolled back with the dead connection, the run delivered again applies exactly
the events not yet committed (replaying what the killed batch may already have written to the graph), and every
event ends processed, none failed.

Each test sends on a Redis key prefix of its own (``global_keyprefix``), so its short visibility timeout can
never restore another worker's messages on the same Redis.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from neo4j import Driver
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from graph import client
from graph.check import check
from graph.server import GraphServer
from hcm import migrate, seed
from hcm.db import make_engine, utcnow
from hcm.outbox import OutboxEvent
from tests.graph.fixtures import DATABASE
from tests.services import fresh_pg_database

pytestmark = [pytest.mark.redis, pytest.mark.slow, pytest.mark.graph, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
EMPLOYEES = 40  # about 1,160 outbox events: some 50 batches, 3 to 7 s of draining (warm or cold graph server)
BATCH = 25
KILL_AFTER = 4 * BATCH  # events committed before the kill, at least
VISIBILITY_TIMEOUT = 5  # seconds, for the solo workers only
DEADLINE = 60  # seconds for any one wait


# --- services --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def company_db() -> Iterator[str]:
    """A database of its own holding the seeded company: the workers commit."""
    with fresh_pg_database("hcm_kill") as url:
        migrate.upgrade(url)
        seed.seed(url, employees=EMPLOYEES, as_of=date(2025, 6, 30))
        yield url


@pytest.fixture
def engine(company_db: str) -> Iterator[Engine]:
    eng = make_engine(company_db)
    yield eng
    eng.dispose()


@pytest.fixture
def driver(graph_driver: Driver) -> Driver:  # tests/graph/conftest.py: the session's server, its schema in place
    return graph_driver


@pytest.fixture
def fresh(engine: Engine, driver: Driver) -> int:
    """Every event pending again and an empty graph: each test drains the whole company. The events' count."""
    client.write(driver, DATABASE, "MATCH (n) DETACH DELETE n")
    with Session(engine) as s, s.begin():
        s.execute(update(OutboxEvent).values(processed_at=None, attempts=0, last_error=None))
        return int(s.scalar(select(func.count()).select_from(OutboxEvent)) or 0)


# --- workers ---------------------------------------------------------------------------------------
class Broker:
    """A queue and a Redis key prefix of this test's own, a sender on them, and the workers it started."""

    def __init__(self, redis_url: str, db_url: str, graph: GraphServer, logs: Path) -> None:
        tag = uuid.uuid4().hex[:8]
        self.queue = f"hcm-kill-{tag}"
        self.prefix = f"hcm-kill-{tag}:"
        self.redis_url, self.db_url, self.graph, self.logs = redis_url, db_url, graph, logs
        self.sender = Celery("hcm-kill-sender", broker=redis_url, backend=redis_url, set_as_current=False)
        self.sender.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"],
                                broker_transport_options={"global_keyprefix": self.prefix})
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *, pool: str, transport: dict[str, Any]) -> tuple[subprocess.Popen[bytes], Path]:
        log_path = self.logs / f"{name}.log"
        env = {
            **os.environ,
            "HCM_DATABASE_URL": self.db_url,
            "HCM_BROKER_URL": self.redis_url,
            "HCM_BROKER_TRANSPORT_OPTIONS": json.dumps({"global_keyprefix": self.prefix, **transport}),
            "HCM_GRAPH__ENABLED": "true",
            "HCM_GRAPH__EMBEDDED": "false",
            "HCM_GRAPH__URI": self.graph.uri,
            "HCM_GRAPH__USER": self.graph.user,
            "HCM_GRAPH__PASSWORD": self.graph.password,
            "HCM_GRAPH__DATABASE": DATABASE,
            "HCM_DEMO": "true",
            "HCM_SECRET_KEY": "worker-kill-secret-key-0123456789",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        cmd = [sys.executable, "-m", "celery", "-A", "hcm.tasks:celery_app", "worker", f"--pool={pool}",
               "--concurrency=1", "-Q", self.queue, "-n", f"{name}-{self.queue}@%h", "--loglevel=INFO",
               "--without-gossip", "--without-mingle", "--without-heartbeat"]
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc, log_path

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self.sender.close()


@pytest.fixture
def broker(redis_url: str, company_db: str, graph_server: GraphServer, tmp_path: Path) -> Iterator[Broker]:
    b = Broker(redis_url, company_db, graph_server, tmp_path)
    yield b
    b.close()


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc: no psutil needed)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:  # the field after "(comm) state" is the ppid
            out.append(int(entry.name))
    return out


def tail(*logs: Path) -> str:
    return "\n".join(f"--- {p.name}\n" + "\n".join(p.read_text(errors="replace").splitlines()[-30:]) for p in logs)


def received(log: Path, task_id: str) -> list[datetime]:
    """When the worker writing ``log`` received the task's message, each time."""
    pattern = rf"^\[([-0-9]+ [:0-9]+,[0-9]+): INFO/MainProcess\] Task graph\.sync_outbox\[{re.escape(task_id)}\] received"
    return [datetime.strptime(m, "%Y-%m-%d %H:%M:%S,%f")
            for m in re.findall(pattern, log.read_text(errors="replace"), flags=re.MULTILINE)]


# --- the database as the drain leaves it -------------------------------------------------------------
def processed(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(OutboxEvent)
                               .where(OutboxEvent.processed_at.is_not(None))) or 0)


def open_transactions(engine: Engine) -> list[int]:
    """Backends of other connections to this database inside a transaction: a drain batch between its
    SELECT ... FOR UPDATE and its commit."""
    with engine.connect() as conn:
        return list(conn.scalars(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND xact_start IS NOT NULL")))


def backends(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.scalars(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'")))


def kill_mid_batch(engine: Engine, victim: Any, total: int, result: Any, *logs: Path) -> tuple[datetime, int]:
    """Wait until KILL_AFTER events are committed, not all, and a batch is open; SIGKILL ``victim()`` (the pid
    running the task). (The moment just after the kill, the pid killed.)

    Rows are stamped ``processed_at`` just before their batch commits, and a batch the kill interrupts never
    commits: the events the killed run committed are exactly those stamped before that moment."""
    deadline = time.monotonic() + DEADLINE
    while True:
        done = processed(engine)
        in_flight = open_transactions(engine)
        if KILL_AFTER <= done < total and in_flight:
            pid = victim()
            os.kill(pid, signal.SIGKILL)
            killed_at = utcnow()
            break
        if result.ready():
            pytest.fail(f"the drain ended before it could be killed ({done} of {total} events); the company is "
                        f"too small or the batch too big\n{tail(*logs)}")
        if time.monotonic() > deadline:
            pytest.fail(f"no drain batch in flight after {DEADLINE} s ({done} of {total} events)\n{tail(*logs)}")
        time.sleep(0.02)
    # PostgreSQL ends the dead process's connections, and with them the open batch: rolled back.
    while set(in_flight) & set(backends(engine)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not set(in_flight) & set(backends(engine)), "the killed worker's connection is still open"
    return killed_at, pid


def committed_before(engine: Engine, moment: datetime) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(OutboxEvent)
                               .where(OutboxEvent.processed_at <= moment)) or 0)


def wait_result(result: Any, *logs: Path) -> int:
    try:
        return int(result.get(timeout=DEADLINE))
    except Exception as exc:  # noqa: BLE001 - a timeout or the task's own error: show the workers' logs
        pytest.fail(f"graph.sync_outbox[{result.id}] gave no result ({type(exc).__name__}: {exc})\n{tail(*logs)}")


def assert_exact(engine: Engine, driver: Driver) -> None:
    with Session(engine) as s:
        rows = s.execute(select(func.count(), func.count(OutboxEvent.processed_at), func.max(OutboxEvent.attempts),
                                func.count(OutboxEvent.last_error))).one()
        total, done, attempts, errors = rows
        assert (done, attempts, errors) == (total, 0, 0), \
            f"{total} events: {done} processed, max attempts {attempts}, {errors} with an error"
        report = check(s, driver, DATABASE)
    assert report.clean, "\n".join(report.lines())


@contextmanager
def redis_client(broker: Broker) -> Iterator[Any]:
    import redis

    conn = redis.Redis.from_url(broker.redis_url, socket_timeout=5)
    try:
        yield conn
    finally:
        conn.close()


# --- the tests ---------------------------------------------------------------------------------------
def test_a_worker_killed_mid_batch_is_delivered_again_to_a_fresh_worker(
        broker: Broker, engine: Engine, driver: Driver, fresh: int) -> None:
    total = fresh
    short = {"visibility_timeout": VISIBILITY_TIMEOUT, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}
    first, first_log = broker.start("first", pool="solo", transport=short)
    result = broker.sender.send_task("graph.sync_outbox", kwargs={"batch": BATCH}, queue=broker.queue)

    killed_at, _ = kill_mid_batch(engine, lambda: first.pid, total, result, first_log)
    assert first.wait(timeout=10) == -signal.SIGKILL
    [delivered] = received(first_log, result.id)
    assert not result.ready()

    # Nothing is left to reject it: the message waits in the transport's unacked hash, not in the queue.
    with redis_client(broker) as r:
        held = [json.loads(v)[0] for v in r.hvals(f"{broker.prefix}unacked")]
        assert [m["headers"]["id"] for m in held] == [result.id]
        assert r.llen(f"{broker.prefix}{broker.queue}") == 0

    second, second_log = broker.start("second", pool="solo", transport=short)
    applied = wait_result(result, first_log, second_log)

    # The same message (this result's task id; nothing else was sent), restored once the visibility timeout had
    # passed since its first delivery.
    [again] = received(second_log, result.id)
    assert again - delivered >= timedelta(seconds=VISIBILITY_TIMEOUT - 1), (delivered, again)
    committed = committed_before(engine, killed_at)
    assert KILL_AFTER <= committed < total
    assert applied == total - committed  # the killed batch was rolled back and is applied again, nothing else
    assert second.poll() is None, "the fresh worker died"
    with redis_client(broker) as r:
        assert r.hlen(f"{broker.prefix}unacked") == 0  # acknowledged: it will not come back a third time
    assert_exact(engine, driver)


def test_a_pool_child_killed_mid_batch_is_requeued_by_its_parent(
        broker: Broker, engine: Engine, driver: Driver, fresh: int) -> None:
    total = fresh
    # An hour, kombu's default, said out loud: within this test only the parent's reject can bring the message back.
    worker, log = broker.start("prefork", pool="prefork", transport={"visibility_timeout": 3600})
    result = broker.sender.send_task("graph.sync_outbox", kwargs={"batch": BATCH}, queue=broker.queue)

    def child() -> int:
        pids = children(worker.pid)
        assert len(pids) == 1, f"prefork --concurrency=1 should have one pool child, found {pids}"
        return pids[0]

    killed_at, victim = kill_mid_batch(engine, child, total, result, log)
    applied = wait_result(result, log)

    assert worker.poll() is None, "the worker's main process died"
    assert victim not in children(worker.pid)  # a new child ran it
    assert "WorkerLostError" in log.read_text(errors="replace"), tail(log)
    delivered, again = received(log, result.id)  # the same message twice, the second time at once
    assert again - delivered < timedelta(seconds=DEADLINE), (delivered, again)
    committed = committed_before(engine, killed_at)
    assert KILL_AFTER <= committed < total
    assert applied == total - committed
    with redis_client(broker) as r:
        assert r.hlen(f"{broker.prefix}unacked") == 0
    assert_exact(engine, driver)
