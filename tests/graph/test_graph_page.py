"""The talent graph's page as HR and leadership use it: bench figures and a talent search from the graph, the
graph down said with since when (a 503 page, never a 500), and the roles that may not see it kept out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver
from sqlalchemy.orm import Session

from graph import availability
from graph import client as graph_client
from graph.deps import GraphConnection, graph_connection
from graph.pages import parse_skills
from graph.rebuild import rebuild
from graph.server import free_port
from hcm.errors import Invalid
from hcm.org import service
from hcm.org.models import Importance, SkillSource
from hcm.org.schemas import EmployeeSkillIn, RequirementIn, SkillIn
from tests.graph.fixtures import DATABASE
from tests.web.helpers import attrs, logged_in

pytestmark = pytest.mark.graph


@pytest.fixture
def graph_app(app: Any, client: Any, graph: Driver, org: Any, db: Session) -> Iterator[Any]:
    """The small org, a skill two people hold, projected into the test graph the app asks."""
    py = service.create_skill(db, data=SkillIn(code="PY", name="Python"))
    hr = org.principal("hr")
    for who, level in (("alice", 4), ("bob", 2)):
        service.assess_skill(db, principal=hr, employee_id=org.people[who].id, skill_id=py.id,
                             data=EmployeeSkillIn(level=level, source=SkillSource.MANAGER, assessed_on="2026-01-05"))
    service.set_requirement(db, position_id=org.positions["ceo"].id, skill_id=py.id,
                            data=RequirementIn(required_level=3, importance=Importance.HIGH))
    db.flush()
    rebuild(graph, DATABASE, session=db)
    app.dependency_overrides[graph_connection] = lambda: GraphConnection(graph, DATABASE)
    availability.reset()
    yield app
    availability.reset()


def test_hr_sees_the_bench_and_searches_talent_by_proficiency(client: Any, graph_app: Any) -> None:
    c = logged_in(client, "hr")
    page = c.get("/graph")
    assert page.status_code == 200 and 'data-graph="up"' in page.text
    assert "key posts have a successor ready now" in page.text and "talent-search" in page.text
    found = c.get("/graph", params={"skills": "PY:4!"})
    assert found.status_code == 200
    rows = found.text.split('data-table="talent"')[1]
    # Alice has level 4 of the 4 needed (100%), Bob 2 of 4 (half met: 50%, a gap of 2 levels)
    assert rows.index("Alice") < rows.index("Bob") and "100%" in rows and "50%" in rows


def test_bad_search_input_is_said_on_the_page(client: Any, graph_app: Any) -> None:
    c = logged_in(client, "hr")
    unknown = c.get("/graph", params={"skills": "NOPE:3"})
    assert unknown.status_code == 404 and "NOPE" in unknown.text and "data-error" in unknown.text
    bad = c.get("/graph", params={"skills": "PY:9"})
    assert bad.status_code == 422 and "1-5" in bad.text
    assert c.get("/graph", params={"skills": "x" * 600}).status_code == 422
    with pytest.raises(Invalid):
        parse_skills("PY:high")
    assert parse_skills("PY:4!, SQL") == [("PY", 4, "high"), ("SQL", 3, "medium")]


def test_leadership_sees_the_bench_without_talent_search(client: Any, graph_app: Any) -> None:
    page = logged_in(client, "exec").get("/graph", params={"skills": "PY:4"})
    assert page.status_code == 200 and "talent-search" not in page.text and 'data-table="talent"' not in page.text
    assert "graph" in attrs(page.text, "data-nav")


@pytest.mark.parametrize("who", ["manager", "employee"])
def test_other_roles_may_not_open_it(client: Any, graph_app: Any, who: str) -> None:
    page = logged_in(client, who).get("/graph")
    assert page.status_code in (403, 404) and "Talent search" not in page.text
    assert "graph" not in attrs(page.text, "data-nav")


def test_a_graph_that_is_down_is_said_with_since_when(client: Any, app: Any, graph_app: Any) -> None:
    dead = graph_client.make_driver(f"bolt://127.0.0.1:{free_port()}", "root", "nobody-listens")
    app.dependency_overrides[graph_connection] = lambda: GraphConnection(dead, DATABASE)
    try:
        c = logged_in(client, "hr")
        page = c.get("/graph", params={"skills": "PY:4"})
        other = c.get("/people")  # a page that does not need the graph
    finally:
        dead.close()
    assert page.status_code == 503 and 'data-graph="unavailable"' in page.text
    assert "has not answered since" in page.text and "<time datetime=" in page.text
    assert other.status_code == 200


def test_a_graph_switched_off_is_said_plainly(client: Any, app: Any, graph_app: Any) -> None:
    app.dependency_overrides[graph_connection] = lambda: GraphConnection(None, DATABASE)
    page = logged_in(client, "hr").get("/graph", params={"skills": "PY:4"})
    assert page.status_code == 200 and 'data-graph="off"' in page.text and "HCM_GRAPH__ENABLED=false" in page.text
    assert "talent-search" not in page.text
