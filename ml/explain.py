"""Per-person explanations of a fitted scoring pipeline, in the model's own units, added up per original input column.

The pipeline is ``Pipeline([("prep", ColumnTransformer(...)), ("model", estimator)])``. What is explained is the
pipeline's *margin* (see :func:`margin`), and the explanation is faithful: ``base + sum(contributions) == margin``.

* LogisticRegression (and any linear model with ``coef_``): the exact contribution of transformed column j is
  ``coef_j * (x_j - mean_j)``, mean_j over the background's transformed rows; base = ``intercept + coef . mean``.
  Unit: log-odds (``decision_function``).
* Tree models (HistGradientBoostingClassifier, RandomForestClassifier, ...): TreeSHAP through ``shap.TreeExplainer``
  on the raw output, always path-dependent: the trees' own training cover is the reference and a background is not
  used (see ``_tree``). Unit: log-odds for gradient boosting
  (``decision_function``); probability for random forests and extra trees, whose raw output is the mean of the trees'
  class fractions (``predict_proba[:, 1]``).
* ``CalibratedClassifierCV`` (as the model step, or wrapping the whole pipeline): the rule is "explain each
  calibrated fold's base estimator and average" - base and every contribution are the means over the folds, so the
  explanation adds up to the mean of the folds' base-model margins. Calibration maps each fold's margin monotonically
  (sigmoid, or non-decreasing isotonic) to its probability, so a driver that raises the margin never lowers the
  calibrated score; the probability itself is not additive and is not what is explained.

Grouping: a transformed column belongs to the original input column it was made from (one-hot columns of one feature
are summed, a missing-value indicator belongs to its column). The map comes from the ColumnTransformer's
``transformers_``, ``output_indices_`` and each transformer's ``get_feature_names_out``: a transformer of one column
owns all its outputs; for a transformer of several columns an output named after an input column (or
``missingindicator_<column>``) is that column's, otherwise the longest input column name that the output name starts
with followed by ``_`` (OneHotEncoder's ``<column>_<category>``). Anything else raises ``ValueError``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.pipeline import Pipeline


@dataclass
class Driver:
    feature: str
    value: Any
    contribution: float
    direction: str  # "raises" | "lowers"
    text: str


@dataclass
class Explanation:
    base: float
    total: float
    drivers: list[Driver]
    all_contributions: dict[str, float]
    unit: str = "log-odds"  # "log-odds" | "probability" (random forests), the unit of base/total/contributions


# ---------------------------------------------------------------------------------------------------------- plain words


@dataclass(frozen=True)
class Phrase:
    """How one feature is said: ``render(value)`` gives the clause ("tenure is 1.2 years"); ``missing`` is said for a
    missing value. Without ``render`` the clause is "<label> is <value><unit>"."""

    label: str
    unit: str = ""
    missing: str | None = None
    render: Callable[[Any], str] | None = None
    digits: int = 1


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float | np.floating) and math.isnan(value))
    except TypeError:
        return False


def format_value(value: Any, digits: int = 1) -> str:
    """1.25 -> "1.2" (rounded to ``digits``), 3.0 -> "3", strings as they are."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        text = f"{float(value):.{digits}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return str(value)


def _counted(singular: str, plural: str, digits: int = 1) -> Callable[[Any], str]:
    """A number with its unit: 1 -> "1 year", 1.2 -> "1.2 years"."""

    def render_unit(value: Any) -> str:
        text = format_value(value, digits)
        return f"{text} {singular if text == '1' else plural}"

    return render_unit


def _clause(label: str, singular: str, plural: str, digits: int = 1) -> Callable[[Any], str]:
    unit = _counted(singular, plural, digits)
    return lambda value: f"{label} is {unit(value)}"


def pay_quarter(value: Any) -> str:
    """Position 0..1 in the grade's pay band -> "pay is in the <quarter> of the band" (below/above the band outside)."""
    position = float(value)
    if position < 0:
        return "pay is below the band"
    if position > 1:
        return "pay is above the band"
    quarters = ("lowest quarter", "second quarter", "third quarter", "top quarter")
    return f"pay is in the {quarters[min(int(position * 4), 3)]} of the band"


def _signed(label: str, per: str) -> Callable[[Any], str]:
    return lambda value: f"{label} is {'+' if float(value) > 0 else ''}{format_value(value, 2)} {per}"


# The flight-risk features; a Phrase per feature. Copy and extend for other models (readiness).
DEFAULT_PHRASES: dict[str, Phrase] = {
    "tenure_years": Phrase("tenure", render=_clause("tenure", "year", "years")),
    "months_in_post": Phrase("time in post", render=_clause("time in post", "month", "months", 0)),
    "months_since_promotion": Phrase(
        "time since the last promotion",
        missing="no promotion on record",
        render=_clause("time since the last promotion", "month", "months", 0),
    ),
    "score_trend": Phrase("score trend", missing="no score trend yet", render=_signed("score trend", "per review")),
    "last_score": Phrase("last score", missing="no score yet", digits=2),
    "final_rating": Phrase("final rating", missing="no final rating yet"),
    "potential": Phrase("potential", missing="no potential assessment yet"),
    "pay_position": Phrase("pay", missing="no pay band to compare with", render=pay_quarter),
    "manager_changes_24m": Phrase(
        "manager changes in 24 months",
        render=lambda v: f"{_counted('manager change', 'manager changes', 0)(v)} in 24 months",
    ),
    "team_exits_12m": Phrase(
        "team exits in 12 months", render=lambda v: f"{_counted('exit', 'exits', 0)(v)} from the team in 12 months"
    ),
    "points_12m": Phrase(
        "recognition points in 12 months",
        render=lambda v: f"{_counted('recognition point', 'recognition points', 0)(v)} in 12 months",
    ),
    "collaboration_received": Phrase("collaboration received", missing="no collaboration recorded"),
    "skill_growth_12m": Phrase("skill growth in 12 months", missing="no skill growth recorded"),
    "skill_fit": Phrase("skill fit with the role", missing="no skill fit yet", digits=2),
    "career_steps_open": Phrase(
        "open career steps", render=lambda v: f"{_counted('open career step', 'open career steps', 0)(v)}"
    ),
    "grade_level": Phrase("grade level", missing="no grade"),
}


def describe(
    feature: str,
    value: Any,
    contribution: float,
    phrases: Mapping[str, Phrase] | None = None,
    outcome: str = "risk",
) -> str:
    """Say "pay is in the lowest quarter of the band: raises risk". ``phrases`` defaults to :data:`DEFAULT_PHRASES`;
    a feature without a phrase is said "<feature> = <value>" (missing: "<feature> is missing"), with the same
    ": raises|lowers <outcome>" ending ("no effect on <outcome>" for a zero contribution)."""
    return f"{_say(feature, value, phrases)}: {_effect(contribution, outcome)}"


def _say(feature: str, value: Any, phrases: Mapping[str, Phrase] | None) -> str:
    """The clause of a driver's text, before its ": raises|lowers <outcome>"."""
    table = DEFAULT_PHRASES if phrases is None else phrases
    phrase = table.get(feature)
    if phrase is None:
        return f"{feature} is missing" if is_missing(value) else f"{feature} = {format_value(value, 2)}"
    if is_missing(value):
        return phrase.missing or f"no {phrase.label} recorded"
    if phrase.render is not None:
        return phrase.render(value)
    return f"{phrase.label} is {format_value(value, phrase.digits)}{phrase.unit}"


def _effect(contribution: float, outcome: str) -> str:
    if contribution > 0:
        return f"raises {outcome}"
    if contribution < 0:
        return f"lowers {outcome}"
    return f"no effect on {outcome}"


# ------------------------------------------------------------------------------------------------------ feature groups


def _column_transformer(pipeline: Pipeline) -> ColumnTransformer:
    steps = pipeline.steps[:-1]
    if len(steps) != 1 or not isinstance(steps[0][1], ColumnTransformer):
        raise ValueError("explain needs Pipeline([(prep, ColumnTransformer), (model, estimator)])")
    return steps[0][1]


def feature_groups(prep: ColumnTransformer) -> list[str]:
    """The original input column of each transformed column, in the transformed order."""
    names_in = np.asarray(prep.feature_names_in_, dtype=object)
    owners: list[str | None] = [None] * sum(s.stop - s.start for s in prep.output_indices_.values())
    for name, transformer, columns in prep.transformers_:
        out = prep.output_indices_.get(name, slice(0, 0))
        width = out.stop - out.start
        if transformer == "drop" or width == 0:
            continue
        if isinstance(columns, str):
            columns = [columns]
        elif isinstance(columns, slice):
            columns = list(names_in[columns])
        else:
            array = np.asarray(columns)
            if array.dtype == bool or np.issubdtype(array.dtype, np.integer):
                columns = list(names_in[array])
            else:
                columns = [str(c) for c in array]
        if len(columns) == 1:
            owners[out] = [columns[0]] * width
            continue
        produced = columns if transformer == "passthrough" else list(transformer.get_feature_names_out(columns))
        if len(produced) != width:
            raise ValueError(f"transformer {name!r} names {len(produced)} outputs but produces {width}")
        by_length = sorted(columns, key=len, reverse=True)
        for offset, output in enumerate(produced):
            output = str(output)
            owner = output if output in columns else None
            if owner is None and output.startswith("missingindicator_") and output[17:] in columns:
                owner = output[17:]
            if owner is None:
                owner = next((c for c in by_length if output.startswith(f"{c}_")), None)
            if owner is None:
                raise ValueError(f"cannot tell which input column of {name!r} the output {output!r} comes from")
            owners[out.start + offset] = owner
    if any(o is None for o in owners):
        raise ValueError("some transformed columns have no input column")
    return [str(o) for o in owners]


# ------------------------------------------------------------------------------------------------------------- margins


def _unwrap(estimator: Any) -> Any:
    """A calibrated fold's estimator (FrozenEstimator for cv="prefit" in newer scikit-learn is unwrapped)."""
    while type(estimator).__name__ == "FrozenEstimator":
        estimator = estimator.estimator
    return estimator


def _folds(calibrated: CalibratedClassifierCV) -> list[Any]:
    return [_unwrap(c.estimator) for c in calibrated.calibrated_classifiers_]


def _dense(matrix: Any) -> np.ndarray:
    if hasattr(matrix, "toarray"):
        matrix = matrix.toarray()
    return np.asarray(matrix, dtype=float)


def unit(estimator: Any) -> str:
    """The unit an estimator's explanation is in: "probability" for forests, "log-odds" otherwise."""
    if isinstance(estimator, Pipeline):
        estimator = estimator.steps[-1][1]
    if isinstance(estimator, CalibratedClassifierCV):
        estimator = _folds(estimator)[0]
        return unit(estimator)
    return "probability" if isinstance(estimator, RandomForestClassifier | ExtraTreesClassifier) else "log-odds"


def _model_margin(model: Any, Z: np.ndarray) -> np.ndarray:
    if isinstance(model, CalibratedClassifierCV):
        return np.asarray(np.mean([_model_margin(m, Z) for m in _folds(model)], axis=0), dtype=float)
    if unit(model) == "probability":
        return np.asarray(model.predict_proba(Z)[:, 1], dtype=float)
    return np.asarray(model.decision_function(Z), dtype=float).reshape(-1)


def margin(pipeline: Any, X: pd.DataFrame) -> np.ndarray:
    """What :func:`explain` explains, per row: the model's log-odds (``decision_function``), a forest's probability,
    or for ``CalibratedClassifierCV`` the mean of those over the calibrated folds' base estimators."""
    if isinstance(pipeline, CalibratedClassifierCV):
        return np.asarray(np.mean([margin(p, X) for p in _folds(pipeline)], axis=0), dtype=float)
    prep = _column_transformer(pipeline)
    return _model_margin(pipeline.steps[-1][1], _dense(prep.transform(X)))


# ------------------------------------------------------------------------------------------------------- contributions


def _check_binary(model: Any) -> None:
    classes = getattr(model, "classes_", None)
    if classes is not None and len(classes) != 2:
        raise ValueError(f"explain handles binary classifiers only, this one has classes {list(classes)}")


def _linear(model: Any, Z: np.ndarray, Zb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    coef = np.asarray(model.coef_, dtype=float)
    if coef.shape[0] != 1:
        raise ValueError("explain handles binary linear models only")
    coef = coef[0]
    mean = Zb.mean(axis=0)
    base = float(np.ravel(model.intercept_)[0]) + float(coef @ mean)
    return np.full(Z.shape[0], base), coef * (Z - mean)


def _tree(model: Any, Z: np.ndarray, Zb: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    import shap  # slow to import; only trees need it

    # Path-dependent TreeSHAP always: the reference is the training data as the trees saw it (their covers), so a
    # background is not needed. With a background ("interventional"), shap's additivity check failed on a
    # HistGradientBoosting model of the 20,000-person seed (sum -2.59 against a margin of -1.95), so it is not used.
    del Zb
    explainer = shap.TreeExplainer(model, feature_perturbation="tree_path_dependent", model_output="raw")
    values = np.asarray(explainer.shap_values(Z), dtype=float)
    expected = np.ravel(np.asarray(explainer.expected_value, dtype=float))
    if values.ndim == 3:  # (rows, columns, classes): the positive class
        values, base = values[:, :, 1], float(expected[1])
    else:
        base = float(expected[-1])
    return np.full(Z.shape[0], base), values


def _model_contributions(model: Any, Z: np.ndarray, Zb: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(base per row, contribution per row and transformed column) in the model's margin unit."""
    if isinstance(model, CalibratedClassifierCV):
        parts = [_model_contributions(m, Z, Zb) for m in _folds(model)]
        return np.mean([b for b, _ in parts], axis=0), np.mean([c for _, c in parts], axis=0)
    _check_binary(model)
    if hasattr(model, "coef_"):
        return _linear(model, Z, Z if Zb is None else Zb)
    return _tree(model, Z, Zb)


def contributions(pipeline: Any, X: pd.DataFrame, background: pd.DataFrame | None = None) -> tuple[np.ndarray, pd.DataFrame]:
    """(base per row, DataFrame of contributions per row and ORIGINAL input column), adding up to :func:`margin`.

    ``background`` should be the training frame (or a sample of it): a linear model's contributions are measured from
    its transformed column means (without one, from ``X``'s own means - then an explanation depends on who else is in
    the batch); a tree model uses it for interventional TreeSHAP (without one, the trees' training cover)."""
    if isinstance(pipeline, CalibratedClassifierCV):
        parts = [contributions(p, X, background) for p in _folds(pipeline)]
        base = np.mean([b for b, _ in parts], axis=0)
        frame = sum((c for _, c in parts[1:]), parts[0][1]) / len(parts)
        return base, frame
    prep = _column_transformer(pipeline)
    owners = feature_groups(prep)
    Z = _dense(prep.transform(X))
    Zb = None if background is None else _dense(prep.transform(background))
    base, values = _model_contributions(pipeline.steps[-1][1], Z, Zb)
    by_column = pd.DataFrame(values, index=X.index, columns=owners)
    grouped = by_column.T.groupby(level=0, sort=False).sum().T
    order = [c for c in X.columns if c in grouped.columns]
    return base, grouped[order]


def _plain(value: Any) -> Any:
    if is_missing(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _plain_column(column: pd.Series) -> list[Any]:
    """``_plain`` of every value of a column, at once for numbers (the column's Python numbers, ``None`` for NaN)."""
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        numbers = column.to_numpy()
        out = numbers.astype(object)
        if numbers.dtype.kind == "f":
            out[np.isnan(numbers)] = None
        return list(out.tolist())
    return [_plain(v) for v in column.to_numpy()]


def explain(
    pipeline: Any,
    X: pd.DataFrame,
    top: int = 5,
    background: pd.DataFrame | None = None,
    phrases: Mapping[str, Phrase] | None = None,
    outcome: str = "risk",
) -> list[Explanation]:
    """One :class:`Explanation` per row of ``X``: ``base + sum(all_contributions.values()) == total == margin``; the
    drivers are the ``top`` non-zero contributions by size, largest first, each with the person's raw input value
    (``None`` when missing) and its plain-word text (see :func:`describe`)."""
    base, frame = contributions(pipeline, X, background)
    say = unit(pipeline)
    names = [str(c) for c in frame.columns]
    values = frame.to_numpy(dtype=float)
    # every row ranked at once: by size (largest first), ties by feature name; zeros are never drivers
    by_name = np.empty(len(names), dtype=np.int64)
    by_name[np.argsort(np.asarray(names, dtype=object), kind="stable")] = np.arange(len(names))
    keys = (np.broadcast_to(by_name, values.shape), -np.abs(values))
    ranked = np.lexsort(keys, axis=-1)[:, : max(top, 0)] if len(names) else np.empty((len(values), 0), dtype=int)
    raw = {name: _plain_column(X[name]) for name in names if name in X.columns}
    # the same feature and value are said the same way: each clause is rendered once per call
    clauses: dict[tuple[str, Any], str] = {}
    raises, lowers = f"raises {outcome}", f"lowers {outcome}"
    result: list[Explanation] = []
    for position, (row, order) in enumerate(zip(values.tolist(), ranked.tolist(), strict=True)):
        drivers = []
        for j in order:
            contribution = row[j]
            if contribution == 0:
                break  # the rest are zeros too
            feature = names[j]
            value = raw[feature][position] if feature in raw else None
            key = (feature, value)
            clause = clauses.get(key)
            if clause is None:
                clause = clauses[key] = _say(feature, value, phrases)
            up = contribution > 0
            drivers.append(
                Driver(
                    feature=feature,
                    value=value,
                    contribution=contribution,
                    direction="raises" if up else "lowers",
                    text=f"{clause}: {raises if up else lowers}",
                )
            )
        b = float(base[position])
        result.append(
            Explanation(base=b, total=b + math.fsum(row), drivers=drivers,
                        all_contributions=dict(zip(names, row, strict=True)), unit=say)
        )
    return result


__all__ = [
    "DEFAULT_PHRASES",
    "Driver",
    "Explanation",
    "Phrase",
    "contributions",
    "describe",
    "explain",
    "feature_groups",
    "format_value",
    "margin",
    "pay_quarter",
    "unit",
]
