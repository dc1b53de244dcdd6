"""The daily task in process on SQLite (the embedded default): retrains (flight risk and readiness) only when the
training rows changed, and scores either way (tests/ml/test_tasks_worker.py runs it on a real worker over
PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from hcm import db as hcm_db
from hcm import migrate
from hcm.seed import seed
from ml import tasks

AS_OF = date(2026, 11, 30)


@pytest.fixture
def configured(tmp_path: Path) -> Iterator[None]:
    url = f"sqlite:///{tmp_path / 'company.db'}"
    migrate.upgrade(url)
    seed(url, employees=400, seed=11, as_of=AS_OF)
    before = hcm_db.get_engine().url
    hcm_db.configure(url)
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
