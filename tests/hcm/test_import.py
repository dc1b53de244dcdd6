"""File import of the org model: good files of every kind in both formats, upserts, and every rejection
(with the row / column / reason reported and nothing written)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from hcm.errors import ImportRejected
from hcm.io import service
from hcm.models import Assignment, Department, Employee, EmployeeSkill, Grade, OutboxEvent, Position, PositionSkill, Skill
from tests import factories
from tests.hcm.io_helpers import counts, csv_bytes, imp, one, rejected

FULL_LOAD = {
    "job_families": [["code", "name"], ["JF-ENG", "Engineering"]],
    "grades": [["code", "name", "level", "pay_min", "pay_mid", "pay_max"],
               ["G1", "Junior", 1, 30000, 40000, 50000], ["G2", "Senior", 2, "45000.50", "60000", "75000"]],
    "departments": [["code", "name", "parent_code"], ["T-ENG", "Engineering", "T-HQ"], ["T-HQ", "Head office", ""]],
    "positions": [["code", "title", "department_code", "grade_code", "job_family_code", "reports_to_code", "is_key",
                   "is_active", "head_of"],
                  ["T-DEV", "Developer", "T-ENG", "G1", "JF-ENG", "T-CTO", "no", "", ""],
                  ["T-CTO", "CTO", "T-ENG", "G2", "JF-ENG", "", "yes", "true", "T-ENG;T-HQ"]],
    "skills": [["code", "name", "category", "taxonomy_uri", "description"],
               ["SK-PY", "Python", "technical", "https://example.org/sk/py", "Line one\nline two"],
               ["SK-LEAD", "Leadership", "", "", ""]],
    "requirements": [["position_code", "skill_code", "required_level", "importance"],
                     ["T-DEV", "SK-PY", 4, "high"], ["T-CTO", "SK-LEAD", 5, ""]],
    "employees": [["external_id", "first_name", "last_name", "email", "hire_date", "position_code", "salary", "gender",
                   "birth_year", "status", "exit_date", "exit_reason"],
                  ["T-1", "Ann", "Dev", "ann@example.com", "2021-04-01", "T-DEV", "52000", "female", 1990, "", "", ""],
                  ["T-2", "Cy", "Boss", "", "2019-01-07", "T-CTO", "90000.25", "male", "1975", "active", "", ""],
                  ["T-3", "Ed", "Gone", "", "2018-01-01", "", "", "", "", "exited", "2020-06-30", "exit_voluntary"]],
    "assignments": [["employee_external_id", "position_code", "start_date", "end_date", "reason", "salary", "note"],
                    ["T-3", "T-DEV", "2018-01-01", "2020-06-30", "hire", "40000", "first post"],
                    ["T-3", "", "2020-06-30", "", "exit_voluntary", "", ""]],
    "proficiencies": [["employee_external_id", "skill_code", "level", "source", "assessed_on"],
                      ["T-1", "SK-PY", 4, "manager", "2026-01-15"], ["T-1", "SK-PY", 5, "self", "2026-01-10"]],
}


def test_kinds_are_in_dependency_order() -> None:
    assert service.KINDS == ["job_families", "grades", "departments", "positions", "skills", "requirements",
                             "employees", "assignments", "proficiencies"]
    assert set(FULL_LOAD) == set(service.KINDS)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_good_file_of_every_kind_loads(db, fmt):  # type: ignore[no-untyped-def]
    reports = {k: imp(db, k, FULL_LOAD[k], fmt) for k in service.KINDS}
    assert {k: (r.rows, r.inserted, r.updated) for k, r in reports.items()} == {
        "job_families": (1, 1, 0), "grades": (2, 2, 0), "departments": (2, 2, 0), "positions": (2, 2, 0),
        "skills": (2, 2, 0), "requirements": (2, 2, 0), "employees": (3, 3, 0), "assignments": (2, 1, 0),
        "proficiencies": (2, 2, 0),
    }
    # the exit row written by the employees import is matched by the assignments file, not duplicated
    assert reports["assignments"].unchanged == 1 and reports["assignments"].deleted == 0
    eng = db.scalars(select(Department).where(Department.code == "T-ENG")).one()
    hq = db.scalars(select(Department).where(Department.code == "T-HQ")).one()
    dev, cto = (db.scalars(select(Position).where(Position.code == c)).one() for c in ("T-DEV", "T-CTO"))
    assert eng.parent_id == hq.id and hq.parent_id is None
    assert dev.reports_to_id == cto.id and cto.is_key and not dev.is_key and dev.is_active
    assert eng.head_position_id == cto.id and hq.head_position_id == cto.id
    g2 = db.scalars(select(Grade).where(Grade.code == "G2")).one()
    assert g2.pay_min == Decimal("45000.50") and cto.grade_id == g2.id
    py = db.scalars(select(Skill).where(Skill.code == "SK-PY")).one()
    assert py.description == "Line one\nline two"
    lead = db.scalars(select(Skill).where(Skill.code == "SK-LEAD")).one()
    assert lead.category is None and lead.taxonomy_uri is None
    reqs = {(r.position_id, r.required_level, r.importance.value) for r in db.scalars(select(PositionSkill))
            if r.position_id in (dev.id, cto.id)}
    assert reqs == {(dev.id, 4, "high"), (cto.id, 5, "medium")}
    ann, cy, ed = (db.scalars(select(Employee).where(Employee.external_id == x)).one() for x in ("T-1", "T-2", "T-3"))
    assert ann.position_id == dev.id and ann.salary == Decimal("52000") and ann.birth_year == 1990
    assert cy.email is None and cy.salary == Decimal("90000.25") and cy.gender.value == "male"
    assert ed.status.value == "exited" and ed.exit_date == date(2020, 6, 30) and ed.position_id is None
    hist = {e.external_id: [(a.position_id, a.start_date, a.end_date, a.reason.value) for a in db.scalars(
        select(Assignment).where(Assignment.employee_id == e.id).order_by(Assignment.start_date))] for e in (ann, ed)}
    assert hist["T-1"] == [(dev.id, date(2021, 4, 1), None, "hire")]
    assert hist["T-3"] == [(dev.id, date(2018, 1, 1), date(2020, 6, 30), "hire"),
                           (None, date(2020, 6, 30), date(2020, 6, 30), "exit_voluntary")]
    levels = {(s.source.value, s.level)
              for s in db.scalars(select(EmployeeSkill).where(EmployeeSkill.employee_id == ann.id))}
    assert levels == {("manager", 4), ("self", 5)}
    events = {(e.topic, e.key): e.payload for e in db.scalars(select(OutboxEvent))}
    assert events[("department", "T-ENG")] == {"name": "Engineering", "parent": "T-HQ"}
    assert events[("position", "T-DEV")] == {"title": "Developer", "department": "T-ENG", "reports_to": "T-CTO",
                                             "is_key": False, "active": True, "role": "JF-ENG/G1",
                                             "role_family": "JF-ENG", "role_grade": "G1", "role_level": 1}
    assert ("job_family", "JF-ENG") in events and any(t == "career_history" for t, _ in events)
    assert events[("employee", "T-1")] == {"name": "Ann Dev", "status": "active", "position": "T-DEV"}
    assert events[("skill", "SK-LEAD")] == {"name": "Leadership", "category": None}
    assert events[("requirement", "T-DEV|SK-PY")] == {"position": "T-DEV", "skill": "SK-PY", "level": 4,
                                                       "importance": "high"}
    assert events[("employee_skill", "T-1|SK-PY")]["employee"] == "T-1"


def test_upsert_updates_changed_rows_only(db, org):  # type: ignore[no-untyped-def]
    before = counts(db)["outbox"]
    r = imp(db, "departments", [["code", "name", "parent_code"], ["OPS", "Operations & Logistics", "CO"],
                                ["SAL", "Sales", "CO"], ["FIN", "Finance", "CO"]])
    assert (r.rows, r.inserted, r.updated, r.unchanged) == (3, 1, 1, 1)
    db.refresh(org.ops)
    assert org.ops.name == "Operations & Logistics"
    topics = db.execute(select(OutboxEvent.key).order_by(OutboxEvent.id).offset(before)).scalars().all()
    assert sorted(topics) == ["FIN", "OPS"]  # the unchanged row emits nothing


def test_absent_column_keeps_value_and_empty_cell_clears_it(db, org):  # type: ignore[no-untyped-def]
    grade_id = org.positions["ceo"].grade_id
    r = imp(db, "positions", [["code", "title", "department_code"], ["CEO", "Chief Executive Officer", "CO"]])
    assert r.updated == 1
    ceo = db.get(Position, org.positions["ceo"].id)
    db.refresh(ceo)
    assert ceo.grade_id == grade_id and ceo.is_key  # columns not in the file are left alone
    imp(db, "positions", [["code", "title", "department_code", "grade_code", "is_key"], ["CEO", "CEO", "CO", "", ""]])
    db.refresh(ceo)
    assert ceo.grade_id is None and not ceo.is_key


def test_headers_are_matched_loosely_extra_columns_ignored_and_rows_counted_like_a_spreadsheet(db, org):  # type: ignore[no-untyped-def]
    data = "\ufeff Code ,NAME,Comment\r\nK1,\"Two\nlines\",whatever\r\n,,\r\nK2,,x\r\n".encode()
    with pytest.raises(ImportRejected) as info:
        service.import_bytes(db, kind="skills", filename="s.CSV", data=data)
    # the multi-line record is row 2, the blank row 3, so the bad record is row 4
    assert info.value.details == [{"row": 4, "column": "name", "reason": "a value is required"}]
    r = service.import_bytes(db, kind="skills", filename="s.csv", data=data.replace(b"K2,,x", b"K2,Two,x"))
    assert (r.rows, r.inserted) == (2, 2)
    assert db.scalars(select(Skill.name).where(Skill.code == "K1")).one() == "Two\nlines"


def test_progress_is_reported(db):  # type: ignore[no-untyped-def]
    seen: list[tuple[int, int]] = []
    imp(db, "job_families", [["code", "name"], *[[f"F{i}", f"Family {i}"] for i in range(5)]],
        progress=lambda a, b: seen.append((a, b)))
    assert seen[-1] == (5, 5)


# --- rejections ------------------------------------------------------------------------------------
def test_missing_required_column_is_reported_once_on_row_1(db, org):  # type: ignore[no-untyped-def]
    rows = [["external_id", "first_name", "last_name"], *[[f"N{i}", "A", "B"] for i in range(5)]]
    assert rejected(db, "employees", rows) == [
        {"row": 1, "column": "hire_date", "reason": "missing required column 'hire_date'"}]
    errs = rejected(db, "grades", [["CODE", "name"], ["G", "x"]])
    assert {e["column"] for e in errs} == {"level", "pay_min", "pay_mid", "pay_max"} and {e["row"] for e in errs} == {1}


def test_department_cycle_in_the_file(db, org):  # type: ignore[no-untyped-def]
    errs = rejected(db, "departments", [["code", "name", "parent_code"], ["A1", "A", "B1"], ["B1", "B", "A1"],
                                        ["C1", "C", "C1"]])
    one(errs, 2, "parent_code", "cycle", "A1 -> B1 -> A1")
    one(errs, 3, "parent_code", "cycle")
    one(errs, 4, "parent_code", "cycle", "C1 -> C1")


def test_department_cycle_through_the_database(db, org):  # type: ignore[no-untyped-def]
    # OPS is under CO in the database: putting CO under OPS closes a loop
    errs = rejected(db, "departments", [["code", "name", "parent_code"], ["CO", "Company", "OPS"]])
    assert errs == [{"row": 2, "column": "parent_code", "reason": "cycle in the department tree: CO -> OPS -> CO"}]


def test_reporting_line_cycle_through_the_database(db, org):  # type: ignore[no-untyped-def]
    # OPS-3 -> OPS-2 -> OPS-H -> CEO in the database
    errs = rejected(db, "positions", [["code", "title", "department_code", "reports_to_code"],
                                      ["CEO", "Chief", "CO", "OPS-3"]])
    one(errs, 2, "reports_to_code", "cycle", "reporting lines")
    errs = rejected(db, "positions", [["code", "title", "department_code", "reports_to_code"],
                                      ["N-1", "One", "OPS", "N-2"], ["N-2", "Two", "OPS", "N-1"]])
    assert {(e["row"], e["column"]) for e in errs} == {(2, "reports_to_code"), (3, "reports_to_code")}


def test_unknown_references(db, org):  # type: ignore[no-untyped-def]
    errs = rejected(db, "departments", [["code", "name", "parent_code"], ["N", "New", "NOPE"]])
    one(errs, 2, "parent_code", "unknown department", "NOPE")
    errs = rejected(db, "positions", [["code", "title", "department_code", "grade_code", "job_family_code",
                                       "reports_to_code", "head_of"],
                                      ["P-N", "New", "NODEPT", "NOGRADE", "NOJF", "NOPOS", "OPS;NOHEAD"]])
    for col, word in (("department_code", "NODEPT"), ("grade_code", "NOGRADE"), ("job_family_code", "NOJF"),
                      ("reports_to_code", "NOPOS"), ("head_of", "NOHEAD")):
        one(errs, 2, col, "unknown", word)
    errs = rejected(db, "requirements", [["position_code", "skill_code", "required_level"], ["NOPOS", "NOSK", 3]])
    one(errs, 2, "position_code", "NOPOS")
    one(errs, 2, "skill_code", "NOSK")
    errs = rejected(db, "employees", [["external_id", "first_name", "last_name", "hire_date", "position_code"],
                                      ["N-1", "A", "B", "2026-01-05", "NOPOS"]])
    one(errs, 2, "position_code", "unknown position", "NOPOS")
    errs = rejected(db, "proficiencies", [["employee_external_id", "skill_code", "level", "source", "assessed_on"],
                                          ["GHOST", "NOSK", 3, "self", "2026-01-01"]])
    one(errs, 2, "employee_external_id", "unknown employee")
    one(errs, 2, "skill_code", "unknown skill")
    errs = rejected(db, "assignments", [["employee_external_id", "position_code", "start_date", "reason"],
                                        ["GHOST", "NOPOS", "2026-01-01", "hire"]])
    one(errs, 2, "employee_external_id", "unknown employee")
    one(errs, 2, "position_code", "unknown position")


def test_duplicate_keys_within_a_file(db, org):  # type: ignore[no-untyped-def]
    errs = rejected(db, "departments", [["code", "name"], ["N1", "A"], ["N2", "B"], ["N1", "C"]])
    assert errs == [{"row": 4, "column": "code", "reason": "duplicate code 'N1': already on row 2"}]
    errs = rejected(db, "employees", [["external_id", "first_name", "last_name", "hire_date"],
                                      ["X-ALICE", "A", "B", "2020-01-06"], ["X-ALICE", "A", "B", "2020-01-06"]])
    one(errs, 3, "external_id", "duplicate", "row 2")
    factories.skill(db, code="S-X")
    errs = rejected(db, "requirements", [["position_code", "skill_code", "required_level"],
                                         ["CEO", "S-X", 3], ["OPS-H", "S-X", 3], ["CEO", "S-X", 4]])
    assert errs == [{"row": 4, "column": "skill_code",
                     "reason": "duplicate requirement (position / skill) 'CEO' / 'S-X': already on row 2"}]


def test_wrong_types_and_enum_values(db, org):  # type: ignore[no-untyped-def]
    errs = rejected(db, "employees", [
        ["external_id", "first_name", "last_name", "email", "hire_date", "salary", "gender", "birth_year", "status"],
        ["N-1", "A", "B", "not-an-email", "06/01/2020", "abc", "x", "1800", "gone"],
        ["N-2", "", "B", "", "2020-01-06", "-5", "", "19.5", ""],
        ["bad id!", "A", "B", "", "2020-01-06", "1.234", "", "", ""],
    ])
    one(errs, 2, "email", "not a valid email address")
    one(errs, 2, "hire_date", "not a date", "06/01/2020")
    one(errs, 2, "salary", "not a number", "abc")
    one(errs, 2, "gender", "not one of", "female")
    one(errs, 2, "birth_year", "between 1900 and 2100")
    one(errs, 2, "status", "'gone' is not one of")
    one(errs, 3, "first_name", "required")
    one(errs, 3, "salary", "at least 0")
    one(errs, 3, "birth_year", "not a whole number")
    one(errs, 4, "external_id", "not a valid code")
    one(errs, 4, "salary", "at most 2 decimals")
    errs = rejected(db, "proficiencies", [["employee_external_id", "skill_code", "level", "source", "assessed_on"],
                                          ["X-ALICE", "S-1", 6, "boss", "yesterday"]])
    one(errs, 2, "level", "between 1 and 5")
    one(errs, 2, "source", "'boss' is not one of", "self")
    one(errs, 2, "assessed_on", "not a date")
    errs = rejected(db, "requirements", [["position_code", "skill_code", "required_level", "importance"],
                                         ["CEO", "S-1", 0, "critical"]])
    one(errs, 2, "required_level", "between 1 and 5")
    one(errs, 2, "importance", "'critical' is not one of", "high")
    errs = rejected(db, "assignments", [["employee_external_id", "position_code", "start_date", "reason"],
                                        ["X-ALICE", "OPS-1", "2020-01-06", "fired"]])
    one(errs, 2, "reason", "'fired' is not one of", "exit_involuntary")
    errs = rejected(db, "positions", [["code", "title", "department_code", "is_key"], ["P-N", "T", "OPS", "maybe"]])
    one(errs, 2, "is_key", "yes/no")
    errs = rejected(db, "grades", [["code", "name", "level", "pay_min", "pay_mid", "pay_max"],
                                   ["GN", "N", "ten", "1", "2", "3"]])
    one(errs, 2, "level", "whole number")


def test_pay_band_must_be_ordered(db, org):  # type: ignore[no-untyped-def]
    errs = rejected(db, "grades", [["code", "name", "level", "pay_min", "pay_mid", "pay_max"],
                                   ["GN", "New", 3, 50000, 40000, 60000], ["GX", "Existing", 5, 1, 2, 3],
                                   ["GM", "New", 3, 10, 20, 15]])
    assert [(e["row"], e["column"]) for e in errs] == [(2, "pay_mid"), (4, "pay_mid")]
    one(errs, 2, "pay_mid", "pay_min <= pay_mid <= pay_max", "50000")
    assert db.scalars(select(Grade.pay_min).where(Grade.code == "GX")).one() != 1  # the valid row was not written either


def test_every_error_of_the_file_is_reported_together(db, org):  # type: ignore[no-untyped-def]
    rows = [["code", "name", "parent_code"], ["OK1", "Fine", "CO"], ["", "No code", ""], ["N2", "", "NOPE"],
            ["OK1", "Again", ""], ["N3", "x" * 201, ""]]
    errs = rejected(db, "departments", rows)
    assert [(e["row"], e["column"]) for e in errs] == [(3, "code"), (4, "name"), (4, "parent_code"), (5, "code"),
                                                       (6, "name")]
    assert db.scalars(select(Department).where(Department.code == "OK1")).first() is None


def test_unique_email_and_taxonomy_uri(db, org):  # type: ignore[no-untyped-def]
    alice_email = org.people["alice"].email
    errs = rejected(db, "employees", [["external_id", "first_name", "last_name", "hire_date", "email"],
                                      ["N-1", "A", "B", "2026-01-05", alice_email],
                                      ["N-2", "A", "B", "2026-01-05", "same@example.com"],
                                      ["N-3", "A", "B", "2026-01-05", "same@example.com"]])
    one(errs, 2, "email", "already used", "X-ALICE")
    one(errs, 4, "email", "already used", "row 3")
    # swapping two emails inside one file is fine
    bob_email = org.people["bob"].email
    r = imp(db, "employees", [["external_id", "first_name", "last_name", "hire_date", "email"],
                              ["X-ALICE", "Alice", "Analyst", "2020-01-06", bob_email],
                              ["X-BOB", "Bob", "Lead", "2020-01-06", alice_email]])
    assert r.updated == 2
    errs = rejected(db, "skills", [["code", "name", "taxonomy_uri"], ["S1", "A", "u:1"], ["S2", "B", "u:1"]])
    one(errs, 3, "taxonomy_uri", "already used")


def test_unreadable_files(db):  # type: ignore[no-untyped-def]
    for filename, data, words in (
        ("x.txt", b"code,name\n", ("unsupported file type",)),
        ("x.csv", b"", ("empty",)),
        ("x.csv", "code,name\nA,\xe9\n".encode("latin-1"), ("not utf-8", "line 2")),
        ("x.xlsx", b"not a zip", ("not a readable .xlsx",)),
        ("x.csv", b"code,name,code\nA,B,C\n", ("appears twice",)),
    ):
        with pytest.raises(ImportRejected) as info:
            service.import_bytes(db, kind="skills", filename=filename, data=data)
        reason = info.value.details[0]["reason"].lower()
        assert all(w.lower() in reason for w in words), (filename, reason)


def test_unknown_kind_names_it_and_lists_the_valid_ones(db):  # type: ignore[no-untyped-def]
    with pytest.raises(service.UnknownKind) as info:
        service.import_bytes(db, kind="widgets", filename="w.csv", data=csv_bytes([["a"]]))
    assert "widgets" in info.value.message and "employees" in info.value.message
    assert info.value.status_code == 404
