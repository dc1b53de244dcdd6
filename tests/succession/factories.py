"""Succession data for tests, on the small org of tests/factories.py (``small_org``).

CEO* <- Cora (exec)
  OPS-H* <- Bruno (manager)
    OPS-1 <- Alice (employee)
    OPS-2 (* in ``with_key_post_below_manager``) <- Bob
      OPS-3 <- Dana
  SAL-H <- Carol
    SAL-1 (vacant)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hcm.org.models import Employee, Position
from hcm.outbox import OutboxEvent
from succession.models import (
    DevelopmentAction,
    KeyPostDecision,
    Nomination,
    ReadinessChange,
    SuccessionAudit,
    SuccessionPlan,
    SuccessionSettings,
)
from tests.factories import Org, count


def with_key_post_below_manager(db: Session, org: Org) -> Org:
    org.positions["team2"].is_key = True
    db.flush()
    return org


def set_visibility(db: Session, *, managers: bool = False, employees: bool = False) -> SuccessionSettings:
    """HR's visibility settings, written directly (the service is tested on its own)."""
    row = db.get(SuccessionSettings, 1)
    if row is None:
        row = SuccessionSettings(id=1)
        db.add(row)
    row.managers_see_plans_below = managers
    row.employees_see_own_nominations = employees
    db.flush()
    return row


def exit_employee(db: Session, emp: Employee, on: date = date(2026, 3, 31)) -> None:
    """The person leaves the company (through the org service, as HR would record it)."""
    from hcm.org import service as org_service
    from hcm.org.models import MoveReason
    from hcm.org.schemas import MoveIn

    org_service.move(db, employee_id=emp.id, data=MoveIn(reason=MoveReason.EXIT_VOLUNTARY, effective_date=on))


def state(db: Session) -> tuple[Any, ...]:
    """Everything a succession write may touch, comparable: the row counts of its tables and the outbox, the
    slates, the plans' emergency successors and the key flags (a refused write must leave it all as it was)."""
    db.flush()
    counts = tuple(count(db, m) for m in (SuccessionPlan, Nomination, ReadinessChange, DevelopmentAction,
                                           SuccessionAudit, KeyPostDecision, SuccessionSettings, OutboxEvent))
    slates = tuple(db.execute(select(Nomination.id, Nomination.employee_id, Nomination.rank, Nomination.readiness,
                                     Nomination.removed_at).order_by(Nomination.id)).all())
    plans = tuple(db.execute(select(SuccessionPlan.id, SuccessionPlan.notes, SuccessionPlan.emergency_employee_id,
                                    SuccessionPlan.emergency_confirmed_at).order_by(SuccessionPlan.id)).all())
    actions = tuple(db.execute(select(DevelopmentAction.id, DevelopmentAction.title, DevelopmentAction.status,
                                      DevelopmentAction.owner_employee_id, DevelopmentAction.due_date)
                               .order_by(DevelopmentAction.id)).all())
    keys = tuple(db.execute(select(Position.id, Position.is_key).order_by(Position.id)).all())
    return counts, slates, plans, actions, keys


def successor_events(db: Session, after_id: int = 0) -> list[tuple[str, str, dict[str, Any]]]:
    """The ``successor`` outbox events (op, key, payload) written after the event ``after_id``, in order."""
    return [(e.op, e.key, e.payload) for e in db.scalars(
        select(OutboxEvent).where(OutboxEvent.topic == "successor", OutboxEvent.id > after_id)
        .order_by(OutboxEvent.id))]


def last_event_id(db: Session) -> int:
    db.flush()
    return db.scalar(select(func.max(OutboxEvent.id))) or 0
