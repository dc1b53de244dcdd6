"""What the query themes share: running reads under ``guard()``, effective proficiency, role requirements and the
proficiency-aware match (docs/graph.md, "Model" and "Queries")."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, LiteralString, TypeVar

from neo4j import Driver, ManagedTransaction
from sqlalchemy import select
from sqlalchemy.orm import Session

from graph import client
from graph.availability import guard
from graph.queries.results import PositionRef, RoleRef, SkillGap
from hcm.errors import Invalid
from hcm.org.models import EmployeeSkill, Skill
from hcm.org.rules import SOURCE_TRUST

T = TypeVar("T")

# docs/graph.md "Proficiency-aware match": the weight of a requirement's importance. A requirement without one
# counts as medium, the default of the table it comes from (position_skills.importance).
IMPORTANCE_WEIGHT: dict[str, int] = {"low": 1, "medium": 2, "high": 3}
IMPORTANCE_OF_WEIGHT: dict[int, str] = {w: name for name, w in IMPORTANCE_WEIGHT.items()}
DEFAULT_IMPORTANCE = "medium"
# docs/graph.md "Effective proficiency": the most trusted source first.
READINESS: tuple[str, ...] = ("ready_now", "ready_1_2", "ready_3_plus", "emergency")
MIN_LEVEL, MAX_LEVEL = 1, 5
MAX_LIMIT = 500  # rows any one query answers at most (hcm.paging.MAX_PAGE_SIZE)

# The weight of a REQUIRES or NEEDS edge ``q`` as Cypher (a fragment, not a statement: it ends in no _CYPHER).
IMPORTANCE_WEIGHT_EXPR: LiteralString = "CASE q.importance WHEN 'high' THEN 3 WHEN 'low' THEN 1 ELSE 2 END"

# The requirements of roles (docs/graph.md "Model", role requirements): stored on the role as NEEDS edges, derived
# from the database by graph.role_requirements (a skill required by at least half of the role's active positions,
# at the highest level any of them asks, with the highest importance any of them gives it), so asking is a lookup.
ROLE_REQUIREMENTS_CYPHER: LiteralString = (
    "UNWIND $roles AS role_key "
    "MATCH (r:Role {key: role_key})-[q:NEEDS]->(s:Skill) "
    "RETURN r.key AS role, s.key AS skill, s.name AS name, q.level AS level, "
    + IMPORTANCE_WEIGHT_EXPR + " AS weight, q.requiring AS requiring, q.positions AS positions"
)

# One person's skill levels, every source (the effective level is picked in Python: ``effective_levels``).
PERSON_SKILLS_CYPHER: LiteralString = (
    "MATCH (e:Employee {key: $employee}) "
    "OPTIONAL MATCH (e)-[h:HAS_SKILL]->(s:Skill) "
    "RETURN e.key AS employee, s.key AS skill, h.source AS source, h.level AS level"
)

DB_CHUNK = 5000  # people per database read of their skills


def check_limit(limit: int, *, field: str = "limit") -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"{field} must be a whole number between 1 and {MAX_LIMIT}", field=field)


def run_read(driver: Driver, database: str, work: Callable[[ManagedTransaction], T]) -> T:
    """``work(tx)`` in one read transaction (one snapshot for its several statements), under ``guard()``.

    ``execute_read`` may run ``work`` again on a transient error: it only reads. A server that is not there is
    found at once (``verify_connectivity``, well under a millisecond when it is there): inside ``execute_read``
    the driver would retry the connection for seconds before giving up, and a web request would wait for it."""
    with guard():
        driver.verify_connectivity()
        with driver.session(database=database) as session:
            return session.execute_read(work)


def read(driver: Driver, database: str, query: LiteralString, /, **params: Any) -> list[dict[str, Any]]:
    """The rows of one read query, under ``guard()`` (found down at once, like ``run_read``)."""
    with guard():
        driver.verify_connectivity()
        return client.read(driver, database, query, **params)


def rows(tx: ManagedTransaction, query: LiteralString, /, **params: Any) -> list[dict[str, Any]]:
    return [record.data() for record in tx.run(query, params)]


# --- values from the graph -------------------------------------------------------------------------
def as_int(value: Any) -> int | None:
    """A whole number stored in the graph (ArcadeDB and Neo4j may hand back 3 or 3.0), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def as_float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    f = float(value)
    return f if f == f and f not in (float("inf"), float("-inf")) else None


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def position_ref(key: Any, title: Any) -> PositionRef | None:
    return PositionRef(key=key, title=as_str(title)) if isinstance(key, str) else None


def role_ref(row: Mapping[str, Any], prefix: str) -> RoleRef | None:
    """A RoleRef from ``<prefix>key``, ``<prefix>family``, ``<prefix>grade``, ``<prefix>level`` columns."""
    key = row.get(f"{prefix}key")
    if not isinstance(key, str):
        return None
    return RoleRef(key=key, family=as_str(row.get(f"{prefix}family")), grade=as_str(row.get(f"{prefix}grade")),
                   level=as_int(row.get(f"{prefix}level")))


# --- proficiency and requirements ------------------------------------------------------------------
@dataclass(frozen=True)
class Requirement:
    skill: str
    name: str | None
    level: int
    importance: str  # low, medium, high

    @property
    def weight(self) -> int:
        return IMPORTANCE_WEIGHT[self.importance]


def effective_levels(rows_: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """skill -> the level of the most trusted source the person has (docs/graph.md "Effective proficiency").

    A source outside the three known ones is trusted least."""
    best: dict[str, tuple[int, int]] = {}
    for r in rows_:
        skill, level = r.get("skill"), as_int(r.get("level"))
        if not isinstance(skill, str) or level is None:
            continue
        source = r.get("source")
        trust = SOURCE_TRUST.index(source) if source in SOURCE_TRUST else len(SOURCE_TRUST)
        if skill not in best or trust < best[skill][0]:
            best[skill] = (trust, level)
    return {skill: level for skill, (_, level) in best.items()}


def levels_in_db(db: Session, employee_ids: Iterable[int], *, as_of: date | None = None,
                 skill_codes: Sequence[str] | None = None) -> dict[int, dict[str, int]]:
    """The same rule read from the database instead of the graph: employee id -> skill code -> effective level, from
    the records assessed by ``as_of`` (all when None), of ``skill_codes`` only when given; everyone asked has an
    entry (empty when nothing is known)."""
    wanted = sorted({int(e) for e in employee_ids})
    rows: dict[int, list[dict[str, Any]]] = {e: [] for e in wanted}
    for lo in range(0, len(wanted), DB_CHUNK):
        stmt = (select(EmployeeSkill.employee_id, Skill.code, EmployeeSkill.source, EmployeeSkill.level)
                .join(Skill, Skill.id == EmployeeSkill.skill_id)
                .where(EmployeeSkill.employee_id.in_(wanted[lo:lo + DB_CHUNK])))
        if as_of is not None:
            stmt = stmt.where(EmployeeSkill.assessed_on <= as_of)
        if skill_codes is not None:
            stmt = stmt.where(Skill.code.in_(list(skill_codes)))
        for emp, code, source, level in db.execute(stmt):
            rows[emp].append({"skill": code, "source": str(getattr(source, "value", source)), "level": level})
    return {e: effective_levels(r) for e, r in rows.items()}


def gap_of(req: Requirement, have: int | None) -> SkillGap:
    got = have or 0
    return SkillGap(skill=req.skill, name=req.name, need=req.level, importance=req.importance, have=have,
                    gap=max(0, req.level - got), met=min(got, req.level) / req.level)


def match_of(gaps: Sequence[SkillGap]) -> float:
    """The importance-weighted mean of ``met`` (no requirements: fully met)."""
    total = sum(IMPORTANCE_WEIGHT[g.importance] for g in gaps)
    if not total:
        return 1.0
    return sum(IMPORTANCE_WEIGHT[g.importance] * g.met for g in gaps) / total


def assess(requirements: Sequence[Requirement], levels: Mapping[str, int]) -> tuple[list[SkillGap], int, float]:
    """(per-requirement gaps, total gap in levels, match) of a person with ``levels`` against ``requirements``."""
    gaps = [gap_of(req, levels.get(req.skill)) for req in requirements]
    return gaps, sum(g.gap for g in gaps), match_of(gaps)


def role_requirements(tx: ManagedTransaction, roles: Iterable[str]) -> dict[str, list[Requirement]]:
    """role key -> its requirements (by skill key), for every role asked (none: an empty list)."""
    wanted = sorted(set(roles))
    out: dict[str, list[Requirement]] = {role: [] for role in wanted}
    if not wanted:
        return out
    for r in rows(tx, ROLE_REQUIREMENTS_CYPHER, roles=wanted):
        level = as_int(r["level"])
        if level is None or not MIN_LEVEL <= level <= MAX_LEVEL or r["role"] not in out:
            continue
        importance = IMPORTANCE_OF_WEIGHT.get(as_int(r["weight"]) or 0, DEFAULT_IMPORTANCE)
        out[r["role"]].append(Requirement(r["skill"], as_str(r["name"]), level, importance))
    for reqs in out.values():
        reqs.sort(key=lambda q: q.skill)
    return out


def person_levels(tx: ManagedTransaction, employee: str) -> dict[str, int] | None:
    """The person's effective levels, or None when no Employee has that key."""
    found = rows(tx, PERSON_SKILLS_CYPHER, employee=employee)
    if not found:
        return None
    return effective_levels(found)
