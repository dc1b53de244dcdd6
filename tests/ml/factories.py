"""Small, fixed flight-risk data for the page, API and policy tests: model versions and scores written directly
(no model is trained here), on the small org of tests/factories.py, as of pinned dates.

Version ``flight-risk-1`` (retired) scored Bob once, as of 2024-11-30; ``flight-risk-2`` (active) scored everyone
as of 2025-11-30 and 2026-11-30. Latest probabilities (2026-11-30): Bob 0.72 high, Carol 0.61 high, Bruno (boss)
0.38 medium, Dana 0.30 medium, Cora (ceo) 0.10 low, Alice 0.05 low.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from ml import settings
from ml.models import MlSettings, ModelVersion, Score
from tests.factories import Org

AS_OF = date(2026, 11, 30)
BEFORE = date(2025, 11, 30)
OLDEST = date(2024, 11, 30)
LATEST = {"bob": (0.72, "high"), "carol": (0.61, "high"), "boss": (0.38, "medium"), "dana": (0.30, "medium"),
          "ceo": (0.10, "low"), "alice": (0.05, "low")}

CARD: dict[str, Any] = {
    "kind": "flight-risk",
    "as_of": "2026-11-30",
    "window": {"train": ["2022-12-01", "2023-12-01"], "test": "2024-11-30",
               "label": "voluntary exit within 365 days after the as-of date"},
    "features": {"numeric": ["tenure_years", "pay_position"], "categorical": [], "ordered": {},
                 "dropped": {"points_last": "no value in any snapshot"}},
    "candidates": {"logistic": 0.61, "gradient_boosting": 0.64},
    "chosen": "gradient_boosting",
    "cuts": {"medium": 0.25, "high": 0.5},
    "precision": {"medium": 0.25, "high": 0.5},
    "calibration": [[0.05, 0.04, 120], [0.3, 0.27, 40], [0.62, 0.7, 10]],
    "subgroups": {
        "gender": {"groups": {"female": {"n": 80, "n_positive": 10, "roc_auc": 0.66, "pr_auc": 0.3, "brier": 0.08,
                                         "selection_rate": 0.05, "small": False},
                              "male": {"n": 90, "n_positive": 12, "roc_auc": 0.63, "pr_auc": 0.28, "brier": 0.09,
                                       "selection_rate": 0.1, "small": False}},
                   "four_fifths_ratio": 0.5, "flagged": True},
        "age_band": {"groups": {"under 30": {"n": 60, "n_positive": 9, "roc_auc": 0.6, "pr_auc": 0.3, "brier": 0.1,
                                             "selection_rate": 0.09, "small": False},
                                "50+": {"n": 5, "n_positive": 0, "roc_auc": None, "pr_auc": None, "brier": 0.02,
                                        "selection_rate": 0.0, "small": True}},
                     "four_fifths_ratio": None, "flagged": False},
    },
    "rows": {"train": 300, "test": 170},
}
METRICS: dict[str, Any] = {"roc_auc": 0.642, "pr_auc": 0.211, "brier": 0.0811, "n": 170, "n_positive": 22,
                           "baseline": {"roc_auc": 0.605, "pr_auc": 0.18, "brier": 0.0842}}


def drivers(name: str) -> list[dict[str, Any]]:
    """Three stored drivers as ml.score writes them (feature, value, contribution, direction, text)."""
    return [
        {"feature": "pay_position", "value": 0.1, "contribution": 0.42, "direction": "raises",
         "text": f"pay is in the lowest quarter of the band: raises risk ({name})"},
        {"feature": "months_since_promotion", "value": 40, "contribution": 0.2, "direction": "raises",
         "text": "no promotion for 40 months: raises risk"},
        {"feature": "tenure_years", "value": 8.0, "contribution": -0.15, "direction": "lowers",
         "text": "tenure is 8.0 years: lowers risk"},
    ]


def version(db: Session, *, label: str, active: bool) -> ModelVersion:
    v = ModelVersion(kind="flight-risk", label=label, candidate="gradient_boosting", sklearn_version="1.x",
                     data_hash="a" * 64, metrics=METRICS, card=CARD, artifact=b"not a model", artifact_sha256="b" * 64,
                     active=active)
    db.add(v)
    db.flush()
    return v


@dataclass
class Risk:
    org: Org
    old: ModelVersion
    active: ModelVersion
    latest: dict[str, Score] = field(default_factory=dict)  # the 2026-11-30 score of each person
    scores: dict[str, list[Score]] = field(default_factory=dict)

    def person(self, name: str) -> int:
        return self.org.people[name].id


def score(db: Session, v: ModelVersion, emp_id: int, as_of: date, p: float, band: str, name: str) -> Score:
    s = Score(version_id=v.id, employee_id=emp_id, position_id=None, as_of=as_of, probability=p, band=band,
              drivers=drivers(name))
    db.add(s)
    db.flush()
    return s


def risk_world(db: Session, org: Org) -> Risk:
    old = version(db, label="flight-risk-1", active=False)
    active = version(db, label="flight-risk-2", active=True)
    w = Risk(org=org, old=old, active=active)
    bob = org.people["bob"].id
    w.scores["bob"] = [score(db, old, bob, OLDEST, 0.4, "medium", "bob")]
    for name, (p, band) in LATEST.items():
        emp = org.people[name].id
        earlier = score(db, active, emp, BEFORE, round(p * 0.8, 4), "low" if p * 0.8 < 0.25 else band, name)
        w.latest[name] = score(db, active, emp, AS_OF, p, band, name)
        w.scores.setdefault(name, []).extend([earlier, w.latest[name]])
    return w


def managers_see_risk(db: Session, on: bool = True) -> MlSettings:
    """HR's setting, written directly (the service is tested on its own)."""
    row = db.get(MlSettings, settings.SETTINGS_ID)
    if row is None:
        row = MlSettings(id=settings.SETTINGS_ID)
        db.add(row)
    row.managers_see_risk = on
    db.flush()
    return row
