"""Task bodies as functions, in-process: the Celery configuration, sending after commit, hcm.sync_graph."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from graph import client
from graph.server import free_port
from hcm import db as hdb
from hcm import migrate, tasks
from hcm.org import service
from hcm.org.schemas import DepartmentIn
from hcm.outbox import OutboxEvent
from hcm.settings import Settings, get_settings
from tests.graph.fixtures import DATABASE, shared_server


def test_without_a_broker_tasks_run_in_process() -> None:
    app = tasks.make_celery(Settings(demo=True, broker_url=None))
    assert app.conf.task_always_eager is True
    assert app.conf.result_backend is None


def test_with_a_broker_tasks_go_to_workers() -> None:
    app = tasks.make_celery(Settings(demo=True, broker_url="redis://127.0.0.1:6379/3"))
    assert app.conf.task_always_eager is False
    assert app.conf.broker_url == app.conf.result_backend == "redis://127.0.0.1:6379/3"
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost


def test_sync_graph_is_registered_as_a_safe_to_redeliver_task() -> None:
    task = tasks.celery_app.tasks["hcm.sync_graph"]
    assert task.acks_late is True and task.reject_on_worker_lost is True


def test_sync_graph_is_a_no_op_while_the_graph_is_disabled() -> None:
    assert get_settings().graph.enabled is False  # tests/conftest.py: HCM_GRAPH__ENABLED=false
    assert tasks.sync_graph.delay().get(timeout=5) == 0
    assert client._driver is None  # not even a driver was made


# --- enqueue_after_commit -------------------------------------------------------------------------------
@pytest.fixture
def recorder() -> Iterator[tuple[Any, list[tuple[Any, ...]]]]:
    app = Celery("recorder", set_as_current=False)
    app.conf.task_always_eager = True
    calls: list[tuple[Any, ...]] = []

    @app.task(name="test.record")  # type: ignore[untyped-decorator]
    def record(*args: Any) -> None:
        calls.append(args)

    yield record, calls


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = hdb.make_engine(f"sqlite:///{tmp_path / 'after-commit.db'}")
    yield engine
    engine.dispose()


def test_a_task_is_sent_once_after_commit(sqlite_engine: Engine, recorder: Any) -> None:
    record, calls = recorder
    with Session(sqlite_engine) as s:
        s.execute(text("SELECT 1"))
        tasks.enqueue_after_commit(s, record, 7)
        tasks.enqueue_after_commit(s, record, 7)  # the same call twice: sent once
        tasks.enqueue_after_commit(s, record, 8)
        assert calls == []  # not before the commit
        s.commit()
        assert calls == [(7,), (8,)]
        s.execute(text("SELECT 1"))
        s.commit()
        assert calls == [(7,), (8,)]  # not again on the next commit


def test_a_rolled_back_transaction_sends_nothing(sqlite_engine: Engine, recorder: Any) -> None:
    record, calls = recorder
    with Session(sqlite_engine) as s:
        s.execute(text("SELECT 1"))
        tasks.enqueue_after_commit(s, record, 1)
        s.rollback()
        s.execute(text("SELECT 1"))
        s.commit()
        assert calls == []
        tasks.enqueue_after_commit(s, record, 2)
        s.commit()
        assert calls == [(2,)]


def test_a_request_session_inside_the_test_transaction_sends_on_commit(db: Session, recorder: Any) -> None:
    """The `db` fixture turns commit into a savepoint release, as route tests see it: still 'after commit'."""
    record, calls = recorder
    db.execute(text("SELECT 1"))
    tasks.enqueue_after_commit(db, record, "x")
    db.commit()
    assert calls == [("x",)]


def test_a_failing_send_does_not_fail_the_commit(sqlite_engine: Engine) -> None:
    app = Celery("broken", set_as_current=False)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True

    @app.task(name="test.boom")  # type: ignore[untyped-decorator]
    def boom() -> None:
        raise RuntimeError("broker down")

    with Session(sqlite_engine) as s:
        s.execute(text("SELECT 1"))
        tasks.enqueue_after_commit(s, boom)
        s.commit()  # logged, not raised: the data is committed and the outbox still has the events


# --- hcm.sync_graph in-process, against the real graph server ----------------------------------------------
def _configure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, uri: str, user: str, password: str) -> None:
    """This process as the embedded default: eager tasks, a migrated SQLite file of its own, the graph on."""
    url = f"sqlite:///{tmp_path / 'tasks.db'}"
    migrate.upgrade(url)
    for name, value in {"HCM_DATABASE_URL": url, "HCM_GRAPH__ENABLED": "true", "HCM_GRAPH__URI": uri,
                        "HCM_GRAPH__USER": user, "HCM_GRAPH__PASSWORD": password,
                        "HCM_GRAPH__DATABASE": DATABASE}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    hdb.configure(url)


def _restore(monkeypatch: pytest.MonkeyPatch) -> None:
    client.close_driver()
    monkeypatch.undo()
    get_settings.cache_clear()
    hdb.configure(get_settings().database_url)
    tasks._graph_down_until = 0.0


@pytest.fixture
def live_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    server = shared_server()
    _configure(monkeypatch, tmp_path, server.uri, server.user, server.password)
    try:
        driver = client.get_driver()
        client.write(driver, DATABASE, "MATCH (n) DETACH DELETE n")
        yield driver
    finally:
        _restore(monkeypatch)


@pytest.fixture
def dead_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    _configure(monkeypatch, tmp_path, f"bolt://127.0.0.1:{free_port()}", "root", "nobody-listens")
    try:
        yield
    finally:
        _restore(monkeypatch)


@pytest.mark.graph
def test_committing_org_changes_syncs_the_graph_in_process(live_graph: Any) -> None:
    with hdb.unit_of_work() as s:
        co = service.create_department(s, data=DepartmentIn(code="CO", name="Company"))
        service.create_department(s, data=DepartmentIn(code="OPS", name="Operations", parent_id=co.id))
        tasks.request_graph_sync(s)
        assert client.counts(live_graph, DATABASE)["Department"] == 0  # not before the commit
    # Eager: the sync ran right after the commit, in this process.
    rows = client.read(live_graph, DATABASE, "MATCH (d:Department)-[:PART_OF]->(p) RETURN d.key AS d, p.key AS p")
    assert rows == [{"d": "OPS", "p": "CO"}]
    with hdb.unit_of_work() as s:
        assert all(r.processed_at is not None for r in s.scalars(select(OutboxEvent)))
    assert tasks.sync_graph.delay().get() == 0  # idempotent: nothing left, nothing changes


@pytest.mark.graph
def test_a_rolled_back_change_neither_syncs_nor_leaves_events(live_graph: Any) -> None:
    with pytest.raises(RuntimeError), hdb.unit_of_work() as s:
        service.create_department(s, data=DepartmentIn(code="GONE", name="Never"))
        tasks.request_graph_sync(s)
        raise RuntimeError("the request failed")
    assert client.counts(live_graph, DATABASE)["Department"] == 0
    with hdb.unit_of_work() as s:
        assert s.scalars(select(OutboxEvent)).all() == []


def test_a_dead_graph_is_left_alone_for_a_while_and_the_outbox_keeps_the_events(dead_graph: None) -> None:
    with hdb.unit_of_work() as s:
        service.create_department(s, data=DepartmentIn(code="CO", name="Company"))
        tasks.request_graph_sync(s)  # runs on commit and finds nobody listening: the commit still succeeds
    with hdb.unit_of_work() as s:
        [row] = s.scalars(select(OutboxEvent)).all()
        assert row.processed_at is None and row.attempts == 1 and row.last_error
    assert tasks.sync_graph.delay().get() == 0  # paused: not even tried
    with hdb.unit_of_work() as s:
        assert s.scalars(select(OutboxEvent.attempts)).all() == [1]


def test_a_released_savepoint_does_not_send_only_the_outer_commit_does(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from unittest import mock

    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from hcm import tasks

    engine = create_engine(f"sqlite:///{tmp_path / 'sp.db'}")
    fake = mock.Mock()
    fake.name = "test.fake"
    with Session(engine) as s:
        s.execute(text("SELECT 1"))
        sp = s.begin_nested()
        tasks.enqueue_after_commit(s, fake, 1)
        sp.commit()
        fake.apply_async.assert_not_called()
        s.commit()
        fake.apply_async.assert_called_once_with((1,), {})
