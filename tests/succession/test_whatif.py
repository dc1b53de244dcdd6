"""The vacancy what-if on the small known company (tests/succession/analysis_company.py), hand-checked: a three-step
chain, departures whose chains cross, two posts wanting one person at once, uncovered posts with their interim,
key posts exposed; the refusals (depth over the limit, unknown people named, people who have left); nothing
written; who may ask."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hcm.errors import Invalid, NotFound
from hcm.outbox import OutboxEvent
from succession.models import (
    DevelopmentAction,
    Nomination,
    Readiness,
    ReadinessChange,
    SuccessionAudit,
    SuccessionPlan,
)
from succession.schemas_analysis import WhatIfOut
from succession.service import whatif
from tests import factories
from tests.succession.analysis_company import Company, build, nominate

NOBODY = 987_654_321


@pytest.fixture
def company(db: Session) -> Company:
    return build(db, ratings=False)


def _run(db: Session, c: Company, *names: str, depth: int = 3, who: str = "hr") -> WhatIfOut:
    return whatif.what_if(db, principal=c.principal(who), employee_ids=[c.people[n].id for n in names], depth=depth)


def _steps(out: WhatIfOut, chain: int = 0) -> list[tuple[Any, ...]]:
    return [(s.step, s.position.code, s.vacated_by.name, s.filled_by.employee.name if s.filled_by else None,
             s.filled_by.readiness.value if s.filled_by else None, s.readiness_gap, s.uncovered)
            for s in out.chains[chain].steps]


def test_a_three_step_chain(db: Session, company: Company) -> None:
    """Kim leaves the CEO post: Lee (ready now) moves up, Ana (ready now; Ivy, ranked below her, has left anyway)
    takes ENG-H, Ben (ready in 1-2 years) takes ENG-L - a readiness gap - and his ENG-1 opens beyond depth 3."""
    out = _run(db, company, "Kim")
    assert _steps(out) == [
        (1, "CEO", "Kim Test", "Lee Test", "ready_now", False, None),
        (2, "ENG-H", "Lee Test", "Ana Test", "ready_now", False, None),
        (3, "ENG-L", "Ana Test", "Ben Test", "ready_1_2", True, None)]
    chain = out.chains[0]
    assert chain.position is not None and chain.position.code == "CEO"
    assert chain.open_position is not None and chain.open_position.code == "ENG-1"
    assert [s.filled_by.from_position.code for s in chain.steps if s.filled_by and s.filled_by.from_position] == [
        "ENG-H", "ENG-L", "ENG-1"]
    assert [(o.position.code, o.step, o.leaver.name) for o in out.beyond_depth] == [("ENG-1", 4, "Kim Test")]
    assert [(o.position.code, o.step) for o in out.readiness_gaps] == [("ENG-L", 3)]
    assert out.uncovered == []
    assert [(x.position.code, x.reason, x.step) for x in out.exposed_key_posts] == [("ENG-L", "not_ready", 3)]
    assert out.summary.model_dump() == {"opened": 4, "filled": 3, "filled_ready_now": 2, "readiness_gaps": 1,
                                        "uncovered": 0, "beyond_depth": 1, "exposed_key_posts": 1}

    # one step further, ENG-1 opens and nobody is nominated for it
    deeper = _run(db, company, "Kim", depth=4)
    assert _steps(deeper)[3] == (4, "ENG-1", "Ben Test", None, None, False, "no_plan")
    assert deeper.beyond_depth == [] and [o.position.code for o in deeper.uncovered] == ["ENG-1"]
    assert deeper.chains[0].open_position is not None and deeper.chains[0].open_position.code == "ENG-1"
    # depth 1: only the CEO post is filled; ENG-H, which Lee leaves, is a key post left open beyond the depth
    shallow = _run(db, company, "Kim", depth=1)
    assert [(x.position.code, x.reason) for x in shallow.exposed_key_posts] == [("ENG-H", "beyond_depth")]


def test_departures_whose_chains_cross(db: Session, company: Company) -> None:
    """Kim and Sam leave at once, and Ana is first choice for SAL-H: she goes there at step 1, so when Lee's ENG-H
    opens at step 2 it falls to Cat (ready in 1-2 years), while Ben takes Ana's ENG-L. The engineers' posts the
    two leave at step 3 have no plan."""
    c = company
    c.nominations[("SAL-H", "Dan")].rank = 2
    nominate(db, c, "SAL-H", "Ana", Readiness.READY_NOW, 1)
    out = _run(db, c, "Kim", "Sam")
    assert _steps(out, 0) == [
        (1, "CEO", "Kim Test", "Lee Test", "ready_now", False, None),
        (2, "ENG-H", "Lee Test", "Cat Test", "ready_1_2", True, None),
        (3, "ENG-2", "Cat Test", None, None, False, "no_plan")]
    assert _steps(out, 1) == [
        (1, "SAL-H", "Sam Test", "Ana Test", "ready_now", False, None),
        (2, "ENG-L", "Ana Test", "Ben Test", "ready_1_2", True, None),
        (3, "ENG-1", "Ben Test", None, None, False, "no_plan")]
    assert [(o.position.code, o.leaver.name) for o in out.uncovered] == [("ENG-1", "Sam Test"), ("ENG-2", "Kim Test")]
    assert [(x.position.code, x.reason) for x in out.exposed_key_posts] == [("ENG-H", "not_ready"),
                                                                            ("ENG-L", "not_ready")]
    assert out.summary.model_dump() == {"opened": 6, "filled": 4, "filled_ready_now": 2, "readiness_gaps": 2,
                                        "uncovered": 2, "beyond_depth": 0, "exposed_key_posts": 2}


def test_two_posts_that_want_one_person_at_once(db: Session, company: Company) -> None:
    """Lee is ready now for both CEO and SAL-H. At the same rank the key post first by code (CEO) gets him and
    SAL-H takes Dan; ranked higher for SAL-H, he goes there and the CEO post, whose other nominee (Sam) is leaving,
    stays uncovered: its emergency successor Ana is named for the interim."""
    c = company
    lee_sal = nominate(db, c, "SAL-H", "Lee", Readiness.READY_NOW, 1)
    out = _run(db, c, "Kim", "Sam", depth=1)
    assert [(s.position.code, s.filled_by.employee.name if s.filled_by else None) for ch in out.chains
            for s in ch.steps] == [("CEO", "Lee Test"), ("SAL-H", "Dan Test")]

    c.nominations[("CEO", "Lee")].rank = 2
    lee_sal.rank = 1
    c.plans["CEO"].emergency_employee_id = c.people["Ana"].id
    db.flush()
    out = _run(db, c, "Kim", "Sam", depth=1)
    ceo, sal = out.chains[0].steps[0], out.chains[1].steps[0]
    assert (ceo.filled_by, ceo.uncovered, ceo.interim.name if ceo.interim else None) == (
        None, "no_available_successor", "Ana Test")
    assert sal.filled_by is not None and sal.filled_by.employee.name == "Lee Test"
    assert [(x.position.code, x.reason) for x in out.exposed_key_posts] == [("CEO", "uncovered"),
                                                                            ("ENG-H", "beyond_depth")]
    # SAL-H's own interim (Cat) is not named: SAL-H was filled
    assert sal.interim is None


def test_a_key_post_that_loses_its_ready_now_cover(db: Session, company: Company) -> None:
    """SAL-H does not open when Kim leaves, but Lee, its only ready-now successor, moves to the CEO post."""
    c = company
    nominate(db, c, "SAL-H", "Lee", Readiness.READY_NOW, 2)
    out = _run(db, c, "Kim")
    lost = [x for x in out.exposed_key_posts if x.reason == "cover_lost"]
    assert [(x.position.code, x.step, x.detail) for x in lost] == [
        ("SAL-H", None, "its ready-now successors leave or move: Lee Test")]


def test_the_refusals_name_the_rule_and_the_people(db: Session, company: Company) -> None:
    c = company
    hr = c.principal("hr")
    kim = c.people["Kim"].id
    for depth in (0, 6, True):
        with pytest.raises(Invalid) as caught:
            whatif.what_if(db, principal=hr, employee_ids=[kim], depth=depth)  # type: ignore[arg-type]
        assert caught.value.field == "depth"
    with pytest.raises(Invalid) as caught:
        whatif.what_if(db, principal=hr, employee_ids=[])
    assert caught.value.field == "employee_id"
    with pytest.raises(NotFound, match=f"^Employee with employee_id={NOBODY} does not exist$"):
        whatif.what_if(db, principal=hr, employee_ids=[kim, NOBODY])
    with pytest.raises(NotFound, match=f"^Employee with employee_id={NOBODY}, {NOBODY + 1} does not exist$"):
        whatif.what_if(db, principal=hr, employee_ids=[NOBODY, kim, NOBODY + 1])
    with pytest.raises(Invalid, match="has already left") as caught:
        whatif.what_if(db, principal=hr, employee_ids=[kim, c.people["Ivy"].id])
    assert caught.value.field == "employee_id"
    # the executive's people scope: themselves and the key posts' holders; Ben is outside it, like nobody
    with pytest.raises(NotFound, match=f"employee_id={c.people['Ben'].id} does not exist"):
        whatif.what_if(db, principal=c.principal("exec"), employee_ids=[c.people["Ben"].id])


TABLES = (OutboxEvent, SuccessionPlan, Nomination, ReadinessChange, DevelopmentAction, SuccessionAudit)


def test_a_simulation_writes_nothing(client: Any, db: Session, company: Company) -> None:
    c = company
    nominate(db, c, "SAL-H", "Ana", Readiness.READY_NOW, 1)
    db.commit()
    before = {t.__name__: factories.count(db, t) for t in TABLES}
    ranks = {k: (n.rank, n.readiness, n.removed_at) for k, n in c.nominations.items()}
    out = _run(db, c, "Kim", "Sam", depth=5)
    assert out.summary.filled == 4
    assert not db.new and not db.dirty and not db.deleted
    r = client.get("/api/succession/what-if", params={"employee_id": [c.people["Kim"].id, c.people["Sam"].id],
                                                      "depth": 5}, headers=c.headers("hr"))
    assert r.status_code == 200 and r.json() == out.model_dump(mode="json")
    db.expire_all()
    assert {t.__name__: factories.count(db, t) for t in TABLES} == before
    assert {k: (n.rank, n.readiness, n.removed_at) for k, n in c.nominations.items()} == ranks
    assert [e.position_id for e in (c.people["Kim"], c.people["Lee"])] == [c.posts["CEO"].id, c.posts["ENG-H"].id]


# --- who may ask, over HTTP --------------------------------------------------------------------------
def test_who_may_run_a_what_if(client: Any, db: Session, company: Company) -> None:
    c = company

    def get(user: str | None, *ids: int, depth: int = 3) -> Any:
        return client.get("/api/succession/what-if", params={"employee_id": list(ids), "depth": depth},
                          headers=c.headers(user) if user else {})

    kim, ben = c.people["Kim"].id, c.people["Ben"].id
    for role in ("hr", "exec"):
        r = get(role, kim)
        assert r.status_code == 200 and r.json()["summary"]["filled"] == 3, (role, r.text)
    for role in ("manager", "employee"):
        assert get(role, kim).status_code == 403, role
    assert get(None, kim).status_code == 401
    # the executive cannot tell Ben (outside their people scope) from nobody; HR runs Ben's departure
    outsider, nobody = get("exec", ben), get("exec", NOBODY)
    assert outsider.status_code == nobody.status_code == 404
    assert re.sub(rf"\b{ben}\b", "<id>", outsider.text) == re.sub(rf"\b{NOBODY}\b", "<id>", nobody.text)
    assert get("hr", ben).status_code == 200
    # the refusals over HTTP: 422 naming depth, 404 naming every unknown person
    r = get("hr", kim, depth=6)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "depth"
    r = get("hr", NOBODY, kim, NOBODY + 1)
    assert (r.status_code, r.json()["field"], r.json()["detail"]) == (
        404, "employee_id", f"Employee with employee_id={NOBODY}, {NOBODY + 1} does not exist")
    r = client.get("/api/succession/what-if", headers=c.headers("hr"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "employee_id"
