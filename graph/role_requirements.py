"""The requirements of roles, derived from their positions' requirements and stored as ``NEEDS`` edges.

A skill is required by a role when at least half of the role's active positions require it
(``2 x requiring >= positions``), at the highest level any of them asks, with the highest importance any of them
gives it (none given counts as ``medium``). A role without active positions requires nothing. One edge
``(:Role)-[:NEEDS {level, importance, requiring, positions}]->(:Skill)`` per required skill (docs/graph.md,
"Role requirements").

Both the rebuild and the drain write exactly ``role_needs(session)``: the rebuild all of it, the drain the roles a
batch of ``position`` and ``requirement`` events can have changed (``touched_roles``, read from the graph before
the batch is applied), in the batch's own graph transaction (``replace_statements(session, roles)``). So the
graph never holds a batch without its roles' requirements: were the two written apart, a batch replayed after the
first write (the graph failing before the second, or the database commit failing) would find its positions
already moved and miss the roles they left.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import Driver
from sqlalchemy import and_, case, func, select, tuple_
from sqlalchemy.orm import Session

from graph import client
from graph.projection import EventLike, Statement
from hcm.org.events import role_key
from hcm.org.models import Grade, Importance, JobFamily, Position, PositionSkill, Skill

# The topics whose events can change a role's requirements: a position's role, its active flag or its existence
# (``position``) and a position's requirements (``requirement``). Codes never change (a job family's, a grade's,
# a skill's), the edges carry nothing of the skill but its key, and a skill in use cannot be deleted; so
# ``job_family``, ``grade`` and ``skill`` events cannot.
REQUIREMENT_TOPICS: frozenset[str] = frozenset({"position", "requirement"})

IMPORTANCE_OF_WEIGHT: dict[int, str] = {1: Importance.LOW.value, 2: Importance.MEDIUM.value, 3: Importance.HIGH.value}
_WEIGHT = case((PositionSkill.importance == Importance.HIGH, 3), (PositionSkill.importance == Importance.LOW, 1),
               else_=2)


@dataclass(frozen=True, order=True)
class Need:
    role: str
    skill: str
    level: int
    importance: str
    requiring: int  # the role's active positions that require the skill
    positions: int  # the role's active positions

    def props(self) -> dict[str, Any]:
        return {"level": self.level, "importance": self.importance, "requiring": self.requiring,
                "positions": self.positions}


def _role_ids(session: Session, roles: Iterable[str]) -> list[tuple[int, int]]:
    """(job family id, grade id) of each role key that names one (the catalogs are small)."""
    wanted = set(roles)
    families = session.execute(select(JobFamily.id, JobFamily.code)).all()
    grades = session.execute(select(Grade.id, Grade.code)).all()
    return sorted((fid, gid) for fid, family in families for gid, grade in grades
                  if role_key(family, grade) in wanted)


def role_needs(session: Session, roles: Iterable[str] | None = None) -> list[Need]:
    """Every role's requirements (``roles``: only those role keys), in two SQL aggregates: the active positions per
    role, and per role and skill the active positions requiring it with their highest level and importance."""
    where = [Position.is_active.is_(True), Position.job_family_id.is_not(None), Position.grade_id.is_not(None)]
    if roles is not None:
        ids = _role_ids(session, roles)
        if not ids:
            return []
        where.append(tuple_(Position.job_family_id, Position.grade_id).in_(ids))
    family, grade = Position.job_family_id, Position.grade_id
    posts = (select(family.label("family_id"), grade.label("grade_id"), func.count().label("n"))
             .where(*where).group_by(family, grade).subquery("posts"))
    asks = (select(family.label("family_id"), grade.label("grade_id"), PositionSkill.skill_id,
                   func.count().label("requiring"), func.max(PositionSkill.required_level).label("level"),
                   func.max(_WEIGHT).label("weight"))
            .join(PositionSkill, PositionSkill.position_id == Position.id)
            .where(*where).group_by(family, grade, PositionSkill.skill_id).subquery("asks"))
    stmt = (select(JobFamily.code, Grade.code, Skill.code, asks.c.level, asks.c.weight, asks.c.requiring, posts.c.n)
            .select_from(asks)
            .join(posts, and_(posts.c.family_id == asks.c.family_id, posts.c.grade_id == asks.c.grade_id))
            .join(JobFamily, JobFamily.id == asks.c.family_id).join(Grade, Grade.id == asks.c.grade_id)
            .join(Skill, Skill.id == asks.c.skill_id)
            .where(2 * asks.c.requiring >= posts.c.n))
    needs = []
    for family_code, grade_code, skill, level, weight, requiring, n in session.execute(stmt):
        key = role_key(family_code, grade_code)
        assert key is not None
        needs.append(Need(key, skill, int(level), IMPORTANCE_OF_WEIGHT[int(weight)], int(requiring), int(n)))
    return sorted(needs)


REPLACE_NEEDS_CYPHER: LiteralString = (
    "UNWIND $rows AS r MATCH (a:Role {key: r.role}) MATCH (b:Skill {key: r.skill}) "
    "MERGE (a)-[x:NEEDS]->(b) SET x.level = r.level, x.importance = r.importance, x.requiring = r.requiring, "
    "x.positions = r.positions")
# every role: the edges not kept go
DROP_STALE_NEEDS_CYPHER: LiteralString = (
    "MATCH (a:Role)-[x:NEEDS]->(b:Skill) WHERE NOT a.key + '|' + b.key IN $keep DELETE x")
# the roles named: their edges to skills not kept go
DROP_STALE_ROLE_NEEDS_CYPHER: LiteralString = (
    "UNWIND $roles AS q MATCH (a:Role {key: q.role})-[x:NEEDS]->(b:Skill) WHERE NOT b.key IN q.skills DELETE x")
# what a batch's positions were before it: their role and whether they were active
POSITIONS_BEFORE_CYPHER: LiteralString = (
    "UNWIND $keys AS k MATCH (p:Position {key: k}) OPTIONAL MATCH (p)-[:OF_ROLE]->(r:Role) "
    "RETURN p.key AS position, r.key AS role, p.active AS active")


def replace_statements(session: Session, roles: Iterable[str] | None = None) -> list[Statement]:
    """The statements that write ``role_needs`` over the graph's NEEDS edges (stale ones go): of every role, or
    only of ``roles`` (none: no statements)."""
    if roles is None:
        needs = role_needs(session)
        drop: Statement = (
            DROP_STALE_NEEDS_CYPHER, {"keep": [f"{n.role}|{n.skill}" for n in needs]})
    else:
        wanted = sorted(set(roles))
        if not wanted:
            return []
        needs = role_needs(session, wanted)
        keep: dict[str, list[str]] = {role: [] for role in wanted}
        for n in needs:
            keep[n.role].append(n.skill)
        drop = (DROP_STALE_ROLE_NEEDS_CYPHER, {"roles": [{"role": r, "skills": s} for r, s in keep.items()]})
    rows = [{"role": n.role, "skill": n.skill, **n.props()} for n in needs]
    return [drop, (REPLACE_NEEDS_CYPHER, {"rows": rows})]


def refresh(session: Session, driver: Driver, database: str, roles: Iterable[str] | None = None) -> None:
    """``replace_statements`` in one graph transaction."""
    client.write_batches(driver, database, replace_statements(session, roles))


# --- the drain: which roles a batch can have changed -------------------------------------------------------
def _requirement_position(event: EventLike) -> str:
    position = (event.payload or {}).get("position")
    return str(position) if position is not None else event.key.split("|")[0]


def touched_roles(driver: Driver, database: str, events: Sequence[EventLike]) -> set[str]:
    """The roles whose requirements ``events`` (applied in this order) can change, from the graph as it is before
    they are applied (one read, and only when they hold a ``position`` or ``requirement`` event).

    A position counts for the role it is of while it is active (its *counting role*; inactive or without a role:
    none). Its counting roles through the batch are the one the graph gives it, then one after each ``position``
    event (a delete: none): when they are not all the same, each of them is touched (the intermediate ones too:
    another batch's refresh may have read the database while the position was there). A ``requirement`` event
    touches the counting role of its position when that stays the same (none: nothing, as an inactive post's
    requirements count for nothing until a ``position`` event makes it count). Later events touch what they change
    in their own batches; each refresh derives the roles it is given from the database as it is then."""
    relevant = [e for e in events if e.topic in REQUIREMENT_TOPICS]
    if not relevant:
        return set()
    keys = sorted({e.key if e.topic == "position" else _requirement_position(e) for e in relevant})
    before: dict[str, tuple[str | None, bool]] = {
        r["position"]: (r["role"] if isinstance(r["role"], str) else None, r["active"] is True)
        for r in client.read(driver, database, POSITIONS_BEFORE_CYPHER, keys=keys)}
    states: dict[str, list[tuple[str | None, bool]]] = {}
    for e in relevant:
        if e.topic != "position":
            continue
        seq = states.setdefault(e.key, [before.get(e.key, (None, False))])
        if e.op == "delete":
            seq.append((None, False))
            continue
        role, active = seq[-1]
        payload = e.payload or {}
        if "role" in payload:  # as the projection does: a field left out leaves the graph's value
            role = payload["role"] if isinstance(payload["role"], str) and payload["role"] else None
        if "active" in payload:
            active = payload["active"] is True
        seq.append((role, active))
    counting = {key: {role if active else None for role, active in seq} for key, seq in states.items()}
    touched: set[str] = set()
    for roles in counting.values():
        if len(roles) > 1:
            touched.update(r for r in roles if r is not None)
    for e in relevant:
        if e.topic == "requirement":
            position = _requirement_position(e)
            role, active = before.get(position, (None, False))
            roles = counting.get(position, {role if active else None})
            if len(roles) == 1 and (only := next(iter(roles))) is not None:
                touched.add(only)
    return touched
