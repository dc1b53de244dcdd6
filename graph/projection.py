"""Outbox events -> the talent graph (the model and the topics: docs/graph.md).

    (:Employee {key})-[:HOLDS]->(:Position {key})-[:IN]->(:Department {key})-[:PART_OF]->(:Department)
    (:Position)-[:REPORTS_TO]->(:Position)   (:Position)-[:OF_ROLE]->(:Role)-[:IN_FAMILY]->(:JobFamily)
    (:Employee)-[:HAS_SKILL {level, source}]->(:Skill {key})<-[:REQUIRES {level, importance}]-(:Position)
    (:Employee)-[:SUCCESSOR_FOR {readiness, rank}]->(:Position)   (:JobFamily)-[:RELATED_TO]->(:JobFamily)
    (:Role)-[:CAREER_STEP {kind, observed, median_months}]->(:Role)   derived from the database: graph.careers
    (:Role)-[:NEEDS {level, importance, requiring, positions}]->(:Skill)   derived: graph.role_requirements

Events carry the full current state of one row (see the ``_emit_*`` calls in ``hcm.org.service``), so applying
them is a set of idempotent MERGEs keyed on business keys: replaying any prefix again gives the same graph.
Portable Cypher (ArcadeDB and Neo4j 5 Community): business keys only, never element ids, no APOC, no procedures.

Ordering: the graph ends as if the events were applied one by one in id order. Events of one (topic, op) form
a run that becomes a few ``UNWIND $rows`` statements; inside a run only the last event per row identity is kept
(it carries the newest state), so no statement ever sees two versions of one row - the order in which a database
applies the rows of one UNWIND then does not matter. An event joins the latest run of its (topic, op) even when
other events came in between, as long as none of those touches anything it touches (``_touches``: its key, the
key's parts and every string of its payload, so every business key it names): events on disjoint keys commute,
so moving it back to that run changes nothing, and interleaved topics (a day of moves and assessments) still
make a handful of statements instead of a few per event. A whole call is one graph transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, LiteralString, Protocol

from neo4j import Driver

from graph import client

Statement = tuple[LiteralString, dict[str, Any]]
Rows = list[dict[str, Any]]


class EventLike(Protocol):
    """What an event must offer: ``hcm.outbox.OutboxEvent`` rows and ``Event`` both do."""

    @property
    def topic(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def op(self) -> str: ...
    @property
    def payload(self) -> Mapping[str, Any] | None: ...


@dataclass(frozen=True)
class Event:
    topic: str
    key: str
    op: str = "upsert"
    payload: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None


class ProjectionError(ValueError):
    """An event the projection cannot apply (unknown topic or op, malformed key or payload)."""

    def __init__(self, event: EventLike, why: str) -> None:
        ident = getattr(event, "id", None)
        where = f"outbox event {ident}" if ident is not None else "event"
        super().__init__(f"{where} ({event.topic} {event.op} {event.key!r}): {why}")


_SCALARS = (str, int, float, bool)


def _props(event: EventLike, payload: Mapping[str, Any], relation_fields: Iterable[str]) -> dict[str, Any]:
    """Payload fields that become node properties: everything but the relation fields and ``key``."""
    skip = {"key", *relation_fields}
    out: dict[str, Any] = {}
    for name, value in payload.items():
        if name in skip:
            continue
        ok = value is None or isinstance(value, _SCALARS) or (
            isinstance(value, list) and all(isinstance(v, _SCALARS) for v in value))
        if not ok:
            raise ProjectionError(event, f"payload field {name!r} is a {type(value).__name__}; a graph property "
                                         "must be a string, number, boolean or a list of them")
        out[name] = value
    return out


def _pair(event: EventLike, payload: Mapping[str, Any], left: str, right: str) -> tuple[str, str]:
    """(left, right) business keys of a link event: from the payload, else from the key ``left|right``."""
    a, b = payload.get(left), payload.get(right)
    if a is None or b is None:
        parts = event.key.split("|")
        if len(parts) != 2 or not all(parts):
            raise ProjectionError(event, f"the key must be '{left}|{right}' when the payload does not name both")
        a, b = a or parts[0], b or parts[1]
    return str(a), str(b)


def _relink(rows: Rows, field_: str, delete_stale: LiteralString, merge_new: LiteralString) -> list[Statement]:
    """Point a single-valued relationship at ``row[field_]`` (or nowhere), for rows whose payload named the field."""
    named = [{"key": r["key"], "to": r[field_]} for r in rows if field_ in r]
    linked = [x for x in named if x["to"] is not None]
    out: list[Statement] = []
    if named:
        out.append((delete_stale, {"rows": named}))
    if linked:
        out.append((merge_new, {"rows": linked}))
    return out


# --- one builder per topic: (op, events of one run) -> statements ---------------------------------------
def _department(op: str, events: Sequence[EventLike]) -> list[Statement]:
    if op == "delete":
        return [("UNWIND $keys AS k MATCH (d:Department {key: k}) DETACH DELETE d", {"keys": [e.key for e in events]})]
    rows = [_node_row(e, ("parent",)) for e in events]
    return [
        ("UNWIND $rows AS r MERGE (d:Department {key: r.key}) SET d += r.props", {"rows": rows}),
        *_relink(
            rows, "parent",
            "UNWIND $rows AS r MATCH (d:Department {key: r.key})-[old:PART_OF]->(p:Department) "
            "WHERE r.to IS NULL OR p.key <> r.to DELETE old",
            "UNWIND $rows AS r MATCH (d:Department {key: r.key}) MERGE (p:Department {key: r.to}) "
            "MERGE (d)-[:PART_OF]->(p)",
        ),
    ]


def _position(op: str, events: Sequence[EventLike]) -> list[Statement]:
    if op == "delete":
        return [("UNWIND $keys AS k MATCH (p:Position {key: k}) DETACH DELETE p", {"keys": [e.key for e in events]}),
                _DROP_UNUSED_ROLES]
    role_fields = ("role_family", "role_grade", "role_level")
    rows = [_node_row(e, ("department", "reports_to", "role"), skip=role_fields) for e in events]
    roles = {p["role"]: {"key": p["role"], "family": p.get("role_family"), "grade": p.get("role_grade"),
                         "level": p.get("role_level")}
             for p in (e.payload or {} for e in events) if p.get("role")}
    out: list[Statement] = [
        ("UNWIND $rows AS r MERGE (p:Position {key: r.key}) SET p += r.props", {"rows": rows}),
        *_relink(
            rows, "department",
            "UNWIND $rows AS r MATCH (p:Position {key: r.key})-[old:IN]->(d:Department) "
            "WHERE r.to IS NULL OR d.key <> r.to DELETE old",
            "UNWIND $rows AS r MATCH (p:Position {key: r.key}) MERGE (d:Department {key: r.to}) MERGE (p)-[:IN]->(d)",
        ),
        *_relink(
            rows, "reports_to",
            "UNWIND $rows AS r MATCH (p:Position {key: r.key})-[old:REPORTS_TO]->(b:Position) "
            "WHERE r.to IS NULL OR b.key <> r.to DELETE old",
            "UNWIND $rows AS r MATCH (p:Position {key: r.key}) MERGE (b:Position {key: r.to}) "
            "MERGE (p)-[:REPORTS_TO]->(b)",
        ),
    ]
    if roles:
        out.append(("UNWIND $rows AS r MERGE (o:Role {key: r.key}) "
                    "SET o.family = r.family, o.grade = r.grade, o.level = r.level "
                    "MERGE (f:JobFamily {key: r.family}) MERGE (o)-[:IN_FAMILY]->(f)", {"rows": list(roles.values())}))
    out += _relink(
        rows, "role",
        "UNWIND $rows AS r MATCH (p:Position {key: r.key})-[old:OF_ROLE]->(o:Role) "
        "WHERE r.to IS NULL OR o.key <> r.to DELETE old",
        "UNWIND $rows AS r MATCH (p:Position {key: r.key}) MATCH (o:Role {key: r.to}) MERGE (p)-[:OF_ROLE]->(o)",
    )
    out.append(_DROP_UNUSED_ROLES)
    return out


# A role exists while some position is of it (its career steps go with it).
_DROP_UNUSED_ROLES: Statement = ("MATCH (o:Role) WHERE NOT (o)<-[:OF_ROLE]-(:Position) DETACH DELETE o", {})


def _job_family(op: str, events: Sequence[EventLike]) -> list[Statement]:
    if op != "upsert":
        raise ProjectionError(events[0], "job families are only ever upserted (a family in use is never deleted)")
    rows = []
    for e in events:
        p = e.payload or {}
        related = p.get("related", [])
        if not isinstance(related, list) or not all(isinstance(x, str) and x for x in related):
            raise ProjectionError(e, "'related' must be a list of job family codes")
        rows.append({"key": e.key, "name": p.get("name"), "related": sorted(set(related) - {e.key})})
    return [
        ("UNWIND $rows AS r MERGE (f:JobFamily {key: r.key}) SET f.name = r.name", {"rows": rows}),
        # related is symmetric: both directions are stored, and both go when either end drops the pair
        ("UNWIND $rows AS r MATCH (f:JobFamily {key: r.key})-[old:RELATED_TO]-(o:JobFamily) "
         "WHERE NOT o.key IN r.related DELETE old", {"rows": rows}),
        ("UNWIND $rows AS r MATCH (f:JobFamily {key: r.key}) UNWIND r.related AS other "
         "MERGE (o:JobFamily {key: other}) MERGE (f)-[:RELATED_TO]->(o) MERGE (o)-[:RELATED_TO]->(f)",
         {"rows": rows}),
    ]


def _grade(op: str, events: Sequence[EventLike]) -> list[Statement]:
    if op != "upsert":
        raise ProjectionError(events[0], "grades are only ever upserted")
    rows = []
    for e in events:
        level = (e.payload or {}).get("level")
        if not isinstance(level, int) or isinstance(level, bool):
            raise ProjectionError(e, "a grade upsert needs an integer 'level'")
        rows.append({"key": e.key, "level": level})
    return [("UNWIND $rows AS r MATCH (o:Role) WHERE o.grade = r.key SET o.level = r.level", {"rows": rows})]


def _career_history(op: str, events: Sequence[EventLike]) -> list[Statement]:
    """Nothing to write from the event itself: the drain derives the career steps from the database again
    (``graph.careers``) after a batch that holds one of ``CAREER_TOPICS``."""
    return []


def _successor(op: str, events: Sequence[EventLike]) -> list[Statement]:
    rows: Rows = []
    for e in events:
        p = e.payload or {}
        emp, pos = _pair(e, p, "employee", "position")
        if op == "delete":
            rows.append({"employee": emp, "position": pos})
            continue
        readiness, rank = p.get("readiness"), p.get("rank")
        if readiness not in READINESS:
            raise ProjectionError(e, f"readiness must be one of {READINESS}")
        if not isinstance(rank, int) or isinstance(rank, bool) or rank < 1:
            raise ProjectionError(e, "rank must be a positive integer")
        rows.append({"employee": emp, "position": pos, "readiness": readiness, "rank": rank})
    if op == "delete":
        return [("UNWIND $rows AS r MATCH (e:Employee {key: r.employee})-[s:SUCCESSOR_FOR]->"
                 "(p:Position {key: r.position}) DELETE s", {"rows": rows})]
    return [("UNWIND $rows AS r MERGE (e:Employee {key: r.employee}) MERGE (p:Position {key: r.position}) "
             "MERGE (e)-[s:SUCCESSOR_FOR]->(p) SET s.readiness = r.readiness, s.rank = r.rank", {"rows": rows})]


READINESS = ("ready_now", "ready_1_2", "ready_3_plus", "emergency")


def _employee(op: str, events: Sequence[EventLike]) -> list[Statement]:
    if op == "delete":
        return [("UNWIND $keys AS k MATCH (e:Employee {key: k}) DETACH DELETE e", {"keys": [e.key for e in events]})]
    # An exit arrives as status 'exited' with position None: the HOLDS edge goes, the node stays with its status.
    rows = [_node_row(e, ("position",)) for e in events]
    return [
        ("UNWIND $rows AS r MERGE (e:Employee {key: r.key}) SET e += r.props", {"rows": rows}),
        *_relink(
            rows, "position",
            "UNWIND $rows AS r MATCH (e:Employee {key: r.key})-[old:HOLDS]->(p:Position) "
            "WHERE r.to IS NULL OR p.key <> r.to DELETE old",
            "UNWIND $rows AS r MATCH (e:Employee {key: r.key}) MERGE (p:Position {key: r.to}) MERGE (e)-[:HOLDS]->(p)",
        ),
    ]


def _skill(op: str, events: Sequence[EventLike]) -> list[Statement]:
    if op == "delete":
        return [("UNWIND $keys AS k MATCH (s:Skill {key: k}) DETACH DELETE s", {"keys": [e.key for e in events]})]
    rows = [_node_row(e, ()) for e in events]
    return [("UNWIND $rows AS r MERGE (s:Skill {key: r.key}) SET s += r.props", {"rows": rows})]


def _employee_skill(op: str, events: Sequence[EventLike]) -> list[Statement]:
    rows: Rows = []
    for e in events:
        p = e.payload or {}
        emp, skill = _pair(e, p, "employee", "skill")
        source = p.get("source")
        if op == "delete":
            rows.append({"employee": emp, "skill": skill, "source": source})
            continue
        if source is None or p.get("level") is None:
            raise ProjectionError(e, "an employee_skill upsert needs 'level' and 'source' in its payload")
        rows.append({"employee": emp, "skill": skill, "source": str(source), "level": p["level"]})
    if op == "delete":  # without a source: every assessment of that skill goes
        return [("UNWIND $rows AS r MATCH (e:Employee {key: r.employee})-[h:HAS_SKILL]->(s:Skill {key: r.skill}) "
                 "WHERE r.source IS NULL OR h.source = r.source DELETE h", {"rows": rows})]
    # One edge per (employee, skill, source): a self-assessment and a manager's rating live side by side.
    return [("UNWIND $rows AS r MERGE (e:Employee {key: r.employee}) MERGE (s:Skill {key: r.skill}) "
             "MERGE (e)-[h:HAS_SKILL {source: r.source}]->(s) SET h.level = r.level", {"rows": rows})]


def _requirement(op: str, events: Sequence[EventLike]) -> list[Statement]:
    rows: Rows = []
    for e in events:
        p = e.payload or {}
        pos, skill = _pair(e, p, "position", "skill")
        if op == "delete":
            rows.append({"position": pos, "skill": skill})
            continue
        if p.get("level") is None:
            raise ProjectionError(e, "a requirement upsert needs 'level' in its payload")
        rows.append({"position": pos, "skill": skill, "level": p["level"], "importance": p.get("importance")})
    if op == "delete":
        return [("UNWIND $rows AS r MATCH (p:Position {key: r.position})-[q:REQUIRES]->(s:Skill {key: r.skill}) "
                 "DELETE q", {"rows": rows})]
    return [("UNWIND $rows AS r MERGE (p:Position {key: r.position}) MERGE (s:Skill {key: r.skill}) "
             "MERGE (p)-[q:REQUIRES]->(s) SET q.level = r.level, q.importance = r.importance", {"rows": rows})]


def _period_rows(events: Sequence[EventLike], op: str, items_field: str,
                 fields: tuple[str, ...]) -> Rows:
    """The per-employee rows of chunked period events (``performance_scores``, ``performance_ratings``)."""
    if op != "upsert":
        raise ProjectionError(events[0], "period results are only ever upserted")
    rows: Rows = []
    for e in events:
        p = e.payload or {}
        items, period, end = p.get(items_field), p.get("period"), p.get("period_end")
        if not isinstance(items, list) or not isinstance(period, str) or not isinstance(end, str):
            raise ProjectionError(e, f"period results need 'period', 'period_end' and a list of {items_field!r}")
        for item in items:
            if not isinstance(item, Mapping) or not isinstance(item.get("employee"), str):
                raise ProjectionError(e, f"each of {items_field!r} needs an 'employee' business key")
            rows.append({"key": item["employee"], "period": period, "end": end, "final": bool(p.get("final")),
                         **{f: item.get(f) for f in fields}})
    return rows


def _performance_scores(op: str, events: Sequence[EventLike]) -> list[Statement]:
    """Employees' period scores (``performance.service.rollup.emit_scores``) -> properties on the Employee
    nodes: the score of the latest period (by its end date) that has one; a recompute of an older period
    does not overwrite a newer one."""
    rows = _period_rows(events, op, "scores", ("score",))
    return [("UNWIND $rows AS r MATCH (e:Employee {key: r.key}) "
             "WITH e, r WHERE e.perf_period_end IS NULL OR e.perf_period_end <= r.end "
             "SET e.perf_score = r.score, e.perf_period = r.period, e.perf_period_end = r.end, "
             "e.perf_final = r.final", {"rows": rows})]


def _performance_ratings(op: str, events: Sequence[EventLike]) -> list[Statement]:
    """Employees' final rating and potential of a period -> Employee properties, latest period wins."""
    rows = _period_rows(events, op, "ratings", ("final_rating", "potential"))
    return [("UNWIND $rows AS r MATCH (e:Employee {key: r.key}) "
             "WITH e, r WHERE e.rating_period_end IS NULL OR e.rating_period_end <= r.end "
             "SET e.final_rating = r.final_rating, e.potential = r.potential, e.rating_period = r.period, "
             "e.rating_period_end = r.end", {"rows": rows})]


def _flight_risk(op: str, events: Sequence[EventLike]) -> list[Statement]:
    """A scoring run's flight-risk scores (``ml.graph.emit_scores``) -> Employee properties: the score with the
    latest as-of date; a run on the same date (a retrained version) replaces it, an older run does not."""
    if op != "upsert":
        raise ProjectionError(events[0], "flight-risk scores are only ever upserted")
    latest: dict[str, dict[str, Any]] = {}  # one row per person, so no statement sees two of their scores
    for e in events:  # in id order: of two runs on one date, the later wins
        p = e.payload or {}
        scores, model, as_of = p.get("scores"), p.get("model"), p.get("as_of")
        if not isinstance(scores, list) or not isinstance(model, str) or not isinstance(as_of, str):
            raise ProjectionError(e, "flight-risk scores need 'model', 'as_of' and a list of 'scores'")
        for item in scores:
            if not isinstance(item, Mapping) or not isinstance(item.get("employee"), str):
                raise ProjectionError(e, "each of 'scores' needs an 'employee' business key")
            seen = latest.get(item["employee"])
            if seen is None or seen["as_of"] <= as_of:
                latest[item["employee"]] = {"key": item["employee"], "risk": item.get("risk"),
                                            "band": item.get("band"), "model": model, "as_of": as_of}
    rows = list(latest.values())
    return [("UNWIND $rows AS r MATCH (e:Employee {key: r.key}) "
             "WITH e, r WHERE e.flight_risk_as_of IS NULL OR e.flight_risk_as_of <= r.as_of "
             "SET e.flight_risk = r.risk, e.flight_risk_band = r.band, e.flight_risk_model = r.model, "
             "e.flight_risk_as_of = r.as_of", {"rows": rows})]


def _node_row(event: EventLike, relation_fields: tuple[str, ...], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    payload = event.payload or {}
    row: dict[str, Any] = {"key": event.key, "props": _props(event, payload, (*relation_fields, *skip))}
    for name in relation_fields:
        if name in payload:
            value = payload[name]
            if value is not None and not isinstance(value, str):
                raise ProjectionError(event, f"payload field {name!r} must be a business key (a string) or null")
            row[name] = value
    return row


BUILDERS: dict[str, Callable[[str, Sequence[EventLike]], list[Statement]]] = {
    "department": _department,
    "position": _position,
    "employee": _employee,
    "skill": _skill,
    "employee_skill": _employee_skill,
    "requirement": _requirement,
    "performance_scores": _performance_scores,
    "performance_ratings": _performance_ratings,
    "job_family": _job_family,
    "grade": _grade,
    "career_history": _career_history,
    "successor": _successor,
    "flight_risk": _flight_risk,
}
# After a batch holding one of these the drain derives the career steps from the database again. ``position``: a
# post created in a role no post had, or the last post of a role deleted, changes the roles the job architecture's
# steps run between, and neither is a change in anyone's history (no ``career_history`` event).
CAREER_TOPICS: frozenset[str] = frozenset({"career_history", "job_family", "grade", "position"})
# The topics this projection understands; the drain leaves any other topic waiting in the outbox.
TOPICS: frozenset[str] = frozenset(BUILDERS)
OPS = ("upsert", "delete")


def _identity(event: EventLike) -> tuple[str, ...]:
    if event.topic == "employee_skill":
        return (event.key, str((event.payload or {}).get("source")))
    return (event.key,)


def _ordered(events: Iterable[EventLike]) -> list[EventLike]:
    items = list(events)
    ids = [getattr(e, "id", None) for e in items]
    if all(i is not None for i in ids):
        items.sort(key=lambda e: e.id)  # type: ignore[attr-defined]
    return items


# Position runs end by dropping the roles no position is of, and a grade event sets the level of every role of
# its grade: both touch Role nodes that no key of theirs names, so these events keep their order among themselves.
_ROLE_SET = "\x00roles"


def _touches(event: EventLike) -> set[str]:
    """Everything ``event``'s statements may read or write, as business keys: its key, the parts of a composite key
    and every string anywhere in its payload (names and titles too: an over-approximation only costs a run).
    Two events that touch nothing in common commute. ``career_history`` plans no statement: it touches nothing."""
    if event.topic == "career_history":
        return set()
    out = {event.key, *event.key.split("|")}
    if event.topic in ("position", "grade"):
        out.add(_ROLE_SET)
    stack: list[Any] = [event.payload or {}]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            out.add(value)
        elif isinstance(value, Mapping):
            stack.extend(value.values())
        elif isinstance(value, list | tuple):
            stack.extend(value)
    return out


def plan(events: Iterable[EventLike]) -> list[Statement]:
    """The statements that apply ``events`` in order (validated; nothing is sent)."""
    runs: list[tuple[tuple[str, str], dict[tuple[str, ...], EventLike]]] = []
    latest: dict[tuple[str, str], int] = {}  # (topic, op) -> its newest run
    last_run: dict[str, int] = {}  # business key -> the newest run touching it
    for e in _ordered(events):
        if e.topic not in BUILDERS:
            raise ProjectionError(e, f"no projection for topic {e.topic!r} (known: {', '.join(sorted(TOPICS))})")
        if e.op not in OPS:
            raise ProjectionError(e, f"op must be one of {OPS}")
        if not e.key:
            raise ProjectionError(e, "empty key")
        kind = (e.topic, e.op)
        touched = _touches(e)
        at = latest.get(kind)
        if at is None or any(last_run.get(k, -1) > at for k in touched):
            at = latest[kind] = len(runs)  # a later run touches its keys: it must come after that run
            runs.append((kind, {}))
        run = runs[at][1]
        ident = _identity(e)
        run.pop(ident, None)  # re-insert: the newest state, at the position of the newest event
        run[ident] = e
        for k in touched:
            if last_run.get(k, -1) < at:
                last_run[k] = at
    return [s for (topic, op), run in runs if run for s in BUILDERS[topic](op, list(run.values()))]


def apply_events(driver: Driver, database: str, events: Iterable[EventLike], *,
                 then: Sequence[Statement] = ()) -> int:
    """Apply ``events`` (in id order) to the graph in one transaction; returns how many were given. ``then``:
    statements that follow the events' in the same transaction (the drain's derived edges).

    Raises ``ProjectionError`` (before touching the graph) for an event it cannot apply, and the driver's
    errors (``neo4j.exceptions.*``, ``OSError``) when the graph fails; either way nothing is half-applied.
    """
    items = list(events)
    statements = plan(items) + list(then)
    if statements:
        client.ensure_schema_once(driver, database)
        client.write_batches(driver, database, statements)
    return len(items)
