"""``enqueue_once_after_commit`` against a real Redis: commits made while a run is still waiting in the queue
add no other run; a run that has started (or could not be sent) lets the next commit queue a new one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from hcm import db as hdb
from hcm import tasks

pytestmark = pytest.mark.redis


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = hdb.make_engine(f"sqlite:///{tmp_path / 'once.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def recorder() -> Iterator[tuple[Any, list[tuple[Any, ...]]]]:
    """A task that records what was sent. Eager, so 'sent' is visible at once; its body does not clear the
    mark, as a message still waiting in the queue would not."""
    app = Celery("recorder", set_as_current=False)
    app.conf.task_always_eager = True
    calls: list[tuple[Any, ...]] = []

    @app.task(name=f"test.recompute.{uuid.uuid4().hex[:8]}")  # type: ignore[untyped-decorator]
    def record(*args: Any) -> None:
        calls.append(args)

    yield record, calls


def commit_with(engine: Engine, task: Any, *args: Any) -> None:
    with Session(engine) as s:
        s.execute(text("SELECT 1"))
        tasks.enqueue_once_after_commit(s, task, *args)
        s.commit()


def test_commits_while_a_run_waits_in_the_queue_add_no_other_run(queued_marks: Any, engine: Engine, recorder: Any) -> None:
    record, calls = recorder
    commit_with(engine, record, 7)
    commit_with(engine, record, 7)  # the run for 7 is still waiting: it will see this commit too
    commit_with(engine, record, 8)  # other arguments: a run of its own
    assert calls == [(7,), (8,)]
    assert 0 < queued_marks.ttl(tasks._mark_key(record.name, (7,))) <= tasks.QUEUED_MARK_SECONDS  # a lost message expires

    tasks.clear_queued(record.name, (7,))  # the run for 7 starts
    commit_with(engine, record, 7)  # committed after it began: it may not see this, so a new run is queued
    assert calls == [(7,), (8,), (7,)]
    for args in ((7,), (8,)):
        tasks.clear_queued(record.name, args)


def test_a_rolled_back_transaction_neither_sends_nor_marks(queued_marks: Any, engine: Engine, recorder: Any) -> None:
    record, calls = recorder
    with Session(engine) as s:
        s.execute(text("SELECT 1"))
        tasks.enqueue_once_after_commit(s, record, 1)
        s.rollback()
    assert calls == [] and queued_marks.exists(tasks._mark_key(record.name, (1,))) == 0
    commit_with(engine, record, 1)
    assert calls == [(1,)]
    tasks.clear_queued(record.name, (1,))


def test_a_send_that_fails_clears_its_mark(queued_marks: Any, engine: Engine) -> None:
    app = Celery("broken", set_as_current=False)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    sent: list[int] = []

    @app.task(name=f"test.boom.{uuid.uuid4().hex[:8]}")  # type: ignore[untyped-decorator]
    def boom(n: int) -> None:
        sent.append(n)
        if len(sent) == 1:
            raise RuntimeError("broker down")

    commit_with(engine, boom, 1)  # logged, not raised; and no mark left behind to swallow the next commit
    assert queued_marks.exists(tasks._mark_key(boom.name, (1,))) == 0
    commit_with(engine, boom, 1)
    assert sent == [1, 1]
    tasks.clear_queued(boom.name, (1,))


def test_without_redis_every_commit_sends(engine: Engine, recorder: Any) -> None:
    assert tasks.queued_marks() is None  # the suite runs tasks in-process: no queue to wait in
    record, calls = recorder
    commit_with(engine, record, 3)
    commit_with(engine, record, 3)
    assert calls == [(3,), (3,)]


def test_an_unreachable_redis_sends_anyway(monkeypatch: pytest.MonkeyPatch, engine: Engine, recorder: Any) -> None:
    import redis

    from graph.server import free_port

    nobody = redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5, socket_timeout=0.5)
    monkeypatch.setattr(tasks, "queued_marks", lambda: nobody)
    record, calls = recorder
    commit_with(engine, record, 5)
    commit_with(engine, record, 5)  # cannot tell whether a run waits: a spare run is harmless, a lost one is not
    assert calls == [(5,), (5,)]
