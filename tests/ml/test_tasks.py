"""The daily task in process on SQLite (the embedded default): retrains (flight risk and readiness) only when the
training rows changed, and scores either way (tests/ml/test_tasks_worker.py runs it on a real worker over
PostgreSQL)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hcm import db as hcm_db
from hcm import migrate
from hcm.seed import seed
from ml import tasks, train

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
    # later in the month the training rows are the same (they run to the month end before): kept, not retrained
    later = tasks.retrain_and_score("2026-12-15")
    assert later["version"] == first["version"] and not later["retrained"] and not later["readiness_retrained"]
    # the readiness model: trained once, kept the second time, the key posts' candidates scored both times
    assert first["readiness_version"] == again["readiness_version"] == "readiness-1"
    assert first["readiness_retrained"] and not again["readiness_retrained"]
    assert first["readiness_scored"] == again["readiness_scored"] > 0


def test_training_holds_no_write_lock(configured: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the task fits a model, another process's writer gets the SQLite write lock at once (it would wait for
    the whole fit, and past the busy timeout fail, if the fit ran inside a unit of work that may write)."""
    db_file = hcm_db.get_engine().url.database
    got: list[str] = []
    fit = train.fit_forward

    def fit_while_someone_writes(*a: Any, **k: Any) -> Any:
        other = sqlite3.connect(str(db_file), timeout=0.5, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # sqlite3.OperationalError "database is locked" if a writer holds it
            other.execute("ROLLBACK")
            got.append("write lock")
        finally:
            other.close()
        return fit(*a, **k)

    monkeypatch.setattr(train, "fit_forward", fit_while_someone_writes)
    done = tasks.retrain_and_score(AS_OF.isoformat())
    assert done["version"] == "flight-risk-1" and got == ["write lock", "write lock"]  # flight risk and readiness
