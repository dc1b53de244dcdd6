"""Shared fixtures: real databases (SQLite and PostgreSQL), a transaction rolled back per test, an API
client per role.

Every test that takes ``db`` or ``client`` runs once per backend: ``[sqlite]`` and ``[postgresql]``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

_TMP = Path(tempfile.mkdtemp(prefix="hcm-tests-"))
# Settings are read from the environment: make the test process a demo with a throwaway database, so
# nothing here ever touches a developer's own hcm.db.
os.environ.setdefault("HCM_DEMO", "true")
os.environ.setdefault("HCM_SECRET_KEY", "test-secret-key-not-for-production")
# Nothing should need this empty database: tests bring their own (the ``db`` fixture, or a file of their own),
# and a task sent after a commit in a ``db`` test runs on that test's connection (tests/background.py). A task
# that lands here anyway finds no tables, and the recorder fails its test.
os.environ.setdefault("HCM_DATABASE_URL", f"sqlite:///{_TMP / 'app.db'}")
os.environ.setdefault("HCM_GRAPH__ENABLED", "false")

import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from hcm import migrate  # noqa: E402
from hcm.db import make_engine  # noqa: E402
from tests import factories  # noqa: E402
from tests.services import REDIS_URL, fresh_pg_database, missing  # noqa: E402

# The background-task recorder (autouse, tests/background.py), the browser fixtures every package's browser
# tests use (tests/browser.py) and the capture of every Cypher statement sent, linted at the end (tests/cypher_lint.py).
pytest_plugins = ("tests.background", "tests.browser", "tests.cypher_lint")

if TYPE_CHECKING:
    from tests.background import TaskRecorder

BACKENDS = ["sqlite", "postgresql"]

# Property tests share two cores with the database servers in CI: a slow draw is not a failure.
settings.register_profile("hcm", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("hcm")


@pytest.fixture(scope="session")
def tmp_root() -> Path:
    return _TMP


@pytest.fixture(scope="session")
def sqlite_url(tmp_root: Path) -> str:
    url = f"sqlite:///{tmp_root / 'suite.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, migrated from empty, dropped at the end."""
    with fresh_pg_database("hcm_test") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def _engines() -> dict[str, Engine]:
    return {}


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, _engines: dict[str, Engine]) -> Engine:
    backend = request.param
    if backend not in _engines:
        url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
        _engines[backend] = make_engine(url)
    return _engines[backend]


@pytest.fixture
def db(engine: Engine, sent_tasks: TaskRecorder) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test; commits become savepoints. Tasks
    sent after a commit run on the same connection (and are rolled back with the rest)."""
    conn = engine.connect()
    outer = conn.begin()
    sent_tasks.run_on(conn)
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        sent_tasks.run_on(None)
        session.close()
        outer.rollback()
        conn.close()


@pytest.fixture(scope="session")
def app():  # type: ignore[no-untyped-def]
    from hcm.app import create_app

    return create_app()


@pytest.fixture
def client(app, db: Session) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    from hcm.deps import get_db

    def _test_db() -> Iterator[Session]:
        # The request's unit of work, inside the test's transaction: commit releases a savepoint.
        yield db
        db.commit()

    app.dependency_overrides[get_db] = _test_db
    app.state.login_throttle.reset()  # failed log-ins of one test do not count against the next
    with TestClient(app) as c:
        yield c
    app.dependency_overrides.clear()


@pytest.fixture
def org(db: Session) -> factories.Org:
    return factories.small_org(db)


@pytest.fixture
def as_role(client: TestClient, org: factories.Org, db: Session):  # type: ignore[no-untyped-def]
    """``as_role('manager')`` -> bearer headers for that user of the small org.

    The token is issued directly (the log-in itself is tested on its own): an Argon2 check per log-in
    would otherwise dominate the suite's time."""
    from sqlalchemy import select

    from hcm.auth.models import User

    def _headers(username: str) -> dict[str, str]:
        return factories.bearer(db.scalars(select(User).where(User.username == username)).one())

    return _headers


@pytest.fixture
def queued_marks(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """hcm.tasks' "a run is already waiting" marks in the real Redis the tests use (the suite's own settings
    run tasks in-process, without a broker, so they would keep none)."""
    import redis

    from hcm import tasks

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        missing("redis", str(exc).splitlines()[0])
    monkeypatch.setattr(tasks, "queued_marks", lambda: client)
    yield client
    client.close()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real Redis the worker tests send through (missing: those tests fail in CI, skip elsewhere)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as exc:
        missing("redis", str(exc).splitlines()[0])
    return REDIS_URL
