"""The drivers of stored scores, worked out when they are shown.

A flight-risk run stores each score with ``inputs``, the row the model saw, and no drivers: explaining 100,000
people with exact TreeSHAP costs three times the rest of the run, while a page shows fifty. So the drivers of the
scores a page or an API answer shows are computed here from those inputs with the version that made the score
(loaded from the registry, never anything else): the same model, the same row, the same rule as at scoring time
(``ml.explain``), so they are exactly what the run would have stored. Scores that stored their drivers (readiness
runs, scores written before ``inputs`` existed) keep them.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from ml import explain, registry
from ml.models import ModelVersion, Score

TOP_DRIVERS = 3
log = logging.getLogger(__name__)


def stored(d: explain.Driver) -> dict[str, Any]:
    """A driver as a score keeps it (``dataclasses.asdict``'s fields, without its deep copy per row)."""
    return {"feature": d.feature, "value": d.value, "contribution": d.contribution, "direction": d.direction,
            "text": d.text}


def inputs_of(X: pd.DataFrame) -> list[dict[str, Any]]:
    """The model's input rows as JSON-ready dicts (a missing value is None), in the frame's order."""
    plain = X.astype(object).where(X.notna(), None)
    records: list[dict[str, Any]] = plain.to_dict("records")
    return records


CACHED_VERSIONS = 16
_loaded: OrderedDict[tuple[int, str], dict[str, Any]] = OrderedDict()
_lock = threading.Lock()


def _load(version: ModelVersion) -> dict[str, Any]:
    """The version's bundle, loaded (and hash-checked) once per process; the least recently used of more than
    ``CACHED_VERSIONS`` is dropped (the key is the version's recorded hash too, so a bundle never outlives its row)."""
    key = (version.id, version.artifact_sha256)
    with _lock:
        if key in _loaded:
            _loaded.move_to_end(key)
            return _loaded[key]
    bundle: dict[str, Any] = registry.load(version)
    with _lock:
        _loaded[key] = bundle
        while len(_loaded) > CACHED_VERSIONS:
            _loaded.popitem(last=False)
    return bundle


def _frame(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    X = pd.DataFrame.from_records(list(rows), columns=list(columns))
    for c in X.columns:
        numeric = pd.to_numeric(X[c], errors="coerce")
        if numeric.notna().sum() == X[c].notna().sum():  # every value given is a number: the column is numeric
            X[c] = numeric.astype(float)
    return X.fillna(np.nan) if X.isna().any().any() else X


def drivers(db: Session, scores: Sequence[Score], top: int = TOP_DRIVERS) -> dict[int, list[dict[str, Any]]]:
    """Score id -> its top drivers (stored form, largest first), for the scores given."""
    out: dict[int, list[dict[str, Any]]] = {}
    pending: dict[int, list[Score]] = defaultdict(list)
    for s in scores:
        if s.drivers or s.inputs is None:
            out[s.id] = list(s.drivers or [])
        else:
            pending[s.version_id].append(s)
    for version_id, group in pending.items():
        version = db.get(ModelVersion, version_id)
        if version is None:  # pragma: no cover - a score's version is a foreign key
            continue
        try:
            bundle = _load(version)
        except registry.RegistryError:  # e.g. made by another scikit-learn: its scores show without drivers
            log.exception("ml: version %s cannot be loaded; its scores are shown without drivers", version.label)
            for s in group:
                out[s.id] = []
            continue
        X = _frame([s.inputs or {} for s in group], bundle["features"])
        why = explain.explain(bundle["model"], X, top=top, background=pd.DataFrame(bundle["background"]))
        for s, e in zip(group, why, strict=True):
            out[s.id] = [stored(d) for d in e.drivers]
    return out
