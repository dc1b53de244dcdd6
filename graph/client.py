"""The one Neo4j driver of the process (official ``neo4j`` package), the schema, and small query helpers.

One ``Driver`` per process for its whole life (app lifespan; Celery ``worker_process_init``), a session per unit
of work, ``execute_read``/``execute_write`` with idempotent transaction functions, parameters only: every query
here is a ``LiteralString``, so a type checker rejects Cypher built from strings.
"""

from __future__ import annotations

import logging
import threading
import weakref
from typing import TYPE_CHECKING, Any, LiteralString

from neo4j import Driver, GraphDatabase, ManagedTransaction
from neo4j.exceptions import DriverError, Neo4jError

if TYPE_CHECKING:
    from hcm.settings import GraphSettings, Settings

log = logging.getLogger(__name__)

# Business keys of the projection. Uniqueness constraints (each backed by an index) must exist before the first
# MERGE: without them MERGE scans, and two concurrent MERGEs of one key could both create it.
KEYED_LABELS: tuple[LiteralString, ...] = ("Employee", "Position", "Department", "Skill", "Role", "JobFamily")
_CONSTRAINTS: dict[str, LiteralString] = {
    "Employee": "CREATE CONSTRAINT employee_key IF NOT EXISTS FOR (n:Employee) REQUIRE n.key IS UNIQUE",
    "Position": "CREATE CONSTRAINT position_key IF NOT EXISTS FOR (n:Position) REQUIRE n.key IS UNIQUE",
    "Department": "CREATE CONSTRAINT department_key IF NOT EXISTS FOR (n:Department) REQUIRE n.key IS UNIQUE",
    "Skill": "CREATE CONSTRAINT skill_key IF NOT EXISTS FOR (n:Skill) REQUIRE n.key IS UNIQUE",
    "Role": "CREATE CONSTRAINT role_key IF NOT EXISTS FOR (n:Role) REQUIRE n.key IS UNIQUE",
    "JobFamily": "CREATE CONSTRAINT job_family_key IF NOT EXISTS FOR (n:JobFamily) REQUIRE n.key IS UNIQUE",
}

# What a graph that is down or failing raises (ServiceUnavailable is a DriverError). The drain, the queries, the
# CLI and the health checks all catch exactly these; anything else is a bug and propagates.
GRAPH_ERRORS: tuple[type[BaseException], ...] = (Neo4jError, DriverError, OSError)

# A graph that is down must not hold a web request or a worker for the driver's default 30 s of retries: the
# outbox keeps the events and the next drain catches up.
DEFAULT_CONFIG: dict[str, Any] = {
    "max_connection_pool_size": 20,
    "connection_timeout": 5.0,
    "connection_acquisition_timeout": 10.0,
    "max_transaction_retry_time": 3.0,
}

_driver: Driver | None = None
_driver_lock = threading.Lock()
_schema_ready: weakref.WeakKeyDictionary[Driver, set[str]] = weakref.WeakKeyDictionary()


def _graph_settings(settings: Settings | GraphSettings | None) -> GraphSettings:
    if settings is None:
        from hcm.settings import get_settings

        settings = get_settings()
    return settings.graph if hasattr(settings, "graph") else settings


def make_driver(uri: str, user: str, password: str, **config: Any) -> Driver:
    """A new driver (the caller owns and closes it); ``config`` overrides DEFAULT_CONFIG."""
    return GraphDatabase.driver(uri, auth=(user, password), **(DEFAULT_CONFIG | config))


def get_driver(settings: Settings | GraphSettings | None = None) -> Driver:
    """The process-wide driver, created on first use from ``settings.graph`` (default: ``get_settings()``).

    Creating it does not connect; the first query does. Later calls return the same driver whatever they pass.
    """
    global _driver
    with _driver_lock:
        if _driver is None:
            g = _graph_settings(settings)
            _driver = make_driver(g.uri, g.user, g.password)
        return _driver


def close_driver() -> None:
    global _driver
    with _driver_lock:
        if _driver is not None:
            _driver.close()
            _driver = None


def forget_driver() -> None:
    """Drop (without closing) a driver inherited across ``fork()``: its sockets belong to the parent."""
    global _driver
    _driver = None


# --- schema ---------------------------------------------------------------------------------------
def ensure_schema(driver: Driver, database: str) -> None:
    """Create the uniqueness constraints on business keys (idempotent: ``IF NOT EXISTS``)."""
    # One statement per transaction: schema changes cannot share a transaction with each other on Neo4j.
    with driver.session(database=database) as session:
        for query in _CONSTRAINTS.values():
            session.execute_write(_run_consume, query, {})
    _schema_ready.setdefault(driver, set()).add(database)


def ensure_schema_once(driver: Driver, database: str) -> None:
    """``ensure_schema`` the first time this driver meets ``database``; then free."""
    if database not in _schema_ready.get(driver, set()):
        ensure_schema(driver, database)


def constraints(driver: Driver, database: str) -> list[dict[str, Any]]:
    return read(driver, database, "SHOW CONSTRAINTS")


# --- query helpers ----------------------------------------------------------------------------------
def _run_consume(tx: ManagedTransaction, query: LiteralString, params: dict[str, Any]) -> None:
    tx.run(query, params).consume()


def _run_data(tx: ManagedTransaction, query: LiteralString, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [record.data() for record in tx.run(query, params)]


def read(driver: Driver, database: str, query: LiteralString, /, **params: Any) -> list[dict[str, Any]]:
    """Rows of a read query, as dicts (``execute_read``: retried on transient errors)."""
    with driver.session(database=database) as session:
        return session.execute_read(_run_data, query, params)


def write(driver: Driver, database: str, query: LiteralString, /, **params: Any) -> list[dict[str, Any]]:
    """Rows of one idempotent write query (``execute_write`` may run it more than once)."""
    with driver.session(database=database) as session:
        return session.execute_write(_run_data, query, params)


def write_batches(driver: Driver, database: str, statements: list[tuple[LiteralString, dict[str, Any]]]) -> None:
    """Several parameterised statements in ONE transaction: all apply, or none (retried as a whole)."""

    def work(tx: ManagedTransaction) -> None:
        for query, params in statements:
            tx.run(query, params).consume()

    if statements:
        with driver.session(database=database) as session:
            session.execute_write(work)


def ping(driver: Driver, database: str) -> bool:
    """True when the graph answers a query on ``database`` (for health pages)."""
    try:
        return read(driver, database, "RETURN 1 AS ok") == [{"ok": 1}]
    except GRAPH_ERRORS as exc:
        log.info("graph not reachable: %s", exc)
        return False


def counts(driver: Driver, database: str) -> dict[str, int]:
    """Node count per keyed label (for health pages and tests)."""
    rows = read(driver, database, "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n")
    found = {r["label"]: int(r["n"]) for r in rows}
    return {label: found.get(label, 0) for label in KEYED_LABELS}
