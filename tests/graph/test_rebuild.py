"""The rebuild from the tables, the check against them, and the drain reaching the same graph: roles, job
families, career steps and role requirements with hand-checked figures, a random sequence of changes
(property-based), an interrupted rebuild and a graph server stopped in the middle of a drain."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from neo4j import Driver
from neo4j.exceptions import ConstraintError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from graph import client, role_requirements
from graph import rebuild as rebuild_mod
from graph.check import check
from graph.rebuild import rebuild
from graph.role_requirements import role_needs
from graph.server import GraphServer, ServerAdmin, free_port
from graph.sync import drain_outbox, pending_count
from graph.tasks import log_drift
from hcm.auth.models import Role
from hcm.errors import Conflict, Invalid
from hcm.org import service
from hcm.org.models import Employee, Importance, MoveReason, Position, Skill, SkillSource
from hcm.org.schemas import (
    DepartmentIn,
    DepartmentPatch,
    EmployeeIn,
    EmployeeSkillIn,
    GradeIn,
    GradePatch,
    JobFamilyIn,
    JobFamilyPatch,
    MoveIn,
    PositionIn,
    PositionPatch,
    RequirementIn,
    SkillIn,
)
from hcm.outbox import OutboxEvent
from hcm.policy import Principal
from tests.graph.fixtures import DATABASE, assert_clean

pytestmark = pytest.mark.graph

HR = Principal(user_id=0, username="hr", role=Role.HR_ADMIN, employee_id=None, position_id=None)


def dump(driver: Driver) -> tuple[set[Any], set[Any]]:
    """Every node (labels, properties) and relationship (ends, type, properties), comparable."""
    def frozen(props: dict[str, Any]) -> frozenset[Any]:
        return frozenset((k, tuple(v) if isinstance(v, list) else v) for k, v in props.items())

    nodes = {(tuple(sorted(r["l"])), frozen(r["p"]))
             for r in client.read(driver, DATABASE, "MATCH (n) RETURN labels(n) AS l, properties(n) AS p")}
    edges = {(r["a"], r["t"], r["b"], frozen(r["p"])) for r in client.read(
        driver, DATABASE, "MATCH (a)-[r]->(b) RETURN a.key AS a, type(r) AS t, b.key AS b, properties(r) AS p")}
    return nodes, edges


def steps(driver: Driver) -> dict[tuple[str, str], tuple[str, int, float | None]]:
    rows = client.read(driver, DATABASE, "MATCH (a:Role)-[s:CAREER_STEP]->(b:Role) "
                                         "RETURN a.key AS a, b.key AS b, s.kind AS k, s.observed AS o, "
                                         "s.median_months AS m")
    return {(r["a"], r["b"]): (r["k"], r["o"], r["m"]) for r in rows}


def move(db: Session, who: Employee, on: date, reason: MoveReason, to: Position | None = None) -> None:
    service.move(db, employee_id=who.id, data=MoveIn(reason=reason, effective_date=on,
                                                     position_id=to.id if to else None))


def company(db: Session) -> dict[str, Any]:
    """Three families (engineering and IT related), three grades, six careers with known dates."""
    fam = {c: service.create_job_family(db, data=JobFamilyIn(code=c, name=n))
           for c, n in (("ENG", "Engineering"), ("IT", "IT"), ("FIN", "Finance"))}
    service.update_job_family(db, job_family_id=fam["IT"].id, data=JobFamilyPatch(related=["ENG"]))
    grade = {lvl: service.create_grade(db, data=GradeIn(code=f"G{lvl}", name=f"Grade {lvl}", level=lvl,
                                                        pay_min=Decimal(1000 * lvl), pay_mid=Decimal(1100 * lvl),
                                                        pay_max=Decimal(1200 * lvl))) for lvl in (1, 2, 3)}
    co = service.create_department(db, data=DepartmentIn(code="CO", name="Company"))
    eng = service.create_department(db, data=DepartmentIn(code="ENGD", name="Engineering", parent_id=co.id))
    fin = service.create_department(db, data=DepartmentIn(code="FIND", name="Finance", parent_id=co.id))

    def post(code: str, family: str, level: int, dept: Any, boss: Position | None = None,
             key: bool = False) -> Position:
        return service.create_position(db, data=PositionIn(
            code=code, title=code, department_id=dept.id, job_family_id=fam[family].id,
            grade_id=grade[level].id, reports_to_id=boss.id if boss else None, is_key=key))

    p: dict[str, Position] = {}
    p["ENG3"] = post("ENG3", "ENG", 3, eng, key=True)
    for code, family, level, dept in (("ENG2", "ENG", 2, eng), ("ENG2b", "ENG", 2, eng), ("ENG1", "ENG", 1, eng),
                                      ("ENG1b", "ENG", 1, eng), ("IT2", "IT", 2, eng), ("FIN2", "FIN", 2, fin),
                                      ("FIN1", "FIN", 1, fin)):
        p[code] = post(code, family, level, dept, boss=p["ENG3"])

    def hire(ext: str, on: date, at: Position) -> Employee:
        return service.hire(db, data=EmployeeIn(external_id=ext, first_name=ext, last_name="Test", hire_date=on,
                                                position_id=at.id))

    a = hire("A", date(2020, 1, 1), p["ENG1"])
    b = hire("B", date(2020, 7, 1), p["ENG1b"])
    c = hire("C", date(2019, 1, 1), p["FIN2"])
    d = hire("D", date(2018, 1, 1), p["ENG3"])
    move(db, a, date(2021, 1, 1), MoveReason.PROMOTION, p["ENG2"])
    move(db, b, date(2022, 1, 1), MoveReason.PROMOTION, p["ENG2b"])
    move(db, a, date(2023, 1, 1), MoveReason.LATERAL, p["IT2"])
    move(db, c, date(2020, 1, 1), MoveReason.DEMOTION, p["FIN1"])
    move(db, d, date(2024, 1, 1), MoveReason.EXIT_VOLUNTARY)
    skill = service.create_skill(db, data=SkillIn(code="PY", name="Python", category="tech"))
    service.set_requirement(db, position_id=p["ENG3"].id, skill_id=skill.id,
                            data=RequirementIn(required_level=4, importance=Importance.HIGH))
    service.assess_skill(db, principal=HR, employee_id=b.id, skill_id=skill.id,
                         data=EmployeeSkillIn(level=3, source=SkillSource.MANAGER, assessed_on=date(2024, 2, 1)))
    db.flush()
    return {"fam": fam, "grade": grade, "dept": {"co": co, "eng": eng, "fin": fin}, "pos": p,
            "people": {"a": a, "b": b, "c": c, "d": d}, "skill": skill}


# Hand-checked: A 2020-01-01 -> 2021-01-01 is 366 days = 12.02 months, B 2020-07-01 -> 2022-01-01 is 549 days =
# 18.04 months (median 15.03); A's two years in ENG/G2 before IT are 730 days = 23.98 months; C's year in FIN/G2
# is 365 days = 11.99. D's exit is no step. The architecture adds the next grade in each family and the same
# grade in the related family, with observed 0.
EXPECTED_STEPS = {
    ("ENG/G1", "ENG/G2"): ("vertical", 2, 15.0),
    ("ENG/G2", "ENG/G3"): ("vertical", 0, None),
    ("ENG/G2", "IT/G2"): ("lateral", 1, 24.0),
    ("IT/G2", "ENG/G2"): ("lateral", 0, None),
    ("FIN/G2", "FIN/G1"): ("down", 1, 12.0),
    ("FIN/G1", "FIN/G2"): ("vertical", 0, None),
}


def test_drain_and_rebuild_give_the_same_graph_with_hand_checked_career_steps(db: Session, graph: Driver) -> None:
    company(db)
    drain_outbox(db, graph, DATABASE)
    assert pending_count(db) == 0
    assert steps(graph) == EXPECTED_STEPS
    roles = client.read(graph, DATABASE, "MATCH (p:Position {key: 'IT2'})-[:OF_ROLE]->(r:Role)-[:IN_FAMILY]->"
                                         "(f:JobFamily)-[:RELATED_TO]->(o:JobFamily) "
                                         "RETURN r.key AS r, r.level AS l, f.key AS f, o.key AS o")
    assert roles == [{"r": "IT/G2", "l": 2, "f": "IT", "o": "ENG"}]
    assert_clean(db, graph)
    drained = dump(graph)

    report = rebuild(graph, DATABASE, session=db, batch=3)  # small batches: several per set
    assert dump(graph) == drained
    assert report.rows["CAREER_STEP"] == len(EXPECTED_STEPS) and report.rows["Employee"] == 4
    assert_clean(db, graph)


def test_a_rebuild_that_recreates_the_bundled_database_gives_the_same_graph_and_the_driver_carries_on(
        db: Session, graph: Driver, graph_server: GraphServer) -> None:
    company(db)
    drain_outbox(db, graph, DATABASE)
    drained = dump(graph)
    client.write(graph, DATABASE, "CREATE (:Stray {key: 'left over'})")  # what a Cypher wipe would also remove
    steps: list[str] = []
    report = rebuild(graph, DATABASE, session=db, batch=2, admin=graph_server.admin(),
                     progress=lambda phase, done, total: steps.append(phase))
    assert steps[0] == "emptying the graph" and steps.count("emptying the graph") == 2  # one call, not batches
    assert dump(graph) == drained
    assert report.rows["HAS_SKILL"] == 1 and report.rows["CAREER_STEP"] == len(EXPECTED_STEPS)  # edges, not groups
    assert_clean(db, graph)
    # the database is new: its uniqueness constraints were made again, and the pooled connections still work
    with pytest.raises(ConstraintError):
        client.write(graph, DATABASE, "CREATE (:Skill {key: 'PY'})")


def test_a_server_that_refuses_to_recreate_its_database_is_emptied_in_batches_instead(
        db: Session, graph: Driver, caplog: pytest.LogCaptureFixture) -> None:
    company(db)
    client.write(graph, DATABASE, "CREATE (:Stray {key: 'left over'})")
    nowhere = ServerAdmin(f"http://127.0.0.1:{free_port()}", ("root", "not-the-password"), timeout=2.0)
    with caplog.at_level(logging.WARNING, logger="graph.rebuild"):
        rebuild(graph, DATABASE, session=db, admin=nowhere)
    assert "deleting its nodes in batches instead" in caplog.text
    assert_clean(db, graph)


def test_the_check_names_each_kind_of_drift(db: Session, graph: Driver) -> None:
    company(db)
    rebuild(graph, DATABASE, session=db)
    client.write(graph, DATABASE, "MATCH (p:Position {key: 'FIN1'}) SET p.title = 'Wrong'")
    client.write(graph, DATABASE, "MATCH (e:Employee {key: 'B'})-[h:HAS_SKILL]->() DELETE h")
    client.write(graph, DATABASE, "CREATE (:Skill {key: 'GHOST', name: 'Ghost'})")
    client.write(graph, DATABASE, "CREATE (:Stray {key: 'x'})")
    report = check(db, graph, DATABASE)
    assert not report.clean
    by_name = {s.name: s for s in report.sets}
    assert by_name["Position"].changed == ["FIN1: title db='FIN1' graph='Wrong'"]
    assert by_name["HAS_SKILL"].missing == ["B|PY|manager"] and by_name["HAS_SKILL"].actual == 0
    assert by_name["Skill"].extra == ["GHOST"] and by_name["Skill"].expected_checksum != by_name["Skill"].actual_checksum
    assert report.unknown == {":Stray": 1}
    assert by_name["Employee"].clean and by_name["CAREER_STEP"].clean


def test_the_periodic_check_logs_drift(db: Session, graph: Driver, caplog: pytest.LogCaptureFixture) -> None:
    company(db)
    rebuild(graph, DATABASE, session=db)
    with caplog.at_level(logging.INFO, logger="graph.tasks"):
        assert log_drift(check(db, graph, DATABASE)) is True
    assert "the talent graph equals the database" in caplog.text
    client.write(graph, DATABASE, "MATCH (p:Position {key: 'FIN1'}) DETACH DELETE p")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="graph.tasks"):
        assert log_drift(check(db, graph, DATABASE)) is False
    assert "talent graph drift" in caplog.text and "missing FIN1" in caplog.text


def test_the_career_refresh_writes_only_what_differs_and_mends_every_kind_of_difference(
        db: Session, graph: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    from neo4j import ManagedTransaction

    from graph import careers

    company(db)
    drain_outbox(db, graph, DATABASE)
    client.write(graph, DATABASE, "MATCH (:Role {key: 'ENG/G1'})-[x:CAREER_STEP]->(:Role {key: 'ENG/G2'}) "
                                  "SET x.observed = 7, x.median_months = null")  # changed
    client.write(graph, DATABASE, "MATCH (:Role {key: 'ENG/G2'})-[x:CAREER_STEP]->(:Role {key: 'IT/G2'}) DELETE x")
    client.write(graph, DATABASE, "MATCH (a:Role {key: 'FIN/G1'}) MATCH (b:Role {key: 'ENG/G1'}) "
                                  "CREATE (a)-[:CAREER_STEP {kind: 'lateral', observed: 0}]->(b)")  # stale
    client.write(graph, DATABASE, "MATCH (a:Role {key: 'FIN/G2'}) MATCH (b:Role {key: 'FIN/G1'}) "
                                  "CREATE (a)-[:CAREER_STEP {kind: 'down', observed: 1, median_months: 12.0}]->(b)")
    sent: list[tuple[str, Any]] = []
    real_run = ManagedTransaction.run

    def spy(self: ManagedTransaction, query: Any, parameters: Any = None, **kwargs: Any) -> Any:
        sent.append((query, {**(parameters or {}), **kwargs}))
        return real_run(self, query, parameters, **kwargs)

    monkeypatch.setattr(ManagedTransaction, "run", spy)
    assert careers.refresh(db, graph, DATABASE) == len(EXPECTED_STEPS)
    monkeypatch.setattr(ManagedTransaction, "run", real_run)
    pairs = {q: sorted((r["from"], r["to"]) for r in p.get("rows", [])) for q, p in sent}
    assert pairs[careers.DROP_STEPS_CYPHER] == [("FIN/G1", "ENG/G1"), ("FIN/G2", "FIN/G1")]  # stale, doubled
    assert pairs[careers.REPLACE_STEPS_CYPHER] == [("ENG/G1", "ENG/G2"), ("ENG/G2", "IT/G2"), ("FIN/G2", "FIN/G1")]
    assert steps(graph) == EXPECTED_STEPS
    assert client.read(graph, DATABASE, "MATCH (:Role)-[x:CAREER_STEP]->(:Role) RETURN count(x) AS n") == [
        {"n": len(EXPECTED_STEPS)}]  # the doubled FIN/G2 -> FIN/G1 is one edge again
    sent.clear()
    monkeypatch.setattr(ManagedTransaction, "run", spy)
    careers.refresh(db, graph, DATABASE)
    assert [q for q, _ in sent] == [careers.READ_STEPS_CYPHER]  # nothing differs: nothing written
    assert_clean(db, graph)


def test_a_post_in_a_new_role_or_a_role_losing_its_last_post_refreshes_the_career_steps(
        db: Session, graph: Driver) -> None:
    org = company(db)
    drain_outbox(db, graph, DATABASE)
    # FIN/G3 is a role no post had: the architecture now allows FIN/G2 -> FIN/G3 (no one's history changed)
    fin3 = service.create_position(db, data=PositionIn(code="FIN3", title="FIN3", department_id=org["dept"]["fin"].id,
                                                       job_family_id=org["fam"]["FIN"].id,
                                                       grade_id=org["grade"][3].id))
    drain_outbox(db, graph, DATABASE)
    assert steps(graph)[("FIN/G2", "FIN/G3")] == ("vertical", 0, None)
    assert_clean(db, graph)
    service.delete_position(db, position_id=fin3.id)  # its role goes, and the step with it
    drain_outbox(db, graph, DATABASE)
    assert steps(graph) == EXPECTED_STEPS
    assert_clean(db, graph)


def test_a_change_in_history_or_architecture_refreshes_career_steps_without_a_rebuild(
        db: Session, graph: Driver) -> None:
    org = company(db)
    drain_outbox(db, graph, DATABASE)
    # IT2 becomes a finance post: A's step from ENG/G2 now leads to FIN/G2, and IT/G2 (no post left) goes
    service.update_position(db, position_id=org["pos"]["IT2"].id,
                            data=PositionPatch(job_family_id=org["fam"]["FIN"].id))
    # engineering and finance become related; IT is no longer related to engineering
    service.update_job_family(db, job_family_id=org["fam"]["ENG"].id, data=JobFamilyPatch(related=["FIN"]))
    drain_outbox(db, graph, DATABASE)
    got = steps(graph)
    assert got[("ENG/G2", "FIN/G2")] == ("lateral", 1, 24.0)
    assert ("ENG/G2", "IT/G2") not in got and not any("IT/" in a + b for a, b in got)
    assert got[("FIN/G1", "ENG/G1")] == ("lateral", 0, None) and got[("ENG/G1", "FIN/G1")] == ("lateral", 0, None)
    # a grade that changes level changes the kind of the steps that reach it
    service.update_grade(db, grade_id=org["grade"][1].id, data=GradePatch(level=5))
    drain_outbox(db, graph, DATABASE)
    assert steps(graph)[("FIN/G2", "FIN/G1")][0] == "vertical"
    assert_clean(db, graph)


# --- role requirements --------------------------------------------------------------------------------------
def add_requirements(db: Session, org: dict[str, Any]) -> None:
    """Requirements for the roles to be derived from (EXPECTED_NEEDS), a third ENG/G1 post, and FIN2 inactive."""
    p = org["pos"]
    p["ENG1c"] = service.create_position(db, data=PositionIn(
        code="ENG1c", title="ENG1c", department_id=org["dept"]["eng"].id, job_family_id=org["fam"]["ENG"].id,
        grade_id=org["grade"][1].id, reports_to_id=p["ENG3"].id))
    py = org["skill"]
    sql = service.create_skill(db, data=SkillIn(code="SQL", name="SQL", category="tech"))
    org["sql"] = sql
    for post, skill, level, importance in (("ENG2", py, 3, Importance.MEDIUM), ("ENG2", sql, 2, Importance.LOW),
                                           ("ENG2b", py, 2, Importance.HIGH), ("ENG1", sql, 3, Importance.MEDIUM),
                                           ("ENG1c", sql, 1, Importance.HIGH), ("ENG1c", py, 5, Importance.HIGH),
                                           ("FIN2", sql, 4, Importance.LOW)):
        service.set_requirement(db, position_id=p[post].id, skill_id=skill.id,
                                data=RequirementIn(required_level=level, importance=importance))
    service.update_position(db, position_id=p["FIN2"].id, data=PositionPatch(is_active=False))
    db.flush()


# (role, skill) -> (level, importance, requiring, positions). ENG/G3: ENG3 alone asks PY 4 high. ENG/G2 (ENG2,
# ENG2b): PY in both, max(3, 2) = 3, max(medium, high) = high; SQL in 1 of 2 = half: required. ENG/G1 (ENG1,
# ENG1b, ENG1c): SQL in 2 of 3, max(3, 1) = 3, max(medium, high) = high; PY in 1 of 3, under half: not required.
# FIN/G2: FIN2 is inactive, so its SQL counts for nothing and the role has no active post: nothing. IT/G2, FIN/G1:
# nothing asked.
EXPECTED_NEEDS = {
    ("ENG/G3", "PY"): (4, "high", 1, 1),
    ("ENG/G2", "PY"): (3, "high", 2, 2), ("ENG/G2", "SQL"): (2, "low", 1, 2),
    ("ENG/G1", "SQL"): (3, "high", 2, 3),
}


def needs(driver: Driver) -> dict[tuple[str, str], tuple[str, str, int, int]]:
    rows = client.read(driver, DATABASE, "MATCH (a:Role)-[n:NEEDS]->(b:Skill) RETURN a.key AS a, b.key AS b, "
                                         "n.level AS l, n.importance AS i, n.requiring AS r, n.positions AS p")
    return {(r["a"], r["b"]): (r["l"], r["i"], r["r"], r["p"]) for r in rows}


def test_role_requirements_are_derived_from_the_tables_by_the_rule(db: Session, graph: Driver) -> None:
    org = company(db)
    add_requirements(db, org)
    derived = {(n.role, n.skill): (n.level, n.importance, n.requiring, n.positions) for n in role_needs(db)}
    assert derived == EXPECTED_NEEDS
    assert [(n.role, n.skill) for n in role_needs(db, ["ENG/G1", "FIN/G2", "NOPE/G1"])] == [("ENG/G1", "SQL")]
    assert role_needs(db, []) == [] and role_needs(db, ["NOPE/G1"]) == []
    drain_outbox(db, graph, DATABASE)
    assert needs(graph) == EXPECTED_NEEDS
    assert_clean(db, graph)
    drained = dump(graph)
    report = rebuild(graph, DATABASE, session=db)
    assert report.rows["NEEDS"] == len(EXPECTED_NEEDS) and dump(graph) == drained
    # every role at once, over edges gone wrong: the stale edge goes, the changed and the missing ones are right
    client.write(graph, DATABASE, "MATCH (a:Role {key: 'FIN/G1'}) MATCH (b:Skill {key: 'PY'}) CREATE (a)-[:NEEDS]->(b)")
    client.write(graph, DATABASE, "MATCH (:Role {key: 'ENG/G2'})-[n:NEEDS]->(:Skill {key: 'PY'}) SET n.level = 1")
    client.write(graph, DATABASE, "MATCH (:Role {key: 'ENG/G3'})-[n:NEEDS]->() DELETE n")
    assert not check(db, graph, DATABASE).clean
    role_requirements.refresh(db, graph, DATABASE)
    assert needs(graph) == EXPECTED_NEEDS
    assert_clean(db, graph)


def test_the_drain_keeps_the_role_requirements_exact(db: Session, graph: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    from graph import role_requirements as rr

    org = company(db)
    add_requirements(db, org)
    drain_outbox(db, graph, DATABASE)
    p, py, sql = org["pos"], org["skill"], org["sql"]
    refreshed: list[set[str]] = []
    real = rr.replace_statements

    def recorded(session: Session, roles: Any = None) -> Any:
        if roles != set():
            refreshed.append(set(roles) if roles is not None else {"*"})
        return real(session, roles)

    monkeypatch.setattr(rr, "replace_statements", recorded)

    # a requirement changes and one goes: ENG/G2's PY is now 5, at most medium (ENG2 medium, ENG2b low); SQL goes
    service.set_requirement(db, position_id=p["ENG2b"].id, skill_id=py.id,
                            data=RequirementIn(required_level=5, importance=Importance.LOW))
    service.remove_requirement(db, position_id=p["ENG2"].id, skill_id=sql.id)
    drain_outbox(db, graph, DATABASE)
    assert refreshed == [{"ENG/G2"}]  # only the role of the posts whose requirements changed
    want = {**EXPECTED_NEEDS, ("ENG/G2", "PY"): (5, "medium", 2, 2)}
    del want[("ENG/G2", "SQL")]
    assert needs(graph) == want

    # a post is deactivated: ENG/G1 has two active posts left; SQL is in ENG1 only (1 of 2), ENG1c's PY goes with it
    service.update_position(db, position_id=p["ENG1c"].id, data=PositionPatch(is_active=False))
    # a post of an inactive role changes its title: no role requirement can change, nothing is refreshed
    service.update_position(db, position_id=p["FIN2"].id, data=PositionPatch(title="Old finance post"))
    drain_outbox(db, graph, DATABASE, batch=1)
    assert refreshed[1:] == [{"ENG/G1"}]
    want[("ENG/G1", "SQL")] = (3, "medium", 1, 2)
    assert needs(graph) == want

    # a post changes role: ENG2 (PY 3 medium) becomes an IT post. ENG/G2 is ENG2b alone (PY 5 low); IT/G2 is IT2
    # (nothing asked) and ENG2: PY in 1 of 2, required
    service.update_position(db, position_id=p["ENG2"].id, data=PositionPatch(job_family_id=org["fam"]["IT"].id))
    drain_outbox(db, graph, DATABASE)
    assert refreshed[2:] == [{"ENG/G2", "IT/G2"}]
    want[("ENG/G2", "PY")] = (5, "low", 1, 1)
    want[("IT/G2", "PY")] = (3, "medium", 1, 2)
    assert needs(graph) == want

    # in one batch: the inactive FIN2 comes back (FIN/G2: SQL 4 low again) and ENG1 (SQL 3 medium) becomes a
    # finance post: ENG/G1 is left with ENG1b, which asks nothing; FIN/G1 is FIN1 and ENG1, SQL in 1 of 2
    service.update_position(db, position_id=p["FIN2"].id, data=PositionPatch(is_active=True))
    service.update_position(db, position_id=p["ENG1"].id, data=PositionPatch(job_family_id=org["fam"]["FIN"].id))
    drain_outbox(db, graph, DATABASE)
    assert refreshed[3:] == [{"FIN/G2", "ENG/G1", "FIN/G1"}]
    del want[("ENG/G1", "SQL")]
    want[("FIN/G2", "SQL")] = (4, "low", 1, 1)
    want[("FIN/G1", "SQL")] = (3, "medium", 1, 2)
    assert needs(graph) == want
    assert_clean(db, graph)

    # a batch the graph took whose database transaction then failed is replayed over it: ENG1 goes back to ENG.
    # The replay reads ENG1 from the graph as an ENG post already and touches nothing; the first attempt wrote the
    # requirements of the roles ENG1 left and joined in the events' own transaction.
    service.update_position(db, position_id=p["ENG1"].id, data=PositionPatch(job_family_id=org["fam"]["ENG"].id))
    attempt = db.begin_nested()
    drain_outbox(db, graph, DATABASE)
    attempt.rollback()
    assert pending_count(db) > 0
    drain_outbox(db, graph, DATABASE)
    assert refreshed[4:] == [{"ENG/G1", "FIN/G1"}]
    del want[("FIN/G1", "SQL")]
    want[("ENG/G1", "SQL")] = (3, "medium", 1, 2)
    assert needs(graph) == want
    assert_clean(db, graph)


# --- property: any sequence of changes, drained in any batch size, gives the rebuild's graph --------------------
OPS = st.lists(st.tuples(st.sampled_from(["move", "exit", "hire", "assess", "require", "unrequire", "key", "regrade",
                                          "refamily", "reboss", "relate", "reparent", "delete_skill", "level",
                                          "activate", "day", "open", "close"]),
                         st.integers(0, 10_000), st.integers(0, 10_000)), min_size=1, max_size=12)


def _apply(db: Session, org: dict[str, Any], op: str, x: int, y: int, day: list[date]) -> None:
    pos = list(org["pos"].values())
    people = [e for e in db.scalars(select(Employee).where(Employee.status == "active").order_by(Employee.id))]
    held = {e.position_id for e in people}
    free = [p for p in pos if p.id not in held and p.is_active]
    skills = list(db.scalars(select(Skill).order_by(Skill.id)))
    fams, grades = list(org["fam"].values()), list(org["grade"].values())
    day[0] = date.fromordinal(day[0].toordinal() + 40)
    if op == "day":  # a day of HR work: topics interleaved over a few people and posts, some of them twice
        for k in range(4):
            for step in ("assess", "move", "require", "key" if k == 2 else "assess"):
                _apply(db, org, step, x + k, y + 2 * k, day)
    elif op in ("move", "exit") and people:
        who = people[x % len(people)]
        if op == "exit" or not free:
            move(db, who, day[0], MoveReason.EXIT_VOLUNTARY)
        else:
            move(db, who, day[0], MoveReason.LATERAL, free[y % len(free)])
    elif op == "hire" and free:
        n = db.scalar(select(func.count(Employee.id))) or 0
        service.hire(db, data=EmployeeIn(external_id=f"N{n}", first_name="New", last_name=str(n), hire_date=day[0],
                                         position_id=free[x % len(free)].id))
    elif op == "assess" and people and skills:
        service.assess_skill(db, principal=HR, employee_id=people[x % len(people)].id,
                             skill_id=skills[y % len(skills)].id,
                             data=EmployeeSkillIn(level=1 + y % 5, source=list(SkillSource)[x % 3], assessed_on=day[0]))
    elif op == "require" and skills:
        service.set_requirement(db, position_id=pos[x % len(pos)].id, skill_id=skills[y % len(skills)].id,
                                data=RequirementIn(required_level=1 + x % 5, importance=list(Importance)[y % 3]))
    elif op == "unrequire":
        reqs = service.requirements(db, position_id=pos[x % len(pos)].id)
        if reqs:
            service.remove_requirement(db, position_id=pos[x % len(pos)].id, skill_id=reqs[y % len(reqs)].skill_id)
    elif op == "key":
        p = pos[x % len(pos)]
        service.update_position(db, position_id=p.id, data=PositionPatch(is_key=not p.is_key))
    elif op == "open":  # a post, maybe in a role no post has yet
        n = db.scalar(select(func.count(Position.id))) or 0
        org["pos"][f"NEW{n}"] = service.create_position(db, data=PositionIn(
            code=f"NEW{n}", title=f"New {n}", department_id=org["dept"]["fin"].id,
            job_family_id=fams[x % len(fams)].id, grade_id=grades[y % len(grades)].id))
    elif op == "close":  # refused while held, reported to or in anyone's history
        p = pos[x % len(pos)]
        refused(db, lambda: service.delete_position(db, position_id=p.id))
        if db.get(Position, p.id) is None:
            del org["pos"][p.code]
    elif op == "activate":
        p = pos[x % len(pos)]
        service.update_position(db, position_id=p.id, data=PositionPatch(is_active=not p.is_active))
    elif op == "regrade":
        service.update_position(db, position_id=pos[x % len(pos)].id,
                                data=PositionPatch(grade_id=grades[y % len(grades)].id if y % 4 else None))
    elif op == "refamily":
        service.update_position(db, position_id=pos[x % len(pos)].id,
                                data=PositionPatch(job_family_id=fams[y % len(fams)].id))
    elif op == "reboss":
        p, boss = pos[x % len(pos)], pos[y % len(pos)]
        refused(db, lambda: service.update_position(db, position_id=p.id, data=PositionPatch(reports_to_id=boss.id)))
    elif op == "relate":
        f = fams[x % len(fams)]
        others = [o.code for i, o in enumerate(fams) if o.id != f.id and (y >> i) & 1]
        service.update_job_family(db, job_family_id=f.id, data=JobFamilyPatch(related=others))
    elif op == "reparent":
        d = org["dept"]["fin"]
        parent = org["dept"]["eng"] if x % 2 else org["dept"]["co"]
        service.update_department(db, department_id=d.id, data=DepartmentPatch(parent_id=parent.id))
    elif op == "delete_skill" and skills:
        refused(db, lambda: service.delete_skill(db, skill_id=skills[x % len(skills)].id))
    elif op == "level":
        g = grades[x % len(grades)]
        service.update_grade(db, grade_id=g.id, data=GradePatch(level=g.level % 5 + 1))
    db.flush()


def refused(db: Session, change: Any) -> None:
    """A change the rules may refuse (a reporting cycle, a skill in use): refused, it writes nothing."""
    try:
        with db.begin_nested():
            change()
    except (Conflict, Invalid):
        pass


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(ops=OPS, batch=st.integers(1, 50))
def test_any_sequence_of_changes_drains_to_the_rebuilds_graph(db: Session, graph: Driver, ops: list[Any],
                                                              batch: int) -> None:
    client.write(graph, DATABASE, "MATCH (n) DETACH DELETE n")
    savepoint = db.begin_nested()
    try:
        org = company(db)
        add_requirements(db, org)  # roles with requirements for the changes to change
        drain_outbox(db, graph, DATABASE, batch=batch)
        day = [date(2025, 1, 1)]
        for op, x, y in ops:
            _apply(db, org, op, x, y, day)
        drain_outbox(db, graph, DATABASE, batch=batch)
        assert pending_count(db) == 0
        drained = dump(graph)
        assert_clean(db, graph)
        rebuild(graph, DATABASE, session=db)
        assert dump(graph) == drained
    finally:
        savepoint.rollback()


# --- faults -------------------------------------------------------------------------------------------------
def test_an_interrupted_rebuild_leaves_the_outbox_alone_and_a_second_one_is_exact(
        db: Session, graph: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    company(db)
    real = client.write_batches
    calls = {"n": 0}

    def dies_half_way(driver: Driver, database: str, statements: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 8:
            raise OSError("the rebuild process was killed")
        real(driver, database, statements)

    monkeypatch.setattr(rebuild_mod.client, "write_batches", dies_half_way)
    savepoint = db.begin_nested()
    with pytest.raises(OSError):
        rebuild(graph, DATABASE, session=db, batch=2)
    savepoint.rollback()  # what the rebuild's own unit of work does when it fails
    assert not check(db, graph, DATABASE).clean  # half a graph
    assert pending_count(db) > 0  # nothing was marked: the drain could still catch up
    monkeypatch.setattr(rebuild_mod.client, "write_batches", real)

    report = rebuild(graph, DATABASE, session=db, batch=2)
    assert_clean(db, graph)
    assert pending_count(db) == 0 and report.outbox_marked > 0
    assert report.outbox_mark == db.scalar(select(func.max(OutboxEvent.id)))


def test_events_after_the_rebuild_read_are_drained_over_it(db: Session, graph: Driver) -> None:
    org = company(db)
    rebuild(graph, DATABASE, session=db)
    move(db, org["people"]["b"], date(2025, 3, 1), MoveReason.EXIT_VOLUNTARY)
    assert pending_count(db) == 2  # the person and their career history, newer than the rebuild's mark
    drain_outbox(db, graph, DATABASE)
    assert_clean(db, graph)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # the graph's fault; either database would do
def test_a_graph_server_stopped_in_the_middle_of_a_drain_loses_nothing(
        db: Session, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server of its own, stopped after the second batch reached it; after a restart on the same data the next
    drain leaves the graph equal to the database."""
    server = GraphServer(tmp_path / "graph", database=DATABASE, password="stop-start-pass", heap="256m",
                         startup_timeout=60, stop_timeout=2)
    server.start()
    driver = client.make_driver(server.uri, *server.auth, max_transaction_retry_time=1.0)
    try:
        company(db)
        import graph.sync as sync_mod

        real = sync_mod.apply_events
        seen = {"n": 0}

        def then_stop(drv: Driver, database: str, events: Any, **kw: Any) -> int:
            seen["n"] += 1
            n = real(drv, database, events, **kw)
            if seen["n"] == 2:
                server.stop()
            return n

        monkeypatch.setattr(sync_mod, "apply_events", then_stop)
        total = pending_count(db)
        applied = drain_outbox(db, driver, DATABASE, batch=5)
        assert 0 < applied < total and pending_count(db) == total - applied
        failed = db.scalars(select(OutboxEvent).where(OutboxEvent.attempts > 0)).all()
        assert failed and all(e.processed_at is None and e.last_error for e in failed)

        monkeypatch.setattr(sync_mod, "apply_events", real)
        server.start()
        driver.close()
        driver = client.make_driver(server.uri, *server.auth)
        drain_outbox(db, driver, DATABASE, batch=5)
        assert pending_count(db) == 0
        assert_clean(db, driver)
    finally:
        driver.close()
        server.stop()


def test_a_long_drain_derives_the_career_steps_once_and_still_exactly(
        db: Session, graph: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    from graph import careers as careers_mod

    company(db)  # career events spread over the whole outbox
    real = careers_mod.refresh
    calls: list[int] = []

    def counted(session: Session, driver: Driver, database: str) -> int:
        calls.append(1)
        return real(session, driver, database)

    monkeypatch.setattr(careers_mod, "refresh", counted)
    drain_outbox(db, graph, DATABASE, batch=3)  # many batches, several of them holding a career event
    assert len(calls) == 1 and steps(graph) == EXPECTED_STEPS
    assert_clean(db, graph)
