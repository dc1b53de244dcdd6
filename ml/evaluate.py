"""Evaluating (and training) a flight-risk or readiness model on a customer's own CSV, with nested validation.

Outer loop: RepeatedStratifiedKFold(5 folds x 5 repeats, fixed seed). Inside each outer training fold only: every
candidate is scored by ROC-AUC over an inner StratifiedKFold(3) (out-of-fold decision scores), the best is wrapped in
CalibratedClassifierCV (sigmoid; isotonic from ``ISOTONIC_MIN_ROWS`` training rows), and the outer test fold is scored.
The baseline (plain one-hot + scaling + LogisticRegression, no calibration) is measured on the same outer folds.

Flagging threshold rule: on the outer training fold, the calibrated out-of-fold probabilities of the chosen candidate;
the threshold is the lowest probability t for which the precision of "p >= t" is at least ``FLAG_PRECISION`` (0.5).
When no threshold reaches it nobody is flagged. Test rows with p >= t are flagged. Subgroup selection rates are the
share of flagged rows per group, pooled over all outer test folds; the four-fifths ratio is min rate / max rate.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from ml import card
from ml.errors import DataError
from ml.tabular import TableSpec, build_plain_preprocessor, build_preprocessor, detect, fitting_threads, read_csv

KINDS = ("flight-risk", "readiness")
N_SPLITS = 5
N_REPEATS = 5
SEED = 20261202
FLAG_PRECISION = 0.5
ISOTONIC_MIN_ROWS = 2000
PROTECTED_BINS = 4  # a numeric protected column with more than 10 values is cut into this many quantile bands


def candidates(spec: TableSpec) -> dict[str, Pipeline]:
    """The models the nested validation chooses from, each behind the detected preprocessing."""
    def pipe(clf: Any) -> Pipeline:
        return Pipeline([("prep", build_preprocessor(spec)), ("model", clf)])
    return {
        "logistic_C0.1": pipe(LogisticRegression(C=0.1, class_weight="balanced", max_iter=2000)),
        "logistic_C1": pipe(LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)),
        "gradient_boosting": pipe(HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=15,
                                                                 l2_regularization=1.0, random_state=SEED)),
    }


def baseline(spec: TableSpec) -> Pipeline:
    return Pipeline([("prep", build_plain_preprocessor(spec)), ("model", LogisticRegression(max_iter=2000))])


def _label(s: pd.Series) -> pd.Series:
    """Target values as text ("1" not "1.0" for whole numbers), missing kept missing."""
    filled = s.dropna()
    if pd.api.types.is_numeric_dtype(s) and bool(np.all(np.mod(filled.to_numpy(dtype=float), 1) == 0)):
        return s.map(lambda v: v if pd.isna(v) else str(int(v)))
    return s.map(lambda v: v if pd.isna(v) else str(v).strip())


def load(path: str | Path, target: str, positive: str, id_column: str | None = None, exclude: Iterable[str] = (),
         protected: Iterable[str] = ()) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, TableSpec]:
    """(features X, labels y as 0/1, protected columns, spec) after every input check; rows without a label dropped."""
    df = read_csv(path)
    exclude, protected = list(exclude), list(protected)
    named = {"target": [target], "id column": [id_column] if id_column else [], "excluded": exclude,
             "protected": protected}
    for role, cols in named.items():
        for c in cols:
            if c not in df.columns:
                raise DataError(f"{role} column {c!r} is not in the file (columns: {', '.join(map(str, df.columns))})")
    labels = _label(df[target])
    keep = labels.notna().to_numpy()
    if not keep.any():
        raise DataError(f"target column {target!r} is empty in every row")
    df, labels = df[keep], labels[keep]
    found = sorted(set(labels))
    positive = str(positive).strip()
    if positive not in found:
        raise DataError(f"positive value {positive!r} is not in target column {target!r} (values found: "
                        + ", ".join(map(repr, found[:20])) + (" ..." if len(found) > 20 else "") + ")")
    if len(found) < 2:
        raise DataError(f"target column {target!r} has one class only ({found[0]!r}); nothing to learn")
    y = (labels == positive).to_numpy(dtype=int)
    minority = int(min(y.sum(), len(y) - y.sum()))
    if minority < N_SPLITS:
        raise DataError(f"fewer rows than folds: the smaller class of {target!r} has {minority} row(s), "
                        f"{N_SPLITS}-fold validation needs at least {N_SPLITS}")
    drop = {target, *exclude, *protected, *([id_column] if id_column else [])}
    X = df[[c for c in df.columns if c not in drop]]
    spec = detect(X)
    if id_column:
        spec.dropped[id_column] = "id column"
    for c in exclude:
        spec.dropped[c] = "excluded"
    for c in protected:
        spec.dropped[c] = "protected (never a feature)"
    return X[spec.features], y, df[protected], spec


def _choose(cands: dict[str, Pipeline], X: pd.DataFrame, y: np.ndarray) -> tuple[str, np.ndarray]:
    """The candidate with the best inner-CV ROC-AUC on (X, y) and its out-of-fold decision scores."""
    inner = StratifiedKFold(n_splits=3, shuffle=True, random_state=SEED)
    best: tuple[float, str, np.ndarray] | None = None
    for name, est in cands.items():
        scores = cross_val_predict(clone(est), X, y, cv=inner, method="decision_function")
        auc = roc_auc_score(y, scores)
        if best is None or auc > best[0]:
            best = (auc, name, scores)
    assert best is not None
    return best[1], best[2]


def _calibrated(est: Pipeline, X: pd.DataFrame, y: np.ndarray) -> CalibratedClassifierCV:
    method = "isotonic" if len(y) >= ISOTONIC_MIN_ROWS else "sigmoid"
    inner = StratifiedKFold(n_splits=3, shuffle=True, random_state=SEED)
    return CalibratedClassifierCV(clone(est), method=method, cv=inner, ensemble=False).fit(X, y)


def flag_threshold(y: np.ndarray, p: np.ndarray, precision: float = FLAG_PRECISION) -> float:
    """The lowest probability t whose "p >= t" has precision >= ``precision`` (the high band's rule,
    ``card.band_thresholds``); above every score (nobody flagged) when none has."""
    return card.band_thresholds(y, p, precision_high=precision, precision_medium=precision)[1]


def _num(v: Any) -> float | None:
    return None if v is None or not np.isfinite(v) else round(float(v), 4)


def _protected_groups(s: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s) and s.nunique() > 10:
        return pd.qcut(s, PROTECTED_BINS, duplicates="drop").astype(str).where(s.notna(), np.nan)
    return s


def _summary(values: list[float]) -> dict[str, float | None]:
    return {"mean": _num(float(np.mean(values))), "std": _num(float(np.std(values)))}


def evaluate_csv(path: str | Path, target: str, positive: str, id_column: str | None = None,
                 exclude: Iterable[str] = (), protected: Iterable[str] = (), kind: str = "flight-risk",
                 n_repeats: int = N_REPEATS, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Nested, repeated cross-validation of the candidates on the CSV (see the module docstring); a JSON-ready dict."""
    if kind not in KINDS:
        raise DataError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    X, y, prot, spec = load(path, target, positive, id_column, exclude, protected)
    with fitting_threads(len(y)):  # small fits are faster on one thread than on OpenMP's team
        prot_groups = {c: _protected_groups(prot[c]).to_numpy() for c in prot.columns}
        cands = candidates(spec)
        outer = RepeatedStratifiedKFold(n_splits=N_SPLITS, n_repeats=n_repeats, random_state=SEED)
        metrics: dict[str, list[float]] = {k: [] for k in ("roc_auc", "pr_auc", "brier")}
        base: dict[str, list[float]] = {k: [] for k in ("roc_auc", "pr_auc", "brier")}
        chosen: Counter[str] = Counter()
        pooled: dict[str, list[np.ndarray]] = {"idx": [], "p": [], "flag": []}
        n_folds = N_SPLITS * n_repeats
        for i, (tr, te) in enumerate(outer.split(X, y), start=1):
            if progress:
                progress(f"outer fold {i}/{n_folds}")
            Xtr, ytr, Xte, yte = X.iloc[tr], y[tr], X.iloc[te], y[te]
            name, oof = _choose(cands, Xtr, ytr)
            chosen[name] += 1
            model = _calibrated(cands[name], Xtr, ytr)
            oof_p = model.calibrated_classifiers_[0].calibrators[0].predict(oof)
            threshold = flag_threshold(ytr, oof_p)
            p = model.predict_proba(Xte)[:, 1]
            for store, pr in ((metrics, p), (base, clone(baseline(spec)).fit(Xtr, ytr).predict_proba(Xte)[:, 1])):
                fold = card.metrics(yte, pr)  # stratified folds: both classes in each
                for k in store:
                    store[k].append(fold[k])
            pooled["idx"].append(te)
            pooled["p"].append(p)
            pooled["flag"].append(p >= threshold)
        idx = np.concatenate(pooled["idx"])
        p_all, flag_all = np.concatenate(pooled["p"]), np.concatenate(pooled["flag"])
        result: dict[str, Any] = {
            "kind": kind, "target": target, "positive": str(positive), "n_rows": len(y), "n_positive": int(y.sum()),
            "cv": {"outer": f"RepeatedStratifiedKFold(n_splits={N_SPLITS}, n_repeats={n_repeats})",
                   "inner": "StratifiedKFold(n_splits=3), chosen by ROC-AUC", "random_state": SEED},
            # the means over the outer test folds at the top (the figures people compare), their spread under "std"
            **{k: _summary(v)["mean"] for k, v in metrics.items()},
            "std": {k: _summary(v)["std"] for k, v in metrics.items()},
            "model": chosen.most_common(1)[0][0],
            "model_counts": dict(chosen),
            "baseline": {**{k: _summary(v)["mean"] for k, v in base.items()},
                         "std": {k: _summary(v)["std"] for k, v in base.items()},
                         "model": "one-hot + StandardScaler + LogisticRegression"},
            "flag_rule": f"lowest calibrated probability whose training-fold precision >= {FLAG_PRECISION}",
            "overall_selection_rate": _num(float(flag_all.mean())),
            "features": spec.as_dict(),
        }
        if prot_groups:
            result["subgroups"] = card.subgroups(y[idx], p_all, {c: g[idx] for c, g in prot_groups.items()},
                                                 selected=flag_all, repeats=n_repeats)
        return result


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def train_csv(path: str | Path, target: str, positive: str, id_column: str | None = None,
              exclude: Iterable[str] = (), protected: Iterable[str] = (), kind: str = "flight-risk",
              n_repeats: int = N_REPEATS, progress: Callable[[str], None] | None = None,
              ) -> tuple[CalibratedClassifierCV, dict[str, Any]]:
    """The final model (nested choice on all rows, calibrated) and its metadata (candidate, spec, cv metrics,
    threshold, scikit-learn version, sha256 of the file). The model takes a frame with the spec's feature columns."""
    exclude, protected = list(exclude), list(protected)
    report = evaluate_csv(path, target, positive, id_column, exclude, protected, kind, n_repeats, progress)
    X, y, _, spec = load(path, target, positive, id_column, exclude, protected)
    cands = candidates(spec)
    with fitting_threads(len(y)):
        name, oof = _choose(cands, X, y)
        model = _calibrated(cands[name], X, y)
    threshold = flag_threshold(y, model.calibrated_classifiers_[0].calibrators[0].predict(oof))
    meta = {"kind": kind, "target": target, "positive": str(positive), "candidate": name,
            "features": spec.as_dict(), "feature_columns": spec.features, "threshold": _num(threshold),
            "flag_rule": report["flag_rule"],
            "cv": {k: report[k] for k in ("cv", "roc_auc", "pr_auc", "brier", "std", "model", "model_counts", "baseline")},
            "subgroups": report.get("subgroups"), "n_rows": len(y), "n_positive": int(y.sum()),
            "sklearn_version": sklearn.__version__, "sha256": sha256(path), "source": Path(path).name}
    return model, meta


def save_model(model: Any, meta: dict[str, Any], out: str | Path) -> Path:
    """``model.skops`` (skops' safe format) and ``card.json`` (the metadata) in ``out``; returns the directory."""
    import skops.io as sio

    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    sio.dump(model, d / "model.skops")
    (d / "card.json").write_text(json.dumps(meta, indent=2, default=str))
    return d
