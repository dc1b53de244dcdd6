"""Scoring everyone employed on a date with the active flight-risk version: probability, band, and the inputs the
model saw (the top drivers are worked out from them when shown: ``ml.drivers``).

Scores are appended (one row per person and run) and each names its version, so a person's history is the rows
and an old score is never rewritten. The run's scores go to the talent graph through the outbox (``ml.graph``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import insert
from sqlalchemy.orm import Session

from ml import card, drivers, features, graph, registry
from ml.errors import DataError
from ml.models import ModelVersion, Score
from ml.train import KIND

TOP_DRIVERS = drivers.TOP_DRIVERS


def score_rows(db: Session, as_of: date, version: ModelVersion) -> list[dict[str, Any]]:
    """The ``Score`` rows of the population of ``as_of`` by ``version`` (only reads): probability, band and the inputs
    the model saw. The drivers are worked out from the inputs when a score is shown (``ml.drivers``): exact TreeSHAP
    for everyone here would cost three times the rest of the run."""
    bundle = registry.load(version)
    model, cols = bundle["model"], list(bundle["features"])
    snap = features.snapshot(db, as_of)
    if snap.empty:
        return []
    X = snap.reindex(columns=cols)
    p = np.round(model.predict_proba(X)[:, 1], 6)  # as stored, so the graph holds exactly the table's value
    cuts = (version.card["cuts"]["medium"], version.card["cuts"]["high"])
    bands = [card.band(v, cuts) for v in p.tolist()]
    return [{"version_id": version.id, "employee_id": eid, "position_id": None, "as_of": as_of,
             "probability": prob, "band": band, "drivers": [], "inputs": inputs}
            for eid, prob, band, inputs in zip(snap.index.tolist(), p.tolist(), bands, drivers.inputs_of(X),
                                               strict=True)]


def write_scores(db: Session, version: ModelVersion, as_of: date, rows: list[dict[str, Any]]) -> int:
    """Append a run's rows and, for flight risk, send them to the graph through the outbox; the number written."""
    if not rows:
        return 0
    db.execute(insert(Score), rows)
    if version.kind == KIND:
        graph.emit_scores(db, version=version, as_of=as_of,
                          scores=[(r["employee_id"], r["probability"], r["band"]) for r in rows])
    return len(rows)


def score(db: Session, as_of: date, *, version: ModelVersion | None = None, kind: str = KIND) -> int:
    """Score the population of ``as_of`` with ``version`` (default: the active one of ``kind``) and append the
    scores; the number written."""
    version = version or registry.active(db, kind)
    if version is None:
        raise DataError(f"no {kind} model is registered yet: train one first (hcm ml train)")
    return write_scores(db, version, as_of, score_rows(db, as_of, version))
