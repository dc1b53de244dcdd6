"""The succession pages through the real app on SQLite and PostgreSQL, on the small org (tests/succession/factories):
who opens which page (each role allowed, refused or 404 exactly like a missing post), what the board and the chart
show, the slate editor's forms (HR only) with the service's refusals as messages on the page that write nothing,
the CSRF token every form needs, and odd input as a 4xx, never a 500.

The CEO's plan: Bruno (OPS-H, ready now, emergency) and Carol (SAL-H, 1-2 years); OPS-2 (key, below the manager)
has a plan with Dana; OPS-H has none."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from succession.models import ActionStatus, DevelopmentAction, GapKind, Readiness
from succession.schemas import ActionIn, PlanIn
from succession.service import actions, plans
from tests.factories import Org
from tests.succession.factories import exit_employee, set_visibility, state
from tests.web.helpers import alert_text, assert_one_policy_per_route, attrs, form_token, logged_in

ROLES = ("hr", "exec", "manager", "employee")
NOW, R12, R3 = Readiness.READY_NOW, Readiness.READY_1_2, Readiness.READY_3_PLUS


@dataclass
class Plans:
    org: Org
    ceo: int
    ops2: int
    ops_head: int
    E: dict[str, Any]


@pytest.fixture
def board(db: Session, key_org: Org) -> Plans:
    hr, E, P = key_org.principal("hr"), key_org.people, key_org.positions
    for pos in ("ceo", "team2"):
        plans.create_plan(db, principal=hr, position_id=P[pos].id, data=PlanIn())
    plans.nominate(db, principal=hr, position_id=P["ceo"].id, employee_id=E["boss"].id, readiness=NOW,
                   reason="runs operations")
    plans.nominate(db, principal=hr, position_id=P["ceo"].id, employee_id=E["carol"].id, readiness=R12)
    plans.set_emergency(db, principal=hr, position_id=P["ceo"].id, employee_id=E["boss"].id)
    plans.nominate(db, principal=hr, position_id=P["team2"].id, employee_id=E["dana"].id, readiness=R3)
    actions.create_action(db, principal=hr, position_id=P["ceo"].id, employee_id=E["carol"].id,
                          data=ActionIn(title="Run the board pack", gap_kind=GapKind.EXPERIENCE,
                                        owner_employee_id=E["ceo"].id))
    db.flush()
    return Plans(key_org, P["ceo"].id, P["team2"].id, P["ops_head"].id, E)


def _posts(text: str) -> list[str]:
    return [m for m in re.findall(r'<form method="post" [^>]*action="([^"]+)"', text) if m != "/logout"]



# --- who opens what ------------------------------------------------------------------------------
def test_every_page_route_declares_exactly_one_policy() -> None:
    from succession.pages.plans import router

    assert_one_policy_per_route(router, 10)


@pytest.mark.parametrize("username", ROLES)
def test_each_role_on_the_board_and_the_chart(client: TestClient, board: Plans, as_role: Any, username: str) -> None:
    h = as_role(username)
    expected = {"hr": (200, 200, 200), "exec": (200, 200, 200), "manager": (200, 404, 404),
                "employee": (403, 403, 403)}[username]
    paths = ("/succession", f"/succession/positions/{board.ceo}", f"/succession/positions/{board.ops2}")
    for path, status in zip(paths, expected, strict=True):
        r = client.get(path, headers=h)
        assert r.status_code == status, (username, path, r.text[:300])
        assert "text/html" in r.headers["content-type"]
    nav = set(attrs(client.get("/", headers=h).text, "data-nav"))
    assert ("succession" in nav) == (username in ("hr", "exec"))  # managers: only when HR opens plans to them
    if username == "manager":
        page = client.get("/succession", headers=h).text
        assert "data-closed-to-managers" in page and "data-chart-link" not in page


def test_hr_sees_the_board_with_chips_coverage_and_the_editor(client: TestClient, board: Plans, as_role: Any) -> None:
    r = client.get("/succession", headers=as_role("hr"))
    rows = dict(re.findall(r'<tr data-position="([^"]+)" data-position-id="\d+" data-coverage="([^"]+)"', r.text))
    assert rows == {"CEO": "covered", "OPS-2": "uncovered", "OPS-H": "no_plan"}
    assert attrs(r.text, "data-position") == ["OPS-H", "OPS-2", "CEO"]  # weakest coverage first
    assert attrs(r.text, "data-readiness")[:2] == ["ready_3_plus", "ready_now"]  # Dana, then Bruno's chip
    assert 'data-emergency="X-BOSS"' in r.text
    assert re.search(r'data-stat="covered"[^>]*><span class="stat-value">1<', r.text)
    assert re.search(r'data-stat="no_plan"[^>]*><span class="stat-value">1<', r.text)
    # sort, filter by department (and below), filter by coverage
    r = client.get("/succession?sort=code", headers=as_role("hr"))
    assert attrs(r.text, "data-position") == ["CEO", "OPS-2", "OPS-H"]
    r = client.get(f"/succession?department={board.org.ops.id}", headers=as_role("hr"))
    assert attrs(r.text, "data-position") == ["OPS-H", "OPS-2"]
    r = client.get(f"/succession?department={board.org.root.id}&coverage=covered", headers=as_role("hr"))
    assert attrs(r.text, "data-position") == ["CEO"]
    # the chart: the post, its successors by rank coloured by readiness, their own posts' successors beneath
    chart = client.get(f"/succession/positions/{board.ceo}", headers=as_role("hr")).text
    assert attrs(chart, "data-successor") == ["X-BOSS", "X-CAROL"]
    assert attrs(chart, "data-rank")[:2] == ["1", "2"]
    assert 'data-below="X-BOSS"' in chart and "A key post without a plan" in chart  # OPS-H: key, no plan
    assert "Not a key post" in chart  # SAL-H
    assert "data-emergency-flag" in chart and "Run the board pack" in chart and "Cora Chief" in chart
    forms = _posts(chart)
    assert f"/succession/positions/{board.ceo}/nominees" in forms
    assert f"/succession/positions/{board.ceo}/emergency" in forms
    assert any(f.endswith(f"/nominees/{board.E['carol'].id}/readiness") for f in forms)
    # the picker offers neither the holder nor anyone on the slate
    picker = re.search(r'<select name="employee_id" required[^>]*>(.*?)</select>', chart, flags=re.S)
    assert picker is not None
    offered = set(re.findall(r'<option value="(\d+)"', picker.group(1)))
    assert offered == {str(board.E[n].id) for n in ("alice", "bob", "dana")}
    found = client.get(f"/succession/positions/{board.ceo}?q=dana", headers=as_role("hr")).text
    picker = re.search(r'<select name="employee_id" required[^>]*>(.*?)</select>', found, flags=re.S)
    assert picker is not None and set(re.findall(r'<option value="(\d+)"', picker.group(1))) == {
        str(board.E["dana"].id)}


def test_the_executive_sees_the_chart_and_history_without_any_form(client: TestClient, board: Plans,
                                                                    as_role: Any) -> None:
    r = client.get(f"/succession/positions/{board.ceo}", headers=as_role("exec"))
    assert r.status_code == 200 and attrs(r.text, "data-successor") == ["X-BOSS", "X-CAROL"]
    assert _posts(r.text) == [] and "Add a successor" not in r.text and "data-move" not in r.text
    assert 'data-table="readiness-history"' in r.text and 'data-table="audit"' in r.text
    assert "/people/" not in r.text.split("<main", 1)[1]  # no links into people records outside their scope
    r = client.get(f"/succession/positions/{board.ops_head}", headers=as_role("exec"))
    assert r.status_code == 200 and "data-no-plan" in r.text and _posts(r.text) == []


def test_a_manager_sees_the_plans_below_only_when_hr_allows_it(client: TestClient, db: Session, board: Plans,
                                                                as_role: Any) -> None:
    h = as_role("manager")
    set_visibility(db, managers=True)
    r = client.get("/succession", headers=h)
    assert attrs(r.text, "data-position") == ["OPS-2"] and "data-closed-to-managers" not in r.text
    r = client.get(f"/succession/positions/{board.ops2}", headers=h)
    assert r.status_code == 200 and attrs(r.text, "data-successor") == ["X-DANA"] and _posts(r.text) == []
    # the CEO's plan is above the manager: the very 404 of a post that does not exist
    outside = client.get(f"/succession/positions/{board.ceo}", headers=h)
    missing = client.get("/succession/positions/999999", headers=h)
    assert outside.status_code == missing.status_code == 404
    same = re.compile(r"position_id=\d+")
    assert same.sub("", _error_page(outside.text)) == same.sub("", _error_page(missing.text))
    assert "Chief" not in outside.text.split("<main", 1)[1]
    # their own post's plan (OPS-H) is not below them either
    assert client.get(f"/succession/positions/{board.ops_head}", headers=h).status_code == 404


def _error_page(text: str) -> str:
    found = re.search(r'<section class="card error-card".*?</section>', text, flags=re.S)
    assert found, text[:500]
    return found.group(0)


@pytest.mark.parametrize("username", ("exec", "manager", "employee"))
def test_only_hr_may_post_any_form(client: TestClient, db: Session, board: Plans, as_role: Any,
                                   username: str) -> None:
    set_visibility(db, managers=True)
    h = as_role(username)
    before = state(db)
    base = f"/succession/positions/{board.ops2}"
    dana = board.E["dana"].id
    for path, data in ((base + "/nominees", {"employee_id": str(board.E["alice"].id), "readiness": "ready_now"}),
                       (f"{base}/nominees/{dana}/move", {"direction": "up"}),
                       (f"{base}/nominees/{dana}/readiness", {"readiness": "ready_now", "reason": "x"}),
                       (f"{base}/nominees/{dana}/remove", {"reason": "x"}),
                       (base + "/emergency", {"employee_id": str(dana)}),
                       (f"{base}/nominees/{dana}/actions", {"title": "x"}),
                       (f"{base}/nominees/{dana}/actions/1/status", {"status": "done"}),
                       (f"/succession/positions/{board.ops_head}/plan", {})):
        r = client.post(path, data=data, headers=h, follow_redirects=False)
        assert r.status_code == 403, (username, path, r.status_code)
    assert state(db) == before


# --- the slate editor ------------------------------------------------------------------------------
def _post(client: TestClient, h: dict[str, str], path: str, **data: str) -> Any:
    return client.post(path, data=data, headers=h, follow_redirects=False)


def test_hr_builds_a_slate_through_the_forms(client: TestClient, db: Session, board: Plans, as_role: Any) -> None:
    h, E, base = as_role("hr"), board.E, f"/succession/positions/{board.ceo}"
    r = _post(client, h, base + "/nominees", employee_id=str(E["alice"].id), readiness="ready_3_plus",
              reason="strong analyst")
    assert r.status_code == 303 and r.headers["location"].endswith(f"{base}#slate")
    page = client.get(base, headers=h).text
    assert "is on the slate at rank 3" in page  # the flash message, once
    assert attrs(page, "data-successor") == ["X-BOSS", "X-CAROL", "X-ALICE"]
    assert _post(client, h, f"{base}/nominees/{E['alice'].id}/move", direction="up").status_code == 303
    assert attrs(client.get(base, headers=h).text, "data-successor") == ["X-BOSS", "X-ALICE", "X-CAROL"]
    assert _post(client, h, f"{base}/nominees/{E['boss'].id}/move", direction="down").status_code == 303
    assert attrs(client.get(base, headers=h).text, "data-successor") == ["X-ALICE", "X-BOSS", "X-CAROL"]
    r = _post(client, h, f"{base}/nominees/{E['alice'].id}/readiness", readiness="ready_1_2",
              reason="led the quarterly close")
    assert r.status_code == 303
    page = client.get(base, headers=h).text
    line = re.search(r"<tr data-history-line>(.*?)</tr>", page, flags=re.S)
    assert line is not None  # newest first: who, the successor, before, after and why
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", line.group(1), re.S)]
    assert cells[1:] == ["hr", "Alice Analyst", "Ready in 3+ years", "Ready in 1\u20132 years", "led the quarterly close"]
    r = _post(client, h, f"{base}/nominees/{E['carol'].id}/actions", title="Chair the pricing committee",
              gap_kind="experience", owner_employee_id=str(E["ceo"].id), due_date="2027-03-31")
    assert r.status_code == 303
    action = db.scalars(select(DevelopmentAction).where(DevelopmentAction.title == "Chair the pricing committee")).one()
    assert action.owner_employee_id == E["ceo"].id and str(action.due_date) == "2027-03-31"
    r = _post(client, h, f"{base}/nominees/{E['carol'].id}/actions/{action.id}/status", status="done")
    assert r.status_code == 303
    db.refresh(action)
    assert action.status is ActionStatus.DONE and action.completed_at is not None
    r = _post(client, h, base + "/emergency", employee_id=str(E["bob"].id), confirm="1", reason="acted for Cora")
    assert r.status_code == 303
    out = plans.get_plan(db, principal=board.org.principal("hr"), position_id=board.ceo)
    assert out.emergency is not None and (out.emergency.employee.id, out.emergency.on_slate) == (E["bob"].id, False)
    r = _post(client, h, f"{base}/nominees/{E['boss'].id}/remove", reason="moving to the board")
    assert r.status_code == 303
    page = client.get(base, headers=h).text
    assert attrs(page, "data-successor") == ["X-ALICE", "X-CAROL", "X-BOB"]  # the interim off the slate, last
    assert "moving to the board" in page and "Removed from the slate" in page
    r = _post(client, h, base + "/emergency", employee_id="")
    assert r.status_code == 303 and plans.get_plan(db, principal=board.org.principal("hr"),
                                                   position_id=board.ceo).emergency is None


@pytest.mark.parametrize(("form", "data", "status", "message"), [
    ("nominees", {"employee_id": "ceo", "readiness": "ready_now"}, 422, "the holder cannot be nominated"),
    ("nominees", {"employee_id": "boss", "readiness": "ready_now"}, 409, "already on the slate"),
    ("nominees", {"employee_id": "gone", "readiness": "ready_now"}, 422, "has left the company"),
    ("nominees", {"employee_id": "", "readiness": "ready_now"}, 422, "choose the person to nominate"),
    ("nominees", {"employee_id": "alice", "readiness": "soon"}, 422, "readiness must be one of"),
    ("nominees", {"employee_id": "alice", "readiness": "ready_now", "rank": "9"}, 422, "rank must be between 1 and 3"),
    ("nominees", {"employee_id": "999999", "readiness": "ready_now"}, 422, "does not point at an existing Employee"),
    ("nominees", {"employee_id": "abc", "readiness": "ready_now"}, 422, "is not a whole number"),
    ("move:boss", {"direction": "up"}, 422, "already first"),
    ("move:boss", {"direction": "sideways"}, 422, "direction must be up or down"),
    ("move:alice", {"direction": "up"}, 422, "is not on the slate"),
    ("readiness:carol", {"readiness": "ready_now", "reason": " "}, 422, "reason is required"),
    ("readiness:carol", {"readiness": "ready_1_2", "reason": "x"}, 422, "already 'ready_1_2'"),
    ("readiness:alice", {"readiness": "ready_now", "reason": "x"}, 404, "Nomination"),
    ("remove:carol", {"reason": ""}, 422, "reason is required"),
    ("emergency", {"employee_id": "alice"}, 422, "not on the slate"),
    ("emergency", {"employee_id": "alice", "confirm": "1"}, 422, "reason is required"),
    ("emergency", {"employee_id": "ceo"}, 422, "cannot be their own emergency successor"),
    ("actions:carol", {"title": " ", "gap_kind": "other"}, 422, "title"),
    ("actions:carol", {"title": "x", "gap_kind": "skill"}, 422, "skill_id is required"),
    ("actions:carol", {"title": "x", "gap_kind": "other", "due_date": "31/12/2027"}, 422, "is not a date"),
    ("actions:carol", {"title": "x", "gap_kind": "other", "owner_employee_id": "gone"}, 422, "has left"),
    ("status:carol", {"status": "finished"}, 422, "status must be one of"),
    ("plan", {}, 409, "already has a succession plan"),
    ("plan:sales", {}, 422, "not a key post"),
    ("plan:sales", {"mark_key": "1", "key_reason": " "}, 422, "key_reason is required"),
])
def test_refusals_are_messages_on_the_page_and_write_nothing(client: TestClient, db: Session, board: Plans,
                                                             as_role: Any, form: str, data: dict[str, str],
                                                             status: int, message: str) -> None:
    E, P = board.E, board.org.positions
    exit_employee(db, E["bob"])  # someone who has left
    ids = {**{k: str(v.id) for k, v in E.items()}, "gone": str(E["bob"].id)}
    data = {k: ids.get(v, v) if k in ("employee_id", "owner_employee_id") else v for k, v in data.items()}
    kind, _, who = form.partition(":")
    action_id = db.scalars(select(DevelopmentAction.id)).first()
    base = f"/succession/positions/{P['sales_head'].id if who == 'sales' else board.ceo}"
    path = {"nominees": base + "/nominees", "emergency": base + "/emergency", "plan": base + "/plan",
            "status": f"{base}/nominees/{ids.get(who)}/actions/{action_id}/status"}.get(
        kind, f"{base}/nominees/{ids.get(who)}/{kind}")
    before = state(db)
    r = _post(client, as_role("hr"), path, **data)
    assert r.status_code == status, (form, r.status_code, r.text[:400])
    assert message in alert_text(r.text), (form, alert_text(r.text))
    assert "data-lineage" in r.text  # the chart again, with the message: never an error page, never a 500
    assert state(db) == before


def test_a_post_outside_the_plans_or_missing_is_a_404_for_every_form(client: TestClient, board: Plans,
                                                                     as_role: Any) -> None:
    h = as_role("hr")
    for path in ("/succession/positions/999999", "/succession/positions/999999/nominees",
                 "/succession/positions/999999/emergency", "/succession/positions/999999/plan",
                 "/succession/positions/999999/nominees/1/move"):
        r = client.get(path, headers=h) if path.count("/") == 3 else _post(client, h, path, direction="up")
        assert r.status_code == 404 and 'data-status="404"' in r.text, path


def test_hr_opens_a_plan_making_the_post_key(client: TestClient, db: Session, board: Plans, as_role: Any) -> None:
    sales = board.org.positions["sales_head"]
    h = as_role("hr")
    page = client.get(f"/succession/positions/{sales.id}", headers=h).text
    assert "data-no-plan" in page and 'name="key_reason"' in page
    r = _post(client, h, f"/succession/positions/{sales.id}/plan", mark_key="1", key_reason="owns all revenue")
    assert r.status_code == 303
    page = client.get(f"/succession/positions/{sales.id}", headers=h).text
    assert "data-empty-slate" in page and "Made a key post" in page and "owns all revenue" in page


def test_odd_board_parameters_are_messages_not_500(client: TestClient, board: Plans, as_role: Any) -> None:
    h = as_role("hr")
    for query, field in (("sort=bogus", "sort"), ("coverage=maybe", "coverage"), ("department=abc", "department"),
                         ("department=99999999999", "department")):
        r = client.get(f"/succession?{query}", headers=h)
        assert r.status_code == 422 and field in alert_text(r.text), (query, r.text[:300])
    assert client.get("/succession?page=0", headers=h).status_code == 422
    assert client.get("/succession/positions/abc", headers=h).status_code == 422
    assert client.get("/succession/positions/1?q=" + "x" * 300, headers=h).status_code == 422


def test_forms_need_the_csrf_token(client: TestClient, db: Session, board: Plans) -> None:
    logged_in(client, "hr")
    path = f"/succession/positions/{board.ceo}/nominees"
    data = {"employee_id": str(board.E["alice"].id), "readiness": "ready_now"}
    before = state(db)
    for headers in ({}, {"Origin": "http://testserver"}, {"Origin": "https://evil.example"}):
        r = client.post(path, data=data, headers=headers, follow_redirects=False)
        assert r.status_code == 403 and r.headers.get("x-hcm-refused") == "csrf", headers
    assert state(db) == before
    page = client.get(f"/succession/positions/{board.ceo}")
    assert all(f.startswith("/succession/") for f in _posts(page.text))
    token = form_token(client, f"/succession/positions/{board.ceo}")
    r = client.post(path, data={"csrftoken": token, **data}, headers={"Origin": "http://testserver"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert attrs(client.get(f"/succession/positions/{board.ceo}").text, "data-successor")[-1] == "X-ALICE"
