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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, LiteralString

from neo4j import Driver, ManagedTransaction
from sqlalchemy import func, select
from sqlalchemy.orm import Session

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


def _roles(session: Session) -> dict[str, tuple[str, str, int]]:
    """role key -> (family, grade, level), for the roles some position has (family and grade both set)."""
    rows = session.execute(
        select(JobFamily.code, Grade.code, Grade.level).select_from(Position)
        .join(JobFamily, JobFamily.id == Position.job_family_id).join(Grade, Grade.id == Position.grade_id)
        .distinct()
    )
    roles: dict[str, tuple[str, str, int]] = {}
    for family, grade, level in rows:
        key = role_key(family, grade)
        assert key is not None
        roles[key] = (family, grade, level)
    return roles


PEOPLE_PER_READ = 20_000  # employee ids per query of the assignment history


def _histories(session: Session, until: date | None = None) -> Iterator[tuple[int, str | None, date]]:
    """(employee id, role key or None, start date) of every assignment (started on or before ``until`` when it is
    given), in order per person (start date, then id); the role as the database joins it, None for an exit or a
    post without family or grade.

    Core rows on the session's connection (``session.execute`` would run them through the ORM's result
    processing), read a range of employee ids at a time: bounded memory without a server-side cursor, which made
    PostgreSQL plan the read for its first rows (0.8 s instead of 0.4 s at 100,000 people)."""
    if session.autoflush:
        session.flush()  # what session.execute does first
    conn = session.connection()
    stmt = (select(Assignment.employee_id, (JobFamily.code + "/" + Grade.code).label("role"), Assignment.start_date)
            .select_from(Assignment)
            .outerjoin(Position, Position.id == Assignment.position_id)
            .outerjoin(JobFamily, JobFamily.id == Position.job_family_id)
            .outerjoin(Grade, Grade.id == Position.grade_id)
            .order_by(Assignment.employee_id, Assignment.start_date, Assignment.id))
    if until is not None:
        stmt = stmt.where(Assignment.start_date <= until)
    lo, hi = conn.execute(select(func.min(Assignment.employee_id), func.max(Assignment.employee_id))).one()
    if lo is None:
        return
    for first in range(lo, hi + 1, PEOPLE_PER_READ):
        yield from conn.execute(stmt.where(Assignment.employee_id.between(first, first + PEOPLE_PER_READ - 1)))


def observed_moves(session: Session, until: date | None = None) -> dict[tuple[str, str], list[float]]:
    """(from role, to role) -> the months spent in the from-role before each move; with ``until``, the moves
    known on that day (assignments started on or before it: the point-in-time view ``ml.readiness`` uses).

    A stay in a role starts where the role differs from the previous assignment's; a stay that directly follows
    another one is a move, after the months from the first day of the earlier stay. (Window functions, LAG over
    the assignments, find the same moves in SQL: no faster on PostgreSQL, about twice as slow on SQLite at
    100,000 people than this one pass over the rows.)"""
    moves: dict[tuple[str, str], list[float]] = defaultdict(list)
    person: int | None = None
    role: str | None = None
    since: date | None = None
    for emp, new, start in _histories(session, until):
        if emp != person:
            person, role, since = emp, None, None
        if new is None:  # an exit, or a post without a role: the career (in roles) starts again after it
            role, since = None, None
            continue
        if new != role:
            if role is not None and since is not None:
                moves[(role, new)].append((start - since).days / DAYS_PER_MONTH)
            role, since = new, start
    return moves


def career_steps(session: Session) -> list[Step]:
    roles = _roles(session)
    steps: dict[tuple[str, str], Step] = {}
    for (a, b), months in observed_moves(session).items():
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


READ_STEPS_CYPHER: LiteralString = ("MATCH (a:Role)-[x:CAREER_STEP]->(b:Role) RETURN a.key AS from, b.key AS to, "
                                    "x.kind AS kind, x.observed AS observed, x.median_months AS median_months")
DROP_STEPS_CYPHER: LiteralString = ("UNWIND $rows AS r MATCH (a:Role {key: r.from})-[x:CAREER_STEP]->(b:Role {key: r.to}) "
                                    "DELETE x")
REPLACE_STEPS_CYPHER: LiteralString = ("UNWIND $rows AS r MATCH (a:Role {key: r.from}) MATCH (b:Role {key: r.to}) "
                                       "MERGE (a)-[x:CAREER_STEP]->(b) SET x.kind = r.kind, x.observed = r.observed, "
                                       "x.median_months = r.median_months")


def refresh(session: Session, driver: Driver, database: str) -> int:
    """Make the graph's CAREER_STEP edges exactly ``career_steps``, in one transaction: the edges are read, then
    the stale ones deleted and the new or changed ones written; a few people's moves change a few steps' figures,
    not the hundreds of steps. A pair of roles with two edges (a rebuild's batch retried after its commit) loses
    both and gets one again."""
    want = {(s.source, s.target): s.props() for s in career_steps(session)}

    def work(tx: ManagedTransaction) -> None:
        have: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for r in tx.run(READ_STEPS_CYPHER):
            have[(r["from"], r["to"])].append({"kind": r["kind"], "observed": r["observed"],
                                               "median_months": r["median_months"]})
        drop = [{"from": a, "to": b} for (a, b), found in have.items() if (a, b) not in want or len(found) > 1]
        write = [{"from": a, "to": b, **props} for (a, b), props in want.items() if have.get((a, b)) != [props]]
        if drop:
            tx.run(DROP_STEPS_CYPHER, rows=drop).consume()
        if write:
            tx.run(REPLACE_STEPS_CYPHER, rows=write).consume()

    with driver.session(database=database) as graph_session:
        graph_session.execute_write(work)
    return len(want)
