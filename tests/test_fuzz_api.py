"""Schemathesis over the app's own OpenAPI, in process, as each role of the small org: no generated request gets
a server error, and every documented answer matches its schema.

Bounded: a fixed seed and a few generated examples per operation (valid and invalid ones), on top of
schemathesis's coverage cases (boundary values such as an id one past its maximum, wrong types, missing and null
fields, unknown keys). PostgreSQL only: its INTEGER columns are the ones that overflow. The data is the small org
with its plan (tests/performance/factories.py) inside the test's rolled-back transaction, so nothing the fuzzer
writes outlives the test; background tasks a check-in sends run on that transaction too, and one that raised
fails the test (tests/background.py). The graph routes read the test graph server, holding the small known
company of tests/graph/company.py (a graph that is switched off would answer every one of them with a 503).

The engine is the one ``schemathesis run`` drives (examples, coverage and fuzzing phases; the stateful phase is
off: it would need links between operations and is unbounded), fed the app directly as ASGI, no network.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from neo4j import Driver
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from graph import client as graph_client
from graph.deps import GraphConnection, graph_connection
from hcm.db import make_engine
from tests.factories import Org
from tests.graph.company import build_company
from tests.graph.fixtures import DATABASE, shared_server
from tests.performance import factories as perf

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.graph]

SEED = 20260501
EXAMPLES = 3  # generated per operation and role, on top of the coverage cases (about 35 s a role here)
ROLES = ["hr", "exec", "manager", "employee"]
CHECKS = ["not_a_server_error", "response_schema_conformance", "content_type_conformance"]


@pytest.fixture
def engine(_engines: dict[str, Engine], request: pytest.FixtureRequest) -> Engine:
    """This module runs on PostgreSQL only (the conftest's ``engine`` runs every test on both backends)."""
    if "postgresql" not in _engines:
        _engines["postgresql"] = make_engine(request.getfixturevalue("pg_url"))
    return _engines["postgresql"]


@pytest.fixture
def talent_graph() -> Iterator[Driver]:
    """The test graph server holding the small known company (tests/graph/company.py): the graph routes answer
    from it, as they would in the app, instead of a 503 for a graph that is switched off."""
    server = shared_server()
    driver = graph_client.make_driver(server.uri, *server.auth)
    graph_client.write(driver, DATABASE, "MATCH (n) DETACH DELETE n")
    build_company(driver, DATABASE)
    yield driver
    driver.close()


@pytest.fixture
def api(app: Any, client: Any, db: Session, talent_graph: Driver) -> Iterator[Any]:
    """The app on the test's transaction, each request in a SAVEPOINT of its own that a failed request rolls back,
    as ``hcm.deps.get_db`` rolls back its transaction: on PostgreSQL one refused statement would otherwise abort
    the whole test's transaction, and every later request would fail for it."""
    from hcm.deps import get_db

    def _request_db() -> Iterator[Session]:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise

    app.dependency_overrides[get_db] = _request_db
    app.dependency_overrides[graph_connection] = lambda: GraphConnection(talent_graph, DATABASE)
    yield app  # the ``client`` fixture clears the overrides afterwards


def _config(headers: dict[str, str]) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        "seed": SEED,
        "headers": headers,
        "workers": 1,
        "continue-on-failure": True,  # every failure of an operation, not only its first
        "generation": {"mode": "all", "max-examples": EXAMPLES, "deterministic": True},
        "phases": {"stateful": {"enabled": False}},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
    })


def _run(schema: Any) -> tuple[list[str], Counter[tuple[str, int]]]:
    """Every failed check and engine error (one line each, with the request), and the statuses each operation
    answered."""
    found: list[str] = []
    statuses: Counter[tuple[str, int]] = Counter()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            for interaction in recorder.interactions.values():
                if interaction.response is not None:
                    statuses[recorder.label, interaction.response.status_code] += 1
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.status is not Status.FAILURE or check.failure_info is None:
                        continue
                    failure = check.failure_info.failure
                    interaction = recorder.interactions.get(case_id)
                    sent = ""
                    if interaction is not None:
                        req = interaction.request
                        sent = f" <- {req.method} {req.uri} {(req.body or b'')[:200]!r}"
                    found.append(f"{recorder.label}: {failure.title}: {failure.message.splitlines()[0][:300]}{sent}")
        elif isinstance(event, events.NonFatalError):
            found.append(f"{event.label}: {event.info.title}: {event.info.message.splitlines()[0][:300]}")
        elif isinstance(event, events.FatalError):
            raise event.exception
    return found, statuses


@pytest.mark.parametrize("role", ROLES)
def test_no_generated_request_gets_a_server_error(api: Any, db: Session, org: Org, as_role: Any, role: str) -> None:
    perf.build_plan(db, org)
    db.commit()  # the seed in a savepoint of its own, which a failed request's rollback leaves alone
    schema = schemathesis.openapi.from_asgi("/openapi.json", api, config=_config(as_role(role)))
    started = time.perf_counter()
    found, statuses = _run(schema)
    by_status = Counter[int]()
    for (_, status), n in statuses.items():
        by_status[status] += n
    took = time.perf_counter() - started
    print(f"{role}: {by_status.total()} requests in {took:.0f} s: {dict(sorted(by_status.items()))}")
    assert not found, f"{len(found)} failure(s) as {role}:\n" + "\n".join(sorted(set(found)))
    # The token was taken and the data was there: past the log-in itself nothing was a 401, and the fuzzer got
    # into the services (many operations answered a success).
    assert not [label for label, status in statuses if status == 401 and label != "POST /api/auth/token"], statuses
    assert len({label for label, status in statuses if 200 <= status < 300}) >= 20, statuses
