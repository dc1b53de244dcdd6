"""CRUD, paging, filters and the errors a person gets for bad input (never a 500)."""

from __future__ import annotations

import pytest


@pytest.fixture
def hr(as_role):  # type: ignore[no-untyped-def]
    return as_role("hr")


def test_department_crud_and_tree(client, hr, org):  # type: ignore[no-untyped-def]
    r = client.post("/api/departments", json={"code": "FIN", "name": "Finance", "parent_id": org.root.id}, headers=hr)
    assert r.status_code == 201, r.text
    fin = r.json()["id"]
    r = client.patch(f"/api/departments/{fin}", json={"name": "Finance & Control"}, headers=hr)
    assert r.json()["name"] == "Finance & Control"
    tree = client.get("/api/departments/tree", headers=hr).json()
    assert [n["code"] for n in tree] == ["CO"]
    kids = {c["code"]: c for c in tree[0]["children"]}
    assert set(kids) == {"FIN", "OPS", "SAL"} and kids["OPS"]["headcount"] == 4
    assert client.delete(f"/api/departments/{fin}", headers=hr).status_code == 204
    assert client.get(f"/api/departments/{fin}", headers=hr).status_code == 404


def test_paging_and_filters(client, hr, org):  # type: ignore[no-untyped-def]
    r = client.get("/api/employees", params={"page_size": 2, "page": 2}, headers=hr).json()
    assert r["total"] == 6 and r["page"] == 2 and len(r["items"]) == 2
    r = client.get("/api/employees", params={"department_id": org.ops.id}, headers=hr).json()
    assert r["total"] == 4
    r = client.get("/api/employees", params={"q": "ali"}, headers=hr).json()
    assert [e["external_id"] for e in r["items"]] == ["X-ALICE"]
    r = client.get("/api/employees", params={"manager_id": org.people["boss"].id}, headers=hr).json()
    assert {e["external_id"] for e in r["items"]} == {"X-ALICE", "X-BOB"}
    r = client.get("/api/positions", params={"vacant": True}, headers=hr).json()
    assert [p["code"] for p in r["items"]] == ["SAL-1"]
    r = client.get("/api/positions", params={"is_key": True}, headers=hr).json()
    assert {p["code"] for p in r["items"]} == {"CEO", "OPS-H"}
    alice = client.get(f"/api/employees/{org.people['alice'].id}", headers=hr).json()
    assert alice["manager_id"] == org.people["boss"].id and alice["position_title"] == "Operations Analyst"


def test_404_names_the_id(client, hr, org):  # type: ignore[no-untyped-def]
    for path in ("/api/departments/999999", "/api/positions/999999", "/api/employees/999999", "/api/skills/999999"):
        r = client.get(path, headers=hr)
        assert r.status_code == 404 and "999999" in r.json()["detail"], path


def test_409_names_the_conflict(client, hr, org):  # type: ignore[no-untyped-def]
    r = client.post("/api/departments", json={"code": "OPS", "name": "Dup"}, headers=hr)
    assert r.status_code == 409 and r.json()["field"] == "code" and "OPS" in r.json()["detail"]
    r = client.delete(f"/api/departments/{org.ops.id}", headers=hr)
    assert r.status_code == 409 and "sub-departments" not in r.json()["detail"] and "positions" in r.json()["detail"]
    r = client.delete(f"/api/departments/{org.root.id}", headers=hr)
    assert r.status_code == 409 and "sub-departments" in r.json()["detail"]
    r = client.delete(f"/api/positions/{org.positions['team1'].id}", headers=hr)
    assert r.status_code == 409 and "held" in r.json()["detail"]
    # a post can only have one holder
    body = {"external_id": "NEW-1", "first_name": "N", "last_name": "Ew", "hire_date": "2026-02-01",
            "position_id": org.positions["team1"].id}
    r = client.post("/api/employees", json=body, headers=hr)
    assert r.status_code == 409 and "X-ALICE" in r.json()["detail"]


def test_422_names_the_field(client, hr, org):  # type: ignore[no-untyped-def]
    r = client.post("/api/departments", json={"code": "X1", "name": "X", "parent_id": 424242}, headers=hr)
    assert r.status_code == 422 and r.json()["field"] == "parent_id"
    r = client.post("/api/positions", json={"code": "P-X", "title": "T"}, headers=hr)
    assert r.status_code == 422 and "department_id" in r.json()["detail"]
    r = client.post("/api/grades", json={"code": "GB", "name": "B", "level": 3, "pay_min": 10, "pay_mid": 5,
                                         "pay_max": 20}, headers=hr)
    assert r.status_code == 422 and "pay_min <= pay_mid" in r.json()["detail"]
    r = client.post("/api/employees", json={"external_id": "E-9", "first_name": "A", "last_name": "B",
                                            "hire_date": "not-a-date"}, headers=hr)
    assert r.status_code == 422 and "hire_date" in r.json()["detail"]
    r = client.get("/api/employees", params={"page": 0}, headers=hr)
    assert r.status_code == 422 and "page" in r.json()["detail"]
    r = client.put(f"/api/employees/{org.people['alice'].id}/skills/1", json={"level": 7, "source": "self",
                                                                             "assessed_on": "2026-01-01"}, headers=hr)
    assert r.status_code == 422 and "level" in r.json()["detail"]


def test_cycles_are_rejected(client, hr, org):  # type: ignore[no-untyped-def]
    r = client.patch(f"/api/departments/{org.root.id}", json={"parent_id": org.ops.id}, headers=hr)
    assert r.status_code == 422 and r.json()["field"] == "parent_id" and "cycle" in r.json()["detail"]
    r = client.patch(f"/api/departments/{org.ops.id}", json={"parent_id": org.ops.id}, headers=hr)
    assert r.status_code == 422 and "cycle" in r.json()["detail"]
    r = client.patch(f"/api/positions/{org.positions['ceo'].id}", json={"reports_to_id": org.positions['deep'].id},
                     headers=hr)
    assert r.status_code == 422 and r.json()["field"] == "reports_to_id" and "cycle" in r.json()["detail"]


def test_career_moves_build_history(client, hr, org):  # type: ignore[no-untyped-def]
    alice = org.people["alice"].id
    r = client.post(f"/api/employees/{alice}/moves", json={"reason": "promotion", "effective_date": "2026-03-01",
                                                           "position_id": org.positions["vacant"].id,
                                                           "salary": 70000}, headers=hr)
    assert r.status_code == 201, r.text
    me = client.get(f"/api/employees/{alice}", headers=hr).json()
    assert me["position_id"] == org.positions["vacant"].id and me["manager_id"] == org.people["carol"].id
    hist = client.get(f"/api/employees/{alice}/assignments", headers=hr).json()["items"]
    assert [(h["reason"], h["start_date"], h["end_date"]) for h in hist] == [
        ("hire", "2020-01-06", "2026-02-28"), ("promotion", "2026-03-01", None)]
    r = client.post(f"/api/employees/{alice}/moves", json={"reason": "exit_voluntary", "effective_date": "2026-06-30"},
                    headers=hr)
    assert r.status_code == 201
    me = client.get(f"/api/employees/{alice}", headers=hr).json()
    assert me["status"] == "exited" and me["position_id"] is None and me["exit_date"] == "2026-06-30"
    # moves that make no sense are refused with the rule named
    r = client.post(f"/api/employees/{alice}/moves", json={"reason": "lateral", "effective_date": "2026-08-01",
                                                           "position_id": org.positions["team1"].id}, headers=hr)
    assert r.status_code == 409 and "left" in r.json()["detail"]
    bob = org.people["bob"].id
    r = client.post(f"/api/employees/{bob}/moves", json={"reason": "lateral", "effective_date": "2019-01-01",
                                                         "position_id": org.positions["team1"].id}, headers=hr)
    assert r.status_code == 422 and r.json()["field"] == "effective_date"
    r = client.post(f"/api/employees/{bob}/moves", json={"reason": "promotion", "effective_date": "2026-01-01"},
                    headers=hr)
    assert r.status_code == 422 and "position_id" in r.json()["detail"]


def test_changes_write_outbox_rows_in_the_same_transaction(client, hr, org, db):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from hcm.outbox import OutboxEvent

    client.post("/api/skills", json={"code": "SK-PY", "name": "Python", "category": "technical"}, headers=hr)
    client.post("/api/departments", json={"code": "FIN", "name": "Finance", "parent_id": org.root.id}, headers=hr)
    rows = db.execute(select(OutboxEvent.topic, OutboxEvent.key, OutboxEvent.payload).order_by(OutboxEvent.id)).all()
    assert ("skill", "SK-PY") in [(t, k) for t, k, _ in rows]
    dept = [p for t, k, p in rows if (t, k) == ("department", "FIN")]
    assert dept == [{"name": "Finance", "parent": "CO"}]


def test_requirements_and_processes(client, hr, org):  # type: ignore[no-untyped-def]
    s = client.post("/api/skills", json={"code": "SK-LEAN", "name": "Lean"}, headers=hr).json()
    pos = org.positions["team1"].id
    r = client.put(f"/api/positions/{pos}/requirements/{s['id']}", json={"required_level": 4, "importance": "high"},
                   headers=hr)
    assert r.status_code == 200
    reqs = client.get(f"/api/positions/{pos}/requirements", headers=hr).json()
    assert [(x["skill_code"], x["required_level"], x["importance"]) for x in reqs] == [("SK-LEAN", 4, "high")]
    r = client.post("/api/processes", json={"code": "O2C", "name": "Order to cash", "owner_department_id": org.sales.id,
                                            "department_ids": [org.sales.id, org.ops.id]}, headers=hr)
    assert r.status_code == 201 and sorted(r.json()["department_ids"]) == sorted([org.sales.id, org.ops.id])
    r = client.post("/api/processes", json={"code": "P2P", "name": "Procure", "department_ids": [777777]}, headers=hr)
    assert r.status_code == 422 and r.json()["field"] == "department_ids[0]"
