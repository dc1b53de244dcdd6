"""graph.queries over the real Bolt server, on the small known company of tests/graph/company.py (read its
docstring first: the requirements, skills, successors and career steps every answer below is computed from)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver

from graph import availability, client
from graph import queries as Q
from graph.availability import GraphUnavailable
from graph.queries import careers, common, succession, talent
from graph.queries.careers import Step, best_paths
from graph.queries.common import ROLE_REQUIREMENTS_CYPHER, effective_levels, run_read
from graph.server import free_port
from hcm.errors import Invalid, NotFound
from tests.graph.company import build_company
from tests.graph.fixtures import DATABASE

pytestmark = pytest.mark.graph

PY_K8S = [("PY", 4, "high"), ("K8S", 3, "medium")]  # weights 3 and 2: the total weight is 5


@pytest.fixture
def company(graph: Driver) -> Driver:
    build_company(graph, DATABASE)
    return graph


@pytest.fixture(autouse=True)
def _fresh_availability() -> Iterator[None]:
    availability.reset()
    yield
    availability.reset()


# --- 1. successors -----------------------------------------------------------------------------------
def test_the_slate_of_a_position_by_rank_with_what_each_successor_holds(company: Driver) -> None:
    slate = Q.successors(company, DATABASE, position="PLAT-H")
    assert slate.position.key == "PLAT-H" and slate.position.title == "Head of Platform"
    assert slate.is_key and slate.active and slate.holder is not None and slate.holder.key == "E-LEE"
    # rank 1 Ana (ready_1_2), 2 Fay (ready_now), 3 Ivy (ready_now, but she has left), 4 Ben (ready_3_plus)
    assert [(s.employee, s.readiness, s.rank, s.status) for s in slate.successors] == [
        ("E-ANA", "ready_1_2", 1, "active"), ("E-FAY", "ready_now", 2, "active"),
        ("E-IVY", "ready_now", 3, "exited"), ("E-BEN", "ready_3_plus", 4, "active")]
    ana, fay, ivy, ben = slate.successors
    assert (ana.position.key if ana.position else None, ana.role) == ("PLAT-1", "SWE/G3")
    assert (ana.perf_score, ana.final_rating, ana.potential) == (82.5, 4.0, 3.0)
    assert (fay.position.key if fay.position else None, fay.role, fay.perf_score) == ("ARCH", "SWE/G4", 88.0)
    assert (ivy.position, ivy.role, ivy.final_rating) == (None, None, None)  # exited: holds nothing
    assert (ben.position.key if ben.position else None, ben.role) == ("PLAT-2", "SWE/G2")


def test_a_vacant_post_and_a_post_without_successors(company: Driver) -> None:
    sal_h = Q.successors(company, DATABASE, position="SAL-H")
    assert sal_h.holder is None and [(s.employee, s.rank) for s in sal_h.successors] == [("E-GUS", 1), ("E-HAL", 2)]
    sal_1 = Q.successors(company, DATABASE, position="SAL-1")
    assert not sal_1.is_key and sal_1.holder is not None and sal_1.holder.key == "E-GUS" and sal_1.successors == []


def test_an_unknown_position_is_not_found_by_its_key(company: Driver) -> None:
    with pytest.raises(NotFound) as exc:
        Q.successors(company, DATABASE, position="NOPE")
    assert exc.value.entity == "Position" and exc.value.key == "NOPE" and "NOPE" in exc.value.message


# --- 2. bench strength, 3. uncovered posts ---------------------------------------------------------------
def test_bench_strength_of_every_active_key_post(company: Driver) -> None:
    bench = {b.position.key: b for b in Q.bench_strength(company, DATABASE)}
    # OLD-1 is a key post but inactive: not on the bench.
    assert list(bench) == ["CTO", "PLAT-H", "SAL-H"]
    cto, plat_h, sal_h = bench["CTO"], bench["PLAT-H"], bench["SAL-H"]
    # CTO: Fay ready_now, Lee ready_1_2, Dan emergency -> 1 / 1 / 0 / 1, three successors
    assert (cto.holder and cto.holder.key, cto.vacant, cto.department) == ("E-KIM", False, "ENG")
    assert (cto.ready_now, cto.ready_1_2, cto.ready_3_plus, cto.emergency, cto.successors, cto.covered) == (
        1, 1, 0, 1, 3, True)
    # PLAT-H: Ana ready_1_2, Fay ready_now, Ben ready_3_plus; Ivy (ready_now) has left and does not count
    assert (plat_h.ready_now, plat_h.ready_1_2, plat_h.ready_3_plus, plat_h.emergency, plat_h.successors) == (
        1, 1, 1, 0, 3)
    assert plat_h.covered and plat_h.holder is not None and plat_h.holder.key == "E-LEE"
    # SAL-H: vacant; Gus ready_1_2, Hal ready_3_plus -> nobody ready now
    assert (sal_h.holder, sal_h.vacant, sal_h.ready_now, sal_h.ready_1_2, sal_h.ready_3_plus, sal_h.successors,
            sal_h.covered) == (None, True, 0, 1, 1, 2, False)


def test_uncovered_key_posts_are_the_ones_without_a_ready_now_successor(company: Driver) -> None:
    uncovered = Q.uncovered_key_positions(company, DATABASE)
    assert [(u.position.key, u.vacant, u.ready_now, u.successors) for u in uncovered] == [("SAL-H", True, 0, 2)]


def test_a_ready_now_successor_who_left_leaves_the_post_uncovered(company: Driver) -> None:
    # Fay off PLAT-H's slate: only Ivy (exited) is ready now there, so it is uncovered though it has a holder.
    client.write(company, DATABASE, "MATCH (:Employee {key: 'E-FAY'})-[s:SUCCESSOR_FOR]->(:Position {key: 'PLAT-H'}) "
                                    "DELETE s")
    uncovered = Q.uncovered_key_positions(company, DATABASE)
    assert [(u.position.key, u.vacant, u.ready_1_2, u.ready_3_plus, u.successors) for u in uncovered] == [
        ("PLAT-H", False, 1, 1, 2), ("SAL-H", True, 1, 1, 2)]


# --- 4. single points of failure ----------------------------------------------------------------------
def test_the_only_ready_now_successor_of_two_key_posts(company: Driver) -> None:
    spof = Q.single_points_of_failure(company, DATABASE)
    # CTO: ready now = {Fay}; PLAT-H: ready now = {Fay} (Ivy left) -> Fay, two posts
    assert [(s.employee.key, s.position.key if s.position else None, [p.key for p in s.posts]) for s in spof] == [
        ("E-FAY", "ARCH", ["CTO", "PLAT-H"])]
    assert spof[0].employee.name == "Fay Architect" and spof[0].posts[0].title == "Chief Technology Officer"


def test_single_points_of_failure_count_active_key_posts_only(company: Driver) -> None:
    # From one post up: still only Fay. Dan alone is ready for OLD-1 (a key post, inactive) and ARCH (not key),
    # Cat alone for PLAT-2 (not key); none of those counts.
    assert [s.employee.key for s in Q.single_points_of_failure(company, DATABASE, min_posts=1)] == ["E-FAY"]
    assert Q.single_points_of_failure(company, DATABASE, min_posts=3) == []
    with pytest.raises(Invalid):
        Q.single_points_of_failure(company, DATABASE, min_posts=0)


# --- 5. next roles ------------------------------------------------------------------------------------
def test_the_role_requirements_rule(company: Driver) -> None:
    def work(tx: Any) -> list[dict[str, Any]]:
        return [r.data() for r in tx.run(ROLE_REQUIREMENTS_CYPHER, {"roles": ["SWE/G2", "SWE/G3", "SAL/G2"]})]

    got = {(r["role"], r["skill"]): (r["level"], r["weight"], r["requiring"], r["positions"])
           for r in run_read(company, DATABASE, work)}
    assert got == {
        # SWE/G2: 3 active posts; PY in all 3, level max(3, 2, 3) = 3, importance max(medium, high, low) = high;
        # K8S (PLAT-2) and ARCHI (APPS-2) in 1 of 3, under half: not required
        ("SWE/G2", "PY"): (3, 3, 3, 3),
        # SWE/G3: 2 active posts (OLD-1 is inactive, so its NEGO does not count); PY in both: max(4, 4) = 4, high;
        # K8S (PLAT-1) and ARCHI (APPS-1) in 1 of 2 = half: required
        ("SWE/G3", "PY"): (4, 3, 2, 2), ("SWE/G3", "K8S"): (3, 2, 1, 2), ("SWE/G3", "ARCHI"): (3, 1, 1, 2),
        # SAL/G2: NEGO in both, max(3, 2) = 3, high; LEAD (SAL-2) in 1 of 2, low
        ("SAL/G2", "NEGO"): (3, 3, 2, 2), ("SAL/G2", "LEAD"): (2, 1, 1, 2),
    }


def test_the_companys_stored_role_requirements_follow_the_rule_from_its_posts(company: Driver) -> None:
    """The NEEDS edges written into tests/graph/company.py are the rule applied to its posts (here in Python over
    the graph's active posts and REQUIRES edges; graph.role_requirements derives them from the tables)."""
    posts: dict[str, list[str]] = {}
    for r in client.read(company, DATABASE, "MATCH (p:Position)-[:OF_ROLE]->(r:Role) WHERE p.active = true "
                                            "RETURN r.key AS role, p.key AS post"):
        posts.setdefault(r["role"], []).append(r["post"])
    asks: dict[str, dict[str, tuple[int, str]]] = {}
    for r in client.read(company, DATABASE, "MATCH (p:Position)-[q:REQUIRES]->(s:Skill) "
                                            "RETURN p.key AS post, s.key AS skill, q.level AS level, "
                                            "q.importance AS importance"):
        asks.setdefault(r["post"], {})[r["skill"]] = (r["level"], r["importance"])
    want = {}
    for role, members in posts.items():
        for skill in {s for p in members for s in asks.get(p, {})}:
            given = [asks[p][skill] for p in members if skill in asks.get(p, {})]
            if 2 * len(given) >= len(members):
                importance = max((i for _, i in given), key=common.IMPORTANCE_WEIGHT.__getitem__)
                want[(role, skill)] = {"level": max(lv for lv, _ in given), "importance": importance,
                                       "requiring": len(given), "positions": len(members)}
    stored = {(r["role"], r["skill"]): r["props"] for r in client.read(
        company, DATABASE, "MATCH (r:Role)-[n:NEEDS]->(s:Skill) RETURN r.key AS role, s.key AS skill, "
                           "properties(n) AS props")}
    assert stored == want and len(stored) == 14
    # what the queries read: the stored edges, by skill key; a role without any (or no such role) needs nothing
    client.write(company, DATABASE, "MATCH (:Role {key: 'SAL/G3'})-[n:NEEDS]->() DELETE n")
    got = run_read(company, DATABASE, lambda tx: common.role_requirements(tx, ["SWE/G4", "SAL/G3", "NO/G9"]))
    assert got == {"NO/G9": [], "SAL/G3": [],
                   "SWE/G4": [common.Requirement("ARCHI", "Architecture", 5, "high"),
                              common.Requirement("PY", "Python", 5, "high")]}


def test_next_roles_without_a_person_most_observed_first(company: Driver) -> None:
    nxt = Q.next_roles(company, DATABASE, position="PLAT-1")  # SWE/G3
    assert nxt.role is not None and nxt.role.key == "SWE/G3" and nxt.employee is None
    # SWE/G3 -> MGT/G3 lateral 3, -> SWE/G4 vertical 2, -> SWE/G2 down 1
    assert [(s.role.key, s.kind, s.observed, s.median_months, s.gap, s.gaps) for s in nxt.steps] == [
        ("MGT/G3", "lateral", 3, 30.0, None, None), ("SWE/G4", "vertical", 2, 36.0, None, None),
        ("SWE/G2", "down", 1, 6.0, None, None)]
    assert Q.next_roles(company, DATABASE, position="PLAT-1", limit=1).steps[0].role.key == "MGT/G3"


def test_next_roles_for_a_person_smallest_gap_first_then_most_observed(company: Driver) -> None:
    nxt = Q.next_roles(company, DATABASE, position="PLAT-2", employee="E-BEN")  # SWE/G2; Ben: PY 2 (manager), K8S 4
    # MGT/G3 needs K8S 3 medium (has 4: gap 0), LEAD 4 high (none: gap 4) -> gap 4, match (2*1 + 3*0)/5 = 0.4
    # SWE/G3 needs ARCHI 3 low (none: 3), K8S 3 medium (0), PY 4 high (has 2: 2) -> gap 5,
    #        match (1*0 + 2*1 + 3*2/4)/6 = 3.5/6 = 0.583333
    # SAL/G2 needs LEAD 2 low (2), NEGO 3 high (3) -> gap 5, match 0; ties SWE/G3 on gap, observed 1 < 5
    assert [(s.role.key, s.gap, s.observed) for s in nxt.steps] == [("MGT/G3", 4, 2), ("SWE/G3", 5, 5),
                                                                     ("SAL/G2", 5, 1)]
    assert [s.match for s in nxt.steps] == [pytest.approx(0.4), pytest.approx(3.5 / 6), pytest.approx(0.0)]
    swe3 = nxt.steps[1]
    assert swe3.gaps is not None
    assert [(g.skill, g.need, g.importance, g.have, g.gap) for g in swe3.gaps] == [
        ("ARCHI", 3, "low", None, 3), ("K8S", 3, "medium", 4, 0), ("PY", 4, "high", 2, 2)]
    assert swe3.gaps[2].met == pytest.approx(0.5)  # a level-4 requirement at level 2 counts half


def test_next_roles_unknown_keys_and_a_post_without_a_role(company: Driver) -> None:
    with pytest.raises(NotFound) as exc:
        Q.next_roles(company, DATABASE, position="NOPE")
    assert (exc.value.entity, exc.value.key) == ("Position", "NOPE")
    with pytest.raises(NotFound) as exc:
        Q.next_roles(company, DATABASE, position="PLAT-1", employee="E-NOBODY")
    assert (exc.value.entity, exc.value.key) == ("Employee", "E-NOBODY")
    client.write(company, DATABASE, "CREATE (:Position {key: 'NEW-1', title: 'New', is_key: false, active: true})")
    nxt = Q.next_roles(company, DATABASE, position="NEW-1")
    assert nxt.role is None and nxt.steps == []


# --- 6. paths -----------------------------------------------------------------------------------------
def test_paths_without_a_person_by_the_least_observed_step(company: Driver) -> None:
    found = Q.paths(company, DATABASE, from_role="SWE/G3", to_role="MGT/G4")
    # Simple paths of up to 3 steps: SWE/G3 -> SWE/G4 (2) -> MGT/G4 (1): min observed 1
    #                                SWE/G3 -> MGT/G3 (3) -> MGT/G4 (0, architecture): min 0, 2 steps
    #                                SWE/G3 -> SWE/G2 (1) -> MGT/G3 (2) -> MGT/G4 (0): min 0, 3 steps
    # (MGT/G3 -> SWE/G3 and SWE/G2 -> SWE/G3 would repeat the start)
    assert [[s.role.key for s in p.steps] for p in found.paths] == [
        ["SWE/G4", "MGT/G4"], ["MGT/G3", "MGT/G4"], ["SWE/G2", "MGT/G3", "MGT/G4"]]
    assert [(p.min_observed, p.total_observed, p.total_gap) for p in found.paths] == [(1, 3, None), (0, 3, None),
                                                                                       (0, 3, None)]
    assert found.from_role.key == "SWE/G3" and found.to_role.level == 4 and found.max_steps == 3
    assert [s.kind for s in found.paths[2].steps] == ["down", "vertical", "vertical"]
    two = Q.paths(company, DATABASE, from_role="SWE/G3", to_role="MGT/G4", max_steps=2)
    assert [[s.role.key for s in p.steps] for p in two.paths] == [["SWE/G4", "MGT/G4"], ["MGT/G3", "MGT/G4"]]
    assert Q.paths(company, DATABASE, from_role="SWE/G3", to_role="MGT/G4", max_steps=1).paths == []
    four = Q.paths(company, DATABASE, from_role="SWE/G3", to_role="MGT/G4", max_steps=4)
    assert len(four.paths) == 3  # no longer simple path exists


def test_paths_for_a_person_by_total_gap(company: Driver) -> None:
    found = Q.paths(company, DATABASE, position="PLAT-1", to_role="MGT/G4", employee="E-ANA")
    # Ana: PY 4 (assessment over self 5), K8S 3, LEAD 3. Her gap against each role:
    #   SWE/G4: ARCHI 5 (5) + PY 5 (1) = 6    MGT/G4: ARCHI 4 (4) + LEAD 5 (2) = 6
    #   MGT/G3: K8S 3 (0) + LEAD 4 (1) = 1    SWE/G2: PY 3 (0) = 0
    # -> via MGT/G3: 1 + 6 = 7; via SWE/G2, MGT/G3: 0 + 1 + 6 = 7 (one step longer); via SWE/G4: 6 + 6 = 12
    assert [([s.role.key for s in p.steps], p.total_gap) for p in found.paths] == [
        (["MGT/G3", "MGT/G4"], 7), (["SWE/G2", "MGT/G3", "MGT/G4"], 7), (["SWE/G4", "MGT/G4"], 12)]
    first = found.paths[0].steps[0]
    assert (first.from_role, first.gap) == ("SWE/G3", 1) and first.gaps is not None
    assert [(g.skill, g.have, g.gap) for g in first.gaps] == [("K8S", 3, 0), ("LEAD", 3, 1)]
    assert Q.paths(company, DATABASE, position="PLAT-1", to_role="MGT/G4", employee="E-ANA", limit=1).paths[0] \
        == found.paths[0]


def test_paths_refuse_odd_arguments(company: Driver) -> None:
    with pytest.raises(Invalid) as exc:
        Q.paths(company, DATABASE, from_role="SWE/G3", to_role="MGT/G4", max_steps=5)
    assert exc.value.field == "max_steps"
    with pytest.raises(Invalid):
        Q.paths(company, DATABASE, to_role="MGT/G4")  # neither from_role nor position
    with pytest.raises(Invalid):
        Q.paths(company, DATABASE, from_role="SWE/G3", position="PLAT-1", to_role="MGT/G4")
    with pytest.raises(Invalid):
        Q.paths(company, DATABASE, from_role="SWE/G3", to_role="SWE/G3")
    for kwargs, kind, key in [({"from_role": "XX/G9", "to_role": "MGT/G4"}, "Role", "XX/G9"),
                              ({"from_role": "SWE/G3", "to_role": "XX/G9"}, "Role", "XX/G9"),
                              ({"position": "NOPE", "to_role": "MGT/G4"}, "Position", "NOPE"),
                              ({"from_role": "SWE/G3", "to_role": "MGT/G4", "employee": "E-NOBODY"}, "Employee",
                               "E-NOBODY")]:
        with pytest.raises(NotFound) as nf:
            Q.paths(company, DATABASE, **kwargs)
        assert (nf.value.entity, nf.value.key) == (kind, key)


def test_best_first_search_agrees_with_enumerating_every_path() -> None:
    """On a dense random role graph, the best-first search answers what sorting every simple path answers."""
    import random

    rnd = random.Random(7)
    roles = [f"R{i}" for i in range(25)]
    steps = [Step(a, b, "lateral", rnd.choice([0, 0, 1, 2, 5, 9]), None)
             for a in roles for b in roles if a != b and rnd.random() < 0.25]
    gaps = {r: rnd.randint(0, 6) for r in roles}
    out: dict[str, list[Step]] = {}
    for s in steps:
        out.setdefault(s.source, []).append(s)

    def every(path: tuple[Step, ...], seen: tuple[str, ...]) -> Iterator[tuple[Step, ...]]:
        if path and path[-1].target == "R1":
            yield path
            return
        if len(path) == 4:
            return
        for s in out.get(seen[-1], []):
            if s.target not in seen:
                yield from every((*path, s), (*seen, s.target))

    def rank(p: tuple[Step, ...]) -> tuple[Any, ...]:
        return (sum(gaps[s.target] for s in p), -min(s.observed for s in p), len(p), ("R0", *(s.target for s in p)))

    expected = sorted(every((), ("R0",)), key=rank)[:15]
    assert len(expected) == 15
    asked: list[str] = []

    def gaps_for(roles: list[str]) -> dict[str, int]:
        asked.extend(roles)
        return {r: gaps[r] for r in roles}

    assert best_paths("R0", "R1", steps, max_steps=4, limit=15, gaps_for=gaps_for) == expected
    assert len(asked) == len(set(asked))  # each role's gap asked for once


def test_paths_search_a_few_hundred_roles_quickly() -> None:
    import random

    rnd = random.Random(11)
    roles = [f"R{i}" for i in range(400)]
    steps = [Step(a, b, "vertical", rnd.randint(0, 30), None) for a in roles for b in rnd.sample(roles, 25) if a != b]
    gaps = {r: rnd.randint(0, 12) for r in roles}
    started = time.perf_counter()
    found = best_paths("R0", "R1", steps, max_steps=4, limit=10, gaps_for=lambda roles: {r: gaps[r] for r in roles})
    found_plain = best_paths("R0", "R1", steps, max_steps=4, limit=10)
    took = time.perf_counter() - started
    assert len(found) == len(found_plain) == 10
    assert took < 2.0, took  # about 0.1 s on the CI machine


# --- 7. talent search ---------------------------------------------------------------------------------
def test_effective_proficiency_is_the_most_trusted_source() -> None:
    assert effective_levels([{"skill": "PY", "source": "self", "level": 5},
                             {"skill": "PY", "source": "assessment", "level": 4},
                             {"skill": "PY", "source": "manager", "level": 3},
                             {"skill": "K8S", "source": "self", "level": 2},
                             {"skill": "K8S", "source": "manager", "level": 4}]) == {"PY": 4, "K8S": 4}


def test_talent_search_ranks_active_people_by_proficiency_aware_match(company: Driver) -> None:
    found = Q.talent_search(company, DATABASE, skills=PY_K8S)
    # PY 4 high (weight 3), K8S 3 medium (weight 2); match = (3 * min(PY, 4)/4 + 2 * min(K8S, 3)/3) / 5
    #   Ana PY 4 (assessment), K8S 3 (manager)    (3 + 2) / 5          = 1.0     gaps 0 + 0
    #   Jon PY 4, K8S 3 (self; no post)           (3 + 2) / 5          = 1.0     gaps 0 + 0
    #   Lee PY 3 (self), K8S 3 (assessment)       (2.25 + 2) / 5       = 0.85    gaps 1 + 0
    #   Cat PY 3 (assessment), K8S 2 (manager)    (2.25 + 4/3) / 5     = 0.716667 gaps 1 + 1
    #   Ben PY 2 (manager), K8S 4 (self)          (1.5 + 2) / 5        = 0.7     gaps 2 + 0
    #   Dan PY 4 (manager)                        3 / 5                = 0.6     gaps 0 + 3
    #   Fay PY 5 (assessment)                     3 / 5                = 0.6     gaps 0 + 3
    #   Eve PY 2 (self)                           1.5 / 5              = 0.3     gaps 2 + 3
    # Ivy has both at 5 but has left; Kim, Gus and Hal have neither. Ties by key.
    assert [(m.employee.key, m.match, m.total_gap) for m in found] == [
        ("E-ANA", 1.0, 0), ("E-JON", 1.0, 0), ("E-LEE", 0.85, 1), ("E-CAT", pytest.approx(3.58333333 / 5), 2),
        ("E-BEN", 0.7, 2), ("E-DAN", 0.6, 3), ("E-FAY", 0.6, 3), ("E-EVE", 0.3, 5)]
    ben = found[4]
    assert [(s.skill, s.need, s.importance, s.have, s.gap) for s in ben.skills] == [
        ("PY", 4, "high", 2, 2), ("K8S", 3, "medium", 4, 0)]
    assert ben.skills[0].met == 0.5 and ben.skills[0].name == "Python"
    assert (ben.position and ben.position.key, ben.department, ben.role, ben.grade_level, ben.perf_score) == (
        "PLAT-2", "PLAT", "SWE/G2", 2, 64.0)
    jon = found[1]
    assert (jon.position, jon.department, jon.grade_level) == (None, None, None)
    dan = found[5]
    assert (dan.skills[1].have, dan.skills[1].gap, dan.skills[1].met) == (None, 3, 0.0)


@pytest.mark.parametrize("start", ["skills", "department"])
def test_talent_search_filters(company: Driver, start: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # A search by department starts from the skills' holders or from the department's posts, whichever reads
    # less (talent.EDGES_PER_PERSON): both must answer the same.
    monkeypatch.setattr(talent, "EDGES_PER_PERSON", 10**9 if start == "skills" else 1)
    ran: list[str] = []
    real_rows = talent.rows

    def spy(tx: Any, query: Any, /, **params: Any) -> list[dict[str, Any]]:
        ran.append(query)
        return real_rows(tx, query, **params)

    monkeypatch.setattr(talent, "rows", spy)

    def search(**kwargs: Any) -> list[str]:
        return [m.employee.key for m in Q.talent_search(company, DATABASE, skills=PY_K8S, **kwargs)]

    # the ENG subtree (ENG, PLAT, APPS): Jon holds no post
    assert search(department="ENG") == ["E-ANA", "E-LEE", "E-CAT", "E-BEN", "E-DAN", "E-FAY", "E-EVE"]
    assert search(department="PLAT") == ["E-ANA", "E-LEE", "E-CAT", "E-BEN"]
    assert search(department="SAL") == []
    # grade levels of the posts' roles: Ana 3, Lee 3, Cat 2, Ben 2, Dan 3, Fay 4, Eve 2
    assert search(min_grade_level=3) == ["E-ANA", "E-LEE", "E-DAN", "E-FAY"]
    assert search(max_grade_level=2) == ["E-CAT", "E-BEN", "E-EVE"]
    assert search(min_grade_level=3, max_grade_level=3) == ["E-ANA", "E-LEE", "E-DAN"]
    # scores: Ana 82.5, Jon 70, Lee 80, Cat 71, Ben 64, Dan 90, Fay 88, Eve 55
    assert search(min_score=80) == ["E-ANA", "E-LEE", "E-DAN", "E-FAY"]
    assert search(department="APPS", min_score=60) == ["E-DAN"]
    assert search(department="ENG", min_grade_level=3, limit=2) == ["E-ANA", "E-LEE"]
    assert search(limit=3) == ["E-ANA", "E-JON", "E-LEE"]
    by_department = talent.TALENT_SEARCH_IN_DEPARTMENTS_CYPHER in ran
    assert by_department == (start == "department")
    found = Q.talent_search(company, DATABASE, skills=PY_K8S, department="PLAT")
    assert [(m.employee.key, m.match, m.total_gap, m.department, m.grade_level) for m in found] == [
        ("E-ANA", 1.0, 0, "PLAT", 3), ("E-LEE", 0.85, 1, "PLAT", 3), ("E-CAT", pytest.approx(0.716667), 2, "PLAT", 2),
        ("E-BEN", 0.7, 2, "PLAT", 2)]


def test_one_low_importance_skill(company: Driver) -> None:
    found = Q.talent_search(company, DATABASE, skills=[("ARCHI", 5, "low")])
    # Fay 5 (manager) 5/5; Dan 4 (self) 4/5; Kim 4 (manager) 4/5; Eve 2 (assessment) 2/5
    assert [(m.employee.key, m.match, m.total_gap) for m in found] == [
        ("E-FAY", 1.0, 0), ("E-DAN", 0.8, 1), ("E-KIM", 0.8, 1), ("E-EVE", 0.4, 3)]


def test_talent_search_refuses_odd_arguments(company: Driver) -> None:
    for skills in ([], [("PY", 0, "high")], [("PY", 6, "high")], [("PY", 3, "urgent")], [("PY", 3, "low")] * 2,
                   [("PY", True, "low")]):
        with pytest.raises(Invalid) as exc:
            Q.talent_search(company, DATABASE, skills=skills)
        assert exc.value.field == "skills"
    with pytest.raises(Invalid):
        Q.talent_search(company, DATABASE, skills=PY_K8S, min_grade_level=4, max_grade_level=3)
    with pytest.raises(Invalid):
        Q.talent_search(company, DATABASE, skills=PY_K8S, min_score=float("nan"))
    with pytest.raises(Invalid):
        Q.talent_search(company, DATABASE, skills=PY_K8S, limit=0)
    with pytest.raises(NotFound) as nf:
        Q.talent_search(company, DATABASE, skills=[("PY", 3, "low"), ("COBOL", 2, "high")])
    assert (nf.value.entity, nf.value.key) == ("Skill", "COBOL")
    with pytest.raises(NotFound) as nf:
        Q.talent_search(company, DATABASE, skills=PY_K8S, department="NOPE")
    assert (nf.value.entity, nf.value.key) == ("Department", "NOPE")


def test_talent_search_starts_from_the_skills() -> None:
    """Both statements begin at the Skill nodes, found by key: no label scan of the employees."""
    for statement in (talent.TALENT_SEARCH_CYPHER, talent.TALENT_SEARCH_BY_POST_CYPHER):
        assert statement.startswith("UNWIND $requirements AS req MATCH (s:Skill {key: req.skill})<-[h:HAS_SKILL]-")


# --- 8. vacancy chain ---------------------------------------------------------------------------------
def chain(driver: Driver, employee: str, depth: int = 3) -> list[tuple[str, str | None, str | None]]:
    c = Q.vacancy_chain(driver, DATABASE, employee=employee, depth=depth)
    return [(s.position.key, s.filled_by.employee.key if s.filled_by else None,
             s.filled_by.readiness if s.filled_by else None) for s in c.steps]


def test_the_chain_a_departure_sets_off(company: Driver) -> None:
    # Kim leaves CTO -> Fay (ready_now, rank 1) moves up and opens ARCH -> Dan (ready_now 1) opens APPS-1 ->
    # Fay (rank 1) has moved already, so Jon (ready_now, rank 2), who holds no post: the chain ends, nothing open.
    full = Q.vacancy_chain(company, DATABASE, employee="E-KIM")
    assert chain(company, "E-KIM") == [("CTO", "E-FAY", "ready_now"), ("ARCH", "E-DAN", "ready_now"),
                                       ("APPS-1", "E-JON", "ready_now")]
    assert [s.is_key for s in full.steps] == [True, False, False] and full.open_position is None
    assert full.steps[0].filled_by is not None and full.steps[0].filled_by.from_position is not None
    assert (full.steps[0].filled_by.rank, full.steps[0].filled_by.from_position.key) == (1, "ARCH")
    assert full.steps[2].filled_by is not None and full.steps[2].filled_by.from_position is None
    # two steps deep, APPS-1 is what stays open
    short = Q.vacancy_chain(company, DATABASE, employee="E-KIM", depth=2)
    assert [s.position.key for s in short.steps] == ["CTO", "ARCH"]
    assert short.open_position is not None and short.open_position.key == "APPS-1"


def test_ready_now_before_rank_and_nobody_who_left(company: Driver) -> None:
    # Lee leaves PLAT-H: Ana is rank 1 but ready_1_2, Ivy ready_now but exited -> Fay (ready_now, rank 2)
    assert chain(company, "E-LEE", depth=1) == [("PLAT-H", "E-FAY", "ready_now")]
    # Fay leaves ARCH: Dan moves in; at APPS-1 Fay herself (rank 1) is the one who left -> Jon
    assert chain(company, "E-FAY") == [("ARCH", "E-DAN", "ready_now"), ("APPS-1", "E-JON", "ready_now")]


def test_a_chain_that_ends_uncovered(company: Driver) -> None:
    # Ben leaves PLAT-2: Cat moves in and opens PLAT-3, which has no successor
    c = Q.vacancy_chain(company, DATABASE, employee="E-BEN", depth=5)
    assert chain(company, "E-BEN", depth=5) == [("PLAT-2", "E-CAT", "ready_now"), ("PLAT-3", None, None)]
    assert c.open_position is not None and c.open_position.key == "PLAT-3" and c.depth == 5
    assert chain(company, "E-GUS") == [("SAL-1", None, None)]
    # someone who holds no post (between posts, or gone) opens nothing
    assert chain(company, "E-JON") == [] and chain(company, "E-IVY") == []


def test_the_chain_writes_nothing_and_refuses_odd_depths(company: Driver) -> None:
    before = client.read(company, DATABASE, "MATCH ()-[r]->() RETURN count(r) AS n")
    Q.vacancy_chain(company, DATABASE, employee="E-KIM", depth=5)
    assert client.read(company, DATABASE, "MATCH ()-[r]->() RETURN count(r) AS n") == before
    for depth in (0, 6):
        with pytest.raises(Invalid) as exc:
            Q.vacancy_chain(company, DATABASE, employee="E-KIM", depth=depth)
        assert exc.value.field == "depth"
    with pytest.raises(NotFound) as nf:
        Q.vacancy_chain(company, DATABASE, employee="E-NOBODY")
    assert (nf.value.entity, nf.value.key) == ("Employee", "E-NOBODY")


# --- availability -------------------------------------------------------------------------------------
def test_an_unreachable_graph_says_since_when(company: Driver) -> None:
    dead = client.make_driver(f"bolt://127.0.0.1:{free_port()}", "root", "nobody-listens")
    try:
        assert availability.status() == (True, None)
        with pytest.raises(GraphUnavailable) as first:
            Q.bench_strength(dead, DATABASE)
        with pytest.raises(GraphUnavailable) as second:
            Q.talent_search(dead, DATABASE, skills=PY_K8S)
        assert first.value.since == second.value.since  # since the first failure
        assert availability.status() == (False, first.value.since)
        assert first.value.status_code == 503 and "since" in first.value.to_dict()
        assert first.value.to_dict()["since"].endswith("Z") and "ServiceUnavailable" in first.value.message
    finally:
        dead.close()
    Q.bench_strength(company, DATABASE)  # the graph answers again: the failure is forgotten
    assert availability.status() == (True, None)


def test_every_query_runs_inside_the_guard() -> None:
    dead = client.make_driver(f"bolt://127.0.0.1:{free_port()}", "root", "nobody-listens")
    try:
        started = time.monotonic()
        calls = [
            lambda d: Q.successors(d, DATABASE, position="CTO"),
            lambda d: Q.bench_strength(d, DATABASE),
            lambda d: Q.uncovered_key_positions(d, DATABASE),
            lambda d: Q.single_points_of_failure(d, DATABASE),
            lambda d: Q.next_roles(d, DATABASE, position="PLAT-1", employee="E-ANA"),
            lambda d: Q.paths(d, DATABASE, from_role="SWE/G3", to_role="MGT/G4"),
            lambda d: Q.talent_search(d, DATABASE, skills=PY_K8S),
            lambda d: Q.vacancy_chain(d, DATABASE, employee="E-KIM"),
        ]
        for call in calls:
            with pytest.raises(GraphUnavailable):
                call(dead)
        assert time.monotonic() - started < 2  # found down at once, not after the driver's retries
    finally:
        dead.close()


def test_the_statements_are_literal_and_take_parameters_only() -> None:
    """Every *_CYPHER constant of the query modules names its inputs as $parameters: none is formatted in."""
    modules = (succession, talent, careers, common)
    statements = {name: value for m in modules for name, value in vars(m).items() if name.endswith("_CYPHER")}
    assert len(statements) >= 19
    for name, text in statements.items():
        for banned in ("apoc.", "CALL ", "elementId(", " id(", "$$"):
            assert banned not in text, (name, banned)
