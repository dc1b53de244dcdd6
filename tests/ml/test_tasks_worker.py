"""The daily retrain-and-score task on a real Celery worker over Redis, on a seeded PostgreSQL company: it trains
a version, writes the scores with their version and the outbox rows for the graph, and keeps the version the next
day the training rows are the same."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hcm import migrate
from hcm.db import make_engine
from hcm.outbox import OutboxEvent
from hcm.seed import seed
from ml.models import ModelVersion, Score
from ml.tasks import SCORE_TASK
from tests.services import fresh_pg_database
from tests.worker import celery_worker, result_of

pytestmark = [pytest.mark.redis, pytest.mark.slow, pytest.mark.postgres]

AS_OF = date(2026, 11, 30)


@pytest.fixture(scope="module")
def company_url() -> Iterator[str]:
    with fresh_pg_database("hcm_ml_worker") as url:
        migrate.upgrade(url)
        seed(url, employees=400, seed=11, as_of=AS_OF)
        yield url


@pytest.fixture(scope="module")
def worker(redis_url: str, company_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with celery_worker(redis_url, company_url, tmp_path_factory.mktemp("ml-worker")) as w:
        yield w


def test_a_real_worker_trains_scores_and_sends_the_scores_on(worker: dict[str, Any], company_url: str) -> None:
    first = result_of(worker, SCORE_TASK, AS_OF.isoformat(), timeout=240)
    assert first["retrained"] and first["version"] == "flight-risk-1" and first["scored"] >= 400
    engine = make_engine(company_url)
    try:
        with Session(engine) as db:
            v = db.scalars(select(ModelVersion).where(ModelVersion.label == "flight-risk-1")).one()
            assert v.active and v.metrics["roc_auc"] is not None
            n = db.scalar(select(func.count()).select_from(Score).where(Score.version_id == v.id, Score.as_of == AS_OF))
            assert n == first["scored"]
            sent = db.scalars(select(OutboxEvent).where(OutboxEvent.topic == "flight_risk")).all()
            assert sum(len(e.payload["scores"]) for e in sent) == n  # waiting for the graph (switched off here)
        again = result_of(worker, SCORE_TASK, AS_OF.isoformat(), timeout=240)
        assert again["version"] == "flight-risk-1" and not again["retrained"] and again["scored"] == n
        assert again["readiness_version"] == first["readiness_version"] and not again["readiness_retrained"]
        with Session(engine) as db:
            kinds = db.execute(select(ModelVersion.kind, func.count()).group_by(ModelVersion.kind)).all()
            assert sorted(kinds) == [("flight-risk", 1), ("readiness", 1)]
            risk = select(func.count()).select_from(Score).where(Score.position_id.is_(None))
            assert db.scalar(risk) == 2 * n  # appended, never rewritten
    finally:
        engine.dispose()
