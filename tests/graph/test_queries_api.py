"""The graph API over HTTP with real tokens: the app's graph is the test server holding the small known company
(tests/graph/company.py) plus the people of the small org (tests/factories.py ``small_org``), whose users log
in. Who may ask what, the scope of a person's gaps, the 404s naming the key, the 422s and the 503."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver

from graph import availability
from graph import client as graph_client
from graph.deps import GraphConnection, graph_connection
from graph.server import free_port
from tests.graph.company import build_company
from tests.graph.fixtures import DATABASE

pytestmark = pytest.mark.graph

API = "/api/graph"
ROLES = ("hr", "exec", "manager", "employee")

# The small org's people in the graph, as the projection would write them (the org's posts are not the company's:
# nobody here holds one, which is all the vacancy chain needs to know). Alice and Dana have Python at 3 and 5.
SMALL_ORG_PEOPLE = """
MATCH (py:Skill {key: 'PY'})
CREATE (:Employee {key: 'X-CEO', name: 'Cora Chief', status: 'active'}),
       (:Employee {key: 'X-BOSS', name: 'Bruno Boss', status: 'active'}),
       (alice:Employee {key: 'X-ALICE', name: 'Alice Analyst', status: 'active'}),
       (:Employee {key: 'X-BOB', name: 'Bob Lead', status: 'active'}),
       (dana:Employee {key: 'X-DANA', name: 'Dana Clerk', status: 'active'}),
       (:Employee {key: 'X-CAROL', name: 'Carol Seller', status: 'active'}),
       (alice)-[:HAS_SKILL {level: 3, source: 'self'}]->(py),
       (dana)-[:HAS_SKILL {level: 5, source: 'assessment'}]->(py)
"""

SUCCESSION_GETS = ["/positions/CTO/successors", "/bench-strength", "/uncovered-key-positions",
                   "/single-points-of-failure", "/employees/X-BOSS/vacancy-chain"]
SEARCH = {"skills": [{"skill": "PY", "level": 4, "importance": "high"},
                     {"skill": "K8S", "level": 3, "importance": "medium"}]}


@pytest.fixture
def graph_app(app: Any, client: Any, graph: Driver, org: Any) -> Iterator[Any]:
    """The app's graph is the test server, with the company and the small org's people in it."""
    build_company(graph, DATABASE)  # ``client`` comes first: it clears the overrides after the test
    graph_client.write(graph, DATABASE, SMALL_ORG_PEOPLE)
    app.dependency_overrides[graph_connection] = lambda: GraphConnection(graph, DATABASE)
    availability.reset()
    yield app
    availability.reset()


@pytest.fixture
def headers(as_role: Any) -> dict[str, dict[str, str]]:
    return {role: as_role(role) for role in ROLES}


# --- who may ask what --------------------------------------------------------------------------------
def test_succession_answers_are_for_hr_and_executives(client: Any, graph_app: Any, headers: Any) -> None:
    for path in SUCCESSION_GETS:
        for role, status in {"hr": 200, "exec": 200, "manager": 403, "employee": 403}.items():
            r = client.get(API + path, headers=headers[role])
            assert r.status_code == status, (path, role, r.status_code, r.text)
    assert client.get(API + "/bench-strength").status_code == 401


def test_talent_search_is_hr_only(client: Any, graph_app: Any, headers: Any) -> None:
    for role, status in {"hr": 200, "exec": 403, "manager": 403, "employee": 403}.items():
        r = client.post(API + "/talent-search", json=SEARCH, headers=headers[role])
        assert r.status_code == status, (role, r.text)
    # the manager is refused for the route, before anything about the body is said
    assert client.post(API + "/talent-search", json={"skills": []}, headers=headers["manager"]).status_code == 403


def test_careers_answers_are_for_everyone_logged_in(client: Any, graph_app: Any, headers: Any) -> None:
    for role in ROLES:
        r = client.get(API + "/positions/PLAT-1/next-roles", headers=headers[role])
        assert r.status_code == 200 and [s["role"]["key"] for s in r.json()["steps"]] == ["MGT/G3", "SWE/G4",
                                                                                          "SWE/G2"], r.text
        r = client.get(API + "/paths", params={"from_role": "SWE/G3", "to_role": "MGT/G4"}, headers=headers[role])
        assert r.status_code == 200 and len(r.json()["paths"]) == 3, r.text
    assert client.get(API + "/positions/PLAT-1/next-roles").status_code == 401


# --- the answers, over HTTP --------------------------------------------------------------------------
def test_the_answers_are_the_queries_answers(client: Any, graph_app: Any, headers: Any) -> None:
    hr = headers["hr"]
    bench = client.get(API + "/bench-strength", headers=hr).json()
    assert [(b["position"]["key"], b["ready_now"], b["successors"], b["covered"], b["vacant"]) for b in bench] == [
        ("CTO", 1, 3, True, False), ("PLAT-H", 1, 3, True, False), ("SAL-H", 0, 2, False, True)]
    assert [u["position"]["key"] for u in client.get(API + "/uncovered-key-positions", headers=hr).json()] == ["SAL-H"]
    spof = client.get(API + "/single-points-of-failure", headers=hr).json()
    assert [(s["employee"]["key"], [p["key"] for p in s["posts"]]) for s in spof] == [("E-FAY", ["CTO", "PLAT-H"])]
    slate = client.get(API + "/positions/PLAT-H/successors", headers=hr).json()
    assert [s["employee"] for s in slate["successors"]] == ["E-ANA", "E-FAY", "E-IVY", "E-BEN"]
    # PY 4 high + K8S 3 medium over the company and the small org's people: Alice PY 3 -> 3 * 3/4 / 5 = 0.45,
    # Dana PY 5 -> 3 / 5 = 0.6 (tests/graph/test_queries.py has the company's own arithmetic)
    found = client.post(API + "/talent-search", json={**SEARCH, "limit": 10}, headers=hr).json()
    assert [(m["employee"]["key"], m["match"]) for m in found] == [
        ("E-ANA", 1.0), ("E-JON", 1.0), ("E-LEE", 0.85), ("E-CAT", pytest.approx(0.716667)), ("E-BEN", 0.7),
        ("E-DAN", 0.6), ("E-FAY", 0.6), ("X-DANA", 0.6), ("X-ALICE", 0.45), ("E-EVE", 0.3)]
    chain = client.get(API + "/employees/X-BOSS/vacancy-chain", params={"depth": 5}, headers=hr).json()
    assert chain == {"employee": {"key": "X-BOSS", "name": "Bruno Boss"}, "depth": 5, "steps": [],
                     "open_position": None}


# --- a person's gaps: oneself, one's reports, or anyone for HR ----------------------------------------
def _gaps(client: Any, headers: dict[str, str], employee: str) -> Any:
    return client.get(API + "/positions/PLAT-2/next-roles", params={"employee": employee}, headers=headers)


def test_gaps_for_oneself_ones_reports_or_anyone_for_hr(client: Any, graph_app: Any, headers: Any) -> None:
    allowed = {
        "employee": {"X-ALICE"},  # alice herself
        "manager": {"X-BOSS", "X-ALICE", "X-BOB", "X-DANA"},  # the boss and the reporting subtree
        "exec": {"X-CEO"},  # herself only: gaps are not an aggregate
        "hr": {"X-CEO", "X-BOSS", "X-ALICE", "X-BOB", "X-DANA", "X-CAROL"},
    }
    everyone = allowed["hr"]
    for role, mine in allowed.items():
        for person in everyone:
            r = _gaps(client, headers[role], person)
            if person in mine:
                assert r.status_code == 200, (role, person, r.text)
                assert r.json()["employee"] == person and all(s["gaps"] is not None for s in r.json()["steps"])
            else:
                assert r.status_code == 404, (role, person, r.status_code)
    # Alice (PY 3 self): SWE/G2 -> MGT/G3 needs K8S 3 and LEAD 4: gap 7; SWE/G3 ARCHI 3, K8S 3, PY 4 (1): gap 7;
    # SAL/G2 LEAD 2, NEGO 3: gap 5 -> SAL/G2 first, then MGT/G3 and SWE/G3 by observed (5 before 2)
    steps = _gaps(client, headers["employee"], "X-ALICE").json()["steps"]
    assert [(s["role"]["key"], s["gap"]) for s in steps] == [("SAL/G2", 5), ("SWE/G3", 7), ("MGT/G3", 7)]


def test_someone_out_of_scope_is_answered_like_nobody(client: Any, graph_app: Any, headers: Any) -> None:
    manager = headers["manager"]
    outside, nobody = _gaps(client, manager, "X-CAROL"), _gaps(client, manager, "X-NOBODY")
    assert outside.status_code == nobody.status_code == 404
    assert outside.json() == {"error": "not_found", "detail": "Employee with employee='X-CAROL' does not exist",
                              "field": "employee"}
    assert nobody.json() == {**outside.json(), "detail": outside.json()["detail"].replace("X-CAROL", "X-NOBODY")}
    r = client.get(API + "/paths", params={"position": "PLAT-2", "to_role": "MGT/G4", "employee": "X-CAROL"},
                   headers=manager)
    assert r.json() == outside.json()
    # the vacancy chain names a person too: an executive sees the key-post holders (and herself), not Alice
    assert client.get(API + "/employees/X-ALICE/vacancy-chain", headers=headers["exec"]).status_code == 404
    assert client.get(API + "/employees/X-ALICE/vacancy-chain", headers=headers["hr"]).status_code == 200


# --- unknown keys, odd input --------------------------------------------------------------------------
def test_an_unknown_key_is_a_404_naming_it(client: Any, graph_app: Any, headers: Any) -> None:
    hr = headers["hr"]
    cases = [
        (client.get(API + "/positions/NOPE-9/successors", headers=hr), "Position", "NOPE-9"),
        (client.get(API + "/positions/NOPE-9/next-roles", headers=hr), "Position", "NOPE-9"),
        (client.get(API + "/paths", params={"from_role": "XX/G9", "to_role": "MGT/G4"}, headers=hr), "Role", "XX/G9"),
        (client.get(API + "/paths", params={"from_role": "SWE/G3", "to_role": "XX/G9"}, headers=hr), "Role", "XX/G9"),
        (client.post(API + "/talent-search", json={"skills": [{"skill": "COBOL", "level": 2}]}, headers=hr), "Skill",
         "COBOL"),
        (client.post(API + "/talent-search", json={**SEARCH, "department": "NOPE-9"}, headers=hr), "Department",
         "NOPE-9"),
        (client.get(API + "/employees/X-NOBODY/vacancy-chain", headers=hr), "Employee", "X-NOBODY"),
    ]
    for r, kind, key in cases:
        assert r.status_code == 404, (kind, key, r.text)
        assert r.json()["error"] == "not_found" and kind in r.json()["detail"] and key in r.json()["detail"], r.text


def test_odd_input_is_a_422(client: Any, graph_app: Any, headers: Any) -> None:
    hr = headers["hr"]
    paths = {"from_role": "SWE/G3", "to_role": "MGT/G4"}
    refused = [
        client.post(API + "/talent-search", json={"skills": []}, headers=hr),
        client.post(API + "/talent-search", json={"skills": [{"skill": "PY", "level": 6}]}, headers=hr),
        client.post(API + "/talent-search", json={"skills": [{"skill": "PY", "level": 3, "importance": "vital"}]},
                    headers=hr),
        client.post(API + "/talent-search", json={"skills": [{"skill": "PY", "level": 3}] * 2}, headers=hr),
        client.post(API + "/talent-search", json={**SEARCH, "min_grade_level": 4, "max_grade_level": 3}, headers=hr),
        client.post(API + "/talent-search", json={**SEARCH, "limit": 0}, headers=hr),
        client.post(API + "/talent-search", json={**SEARCH, "min_score": "NaN"}, headers=hr),
        client.post(API + "/talent-search", json={"skills": [{"skill": "P Y", "level": 3}]}, headers=hr),
        client.get(API + "/paths", params={**paths, "max_steps": 5}, headers=hr),
        client.get(API + "/paths", params={**paths, "max_steps": 0}, headers=hr),
        client.get(API + "/paths", params={"to_role": "MGT/G4"}, headers=hr),
        client.get(API + "/paths", params={**paths, "position": "PLAT-1"}, headers=hr),
        client.get(API + "/paths", params={"from_role": "SWE/G3", "to_role": "SWE/G3"}, headers=hr),
        client.get(API + "/paths", params={**paths, "employee": "x" * 65}, headers=hr),
        client.get(API + "/employees/X-BOSS/vacancy-chain", params={"depth": 6}, headers=hr),
        client.get(API + "/single-points-of-failure", params={"min_posts": 0}, headers=hr),
        client.get(API + "/positions/PLAT-1/next-roles", params={"limit": 501}, headers=hr),
        client.get(API + "/positions/" + "P" * 65 + "/successors", headers=hr),
    ]
    for r in refused:
        assert r.status_code == 422, (r.request.url, r.text)
        assert r.json()["error"] == "invalid"
    assert "max_steps" in refused[8].text and "skills" in refused[0].text


# --- the graph down ------------------------------------------------------------------------------------
def test_an_unreachable_graph_is_a_503_saying_since_when(client: Any, app: Any, graph_app: Any,
                                                        headers: Any) -> None:
    dead = graph_client.make_driver(f"bolt://127.0.0.1:{free_port()}", "root", "nobody-listens")
    app.dependency_overrides[graph_connection] = lambda: GraphConnection(dead, DATABASE)
    try:
        first = client.get(API + "/bench-strength", headers=headers["hr"])
        second = client.post(API + "/talent-search", json=SEARCH, headers=headers["hr"])
    finally:
        dead.close()
    assert first.status_code == second.status_code == 503
    body = first.json()
    assert body["error"] == "graph_unavailable" and body["since"].endswith("Z") and body["since"] in body["detail"]
    assert second.json()["since"] == body["since"]  # since the first failure, not since each request
    assert first.headers["retry-after"] == str(availability.RETRY_AFTER_SECONDS)
    # still a 4xx for what is wrong with the request itself, whatever the graph's state
    assert client.get(API + "/paths", params={"to_role": "MGT/G4", "max_steps": 5},
                      headers=headers["hr"]).status_code == 422


def test_a_graph_switched_off_is_a_503_too(client: Any, app: Any, org: Any, as_role: Any) -> None:
    from hcm.settings import get_settings

    assert get_settings().graph.enabled is False  # tests/conftest.py: HCM_GRAPH__ENABLED=false
    availability.reset()
    try:
        r = client.get(API + "/bench-strength", headers=as_role("hr"))
        assert r.status_code == 503 and "since" in r.json() and "switched off" in r.json()["detail"]
    finally:
        availability.reset()


def test_no_graph_answer_carries_a_flight_risk_score(client: Any, graph_app: Any, graph: Driver, headers: Any) -> None:
    """Every Employee node holds a score (what ``ml.graph`` sends); no answer a role can reach shows it, an
    employee's own next steps included (issue 10: employees never see a risk score, not in the graph either)."""
    graph_client.write(graph, DATABASE,
                       "MATCH (e:Employee) SET e.flight_risk = 0.987654, e.flight_risk_band = 'high', "
                       "e.flight_risk_model = 'flight-risk-9'")
    gets = [*SUCCESSION_GETS, "/positions/PLAT-1/next-roles", "/positions/PLAT-2/next-roles?employee=X-ALICE",
            "/paths?from_role=SWE/G3&to_role=MGT/G4"]
    for role in ROLES:
        answers = [client.get(API + path, headers=headers[role]) for path in gets]
        answers.append(client.post(API + "/talent-search", json=SEARCH, headers=headers[role]))
        for r in answers:
            assert r.status_code in (200, 403, 404), (role, r.request.url, r.text)
            assert "flight" not in r.text and "0.987654" not in r.text and "flight-risk-9" not in r.text, (
                role, r.request.url)
    assert any(r.status_code == 200 for r in answers)
