"""Scoring everyone employed on a date with the active flight-risk version: probability, band, and the inputs the
model saw (the top drivers are worked out from them when shown: ``ml.drivers``).

Scores are appended (one row per person and run) and each names its version, so a person's history is the rows
and an old score is never rewritten. The run's scores go to the talent graph through the outbox (``ml.graph``).
"""

from __future__ import annotations

from datetime import date

import numpy as np
from sqlalchemy import insert
from sqlalchemy.orm import Session

from ml import card, drivers, features, graph, registry
from ml.errors import DataError
from ml.models import ModelVersion, Score
from ml.train import KIND

TOP_DRIVERS = drivers.TOP_DRIVERS


def score(db: Session, as_of: date, *, version: ModelVersion | None = None, kind: str = KIND) -> int:
    """Score the population of ``as_of``; the number of scores written."""
    version = version or registry.active(db, kind)
    if version is None:
        raise DataError(f"no {kind} model is registered yet: train one first (hcm ml train)")
    bundle = registry.load(version)
    model, cols = bundle["model"], list(bundle["features"])
    snap = features.snapshot(db, as_of)
    if snap.empty:
        return 0
    X = snap.reindex(columns=cols)
    p = np.round(model.predict_proba(X)[:, 1], 6)  # as stored, so the graph holds exactly the table's value
    cuts = (version.card["cuts"]["medium"], version.card["cuts"]["high"])
    bands = [card.band(v, cuts) for v in p.tolist()]
    # the drivers are worked out from the inputs when a score is shown (ml.drivers): exact TreeSHAP for everyone
    # here would cost three times the rest of the run
    rows = [{"version_id": version.id, "employee_id": eid, "position_id": None, "as_of": as_of,
             "probability": prob, "band": band, "drivers": [], "inputs": inputs}
            for eid, prob, band, inputs in zip(snap.index.tolist(), p.tolist(), bands, drivers.inputs_of(X),
                                               strict=True)]
    db.execute(insert(Score), rows)
    if kind == KIND:
        graph.emit_scores(db, version=version, as_of=as_of,
                          scores=[(r["employee_id"], r["probability"], r["band"]) for r in rows])
    return len(rows)

