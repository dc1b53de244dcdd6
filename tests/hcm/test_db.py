"""SQLite transactions of hcm.db: a writer that comes second waits for its turn, even when it read first (the
usual request: read, then write), and sees what the first one committed; a unit of work that only reads
never waits. The end-to-end case over HTTP is tests/performance/test_sqlite_writers.py."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from hcm import db as dbmod

BOUND = 20.0  # seconds a thread is given before the test gives up on it (a bound, not a figure)


@pytest.fixture
def lite(tmp_path: Any) -> Iterator[Engine]:
    """The process-wide engine on a fresh SQLite file with one counter row."""
    saved = (dbmod._engine, dbmod._sessionmaker)
    engine = dbmod.configure(f"sqlite:///{tmp_path / 'turns.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))
    try:
        yield engine
    finally:
        engine.dispose()
        dbmod._engine, dbmod._sessionmaker = saved


def _in_thread(fn: Any) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = fn()
        except Exception as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def test_wal_and_the_busy_timeout_are_set(lite: Engine) -> None:
    with lite.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == dbmod.SQLITE_BUSY_TIMEOUT * 1000


def test_a_writer_that_read_first_waits_for_the_writer_ahead_and_loses_no_update(lite: Engine) -> None:
    asked = threading.Event()
    main = threading.get_ident()

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if threading.get_ident() != main and statement.upper().startswith("BEGIN "):
            asked.set()  # an immediate transaction asks for the lock

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if threading.get_ident() != main and statement.upper() != "BEGIN":
            asked.set()  # a deferred one has read

    def increment() -> int:
        with dbmod.unit_of_work() as s:  # read, then write: what a request does
            n = s.execute(text("SELECT n FROM counter")).scalar_one()
            s.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
            return int(n) + 1

    event.listen(lite, "before_cursor_execute", before)
    event.listen(lite, "after_cursor_execute", after)
    try:
        with dbmod.unit_of_work() as first:
            first.execute(text("UPDATE counter SET n = n + 1"))  # holds the write lock until the commit
            second, out = _in_thread(increment)
            assert asked.wait(BOUND)
        second.join(BOUND)
    finally:
        event.remove(lite, "before_cursor_execute", before)
        event.remove(lite, "after_cursor_execute", after)
    assert out == {"result": 2}, out  # it waited, then read the first one's commit
    with lite.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 2


def test_a_reader_does_not_wait_for_a_writer(lite: Engine) -> None:
    def read() -> int:
        with dbmod.unit_of_work(writes=False) as s:
            return int(s.execute(text("SELECT n FROM counter")).scalar_one())

    with dbmod.unit_of_work() as writer:
        writer.execute(text("UPDATE counter SET n = 5"))
        reader, out = _in_thread(read)
        reader.join(BOUND)
        assert out == {"result": 0}, out  # answered while the writer holds the lock: the last committed state
