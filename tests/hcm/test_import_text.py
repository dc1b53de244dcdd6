"""Text through the import, exactly: names, titles and notes keep their spaces, tabs and line breaks, a code
with white space around it is refused (row and column named) instead of being trimmed into another key,
and any text makes the export -> import round trip unchanged, in both formats (a property test)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from hcm.io import service
from hcm.models import Assignment, Department, Employee, JobFamily, Skill
from tests.hcm.io_helpers import counts, imp, one, rejected

FORMATS = ["csv", "xlsx"]
ODD = [" leading", "trailing ", "\ttab first", "tab last\t", "two  spaces", "line\nbreak", "crlf\r\nline",
       "cr\ronly", "  ", "'quoted'", '"double"', "=1+1", "-minus", "comma, inside", "ü ß 😀", "\u00a0nbsp\u00a0"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_free_text_is_kept_exactly(db, fmt):  # type: ignore[no-untyped-def]
    odd = ODD if fmt == "csv" else [t for t in ODD if not t.startswith("=")]  # openpyxl would write a formula
    rows = [["code", "name", "category", "description"]] + [[f"SK-{i}", t, t, t] for i, t in enumerate(odd)]
    r = imp(db, "skills", rows, fmt)
    assert (r.inserted, r.updated) == (len(odd), 0)
    stored = {s.code: (s.name, s.category, s.description) for s in db.scalars(select(Skill).where(Skill.code.like("SK-%")))}
    # CR survives CSV; an XLSX written by openpyxl from a plain cell turns it into LF (XML), see the round trip
    expect = {f"SK-{i}": t if fmt == "csv" else t.replace("\r\n", "\n").replace("\r", "\n") for i, t in enumerate(odd)}
    assert stored == {k: (t, t, t) for k, t in expect.items()}
    again = imp(db, "skills", rows, fmt)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(odd))


def test_names_of_people_and_notes_keep_their_spaces(db, org):  # type: ignore[no-untyped-def]
    imp(db, "employees", [["external_id", "first_name", "last_name", "hire_date"],
                          ["X-NEW", " Anne Marie", "de la Cruz ", "2024-01-02"]])
    person = db.scalars(select(Employee).where(Employee.external_id == "X-NEW")).one()
    assert (person.first_name, person.last_name) == (" Anne Marie", "de la Cruz ")
    imp(db, "assignments", [["employee_external_id", "position_code", "start_date", "reason", "note"],
                            ["X-NEW", "SAL-1", "2024-01-02", "hire", "\tfirst post\n"]])
    notes = db.scalars(select(Assignment.note).where(Assignment.employee_id == person.id)).all()
    assert notes == ["\tfirst post\n"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_code_with_white_space_around_it_is_refused_with_its_row_and_column(db, org, fmt):  # type: ignore[no-untyped-def]
    errs = rejected(db, "departments", [["code", "name", "parent_code"], [" FIN", "Finance", "CO"],
                                        ["LEG", "Legal", "CO\t"], ["HR\n", "People", ""], ["  ", "Blank", ""],
                                        ["OK", "Fine", "CO"]], fmt)
    one(errs, 2, "code", "white space", "' FIN'")
    one(errs, 3, "parent_code", "white space", "'CO\\t'")
    one(errs, 4, "code", "white space")
    one(errs, 5, "code", "only white space")
    assert {e["row"] for e in errs} == {2, 3, 4, 5}
    # references and ids are codes too
    errs = rejected(db, "employees", [["external_id", "first_name", "last_name", "hire_date", "position_code"],
                                      ["X-A ", "A", "B", "2024-01-01", ""], ["X-B", "A", "B", "2024-01-01", " OPS-1"]],
                    fmt)
    one(errs, 2, "external_id", "white space")
    one(errs, 3, "position_code", "white space")


def test_white_space_around_numbers_dates_and_choices_is_not_part_of_them(db, org):  # type: ignore[no-untyped-def]
    r = imp(db, "grades", [["code", "name", "level", "pay_min", "pay_mid", "pay_max"],
                           ["G-S", "Spaced", " 3 ", " 100 ", "200\t", " 300.50"]])
    assert r.inserted == 1
    imp(db, "employees", [["external_id", "first_name", "last_name", "hire_date", "gender", "birth_year", "status"],
                          ["X-S", "A", "B", " 2024-01-02 ", " female", "1990 ", " active "]])
    p = db.scalars(select(Employee).where(Employee.external_id == "X-S")).one()
    assert (p.hire_date, p.gender.value, p.birth_year, p.status.value) == (date(2024, 1, 2), "female", 1990, "active")
    # a cell of spaces only in such a column is empty
    r = imp(db, "employees", [["external_id", "first_name", "last_name", "hire_date", "birth_year"],
                              ["X-S", "A", "B", "2024-01-02", "   "]])
    db.refresh(p)
    assert r.updated == 1 and p.birth_year is None


def test_an_email_with_a_space_or_a_line_break_is_not_an_email(db, org):  # type: ignore[no-untyped-def]
    errs = rejected(db, "employees", [["external_id", "first_name", "last_name", "hire_date", "email"],
                                      ["X-1", "A", "B", "2024-01-01", " a@example.com"],
                                      ["X-2", "A", "B", "2024-01-01", "b@example.com\n"]])
    one(errs, 2, "email", "not a valid email")
    one(errs, 3, "email", "not a valid email")


def test_an_empty_text_stored_by_the_api_is_the_same_as_an_empty_cell(db, org):  # type: ignore[no-untyped-def]
    db.add(Skill(code="SK-EMPTY", name="Empty bits", category="", description=""))
    db.flush()
    for fmt in FORMATS:
        data = service.export_bytes(db, kind="skills", fmt=fmt)
        r = service.import_bytes(db, kind="skills", filename=f"s.{fmt}", data=data)
        assert (r.inserted, r.updated) == (0, 0), (fmt, r)


def test_xlsx_writes_what_xml_cannot_hold_as_excel_does_and_reads_it_back() -> None:
    from hcm.io.files import read_xlsx, write_xlsx, xlsx_escape, xlsx_unescape

    assert xlsx_escape("a\rb\x01_x0041_\tc\n") == "a_x000D_b_x0001__x005F_x0041_\tc\n"
    assert xlsx_unescape("_x000D__x005F_x0041__x0041_") == "\r_x0041_A"  # as Excel reads them
    assert xlsx_unescape("_x0000_ _xD800_") == "_x0000_ _xD800_"  # no NUL, no lone surrogate: left as written
    texts = ["cr\r", "\x07bell", "_x0041_", "_x005F_", "\ufffe", "plain"]
    sheet = read_xlsx(write_xlsx(["k", "t"], [[f"k{i}", t] for i, t in enumerate(texts)]))
    assert [cells[1] for _, cells in sheet.records] == texts


# --- the property: any text, export -> import, is exact ---------------------------------------------------
# Every character a database text can hold: not NUL (PostgreSQL refuses it) nor a lone surrogate (not UTF-8).
CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
TEXT = st.text(CHARS, max_size=30)
NAME = st.text(CHARS, min_size=1, max_size=30)  # names are required: at least one character (as in the API)


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.tuples(NAME, TEXT, TEXT), min_size=1, max_size=4))
def test_any_text_makes_the_round_trip_exactly(db, fmt, texts):  # type: ignore[no-untyped-def]
    sp = db.begin_nested()
    try:
        db.execute(delete(Skill))
        db.execute(delete(JobFamily))
        db.add_all([Skill(code=f"P-{i}", name=n, category=cat or None, description=d or None)
                    for i, (n, cat, d) in enumerate(texts)])
        db.add_all([JobFamily(code=f"JF-{i}", name=n) for i, (n, _, _) in enumerate(texts)])
        db.add(Department(code="P-DEPT", name=texts[0][0]))
        db.flush()
        files = {k: service.export_bytes(db, kind=k, fmt=fmt) for k in ("skills", "job_families", "departments")}
        before = counts(db)
        for kind, data in files.items():
            r = service.import_bytes(db, kind=kind, filename=f"{kind}.{fmt}", data=data)
            assert (r.inserted, r.updated, r.unchanged) == (0, 0, r.rows), (kind, r)
        assert counts(db) == before  # not even an outbox row
        # and loaded into empty tables, the file gives back every text exactly
        db.execute(delete(Skill))
        db.execute(delete(JobFamily))
        service.import_bytes(db, kind="skills", filename=f"s.{fmt}", data=files["skills"])
        service.import_bytes(db, kind="job_families", filename=f"j.{fmt}", data=files["job_families"])
        db.expire_all()
        got = {s.code: (s.name, s.category or "", s.description or "") for s in db.scalars(select(Skill))}
        assert got == {f"P-{i}": t for i, t in enumerate(texts)}
        assert {j.code: j.name for j in db.scalars(select(JobFamily))} == {f"JF-{i}": t[0] for i, t in enumerate(texts)}
    finally:
        sp.rollback()
