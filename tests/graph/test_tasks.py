"""The graph adapter's drain task in-process, against the real graph server: registered with the platform,
sent after commits that wrote outbox rows, a no-op while the graph is disabled, paused while it is down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from graph import client
from graph import tasks as graph_tasks
from graph.server import free_port
from hcm import db as hdb
from hcm import migrate, tasks
from hcm.org import service
from hcm.org.schemas import DepartmentIn
from hcm.outbox import OutboxEvent
from hcm.settings import get_settings
from tests.graph.fixtures import DATABASE, shared_server


def test_the_drain_is_registered_as_a_safe_to_redeliver_task() -> None:
    task = tasks.registered_task("graph.sync_outbox")
    assert task.name == graph_tasks.sync_outbox.name == "graph.sync_outbox"
    assert task.acks_late is True and task.reject_on_worker_lost is True


def test_the_drain_is_a_no_op_while_the_graph_is_disabled() -> None:
    assert get_settings().graph.enabled is False  # tests/conftest.py: HCM_GRAPH__ENABLED=false
    assert graph_tasks.sync_outbox.delay().get(timeout=5) == 0
    assert client._driver is None  # not even a driver was made


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
    graph_tasks._graph_down_until = 0.0


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
        assert client.counts(live_graph, DATABASE)["Department"] == 0  # not before the commit
    # Eager: the sync ran right after the commit, in this process.
    rows = client.read(live_graph, DATABASE, "MATCH (d:Department)-[:PART_OF]->(p) RETURN d.key AS d, p.key AS p")
    assert rows == [{"d": "OPS", "p": "CO"}]
    with hdb.unit_of_work() as s:
        assert all(r.processed_at is not None for r in s.scalars(select(OutboxEvent)))
    assert graph_tasks.sync_outbox.delay().get() == 0  # idempotent: nothing left, nothing changes


@pytest.mark.graph
def test_a_rolled_back_change_neither_syncs_nor_leaves_events(live_graph: Any) -> None:
    with pytest.raises(RuntimeError), hdb.unit_of_work() as s:
        service.create_department(s, data=DepartmentIn(code="GONE", name="Never"))
        raise RuntimeError("the request failed")
    assert client.counts(live_graph, DATABASE)["Department"] == 0
    with hdb.unit_of_work() as s:
        assert s.scalars(select(OutboxEvent)).all() == []


def test_a_dead_graph_is_left_alone_for_a_while_and_the_outbox_keeps_the_events(dead_graph: None) -> None:
    with hdb.unit_of_work() as s:
        # its outbox row sends the drain on commit, which finds nobody listening: the commit still succeeds
        service.create_department(s, data=DepartmentIn(code="CO", name="Company"))
    with hdb.unit_of_work() as s:
        [row] = s.scalars(select(OutboxEvent)).all()
        assert row.processed_at is None and row.attempts == 1 and row.last_error
    assert graph_tasks.sync_outbox.delay().get() == 0  # paused: not even tried
    with hdb.unit_of_work() as s:
        assert s.scalars(select(OutboxEvent.attempts)).all() == [1]
