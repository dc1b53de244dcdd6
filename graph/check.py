"""Does the talent graph still say what the tables say? (``hcm graph check``, and a periodic task.)

For every set of ``graph.snapshot``: the count in the database and in the graph, a checksum of the keys and the
compared properties on each side, and up to ``examples`` of each kind of difference (missing from the graph,
in the graph but not in the database, a property that differs). Labels and relationship types the graph holds
that no set describes are differences too. A property the database has as null is the same as one the graph
does not have (a graph stores no nulls).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, LiteralString

from neo4j import Driver
from sqlalchemy.orm import Session

from graph import client
from graph.snapshot import EdgeSet, NodeSet, PropertySet, Sources, all_sources

log = logging.getLogger(__name__)

LABEL_COUNTS_CYPHER: LiteralString = "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n"
TYPE_COUNTS_CYPHER: LiteralString = "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n"


@dataclass
class SetDiff:
    name: str
    expected: int
    actual: int
    expected_checksum: str
    actual_checksum: str
    missing: list[str] = field(default_factory=list)  # in the database, not in the graph
    extra: list[str] = field(default_factory=list)  # in the graph, not in the database
    changed: list[str] = field(default_factory=list)  # "key: prop db=.. graph=.."
    n_missing: int = 0
    n_extra: int = 0
    n_changed: int = 0

    @property
    def clean(self) -> bool:
        return not (self.n_missing or self.n_extra or self.n_changed) and self.expected == self.actual


@dataclass
class CheckReport:
    sets: list[SetDiff]
    unknown: dict[str, int]  # labels / types in the graph that no set describes -> count

    @property
    def clean(self) -> bool:
        return all(s.clean for s in self.sets) and not self.unknown

    def lines(self) -> list[str]:
        out: list[str] = []
        for s in self.sets:
            if s.clean:
                continue
            out.append(f"{s.name}: database {s.expected}, graph {s.actual}; missing {s.n_missing}, "
                       f"extra {s.n_extra}, changed {s.n_changed}")
            out += [f"  missing {x}" for x in s.missing] + [f"  extra {x}" for x in s.extra]
            out += [f"  changed {x}" for x in s.changed]
        out += [f"{name}: {n} in the graph, not a part of the projection" for name, n in sorted(self.unknown.items())]
        return out


def _norm(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return round(float(value), 6)
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return str(value)


def _project(props: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {n: v for n in names if (v := _norm(props.get(n))) is not None}


def _checksum(items: dict[tuple[str, ...], dict[str, Any]]) -> str:
    h = hashlib.sha256()
    for ident in sorted(items):
        h.update(repr((ident, sorted(items[ident].items()))).encode())
    return h.hexdigest()[:16]


def _compare(name: str, want: dict[tuple[str, ...], dict[str, Any]], have: dict[tuple[str, ...], dict[str, Any]],
             examples: int) -> SetDiff:
    d = SetDiff(name, len(want), len(have), _checksum(want), _checksum(have))
    for ident, props in want.items():
        got = have.get(ident)
        label = "|".join(ident)
        if got is None:
            d.n_missing += 1
            if len(d.missing) < examples:
                d.missing.append(label)
        elif got != props:
            d.n_changed += 1
            if len(d.changed) < examples:
                diffs = [f"{k} db={props.get(k)!r} graph={got.get(k)!r}" for k in sorted(set(props) | set(got))
                         if props.get(k) != got.get(k)]
                d.changed.append(f"{label}: {', '.join(diffs)}")
    for ident in have.keys() - want.keys():
        d.n_extra += 1
        if len(d.extra) < examples:
            d.extra.append("|".join(ident))
    d.extra.sort()
    return d


def check(session: Session, driver: Driver, database: str, *, examples: int = 10,
          sources: list[Sources] | None = None) -> CheckReport:
    sources = all_sources() if sources is None else sources
    nodes: list[NodeSet] = [n for s in sources for n in s.nodes]
    props: list[PropertySet] = [p for s in sources for p in s.properties]
    edges: list[EdgeSet] = [e for s in sources for e in s.edges]
    sets: list[SetDiff] = []
    for node in nodes:
        extra = [p for p in props if p.label == node.label]
        names = (*node.props, *(n for p in extra for n in p.props))
        want: dict[tuple[str, ...], dict[str, Any]] = {
            (r["key"],): _project(r["props"], node.props) for r in node.rows(session)}
        for p in extra:
            for r in p.rows(session):
                if (r["key"],) in want:
                    want[(r["key"],)].update(_project(r["props"], p.props))
        have: dict[tuple[str, ...], dict[str, Any]] = {
            (r["key"],): _project(r["props"] or {}, names) for r in client.read(driver, database, node.read)}
        sets.append(_compare(node.label, want, have, examples))
    for edge in edges:
        def ident(r: dict[str, Any], e: EdgeSet = edge) -> tuple[str, ...]:
            return (str(r["from"]), str(r["to"]), *(str((r["props"] or {}).get(i)) for i in e.identity))
        want = {ident(r): _project(r["props"], edge.props) for r in edge.rows(session)}
        have = {ident(r): _project(r["props"] or {}, edge.props) for r in client.read(driver, database, edge.read)}
        sets.append(_compare(edge.type, want, have, examples))

    known_labels = {n.label for n in nodes}
    known_types = {e.type for e in edges}
    unknown = {f":{r['label']}": int(r["n"]) for r in client.read(driver, database, LABEL_COUNTS_CYPHER)
               if r["label"] not in known_labels}
    unknown |= {f"[:{r['type']}]": int(r["n"]) for r in client.read(driver, database, TYPE_COUNTS_CYPHER)
                if r["type"] not in known_types}
    return CheckReport(sets, unknown)
