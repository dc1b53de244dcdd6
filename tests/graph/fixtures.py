"""The graph server for the test session, shared by every module that needs it.

One ArcadeDB process per test process, however many fixture definitions ask for it (tests/graph/conftest.py and
the Celery worker test both do): the first request starts it on free loopback ports in a temporary directory,
and it is stopped at exit. A server that cannot start fails the tests in CI and skips them elsewhere.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver
from sqlalchemy.orm import Session, sessionmaker

from graph import client
from graph.check import check
from graph.server import GraphServer, GraphServerError
from hcm import db as hdb
from tests.services import missing

DATABASE = "talent"

_server: GraphServer | None = None
_failure: str | None = None


def shared_server() -> GraphServer:
    global _server, _failure
    if _server is None and _failure is None:
        if not GraphServer.available():
            _failure = "the package arcadedb-embedded (with its bundled Java) is not installed"
        else:
            root = Path(tempfile.mkdtemp(prefix="hcm-graph-"))
            server = GraphServer(root / "arcadedb", database=DATABASE, password="test-graph-pass",
                                 heap="512m", startup_timeout=60)
            try:
                server.start()
            except GraphServerError as exc:
                _failure = str(exc)
            else:
                _server = server
                atexit.register(_stop, root)
    if _server is None:
        missing("graph", _failure or "not started")
    assert _server is not None
    return _server


def _stop(root: Path) -> None:
    if _server is not None:
        _server.stop()
    shutil.rmtree(root, ignore_errors=True)


# --- for graph tests outside tests/graph (a module's own sources) ----------------------------------------------
def module_driver() -> Iterator[Driver]:
    """A driver on the shared server with the constraints made, for a module-scoped fixture (``yield from``)."""
    server = shared_server()
    driver = client.make_driver(server.uri, *server.auth)
    client.ensure_schema(driver, DATABASE)
    yield driver
    driver.close()


class InsideTheTest(Session):
    """A unit of work inside the test's transaction: it already sees one consistent state (its own), and
    PostgreSQL cannot change the isolation level of a transaction under way, so the rebuild's request for
    REPEATABLE READ is dropped."""

    def connection(self, bind_arguments: Any = None, execution_options: Any = None) -> Any:
        opts = {k: v for k, v in (execution_options or {}).items() if k != "isolation_level"}
        return super().connection(bind_arguments, execution_options=opts or None)


def units_of_work_inside(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """``hcm.db.unit_of_work`` (the rebuild's and the drain's own transactions) becomes a savepoint in the test's
    transaction, so they read what the test wrote and it is all rolled back with the test."""
    maker = sessionmaker(bind=db.connection(), class_=InsideTheTest, join_transaction_mode="create_savepoint",
                         expire_on_commit=False)
    monkeypatch.setattr(hdb, "session_factory", lambda: maker)


def assert_clean(db: Session, driver: Driver) -> None:
    """``hcm graph check`` finds the graph equal to the database (else its differences are the message)."""
    db.flush()
    report = check(db, driver, DATABASE)
    assert report.clean, "\n".join(report.lines())
