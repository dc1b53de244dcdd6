"""What the talent graph must hold, read straight from the tables: one row set per label and relationship type.

``hcm graph rebuild`` writes these sets into an empty graph; ``hcm graph check`` compares the graph with them.
The drain (``graph.sync``) reaches the same graph from outbox events, and the tests prove the two agree.

The platform's own sets are here; a module adds its own (performance: Employee scores and ratings; succession:
SUCCESSOR_FOR) by listing a ``Sources`` object under ``provides={"graph.sources": (...)}`` in its registration.
Every statement is a literal (no Cypher built from strings) so the Neo4j lint sees exactly what is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, LiteralString

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import Select

from graph.careers import career_steps
from graph.role_requirements import role_needs
from hcm import modules
from hcm.org.events import role_key
from hcm.org.models import (
    Department,
    Employee,
    EmployeeSkill,
    EmployeeStatus,
    Grade,
    JobFamily,
    Position,
    PositionSkill,
    Skill,
)
from hcm.org.service.catalog import related_families

Row = dict[str, Any]
RowsOf = Callable[[Session], Iterator[Row]]
CountOf = Callable[[Session], int] | None  # None: the set is derived, its size known once it is written
SOURCES_POINT = "graph.sources"
STREAM = 10_000  # rows fetched from the database at a time


@dataclass(frozen=True)
class NodeSet:
    """Nodes of one label: rows ``{"key", "props": {...}}``. ``props`` names what ``check`` compares."""

    label: LiteralString
    props: tuple[str, ...]
    rows: RowsOf
    count: CountOf
    write: LiteralString  # UNWIND $rows AS r MERGE (n:Label {key: r.key}) SET n += r.props
    read: LiteralString  # RETURN key, props for every node of the label
    load: LiteralString  # the rebuild's form, into an empty graph: UNWIND $rows AS r CREATE (n:Label) SET ...

    @property
    def name(self) -> str:
        return self.label


@dataclass(frozen=True)
class PropertySet:
    """Properties a module adds to nodes another set owns (performance's scores on Employee)."""

    label: LiteralString
    props: tuple[str, ...]
    rows: RowsOf
    count: CountOf
    write: LiteralString  # UNWIND $rows AS r MATCH (n:Label {key: r.key}) SET n += r.props

    @property
    def name(self) -> str:
        return f"{self.label}.{'/'.join(self.props)}"

    @property
    def load(self) -> LiteralString:  # the same over an empty graph's fresh nodes
        return self.write


@dataclass(frozen=True)
class EdgeSet:
    """Relationships of one type: rows ``{"from", "to", "props": {...}}``; ``identity`` are the props that tell two
    relationships between the same nodes apart (HAS_SKILL's ``source``)."""

    type: LiteralString
    props: tuple[str, ...]
    rows: RowsOf
    count: CountOf
    write: LiteralString  # the plain form: UNWIND $rows AS r MATCH (a ..) MATCH (b ..) MERGE (a)-[..]->(b) SET ..
    read: LiteralString  # RETURN from, to, props
    # The rebuild's form, into an empty graph: CREATE, not MERGE (nothing to find), over rows grouped by their
    # start node, ``{"from", "to": [{"key", "props"}, ...]}`` (``grouped``), so each start node is looked up once.
    load: LiteralString
    identity: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.type


@dataclass(frozen=True)
class Sources:
    nodes: tuple[NodeSet, ...] = ()
    properties: tuple[PropertySet, ...] = ()
    edges: tuple[EdgeSet, ...] = ()
    # a label's props that other sets add, so the check compares them too
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)


def stream(session: Session, stmt: Select[*tuple[Any, ...]]) -> Iterator[Any]:
    """Rows of a large select, fetched in chunks (server-side cursor on PostgreSQL), in the session's transaction.

    Core rows on the session's connection, not ``session.execute``: the statements name columns only, and the ORM's
    result processing of column rows took three quarters of the read (270,000 HAS_SKILL rows: 2.8 s -> 0.7 s)."""
    if session.autoflush:
        session.flush()  # what session.execute does first
    yield from session.connection().execute(stmt.execution_options(yield_per=STREAM))


def _count(stmt: Select[*tuple[Any, ...]]) -> Callable[[Session], int]:
    return lambda s: int(s.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


# --- the platform's sets ------------------------------------------------------------------------------
_DEPTS = select(Department.code, Department.name).order_by(Department.id)
_parent = aliased(Department)
_PARENTS = select(Department.code, _parent.code).join(_parent, _parent.id == Department.parent_id)
_FAMILIES = select(JobFamily.code, JobFamily.name).order_by(JobFamily.id)
_ROLES = (select(JobFamily.code, Grade.code, Grade.level).distinct()
          .select_from(Position).join(JobFamily, JobFamily.id == Position.job_family_id)
          .join(Grade, Grade.id == Position.grade_id))
_POSITIONS = select(Position.code, Position.title, Position.is_key, Position.is_active).order_by(Position.id)
_POS_DEPT = select(Position.code, Department.code).join(Department, Department.id == Position.department_id)
_boss = aliased(Position)
_POS_BOSS = select(Position.code, _boss.code).join(_boss, _boss.id == Position.reports_to_id)
_POS_ROLE = (select(Position.code, JobFamily.code, Grade.code)
             .join(JobFamily, JobFamily.id == Position.job_family_id).join(Grade, Grade.id == Position.grade_id))
_PEOPLE = select(Employee.external_id, Employee.first_name, Employee.last_name, Employee.status).order_by(Employee.id)
_HOLDS = (select(Employee.external_id, Position.code).join(Position, Position.id == Employee.position_id)
          .where(Employee.status == EmployeeStatus.ACTIVE))
_SKILLS = select(Skill.code, Skill.name, Skill.category).order_by(Skill.id)
_HAS_SKILL = (select(Employee.external_id, Skill.code, EmployeeSkill.level, EmployeeSkill.source)
              .join(Employee, Employee.id == EmployeeSkill.employee_id).join(Skill, Skill.id == EmployeeSkill.skill_id)
              .order_by(EmployeeSkill.employee_id, EmployeeSkill.skill_id, EmployeeSkill.source))  # grouped by person
_REQUIRES = (select(Position.code, Skill.code, PositionSkill.required_level, PositionSkill.importance)
             .join(Position, Position.id == PositionSkill.position_id).join(Skill, Skill.id == PositionSkill.skill_id)
             .order_by(PositionSkill.position_id, PositionSkill.skill_id))  # grouped by post


def _departments(s: Session) -> Iterator[Row]:
    for code, name in stream(s, _DEPTS):
        yield {"key": code, "props": {"name": name}}


def _families(s: Session) -> Iterator[Row]:
    for code, name in stream(s, _FAMILIES):
        yield {"key": code, "props": {"name": name}}


def _roles(s: Session) -> Iterator[Row]:
    for family, grade, level in sorted(stream(s, _ROLES)):
        yield {"key": role_key(family, grade), "props": {"family": family, "grade": grade, "level": level}}


def _positions(s: Session) -> Iterator[Row]:
    for code, title, is_key, active in stream(s, _POSITIONS):
        yield {"key": code, "props": {"title": title, "is_key": bool(is_key), "active": bool(active)}}


def _people(s: Session) -> Iterator[Row]:
    for ext, first, last, status in stream(s, _PEOPLE):
        yield {"key": ext, "props": {"name": f"{first} {last}", "status": EmployeeStatus(status).value}}


def _skills(s: Session) -> Iterator[Row]:
    for code, name, category in stream(s, _SKILLS):
        yield {"key": code, "props": {"name": name, "category": category}}


def _pairs(stmt: Select[*tuple[Any, ...]]) -> RowsOf:
    def rows(s: Session) -> Iterator[Row]:
        for a, b in stream(s, stmt):
            yield {"from": a, "to": b, "props": {}}
    return rows


def _of_role(s: Session) -> Iterator[Row]:
    for code, family, grade in stream(s, _POS_ROLE):
        yield {"from": code, "to": role_key(family, grade), "props": {}}


def _in_family(s: Session) -> Iterator[Row]:
    for row in _roles(s):
        yield {"from": row["key"], "to": row["props"]["family"], "props": {}}


def _related(s: Session) -> Iterator[Row]:
    code = dict(s.execute(select(JobFamily.id, JobFamily.code)).all())
    for fid, others in sorted(related_families(s).items()):
        for other in others:
            yield {"from": code[fid], "to": other, "props": {}}


def _has_skill(s: Session) -> Iterator[Row]:
    for ext, skill, level, source in stream(s, _HAS_SKILL):
        yield {"from": ext, "to": skill, "props": {"level": level, "source": str(getattr(source, "value", source))}}


def _requires(s: Session) -> Iterator[Row]:
    for pos, skill, level, importance in stream(s, _REQUIRES):
        yield {"from": pos, "to": skill,
               "props": {"level": level, "importance": str(getattr(importance, "value", importance))}}


def _related_count(s: Session) -> int:
    return sum(len(v) for v in related_families(s).values())


def _career_steps(s: Session) -> Iterator[Row]:
    for step in career_steps(s):
        yield {"from": step.source, "to": step.target, "props": step.props()}


def _role_needs(s: Session) -> Iterator[Row]:
    for need in role_needs(s):
        yield {"from": need.role, "to": need.skill, "props": need.props()}


CORE = Sources(
    nodes=(
        NodeSet("Department", ("name",), _departments, _count(_DEPTS),
                "UNWIND $rows AS r MERGE (n:Department {key: r.key}) SET n += r.props",
                "MATCH (n:Department) RETURN n.key AS key, properties(n) AS props",
                "UNWIND $rows AS r CREATE (n:Department) SET n = r.props, n.key = r.key"),
        NodeSet("JobFamily", ("name",), _families, _count(_FAMILIES),
                "UNWIND $rows AS r MERGE (n:JobFamily {key: r.key}) SET n += r.props",
                "MATCH (n:JobFamily) RETURN n.key AS key, properties(n) AS props",
                "UNWIND $rows AS r CREATE (n:JobFamily) SET n = r.props, n.key = r.key"),
        NodeSet("Role", ("family", "grade", "level"), _roles, _count(_ROLES),
                "UNWIND $rows AS r MERGE (n:Role {key: r.key}) SET n += r.props",
                "MATCH (n:Role) RETURN n.key AS key, properties(n) AS props",
                "UNWIND $rows AS r CREATE (n:Role) SET n = r.props, n.key = r.key"),
        NodeSet("Position", ("title", "is_key", "active"), _positions, _count(_POSITIONS),
                "UNWIND $rows AS r MERGE (n:Position {key: r.key}) SET n += r.props",
                "MATCH (n:Position) RETURN n.key AS key, properties(n) AS props",
                "UNWIND $rows AS r CREATE (n:Position) SET n = r.props, n.key = r.key"),
        NodeSet("Employee", ("name", "status"), _people, _count(_PEOPLE),
                "UNWIND $rows AS r MERGE (n:Employee {key: r.key}) SET n += r.props",
                "MATCH (n:Employee) RETURN n.key AS key, properties(n) AS props",
                "UNWIND $rows AS r CREATE (n:Employee) SET n = r.props, n.key = r.key"),
        NodeSet("Skill", ("name", "category"), _skills, _count(_SKILLS),
                "UNWIND $rows AS r MERGE (n:Skill {key: r.key}) SET n += r.props",
                "MATCH (n:Skill) RETURN n.key AS key, properties(n) AS props",
                "UNWIND $rows AS r CREATE (n:Skill) SET n = r.props, n.key = r.key"),
    ),
    edges=(
        EdgeSet("PART_OF", (), _pairs(_PARENTS), _count(_PARENTS),
                "UNWIND $rows AS r MATCH (a:Department {key: r.from}) MATCH (b:Department {key: r.to}) "
                "MERGE (a)-[:PART_OF]->(b)",
                "MATCH (a:Department)-[x:PART_OF]->(b:Department) RETURN a.key AS from, b.key AS to, "
                "properties(x) AS props",
                "UNWIND $rows AS r MATCH (a:Department {key: r.from}) UNWIND r.to AS t "
                "MATCH (b:Department {key: t.key}) CREATE (a)-[:PART_OF]->(b)"),
        EdgeSet("IN", (), _pairs(_POS_DEPT), _count(_POS_DEPT),
                "UNWIND $rows AS r MATCH (a:Position {key: r.from}) MATCH (b:Department {key: r.to}) "
                "MERGE (a)-[:IN]->(b)",
                "MATCH (a:Position)-[x:IN]->(b:Department) RETURN a.key AS from, b.key AS to, properties(x) AS props",
                "UNWIND $rows AS r MATCH (a:Position {key: r.from}) UNWIND r.to AS t "
                "MATCH (b:Department {key: t.key}) CREATE (a)-[:IN]->(b)"),
        EdgeSet("REPORTS_TO", (), _pairs(_POS_BOSS), _count(_POS_BOSS),
                "UNWIND $rows AS r MATCH (a:Position {key: r.from}) MATCH (b:Position {key: r.to}) "
                "MERGE (a)-[:REPORTS_TO]->(b)",
                "MATCH (a:Position)-[x:REPORTS_TO]->(b:Position) RETURN a.key AS from, b.key AS to, "
                "properties(x) AS props",
                "UNWIND $rows AS r MATCH (a:Position {key: r.from}) UNWIND r.to AS t "
                "MATCH (b:Position {key: t.key}) CREATE (a)-[:REPORTS_TO]->(b)"),
        EdgeSet("OF_ROLE", (), _of_role, _count(_POS_ROLE),
                "UNWIND $rows AS r MATCH (a:Position {key: r.from}) MATCH (b:Role {key: r.to}) "
                "MERGE (a)-[:OF_ROLE]->(b)",
                "MATCH (a:Position)-[x:OF_ROLE]->(b:Role) RETURN a.key AS from, b.key AS to, properties(x) AS props",
                "UNWIND $rows AS r MATCH (a:Position {key: r.from}) UNWIND r.to AS t "
                "MATCH (b:Role {key: t.key}) CREATE (a)-[:OF_ROLE]->(b)"),
        EdgeSet("IN_FAMILY", (), _in_family, _count(_ROLES),
                "UNWIND $rows AS r MATCH (a:Role {key: r.from}) MATCH (b:JobFamily {key: r.to}) "
                "MERGE (a)-[:IN_FAMILY]->(b)",
                "MATCH (a:Role)-[x:IN_FAMILY]->(b:JobFamily) RETURN a.key AS from, b.key AS to, "
                "properties(x) AS props",
                "UNWIND $rows AS r MATCH (a:Role {key: r.from}) UNWIND r.to AS t "
                "MATCH (b:JobFamily {key: t.key}) CREATE (a)-[:IN_FAMILY]->(b)"),
        EdgeSet("RELATED_TO", (), _related, _related_count,
                "UNWIND $rows AS r MATCH (a:JobFamily {key: r.from}) MATCH (b:JobFamily {key: r.to}) "
                "MERGE (a)-[:RELATED_TO]->(b)",
                "MATCH (a:JobFamily)-[x:RELATED_TO]->(b:JobFamily) RETURN a.key AS from, b.key AS to, "
                "properties(x) AS props",
                "UNWIND $rows AS r MATCH (a:JobFamily {key: r.from}) UNWIND r.to AS t "
                "MATCH (b:JobFamily {key: t.key}) CREATE (a)-[:RELATED_TO]->(b)"),
        EdgeSet("HOLDS", (), _pairs(_HOLDS), _count(_HOLDS),
                "UNWIND $rows AS r MATCH (a:Employee {key: r.from}) MATCH (b:Position {key: r.to}) "
                "MERGE (a)-[:HOLDS]->(b)",
                "MATCH (a:Employee)-[x:HOLDS]->(b:Position) RETURN a.key AS from, b.key AS to, properties(x) AS props",
                "UNWIND $rows AS r MATCH (a:Employee {key: r.from}) UNWIND r.to AS t "
                "MATCH (b:Position {key: t.key}) CREATE (a)-[:HOLDS]->(b)"),
        EdgeSet("HAS_SKILL", ("level", "source"), _has_skill, _count(_HAS_SKILL),
                "UNWIND $rows AS r MATCH (a:Employee {key: r.from}) MATCH (b:Skill {key: r.to}) "
                "MERGE (a)-[x:HAS_SKILL {source: r.props.source}]->(b) SET x.level = r.props.level",
                "MATCH (a:Employee)-[x:HAS_SKILL]->(b:Skill) RETURN a.key AS from, b.key AS to, properties(x) AS props",
                "UNWIND $rows AS r MATCH (a:Employee {key: r.from}) UNWIND r.to AS t "
                "MATCH (b:Skill {key: t.key}) CREATE (a)-[x:HAS_SKILL]->(b) SET x = t.props",
                identity=("source",)),
        EdgeSet("REQUIRES", ("level", "importance"), _requires, _count(_REQUIRES),
                "UNWIND $rows AS r MATCH (a:Position {key: r.from}) MATCH (b:Skill {key: r.to}) "
                "MERGE (a)-[x:REQUIRES]->(b) SET x += r.props",
                "MATCH (a:Position)-[x:REQUIRES]->(b:Skill) RETURN a.key AS from, b.key AS to, properties(x) AS props",
                "UNWIND $rows AS r MATCH (a:Position {key: r.from}) UNWIND r.to AS t "
                "MATCH (b:Skill {key: t.key}) CREATE (a)-[x:REQUIRES]->(b) SET x = t.props"),
        EdgeSet("CAREER_STEP", ("kind", "observed", "median_months"), _career_steps, None,  # derived: counted as written
                "UNWIND $rows AS r MATCH (a:Role {key: r.from}) MATCH (b:Role {key: r.to}) "
                "MERGE (a)-[x:CAREER_STEP]->(b) SET x += r.props",
                "MATCH (a:Role)-[x:CAREER_STEP]->(b:Role) RETURN a.key AS from, b.key AS to, properties(x) AS props",
                "UNWIND $rows AS r MATCH (a:Role {key: r.from}) UNWIND r.to AS t "
                "MATCH (b:Role {key: t.key}) CREATE (a)-[x:CAREER_STEP]->(b) SET x = t.props"),
        EdgeSet("NEEDS", ("level", "importance", "requiring", "positions"), _role_needs, None,  # derived
                "UNWIND $rows AS r MATCH (a:Role {key: r.from}) MATCH (b:Skill {key: r.to}) "
                "MERGE (a)-[x:NEEDS]->(b) SET x += r.props",
                "MATCH (a:Role)-[x:NEEDS]->(b:Skill) RETURN a.key AS from, b.key AS to, properties(x) AS props",
                "UNWIND $rows AS r MATCH (a:Role {key: r.from}) UNWIND r.to AS t "
                "MATCH (b:Skill {key: t.key}) CREATE (a)-[x:NEEDS]->(b) SET x = t.props"),
    ),
)

def all_sources() -> list[Sources]:
    """The platform's sets first, then every module's ``graph.sources``."""
    return [CORE, *modules.provided(SOURCES_POINT)]
