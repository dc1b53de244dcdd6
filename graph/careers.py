"""The career steps between roles, derived from the assignment history and the job architecture.

Observed: every change of role between two consecutive assignments of one person (an exit ends a career: no
step spans it). ``observed`` counts the people-moves, ``median_months`` is the median time they had spent in the
role they left (from the first day of the stay in that role, however many posts of it they held).

Allowed by the job architecture, with ``observed = 0`` unless people took them too: the next grade up in the same
family (vertical) and the same grade in a related family (lateral).

``kind`` comes from the grade levels: up = vertical, equal = lateral, lower = down. One edge per ordered pair of
roles. Both the rebuild and the drain (after a change in the history) write exactly ``career_steps(session)``.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, LiteralString

from neo4j import Driver
from sqlalchemy import select
from sqlalchemy.orm import Session

from graph import client
from hcm.org.events import role_key
from hcm.org.models import Assignment, Grade, JobFamily, Position
from hcm.org.service.catalog import related_families

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True, order=True)
class Step:
    source: str
    target: str
    kind: str
    observed: int
    median_months: float | None

    def props(self) -> dict[str, Any]:
        return {"kind": self.kind, "observed": self.observed, "median_months": self.median_months}


def _kind(level_from: int, level_to: int) -> str:
    return "vertical" if level_to > level_from else "lateral" if level_to == level_from else "down"


def _roles(session: Session) -> tuple[dict[int, str], dict[str, tuple[str, str, int]]]:
    """position id -> role key, and role key -> (family, grade, level), for positions with both."""
    rows = session.execute(
        select(Position.id, JobFamily.code, Grade.code, Grade.level)
        .join(JobFamily, JobFamily.id == Position.job_family_id).join(Grade, Grade.id == Position.grade_id)
    )
    of_position: dict[int, str] = {}
    roles: dict[str, tuple[str, str, int]] = {}
    for pid, family, grade, level in rows:
        key = role_key(family, grade)
        assert key is not None
        of_position[pid] = key
        roles[key] = (family, grade, level)
    return of_position, roles


def observed_moves(session: Session, of_position: dict[int, str]) -> dict[tuple[str, str], list[float]]:
    """(from role, to role) -> the months spent in the from-role before each move."""
    moves: dict[tuple[str, str], list[float]] = defaultdict(list)
    stmt = (select(Assignment.employee_id, Assignment.position_id, Assignment.start_date)
            .order_by(Assignment.employee_id, Assignment.start_date, Assignment.id)
            .execution_options(yield_per=20_000))
    person: int | None = None
    role: str | None = None
    since: date | None = None
    for emp, pid, start in session.execute(stmt):
        if emp != person:
            person, role, since = emp, None, None
        if pid is None:  # an exit: the career ends here
            role, since = None, None
            continue
        new = of_position.get(pid)
        if new is None:  # a post without a family or grade has no role
            role, since = None, None
            continue
        if role is not None and new != role and since is not None:
            moves[(role, new)].append((start - since).days / DAYS_PER_MONTH)
        if new != role:
            role, since = new, start
    return moves


def career_steps(session: Session) -> list[Step]:
    of_position, roles = _roles(session)
    moves = observed_moves(session, of_position)
    steps: dict[tuple[str, str], Step] = {}
    for (a, b), months in moves.items():
        steps[(a, b)] = Step(a, b, _kind(roles[a][2], roles[b][2]), len(months),
                             round(statistics.median(months), 1))

    by_family: dict[str, list[tuple[int, str]]] = defaultdict(list)
    by_family_grade: dict[tuple[str, str], str] = {}
    for key, (family, grade, level) in roles.items():
        by_family[family].append((level, key))
        by_family_grade[(family, grade)] = key
    code_of = dict(session.execute(select(JobFamily.id, JobFamily.code)).all())
    related = {code_of[fid]: others for fid, others in related_families(session).items()}

    def allow(a: str, b: str) -> None:
        if (a, b) not in steps:
            steps[(a, b)] = Step(a, b, _kind(roles[a][2], roles[b][2]), 0, None)

    for members in by_family.values():
        members.sort()
        for (level, key), (next_level, next_key) in itertools.pairwise(members):
            if next_level > level:
                allow(key, next_key)
    for key, (family, grade, _) in roles.items():
        for other in related.get(family, []):
            target = by_family_grade.get((other, grade))
            if target is not None:
                allow(key, target)
    return sorted(steps.values())


REPLACE_STEPS_CYPHER: LiteralString = ("UNWIND $rows AS r MATCH (a:Role {key: r.from}) MATCH (b:Role {key: r.to}) "
                                "MERGE (a)-[x:CAREER_STEP]->(b) SET x.kind = r.kind, x.observed = r.observed, "
                                "x.median_months = r.median_months")
DROP_STALE_STEPS_CYPHER: LiteralString = ("MATCH (a:Role)-[x:CAREER_STEP]->(b:Role) "
                                   "WHERE NOT a.key + '>' + b.key IN $keep DELETE x")


def refresh(session: Session, driver: Driver, database: str) -> int:
    """Write ``career_steps`` over the graph's CAREER_STEP edges in one transaction (stale ones go)."""
    steps = career_steps(session)
    rows = [{"from": s.source, "to": s.target, **s.props()} for s in steps]
    keep = [f"{s.source}>{s.target}" for s in steps]
    client.write_batches(driver, database, [(DROP_STALE_STEPS_CYPHER, {"keep": keep}),
                                            (REPLACE_STEPS_CYPHER, {"rows": rows})])
    return len(steps)
