"""The registry: a version's model comes back as it was fitted; a tampered artifact, or one holding a type
outside the trusted ones, is refused before anything in it runs."""

from __future__ import annotations

import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sqlalchemy.orm import Session

from ml import registry


def _model() -> tuple[object, np.ndarray]:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + rng.normal(0, 0.5, 200) > 0).astype(int)
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), X


def _register(db: Session, model: object) -> registry.ModelVersion:
    return registry.register(db, kind="flight-risk", model=model, candidate="logistic", data_hash="0" * 64,
                             metrics={"roc_auc": 0.9}, card={})


def test_round_trip_and_one_active_version_per_kind(db: Session) -> None:
    model, X = _model()
    v1 = _register(db, model)
    v2 = _register(db, model)
    assert (v1.label, v2.label) == ("flight-risk-1", "flight-risk-2")
    db.refresh(v1)
    assert registry.active(db, "flight-risk").id == v2.id and not v1.active
    back = registry.load(v2)
    np.testing.assert_allclose(back.predict_proba(X), model.predict_proba(X))  # type: ignore[attr-defined]


def test_a_tampered_artifact_is_refused(db: Session) -> None:
    model, _ = _model()
    v = _register(db, model)
    v.artifact = bytes(v.artifact)[:-1] + b"x"
    with pytest.raises(registry.RegistryError, match="SHA-256"):
        registry.load(v)


class Evil:  # a type no trusted prefix names (a pickle would run its code on load)
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (print, ("owned",))


def test_an_artifact_with_a_foreign_type_is_refused(db: Session) -> None:
    v = _register(db, _model()[0])
    blob = sio.dumps({"model": Evil()})
    v.artifact, v.artifact_sha256 = blob, registry.sha256(blob)  # even with a matching hash
    with pytest.raises(registry.RegistryError, match="outside the trusted"):
        registry.load(v)
