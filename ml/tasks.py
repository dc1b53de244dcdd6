"""The models' background work: retrain when the data changed, then score everyone (registered in ``ml.module``)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from hcm.clock import today
from hcm.db import unit_of_work
from hcm.tasks import celery_app
from ml import readiness, registry, score, train
from ml.errors import DataError
from ml.models import ModelVersion

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
        ready = _readiness(db, day)
    retrained = before is None or before.id != version.id
    log.info("ml: %s %s, %d people scored", "trained" if retrained else "kept", version.label, scored)
    return {"version": version.label, "retrained": retrained, "scored": scored, **ready}


def _readiness(db: Session, day: date) -> dict[str, Any]:
    before = registry.active(db, readiness.KIND)
    skipped = None
    version: ModelVersion | None
    try:
        version = readiness.train_readiness(db, day, unless_unchanged=True)
    except DataError as exc:  # the active version (if any) keeps scoring
        log.warning("ml: no readiness model trained: %s", exc)
        version, skipped = before, str(exc)
    scored = readiness.score_readiness(db, day, version=version) if version is not None else 0
    retrained = version is not None and (before is None or before.id != version.id)
    log.info("ml: readiness %s, %d candidate-post pairs scored", version.label if version else "none", scored)
    out: dict[str, Any] = {"readiness_version": version.label if version else None,
                           "readiness_retrained": retrained, "readiness_scored": scored}
    if skipped:
        out["readiness_skipped"] = skipped
    return out
