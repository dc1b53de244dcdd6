"""Succession's part of the talent graph, read from the tables (``hcm graph rebuild`` writes it, ``hcm graph
check`` compares it): the ``SUCCESSOR_FOR`` relationships of docs/graph.md, exactly what the drain leaves after
the ``successor`` events the plan services send (one rule for both: ``succession.service.edges``)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session

from graph.snapshot import EdgeSet, Row, Sources
from succession.service.edges import successor_edges


def _successors(s: Session) -> Iterator[Row]:
    for edge in successor_edges(s):  # by employee: grouped by start node for the rebuild's load
        yield {"from": edge.employee, "to": edge.position, "props": {"readiness": edge.readiness, "rank": edge.rank}}


def _count(s: Session) -> int:
    return len(successor_edges(s))


SOURCES = Sources(edges=(
    EdgeSet("SUCCESSOR_FOR", ("readiness", "rank"), _successors, _count,
            "UNWIND $rows AS r MATCH (a:Employee {key: r.from}) MATCH (b:Position {key: r.to}) "
            "MERGE (a)-[x:SUCCESSOR_FOR]->(b) SET x += r.props",
            "MATCH (a:Employee)-[x:SUCCESSOR_FOR]->(b:Position) RETURN a.key AS from, b.key AS to, "
            "properties(x) AS props",
            "UNWIND $rows AS r MATCH (a:Employee {key: r.from}) UNWIND r.to AS t "
            "MATCH (b:Position {key: t.key}) CREATE (a)-[x:SUCCESSOR_FOR]->(b) SET x = t.props"),
))
