"""Succession answers: a position's slate, the bench of the key posts, the uncovered ones, the single points of
failure, and the chain of moves a departure sets off (docs/graph.md "Queries")."""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import Driver, ManagedTransaction

from graph.queries.common import (
    READINESS,
    as_float,
    as_int,
    as_str,
    position_ref,
    read,
    rows,
    run_read,
)
from graph.queries.results import (
    BenchStrength,
    ChainMove,
    PersonRef,
    PositionRef,
    SinglePointOfFailure,
    Successor,
    SuccessorSlate,
    VacancyChain,
    VacancyStep,
)
from hcm.errors import Invalid, NotFound

MAX_CHAIN_DEPTH = 5
DEFAULT_CHAIN_DEPTH = 3

SUCCESSORS_CYPHER: LiteralString = (
    "MATCH (p:Position {key: $position}) "
    "OPTIONAL MATCH (holder:Employee)-[:HOLDS]->(p) "
    "OPTIONAL MATCH (e:Employee)-[s:SUCCESSOR_FOR]->(p) "
    "OPTIONAL MATCH (e)-[:HOLDS]->(c:Position) "
    "OPTIONAL MATCH (c)-[:OF_ROLE]->(r:Role) "
    "RETURN p.key AS position, p.title AS title, p.is_key AS is_key, p.active AS active, "
    "holder.key AS holder, holder.name AS holder_name, "
    "e.key AS employee, e.name AS name, e.status AS status, s.readiness AS readiness, s.rank AS rank, "
    "c.key AS current, c.title AS current_title, r.key AS role, "
    "e.perf_score AS perf_score, e.final_rating AS final_rating, e.potential AS potential"
)

# Every active key position with its holder and the readiness of each of its active successors. Shared by the
# bench and the uncovered posts (a fragment: the two statements below complete it).
_BENCH: LiteralString = (
    "MATCH (p:Position) WHERE p.is_key = true AND p.active = true "
    "OPTIONAL MATCH (p)-[:IN]->(d:Department) "
    "OPTIONAL MATCH (holder:Employee)-[:HOLDS]->(p) "
    "OPTIONAL MATCH (e:Employee)-[s:SUCCESSOR_FOR]->(p) WHERE e.status = 'active' "
    "WITH p, d, holder, collect(s.readiness) AS readiness "
    "WITH p, d, holder, readiness, size([x IN readiness WHERE x = 'ready_now']) AS ready_now "
)
_BENCH_RETURN: LiteralString = (
    "RETURN p.key AS position, p.title AS title, d.key AS department, holder.key AS holder, "
    "holder.name AS holder_name, readiness, ready_now "
    "ORDER BY position"
)
BENCH_STRENGTH_CYPHER: LiteralString = _BENCH + _BENCH_RETURN
UNCOVERED_KEY_POSITIONS_CYPHER: LiteralString = _BENCH + "WHERE ready_now = 0 " + _BENCH_RETURN

# For each active key post, its active ready-now successors; a post with exactly one names that person. People
# named so for at least $min_posts posts are single points of failure.
SINGLE_POINTS_OF_FAILURE_CYPHER: LiteralString = (
    "MATCH (p:Position) WHERE p.is_key = true AND p.active = true "
    "MATCH (p)<-[s:SUCCESSOR_FOR]-(e:Employee) WHERE s.readiness = 'ready_now' AND e.status = 'active' "
    "WITH p, collect(DISTINCT e.key) AS ready "
    "WHERE size(ready) = 1 "
    "WITH ready[0] AS only, p "
    "WITH only, collect({key: p.key, title: p.title}) AS posts "
    "WHERE size(posts) >= $min_posts "
    "MATCH (e:Employee {key: only}) "
    "OPTIONAL MATCH (e)-[:HOLDS]->(c:Position) "
    "RETURN e.key AS employee, e.name AS name, c.key AS current, c.title AS current_title, posts "
    "ORDER BY employee"
)

# The vacancy chain, one post at a time (Python picks the mover): who leaves and what they hold ...
CHAIN_START_CYPHER: LiteralString = (
    "MATCH (e:Employee {key: $employee}) "
    "OPTIONAL MATCH (e)-[:HOLDS]->(p:Position) "
    "RETURN e.key AS employee, e.name AS name, e.status AS status, p.key AS position, p.title AS title, "
    "p.is_key AS is_key"
)
# ... and the active successors of an opened post, with the post each of them would leave. (Every pattern starts
# at the node its key finds: ArcadeDB matches a pattern from its first node.)
CHAIN_CANDIDATES_CYPHER: LiteralString = (
    "MATCH (p:Position {key: $position})<-[s:SUCCESSOR_FOR]-(e:Employee) "
    "WHERE e.status = 'active' "
    "OPTIONAL MATCH (e)-[:HOLDS]->(c:Position) "
    "RETURN e.key AS employee, e.name AS name, s.readiness AS readiness, s.rank AS rank, "
    "c.key AS current, c.title AS current_title, c.is_key AS current_is_key"
)


def _person(key: Any, name: Any) -> PersonRef | None:
    return PersonRef(key=key, name=as_str(name)) if isinstance(key, str) else None


def _rank_order(rank: int | None, key: str) -> tuple[int, int, str]:
    return (rank is None, rank or 0, key)


def successors(driver: Driver, database: str, *, position: str) -> SuccessorSlate:
    """The slate of ``position``: every ``SUCCESSOR_FOR`` person (active or not) by rank, then key."""
    found = read(driver, database, SUCCESSORS_CYPHER, position=position)
    if not found:
        raise NotFound("Position", position, field="position")
    first = found[0]
    slate: list[Successor] = []
    for r in found:
        if not isinstance(r["employee"], str):
            continue  # the one row of a post without successors
        slate.append(Successor(
            employee=r["employee"], name=as_str(r["name"]), status=as_str(r["status"]),
            readiness=as_str(r["readiness"]), rank=as_int(r["rank"]),
            position=position_ref(r["current"], r["current_title"]), role=as_str(r["role"]),
            perf_score=as_float(r["perf_score"]), final_rating=as_float(r["final_rating"]),
            potential=as_float(r["potential"])))
    slate.sort(key=lambda s: _rank_order(s.rank, s.employee))
    return SuccessorSlate(
        position=PositionRef(key=first["position"], title=as_str(first["title"])),
        is_key=first["is_key"] is True, active=first["active"] is True,
        holder=_person(first["holder"], first["holder_name"]), successors=slate)


def _bench(rows_: list[dict[str, Any]]) -> list[BenchStrength]:
    out = []
    for r in rows_:
        readiness = [x for x in r["readiness"] if isinstance(x, str)]
        counts = {level: readiness.count(level) for level in READINESS}
        holder = _person(r["holder"], r["holder_name"])
        out.append(BenchStrength(
            position=PositionRef(key=r["position"], title=as_str(r["title"])), department=as_str(r["department"]),
            holder=holder, vacant=holder is None, ready_now=counts["ready_now"], ready_1_2=counts["ready_1_2"],
            ready_3_plus=counts["ready_3_plus"], emergency=counts["emergency"], successors=len(r["readiness"]),
            covered=counts["ready_now"] >= 1))
    return out


def bench_strength(driver: Driver, database: str) -> list[BenchStrength]:
    """Every active key position (by key): holder or vacant, its active successors counted per readiness."""
    return _bench(read(driver, database, BENCH_STRENGTH_CYPHER))


def uncovered_key_positions(driver: Driver, database: str) -> list[BenchStrength]:
    """The active key positions without an active ready-now successor, vacant ones included (by key)."""
    return _bench(read(driver, database, UNCOVERED_KEY_POSITIONS_CYPHER))


def single_points_of_failure(driver: Driver, database: str, *, min_posts: int = 2) -> list[SinglePointOfFailure]:
    """Active people who are the only active ready-now successor of at least ``min_posts`` active key posts."""
    if isinstance(min_posts, bool) or not isinstance(min_posts, int) or not 1 <= min_posts <= 1000:
        raise Invalid("min_posts must be a whole number between 1 and 1000", field="min_posts")
    out = []
    for r in read(driver, database, SINGLE_POINTS_OF_FAILURE_CYPHER, min_posts=min_posts):
        posts = sorted((PositionRef(key=p["key"], title=as_str(p.get("title"))) for p in r["posts"]),
                       key=lambda p: p.key)
        out.append(SinglePointOfFailure(
            employee=PersonRef(key=r["employee"], name=as_str(r["name"])),
            position=position_ref(r["current"], r["current_title"]), posts=posts))
    return out


def _best(candidates: list[dict[str, Any]], moved: set[str]) -> dict[str, Any] | None:
    """The mover: ready-now first, then the lowest rank (none last), then the key; nobody who already moved."""
    available = [c for c in candidates if isinstance(c["employee"], str) and c["employee"] not in moved]
    if not available:
        return None
    return min(available, key=lambda c: (c["readiness"] != "ready_now", *_rank_order(as_int(c["rank"]),
                                                                                     c["employee"])))


def vacancy_chain(driver: Driver, database: str, *, employee: str, depth: int = DEFAULT_CHAIN_DEPTH) -> VacancyChain:
    """What opens when ``employee`` leaves: their post opens, its best available successor moves in and opens
    their own post, and so on for ``depth`` posts at most. Read-only: nothing in the graph changes."""
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= MAX_CHAIN_DEPTH:
        raise Invalid(f"depth must be a whole number between 1 and {MAX_CHAIN_DEPTH}", field="depth")

    def work(tx: ManagedTransaction) -> tuple[dict[str, Any] | None, list[VacancyStep], PositionRef | None]:
        start = rows(tx, CHAIN_START_CYPHER, employee=employee)
        if not start:
            return None, [], None
        leaver = start[0]
        steps: list[VacancyStep] = []
        moved = {employee}
        opening = position_ref(leaver["position"], leaver["title"])
        is_key = leaver["is_key"] is True
        while opening is not None and len(steps) < depth:
            best = _best(rows(tx, CHAIN_CANDIDATES_CYPHER, position=opening.key), moved)
            if best is None:
                steps.append(VacancyStep(step=len(steps) + 1, position=opening, is_key=is_key, filled_by=None))
                return leaver, steps, opening
            moved.add(best["employee"])
            left = position_ref(best["current"], best["current_title"])
            steps.append(VacancyStep(step=len(steps) + 1, position=opening, is_key=is_key, filled_by=ChainMove(
                employee=PersonRef(key=best["employee"], name=as_str(best["name"])),
                readiness=as_str(best["readiness"]), rank=as_int(best["rank"]), from_position=left)))
            opening, is_key = left, best["current_is_key"] is True
        return leaver, steps, opening

    leaver, steps, still_open = run_read(driver, database, work)
    if leaver is None:
        raise NotFound("Employee", employee, field="employee")
    return VacancyChain(employee=PersonRef(key=leaver["employee"], name=as_str(leaver["name"])), depth=depth,
                        steps=steps, open_position=still_open)
