"""Model-card figures on plain arrays: discrimination, calibration, subgroup fairness, score bands."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, precision_recall_curve, roc_auc_score

FOUR_FIFTHS = 0.8  # a group selected at under four fifths of the most-selected group's rate is flagged
MIN_GROUP = 10  # groups smaller than this are reported, marked small, and left out of the four-fifths ratio


def metrics(y: Sequence[int] | np.ndarray, p: Sequence[float] | np.ndarray) -> dict[str, Any]:
    """roc_auc, pr_auc (average precision), brier, n, n_positive; the AUCs are None when one class only (brier None
    when empty)."""
    ya, pa = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    n, pos = len(ya), int(ya.sum())
    two = 0 < pos < n
    return {
        "roc_auc": float(roc_auc_score(ya, pa)) if two else None,
        "pr_auc": float(average_precision_score(ya, pa)) if two else None,
        "brier": float(brier_score_loss(ya, pa, labels=[0, 1])) if n else None,
        "n": n,
        "n_positive": pos,
    }


def calibration(
    y: Sequence[int] | np.ndarray, p: Sequence[float] | np.ndarray, bins: int = 10
) -> list[tuple[float, float, int]]:
    """(mean predicted, observed rate, n) per equal-width bin of [0, 1] (the bins of sklearn's calibration_curve,
    strategy="uniform"); empty bins are left out."""
    ya, pa = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    ids = np.searchsorted(edges[1:-1], pa)
    out = []
    for b in range(bins):
        mask = ids == b
        k = int(mask.sum())
        if k:
            out.append((float(pa[mask].mean()), float(ya[mask].mean()), k))
    return out


def _key(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return "unknown"
    return str(value)


def subgroups(
    y: Sequence[int] | np.ndarray,
    p: Sequence[float] | np.ndarray,
    groups: Mapping[str, Sequence[Any]],
    threshold: float | None = None,
    min_n: int = MIN_GROUP,
    *,
    selected: Sequence[bool] | np.ndarray | None = None,
    repeats: int = 1,
) -> dict[str, dict[str, Any]]:
    """Per column: {"groups": {group: {n, n_positive, roc_auc, pr_auc, brier, selection_rate, small}},
    "four_fifths_ratio": min/max selection rate over groups with n >= min_n (None when fewer than two such groups or
    nobody selected), "flagged": ratio < 0.8}. Missing group values count as "unknown".

    A person is selected when p >= ``threshold``, or as ``selected`` says (pooled cross-validation folds, each with
    its own threshold). ``repeats``: how many times each row appears in pooled arrays (n counts people once)."""
    ya, pa = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    if selected is None:
        if threshold is None:
            raise ValueError("subgroups needs a threshold or the selected rows")
        chosen = pa >= threshold
    else:
        chosen = np.asarray(selected, dtype=bool)
    result: dict[str, dict[str, Any]] = {}
    for column, values in groups.items():
        keys = np.asarray([_key(v) for v in values], dtype=object)
        per: dict[str, dict[str, Any]] = {}
        for g in sorted(set(keys)):
            mask = keys == g
            figures = metrics(ya[mask], pa[mask])
            figures["n"] //= repeats
            figures["n_positive"] //= repeats
            figures["selection_rate"] = float(chosen[mask].mean())
            figures["small"] = figures["n"] < min_n
            per[g] = figures
        rates = [f["selection_rate"] for f in per.values() if not f["small"]]
        ratio = min(rates) / max(rates) if len(rates) >= 2 and max(rates) > 0 else None
        result[column] = {"groups": per, "four_fifths_ratio": ratio,
                          "flagged": ratio is not None and ratio < FOUR_FIFTHS}
    return result


def age_band(birth_year: Any, as_of_year: int) -> str:
    """Age by years only (as_of_year - birth_year): "under 30", "30-39", "40-49", "50+", or "unknown"."""
    try:
        if birth_year is None or math.isnan(float(birth_year)):
            return "unknown"
        age = int(as_of_year) - int(birth_year)
    except (TypeError, ValueError):
        return "unknown"
    if age < 0 or age > 120:
        return "unknown"
    return "under 30" if age < 30 else "30-39" if age < 40 else "40-49" if age < 50 else "50+"


def _lowest_cut(precision: np.ndarray, thresholds: np.ndarray, target: float, top: float) -> float:
    ok = thresholds[precision[:-1] >= target]
    return float(ok.min()) if len(ok) else float(np.nextafter(top, np.inf))


def band_thresholds(
    y: Sequence[int] | np.ndarray,
    p: Sequence[float] | np.ndarray,
    precision_high: float = 0.6,
    precision_medium: float = 0.35,
) -> tuple[float, float]:
    """(medium_cut, high_cut): the lowest score threshold t whose precision among p >= t reaches the target. When no
    threshold reaches it the cut is just above the highest score (np.nextafter), so nobody is in that band."""
    if precision_medium > precision_high:
        raise ValueError("precision_medium must not exceed precision_high")
    ya, pa = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    if not len(pa):
        raise ValueError("band_thresholds needs scores")
    top = float(pa.max())
    if ya.sum() == 0:
        cut = float(np.nextafter(top, np.inf))
        return cut, cut
    precision, _, thresholds = precision_recall_curve(ya, pa)
    return (
        _lowest_cut(precision, thresholds, precision_medium, top),
        _lowest_cut(precision, thresholds, precision_high, top),
    )


def band(p: float, cuts: tuple[float, float]) -> str:
    """ "high" when p >= high_cut, "medium" when p >= medium_cut, else "low"."""
    medium, high = cuts
    return "high" if p >= high else "medium" if p >= medium else "low"
