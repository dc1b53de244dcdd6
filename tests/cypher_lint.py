"""pytest plugin: the Cypher of the whole run is captured at the neo4j driver, and linted last.

From the start of the session every statement sent through the driver in this process is recorded
(``tests/graph/cypher_capture.py``); the module ``tests/graph/test_cypher_lint.py`` is moved to the end of the
run, so its test lints everything the tests before it sent, besides the statements it builds itself.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.graph import cypher_capture

LINT_MODULE = "test_cypher_lint.py"


def pytest_configure(config: pytest.Config) -> None:
    cypher_capture.install()


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    last = [item for item in items if item.path.name == LINT_MODULE]
    if last:
        items[:] = [item for item in items if item.path.name != LINT_MODULE] + last


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    cypher_capture.current_test = item.nodeid
    try:
        return (yield)
    finally:
        cypher_capture.current_test = None


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    statements = cypher_capture.captured()
    if statements:
        calls = sum(s.calls for s in statements)
        terminalreporter.write_line(f"cypher-lint: {len(statements)} distinct Cypher statements captured "
                                    f"({calls} sent through the neo4j driver)")
    if cypher_capture.lint_summary:
        terminalreporter.write_line(f"cypher-lint: {cypher_capture.lint_summary}")
