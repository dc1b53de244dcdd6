import numpy as np
import pytest
from sklearn.calibration import calibration_curve

from ml.card import age_band, band, band_thresholds, calibration, metrics, subgroups


def test_metrics_one_class_has_no_auc():
    m = metrics([0, 0, 0], [0.1, 0.2, 0.3])
    assert m["roc_auc"] is None and m["pr_auc"] is None and m["n"] == 3 and m["n_positive"] == 0
    assert m["brier"] == pytest.approx((0.01 + 0.04 + 0.09) / 3)
    assert metrics([0, 1], [0.2, 0.8])["roc_auc"] == 1.0


def test_calibration_matches_sklearn_and_drops_empty_bins():
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 0.5, 300)
    y = (rng.uniform(size=300) < p).astype(int)
    rows = calibration(y, p, bins=10)
    true, pred = calibration_curve(y, p, n_bins=10)
    assert len(rows) == 5 and sum(r[2] for r in rows) == 300
    assert np.allclose([r[0] for r in rows], pred) and np.allclose([r[1] for r in rows], true)


def test_subgroups_four_fifths_hand_checked():
    # 20 rows: group a selects 8 of 10, group b 4 of 10 -> ratio 0.5, flagged; group c (3 rows) is small, left out
    p = [0.9] * 8 + [0.1] * 2 + [0.9] * 4 + [0.1] * 6 + [0.0] * 3
    y = [1, 0] * 10 + [0, 0, 1]
    groups = {"sex": ["a"] * 10 + ["b"] * 10 + ["c"] * 3}
    out = subgroups(y, p, groups, threshold=0.5)["sex"]
    assert out["groups"]["a"]["selection_rate"] == 0.8 and out["groups"]["b"]["selection_rate"] == 0.4
    assert out["groups"]["c"]["small"] and not out["groups"]["a"]["small"]
    assert out["four_fifths_ratio"] == pytest.approx(0.5) and out["flagged"]
    even = subgroups(y[:20], [0.9] * 20, {"g": ["a"] * 10 + ["b"] * 10}, 0.5)["g"]
    assert even["four_fifths_ratio"] == 1.0 and not even["flagged"]


def test_age_band():
    assert [age_band(b, 2026) for b in (2000, 1996, 1987, 1976, None, float("nan"), 2030)] == [
        "under 30",
        "30-39",
        "30-39",
        "50+",
        "unknown",
        "unknown",
        "unknown",
    ]
    assert age_band(1986, 2026) == "40-49"


def test_band_thresholds_hand_checked():
    # scores descending with labels: precision at t=0.9 is 1/1, 0.8: 2/2, 0.7: 2/3, 0.6: 2/4, 0.5: 2/5, 0.4: 3/6
    p = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]
    y = [1, 1, 0, 0, 0, 1, 0, 0]
    medium, high = band_thresholds(y, p, precision_high=0.6, precision_medium=0.35)
    assert high == 0.7  # 2/3 >= 0.6; 0.6 gives 2/4
    assert medium == 0.2  # 0.3 gives 3/7, 0.2 gives 3/8 = 0.375 >= 0.35: the lowest is 0.2


def test_band_thresholds_none_reach():
    medium, high = band_thresholds([1, 0, 0, 0], [0.1, 0.9, 0.8, 0.7], precision_high=0.6, precision_medium=0.3)
    assert high > 0.9 and band(0.9, (medium, high)) != "high"
    assert band(0.5, (0.3, 0.6)) == "medium" and band(0.6, (0.3, 0.6)) == "high" and band(0.1, (0.3, 0.6)) == "low"
