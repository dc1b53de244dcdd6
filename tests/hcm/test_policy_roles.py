"""Role visibility: who sees which people, fields and routes."""

from __future__ import annotations


def _ids(resp) -> set[str]:  # type: ignore[no-untyped-def]
    assert resp.status_code == 200, resp.text
    return {e["external_id"] for e in resp.json()["items"]}


def test_hr_sees_everyone_with_pay_and_protected(client, as_role, org):  # type: ignore[no-untyped-def]
    r = client.get("/api/employees", headers=as_role("hr"))
    assert _ids(r) == {"X-CEO", "X-BOSS", "X-ALICE", "X-BOB", "X-DANA", "X-CAROL"}
    alice = next(e for e in r.json()["items"] if e["external_id"] == "X-ALICE")
    assert alice["salary"] is not None and alice["gender"] is not None and alice["birth_year"] is not None


def test_manager_sees_self_and_whole_subtree_only(client, as_role, org):  # type: ignore[no-untyped-def]
    r = client.get("/api/employees", headers=as_role("manager"))
    assert _ids(r) == {"X-BOSS", "X-ALICE", "X-BOB", "X-DANA"}
    for e in r.json()["items"]:
        assert e["gender"] is None and e["birth_year"] is None
        if e["external_id"] != "X-BOSS":
            assert e["salary"] is None  # pay: HR and self only
    carol = org.people["carol"].id
    assert client.get(f"/api/employees/{carol}", headers=as_role("manager")).status_code == 404
    dana = org.people["dana"].id
    assert client.get(f"/api/employees/{dana}", headers=as_role("manager")).status_code == 200


def test_employee_sees_only_self(client, as_role, org):  # type: ignore[no-untyped-def]
    r = client.get("/api/employees", headers=as_role("employee"))
    assert _ids(r) == {"X-ALICE"}
    me = r.json()["items"][0]
    assert me["salary"] is not None  # own pay
    assert me["gender"] is None  # protected attributes stay with HR
    bob = org.people["bob"].id
    r = client.get(f"/api/employees/{bob}", headers=as_role("employee"))
    assert r.status_code == 404 and str(bob) in r.json()["detail"]
    assert client.get(f"/api/employees/{bob}/assignments", headers=as_role("employee")).status_code == 404
    assert client.get(f"/api/employees/{bob}/skills", headers=as_role("employee")).status_code == 404


def test_executive_sees_aggregates_and_key_post_holders(client, as_role, org):  # type: ignore[no-untyped-def]
    r = client.get("/api/employees", headers=as_role("exec"))
    assert _ids(r) == {"X-CEO", "X-BOSS"}  # themselves and holders of key posts
    s = client.get("/api/org/summary", headers=as_role("exec"))
    assert s.status_code == 200
    body = s.json()
    assert body["headcount"] == 6 and body["key_positions"] == 2 and body["vacancies"] == 1
    k = client.get("/api/key-positions", headers=as_role("exec")).json()
    assert {p["code"] for p in k["items"]} == {"CEO", "OPS-H"}
    assert all(p["holder_name"] for p in k["items"])


def test_aggregates_and_key_posts_closed_to_manager_and_employee(client, as_role, org):  # type: ignore[no-untyped-def]
    for who in ("manager", "employee"):
        assert client.get("/api/org/summary", headers=as_role(who)).status_code == 403
        assert client.get("/api/key-positions", headers=as_role(who)).status_code == 403


def test_holder_names_follow_people_visibility(client, as_role, org):  # type: ignore[no-untyped-def]
    pos = {p["code"]: p for p in client.get("/api/positions", headers=as_role("employee")).json()["items"]}
    assert pos["OPS-1"]["holder_name"] == "Alice Analyst"
    assert pos["SAL-H"]["holder_name"] is None and pos["SAL-H"]["vacant"] is False
    assert pos["SAL-1"]["vacant"] is True


def test_writes_are_hr_only(client, as_role, org):  # type: ignore[no-untyped-def]
    body = {"code": "NEW", "name": "New dept", "parent_id": org.root.id}
    for who in ("exec", "manager", "employee"):
        r = client.post("/api/departments", json=body, headers=as_role(who))
        assert r.status_code == 403, who
    assert client.post("/api/departments", json=body, headers=as_role("hr")).status_code == 201


def test_anonymous_gets_401_and_bad_token_401(client, org):  # type: ignore[no-untyped-def]
    assert client.get("/api/employees").status_code == 401
    r = client.get("/api/employees", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401 and "token" in r.json()["detail"]


def test_wrong_password_is_401_without_saying_which_part(client, org):  # type: ignore[no-untyped-def]
    r1 = client.post("/api/auth/token", data={"username": "hr", "password": "nope-nope"})
    r2 = client.post("/api/auth/token", data={"username": "ghost", "password": "nope-nope"})
    assert r1.status_code == r2.status_code == 401
    assert r1.json()["detail"] == r2.json()["detail"]


def test_skill_assessment_rights(client, as_role, org, db):  # type: ignore[no-untyped-def]
    from tests import factories

    s = factories.skill(db, name="Forecasting")
    alice, carol, dana = org.people["alice"].id, org.people["carol"].id, org.people["dana"].id
    body = {"level": 3, "source": "self", "assessed_on": "2026-01-10"}
    assert client.put(f"/api/employees/{alice}/skills/{s.id}", json=body, headers=as_role("employee")).status_code == 200
    # an employee cannot self-assess for someone else, nor record a manager assessment
    assert client.put(f"/api/employees/{dana}/skills/{s.id}", json=body, headers=as_role("employee")).status_code == 404
    mgr = {"level": 4, "source": "manager", "assessed_on": "2026-01-11"}
    assert client.put(f"/api/employees/{alice}/skills/{s.id}", json=mgr, headers=as_role("employee")).status_code == 403
    # the manager assesses their subtree, not outside it
    assert client.put(f"/api/employees/{dana}/skills/{s.id}", json=mgr, headers=as_role("manager")).status_code == 200
    assert client.put(f"/api/employees/{carol}/skills/{s.id}", json=mgr, headers=as_role("manager")).status_code == 404
    skills = client.get(f"/api/employees/{alice}/skills", headers=as_role("employee")).json()
    assert [(x["skill_name"], x["level"], x["source"]) for x in skills] == [("Forecasting", 3, "self")]


def test_hr_records_only_a_self_assessment_of_their_own_skills(client, db, org):  # type: ignore[no-untyped-def]
    """The self-judgement rule for skills: an HR admin who is an employee too assesses others' skills, and
    only self-assesses their own."""
    from hcm.auth.models import Role
    from tests import factories

    carol = org.people["carol"]
    me = factories.bearer(factories.user(db, username="hr-carol", role=Role.HR_ADMIN, emp=carol))
    s = factories.skill(db, name="Negotiation")
    url = f"/api/employees/{carol.id}/skills/{s.id}"
    for source in ("manager", "assessment"):
        r = client.put(url, json={"level": 5, "source": source, "assessed_on": "2026-02-01"}, headers=me)
        assert r.status_code == 403 and "self-assessment" in r.json()["detail"], r.text
    assert client.put(url, json={"level": 4, "source": "self", "assessed_on": "2026-02-01"}, headers=me).status_code == 200
    dana = f"/api/employees/{org.people['dana'].id}/skills/{s.id}"
    formal = {"level": 3, "source": "assessment", "assessed_on": "2026-02-01"}
    assert client.put(dana, json=formal, headers=me).status_code == 200


def test_password_log_in_gives_a_working_bearer_token(client, org):  # type: ignore[no-untyped-def]
    from tests import factories

    r = client.post("/api/auth/token", data={"username": "manager", "password": factories.PASSWORD})
    assert r.status_code == 200, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    me = client.get("/api/auth/me", headers=headers).json()
    assert me["username"] == "manager" and me["role"] == "manager" and me["employee_id"] == org.people["boss"].id
