"""Employees, assignment history and proficiencies by file: the history a change implies, the full-history
semantics of the assignments file, one holder per post, and the bulk (not per-row) database work."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import event, select

from hcm.models import Assignment, Employee, EmployeeSkill, OutboxEvent, Position
from tests import factories
from tests.hcm.io_helpers import AS_OF, imp, one, rejected

EMP = ["external_id", "first_name", "last_name", "hire_date", "position_code"]
ASG = ["employee_external_id", "position_code", "start_date", "end_date", "reason", "salary"]


def history(db, emp: Employee) -> list[tuple[str | None, date, date | None, str]]:  # type: ignore[no-untyped-def]
    rows = db.execute(select(Position.code, Assignment.start_date, Assignment.end_date, Assignment.reason)
                      .outerjoin(Position, Position.id == Assignment.position_id)
                      .where(Assignment.employee_id == emp.id).order_by(Assignment.start_date)).all()
    return [(p, s, e, r.value) for p, s, e, r in rows]


def fresh(db, emp: Employee) -> Employee:  # type: ignore[no-untyped-def]
    db.refresh(emp)
    return emp


# --- employees -----------------------------------------------------------------------------------
def test_new_hire_with_a_post_gets_a_hire_assignment(db, org):  # type: ignore[no-untyped-def]
    r = imp(db, "employees", [[*EMP, "salary"], ["N-1", "Nia", "New", "2026-02-02", "SAL-1", "48000"],
                              ["N-2", "Oto", "Floating", "2026-02-02", "", ""]])
    assert (r.inserted, r.updated, r.unchanged) == (2, 0, 0)
    nia, oto = (db.scalars(select(Employee).where(Employee.external_id == x)).one() for x in ("N-1", "N-2"))
    assert nia.position_id == org.positions["vacant"].id and nia.status.value == "active"
    assert history(db, nia) == [("SAL-1", date(2026, 2, 2), None, "hire")]
    assert history(db, oto) == []


def test_a_changed_post_closes_the_open_stay_and_opens_one_on_as_of(db, org):  # type: ignore[no-untyped-def]
    low, high = factories.grade(db, level=2), factories.grade(db, level=7)
    db.get(Position, org.positions["team1"].id).grade_id = low.id
    db.get(Position, org.positions["vacant"].id).grade_id = high.id
    db.flush()
    alice = org.people["alice"]
    r = imp(db, "employees", [EMP, ["X-ALICE", "Alice", "Analyst", "2020-01-06", "SAL-1"]])
    assert r.updated == 1
    assert fresh(db, alice).position_id == org.positions["vacant"].id
    assert history(db, alice) == [("OPS-1", date(2020, 1, 6), date(2026, 3, 1), "hire"),
                                  ("SAL-1", AS_OF, None, "promotion")]
    ev = db.scalars(select(OutboxEvent).where(OutboxEvent.key == "X-ALICE").order_by(OutboxEvent.id.desc())).first()
    assert ev.payload == {"name": "Alice Analyst", "status": "active", "position": "SAL-1"}


def test_two_people_swap_posts_in_one_file(db, org):  # type: ignore[no-untyped-def]
    r = imp(db, "employees", [EMP, ["X-ALICE", "Alice", "Analyst", "2020-01-06", "OPS-2"],
                              ["X-BOB", "Bob", "Lead", "2020-01-06", "OPS-1"]])
    assert r.updated == 2
    assert fresh(db, org.people["alice"]).position_id == org.positions["team2"].id
    assert fresh(db, org.people["bob"]).position_id == org.positions["team1"].id
    assert history(db, org.people["bob"])[-1] == ("OPS-1", AS_OF, None, "lateral")


def test_leaving_needs_a_reason_and_writes_the_exit(db, org):  # type: ignore[no-untyped-def]
    cols = ["external_id", "first_name", "last_name", "hire_date", "status", "exit_date", "exit_reason"]
    errs = rejected(db, "employees", [cols, ["X-ALICE", "Alice", "Analyst", "2020-01-06", "exited", "2026-02-27", ""],
                                      ["X-BOB", "Bob", "Lead", "2020-01-06", "exited", "", ""],
                                      ["X-DANA", "Dana", "Clerk", "2020-01-06", "active", "2026-01-01", ""],
                                      ["X-CAROL", "Carol", "Seller", "2020-01-06", "", "2019-01-01", "exit_voluntary"]])
    one(errs, 2, "exit_reason", "required when an employee leaves")
    one(errs, 3, "exit_date", "required when the status is exited")
    one(errs, 4, "exit_date", "active employee has no exit_date")
    one(errs, 5, "exit_date", "before the hire date")
    alice = org.people["alice"]
    r = imp(db, "employees", [cols, ["X-ALICE", "Alice", "Analyst", "2020-01-06", "", "2026-02-27", "exit_voluntary"]])
    assert r.updated == 1
    alice = fresh(db, alice)
    assert (alice.status.value, alice.exit_date, alice.position_id) == ("exited", date(2026, 2, 27), None)
    assert history(db, alice) == [("OPS-1", date(2020, 1, 6), date(2026, 2, 27), "hire"),
                                  (None, date(2026, 2, 27), date(2026, 2, 27), "exit_voluntary")]
    # a later correction of the exit date belongs to the assignments file
    errs = rejected(db, "employees", [cols, ["X-ALICE", "Alice", "Analyst", "2020-01-06", "", "2026-02-20", ""]])
    one(errs, 2, "exit_date", "assignments import")
    # a rehire needs the new hire date
    errs = rejected(db, "employees", [[*cols, "position_code"],
                                      ["X-ALICE", "Alice", "Analyst", "2020-01-06", "active", "", "", "OPS-1"]])
    one(errs, 2, "hire_date", "rehire")
    imp(db, "employees", [[*cols, "position_code"], ["X-ALICE", "Alice", "Analyst", "2026-04-01", "", "", "", "OPS-1"]])
    assert history(db, alice)[-1] == ("OPS-1", date(2026, 4, 1), None, "hire")
    assert fresh(db, alice).status.value == "active"


def test_a_post_change_not_after_the_current_stay_is_refused(db, org):  # type: ignore[no-untyped-def]
    errs = rejected(db, "employees", [EMP, ["X-ALICE", "Alice", "Analyst", "2020-01-06", "SAL-1"]],
                    as_of=date(2020, 1, 6))
    one(errs, 2, "position_code", "not after the current assignment", "assignments import")


def test_a_post_held_twice(db, org):  # type: ignore[no-untyped-def]
    errs = rejected(db, "employees", [EMP, ["N-1", "A", "B", "2026-01-05", "SAL-1"],
                                      ["N-2", "C", "D", "2026-01-05", "SAL-1"],
                                      ["N-3", "E", "F", "2026-01-05", "OPS-1"]])
    assert [(e["row"], e["column"]) for e in errs] == [(3, "position_code"), (4, "position_code")]
    one(errs, 3, "position_code", "two employees in this file", "N-1", "row 2")
    one(errs, 4, "position_code", "held by employee 'X-ALICE'", "not in this file")


def test_an_inactive_post_cannot_be_taken(db, org):  # type: ignore[no-untyped-def]
    db.get(Position, org.positions["vacant"].id).is_active = False
    db.flush()
    errs = rejected(db, "employees", [EMP, ["N-1", "A", "B", "2026-01-05", "SAL-1"]])
    one(errs, 2, "position_code", "inactive")


# --- assignments ---------------------------------------------------------------------------------
def test_assignments_file_is_the_full_history_of_its_people(db, org):  # type: ignore[no-untyped-def]
    alice, bob = org.people["alice"], org.people["bob"]
    bob_before = history(db, bob)
    r = imp(db, "assignments", [ASG, ["X-ALICE", "OPS-1", "2020-01-06", "2022-12-31", "hire", "50000"],
                                ["X-ALICE", "SAL-1", "2023-01-01", "", "lateral", "61000"]])
    assert (r.rows, r.inserted, r.updated, r.unchanged, r.deleted) == (2, 1, 1, 0, 0)
    assert history(db, alice) == [("OPS-1", date(2020, 1, 6), date(2022, 12, 31), "hire"),
                                  ("SAL-1", date(2023, 1, 1), None, "lateral")]
    assert fresh(db, alice).position_id == org.positions["vacant"].id  # the history sets the current post
    assert history(db, bob) == bob_before  # people not in the file are untouched
    # a history that starts elsewhere replaces the stored one
    r = imp(db, "assignments", [ASG, ["X-ALICE", "OPS-1", "2019-05-01", "", "hire", ""]])
    assert (r.inserted, r.deleted) == (1, 2)
    assert history(db, alice) == [("OPS-1", date(2019, 5, 1), None, "hire")]
    # ending in an exit: status, exit date and post follow
    imp(db, "assignments", [ASG, ["X-ALICE", "OPS-1", "2019-05-01", "2025-06-30", "hire", ""],
                            ["X-ALICE", "", "2025-06-30", "", "exit_involuntary", ""]])
    alice = fresh(db, alice)
    assert (alice.status.value, alice.exit_date, alice.position_id) == ("exited", date(2025, 6, 30), None)


def test_assignment_rows_are_checked(db, org):  # type: ignore[no-untyped-def]
    errs = rejected(db, "assignments", [
        ASG,
        ["X-ALICE", "OPS-1", "2020-01-06", "2019-01-01", "hire", ""],       # 2: ends before it starts
        ["X-BOB", "OPS-2", "2020-01-06", "", "hire", ""],                   # 3: open ...
        ["X-BOB", "SAL-1", "2021-01-01", "", "lateral", ""],                # 4: ... so this overlaps
        ["X-DANA", "OPS-3", "2020-01-06", "2021-06-30", "hire", ""],        # 5
        ["X-DANA", "SAL-1", "2021-06-30", "", "promotion", ""],             # 6: starts on the day row 5 ends
        ["X-CAROL", "SAL-H", "2020-01-06", "", "exit_voluntary", ""],       # 7: an exit has no post
        ["X-CEO", "", "2020-01-06", "", "promotion", ""],                   # 8: a move needs a post
        ["X-BOSS", "OPS-H", "2020-01-06", "", "hire", "x"],                 # 9: salary
        ["X-BOSS", "OPS-H", "2020-01-06", "", "hire", ""],                  # 10: duplicate start
    ])
    one(errs, 2, "end_date", "before start_date")
    one(errs, 4, "start_date", "overlaps", "row 3", "no end_date")
    one(errs, 6, "start_date", "overlaps", "row 5")
    one(errs, 7, "position_code", "an exit has no position")
    one(errs, 8, "position_code", "promotion needs a position_code")
    one(errs, 6, "position_code", "two employees in this file", "X-BOB")  # rows 4 and 6 both end on SAL-1
    one(errs, 9, "salary", "not a number")
    assert len(errs) == 7  # row 10 repeats row 9, which was already rejected, so it stands alone and is valid


def test_history_cannot_give_a_post_to_two_people(db, org):  # type: ignore[no-untyped-def]
    errs = rejected(db, "assignments", [ASG, ["X-ALICE", "OPS-2", "2020-01-06", "", "hire", ""]])
    one(errs, 2, "position_code", "held by employee 'X-BOB'")
    errs = rejected(db, "assignments", [ASG, ["X-ALICE", "SAL-1", "2020-01-06", "", "hire", ""],
                                        ["X-BOB", "SAL-1", "2020-01-06", "", "hire", ""]])
    one(errs, 3, "position_code", "two employees in this file")


# --- proficiencies -------------------------------------------------------------------------------
def test_proficiencies_upsert_and_refuse_older_assessments(db, org):  # type: ignore[no-untyped-def]
    s = factories.skill(db, code="SK-1")
    cols = ["employee_external_id", "skill_code", "level", "source", "assessed_on"]
    r = imp(db, "proficiencies", [cols, ["X-ALICE", "SK-1", 3, "self", "2026-01-10"]])
    assert r.inserted == 1
    r = imp(db, "proficiencies", [cols, ["X-ALICE", "SK-1", 4, "self", "2026-02-10"],
                                  ["X-ALICE", "SK-1", 2, "manager", "2026-02-10"]])
    assert (r.inserted, r.updated) == (1, 1)
    levels = dict(db.execute(select(EmployeeSkill.source, EmployeeSkill.level).where(EmployeeSkill.skill_id == s.id)).all())
    assert {k.value: v for k, v in levels.items()} == {"self": 4, "manager": 2}
    errs = rejected(db, "proficiencies", [cols, ["X-ALICE", "SK-1", 5, "self", "2026-01-01"]])
    one(errs, 2, "assessed_on", "newer self assessment", "2026-02-10")
    errs = rejected(db, "proficiencies", [cols, ["X-BOB", "SK-1", 5, "self", "2026-01-01"],
                                          ["X-BOB", "SK-1", 4, "self", "2026-01-02"]])
    one(errs, 3, "skill_code", "duplicate", "row 2")


# --- bulk work -----------------------------------------------------------------------------------
def test_import_work_does_not_grow_with_the_rows(db, org):  # type: ignore[no-untyped-def]
    """Keys are loaded per table and rows written with executemany: the statement count is flat."""
    def statements(n: int, first: int) -> int:
        rows = [[*EMP, "salary", "email"]] + [[f"B-{i}", "Bulk", f"P{i}", "2025-01-01", "", "1000", f"b{i}@x.org"]
                                              for i in range(first, first + n)]
        seen: list[str] = []
        conn = db.connection()
        listener = lambda *a: seen.append(a[2])  # noqa: E731
        event.listen(conn, "before_cursor_execute", listener)
        try:
            imp(db, "employees", rows)
            imp(db, "employees", [[c if c != "salary" else "salary" for c in rows[0]]] +
                [[*r[:5], "2000", r[6]] for r in rows[1:]])  # every row updated
        finally:
            event.remove(conn, "before_cursor_execute", listener)
        return len(seen)

    small, big = statements(10, 0), statements(1500, 1000)
    assert big <= small + 6, (small, big)  # a few more insert batches, never one statement per row
    assert db.scalars(select(Employee.salary).where(Employee.external_id == "B-2400")).one() == Decimal("2000")
