"""Background tasks in the tests: every task sent after a commit is recorded, and one that raised fails the test.

The app sends its tasks once a transaction commits (``hcm.tasks.enqueue_after_commit``) and, on purpose, only
logs a task that could not be sent: the committed data must stand. In the tests that would hide a broken task, so
the autouse fixture ``sent_tasks`` (a plugin of ``tests/conftest.py``) swaps ``hcm.tasks.send_after_commit`` for a
``TaskRecorder`` in every test:

* tests on the ``db`` fixture (and so every API and page test through ``client``): the platform's tasks run at
  once, in this process, on the test's own connection inside a SAVEPOINT - a recompute sent by a check-in sees
  the check-in, and the test's rollback takes its writes away;
* other tests: the task goes out as the app would send it (eager, or to the broker of a test that set one up);
* a platform task that raised fails the test, with its name, arguments and traceback in the message.

Stand-in tasks from tests of the send path itself (their own Celery app, or a mock) pass straight through, so those
tests still see the real error handling.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

Send = Callable[[Any, tuple[Any, ...], dict[str, Any]], None]


@dataclass(frozen=True)
class SentTask:
    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # the traceback, when the task raised


class TaskRecorder:
    def __init__(self, send: Send) -> None:
        self.sent: list[SentTask] = []
        # Started inside another recorder (a test running pytest in-process): send the way the outer one would,
        # or the outer one would take the errors this one is there to see.
        self._send: Send = send._send if isinstance(send, TaskRecorder) else send
        self._connection: Connection | None = None

    def run_on(self, connection: Connection | None) -> None:
        """From now on the platform's tasks run in-process on this connection, each in a SAVEPOINT of its own
        (None: sent as the app sends them)."""
        self._connection = connection

    def calls(self, name: str | None = None) -> list[tuple[Any, ...]]:
        """The arguments of every task sent (of that name), in order."""
        return [t.args for t in self.sent if name is None or t.name == name]

    @property
    def failures(self) -> list[SentTask]:
        return [t for t in self.sent if t.error is not None]

    def report(self) -> str:
        return "\n".join([f"{len(self.failures)} background task(s) sent after commit raised:"]
                         + [f"--- {t.name}{t.args!r}\n{t.error}" for t in self.failures])

    def check(self) -> None:
        """Fail the running test when a task raised."""
        if self.failures:
            pytest.fail(self.report(), pytrace=False)

    def forget_failures(self) -> list[SentTask]:
        """For a test that makes a task fail on purpose: take its failures so they do not fail the test."""
        failed = self.failures
        self.sent = [t for t in self.sent if t.error is None]
        return failed

    def __call__(self, task: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        from hcm.tasks import celery_app

        if getattr(task, "app", None) is not celery_app:
            self.sent.append(SentTask(task.name, args, kwargs))
            self._send(task, args, kwargs)
            return
        error = None
        try:
            if self._connection is None:
                self._send(task, args, kwargs)
            else:
                with _sessions_on(self._connection):
                    task.apply(args, kwargs, throw=True)
        except Exception:  # noqa: BLE001 - whatever the task raised is what the test must show
            error = traceback.format_exc()
        self.sent.append(SentTask(task.name, args, kwargs, error))


@contextmanager
def _sessions_on(connection: Connection) -> Iterator[None]:
    """``hcm.db.unit_of_work`` (the task's own transaction) as a SAVEPOINT on ``connection``: its commit releases
    the savepoint, its rollback undoes only the task's writes."""
    from hcm import db as hdb

    maker = sessionmaker(bind=connection, class_=Session, join_transaction_mode="create_savepoint",
                         expire_on_commit=False)
    saved = hdb.session_factory
    hdb.session_factory = lambda: maker  # type: ignore[assignment]
    try:
        yield
    finally:
        hdb.session_factory = saved  # type: ignore[assignment]


RECORDER = pytest.StashKey[TaskRecorder]()


@pytest.fixture(autouse=True)
def sent_tasks(request: pytest.FixtureRequest) -> Iterator[TaskRecorder]:
    """Every background task sent after a commit during the test; one that raised fails the test."""
    from hcm import tasks

    recorder = TaskRecorder(tasks.send_after_commit)
    saved = tasks.send_after_commit
    tasks.send_after_commit = recorder
    request.node.stash[RECORDER] = recorder
    try:
        yield recorder
    finally:
        tasks.send_after_commit = saved


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    # Checked as part of the test's own call, so a task that raised makes the test fail (not error in teardown).
    try:
        result = yield
    except BaseException:
        recorder = item.stash.get(RECORDER, None)
        if recorder is not None and recorder.failures:
            item.add_report_section("call", "background tasks", recorder.report())
        raise
    recorder = item.stash.get(RECORDER, None)
    if recorder is not None:
        recorder.check()
    return result
