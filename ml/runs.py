"""A models run: retrain flight risk and readiness when their training rows changed, then score with the active
versions. The daily task (``ml.tasks``) and the demo (``ml.demo``) both run it.

A run is cut into steps that only read (snapshots, fits, predictions: most of the time) and short steps that write
(a version into the registry, a run's scores). The task runs each in a unit of work of its own
(``units_of_work``): on SQLite a unit of work that may write holds the write lock from its start, so a fit of half
a minute inside one would make every other writer wait, and past the 30 s busy timeout fail. The demo runs the
steps on its one session (``one_session``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from hcm.db import unit_of_work
from ml import readiness, registry, score, train
from ml.errors import DataError
from ml.models import ModelVersion

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Steps:
    """How a run's steps get their session: ``read(fn)`` for work that only reads, ``write(fn)`` for the writes."""

    read: Callable[[Callable[[Session], Any]], Any]
    write: Callable[[Callable[[Session], Any]], Any]


def _read(fn: Callable[[Session], T]) -> T:
    with unit_of_work(writes=False) as db:
        return fn(db)


def _write(fn: Callable[[Session], T]) -> T:
    with unit_of_work() as db:
        return fn(db)


def units_of_work() -> Steps:
    """Each step in a unit of work of its own: reads never hold the write lock, writes are short."""
    return Steps(read=_read, write=_write)


def one_session(db: Session) -> Steps:
    """Every step on ``db``, committed after each write (the demo, which nothing else writes beside)."""
    def write(fn: Callable[[Session], T]) -> T:
        out = fn(db)
        db.commit()
        return out
    return Steps(read=lambda fn: fn(db), write=write)


def _version(db: Session, kind: str, trained: train.Trained | None) -> tuple[int, str] | None:
    """Register ``trained`` (a new version) or take the active one: (id, label), or None when there is none."""
    v = train.register_or_active(db, kind, trained)
    return None if v is None else (v.id, v.label)


def _get(db: Session, version_id: int) -> ModelVersion:
    v = db.get(ModelVersion, version_id)
    if v is None:  # pragma: no cover - registered or active in an earlier step; versions are never deleted
        raise DataError(f"model version {version_id} is gone")
    return v


def _active_id(db: Session, kind: str) -> int | None:
    v = registry.active(db, kind)
    return None if v is None else v.id


def retrain_and_score(day: date, steps: Steps) -> dict[str, Any]:
    """Train a new flight-risk version when the training rows differ from the active version's, then score the
    people employed on ``day`` with the active version; the same for readiness, which then scores the active key
    posts' candidates. A history that cannot train a readiness model yet (no promotion in a year, say) keeps its
    flight-risk scores: the readiness part is skipped and said so (``readiness_skipped``). A flight-risk model that
    cannot be trained is the run's ``DataError``."""
    before = steps.read(lambda db: _active_id(db, train.KIND))
    trained = steps.read(lambda db: train.prepare(db, day, unless_unchanged=True))
    vid, label = steps.write(lambda db: _version(db, train.KIND, trained))
    rows = steps.read(lambda db: score.score_rows(db, day, _get(db, vid)))
    scored = steps.write(lambda db: score.write_scores(db, _get(db, vid), day, rows))
    retrained = before != vid
    log.info("ml: %s %s, %d people scored", "trained" if retrained else "kept", label, scored)
    return {"version": label, "retrained": retrained, "scored": scored, **_readiness(day, steps)}


def _readiness(day: date, steps: Steps) -> dict[str, Any]:
    before = steps.read(lambda db: _active_id(db, readiness.KIND))
    skipped = None
    try:
        trained = steps.read(lambda db: readiness.prepare(db, day, unless_unchanged=True))
    except DataError as exc:  # the active version (if any) keeps scoring
        log.warning("ml: no readiness model trained: %s", exc)
        trained, skipped = None, str(exc)
    found = steps.write(lambda db: _version(db, readiness.KIND, trained))
    scored = 0
    if found is not None:
        rows = steps.read(lambda db: readiness.readiness_rows(db, day, _get(db, found[0])))
        scored = steps.write(lambda db: readiness.write_rows(db, rows))
    log.info("ml: readiness %s, %d candidate-post pairs scored", found[1] if found else "none", scored)
    out: dict[str, Any] = {"readiness_version": found[1] if found else None,
                           "readiness_retrained": found is not None and before != found[0],
                           "readiness_scored": scored}
    if skipped:
        out["readiness_skipped"] = skipped
    return out
