"""Odd input is a 422 naming the field, never a 500 (hcm.fields): ids past the id columns in paths, queries and
bodies, very long searches, null in a PATCH, true/false where a number belongs, a number where a date belongs,
unknown keys, text no database can store; and a value that still reaches the database is a 422 too."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError

from hcm.fields import MAX_INT
from hcm.org.models import Department, Employee, Grade
from tests import factories
from tests.factories import count

TOO_BIG = 2**64  # past 64 bits; anything past MAX_INT (the INTEGER id columns) is refused the same way


@pytest.fixture
def hr(as_role):  # type: ignore[no-untyped-def]
    return as_role("hr")


def refused(r: Any, field: str) -> dict[str, Any]:
    """A 422 in the app's own shape whose problems name ``field``."""
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "invalid" and field in body["detail"], body
    assert field in [e["field"] for e in body["errors"]], body
    return body


@pytest.mark.parametrize("path", ["/api/departments/{n}", "/api/positions/{n}", "/api/employees/{n}",
                                  "/api/skills/{n}", "/api/grades/{n}", "/api/employees/{n}/assignments",
                                  "/api/positions/{n}/requirements"])
def test_an_id_past_the_id_columns_in_a_path_is_a_422_naming_it(client, hr, org, path) -> None:  # type: ignore[no-untyped-def]
    param = path.split("/")[2].rstrip("s").replace("-", "_")
    for n in (TOO_BIG, MAX_INT + 1, 0, -1):
        body = refused(client.get(path.format(n=n), headers=hr), f"{param}_id")
        assert "2147483647" in body["detail"] or "greater than or equal to 1" in body["detail"]
    assert client.get(path.format(n=MAX_INT), headers=hr).status_code in (200, 404)  # the largest id: merely unknown


# The largest id passes validation: a filter on structure is then an empty list; one naming a person is a 404, as
# the scope rule answers an employee that does not exist (docs/security.md).
@pytest.mark.parametrize(("path", "param", "largest"), [
    ("/api/departments", "parent_id", 200), ("/api/employees", "manager_id", 404),
    ("/api/positions", "reports_to_id", 200), ("/api/assignments", "employee_id", 404)])
def test_an_id_past_the_id_columns_in_a_query_is_a_422_naming_it(client, hr, org, path, param, largest) -> None:  # type: ignore[no-untyped-def]
    refused(client.get(path, params={param: TOO_BIG}, headers=hr), param)
    refused(client.get(path, params={"page": TOO_BIG}, headers=hr), "page")
    assert client.get(path, params={param: MAX_INT}, headers=hr).status_code == largest


def test_an_id_past_the_id_columns_in_a_body_is_a_422_naming_it_and_writes_nothing(client, hr, org, db) -> None:  # type: ignore[no-untyped-def]
    before = count(db, Department)
    refused(client.post("/api/departments", json={"code": "BIG", "name": "Big", "parent_id": TOO_BIG}, headers=hr),
            "parent_id")
    refused(client.patch(f"/api/departments/{org.ops.id}", json={"head_position_id": TOO_BIG}, headers=hr),
            "head_position_id")
    refused(client.post("/api/processes", json={"code": "PR", "name": "P", "department_ids": [org.ops.id, TOO_BIG]},
                        headers=hr), "department_ids.1")
    assert count(db, Department) == before


def test_a_search_of_60000_characters_is_a_422(client, hr, org) -> None:  # type: ignore[no-untyped-def]
    for path in ("/api/employees", "/api/departments", "/api/positions", "/api/skills"):
        body = refused(client.get(path, params={"q": "x" * 60_000}, headers=hr), "q")
        assert "200 characters" in body["detail"]
        assert client.get(path, params={"q": "x" * 200}, headers=hr).status_code == 200
    refused(client.get("/api/skills", params={"category": "c" * 60_000}, headers=hr), "category")


def test_null_for_a_field_that_must_have_a_value_in_a_patch_is_a_422(client, hr, org, db) -> None:  # type: ignore[no-untyped-def]
    grade, skill = org.positions["ceo"].grade_id, factories.skill(db)
    process = client.post("/api/processes", json={"code": "PRC", "name": "Process"}, headers=hr).json()["id"]
    for path, field in ((f"/api/departments/{org.ops.id}", "name"), (f"/api/employees/{org.people['bob'].id}",
                        "first_name"), (f"/api/grades/{grade}", "pay_min"), (f"/api/positions/{org.positions['team1'].id}",
                        "is_key"), (f"/api/skills/{skill.id}", "name"), (f"/api/processes/{process}", "department_ids")):
        body = refused(client.patch(path, json={field: None}, headers=hr), field)
        assert "leave the field out" in body["detail"]
    db.expire_all()
    assert db.get(Department, org.ops.id).name == "Operations"  # type: ignore[union-attr]
    # null still clears what may be empty, and leaving a field out keeps it
    r = client.patch(f"/api/employees/{org.people['bob'].id}", json={"email": None}, headers=hr)
    assert r.status_code == 200 and r.json()["email"] is None and r.json()["first_name"] == "Bob"


def test_true_or_false_where_a_number_belongs_is_a_422(client, hr, org, db) -> None:  # type: ignore[no-untyped-def]
    before = count(db, Grade)
    body = {"code": "GB", "name": "Grade B", "level": False, "pay_min": 1, "pay_mid": 2, "pay_max": 3}
    refused(client.post("/api/grades", json=body, headers=hr), "level")
    refused(client.post("/api/grades", json={**body, "level": 1, "pay_mid": True}, headers=hr), "pay_mid")
    refused(client.post("/api/positions", json={"code": "PB", "title": "T", "department_id": True}, headers=hr),
            "department_id")
    assert count(db, Grade) == before


def test_a_number_where_a_date_belongs_is_a_422(client, hr, org, db) -> None:  # type: ignore[no-untyped-def]
    before = count(db, Employee)
    hire = {"external_id": "D-1", "first_name": "Di", "last_name": "Ate", "hire_date": 0}
    for value in (0, 86400, 1.5e9, "1700000000", "2026-13-01", "9999-12-31"):
        refused(client.post("/api/employees", json={**hire, "hire_date": value}, headers=hr), "hire_date")
    refused(client.get("/api/assignments", params={"since": "1700000000"}, headers=hr), "since")
    assert count(db, Employee) == before
    assert client.post("/api/employees", json={**hire, "hire_date": "2026-02-02"}, headers=hr).status_code == 201


def test_unknown_keys_in_a_body_are_a_422_naming_them(client, hr, org, db) -> None:  # type: ignore[no-untyped-def]
    before = count(db, Department)
    body = refused(client.post("/api/departments", json={"code": "UK", "name": "U", "parnet_id": org.ops.id},
                               headers=hr), "parnet_id")
    assert "Extra inputs are not permitted" in body["detail"]
    refused(client.patch(f"/api/departments/{org.ops.id}", json={"code": "NEW"}, headers=hr), "code")
    assert count(db, Department) == before


def test_text_no_database_can_store_is_a_422(client, hr, org) -> None:  # type: ignore[no-untyped-def]
    refused(client.post("/api/skills", json={"code": "NUL", "name": "a\x00b"}, headers=hr), "name")
    lone_surrogate = '{"code": "SUR", "name": "a\\ud800b"}'
    refused(client.post("/api/skills", content=lone_surrogate, headers={**hr, "content-type": "application/json"}),
            "name")
    refused(client.get("/api/employees", params={"q": "a\x00b"}, headers=hr), "q")


def test_a_log_in_with_text_no_database_can_store_is_refused_not_a_500(client, org) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/auth/token", data={"username": "hr\x00", "password": "x"})
    assert r.status_code in (401, 422), r.text  # PostgreSQL refuses the NUL (the DataError net), SQLite finds nobody


def test_money_past_its_column_is_a_422(client, hr, org) -> None:  # type: ignore[no-untyped-def]
    refused(client.patch(f"/api/employees/{org.people['bob'].id}", json={"salary": 1e15}, headers=hr), "salary")
    refused(client.patch(f"/api/employees/{org.people['bob'].id}", json={"salary": "NaN"}, headers=hr), "salary")


def test_the_openapi_document_says_what_a_422_is(client) -> None:  # type: ignore[no-untyped-def]
    doc = client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and set(schemas["InvalidOut"]["required"]) == {"error", "detail"}
    answer = doc["paths"]["/api/departments"]["post"]["responses"]["422"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/InvalidOut"}
    assert schemas["DepartmentIn"]["additionalProperties"] is False
    parent = schemas["DepartmentIn"]["properties"]["parent_id"]["anyOf"][0]
    assert parent == {"type": "integer", "minimum": 1, "maximum": MAX_INT}
    # a PATCH field that may be left out but not nulled says so
    assert schemas["DepartmentPatch"]["properties"]["name"].get("type") == "string"
    assert "default" not in schemas["DepartmentPatch"]["properties"]["name"]


def test_a_value_the_database_refuses_is_a_422_not_a_500(client, hr, org, db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The net behind the validation: whatever gets past it to the database comes back as a 422."""
    from hcm.org import service

    def overflow(*_: Any, **__: Any) -> None:
        if db.get_bind().dialect.name == "postgresql":
            db.execute(text("SELECT CAST(:n AS INTEGER)"), {"n": 2**40})  # the real thing: 32-bit INTEGER
        # SQLite stores any integer: a DataError as a driver raises one
        raise DataError("SELECT CAST(? AS INTEGER)", (2**40,), Exception("integer out of range"))

    monkeypatch.setattr(service, "list_skills", overflow)
    r = client.get("/api/skills", headers=hr)
    assert r.status_code == 422 and r.json()["error"] == "invalid", r.text
    said = "integer out of range" if db.get_bind().dialect.name == "postgresql" else "a value the database cannot store"
    assert said in r.json()["detail"] and "SELECT" not in r.json()["detail"]
