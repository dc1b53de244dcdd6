"""The points ledger: who may award what, the recognition limit, corrections that never go beyond an
entry, the three append-only guards (API, ORM, database), and balances, ledgers and leaderboards
checked against a small set of entries computed by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, event, func, select, text, update
from sqlalchemy.exc import DBAPIError

from hcm.errors import Conflict, Forbidden, Invalid, NotFound
from hcm.org.models import EmployeeStatus
from performance.errors import LedgerAppendOnly, PeriodClosed
from performance.models import PeriodKind, PeriodState, PointsEntry, PointsRule
from performance.schemas_points import PointsBalance
from performance.service import periods, points
from tests import factories
from tests.performance import factories as perf

API = "/api/performance"


@pytest.fixture
def people(db, org):  # type: ignore[no-untyped-def]
    """Employee accounts for bob (alice's peer), dana (under bob) and carol (Sales, outside boss's line)."""
    for name in ("bob", "dana", "carol"):
        factories.login(db, org, name)
    return org


@pytest.fixture
def period(db):  # type: ignore[no-untyped-def]
    """Q1-26, a quarter in progress."""
    return perf.period(db, code="Q1-26", kind=PeriodKind.QUARTER)


@pytest.fixture
def rules(db, org):  # type: ignore[no-untyped-def]
    hr = org.principal("hr")
    return {code: points.create_rule(db, principal=hr, code=code, name=code.title(), amount=amount)
            for code, amount in (("GOAL_ACHIEVED", 100), ("PEER_RECOGNITION", 10), ("TRAINING_COMPLETED", 30))}


def _award(db, org, giver, to, rule=None, **kw):  # type: ignore[no-untyped-def]
    return points.award(db, principal=org.principal(giver), period_id=kw.pop("period_id"), employee_id=org.people[to].id,
                        rule_code=rule, reason=kw.pop("reason", "well done"), **kw)


# --- rules -----------------------------------------------------------------------------------------
def test_rules_are_hr_only_unique_and_non_zero(db, people, rules):  # type: ignore[no-untyped-def]
    assert [(r.code, r.amount) for r in points.list_rules(db)] == [
        ("GOAL_ACHIEVED", 100), ("PEER_RECOGNITION", 10), ("TRAINING_COMPLETED", 30)]
    hr = people.principal("hr")
    with pytest.raises(Forbidden):
        points.create_rule(db, principal=people.principal("manager"), code="X", name="X", amount=5)
    with pytest.raises(Conflict) as e:
        points.create_rule(db, principal=hr, code="GOAL_ACHIEVED", name="again", amount=5)
    assert e.value.field == "code"
    with pytest.raises(Invalid) as e:
        points.create_rule(db, principal=hr, code="ZERO", name="nothing", amount=0)
    assert e.value.field == "amount"
    with pytest.raises(Invalid) as e:
        points.create_rule(db, principal=hr, code="  ", name="blank", amount=5)
    assert e.value.field == "code"
    assert db.scalar(select(func.count()).select_from(PointsRule)) == 3


# --- who may award what ----------------------------------------------------------------------------
def test_hr_awards_anyone_with_the_rule_amount_or_an_explicit_one(db, people, rules, period):  # type: ignore[no-untyped-def]
    e = _award(db, people, "hr", "carol", "GOAL_ACHIEVED", period_id=period.id)
    assert (e.amount, e.rule_id, e.created_by_user_id) == (100, rules["GOAL_ACHIEVED"].id, people.users["hr"].id)
    assert _award(db, people, "hr", "carol", "GOAL_ACHIEVED", amount=150, period_id=period.id).amount == 150
    ad_hoc = _award(db, people, "hr", "ceo", amount=-20, period_id=period.id)
    assert (ad_hoc.amount, ad_hoc.rule_id) == (-20, None)


def test_manager_awards_their_subtree_and_only_recognises_others(db, people, rules, period):  # type: ignore[no-untyped-def]
    assert _award(db, people, "manager", "alice", "GOAL_ACHIEVED", period_id=period.id).amount == 100
    assert _award(db, people, "manager", "dana", "TRAINING_COMPLETED", period_id=period.id).amount == 30  # through bob
    before = factories.count(db, PointsEntry)
    with pytest.raises(Forbidden) as e:
        _award(db, people, "manager", "carol", "GOAL_ACHIEVED", period_id=period.id)
    assert "PEER_RECOGNITION" in e.value.message
    with pytest.raises(Forbidden) as e:
        _award(db, people, "manager", "alice", "GOAL_ACHIEVED", amount=500, period_id=period.id)
    assert e.value.field == "amount"
    with pytest.raises(Forbidden) as e:
        _award(db, people, "manager", "boss", "PEER_RECOGNITION", period_id=period.id)
    assert "themselves" in e.value.message
    assert factories.count(db, PointsEntry) == before
    assert _award(db, people, "manager", "carol", "PEER_RECOGNITION", period_id=period.id).amount == 10


def test_employee_only_recognises_a_colleague_never_themselves(db, people, rules, period):  # type: ignore[no-untyped-def]
    assert _award(db, people, "employee", "bob", "PEER_RECOGNITION", period_id=period.id).amount == 10
    before = factories.count(db, PointsEntry)
    # outside her team (carol heads Sales, dana reports to bob): the same 422 as an id that names nobody
    refusals = []
    for employee_id in (people.people["carol"].id, people.people["dana"].id, 999_999):
        with pytest.raises(Invalid) as e:
            points.award(db, principal=people.principal("employee"), period_id=period.id, employee_id=employee_id,
                         rule_code="PEER_RECOGNITION", reason="thanks")
        assert e.value.field == "employee_id"
        refusals.append(e.value.message.replace(str(employee_id), "<id>"))
    assert refusals == ["employee_id=<id> does not point at an existing Employee"] * 3
    with pytest.raises(Forbidden) as e:
        _award(db, people, "employee", "alice", "PEER_RECOGNITION", period_id=period.id)
    assert e.value.field == "employee_id" and "nobody awards points to themselves" in e.value.message
    with pytest.raises(Forbidden):
        _award(db, people, "employee", "bob", "GOAL_ACHIEVED", period_id=period.id)
    with pytest.raises(Forbidden):
        _award(db, people, "employee", "bob", "PEER_RECOGNITION", amount=1000, period_id=period.id)
    with pytest.raises(Forbidden):  # executives hold no POINTS_AWARD
        _award(db, people, "exec", "bob", "PEER_RECOGNITION", period_id=period.id)
    assert factories.count(db, PointsEntry) == before


def test_the_sixth_recognition_in_a_period_is_refused(db, people, rules, period):  # type: ignore[no-untyped-def]
    assert points.PEER_RECOGNITION_LIMIT == 5
    for _ in range(5):
        _award(db, people, "employee", "bob", "PEER_RECOGNITION", period_id=period.id)
    before = factories.count(db, PointsEntry)
    with pytest.raises(Conflict) as e:
        _award(db, people, "employee", "bob", "PEER_RECOGNITION", period_id=period.id)
    assert e.value.status_code == 409 and "at most 5 peer recognitions" in e.value.message
    assert factories.count(db, PointsEntry) == before
    # the limit is per giver and per period
    _award(db, people, "bob", "alice", "PEER_RECOGNITION", period_id=period.id)
    q2 = perf.period(db, code="Q2-26", kind=PeriodKind.QUARTER)
    _award(db, people, "employee", "bob", "PEER_RECOGNITION", period_id=q2.id)
    # HR is not limited
    for _ in range(6):
        _award(db, people, "hr", "alice", "PEER_RECOGNITION", period_id=period.id)


def test_bad_awards_name_the_field_and_write_nothing(db, people, rules, period):  # type: ignore[no-untyped-def]
    hr = people.principal("hr")
    alice = people.people["alice"].id
    rules["TRAINING_COMPLETED"].active = False
    db.flush()
    cases = [
        ({"rule_code": "NOPE"}, Invalid, "rule_code"),
        ({}, Invalid, "rule_code"),
        ({"rule_code": "TRAINING_COMPLETED"}, Invalid, "rule_code"),
        ({"amount": 0}, Invalid, "amount"),
        ({"rule_code": "GOAL_ACHIEVED", "reason": "   "}, Invalid, "reason"),
        ({"rule_code": "GOAL_ACHIEVED", "employee_id": 999_999}, Invalid, "employee_id"),
    ]
    for kw, exc, field in cases:
        args = {"employee_id": alice, "reason": "why", **kw}
        with pytest.raises(exc) as e:
            points.award(db, principal=hr, period_id=period.id, **args)
        assert e.value.field == field, kw
    with pytest.raises(NotFound):
        points.award(db, principal=hr, period_id=999_999, employee_id=alice, rule_code="GOAL_ACHIEVED", reason="x")
    carol = people.people["carol"]
    carol.status = EmployeeStatus.EXITED
    db.flush()
    with pytest.raises(Invalid) as e:
        points.award(db, principal=hr, period_id=period.id, employee_id=carol.id, rule_code="GOAL_ACHIEVED", reason="x")
    assert "has left" in e.value.message  # HR sees everyone: it may say so
    bob = people.people["bob"]
    bob.status = EmployeeStatus.EXITED
    db.flush()
    with pytest.raises(Invalid) as e:  # for a colleague, someone who left is nobody to name
        points.award(db, principal=people.principal("employee"), period_id=period.id, employee_id=bob.id,
                     rule_code="PEER_RECOGNITION", reason="x")
    assert e.value.message == f"employee_id={bob.id} does not point at an existing Employee"
    assert factories.count(db, PointsEntry) == 0


def test_a_closed_period_refuses_awards_and_corrections(db, people, rules, period):  # type: ignore[no-untyped-def]
    entry = _award(db, people, "hr", "alice", "GOAL_ACHIEVED", period_id=period.id)
    for state in (PeriodState.REVIEW, PeriodState.CALIBRATION, PeriodState.CLOSED):
        periods.advance(db, period_id=period.id, to=state)
    with pytest.raises(PeriodClosed) as e:
        _award(db, people, "hr", "alice", "GOAL_ACHIEVED", period_id=period.id)
    assert e.value.status_code == 409 and "closed" in e.value.message
    with pytest.raises(PeriodClosed):
        points.correct(db, principal=people.principal("hr"), entry_id=entry.id, reason="late")
    assert factories.count(db, PointsEntry) == 1


# --- corrections -----------------------------------------------------------------------------------
def test_corrections_compensate_and_never_go_beyond_the_entry(db, people, rules, period):  # type: ignore[no-untyped-def]
    hr = people.principal("hr")
    entry = _award(db, people, "manager", "alice", "GOAL_ACHIEVED", period_id=period.id)
    with pytest.raises(Forbidden):
        points.correct(db, principal=people.principal("manager"), entry_id=entry.id, reason="oops")
    with pytest.raises(Invalid) as e:  # a correction goes against the original
        points.correct(db, principal=hr, entry_id=entry.id, reason="x", amount=40)
    assert e.value.field == "amount"
    part = points.correct(db, principal=hr, entry_id=entry.id, reason="only partly achieved", amount=-40)
    assert (part.amount, part.corrects_entry_id, part.employee_id, part.rule_id) == (
        -40, entry.id, entry.employee_id, entry.rule_id)
    with pytest.raises(Conflict) as e:
        points.correct(db, principal=hr, entry_id=entry.id, reason="x", amount=-61)
    assert "+60 points left" in e.value.message
    with pytest.raises(Conflict):  # a correction is not itself corrected
        points.correct(db, principal=hr, entry_id=part.id, reason="x")
    rest = points.correct(db, principal=hr, entry_id=entry.id, reason="not achieved after all")
    assert rest.amount == -60  # by default the rest is reversed
    with pytest.raises(Conflict) as e:
        points.correct(db, principal=hr, entry_id=entry.id, reason="again")
    assert "already fully corrected" in e.value.message
    with pytest.raises(NotFound) as e:
        points.correct(db, principal=hr, entry_id=999_999, reason="x")
    assert e.value.field == "entry_id"
    assert factories.count(db, PointsEntry) == 3
    assert points.balances(db, principal=hr, period_id=period.id) == [
        PointsBalance(employee_id=people.people["alice"].id, name="Alice Analyst", points=0)]
    # a negative entry is corrected upwards
    fine = _award(db, people, "hr", "bob", amount=-25, period_id=period.id)
    assert points.correct(db, principal=hr, entry_id=fine.id, reason="waived").amount == 25


# --- append-only, three layers ---------------------------------------------------------------------
def test_the_orm_refuses_to_edit_or_delete_an_entry(db, people, rules, period):  # type: ignore[no-untyped-def]
    entry = _award(db, people, "hr", "alice", "GOAL_ACHIEVED", period_id=period.id)
    with pytest.raises(LedgerAppendOnly), db.begin_nested():
        entry.amount = 1
        db.flush()
    db.expire_all()
    with pytest.raises(LedgerAppendOnly), db.begin_nested():
        db.delete(db.get(PointsEntry, entry.id))
        db.flush()
    db.expire_all()
    for stmt in (update(PointsEntry).where(PointsEntry.id == entry.id).values(amount=1),
                 delete(PointsEntry).where(PointsEntry.id == entry.id)):
        with pytest.raises(LedgerAppendOnly), db.begin_nested():
            db.execute(stmt)
    assert db.get(PointsEntry, entry.id).amount == 100


def test_the_database_refuses_raw_update_and_delete(db, people, rules, period):  # type: ignore[no-untyped-def]
    entry = _award(db, people, "hr", "alice", "GOAL_ACHIEVED", period_id=period.id)
    conn = db.connection()  # plain SQL on the connection: no ORM event sees it, only the triggers
    for sql in ("UPDATE perf_points_ledger SET amount = 1 WHERE id = :id",
                "DELETE FROM perf_points_ledger WHERE id = :id"):
        with pytest.raises(DBAPIError) as e, conn.begin_nested():
            conn.execute(text(sql), {"id": entry.id})
        assert "append-only" in str(e.value.orig), sql
    assert conn.execute(text("SELECT amount FROM perf_points_ledger WHERE id = :id"), {"id": entry.id}).scalar() == 100
    assert conn.execute(text("SELECT count(*) FROM perf_points_ledger")).scalar() == 1


# --- balances, ledger, leaderboard -----------------------------------------------------------------
@pytest.fixture
def known(db, people, rules, period):  # type: ignore[no-untyped-def]
    """alice 100 + 10 - 40 + 30 = 100 | carol 100 | ceo 50 | bob 30 + 10 = 40 | dana 30 | boss 10."""
    p = period.id
    goal = _award(db, people, "hr", "alice", "GOAL_ACHIEVED", period_id=p)
    _award(db, people, "bob", "alice", "PEER_RECOGNITION", period_id=p)
    points.correct(db, principal=people.principal("hr"), entry_id=goal.id, reason="partly", amount=-40)
    _award(db, people, "manager", "alice", "TRAINING_COMPLETED", period_id=p)
    _award(db, people, "hr", "carol", "GOAL_ACHIEVED", period_id=p)
    _award(db, people, "hr", "ceo", amount=50, period_id=p)
    _award(db, people, "manager", "bob", "TRAINING_COMPLETED", period_id=p)
    _award(db, people, "employee", "bob", "PEER_RECOGNITION", period_id=p)
    _award(db, people, "manager", "dana", "TRAINING_COMPLETED", period_id=p)
    _award(db, people, "carol", "boss", "PEER_RECOGNITION", period_id=p)
    # another period does not count
    q2 = perf.period(db, code="Q2-26", kind=PeriodKind.QUARTER)
    _award(db, people, "hr", "dana", "GOAL_ACHIEVED", period_id=q2.id)
    return goal


def _board(db, org, name, **kw):  # type: ignore[no-untyped-def]
    board = points.leaderboard(db, principal=org.principal(name), period_id=kw.pop("period_id"), **kw)
    return [(e.rank, e.name.split()[0], e.points) for e in board.entries]


def test_balances_follow_the_people_scope(db, people, period, known):  # type: ignore[no-untyped-def]
    p = period.id
    got = {b.name.split()[0]: b.points for b in points.balances(db, principal=people.principal("hr"), period_id=p)}
    assert got == {"Alice": 100, "Carol": 100, "Cora": 50, "Bob": 40, "Dana": 30, "Bruno": 10}
    got = {b.name.split()[0]: b.points for b in points.balances(db, principal=people.principal("manager"), period_id=p)}
    assert got == {"Alice": 100, "Bob": 40, "Dana": 30, "Bruno": 10}
    assert [b.points for b in points.balances(db, principal=people.principal("employee"), period_id=p)] == [100]
    alice = people.people["alice"].id
    assert [b.points for b in points.balances(db, principal=people.principal("employee"), period_id=p,
                                              employee_ids=[alice])] == [100]
    for other in (people.people["carol"].id, 999_999):  # carol is not alice's to see: she is nobody to ask for
        with pytest.raises(NotFound) as e:
            points.balances(db, principal=people.principal("employee"), period_id=p, employee_ids=[alice, other])
        assert e.value.message == f"Employee with employee_id={other} does not exist"
    q2 = db.scalar(select(PointsEntry.period_id).where(PointsEntry.period_id != p))
    ids = [people.people[n].id for n in ("alice", "carol")]
    assert points.balances(db, principal=people.principal("hr"), period_id=q2, employee_ids=ids) == [
        PointsBalance(employee_id=ids[0], name="Alice Analyst", points=0),
        PointsBalance(employee_id=ids[1], name="Carol Seller", points=0)]


def test_ledger_has_a_running_balance_and_follows_the_people_scope(db, people, period, known):  # type: ignore[no-untyped-def]
    alice = people.people["alice"].id
    led = points.ledger(db, principal=people.principal("employee"), period_id=period.id, employee_id=alice)
    assert [(e.rule_code, e.amount, e.balance) for e in led.entries] == [
        ("GOAL_ACHIEVED", 100, 100), ("PEER_RECOGNITION", 10, 110), ("GOAL_ACHIEVED", -40, 70),
        ("TRAINING_COMPLETED", 30, 100)]
    assert led.balance == 100 and led.name == "Alice Analyst"
    assert led.entries[0].corrected == -40 and led.entries[2].corrects_entry_id == known.id
    assert points.ledger(db, principal=people.principal("manager"), period_id=period.id,
                         employee_id=people.people["dana"].id).balance == 30
    for name, other in (("employee", "bob"), ("manager", "carol"), ("hr", None)):  # outsiders are nobody
        for employee_id in ([people.people[other].id] if other else []) + [999_999]:
            with pytest.raises(NotFound) as e:
                points.ledger(db, principal=people.principal(name), period_id=period.id, employee_id=employee_id)
            assert (e.value.field, e.value.message) == ("employee_id", f"Employee with employee_id={employee_id} "
                                                                       "does not exist")


def test_leaderboards_rank_by_hand_computed_points(db, people, period, known):  # type: ignore[no-untyped-def]
    p = period.id
    # ties share a rank (alice and carol 100), then the next rank skips
    assert _board(db, people, "hr", period_id=p, scope="company") == [
        (1, "Alice", 100), (1, "Carol", 100), (3, "Cora", 50), (4, "Bob", 40), (5, "Dana", 30), (6, "Bruno", 10)]
    assert _board(db, people, "hr", period_id=p, scope="company", limit=2) == [(1, "Alice", 100), (1, "Carol", 100)]
    assert _board(db, people, "hr", period_id=p, scope="department", department_id=people.ops.id) == [
        (1, "Alice", 100), (2, "Bob", 40), (3, "Dana", 30), (4, "Bruno", 10)]
    # the root department holds the whole tree below it
    assert len(_board(db, people, "hr", period_id=p, scope="department", department_id=people.root.id)) == 6
    # a manager's team is their subtree and themselves
    assert _board(db, people, "manager", period_id=p, scope="team") == [
        (1, "Alice", 100), (2, "Bob", 40), (3, "Dana", 30), (4, "Bruno", 10)]
    # ... and on wider boards they also see their own peers (carol heads Sales beside boss), as everyone does
    assert _board(db, people, "manager", period_id=p, scope="company") == [
        (1, "Alice", 100), (1, "Carol", 100), (3, "Bob", 40), (4, "Dana", 30), (5, "Bruno", 10)]
    # an employee's team: the people reporting to their manager (not dana, who reports to bob)
    assert _board(db, people, "employee", period_id=p, scope="team") == [(1, "Alice", 100), (2, "Bob", 40)]
    assert _board(db, people, "employee", period_id=p, scope="company") == [(1, "Alice", 100), (2, "Bob", 40)]
    assert _board(db, people, "employee", period_id=p, scope="department") == [(1, "Alice", 100), (2, "Bob", 40)]
    assert _board(db, people, "dana", period_id=p, scope="team") == [(1, "Dana", 30)]
    board = points.leaderboard(db, principal=people.principal("employee"), period_id=p)
    assert set(board.entries[0].model_dump()) == {"rank", "employee_id", "name", "points"}  # name and points, nothing else


def test_leaderboard_bad_input(db, people, period, known):  # type: ignore[no-untyped-def]
    hr = people.principal("hr")
    for kw, field in (({"scope": "galaxy"}, "scope"), ({"limit": 0}, "limit"), ({"scope": "team"}, "scope"),
                      ({"scope": "department"}, "department_id")):
        with pytest.raises(Invalid) as e:
            points.leaderboard(db, principal=hr, period_id=period.id, **kw)
        assert e.value.field == field, kw
    with pytest.raises(NotFound):
        points.leaderboard(db, principal=hr, period_id=period.id, scope="department", department_id=999_999)
    with pytest.raises(NotFound):
        points.leaderboard(db, principal=hr, period_id=999_999, scope="company")


def test_reads_are_set_based(db, people, period, known):  # type: ignore[no-untyped-def]
    """A handful of statements whatever the number of people (no query per employee)."""
    statements: list[str] = []
    conn = db.connection()

    def count(*args):  # type: ignore[no-untyped-def]
        statements.append(args[2])

    event.listen(conn, "before_cursor_execute", count)
    try:
        points.balances(db, principal=people.principal("hr"), period_id=period.id)
        points.leaderboard(db, principal=people.principal("manager"), period_id=period.id, scope="company")
        points.ledger(db, principal=people.principal("hr"), period_id=period.id, employee_id=people.people["alice"].id)
    finally:
        event.remove(conn, "before_cursor_execute", count)
    assert len(statements) <= 12, statements


# --- over HTTP -------------------------------------------------------------------------------------
@pytest.fixture
def api(client):  # type: ignore[no-untyped-def]
    """The API client (the points routes are mounted by the app factory)."""
    return client


def test_points_over_http(api, as_role, db, people, rules, period):  # type: ignore[no-untyped-def]
    hr, alice, boss = as_role("hr"), as_role("employee"), as_role("manager")
    assert api.get(f"{API}/points/rules").status_code == 401
    assert [r["code"] for r in api.get(f"{API}/points/rules", headers=alice).json()] == [
        "GOAL_ACHIEVED", "PEER_RECOGNITION", "TRAINING_COMPLETED"]
    assert api.post(f"{API}/points/rules", json={"code": "X", "name": "X", "amount": 1}, headers=boss).status_code == 403
    r = api.post(f"{API}/points/rules", json={"code": "MENTORING", "name": "Mentoring", "amount": 20}, headers=hr)
    assert r.status_code == 201 and r.json()["amount"] == 20
    bob = people.people["bob"].id
    r = api.post(f"{API}/periods/{period.id}/points", json={"employee_id": bob, "rule_code": "PEER_RECOGNITION",
                                                             "reason": "helped with the release"}, headers=alice)
    assert r.status_code == 201, r.text
    entry = r.json()
    assert (entry["amount"], entry["employee_id"]) == (10, bob)
    r = api.post(f"{API}/periods/{period.id}/points", json={"employee_id": people.people["alice"].id,
                                                             "rule_code": "PEER_RECOGNITION", "reason": "me"}, headers=alice)
    assert r.status_code == 403 and "themselves" in r.json()["detail"]
    r = api.post(f"{API}/periods/{period.id}/points", json={"employee_id": bob, "amount": 999, "reason": "x"},
                 headers=boss)
    assert r.status_code == 403 and r.json()["field"] == "amount"
    # PATCH and DELETE exist only to say no, for everyone, and nothing changes
    for method, headers in (("patch", hr), ("delete", hr), ("patch", alice), ("delete", boss)):
        r = api.request(method.upper(), f"{API}/points/entries/{entry['id']}", json={"amount": 1}, headers=headers)
        assert r.status_code == 409 and "append-only" in r.json()["detail"], (method, r.text)
        assert r.json()["field"] == "entry_id"
    assert db.get(PointsEntry, entry["id"]).amount == 10
    r = api.post(f"{API}/points/entries/{entry['id']}/corrections", json={"reason": "x"}, headers=boss)
    assert r.status_code == 403
    r = api.post(f"{API}/points/entries/{entry['id']}/corrections", json={"reason": "duplicate"}, headers=hr)
    assert r.status_code == 201 and r.json()["amount"] == -10 and r.json()["corrects_entry_id"] == entry["id"]
    r = api.post(f"{API}/points/entries/{entry['id']}/corrections", json={"reason": "again"}, headers=hr)
    assert r.status_code == 409
    led = api.get(f"{API}/periods/{period.id}/points/ledger", params={"employee_id": bob}, headers=boss).json()
    assert [e["balance"] for e in led["entries"]] == [10, 0]
    assert api.get(f"{API}/periods/{period.id}/points/ledger", params={"employee_id": bob}, headers=alice).status_code == 404
    assert api.get(f"{API}/periods/{period.id}/points/ledger", headers=alice).json()["balance"] == 0
    board = api.get(f"{API}/periods/{period.id}/points/leaderboard", params={"scope": "company"}, headers=hr).json()
    assert board["entries"] == [{"rank": 1, "employee_id": bob, "name": "Bob Lead", "points": 0}]
    r = api.get(f"{API}/periods/{period.id}/points/leaderboard", params={"scope": "galaxy"}, headers=hr)
    assert r.status_code == 422
    bal = api.get(f"{API}/periods/{period.id}/points/balances", params={"employee_id": [bob]}, headers=boss).json()
    assert bal == [{"employee_id": bob, "name": "Bob Lead", "points": 0}]
