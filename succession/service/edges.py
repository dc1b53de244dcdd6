"""The ``SUCCESSOR_FOR`` relationships plans stand for, read from the tables: what the outbox sends after each
change to a slate (``emit_plan``) and what the graph's rebuild writes (``succession.graph``), from one rule.

- Every open nomination (``removed_at`` NULL) is an edge employee -> post with its readiness and rank, whether
  the person is still with the company or has left: a nomination outlives an exit (the graph's ``Employee.status``
  tells, and its queries count active people only) until HR removes it.
- An emergency (interim) successor HR confirmed off the slate is an edge too, with readiness ``emergency`` and
  the rank after the slate's last (open nominations + 1). One on the slate is just their nomination's edge.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm import outbox
from hcm.org.models import Employee, Position
from succession.models import Nomination, SuccessionPlan

TOPIC = "successor"
EMERGENCY = "emergency"


@dataclass(frozen=True, order=True)
class Edge:
    employee: str  # external id
    position: str  # position code
    readiness: str
    rank: int

    @property
    def key(self) -> str:
        return f"{self.employee}|{self.position}"

    def payload(self) -> dict[str, object]:
        return {"employee": self.employee, "position": self.position, "readiness": self.readiness,
                "rank": self.rank}


def successor_edges(db: Session, *, plan_ids: Iterable[int] | None = None) -> list[Edge]:
    """The edges of these plans (all plans: None), by employee then post (grouped by start node)."""
    wanted = None if plan_ids is None else list(plan_ids)
    slate = (select(Nomination.plan_id, Nomination.employee_id, Employee.external_id, Position.code,
                    Nomination.readiness, Nomination.rank)
             .join(SuccessionPlan, SuccessionPlan.id == Nomination.plan_id)
             .join(Position, Position.id == SuccessionPlan.position_id)
             .join(Employee, Employee.id == Nomination.employee_id)
             .where(Nomination.removed_at.is_(None)))
    interim = (select(SuccessionPlan.id, SuccessionPlan.emergency_employee_id, Employee.external_id, Position.code)
               .join(Position, Position.id == SuccessionPlan.position_id)
               .join(Employee, Employee.id == SuccessionPlan.emergency_employee_id))
    if wanted is not None:
        slate = slate.where(Nomination.plan_id.in_(wanted))
        interim = interim.where(SuccessionPlan.id.in_(wanted))
    on_slate: dict[int, set[int]] = {}
    edges: list[Edge] = []
    for plan_id, emp_id, ext, code, readiness, rank in db.execute(slate):
        on_slate.setdefault(plan_id, set()).add(emp_id)
        edges.append(Edge(ext, code, str(getattr(readiness, "value", readiness)), rank))
    for plan_id, interim_id, ext, code in db.execute(interim):
        slate_ids = on_slate.get(plan_id, set())
        if interim_id not in slate_ids:
            edges.append(Edge(ext, code, EMERGENCY, len(slate_ids) + 1))
    return sorted(edges)


def emit_plan(db: Session, plan: SuccessionPlan, *, gone: Iterable[str] = ()) -> None:
    """After a change to ``plan``'s slate or emergency successor: its every edge as an upsert, and a delete for
    each of ``gone`` (external ids of people who were on it) that no longer has one. Same transaction."""
    db.flush()
    edges = successor_edges(db, plan_ids=[plan.id])
    present = {e.employee for e in edges}
    for edge in edges:
        outbox.emit(db, TOPIC, edge.key, edge.payload())
    code = db.scalar(select(Position.code).where(Position.id == plan.position_id))
    for ext in sorted(set(gone) - present):
        outbox.emit(db, TOPIC, f"{ext}|{code}", {"employee": ext, "position": code}, op="delete")
