"""Career answers: the next roles from a position, and the best career paths between two roles, each with a
person's gaps against the roles' requirements when a person is given (docs/graph.md "Model" for the role
requirements, "Queries" for the rules)."""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import count
from typing import Any, LiteralString

from neo4j import Driver, ManagedTransaction

from graph.queries.common import (
    Requirement,
    as_float,
    as_int,
    as_str,
    assess,
    check_limit,
    person_levels,
    role_ref,
    role_requirements,
    rows,
    run_read,
)
from graph.queries.results import CareerPath, CareerPaths, NextRole, NextRoles, PathStep, PositionRef, RoleRef, SkillGap
from hcm.errors import Invalid, NotFound

MAX_PATH_STEPS = 4
DEFAULT_PATH_STEPS = 3
DEFAULT_LIMIT = 10

NEXT_ROLES_CYPHER: LiteralString = (
    "MATCH (p:Position {key: $position}) "
    "OPTIONAL MATCH (p)-[:OF_ROLE]->(r:Role) "
    "OPTIONAL MATCH (r)-[c:CAREER_STEP]->(t:Role) "
    "RETURN p.key AS position, p.title AS title, "
    "r.key AS from_key, r.family AS from_family, r.grade AS from_grade, r.level AS from_level, "
    "t.key AS to_key, t.family AS to_family, t.grade AS to_grade, t.level AS to_level, "
    "c.kind AS kind, c.observed AS observed, c.median_months AS median_months"
)

POSITION_ROLE_CYPHER: LiteralString = (
    "MATCH (p:Position {key: $position}) "
    "OPTIONAL MATCH (p)-[:OF_ROLE]->(r:Role) "
    "RETURN p.key AS position, r.key AS role"
)

# The whole role graph is small (hundreds of roles): read it once per question and search it in Python.
ROLES_CYPHER: LiteralString = (
    "MATCH (r:Role) "
    "RETURN r.key AS key, r.family AS family, r.grade AS grade, r.level AS level"
)
CAREER_STEPS_CYPHER: LiteralString = (
    "MATCH (a:Role)-[c:CAREER_STEP]->(b:Role) "
    "RETURN a.key AS source, b.key AS target, c.kind AS kind, c.observed AS observed, "
    "c.median_months AS median_months"
)


@dataclass(frozen=True)
class Step:
    source: str
    target: str
    kind: str | None
    observed: int
    median_months: float | None


def _step(row: Mapping[str, Any], source: str, target: str) -> Step:
    return Step(source, target, as_str(row["kind"]), max(0, as_int(row["observed"]) or 0),
                as_float(row["median_months"]))


def _assessed(requirements: list[Requirement], levels: dict[str, int] | None) -> tuple[list[SkillGap] | None,
                                                                                        int | None, float | None]:
    if levels is None:
        return None, None, None
    return assess(requirements, levels)


def next_roles(driver: Driver, database: str, *, position: str, employee: str | None = None,
               limit: int = DEFAULT_LIMIT) -> NextRoles:
    """The career steps out of ``position``'s role. With ``employee``: their gap against each target role's
    requirements, smaller gaps first; then the steps more people took first (then the role key)."""
    check_limit(limit)

    def work(tx: ManagedTransaction) -> tuple[list[dict[str, Any]], dict[str, int] | None,
                                              dict[str, list[Requirement]]]:
        found = rows(tx, NEXT_ROLES_CYPHER, position=position)
        if not found:
            return [], None, {}
        levels = person_levels(tx, employee) if employee is not None else None
        if employee is not None and levels is None:
            return found, None, {}
        targets = [r["to_key"] for r in found if isinstance(r["to_key"], str)]
        return found, levels, role_requirements(tx, targets)

    found, levels, requirements = run_read(driver, database, work)
    if not found:
        raise NotFound("Position", position, field="position")
    if employee is not None and levels is None:
        raise NotFound("Employee", employee, field="employee")
    first = found[0]
    origin = role_ref(first, "from_")
    best: dict[str, Step] = {}  # one step per target role (the most observed, should the graph hold two)
    targets: dict[str, RoleRef] = {}
    for r in found:
        target = role_ref(r, "to_")
        if origin is None or target is None or target.key == origin.key:
            continue
        step = _step(r, origin.key, target.key)
        if target.key not in best or step.observed > best[target.key].observed:
            best[target.key], targets[target.key] = step, target
    steps = []
    for key, step in best.items():
        gaps, gap, match = _assessed(requirements.get(key, []), levels)
        steps.append(NextRole(role=targets[key], kind=step.kind, observed=step.observed,
                              median_months=step.median_months, gap=gap,
                              match=None if match is None else round(match, 6), gaps=gaps))
    steps.sort(key=lambda s: (s.gap or 0, -s.observed, s.role.key))
    return NextRoles(position=PositionRef(key=first["position"], title=as_str(first["title"])), role=origin,
                     employee=employee, steps=steps[:limit])


# --- paths -----------------------------------------------------------------------------------------
def _distances_to(target: str, incoming: Mapping[str, list[Step]], horizon: int) -> dict[str, int]:
    """Fewest steps from each role to ``target`` (breadth-first over the reversed steps), up to ``horizon``."""
    dist = {target: 0}
    queue = deque([target])
    while queue:
        node = queue.popleft()
        if dist[node] == horizon:
            continue
        for step in incoming.get(node, []):
            if step.source not in dist:
                dist[step.source] = dist[node] + 1
                queue.append(step.source)
    return dist


def best_paths(start: str, target: str, steps: list[Step], *, max_steps: int, limit: int,
               gaps_for: Callable[[list[str]], Mapping[str, int]] | None = None) -> list[tuple[Step, ...]]:
    """The ``limit`` best simple paths (no role twice) of at most ``max_steps`` steps from ``start`` to
    ``target``, best first, by (total gap, -the least observed step, steps, the roles' keys). ``gaps_for(roles)``
    gives the person's gap against each of those roles; without it the total gap is 0 throughout.

    Best-first search: every extension of a path ranks no better than the path itself (gaps only add up, the
    least observed step only gets less observed, and a path is longer and sorts after its own prefix), so
    the paths that reach ``target`` come off the heap best first and the search stops at the ``limit``-th.
    Roles farther from ``target`` than the steps left are never entered, and gaps are asked for lazily, for the
    next roles of each path taken off the heap (one call for all of them): only the roles the search reaches."""
    outgoing: dict[str, list[Step]] = {}
    incoming: dict[str, list[Step]] = {}
    for step in steps:
        outgoing.setdefault(step.source, []).append(step)
        incoming.setdefault(step.target, []).append(step)
    dist = _distances_to(target, incoming, max_steps)
    if start not in dist:
        return []
    known: dict[str, int] = {}
    tie = count()
    # (total gap, -min observed, steps, role keys), tie, path
    heap: list[tuple[tuple[int, float, int, tuple[str, ...]], int, tuple[Step, ...]]] = [
        ((0, float("-inf"), 0, (start,)), next(tie), ())]
    found: list[tuple[Step, ...]] = []
    while heap and len(found) < limit:
        (gap, neg_min, length, keys), _, path = heapq.heappop(heap)
        last = path[-1].target if path else start
        if last == target:
            found.append(path)
            continue
        left = max_steps - length - 1
        nexts = [s for s in outgoing.get(last, []) if s.target not in keys and dist.get(s.target, max_steps + 1) <= left]
        if gaps_for is not None and (unknown := sorted({s.target for s in nexts} - known.keys())):
            got = gaps_for(unknown)
            known.update({role: got.get(role, 0) for role in unknown})
        for step in nexts:
            key = (gap + known.get(step.target, 0), max(neg_min, -step.observed), length + 1, (*keys, step.target))
            heapq.heappush(heap, (key, next(tie), (*path, step)))
    return found


def paths(driver: Driver, database: str, *, to_role: str, from_role: str | None = None, position: str | None = None,
          max_steps: int = DEFAULT_PATH_STEPS, employee: str | None = None, limit: int = DEFAULT_LIMIT) -> CareerPaths:
    """The best career paths (``CAREER_STEP`` sequences, no role twice) of at most ``max_steps`` steps from
    ``from_role`` (or ``position``'s role) to ``to_role``: ranked by the person's total gap (the sum of their
    gaps against each step's role) when ``employee`` is given, then by the least observed step (more first),
    then fewer steps, then the roles' keys. The search runs inside the read transaction, which gives it the
    requirements of the roles it reaches as it reaches them."""
    if (from_role is None) == (position is None):
        raise Invalid("give exactly one of from_role and position", field="from_role")
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or not 1 <= max_steps <= MAX_PATH_STEPS:
        raise Invalid(f"max_steps must be a whole number between 1 and {MAX_PATH_STEPS}", field="max_steps")
    check_limit(limit)

    def work(tx: ManagedTransaction) -> CareerPaths | NotFound | Invalid:
        start = from_role or ""
        if position is not None:
            held = rows(tx, POSITION_ROLE_CYPHER, position=position)
            if not held:
                return NotFound("Position", position, field="position")
            if not isinstance(held[0]["role"], str):
                return Invalid(f"the position {position!r} has no role in the graph", field="position")
            start = held[0]["role"]
        roles = {r["key"]: ref for r in rows(tx, ROLES_CYPHER) if (ref := role_ref(r, "")) is not None}
        if start not in roles:
            return NotFound("Role", start, field="from_role")
        if to_role not in roles:
            return NotFound("Role", to_role, field="to_role")
        if start == to_role:
            return Invalid("the path starts where it ends: from and to are one role", field="to_role")
        levels = None
        if employee is not None:
            levels = person_levels(tx, employee)
            if levels is None:
                return NotFound("Employee", employee, field="employee")
        by_pair: dict[tuple[str, str], Step] = {}
        for r in rows(tx, CAREER_STEPS_CYPHER):
            source, target = r["source"], r["target"]
            if not (isinstance(source, str) and isinstance(target, str)) or source == target:
                continue
            step = _step(r, source, target)
            if (source, target) not in by_pair or step.observed > by_pair[source, target].observed:
                by_pair[source, target] = step
        assessed: dict[str, tuple[list[SkillGap], int]] = {}

        def gaps_for(wanted: list[str]) -> dict[str, int]:
            assert levels is not None
            for role, reqs in role_requirements(tx, wanted).items():
                role_gaps, role_gap, _ = assess(reqs, levels)
                assessed[role] = (role_gaps, role_gap)
            return {role: assessed[role][1] for role in wanted if role in assessed}

        found = best_paths(start, to_role, list(by_pair.values()), max_steps=max_steps, limit=limit,
                           gaps_for=gaps_for if levels is not None else None)
        out = []
        for path in found:
            path_steps = []
            for s in path:
                gaps: list[SkillGap] | None = None
                gap: int | None = None
                if s.target in assessed:
                    gaps, gap = assessed[s.target]
                path_steps.append(PathStep(from_role=s.source, role=roles[s.target], kind=s.kind, observed=s.observed,
                                           median_months=s.median_months, gap=gap, gaps=gaps))
            out.append(CareerPath(
                steps=path_steps,
                total_gap=sum(p.gap or 0 for p in path_steps) if levels is not None else None,
                min_observed=min(s.observed for s in path), total_observed=sum(s.observed for s in path)))
        return CareerPaths(from_role=roles[start], to_role=roles[to_role], employee=employee, max_steps=max_steps,
                           paths=out)

    answer = run_read(driver, database, work)
    if isinstance(answer, NotFound | Invalid):
        raise answer
    return answer
