"""Export of every kind, the round trip (export -> import changes nothing, and rebuilds an emptied
database exactly), and the HTTP routes with their policy."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, select, update

from hcm.errors import Invalid
from hcm.io import service
from hcm.models import (
    Assignment,
    Department,
    Employee,
    EmployeeSkill,
    Grade,
    JobFamily,
    OutboxEvent,
    Position,
    PositionSkill,
    Skill,
    User,
)
from hcm.org.models import MoveReason
from tests import factories
from tests.hcm.io_helpers import counts, csv_bytes

CT = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@pytest.fixture
def rich_org(db, org):  # type: ignore[no-untyped-def]
    """The small org plus what the other kinds need: a job family, skills, requirements, proficiencies, a
    department head, an exit and text that needs quoting."""
    jf = factories.job_family(db, code="JF-OPS")
    ops_head = db.get(Position, org.positions["ops_head"].id)
    ops_head.job_family_id = jf.id
    db.get(Department, org.ops.id).head_position_id = ops_head.id
    db.get(Department, org.root.id).head_position_id = org.positions["ceo"].id
    s1 = factories.skill(db, code="SK-XL", name='Excel, "advanced"')
    s1.description = "'=already marked as text"
    s2 = factories.skill(db, code="SK-NEG", name="Negotiation")
    s2.description = "multi\nline, with comma"
    s2.taxonomy_uri = "http://data.europa.eu/esco/skill/neg"
    db.add_all([
        PositionSkill(position_id=ops_head.id, skill_id=s1.id, required_level=4),
        EmployeeSkill(employee_id=org.people["alice"].id, skill_id=s1.id, level=3, source="self",
                      assessed_on=date(2026, 1, 5)),
        EmployeeSkill(employee_id=org.people["alice"].id, skill_id=s2.id, level=2, source="manager",
                      assessed_on=date(2026, 1, 6)),
    ])
    dana = db.get(Employee, org.people["dana"].id)
    hire = db.scalars(select(Assignment).where(Assignment.employee_id == dana.id)).one()
    hire.end_date = date(2025, 9, 30)
    db.add(Assignment(employee_id=dana.id, position_id=None, start_date=date(2025, 9, 30), end_date=date(2025, 9, 30),
                      reason=MoveReason.EXIT_INVOLUNTARY, note="=restructuring"))
    dana.position_id, dana.status, dana.exit_date = None, "exited", date(2025, 9, 30)
    db.flush()
    return org


def _export(db, fmt: str) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    return {k: service.export_bytes(db, kind=k, fmt=fmt) for k in service.KINDS}


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_export_columns_are_the_import_columns(db, rich_org):  # type: ignore[no-untyped-def]
    files = _export(db, "csv")
    for kind, data in files.items():
        assert data.startswith(b"\xef\xbb\xbf"), kind  # BOM: Excel reads the file as UTF-8
        assert tuple(_csv_rows(data)[0]) == service.COLUMNS[kind], kind
    emp = {r[0]: r for r in _csv_rows(files["employees"])[1:]}
    assert emp["X-DANA"][-3:] == ["exited", "2025-09-30", "exit_involuntary"]
    assert (emp["X-ALICE"][5], emp["X-ALICE"][6], emp["X-ALICE"][9]) == ("OPS-1", "60000.00", "active")
    assert emp["X-ALICE"][7] in ("female", "male") and emp["X-ALICE"][8].isdigit()  # hr_admin only: all columns
    pos = {r[0]: r for r in _csv_rows(files["positions"])[1:]}
    assert pos["OPS-H"][-1] == "OPS" and pos["CEO"][-1] == "CO" and pos["OPS-H"][4] == "JF-OPS"
    wb = load_workbook(io.BytesIO(service.export_bytes(db, kind="assignments", fmt="xlsx")), read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == service.COLUMNS["assignments"]
    assert ("X-DANA", None, datetime(2025, 9, 30)) in {r[:3] for r in rows}  # a date cell
    assert [r[-1] for r in rows if r[0] == "X-DANA"][-1] == "=restructuring"  # text, not a formula
    # CSV: text a spreadsheet would run as a formula carries the apostrophe that marks it as text
    notes = [r[-1] for r in _csv_rows(files["assignments"])[1:] if r[0] == "X-DANA"]
    assert notes[-1] == "'=restructuring"
    skills = {r[0]: r for r in _csv_rows(files["skills"])[1:]}
    assert "''=already marked as text" in skills["SK-XL"]


def test_csv_marks_formula_text_and_takes_the_mark_off_on_import() -> None:
    from hcm.io.files import csv_escape, csv_unescape, read_csv, write_csv

    texts = ["=1+1", "+cmd|' /C calc'!A0", "-2", "@SUM(A1)", "\tx", "'=x", "''=x", "'plain", "plain", "a=b", "", "'"]
    marked = ["'=1+1", "'+cmd|' /C calc'!A0", "'-2", "'@SUM(A1)", "'\tx", "''=x", "'''=x", "'plain", "plain",
              "a=b", "", "'"]
    assert [csv_escape(t) for t in texts] == marked
    assert [csv_unescape(csv_escape(t)) for t in texts] == texts
    sheet = read_csv(write_csv(["text", "n"], [[t, 1] for t in texts]))
    assert [cells[0] for _, cells in sheet.records] == texts


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_changes_nothing(db, rich_org, fmt):  # type: ignore[no-untyped-def]
    files = _export(db, fmt)
    before = counts(db)
    for kind in service.KINDS:
        r = service.import_bytes(db, kind=kind, filename=f"{kind}.{fmt}", data=files[kind])
        assert (r.inserted, r.updated, r.deleted) == (0, 0, 0), (kind, r)
        assert r.unchanged == r.rows
    assert counts(db) == before  # not even an outbox row
    if fmt == "csv":
        assert _export(db, fmt) == files


def test_export_rebuilds_an_emptied_database(db, rich_org):  # type: ignore[no-untyped-def]
    files = _export(db, "csv")
    # empty every org table (inside the test's transaction), then load the files in KINDS order
    db.execute(delete(User))
    for model in (EmployeeSkill, PositionSkill, Assignment, Employee):
        db.execute(delete(model))
    db.execute(update(Department).values(head_position_id=None, parent_id=None))
    db.execute(update(Position).values(reports_to_id=None))
    for model in (Position, Department, Grade, JobFamily, Skill, OutboxEvent):
        db.execute(delete(model))
    db.expire_all()
    for kind in service.KINDS:
        service.import_bytes(db, kind=kind, filename=f"{kind}.csv", data=files[kind])
    assert _export(db, "csv") == files
    assert db.scalar(select(OutboxEvent.id).where(OutboxEvent.topic == "employee", OutboxEvent.key == "X-DANA"))


def test_export_and_import_files_by_path(db, rich_org, tmp_path):  # type: ignore[no-untyped-def]
    for fmt in ("csv", "xlsx"):
        path = service.export_file(db, kind="departments", path=tmp_path / f"d.{fmt}")
        r = service.import_file(db, kind="departments", path=path)
        assert (r.rows, r.unchanged) == (3, 3)
    with pytest.raises(Invalid):
        service.export_file(db, kind="departments", path=tmp_path / "d.pdf")


# --- HTTP ------------------------------------------------------------------------------------------
def test_hr_imports_and_exports_over_http(client, as_role, org):  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    body = csv_bytes([["code", "name", "parent_code"], ["FIN", "Finance", "CO"]])
    r = client.post("/api/io/import/departments", files={"file": ("d.csv", body, "text/csv")}, headers=hr)
    assert r.status_code == 200, r.text
    assert r.json() == {"kind": "departments", "rows": 1, "inserted": 1, "updated": 0, "unchanged": 0, "deleted": 0}
    for fmt in ("csv", "xlsx"):
        r = client.get("/api/io/export/departments", params={"format": fmt}, headers=hr)
        assert r.status_code == 200 and r.headers["content-type"].startswith(CT[fmt])
        assert r.headers["content-disposition"] == f'attachment; filename="departments.{fmt}"'
        back = client.post("/api/io/import/departments", files={"file": (f"departments.{fmt}", r.content)}, headers=hr)
        assert back.json()["unchanged"] == 4 and back.json()["inserted"] == back.json()["updated"] == 0


def test_rejected_upload_is_422_with_every_error_and_writes_nothing(client, as_role, org, db):  # type: ignore[no-untyped-def]
    before = counts(db)
    body = csv_bytes([["code", "name", "parent_code"], ["N1", "", "NOPE"], ["N1", "x", ""]])
    r = client.post("/api/io/import/departments", files={"file": ("d.csv", body)}, headers=as_role("hr"))
    assert r.status_code == 422
    assert r.json()["error"] == "import_rejected"
    assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [(2, "name"), (2, "parent_code"), (3, "code")]
    assert counts(db) == before


def test_unknown_kind_and_format(client, as_role, org):  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    r = client.post("/api/io/import/widgets", files={"file": ("w.csv", b"a\n1\n")}, headers=hr)
    assert r.status_code == 404 and "widgets" in r.json()["detail"] and "proficiencies" in r.json()["detail"]
    r = client.get("/api/io/export/widgets", headers=hr)
    assert r.status_code == 404 and "widgets" in r.json()["detail"]
    assert client.get("/api/io/export/skills", params={"format": "pdf"}, headers=hr).status_code == 422


def test_import_and_export_are_hr_only(client, as_role, org):  # type: ignore[no-untyped-def]
    body = csv_bytes([["code", "name"], ["FIN", "Finance"]])
    for who in ("manager", "employee", "exec"):
        r = client.post("/api/io/import/departments", files={"file": ("d.csv", body)}, headers=as_role(who))
        assert r.status_code == 403, who
        assert client.get("/api/io/export/employees", headers=as_role(who)).status_code == 403, who
    assert client.get("/api/io/export/employees").status_code == 401


def test_small_org_round_trips_through_the_routes(client, as_role, org):  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    for kind in service.KINDS:
        data = client.get(f"/api/io/export/{kind}", params={"format": "xlsx"}, headers=hr).content
        r = client.post(f"/api/io/import/{kind}", files={"file": (f"{kind}.xlsx", data)}, headers=hr).json()
        assert (r["inserted"], r["updated"], r["deleted"]) == (0, 0, 0), (kind, r)
