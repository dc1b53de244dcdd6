"""Suggested candidates for a key post against the graph server: the small known company of
tests/succession/analysis_company.py, projected into the graph by a rebuild, plus Eve on a second ENG/G3 post.

ENG-H (MGT/G3) requires LEAD 4 high, PY 3 medium, K8S 2 low. Lee holds it; Ana, Cat, Ben and Ivy (who left) are on
its slate: none of them is suggested. The talent search finds Dan (LEAD 4, PY 3, K8S 2: a full match); the career
steps find Eve, whose role ENG/G3 has a step to MGT/G3 (Lee took it after 30 months), with no skills (match 0)."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import Driver
from sqlalchemy.orm import Session

from graph.deps import GraphConnection, graph_connection
from graph.rebuild import rebuild
from hcm.org import service
from hcm.org.schemas import EmployeeIn, PositionIn
from succession.models import Nomination
from succession.service import suggest
from tests import factories
from tests.graph.fixtures import DATABASE
from tests.succession.analysis_company import Company, build

pytestmark = pytest.mark.graph


@pytest.fixture
def company(db: Session, graph: Driver) -> Company:
    c = build(db, ratings=False)
    eng_l = c.posts["ENG-L"]
    c.posts["ENG-A"] = service.create_position(db, data=PositionIn(
        code="ENG-A", title="Architect", department_id=eng_l.department_id, job_family_id=eng_l.job_family_id,
        grade_id=eng_l.grade_id, reports_to_id=c.posts["ENG-H"].id))
    c.people["Eve"] = service.hire(db, data=EmployeeIn(external_id="E-EVE", first_name="Eve", last_name="Test",
                                                       hire_date="2023-03-01", position_id=c.posts["ENG-A"].id))
    rebuild(graph, DATABASE, session=db)
    return c


def _suggest(db: Session, c: Company, graph: Driver, **kw: Any) -> Any:
    return suggest.suggestions(db, principal=c.principal("hr"), position_id=c.posts["ENG-H"].id, driver=graph,
                               database=DATABASE, **kw)


def test_suggestions_come_with_their_reasons_and_leave_out_the_slate(db: Session, graph: Driver,
                                                                    company: Company) -> None:
    c = company
    before = factories.count(db, Nomination)
    out = _suggest(db, c, graph)
    assert (out.position.code, out.requirements, out.predicted_readiness) == ("ENG-H", 3, False)
    assert [(s.employee.name, s.match) for s in out.suggestions] == [("Dan Test", 1.0), ("Eve Test", 0.0)]
    dan, eve = out.suggestions
    assert [(k.code, k.level, k.gap) for k in dan.skills] == [("K8S", 2, 0), ("LEAD", 4, 0), ("PY", 3, 0)]
    assert dan.step is None and dan.position is not None and dan.position.code == "SAL-1"
    assert dan.reasons == ["matches 100 % of the post's skills (Kubernetes 2/2, Leadership 4/4, Python 3/3)"]
    assert eve.step is not None and (eve.step.from_role, eve.step.to_role, eve.step.observed,
                                     eve.step.median_months) == ("ENG/G3", "MGT/G3", 1, 30.0)
    assert eve.reasons == ["matches 0 % of the post's skills",
                           "their role ENG/G3 has a career step to MGT/G3: taken 1 times (median 30 months in the role)"]
    assert out.suggestions[:1] == _suggest(db, c, graph, limit=1).suggestions
    assert factories.count(db, Nomination) == before  # never nominated automatically


def test_a_readiness_model_answers_through_the_hook(db: Session, graph: Driver, company: Company,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    c = company
    asked: list[Any] = []

    def model(db_: Session, *, position_id: int, employee_ids: list[int]) -> dict[int, str]:
        asked.append((position_id, employee_ids))
        return {c.people["Eve"].id: "ready_now"}

    monkeypatch.setattr(suggest, "readiness_models", lambda: [model])
    out = _suggest(db, c, graph)
    assert asked == [(c.posts["ENG-H"].id, sorted([c.people["Dan"].id, c.people["Eve"].id]))]
    assert out.predicted_readiness is True
    assert [(s.employee.name, s.predicted_readiness) for s in out.suggestions] == [("Eve Test", "ready_now"),
                                                                                  ("Dan Test", None)]
    assert out.suggestions[0].reasons[-1] == "predicted readiness: ready now"


def test_hr_and_executives_get_them_over_http(client: Any, app: Any, db: Session, graph: Driver,
                                              company: Company) -> None:
    c = company
    app.dependency_overrides[graph_connection] = lambda: GraphConnection(graph, DATABASE)
    for role in ("hr", "exec"):
        r = client.get(f"/api/succession/positions/{c.posts['ENG-H'].id}/suggestions", params={"limit": 5},
                       headers=c.headers(role))
        assert r.status_code == 200, (role, r.text)
        assert [s["employee"]["external_id"] for s in r.json()["suggestions"]] == ["E-DAN", "E-EVE"]
    for role in ("manager", "employee"):
        r = client.get(f"/api/succession/positions/{c.posts['ENG-H'].id}/suggestions", headers=c.headers(role))
        assert r.status_code == (404 if role == "manager" else 403), role
