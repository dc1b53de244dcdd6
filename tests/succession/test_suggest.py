"""Suggested candidates without the graph: who may ask, the 404 before the graph is asked, and a graph that is
switched off or down is a 503 saying since when, never a shorter list. The suggestions themselves, from the
graph's talent search and the career steps, are tested against the graph server in
tests/graph/test_succession_suggest.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from graph import availability
from graph import client as graph_client
from graph.deps import GraphConnection, graph_connection
from graph.server import free_port
from succession.models import Nomination
from tests import factories
from tests.succession.analysis_company import Company, build, managers_see_plans_below

API = "/api/succession"


@pytest.fixture
def company(db: Session) -> Iterator[Company]:
    availability.reset()
    yield build(db, ratings=False)
    availability.reset()


def _get(client: Any, c: Company, user: str | None, post: int, **params: Any) -> Any:
    return client.get(f"{API}/positions/{post}/suggestions", params=params, headers=c.headers(user) if user else {})


def test_a_graph_switched_off_is_a_503_after_the_checks(client: Any, db: Session, company: Company) -> None:
    """The tests' app has the graph switched off: HR and executives get the 503 with since; the post is looked up
    first (unknown or out of scope: 404), and the roles without the permission are refused before either."""
    c = company
    eng_h, eng_l = c.posts["ENG-H"].id, c.posts["ENG-L"].id
    for role in ("hr", "exec"):
        r = _get(client, c, role, eng_h)
        assert r.status_code == 503, (role, r.text)
        body = r.json()
        assert body["error"] == "graph_unavailable" and "switched off" in body["detail"] and body["since"]
        assert r.headers["Retry-After"] == "30"
    r = _get(client, c, "hr", 987654321)
    assert (r.status_code, r.json()["field"]) == (404, "position_id")
    assert _get(client, c, "hr", eng_h, limit=0).status_code == 422
    assert _get(client, c, "employee", eng_h).status_code == 403
    assert _get(client, c, None, eng_h).status_code == 401
    # the manager: nothing below him until HR allows it, then the posts below him only
    assert _get(client, c, "manager", eng_l).status_code == 404
    managers_see_plans_below(db, True)
    assert _get(client, c, "manager", eng_l).status_code == 503
    assert _get(client, c, "manager", eng_h).status_code == 404


def test_an_unreachable_graph_is_a_503_and_nothing_is_nominated(client: Any, app: Any, db: Session,
                                                               company: Company) -> None:
    c = company
    dead = graph_client.make_driver(f"bolt://127.0.0.1:{free_port()}", "root", "nobody-listens")
    app.dependency_overrides[graph_connection] = lambda: GraphConnection(dead, "talent")
    try:
        before = factories.count(db, Nomination)
        first = _get(client, c, "hr", c.posts["ENG-H"].id)
        second = _get(client, c, "hr", c.posts["ENG-H"].id)
        assert first.status_code == second.status_code == 503
        assert first.json()["since"] == second.json()["since"]  # since the first failure, not each
        assert factories.count(db, Nomination) == before
    finally:
        dead.close()
