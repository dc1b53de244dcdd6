"""The models' background work: retrain when the data changed, then score everyone (registered in ``ml.module``)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from hcm.clock import today
from hcm.db import unit_of_work
from hcm.tasks import celery_app
from ml import readiness, registry, score, train

log = logging.getLogger(__name__)
SCORE_TASK = "ml.retrain_and_score"


@celery_app.task(name=SCORE_TASK, acks_late=True)  # type: ignore[untyped-decorator]
def retrain_and_score(as_of: str | None = None) -> dict[str, Any]:
    """Train a new flight-risk version when the training rows differ from the active version's, then score the
    people employed on ``as_of`` (today by default) with the active version; the same for the readiness model, which
    then scores the active key posts' candidates (``ml.readiness.candidates``). A company whose history cannot train
    a readiness model yet (no promotion in a year, say) keeps its flight-risk scores: the readiness part is skipped
    and said so."""
    day = date.fromisoformat(as_of) if as_of else today()
    with unit_of_work() as db:
        before = registry.active(db, train.KIND)
        version = train.train(db, day, unless_unchanged=True)
        scored = score.score(db, day, version=version)
        ready = readiness.retrain_and_score(db, day)
    retrained = before is None or before.id != version.id
    log.info("ml: %s %s, %d people scored", "trained" if retrained else "kept", version.label, scored)
    return {"version": version.label, "retrained": retrained, "scored": scored, **ready}
