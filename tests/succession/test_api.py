"""Every plans route for every role, allowed and refused, over HTTP on the small org:

- CEO* has a plan (Bruno nominated): above the manager, outside their subtree.
- OPS-2* (Bob's post, below the manager) has a plan (Dana nominated, with one development action).

HR and executives see both; a manager sees OPS-2's only when HR allows it, and CEO's never (the very 404 of a
post that does not exist); an employee sees no plan, and their own nominations only when HR enables it. Only HR
writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from succession.models import GapKind, Readiness
from succession.schemas import ActionIn, PlanIn
from succession.service import actions, plans
from tests.factories import Org
from tests.succession.factories import set_visibility, state

MISSING = 999_999


@dataclass
class World:
    org: Org
    ceo: int
    ops2: int
    action: int

    def id(self, name: str) -> int:
        return self.org.people[name].id


@pytest.fixture
def world(db: Session, key_org: Org) -> World:
    hr, P, E = key_org.principal("hr"), key_org.positions, key_org.people
    for pos in ("ceo", "team2"):
        plans.create_plan(db, principal=hr, position_id=P[pos].id, data=PlanIn())
    plans.nominate(db, principal=hr, position_id=P["ceo"].id, employee_id=E["boss"].id, readiness=Readiness.READY_1_2)
    plans.nominate(db, principal=hr, position_id=P["team2"].id, employee_id=E["dana"].id,
                   readiness=Readiness.READY_3_PLUS)
    a = actions.create_action(db, principal=hr, position_id=P["team2"].id, employee_id=E["dana"].id,
                              data=ActionIn(title="Lead a shift", gap_kind=GapKind.EXPERIENCE))
    db.commit()
    return World(key_org, P["ceo"].id, P["team2"].id, a.id)


def _plan(w: World, pos: int) -> str:
    return f"/api/succession/positions/{pos}/plan"


# (name, method, path(world, position_id), body(world)): every route that names a post
POST_ROUTES: list[tuple[str, str, Callable[[World, int], str], Callable[[World], Any]]] = [
    ("get plan", "GET", _plan, lambda w: None),
    ("history", "GET", lambda w, p: _plan(w, p) + "/history", lambda w: None),
    ("actions", "GET", lambda w, p: _plan(w, p) + f"/nominees/{w.id('dana')}/actions", lambda w: None),
]
WRITE_ROUTES: list[tuple[str, str, Callable[[World], str], Callable[[World], Any], int]] = [
    ("create plan", "POST", lambda w: _plan(w, w.org.positions["ops_head"].id), lambda w: {}, 201),
    ("notes", "PATCH", lambda w: _plan(w, w.ops2), lambda w: {"notes": "n"}, 200),
    ("nominate", "POST", lambda w: _plan(w, w.ops2) + "/nominees",
     lambda w: {"employee_id": w.id("alice"), "readiness": "ready_now"}, 201),
    ("order", "PUT", lambda w: _plan(w, w.ops2) + "/order", lambda w: {"order": [w.id("dana")]}, 200),
    ("readiness", "POST", lambda w: _plan(w, w.ops2) + f"/nominees/{w.id('dana')}/readiness",
     lambda w: {"readiness": "ready_1_2", "reason": "r"}, 201),
    ("emergency", "PUT", lambda w: _plan(w, w.ops2) + "/emergency", lambda w: {"employee_id": w.id("dana")}, 200),
    ("create action", "POST", lambda w: _plan(w, w.ops2) + f"/nominees/{w.id('dana')}/actions",
     lambda w: {"title": "t", "gap_kind": "other"}, 201),
    ("update action", "PATCH", lambda w: _plan(w, w.ops2) + f"/nominees/{w.id('dana')}/actions/{w.action}",
     lambda w: {"status": "in_progress"}, 200),
    ("remove", "POST", lambda w: _plan(w, w.ops2) + f"/nominees/{w.id('dana')}/remove",
     lambda w: {"reason": "r"}, 200),
    ("settings", "PUT", lambda w: "/api/succession/settings", lambda w: {"managers_see_plans_below": True}, 200),
]


def _call(client: TestClient, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
    return client.request(method, path, headers=headers, json=body)


@pytest.mark.parametrize("route", POST_ROUTES, ids=lambda r: r[0])
@pytest.mark.parametrize("role", ["hr", "exec"])
def test_hr_and_executives_read_every_plan(client: TestClient, as_role: Any, world: World, route: Any,
                                           role: str) -> None:
    _, method, path, _ = route
    for pos in (world.ceo, world.ops2):
        if path(world, pos).endswith("/actions") and pos == world.ceo:
            continue  # dana stands on OPS-2's slate only
        r = _call(client, method, path(world, pos), as_role(role))
        assert r.status_code == 200, r.text


@pytest.mark.parametrize("route", POST_ROUTES, ids=lambda r: r[0])
@pytest.mark.parametrize("allowed", [False, True], ids=["setting-off", "setting-on"])
def test_a_manager_reads_plans_below_only_when_hr_allows_and_others_are_404_like_missing(
        client: TestClient, db: Session, as_role: Any, world: World, route: Any, allowed: bool) -> None:
    _, method, path, _ = route
    set_visibility(db, managers=allowed)
    db.commit()
    h = as_role("manager")
    below = _call(client, method, path(world, world.ops2), h)
    assert below.status_code == (200 if allowed else 404), below.text
    outside = _call(client, method, path(world, world.ceo), h)
    missing = _call(client, method, path(world, MISSING), h)
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == {**missing.json(), "detail": missing.json()["detail"].replace(str(MISSING),
                                                                                           str(world.ceo))}


@pytest.mark.parametrize("route", POST_ROUTES, ids=lambda r: r[0])
@pytest.mark.parametrize("allowed", [False, True], ids=["setting-off", "setting-on"])
def test_an_employee_never_reads_plans(client: TestClient, db: Session, as_role: Any, world: World, route: Any,
                                       allowed: bool) -> None:
    _, method, path, _ = route
    set_visibility(db, managers=True, employees=allowed)
    db.commit()
    r = _call(client, method, path(world, world.ops2), as_role("employee"))
    assert r.status_code == 403 and r.json()["error"] == "forbidden"


def test_the_plans_list_by_role(client: TestClient, db: Session, as_role: Any, world: World) -> None:
    def codes(role: str) -> Any:
        r = client.get("/api/succession/plans", headers=as_role(role))
        return r.status_code, [i["position"]["code"] for i in r.json()["items"]] if r.status_code == 200 else None

    assert codes("hr") == codes("exec") == (200, ["CEO", "OPS-2", "OPS-H"])
    assert codes("manager") == (200, [])
    assert codes("employee") == (403, None)
    set_visibility(db, managers=True)
    db.commit()
    assert codes("manager") == (200, ["OPS-2"])
    item = client.get("/api/succession/plans", headers=as_role("hr")).json()["items"][0]
    assert (item["plan_id"] is not None, item["nominees"], item["ready_1_2"]) == (True, 1, 1)


@pytest.mark.parametrize("route", WRITE_ROUTES, ids=lambda r: r[0])
def test_only_hr_writes(client: TestClient, db: Session, as_role: Any, world: World, route: Any) -> None:
    _, method, path, body, ok = route
    set_visibility(db, managers=True, employees=True)
    db.commit()
    before = state(db)
    for role in ("exec", "manager", "employee"):
        r = _call(client, method, path(world), as_role(role), body(world))
        assert r.status_code == 403, (role, r.text)
    assert state(db) == before
    r = _call(client, method, path(world), as_role("hr"), body(world))
    assert r.status_code == ok, r.text


def test_settings_are_hrs(client: TestClient, as_role: Any, world: World) -> None:
    r = client.get("/api/succession/settings", headers=as_role("hr"))
    assert r.status_code == 200 and r.json()["managers_see_plans_below"] is False
    assert r.json()["employees_see_own_nominations"] is False
    for role in ("exec", "manager", "employee"):
        assert client.get("/api/succession/settings", headers=as_role(role)).status_code == 403
    r = client.put("/api/succession/settings", headers=as_role("hr"), json={"employees_see_own_nominations": True})
    assert r.status_code == 200
    assert (r.json()["managers_see_plans_below"], r.json()["employees_see_own_nominations"]) == (False, True)
    assert client.put("/api/succession/settings", headers=as_role("hr"),
                      json={"managers_see_plans_below": None}).status_code == 422


@pytest.mark.parametrize("allowed", [False, True], ids=["setting-off", "setting-on"])
def test_own_nominations(client: TestClient, db: Session, as_role: Any, world: World, allowed: bool) -> None:
    set_visibility(db, employees=allowed)
    db.commit()
    url = "/api/succession/me/nominations"
    # Alice (employee) stands on no slate; Bruno (manager) on the CEO's
    r = client.get(url, headers=as_role("employee"))
    want = (200, []) if allowed else (404, "not_found")
    assert (r.status_code, r.json() if allowed else r.json()["error"]) == want
    r = client.get(url, headers=as_role("manager"))
    if allowed:
        assert r.status_code == 200
        assert [(m["position"]["code"], m["readiness"]) for m in r.json()] == [("CEO", "ready_1_2")]
        assert set(r.json()[0]) == {"position", "readiness", "nominated_at", "actions"}
    else:
        assert r.status_code == 404
    # HR and the executive: HR has no employee record; the executive (Cora) is on no slate
    assert client.get(url, headers=as_role("hr")).status_code == 404
    r = client.get(url, headers=as_role("exec"))
    assert r.status_code == (200 if allowed else 404)


def test_own_nominations_show_the_own_slate_and_actions_only(client: TestClient, db: Session, as_role: Any,
                                                             world: World) -> None:
    from tests.factories import login

    set_visibility(db, employees=True)
    login(db, world.org, "dana")
    db.commit()
    r = client.get("/api/succession/me/nominations", headers=as_role("dana"))
    assert r.status_code == 200
    assert r.json() == [{"position": {"id": world.ops2, "code": "OPS-2", "title": "Operations Lead"},
                         "readiness": "ready_3_plus", "nominated_at": r.json()[0]["nominated_at"],
                         "actions": [{"id": world.action, "title": "Lead a shift", "gap_kind": "experience",
                                      "due_date": None, "status": "planned"}]}]


def test_bad_input_over_http_names_the_rule_and_writes_nothing(client: TestClient, db: Session, as_role: Any,
                                                               world: World) -> None:
    hr = as_role("hr")
    nominees = _plan(world, world.ops2) + "/nominees"
    cases = [
        (nominees, {"employee_id": world.id("alice"), "readiness": "soon"}, 422, "readiness"),
        (nominees, {"employee_id": world.id("bob"), "readiness": "ready_now"}, 422, "employee_id"),  # the holder
        (nominees, {"employee_id": world.id("dana"), "readiness": "ready_now"}, 409, "employee_id"),  # twice
        (nominees, {"employee_id": MISSING, "readiness": "ready_now"}, 422, "employee_id"),
        (_plan(world, world.org.positions["sales_head"].id), {}, 422, "position_id"),  # not key
        (_plan(world, world.ops2) + "/emergency", {"employee_id": world.id("alice")}, 422, "employee_id"),
    ]
    before = state(db)
    for path, body, status, field in cases:
        method = "PUT" if path.endswith("/emergency") else "POST"
        r = client.request(method, path, headers=hr, json=body)
        assert r.status_code == status, (path, body, r.text)
        got = r.json()
        fields = [got.get("field")] + [e.get("field") for e in got.get("errors") or []]
        assert field in fields, got
    assert state(db) == before
