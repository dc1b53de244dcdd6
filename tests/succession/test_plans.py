"""Plans, slates, readiness and the emergency successor through the services, on the small org (hand-checked):

CEO* (Cora) gets a plan; Bruno (OPS-H), Carol (SAL-H), Bob (OPS-2) and Alice (OPS-1) are nominated in turn."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.errors import Conflict, Forbidden, Invalid, NotFound
from succession.models import (
    ActionStatus,
    GapKind,
    KeyPostDecision,
    Nomination,
    Readiness,
    ReadinessChange,
    SuccessionAudit,
)
from succession.schemas import ActionIn, ActionPatch, PlanIn, PlanOut, PlanPatch
from succession.service import actions, plans
from tests.factories import Org
from tests.succession.factories import exit_employee, last_event_id, set_visibility, state, successor_events

NOW, R12, R3 = Readiness.READY_NOW, Readiness.READY_1_2, Readiness.READY_3_PLUS


def _slate(plan: PlanOut) -> list[tuple[str, int, str]]:
    return [(n.employee.external_id, n.rank, n.readiness.value) for n in plan.nominees]


def _ceo_plan(db: Session, org: Org) -> PlanOut:
    return plans.create_plan(db, principal=org.principal("hr"), position_id=org.positions["ceo"].id, data=PlanIn())


def test_a_slate_built_step_by_step(db: Session, org: Org) -> None:
    hr, E, ceo = org.principal("hr"), org.people, org.positions["ceo"].id
    plan = _ceo_plan(db, org)
    assert (plan.position.code, plan.holder.external_id, plan.nominees, plan.emergency) == (  # type: ignore[union-attr]
        "CEO", "X-CEO", [], None)
    plans.nominate(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, readiness=R12, reason="runs ops")
    out = plans.nominate(db, principal=hr, position_id=ceo, employee_id=E["carol"].id, readiness=NOW, rank=1)
    assert _slate(out) == [("X-CAROL", 1, "ready_now"), ("X-BOSS", 2, "ready_1_2")]
    out = plans.nominate(db, principal=hr, position_id=ceo, employee_id=E["bob"].id, readiness=R3)
    assert _slate(out) == [("X-CAROL", 1, "ready_now"), ("X-BOSS", 2, "ready_1_2"), ("X-BOB", 3, "ready_3_plus")]
    assert out.nominees[0].current_position.code == "SAL-H"  # type: ignore[union-attr]

    out = plans.rerank(db, principal=hr, position_id=ceo, order=[E["boss"].id, E["bob"].id, E["carol"].id])
    assert _slate(out) == [("X-BOSS", 1, "ready_1_2"), ("X-BOB", 2, "ready_3_plus"), ("X-CAROL", 3, "ready_now")]

    out = plans.change_readiness(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, readiness=NOW,
                                 reason="led the merger")
    assert _slate(out)[0] == ("X-BOSS", 1, "ready_now")

    out = plans.remove_nominee(db, principal=hr, position_id=ceo, employee_id=E["bob"].id, reason="moved abroad")
    assert _slate(out) == [("X-BOSS", 1, "ready_now"), ("X-CAROL", 2, "ready_now")]
    gone = db.scalars(select(Nomination).where(Nomination.employee_id == E["bob"].id)).one()
    assert gone.removed_at is not None and gone.removal_reason == "moved abroad"  # closed, not deleted

    hist = plans.history(db, principal=hr, position_id=ceo)
    boss = [(c.before, c.after, c.reason) for c in hist.readiness_changes if c.employee_id == E["boss"].id]
    assert boss == [(None, R12, "runs ops"), (R12, NOW, "led the merger")]
    assert [c.reason for c in hist.readiness_changes if c.employee_id == E["bob"].id] == ["nominated"]
    assert [(a.entity, a.action) for a in hist.audit] == [
        ("plan", "create"), ("nomination", "create"), ("nomination", "create"), ("plan", "rerank"),
        ("nomination", "create"), ("plan", "rerank"), ("nomination", "readiness"), ("nomination", "remove")]
    assert hist.audit[3].before == {"order": [E["boss"].id]} and hist.audit[3].after == {
        "order": [E["carol"].id, E["boss"].id]}
    assert hist.audit[5].after == {"order": [E["boss"].id, E["bob"].id, E["carol"].id]}
    assert hist.audit[6].before == {"readiness": "ready_1_2"}
    assert hist.audit[6].after == {"readiness": "ready_now", "reason": "led the merger"}
    assert hist.audit[7].after["removal_reason"] == "moved abroad"  # type: ignore[index]
    assert hist.audit[7].before["removed_at"] is None and hist.audit[7].before["rank"] == 2  # type: ignore[index]
    assert all(a.user_id == org.users["hr"].id for a in hist.audit)


def test_each_change_sends_the_plans_successor_edges(db: Session, org: Org) -> None:
    hr, E, ceo = org.principal("hr"), org.people, org.positions["ceo"].id
    _ceo_plan(db, org)
    start = last_event_id(db)
    plans.nominate(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, readiness=R12)
    assert successor_events(db, start) == [
        ("upsert", "X-BOSS|CEO", {"employee": "X-BOSS", "position": "CEO", "readiness": "ready_1_2", "rank": 1})]
    mark = last_event_id(db)
    plans.nominate(db, principal=hr, position_id=ceo, employee_id=E["carol"].id, readiness=NOW, rank=1)
    assert successor_events(db, mark) == [  # Bruno moved down a rank: sent again
        ("upsert", "X-BOSS|CEO", {"employee": "X-BOSS", "position": "CEO", "readiness": "ready_1_2", "rank": 2}),
        ("upsert", "X-CAROL|CEO", {"employee": "X-CAROL", "position": "CEO", "readiness": "ready_now", "rank": 1})]
    mark = last_event_id(db)
    plans.set_emergency(db, principal=hr, position_id=ceo, employee_id=E["alice"].id, confirm=True,
                        reason="knows the board")
    assert successor_events(db, mark) == [  # the whole plan again, by employee
        ("upsert", "X-ALICE|CEO", {"employee": "X-ALICE", "position": "CEO", "readiness": "emergency", "rank": 3}),
        ("upsert", "X-BOSS|CEO", {"employee": "X-BOSS", "position": "CEO", "readiness": "ready_1_2", "rank": 2}),
        ("upsert", "X-CAROL|CEO", {"employee": "X-CAROL", "position": "CEO", "readiness": "ready_now", "rank": 1})]
    mark = last_event_id(db)
    plans.remove_nominee(db, principal=hr, position_id=ceo, employee_id=E["carol"].id, reason="declined")
    assert successor_events(db, mark) == [
        ("upsert", "X-ALICE|CEO", {"employee": "X-ALICE", "position": "CEO", "readiness": "emergency", "rank": 2}),
        ("upsert", "X-BOSS|CEO", {"employee": "X-BOSS", "position": "CEO", "readiness": "ready_1_2", "rank": 1}),
        ("delete", "X-CAROL|CEO", {"employee": "X-CAROL", "position": "CEO"})]
    mark = last_event_id(db)
    plans.set_emergency(db, principal=hr, position_id=ceo, employee_id=None)
    assert successor_events(db, mark)[-1] == ("delete", "X-ALICE|CEO", {"employee": "X-ALICE", "position": "CEO"})


def test_emergency_successor_on_the_slate_or_confirmed_off_it(db: Session, org: Org) -> None:
    hr, E, ceo = org.principal("hr"), org.people, org.positions["ceo"].id
    _ceo_plan(db, org)
    plans.nominate(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, readiness=R12)
    out = plans.set_emergency(db, principal=hr, position_id=ceo, employee_id=E["boss"].id)
    assert out.emergency is not None and (out.emergency.employee.external_id, out.emergency.on_slate,
                                          out.emergency.confirmed_at) == ("X-BOSS", True, None)
    assert out.nominees[0].is_emergency
    before = state(db)
    with pytest.raises(Invalid, match="not on the slate") as refused:
        plans.set_emergency(db, principal=hr, position_id=ceo, employee_id=E["carol"].id)
    assert refused.value.field == "employee_id" and state(db) == before
    with pytest.raises(Invalid) as no_reason:
        plans.set_emergency(db, principal=hr, position_id=ceo, employee_id=E["carol"].id, confirm=True)
    assert no_reason.value.field == "reason" and state(db) == before
    out = plans.set_emergency(db, principal=hr, position_id=ceo, employee_id=E["carol"].id, confirm=True,
                              reason="acting CEO twice before")
    assert out.emergency is not None and out.emergency.on_slate is False
    assert out.emergency.confirmed_by_user_id == org.users["hr"].id and out.emergency.confirmed_at is not None
    entry = db.scalars(select(SuccessionAudit).where(SuccessionAudit.action == "emergency")
                       .order_by(SuccessionAudit.id.desc())).first()
    assert entry is not None and entry.before["emergency_employee_id"] == E["boss"].id  # type: ignore[index]
    assert entry.after["emergency_employee_id"] == E["carol"].id  # type: ignore[index]
    assert entry.after["reason"] == "acting CEO twice before"  # type: ignore[index]


def test_removing_an_unconfirmed_emergency_successor_clears_it(db: Session, org: Org) -> None:
    hr, E, ceo = org.principal("hr"), org.people, org.positions["ceo"].id
    _ceo_plan(db, org)
    plans.nominate(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, readiness=NOW)
    plans.set_emergency(db, principal=hr, position_id=ceo, employee_id=E["boss"].id)
    out = plans.remove_nominee(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, reason="retiring")
    assert out.emergency is None and out.nominees == []


def test_a_nominee_who_leaves_stays_on_the_slate_until_removed(db: Session, org: Org) -> None:
    hr, E, ceo = org.principal("hr"), org.people, org.positions["ceo"].id
    _ceo_plan(db, org)
    plans.nominate(db, principal=hr, position_id=ceo, employee_id=E["carol"].id, readiness=NOW)
    exit_employee(db, E["carol"])
    out = plans.get_plan(db, principal=hr, position_id=ceo)
    assert [(n.employee.external_id, n.employee.status.value, n.current_position) for n in out.nominees] == [
        ("X-CAROL", "exited", None)]
    summary = plans.list_plans(db, principal=hr).items
    assert [(s.position.code, s.nominees, s.ready_now) for s in summary if s.position.code == "CEO"] == [("CEO", 0, 0)]
    before = state(db)
    with pytest.raises(Invalid, match="has left"):
        plans.change_readiness(db, principal=hr, position_id=ceo, employee_id=E["carol"].id, readiness=R12,
                               reason="x")
    assert state(db) == before
    out = plans.remove_nominee(db, principal=hr, position_id=ceo, employee_id=E["carol"].id, reason="left")
    assert out.nominees == []


def test_plans_list_key_posts_with_figures(db: Session, key_org: Org) -> None:
    hr, E, P = key_org.principal("hr"), key_org.people, key_org.positions
    _ceo_plan(db, key_org)
    for who, r in (("boss", NOW), ("carol", NOW), ("bob", R3)):
        plans.nominate(db, principal=hr, position_id=P["ceo"].id, employee_id=E[who].id, readiness=r)
    plans.set_emergency(db, principal=hr, position_id=P["ceo"].id, employee_id=E["carol"].id)
    page = plans.list_plans(db, principal=hr)
    got = [(s.position.code, s.plan_id is not None, s.nominees, s.ready_now, s.ready_1_2, s.ready_3_plus,
            s.emergency_employee_id, s.holder.external_id if s.holder else None) for s in page.items]
    assert got == [("CEO", True, 3, 2, 0, 1, E["carol"].id, "X-CEO"), ("OPS-2", False, 0, 0, 0, 0, None, "X-BOB"),
                   ("OPS-H", False, 0, 0, 0, 0, None, "X-BOSS")]
    assert page.total == 3
    assert [s.position.code for s in plans.list_plans(db, principal=hr, with_plan=False).items] == ["OPS-2", "OPS-H"]
    assert [s.position.code for s in plans.list_plans(db, principal=hr, department_id=key_org.ops.id).items] == [
        "OPS-2", "OPS-H"]


def test_plan_for_a_post_that_is_not_key_needs_hr_to_mark_it_key_in_the_same_step(db: Session, org: Org) -> None:
    hr, sales = org.principal("hr"), org.positions["sales_head"]
    before = state(db)
    with pytest.raises(Invalid, match="not a key post") as refused:
        plans.create_plan(db, principal=hr, position_id=sales.id, data=PlanIn())
    assert refused.value.field == "position_id" and state(db) == before
    with pytest.raises(Invalid) as no_reason:
        plans.create_plan(db, principal=hr, position_id=sales.id, data=PlanIn(mark_key=True, key_reason=" "))
    assert no_reason.value.field == "key_reason" and state(db) == before
    out = plans.create_plan(db, principal=hr, position_id=sales.id,
                            data=PlanIn(mark_key=True, key_reason="the only revenue owner", notes="first plan"))
    assert out.is_key and sales.is_key and out.notes == "first plan"
    decision = db.scalars(select(KeyPostDecision)).one()
    assert (decision.position_id, decision.is_key, decision.reason) == (sales.id, True, "the only revenue owner")
    assert [(a.entity, a.action) for a in plans.history(db, principal=hr, position_id=sales.id).audit] == [
        ("key_post", "set_key"), ("plan", "create")]


@pytest.mark.parametrize("case", ["holder", "exited", "duplicate", "rank", "no_plan", "not_hr", "twice",
                                  "unknown_person"])
def test_bad_nominations_are_refused_naming_the_rule_and_write_nothing(db: Session, org: Org, case: str) -> None:
    hr, E, ceo = org.principal("hr"), org.people, org.positions["ceo"].id
    if case != "no_plan":
        _ceo_plan(db, org)
        plans.nominate(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, readiness=NOW)
    if case == "exited":
        exit_employee(db, E["carol"])
    before = state(db)
    expected: tuple[type[Exception], str, str | None] = {
        "holder": (Invalid, "holder cannot be nominated", "employee_id"),
        "exited": (Invalid, "has left", "employee_id"),
        "duplicate": (Conflict, "already on the slate", "employee_id"),
        "rank": (Invalid, "rank must be between 1 and 2", "rank"),
        "no_plan": (NotFound, "SuccessionPlan", "position_id"),
        "not_hr": (Forbidden, "only HR", None),
        "twice": (Conflict, "already has a succession plan", "position_id"),
        "unknown_person": (Invalid, "does not point at an existing Employee", "employee_id"),
    }[case]
    who = {"holder": E["ceo"], "exited": E["carol"], "duplicate": E["boss"]}.get(case, E["alice"])
    with pytest.raises(expected[0], match=expected[1]) as refused:
        if case == "twice":
            _ceo_plan(db, org)
        else:
            plans.nominate(db, principal=org.principal("exec") if case == "not_hr" else hr, position_id=ceo,
                           employee_id=999_999 if case == "unknown_person" else who.id, readiness=R12,
                           rank=5 if case == "rank" else None)
    assert getattr(refused.value, "field", None) == expected[2]
    assert state(db) == before


def test_an_unknown_readiness_value_is_refused(db: Session, org: Org) -> None:
    hr, ceo = org.principal("hr"), org.positions["ceo"].id
    _ceo_plan(db, org)
    before = state(db)
    with pytest.raises(ValueError, match="soon"):
        plans.nominate(db, principal=hr, position_id=ceo, employee_id=org.people["boss"].id,
                       readiness="soon")  # type: ignore[arg-type]
    assert state(db) == before


@pytest.mark.parametrize("order,message", [
    ("dup", "more than once"), ("stray", "not on the slate"), ("short", "leaves out")])
def test_a_bad_new_order_is_refused(db: Session, org: Org, order: str, message: str) -> None:
    hr, E, ceo = org.principal("hr"), org.people, org.positions["ceo"].id
    _ceo_plan(db, org)
    for who in ("boss", "carol"):
        plans.nominate(db, principal=hr, position_id=ceo, employee_id=E[who].id, readiness=NOW)
    ids = {"dup": [E["boss"].id, E["boss"].id, E["carol"].id], "stray": [E["carol"].id, E["boss"].id, E["bob"].id],
           "short": [E["carol"].id]}[order]
    before = state(db)
    with pytest.raises(Invalid, match=message) as refused:
        plans.rerank(db, principal=hr, position_id=ceo, order=ids)
    assert refused.value.field == "order" and state(db) == before


def test_readiness_and_removal_refusals(db: Session, org: Org) -> None:
    hr, E, ceo = org.principal("hr"), org.people, org.positions["ceo"].id
    _ceo_plan(db, org)
    plans.nominate(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, readiness=NOW)
    before = state(db)
    with pytest.raises(Invalid, match="already 'ready_now'"):
        plans.change_readiness(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, readiness=NOW,
                               reason="again")
    with pytest.raises(Invalid) as blank:
        plans.change_readiness(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, readiness=R3, reason=" ")
    assert blank.value.field == "reason"
    with pytest.raises(NotFound, match="Nomination"):
        plans.change_readiness(db, principal=hr, position_id=ceo, employee_id=E["carol"].id, readiness=R3,
                               reason="x")
    with pytest.raises(Invalid) as no_reason:
        plans.remove_nominee(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, reason="")
    assert no_reason.value.field == "reason"
    with pytest.raises(Invalid, match="holder cannot be their own"):
        plans.set_emergency(db, principal=hr, position_id=ceo, employee_id=E["ceo"].id, confirm=True, reason="x")
    assert state(db) == before
    assert db.scalars(select(ReadinessChange)).all()[0].reason == "nominated"


def test_notes_are_updated_and_audited(db: Session, org: Org) -> None:
    hr, ceo = org.principal("hr"), org.positions["ceo"].id
    _ceo_plan(db, org)
    out = plans.update_plan(db, principal=hr, position_id=ceo, data=PlanPatch(notes="board review in May"))
    assert out.notes == "board review in May"
    assert [(a.action, a.before, a.after) for a in plans.history(db, principal=hr, position_id=ceo).audit][-1] == (
        "update", {"notes": None}, {"notes": "board review in May"})


def test_development_actions(db: Session, org: Org) -> None:
    hr, E, ceo = org.principal("hr"), org.people, org.positions["ceo"].id
    from tests.factories import skill

    finance = skill(db, code="FIN", name="Finance")
    _ceo_plan(db, org)
    plans.nominate(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, readiness=R12)
    a = actions.create_action(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, data=ActionIn(
        title="Finance for leaders", gap_kind=GapKind.SKILL, skill_id=finance.id, target_level=4,
        owner_employee_id=E["ceo"].id, due_date=date(2026, 9, 30)))
    assert (a.status, a.skill_id, a.target_level, a.owner_employee_id, a.due_date) == (
        ActionStatus.PLANNED, finance.id, 4, E["ceo"].id, date(2026, 9, 30))
    b = actions.create_action(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, data=ActionIn(
        title="Run the sales division for a quarter", gap_kind=GapKind.EXPERIENCE, target_role="SALES/GX"))
    done = actions.update_action(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, action_id=a.id,
                                 data=ActionPatch(status=ActionStatus.DONE))
    assert done.status is ActionStatus.DONE and done.completed_at is not None
    listed = actions.list_actions(db, principal=hr, position_id=ceo, employee_id=E["boss"].id)
    assert [(x.id, x.status) for x in listed] == [(a.id, ActionStatus.DONE), (b.id, ActionStatus.PLANNED)]
    plan = plans.get_plan(db, principal=hr, position_id=ceo)
    assert [x.title for x in plan.nominees[0].actions] == ["Finance for leaders", "Run the sales division for a quarter"]
    audit_rows = [(x.entity, x.action) for x in plans.history(db, principal=hr, position_id=ceo).audit
                  if x.entity == "action"]
    assert audit_rows == [("action", "create"), ("action", "create"), ("action", "update")]
    upd = plans.history(db, principal=hr, position_id=ceo).audit[-1]
    assert (upd.before["status"], upd.after["status"]) == ("planned", "done")  # type: ignore[index]

    before = state(db)
    bad = [
        (ActionIn(title="x", gap_kind=GapKind.SKILL), "skill_id"),
        (ActionIn(title="x", gap_kind=GapKind.OTHER, target_level=3), "target_level"),
        (ActionIn(title="x", gap_kind=GapKind.SKILL, skill_id=999_999), "skill_id"),
        (ActionIn(title="x", gap_kind=GapKind.OTHER, owner_employee_id=999_999), "owner_employee_id"),
        (ActionIn(title="  ", gap_kind=GapKind.OTHER), "title"),
    ]
    for data, field in bad:
        with pytest.raises(Invalid) as refused:
            actions.create_action(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, data=data)
        assert refused.value.field == field
    with pytest.raises(NotFound):  # not on the slate
        actions.create_action(db, principal=hr, position_id=ceo, employee_id=E["carol"].id,
                              data=ActionIn(title="x", gap_kind=GapKind.OTHER))
    with pytest.raises(NotFound) as other:  # an action of another nominee (or none) is not found
        actions.update_action(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, action_id=999_999,
                              data=ActionPatch(title="y"))
    assert other.value.field == "action_id"
    exit_employee(db, E["alice"])
    before = state(db)
    with pytest.raises(Invalid, match="has left"):
        actions.update_action(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, action_id=b.id,
                              data=ActionPatch(owner_employee_id=E["alice"].id))
    assert state(db) == before


def test_my_nominations_only_when_hr_enables_them(db: Session, org: Org) -> None:
    hr, E, ceo = org.principal("hr"), org.people, org.positions["ceo"].id
    _ceo_plan(db, org)
    plans.nominate(db, principal=hr, position_id=ceo, employee_id=E["alice"].id, readiness=R3)
    plans.nominate(db, principal=hr, position_id=ceo, employee_id=E["boss"].id, readiness=NOW, rank=1)
    me = org.principal("employee")
    with pytest.raises(NotFound):
        plans.my_nominations(db, principal=me)
    set_visibility(db, employees=True)
    mine = plans.my_nominations(db, principal=me)
    assert [(m.position.code, m.readiness) for m in mine] == [("CEO", R3)]
    assert "rank" not in mine[0].model_dump()
    with pytest.raises(NotFound):  # HR has no record of their own: nothing to show
        plans.my_nominations(db, principal=hr)
