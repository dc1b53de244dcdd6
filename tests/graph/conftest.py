"""Graph fixtures: one ArcadeDB server per test session, one driver, an empty graph per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from neo4j import Driver

from graph import client
from graph.server import GraphServer
from tests.graph.fixtures import DATABASE, shared_server


@pytest.fixture(scope="session")
def graph_server() -> GraphServer:
    return shared_server()


@pytest.fixture(scope="session")
def graph_driver(graph_server: GraphServer) -> Iterator[Driver]:
    driver = client.make_driver(graph_server.uri, *graph_server.auth)
    client.ensure_schema(driver, DATABASE)
    yield driver
    driver.close()


@pytest.fixture
def graph(graph_driver: Driver) -> Iterator[Driver]:
    """The driver, on an empty graph (constraints stay)."""
    client.write(graph_driver, DATABASE, "MATCH (n) DETACH DELETE n")
    yield graph_driver
