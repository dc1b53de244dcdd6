"""The graph server for the test session, shared by every module that needs it.

One ArcadeDB process per test process, however many fixture definitions ask for it (tests/graph/conftest.py and
the Celery worker test both do): the first request starts it on free loopback ports in a temporary directory,
and it is stopped at exit. A server that cannot start fails the tests in CI and skips them elsewhere.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from graph.server import GraphServer, GraphServerError
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
