"""The Cypher the tests send, captured at the neo4j driver, and Neo4j's own linter run over statements.

``install()`` (done for the whole run by the ``tests.cypher_lint`` plugin) wraps the one method every query of the
driver goes through - ``Result._run`` of ``neo4j._sync.work.result`` (and its async twin): ``Session.run``,
``Transaction.run``/``ManagedTransaction.run`` (``execute_read``/``execute_write``) and ``Driver.execute_query``
all end there - so statements built anywhere (projection, schema, queries, sync, the tests' own checks) are
recorded: the text, the parameter *names* it was sent with and a small sample of their values (a list keeps its
first element), the first test that sent it and the code that did. Statements are deduplicated by text; a
statement sent with different parameter names keeps the names every call had, so a call that forgot one shows.
Not captured: what other processes send (the Celery worker test, an app run in a subprocess); the same
statements run in-process elsewhere. A test that sends broken Cypher on purpose wraps it in ``uncaptured()``.

``lint(statements)`` runs ``tools/cypher-lint/lint.mjs`` (Node, ``@neo4j-cypher/language-support``) over
``(query, parameters)`` pairs in one call; ``parameters=None`` means the names are not known (every ``$name`` is
taken as given). Node or the package missing: the test fails in CI and skips elsewhere (as ``tests/services.py``
does for servers); a linter that runs but does not work always fails.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j
import pytest

from tests.services import in_ci

REPO = Path(__file__).resolve().parents[2]
LINTER_DIR = REPO / "tools" / "cypher-lint"
LINTER_PACKAGE = "@neo4j-cypher/language-support"
HOW_TO_INSTALL = "install Node.js and run `npm ci --prefix tools/cypher-lint` (`bash scripts/test` does)"

_NEO4J_DIR = str(Path(neo4j.__path__[0]))
SAMPLE_STR = 40  # characters of a string value kept in a sample
SAMPLE_KEYS = 20  # entries of a map kept in a sample


@dataclass
class Captured:
    query: str
    parameters: dict[str, Any]  # name -> a small sample of a value it was sent with
    calls: int = 0
    test: str | None = None  # the first test that sent it
    origin: str | None = None  # file:line of the code that sent it (outside the driver and graph/client.py)
    names: set[str] = field(default_factory=set)  # the names every call had


_lock = threading.Lock()
_captured: dict[str, Captured] = {}
_paused = threading.local()
current_test: str | None = None  # set by the plugin around each test
install_error: str | None = None  # why the driver could not be wrapped (the lint test reports it)
lint_summary: str | None = None  # what the lint test linted (the plugin prints it at the end of the run)
_installed = False


def sample(value: Any) -> Any:
    """A small JSON-able stand-in for a parameter value: lists keep their first element, strings are cut."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if len(value) <= SAMPLE_STR else value[: SAMPLE_STR - 3] + "..."
    if isinstance(value, Mapping):
        return {str(k): sample(v) for k, v in list(value.items())[:SAMPLE_KEYS]}
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        return [sample(items[0])] if items else []
    return f"<{type(value).__name__}>"  # temporal, spatial, bytes...: only the type matters here


def _origin() -> str | None:
    """The first frame outside the driver, graph/client.py and this file: the code that sent the statement."""
    skip = (_NEO4J_DIR, str(REPO / "graph" / "client.py"), __file__)
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if not name.startswith(skip):
            with contextlib.suppress(ValueError):  # outside the repository: the full path
                name = str(Path(name).relative_to(REPO))
            return f"{name}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return None


def record(query: Any, parameters: Mapping[str, Any] | None) -> None:
    if getattr(_paused, "on", False):
        return
    text = str(query)  # a neo4j.Query or a string, as the driver does
    params = dict(parameters or {})
    with _lock:
        seen = _captured.get(text)
        if seen is None:
            seen = _captured[text] = Captured(text, {k: sample(v) for k, v in params.items()}, test=current_test,
                                              origin=_origin(), names=set(params))
        else:
            seen.names &= set(params)
            seen.parameters = {k: v for k, v in seen.parameters.items() if k in seen.names}
        seen.calls += 1


def captured() -> list[Captured]:
    with _lock:
        return list(_captured.values())


@contextlib.contextmanager
def uncaptured() -> Iterator[None]:
    """Statements sent inside are not recorded (for a test that sends invalid Cypher on purpose)."""
    before = getattr(_paused, "on", False)
    _paused.on = True
    try:
        yield
    finally:
        _paused.on = before


def _wrap(cls: type, is_async: bool) -> None:
    original = cls._run  # type: ignore[attr-defined]
    names = list(inspect.signature(original).parameters)
    if names[:3] != ["self", "query", "parameters"]:
        raise TypeError(f"{cls.__module__}.{cls.__qualname__}._run{inspect.signature(original)} "
                        "no longer starts with (self, query, parameters)")

    if is_async:
        @functools.wraps(original)
        async def run_async(self: Any, query: Any, parameters: Any, *args: Any, **kwargs: Any) -> Any:
            record(query, parameters)
            return await original(self, query, parameters, *args, **kwargs)

        cls._run = run_async  # type: ignore[attr-defined]
    else:
        @functools.wraps(original)
        def run(self: Any, query: Any, parameters: Any, *args: Any, **kwargs: Any) -> Any:
            record(query, parameters)
            return original(self, query, parameters, *args, **kwargs)

        cls._run = run  # type: ignore[attr-defined]


def install() -> None:
    """Wrap the driver's one query path (idempotent). A driver whose internals moved sets ``install_error``."""
    global _installed, install_error
    if _installed:
        return
    _installed = True
    try:
        from neo4j._async.work.result import AsyncResult
        from neo4j._sync.work.result import Result

        _wrap(Result, is_async=False)
        _wrap(AsyncResult, is_async=True)
    except (ImportError, AttributeError, TypeError) as exc:
        install_error = f"cannot capture the neo4j driver's statements: {type(exc).__name__}: {exc}"


# --- linting ------------------------------------------------------------------------------------
def _unavailable(why: str) -> None:
    msg = f"the Cypher linter cannot run ({why}); to run this test {HOW_TO_INSTALL}"
    if in_ci():
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


def lint(statements: Sequence[tuple[str, Mapping[str, Any] | None]]) -> dict[str, Any]:
    """Lint ``(query, parameters)`` pairs in one Node call: ``{"linter": {...}, "results": [{"query",
    "diagnostics": [{"severity", "fails", "message", "offsets", "text"}]}]}``, results in the given order."""
    node = shutil.which("node")
    if node is None:
        _unavailable("node is not on PATH")
    if not (LINTER_DIR / "node_modules" / LINTER_PACKAGE / "package.json").is_file():
        _unavailable(f"{LINTER_PACKAGE} is not installed in {LINTER_DIR.relative_to(REPO)}/node_modules")
    payload = [{"query": q, "parameters": None if p is None else {k: sample(v) for k, v in p.items()}}
               for q, p in statements]
    proc = subprocess.run([str(node), str(LINTER_DIR / "lint.mjs")], input=json.dumps(payload), capture_output=True,
                          text=True, timeout=600, check=False)
    if proc.returncode not in (0, 1):
        pytest.fail(f"the Cypher linter failed (exit {proc.returncode}): {proc.stderr.strip()}", pytrace=False)
    result: dict[str, Any] = json.loads(proc.stdout)
    if len(result["results"]) != len(payload):
        pytest.fail(f"the Cypher linter answered {len(result['results'])} results for {len(payload)} statements")
    return result


def failing(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The diagnostics of one result that fail (errors and warnings; see tools/cypher-lint/lint.mjs)."""
    return [d for d in result["diagnostics"] if d["fails"]]


def describe(query: str, diagnostics: Sequence[Mapping[str, Any]], where: str = "") -> str:
    """A statement and its diagnostics, each pointed at in the text."""
    lines = [query if not where else f"{query}\n    ({where})"]
    for d in diagnostics:
        start, end = d["offsets"]["start"], d["offsets"]["end"]
        lines.append(f"    {d['severity']} at {start}..{end} {d['text']!r}: {d['message']}")
    return "\n".join(lines)
