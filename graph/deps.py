"""The graph a request asks: the process's driver and database, as a FastAPI dependency (tests override it)."""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import Driver

from graph import availability, client
from hcm.settings import get_settings


@dataclass(frozen=True)
class GraphConnection:
    driver: Driver | None  # None: the graph is switched off (HCM_GRAPH__ENABLED=false)
    database: str

    def require(self) -> tuple[Driver, str]:
        """(driver, database), or GraphUnavailable when the graph is switched off. Routes call this after
        checking their input, so a bad request is a 4xx whatever the graph's state."""
        if self.driver is None:
            raise availability.mark_down("the talent graph is switched off (HCM_GRAPH__ENABLED=false)")
        return self.driver, self.database


def graph_connection() -> GraphConnection:
    """The process-wide driver (made on first use, connecting on the first query)."""
    settings = get_settings()
    if not settings.graph.enabled:
        return GraphConnection(None, settings.graph.database)
    return GraphConnection(client.get_driver(settings), settings.graph.database)
