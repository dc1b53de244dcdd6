"""Training the flight-risk model from the database, validated forwards in time.

Snapshots are taken on yearly as-of dates, the latest one a year before ``as_of`` (its label needs the year after
it). The latest labelled date is the **test** date; every earlier one is training data. Among the candidates the
one chosen is the best on the latest *training* date when fitted on the dates before it (the same forward rule, one
year earlier), so the test date never takes part in a choice. The chosen candidate, calibrated (sigmoid, 3 folds),
is scored on the test date against the plain logistic baseline fitted on the same rows; the risk bands' cuts are
set on the training side for the stated precisions. The deployed model is then refitted on every labelled date.

``fit_forward`` is that validation on any dated frame (``Frames``): the readiness model (``ml.readiness``) uses it
on its candidate-post pairs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import Pipeline
from sqlalchemy.orm import Session

from ml import card, features, registry, tabular
from ml.errors import DataError
from ml.evaluate import baseline, candidates
from ml.models import ModelVersion

KIND = "flight-risk"
PRECISION_HIGH = 0.5  # the high band: at least half of those flagged leave within the year (on the training side)
PRECISION_MEDIUM = 0.25
BACKGROUND_ROWS = 200
CALIBRATION_FOLDS = 3


@dataclass
class Frames:
    X: pd.DataFrame
    y: pd.Series
    when: pd.Series  # the as-of date of each row
    groups: pd.DataFrame  # gender and age band, for the card only


def anchor(day: date) -> date:
    """The month end a run on ``day`` trains up to: ``day`` when it is the last of its month, else the last day of
    the month before. The training rows then stay the same through a month, so the daily run retrains once a month,
    or sooner when a fact dated before the anchor changes (a backdated exit, a corrected assignment)."""
    return day if (day + timedelta(days=1)).month != day.month else day.replace(day=1) - timedelta(days=1)


def as_of_dates(as_of: date, years: int) -> list[date]:
    """Yearly as-of dates, oldest first, the latest one year before ``as_of`` (its label is complete by then)."""
    return [as_of - timedelta(days=365 * k) for k in range(years, 0, -1)]


def frames(db: Session, dates: list[date]) -> Frames:
    xs, ys, whens, groups = [], [], [], []
    for d in dates:
        snap = features.snapshot(db, d)
        xs.append(snap.reset_index(drop=True))
        ys.append(features.flight_label(db, snap.index, d).reset_index(drop=True))
        whens.append(pd.Series([d] * len(snap)))
        groups.append(features.protected(db, snap.index, d).reset_index(drop=True))
    return Frames(pd.concat(xs, ignore_index=True), pd.concat(ys, ignore_index=True),
                  pd.concat(whens, ignore_index=True), pd.concat(groups, ignore_index=True))


def _usable(X: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Columns with no value at all (no performance data yet, say) are left out and said so, not an error."""
    empty = [c for c in X.columns if X[c].isna().all()]
    return X.drop(columns=empty), {c: "no value in any snapshot" for c in empty}


def _calibrated(pipe: Pipeline) -> CalibratedClassifierCV:
    # one model fitted on all the rows, its sigmoid fitted on out-of-fold scores (ensemble=False): the model that
    # scores is the one explained, and TreeSHAP runs once, not once per fold
    return CalibratedClassifierCV(pipe, method="sigmoid", cv=CALIBRATION_FOLDS, ensemble=False)


def data_hash(X: pd.DataFrame, y: pd.Series) -> str:
    """SHA-256 of the training rows (features and labels, in order): the same data gives the same hash."""
    rows = pd.util.hash_pandas_object(pd.concat([X, y], axis=1), index=False).to_numpy()
    return hashlib.sha256(rows.tobytes()).hexdigest()


@dataclass
class Fitted:
    """What forward validation gives: the chosen candidate, the test date's metrics, the card and the deployable
    bundle (the calibrated model refitted on every labelled date, its feature list and explanation background)."""

    chosen: str
    metrics: dict[str, Any]
    card: dict[str, Any]
    bundle: dict[str, Any]


def fit_forward(f: Frames, dates: list[date], *, kind: str, as_of: date, label: str, outcome: str,
                precision_high: float = PRECISION_HIGH, precision_medium: float = PRECISION_MEDIUM) -> Fitted:
    """Forward validation on ``f`` (rows dated by ``f.when``, one of ``dates``, oldest first): the candidates are
    fitted on the dates before the latest training date and judged on it; the best one, calibrated, is fitted on
    every training date and scored on the test date (the latest) next to the baseline; the bands' cuts are set on
    the training side for the stated precisions; the deployed model is refitted on every date. ``label`` says the
    label in the card, ``outcome`` names a positive row in errors ("voluntary exit")."""
    if len(dates) < 3:
        raise DataError("forward validation needs at least three as-of dates (two to choose, one to test)")
    with tabular.fitting_threads(len(f.y)):
        return _fit_forward(f, dates, kind=kind, as_of=as_of, label=label, outcome=outcome,
                            precision_high=precision_high, precision_medium=precision_medium)


def _fit_forward(f: Frames, dates: list[date], *, kind: str, as_of: date, label: str, outcome: str,
                 precision_high: float, precision_medium: float) -> Fitted:
    X, dropped = _usable(f.X)
    spec = tabular.detect(X)
    spec.dropped.update(dropped)
    test = (f.when == dates[-1]).to_numpy()
    valid = (f.when == dates[-2]).to_numpy()
    older = ~test & ~valid
    for name, mask in (("oldest training", older), ("training", ~test), ("test", test)):
        if f.y[mask].nunique() < 2:
            raise DataError(f"the {name} dates hold no {outcome} (or nothing but them): nothing to learn")
    if f.y[~test].value_counts().min() < CALIBRATION_FOLDS:
        raise DataError(f"the training dates hold fewer than {CALIBRATION_FOLDS} of each class ({outcome} or not): "
                        "too few to calibrate")

    # choice: fitted on the oldest dates, judged on the latest training date
    choice: dict[str, float] = {}
    for name, pipe in candidates(spec).items():
        model = clone(pipe).fit(X[older], f.y[older])
        auc = card.metrics(f.y[valid], model.predict_proba(X[valid])[:, 1])["roc_auc"]
        choice[name] = float("nan") if auc is None else auc
    chosen = max(choice, key=lambda k: -np.inf if np.isnan(choice[k]) else choice[k])

    fitted = _calibrated(candidates(spec)[chosen]).fit(X[~test], f.y[~test])
    p_test = fitted.predict_proba(X[test])[:, 1]
    base = baseline(spec).fit(X[~test], f.y[~test])
    p_base = base.predict_proba(X[test])[:, 1]
    p_train = fitted.predict_proba(X[~test])[:, 1]
    cuts = card.band_thresholds(f.y[~test].to_numpy(), p_train, precision_high=precision_high,
                                precision_medium=precision_medium)
    y_test = f.y[test].to_numpy()
    flagged = cuts[1]  # selection = placed in the high band
    metrics = {**card.metrics(y_test, p_test), "baseline": card.metrics(y_test, p_base), "choice_auc": choice}
    model_card: dict[str, Any] = {
        "kind": kind,
        "as_of": as_of.isoformat(),
        "window": {"train": [d.isoformat() for d in dates[:-1]], "test": dates[-1].isoformat(), "label": label},
        "features": spec.as_dict(),
        "candidates": choice,
        "chosen": chosen,
        "cuts": {"medium": cuts[0], "high": cuts[1]},
        "precision": {"medium": precision_medium, "high": precision_high},
        "calibration": card.calibration(y_test, p_test),
        "subgroups": card.subgroups(y_test, p_test, {c: f.groups.loc[test, c].to_numpy() for c in f.groups.columns},
                                    threshold=flagged),
        "rows": {"train": int((~test).sum()), "test": int(test.sum())},
    }
    final = _calibrated(candidates(spec)[chosen]).fit(X, f.y)
    # the reference the explanations are measured from: a fixed sample of the training rows, plain numbers
    sample = X[spec.features].sample(n=min(BACKGROUND_ROWS, len(X)), random_state=0)
    background = {c: [float(v) for v in sample[c]] for c in spec.features}
    bundle = {"model": final, "features": spec.features, "background": background}
    return Fitted(chosen, metrics, model_card, bundle)


@dataclass
class Trained:
    """A version fitted and not registered yet: what ``prepare`` hands to ``register`` (the fitting only reads, so
    it can run outside the short transaction that writes the version)."""

    kind: str
    digest: str
    fit: Fitted


def prepare(db: Session, as_of: date, *, years: int = 3, unless_unchanged: bool = False) -> Trained | None:
    """A flight-risk version fitted on the yearly snapshots before ``as_of``'s month end (``anchor``; only reads);
    with ``unless_unchanged``, None when the active version was trained on exactly the same rows."""
    as_of = anchor(as_of)
    dates = as_of_dates(as_of, years)
    if len(dates) < 3:
        raise DataError("forward validation needs at least three yearly as-of dates (two to choose, one to test)")
    f = frames(db, dates)
    digest = data_hash(f.X, f.y)
    current = registry.active(db, KIND)
    if unless_unchanged and current is not None and current.data_hash == digest:
        return None
    fit = fit_forward(f, dates, kind=KIND, as_of=as_of, label="voluntary exit within 365 days after the as-of date",
                      outcome="voluntary exit")
    return Trained(KIND, digest, fit)


def register(db: Session, trained: Trained, *, activate: bool = True) -> ModelVersion:
    """The fitted version in the registry (its artifact, card and metrics), active unless told otherwise."""
    fit = trained.fit
    return registry.register(db, kind=trained.kind, model=fit.bundle, candidate=fit.chosen, data_hash=trained.digest,
                             metrics=fit.metrics, card=fit.card, activate=activate)


def register_or_active(db: Session, kind: str, trained: Trained | None, *, activate: bool = True) -> ModelVersion | None:
    """``trained`` registered, or when there is nothing new (``prepare`` gave None: the rows were unchanged) the
    active version of ``kind``, None when there is none."""
    return register(db, trained, activate=activate) if trained is not None else registry.active(db, kind)


def train(db: Session, as_of: date, *, years: int = 3, activate: bool = True,
          unless_unchanged: bool = False) -> ModelVersion:
    """A new version trained on the yearly snapshots before ``as_of``; with ``unless_unchanged``, the active
    version instead when it was trained on exactly the same rows (the periodic retrain's rule)."""
    found = register_or_active(db, KIND, prepare(db, as_of, years=years, unless_unchanged=unless_unchanged),
                               activate=activate)
    assert found is not None  # prepare returns None only when there is an active version
    return found
