"""The models' background work: retrain when the data changed, then score everyone (registered in ``ml.module``)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from hcm.clock import today
from hcm.tasks import celery_app
from ml import runs

log = logging.getLogger(__name__)
SCORE_TASK = "ml.retrain_and_score"


@celery_app.task(name=SCORE_TASK, acks_late=True)  # type: ignore[untyped-decorator]
def retrain_and_score(as_of: str | None = None) -> dict[str, Any]:
    """The models run of ``as_of`` (today by default): retrain what changed, score with the active versions
    (``ml.runs.retrain_and_score``), each step in a unit of work of its own so training never holds the write lock."""
    day = date.fromisoformat(as_of) if as_of else today()
    return runs.retrain_and_score(day, runs.units_of_work())
