"""The Celery configuration and sending after commit, in-process (the graph's drain task: tests/graph/test_tasks.py)."""

from __future__ import annotations

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
from hcm.settings import Settings


def test_without_a_broker_tasks_run_in_process() -> None:
    app = tasks.make_celery(Settings(demo=True, broker_url=None))
    assert app.conf.task_always_eager is True
    assert app.conf.result_backend is None


def test_with_a_broker_tasks_go_to_workers() -> None:
    app = tasks.make_celery(Settings(demo=True, broker_url="redis://127.0.0.1:6379/3"))
    assert app.conf.task_always_eager is False
    assert app.conf.broker_url == app.conf.result_backend == "redis://127.0.0.1:6379/3"
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost


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
