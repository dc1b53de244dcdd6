"""Every Cypher statement the project sends is valid Neo4j 5 Cypher, by Neo4j's own linter.

The tests run the graph on ArcadeDB; Neo4j cannot run here, so Neo4j 5 compatibility is checked with
``@neo4j-cypher/language-support`` (``tools/cypher-lint/lint.mjs``; which diagnostics fail, and why, is said
there). This module runs last (``tests/cypher_lint.py`` moves it), so it sees every statement the tests before
it sent through the driver; run alone it still lints what it can build itself: the projection's statements for
a synthetic event of every topic and op, the schema, the statements of ``graph.client``'s (driver, database)
helpers, and statement constants of the ``graph`` package (``STATEMENTS``, ``*_CYPHER``).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import pkgutil
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from neo4j import Driver

import graph as graph_package
from graph import client, projection, snapshot
from tests.graph import cypher_capture
from tests.graph.fixtures import DATABASE

# A payload for each topic of docs/graph.md ("Outbox topics"): relation fields set, so every statement shows.
SAMPLE_PAYLOADS: dict[str, dict[str, Any]] = {
    "department": {"name": "Operations", "parent": "CO"},
    "position": {"title": "Head", "department": "OPS", "reports_to": "CEO", "is_key": True, "active": True,
                 "role": "ENG/G5", "role_family": "ENG", "role_grade": "G5", "role_level": 5},
    "employee": {"name": "Ann", "status": "active", "position": "OPS-H"},
    "skill": {"name": "Leadership", "category": "core"},
    "employee_skill": {"employee": "E1", "skill": "LEAD", "level": 3, "source": "manager"},
    "requirement": {"position": "OPS-H", "skill": "LEAD", "level": 4, "importance": "high"},
    "job_family": {"name": "Engineering", "related": ["OPS"]},
    "grade": {"level": 5},
    "career_history": {},
    "successor": {"employee": "E1", "position": "OPS-H", "readiness": "ready_now", "rank": 1},
    "performance_scores": {"period": "2026", "period_end": "2026-12-31", "final": True,
                           "scores": [{"employee": "E1", "score": 3.5}]},
    "performance_ratings": {"period": "2026", "period_end": "2026-12-31",
                            "ratings": [{"employee": "E1", "final_rating": 4, "potential": "high"}]},
    "flight_risk": {"model": "flight-risk-1", "as_of": "2026-11-30",
                    "scores": [{"employee": "E1", "risk": 0.31, "band": "medium"}]},
}
# For a topic not in the table yet: scalar fields only (every one can be a node property), then nothing.
FALLBACK_PAYLOADS: tuple[dict[str, Any], ...] = ({"name": "X", "level": 3, "source": "manager"}, {})


@dataclass(frozen=True)
class SyntheticEvent:
    topic: str
    key: str
    op: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass
class Entry:
    parameters: dict[str, Any] | None  # None: the names are not known
    where: list[str] = field(default_factory=list)


class _Statements:
    """Statements to lint, deduplicated by text; known parameter names narrow to those every source had."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}

    def add(self, query: str, parameters: Mapping[str, Any] | None, where: str) -> None:
        entry = self.entries.get(query)
        params = None if parameters is None else dict(parameters)
        if entry is None:
            self.entries[query] = Entry(params, [where])
            return
        entry.where.append(where)
        if params is not None:
            entry.parameters = params if entry.parameters is None else {
                k: v for k, v in entry.parameters.items() if k in params}


# --- statements this module builds itself -----------------------------------------------------------------
def planned_statements() -> tuple[list[tuple[str, dict[str, Any], str]], list[str]]:
    """``projection.plan`` for one synthetic event of every topic and op; and the topics that gave no statement."""
    out: list[tuple[str, dict[str, Any], str]] = []
    silent: list[str] = []
    for topic in sorted(projection.BUILDERS):
        found = 0
        for op in projection.OPS:
            for payload in (SAMPLE_PAYLOADS.get(topic, FALLBACK_PAYLOADS[0]), *FALLBACK_PAYLOADS):
                try:
                    statements = projection.plan([SyntheticEvent(topic, "K1|K2", op, payload, id=1)])
                except projection.ProjectionError:
                    continue  # e.g. an op the topic does not have, or a payload it does not take
                out.extend((q, p, f"graph.projection.plan: {topic} {op}") for q, p in statements)
                found += len(statements)
                break
        if not found:
            silent.append(topic)
    return out, silent


class _EmptyResult:
    def consume(self) -> None:
        return None

    def data(self) -> list[dict[str, Any]]:
        return []

    def single(self) -> None:
        return None

    def __iter__(self) -> Iterator[Any]:
        return iter(())


class _RecordingTx:
    def __init__(self, sink: list[tuple[str, dict[str, Any]]]) -> None:
        self.sink = sink

    def run(self, query: Any, parameters: Mapping[str, Any] | None = None, **kw: Any) -> _EmptyResult:
        self.sink.append((str(query), {**(parameters or {}), **kw}))
        return _EmptyResult()

    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def __enter__(self) -> _RecordingTx:
        return self

    def __exit__(self, *exc: object) -> None: ...


class _RecordingSession(_RecordingTx):
    def execute_read(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return work(self, *args, **kwargs)

    execute_write = execute_read

    def begin_transaction(self, **kw: Any) -> _RecordingTx:
        return _RecordingTx(self.sink)


class RecordingDriver:
    """Stands in for a Driver: records what is run, answers every query with no rows."""

    def __init__(self) -> None:
        self.sink: list[tuple[str, dict[str, Any]]] = []

    def session(self, **kw: Any) -> _RecordingSession:
        return _RecordingSession(self.sink)

    def execute_query(self, query: Any, parameters: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        self.sink.append((str(query), dict(parameters or {})))
        return ([], None, [])

    def verify_connectivity(self, **kw: Any) -> None: ...
    def close(self) -> None: ...


def client_statements() -> list[tuple[str, dict[str, Any], str]]:
    """What ``graph.client``'s helpers that take only (driver, database) send: schema, health checks, counts."""
    out: list[tuple[str, dict[str, Any], str]] = [
        (q, {}, f"graph.client._CONSTRAINTS[{label!r}]") for label, q in client._CONSTRAINTS.items()]
    for name, fn in sorted(vars(client).items()):
        if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != client.__name__:
            continue
        required = [p.name for p in inspect.signature(fn).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if required != ["driver", "database"]:
            continue
        driver = RecordingDriver()
        # No rows may upset a helper; what it ran before that is recorded.
        with contextlib.suppress(Exception):
            fn(driver, "neo4j")
        out.extend((q, p, f"graph.client.{name}") for q, p in driver.sink)
    return out


def _statements_in(value: Any) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """Statements in a registry value: strings, (query, parameters) pairs, objects with a ``cypher``/``query``
    string, and lists, tuples or maps of those."""
    if isinstance(value, str):
        yield value, None
    elif isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], Mapping):
        yield value[0], dict(value[1])
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _statements_in(v)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            yield from _statements_in(v)
    else:
        for attr in ("cypher", "query"):
            text = getattr(value, attr, None)
            if isinstance(text, str):
                yield text, None
                break


# Modules that hold Cypher, imported here if they exist; graph.* modules imported by then are scanned as well.
CYPHER_MODULES = ("graph.client", "graph.projection", "graph.sync", "graph.careers", "graph.role_requirements",
                  "graph.rebuild", "graph.check", "graph.snapshot", "graph.queries")


def _cypher_modules() -> list[str]:
    names = set()
    for name in CYPHER_MODULES:
        if importlib.util.find_spec(name) is None:
            continue  # graph.queries is being written
        module = importlib.import_module(name)
        names.add(name)
        if hasattr(module, "__path__"):  # a package: its submodules too
            names.update(m.name for m in pkgutil.walk_packages(module.__path__, f"{name}."))
    names.update(n for n in list(sys.modules) if n.startswith(f"{graph_package.__name__}."))
    return sorted(names)


def constant_statements() -> list[tuple[str, dict[str, Any] | None, str]]:
    """Module-level ``STATEMENTS`` registries and ``*_CYPHER`` string constants of the graph modules (``graph.queries``,
    module or package, among them)."""
    out: list[tuple[str, dict[str, Any] | None, str]] = []
    for module_name in _cypher_modules():
        module = importlib.import_module(module_name)
        for name, value in sorted(vars(module).items()):
            if name == "STATEMENTS" or (name.endswith("_CYPHER") and isinstance(value, str)):
                out.extend((q, p, f"{module_name}.{name}") for q, p in _statements_in(value))
    # what the rebuild writes (load), the bare loader of the benchmark (write) and the check reads, for every
    # registered module's row sets
    for source in snapshot.all_sources():
        for item in (*source.nodes, *source.properties, *source.edges):
            out.append((item.write, {"rows": []}, f"graph.snapshot {item.name}.write"))
            out.append((item.load, {"rows": []}, f"graph.snapshot {item.name}.load"))
            if hasattr(item, "read"):
                out.append((item.read, {}, f"graph.snapshot {item.name}.read"))
    return out


# --- tests ----------------------------------------------------------------------------------------------------
def test_the_linter_reports_broken_statements() -> None:
    """A linter that passes everything (not installed right, semantic analysis failing quietly) must not pass."""
    broken: list[tuple[str, dict[str, Any] | None, str]] = [
        ("MATCH (n RETURN n", None, "Invalid input"),
        ("RETURN $x +", None, "expected an expression"),
        ("RETURN m", None, "Variable `m` not defined"),
        ("RETURN $x AS x", {}, "Parameter $x is not defined"),
        ("MATCH (n) RETURN id(n) AS i", None, "deprecated"),
        ("RETURN foo(1) AS x", None, "Function foo is not present"),
        ("CALL apoc.help('x')", None, "Procedure apoc.help is not present"),
        ("MATCH (n) WHERE exists(n.key) RETURN n", None, "no longer supported"),
        ("CREATE CONSTRAINT ON (n:Employee) ASSERT n.key IS UNIQUE", None, "ON and ASSERT should not be used"),
        ("RETURN 1 AS a; RETURN 2 AS b", None, "2 statements in one query"),
    ]
    clean: list[tuple[str, dict[str, Any] | None]] = [
        ("SHOW CONSTRAINTS", {}),
        ("CREATE CONSTRAINT employee_key IF NOT EXISTS FOR (n:Employee) REQUIRE n.key IS UNIQUE", {}),
        ("UNWIND $rows AS r MERGE (e:Employee {key: r.key}) SET e += r.props", {"rows": [{"key": "E1"}]}),
    ]
    result = cypher_capture.lint([(q, p) for q, p, _ in broken] + clean)
    answers = result["results"]
    for (query, _, expected), answer in zip(broken, answers, strict=False):
        messages = [d["message"] for d in cypher_capture.failing(answer)]
        assert any(expected in m for m in messages), f"{query!r}: expected a failing {expected!r}, got {messages}"
    for (query, _), answer in zip(clean, answers[len(broken):], strict=True):
        assert answer["diagnostics"] == [], cypher_capture.describe(query, answer["diagnostics"])


@pytest.mark.graph
def test_the_capture_sees_every_way_the_driver_sends_a_statement(graph: Driver, request: pytest.FixtureRequest) -> None:
    assert cypher_capture.install_error is None, cypher_capture.install_error
    client.read(graph, DATABASE, "RETURN $n AS via_execute_read", n=1)
    with graph.session(database=DATABASE) as session:
        session.run("RETURN $n AS via_session_run", n=list(range(50))).consume()
        with session.begin_transaction() as tx:
            tx.run("RETURN $n AS via_explicit_transaction", {"n": "x" * 100}).consume()
            tx.commit()
    graph.execute_query("RETURN $n AS via_execute_query", {"n": {"a": [{"b": 1}, {"b": 2}]}}, database_=DATABASE)
    with cypher_capture.uncaptured():
        client.read(graph, DATABASE, "RETURN 1 AS not_captured")

    seen = {c.query: c for c in cypher_capture.captured()}
    assert seen["RETURN $n AS via_execute_read"].parameters == {"n": 1}
    assert seen["RETURN $n AS via_session_run"].parameters == {"n": [0]}  # a list keeps one element
    assert seen["RETURN $n AS via_explicit_transaction"].parameters == {"n": "x" * 37 + "..."}
    assert seen["RETURN $n AS via_execute_query"].parameters == {"n": {"a": [{"b": 1}]}}
    assert "RETURN 1 AS not_captured" not in seen
    mine = seen["RETURN $n AS via_execute_read"]
    assert mine.test == request.node.nodeid
    assert mine.origin is not None and mine.origin.startswith("tests/graph/test_cypher_lint.py:"), mine.origin


def test_every_statement_is_neo4j_5_cypher() -> None:
    """Everything captured so far in this run, and everything built here, in one lint."""
    assert cypher_capture.install_error is None, cypher_capture.install_error
    statements = _Statements()
    planned, silent = planned_statements()
    # career_history plans nothing itself: the drain then writes graph.careers' statements (linted as constants)
    silent = [t for t in silent if t != "career_history"]
    assert not silent, (f"no statement planned for topic(s) {silent}: add a payload they accept to SAMPLE_PAYLOADS "
                        "in tests/graph/test_cypher_lint.py")
    for query, params, where in [*planned, *client_statements()]:
        statements.add(query, params, where)
    for query, maybe_params, where in constant_statements():
        statements.add(query, maybe_params, where)
    built = len(statements.entries)
    captured = cypher_capture.captured()
    for c in captured:
        statements.add(c.query, c.parameters, f"sent {c.calls}x, first by {c.test or 'no test'} from {c.origin}")
    assert built >= len(client._CONSTRAINTS) + len(projection.BUILDERS)

    items = list(statements.entries.items())
    result = cypher_capture.lint([(query, entry.parameters) for query, entry in items])
    bad = [(query, entry, cypher_capture.failing(answer)) for (query, entry), answer in zip(items, result["results"],
                                                                                              strict=True)]
    bad = [b for b in bad if b[2]]
    cypher_capture.lint_summary = (f"{len(items)} distinct statements linted ({built} built by the lint test, "
                                   f"{len(captured)} captured), {len(bad)} failing")
    linter = result["linter"]
    if bad:
        pytest.fail(
            f"{len(bad)} of {len(items)} Cypher statements are not clean {linter['language']} for "
            f"{linter['package']} {linter['version']} (failing on: {', '.join(linter['fails_on'])}):\n\n"
            + "\n\n".join(cypher_capture.describe(q, d, "; ".join(e.where[:3])) for q, e, d in bad), pytrace=False)
