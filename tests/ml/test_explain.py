import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ml.explain import describe, explain, feature_groups, margin


def _data(n=240, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "pay_position": rng.uniform(size=n),
            "tenure_years": rng.normal(3, 1, size=n),
            "dept": rng.choice(["sales", "ops", "it"], n),
        }
    )
    X.loc[::9, "tenure_years"] = np.nan
    y = ((X.pay_position < 0.3).astype(int) * 2 + (X.dept == "sales") + rng.normal(size=n) * 0.3 > 1).astype(int)
    return X, y


def _pipe(model):
    prep = ColumnTransformer(
        [
            (
                "num",
                Pipeline([("imp", SimpleImputer(add_indicator=True)), ("sc", StandardScaler())]),
                ["pay_position", "tenure_years"],
            ),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["dept"]),
        ]
    )
    return Pipeline([("prep", prep), ("model", model)])


MODELS = {
    "linear": (LogisticRegression(), 1e-9),
    "hgb": (HistGradientBoostingClassifier(max_iter=30, random_state=0), 1e-6),
    "forest": (RandomForestClassifier(n_estimators=20, random_state=0), 1e-6),
    "calibrated": (CalibratedClassifierCV(LogisticRegression(), cv=3), 1e-9),
    "calibrated_hgb": (CalibratedClassifierCV(HistGradientBoostingClassifier(max_iter=20, random_state=0), cv=3), 1e-6),
}


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("with_background", [False, True])
def test_contributions_add_up_to_the_margin(name, with_background):
    X, y = _data()
    model, tol = MODELS[name]
    pipe = _pipe(model).fit(X, y)
    rows = X.iloc[:20]
    out = explain(pipe, rows, background=X if with_background else None)
    m = margin(pipe, rows)
    for e, expected in zip(out, m, strict=True):
        assert set(e.all_contributions) == {"pay_position", "tenure_years", "dept"}
        assert e.base + sum(e.all_contributions.values()) == pytest.approx(expected, abs=tol)
        assert e.total == pytest.approx(expected, abs=tol)
    if name == "linear":
        assert np.allclose(m, pipe.decision_function(rows), atol=1e-12)


def test_one_hot_columns_group_to_the_original_feature():
    X, y = _data()
    pipe = _pipe(LogisticRegression()).fit(X, y)
    owners = feature_groups(pipe.named_steps["prep"])
    assert owners == ["pay_position", "tenure_years", "tenure_years", "dept", "dept", "dept"]


@pytest.mark.parametrize("name", ["linear", "hgb"])
def test_flipping_the_driving_feature_flips_the_driver(name):
    X, y = _data()
    pipe = _pipe(MODELS[name][0]).fit(X, y)
    person = pd.DataFrame({"pay_position": [0.05], "tenure_years": [3.0], "dept": ["ops"]})
    low = explain(pipe, person, background=X)[0]
    assert low.drivers[0].feature == "pay_position" and low.drivers[0].direction == "raises"
    assert low.drivers[0].text == "pay is in the lowest quarter of the band: raises risk"
    person.loc[0, "pay_position"] = 0.9
    high = explain(pipe, person, background=X)[0]
    assert high.all_contributions["pay_position"] < 0
    assert high.total < low.total


def test_plain_words():
    assert describe("pay_position", 0.1, 0.5) == "pay is in the lowest quarter of the band: raises risk"
    assert describe("pay_position", 0.3, -0.5) == "pay is in the second quarter of the band: lowers risk"
    assert describe("pay_position", 0.6, 0.5) == "pay is in the third quarter of the band: raises risk"
    assert describe("pay_position", 0.8, -0.5) == "pay is in the top quarter of the band: lowers risk"
    assert describe("final_rating", None, 0.2) == "no final rating yet: raises risk"
    assert describe("final_rating", float("nan"), 0.2) == "no final rating yet: raises risk"
    assert describe("tenure_years", 1.2, -0.1) == "tenure is 1.2 years: lowers risk"
    assert describe("mystery", 3, 0.1) == "mystery = 3: raises risk"


@pytest.mark.parametrize("name", ["linear", "calibrated_hgb"])
def test_a_batch_is_explained_as_each_row_alone(name):
    """The batch ranks every row at once: the same drivers, values and texts as one row at a time, largest first, a
    tie broken by the feature's name, no zero contribution among them."""
    X, y = _data()
    pipe = _pipe(MODELS[name][0]).fit(X, y)
    rows = X.iloc[:25]
    batch = explain(pipe, rows, top=2, background=X)
    for i, e in enumerate(batch):
        alone = explain(pipe, rows.iloc[[i]], top=2, background=X)[0]
        assert e.drivers == alone.drivers and e.base == pytest.approx(alone.base)
        ranked = sorted((kv for kv in e.all_contributions.items() if kv[1] != 0), key=lambda kv: (-abs(kv[1]), kv[0]))
        assert [d.feature for d in e.drivers] == [k for k, _ in ranked[:2]]
        for d in e.drivers:
            raw = rows.iloc[i][d.feature]
            assert d.value == (None if pd.isna(raw) else raw)
