"""The pieces every succession service builds on: the audit helper, HR's visibility settings, the plan-visibility
checks and the key-post decision."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.errors import Forbidden, Invalid, NotFound
from hcm.outbox import OutboxEvent
from succession import audit, policy, settings
from succession.models import KeyPostDecision, Readiness, SuccessionAudit, SuccessionSettings
from succession.service import keyposts
from tests.factories import Org, count
from tests.succession.factories import set_visibility


def test_record_makes_values_json_and_keeps_who(db: Session, org: Org) -> None:
    hr = org.principal("hr")
    row = audit.record(db, principal=hr, entity="nomination", entity_id=7, position_id=org.positions["ceo"].id,
                       action="create", before=None,
                       after={"readiness": Readiness.READY_1_2, "due": date(2026, 3, 1), "ids": (1, 2)})
    assert row.after == {"readiness": "ready_1_2", "due": "2026-03-01", "ids": [1, 2]}
    assert row.before is None and row.user_id == hr.user_id and row.at is not None
    assert [a.id for a in audit.position_history(db, position_id=org.positions["ceo"].id)] == [row.id]
    assert [a.id for a in audit.entity_history(db, entity="nomination", entity_id=7)] == [row.id]


def test_record_refuses_an_unknown_entity(db: Session, org: Org) -> None:
    with pytest.raises(ValueError, match="unknown audit entity"):
        audit.record(db, principal=None, entity="plans", entity_id=None, position_id=None, action="x",
                     before=None, after=None)


def test_settings_default_off_without_a_row_and_hr_update_is_audited(db: Session, org: Org) -> None:
    assert db.get(SuccessionSettings, 1) is None
    now = settings.current(db)
    assert (now.managers_see_plans_below, now.employees_see_own_nominations) == (False, False)
    assert db.get(SuccessionSettings, 1) is None  # reading wrote nothing
    row = settings.update(db, principal=org.principal("hr"), managers_see_plans_below=True)
    assert (row.managers_see_plans_below, row.employees_see_own_nominations) == (True, False)
    entry = db.scalars(select(SuccessionAudit).where(SuccessionAudit.entity == "settings")).one()
    assert entry.before == {"managers_see_plans_below": False, "employees_see_own_nominations": False}
    assert entry.after == {"managers_see_plans_below": True, "employees_see_own_nominations": False}
    assert entry.user_id == org.users["hr"].id


def test_settings_update_is_hr_only(db: Session, org: Org) -> None:
    with pytest.raises(Forbidden):
        settings.update(db, principal=org.principal("exec"), managers_see_plans_below=True)
    assert db.get(SuccessionSettings, 1) is None and count(db, SuccessionAudit) == 0


def test_who_sees_a_plan(db: Session, key_org: Org) -> None:
    P = key_org.positions
    hr, ex, mgr, emp = (key_org.principal(u) for u in ("hr", "exec", "manager", "employee"))
    for who in (hr, ex):
        assert all(policy.can_see_plan(db, who, p) for p in P.values())
    # setting off: a manager sees no plan, not even below them
    assert not any(policy.can_see_plan(db, mgr, p) for p in P.values())
    set_visibility(db, managers=True)
    seen = {k for k, p in P.items() if policy.can_see_plan(db, mgr, p)}
    assert seen == {"team1", "team2", "deep"}  # below OPS-H, not OPS-H itself, not the CEO or sales
    assert policy.visible_plan_position(db, mgr, P["team2"].id) is P["team2"]
    with pytest.raises(NotFound) as outside:
        policy.visible_plan_position(db, mgr, P["sales_head"].id)
    with pytest.raises(NotFound) as missing:
        policy.visible_plan_position(db, mgr, 999_999)
    assert str(outside.value).replace(str(P["sales_head"].id), "N") == str(missing.value).replace("999999", "N")
    set_visibility(db, managers=True, employees=True)
    assert not any(policy.can_see_plan(db, emp, p) for p in P.values())  # an employee never sees plans
    assert policy.can_see_own_nominations(db, emp)


def test_mark_key_records_decision_sets_flag_emits_and_audits(db: Session, org: Org) -> None:
    pos = org.positions["sales_head"]
    decision = keyposts.mark_key(db, principal=org.principal("hr"), position=pos, reason="  revenue owner ",
                                 criticality={"score": 0.8})
    assert pos.is_key is True
    assert (decision.is_key, decision.reason, decision.criticality) == (True, "revenue owner", {"score": 0.8})
    ev = db.scalars(select(OutboxEvent).where(OutboxEvent.topic == "position", OutboxEvent.key == "SAL-H")).one()
    assert ev.payload["is_key"] is True
    entry = db.scalars(select(SuccessionAudit).where(SuccessionAudit.entity == "key_post")).one()
    assert (entry.action, entry.before, entry.position_id) == ("set_key", {"is_key": False}, pos.id)
    assert entry.after == {"is_key": True, "reason": "revenue owner", "criticality": {"score": 0.8}}
    assert [d.id for d in keyposts.decisions(db, position_id=pos.id)] == [decision.id]


def test_mark_key_refuses_blank_reason_and_non_hr(db: Session, org: Org) -> None:
    pos = org.positions["sales_head"]
    with pytest.raises(Invalid) as blank:
        keyposts.mark_key(db, principal=org.principal("hr"), position=pos, reason="  ")
    assert blank.value.field == "reason"
    with pytest.raises(Forbidden):
        keyposts.mark_key(db, principal=org.principal("exec"), position=pos, reason="why not")
    assert pos.is_key is False and count(db, KeyPostDecision) == 0 and count(db, SuccessionAudit) == 0
