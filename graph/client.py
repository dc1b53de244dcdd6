"""The one Neo4j driver of the process (official ``neo4j`` package)."""

from __future__ import annotations

from neo4j import Driver

_driver: Driver | None = None


def close_driver() -> None:
    global _driver
    if _driver is not None:
        _driver.close()
        _driver = None
