"""Periods and their state machine: planning -> in progress -> review -> calibration -> closed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.db import utcnow
from hcm.errors import Conflict, Invalid
from performance.models import PERIOD_FLOW, Period, PeriodKind, PeriodState
from performance.schemas_setup import Blocker
from performance.service import rollup
from performance.service.cascade import plan_problems
from performance.service.lookups import ensure_writable, get_period


def create_period(
    db: Session,
    *,
    code: str,
    name: str,
    kind: PeriodKind,
    start_date: date,
    end_date: date,
    parent_id: int | None = None,
    dept_operational_share: float = 0.8,
    post_operational_share: float = 0.3,
    collaboration_weight: float = 0.1,
    competency_weight: float = 0.3,
    target_distribution: dict[str, float] | None = None,
) -> Period:
    if end_date <= start_date:
        raise Invalid("end_date must be after start_date", field="end_date")
    if db.scalar(select(Period.id).where(Period.code == code)) is not None:
        raise Conflict(f"code={code!r} is already used by another Period", field="code")
    if parent_id is not None:
        parent = get_period(db, parent_id)
        if not (parent.start_date <= start_date and end_date <= parent.end_date):
            raise Invalid(f"a quarter must lie inside its year {parent.code!r}", field="parent_id")
    for field, v in (("dept_operational_share", dept_operational_share), ("post_operational_share",
                     post_operational_share), ("collaboration_weight", collaboration_weight),
                     ("competency_weight", competency_weight)):
        if not 0 <= v <= 1:
            raise Invalid(f"{field} must be between 0 and 1", field=field)
    dist = target_distribution or {"1": 5, "2": 15, "3": 60, "4": 15, "5": 5}
    if set(dist) != {"1", "2", "3", "4", "5"} or abs(sum(float(v) for v in dist.values()) - 100) > 1e-6:
        raise Invalid("target_distribution needs ratings 1..5 with shares adding to 100", field="target_distribution")
    p = Period(code=code, name=name, kind=kind, start_date=start_date, end_date=end_date, parent_id=parent_id,
               dept_operational_share=dept_operational_share, post_operational_share=post_operational_share,
               collaboration_weight=collaboration_weight, competency_weight=competency_weight,
               target_distribution=dist, state=PeriodState.PLANNING)
    db.add(p)
    db.flush()
    return p


def next_state(period: Period) -> PeriodState | None:
    """The state a period moves to next, or None for a closed one."""
    i = PERIOD_FLOW.index(period.state)
    return PERIOD_FLOW[i + 1] if i + 1 < len(PERIOD_FLOW) else None


def blockers(db: Session, *, period_id: int) -> list[Blocker]:
    """Everything that stops the period from moving to its next state, in plain words: what ``advance`` refuses,
    listed before anyone presses the button (a closed period, a template, a plan breaking a weight rule)."""
    p = get_period(db, period_id)
    nxt = next_state(p)
    if nxt is None:
        return [Blocker(rule="closed", message=f"{p.name} is closed: closed periods are read-only and never move on.")]
    if p.is_template:
        return [Blocker(rule="template", message=f"{p.name} is a template: it holds a goal plan to start periods "
                        "from and is never started, scored or closed. Unmark it as a template to run it.")]
    out: list[Blocker] = []
    if nxt is PeriodState.IN_PROGRESS:
        for problem in plan_problems(db, period_id=p.id):
            what = ("the weights of its indicators" if problem.rule.startswith("indicator")
                    else "the weights of the goals supporting it")
            out.append(Blocker(rule=problem.rule, goal_id=problem.goal_id,
                               message=f"Goal {problem.goal}: {what} add to {problem.total:g}, not 100."))
    return out


def advance(db: Session, *, period_id: int, to: PeriodState) -> Period:
    """Move one step forward in the flow (no skipping, no going back: a closed period stays closed), unless
    something ``blockers`` lists stops it."""
    p = ensure_writable(db, period_id, for_update=True)
    nxt = next_state(p)
    if nxt is not to:
        raise Conflict(f"period {p.code!r} is {p.state.value}; the next state is "
                       f"{nxt.value if nxt else 'nothing'}, not {to.value}", field="state")
    found = blockers(db, period_id=p.id)
    if found:
        if to is PeriodState.IN_PROGRESS and all(b.goal_id is not None for b in found):
            message = f"period {p.code!r} cannot start: {len(found)} goal(s) break a weight rule"
        else:
            message = f"period {p.code!r} cannot move to {to.value}: " + " ".join(b.message for b in found)
        raise Conflict(message, field="state", details=[b.model_dump() for b in found])
    if to is PeriodState.CLOSED:
        return close(db, period=p)
    p.state = to
    db.flush()
    return p


def close(db: Session, *, period: Period) -> Period:
    """Freeze the scores (recomputed one last time with each indicator's recorded formula version) and
    tell the graph and the models through the outbox: the final scores, and everyone's final rating and
    potential."""
    rollup.refresh(db, period_id=period.id, final=True)
    rollup.emit_ratings(db, period_id=period.id)  # everyone's final rating and potential, as they stay
    period.state = PeriodState.CLOSED
    period.closed_at = utcnow()
    db.flush()
    return period
