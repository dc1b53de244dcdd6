"""The daily task retrains (flight risk and readiness) only when the training rows changed, and scores either way."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from hcm import db as hcm_db
from ml import tasks
from tests.ml.test_train_score import AS_OF, company  # noqa: F401 (this module's own copy of the seeded company)


@pytest.fixture
def configured(company: Engine) -> Iterator[None]:  # noqa: F811
    before = hcm_db.get_engine().url
    hcm_db.configure(company.url.render_as_string(hide_password=False))
    yield
    hcm_db.configure(before.render_as_string(hide_password=False))


def test_retrain_only_when_the_data_changed(configured: None) -> None:
    first = tasks.retrain_and_score(AS_OF.isoformat())
    again = tasks.retrain_and_score(AS_OF.isoformat())
    assert first["retrained"] and first["version"] == "flight-risk-1"
    assert again["version"] == first["version"] and not again["retrained"]
    assert first["scored"] == again["scored"] > 0
    # the readiness model: trained once, kept the second time, the key posts' candidates scored both times
    assert first["readiness_version"] == again["readiness_version"] == "readiness-1"
    assert first["readiness_retrained"] and not again["readiness_retrained"]
    assert first["readiness_scored"] == again["readiness_scored"] > 0
