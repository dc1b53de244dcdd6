"""Background work of performance management."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hcm import clock
from hcm.db import unit_of_work
from hcm.tasks import celery_app, clear_queued, enqueue_once_after_commit
from performance.models import PeriodState
from performance.service import lookups, rollup


@celery_app.task(name="performance.recompute_period", acks_late=True, reject_on_worker_lost=True)  # type: ignore[untyped-decorator]
def recompute_period(period_id: int) -> dict[str, Any]:
    """Recompute a period's scores and send them to the graph and the models. Idempotent; a closed period
    is left as it was closed (the task then does nothing)."""
    clear_queued(recompute_period.name, (period_id,))  # from now on a committed check-in queues a new run
    with unit_of_work() as db:
        period = lookups.get_period(db, period_id)
        if period.state is PeriodState.CLOSED:
            return {"skipped": "closed"}
        counts = rollup.refresh(db, period_id=period_id, today=clock.today())
    return counts


def recompute_after_commit(db: Session, period_id: int) -> None:
    """Check-ins change scores: recompute once the check-in is committed. Several in one request, or in
    requests committed while a run is still waiting in the queue, make one run: a company-wide recompute
    takes seconds at 100,000 people, and a busy week of check-ins must not pile them up."""
    enqueue_once_after_commit(db, recompute_period, period_id)
