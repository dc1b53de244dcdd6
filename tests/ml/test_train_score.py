"""Training from the database, validated forwards in time, and scoring with the registered version, on a company
simulated by ``hcm.seed`` (a fixed seed and as-of date, so the figures do not depend on the day)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from hcm import migrate
from hcm.auth.models import Role
from hcm.db import make_engine
from hcm.outbox import OutboxEvent
from hcm.policy import Principal
from hcm.seed import seed
from ml import drivers as ml_drivers
from ml import explain, registry, score, service, train
from ml import graph as ml_graph
from ml.models import Score

AS_OF = date(2026, 11, 30)


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('ml')) / 'company.db'}"
    migrate.upgrade(url)
    seed(url, employees=4000, seed=7, as_of=AS_OF)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def version(company: Engine) -> Iterator[int]:
    with Session(company) as db:
        v = train.train(db, AS_OF)
        db.commit()
        yield v.id


def test_forward_validation_beats_the_baseline_and_the_card_says_how(company: Engine, version: int) -> None:
    with Session(company) as db:
        v = db.get(train.ModelVersion, version)
        assert v is not None and v.active and v.label == "flight-risk-1"
        card = v.card
        assert card["window"]["test"] == "2025-11-30" and card["window"]["train"] == ["2023-12-01", "2024-11-30"]
        m = v.metrics
        assert m["roc_auc"] > 0.55  # a real signal on the held-out year
        assert m["roc_auc"] >= m["baseline"]["roc_auc"] - 0.01  # the chosen candidate is no worse than the baseline
        assert 0 < m["brier"] < 0.25
        assert set(card["subgroups"]) == {"gender", "age_band"}
        for col in ("gender", "birth_year", "age_band"):
            assert col not in card["features"]["numeric"] + card["features"]["categorical"]
        assert card["cuts"]["medium"] <= card["cuts"]["high"]


def test_scores_carry_their_version_and_drivers_that_add_up(company: Engine, version: int) -> None:
    with Session(company) as db:
        v = db.get(train.ModelVersion, version)
        assert v is not None
        n = score.score(db, AS_OF)
        db.flush()
        assert n == db.scalar(select(func.count()).select_from(Score).where(Score.version_id == v.id))
        sent = db.scalars(select(OutboxEvent).where(OutboxEvent.topic == ml_graph.TOPIC)).all()  # to the graph
        assert len(sent) == -(-n // ml_graph.CHUNK) and sum(len(e.payload["scores"]) for e in sent) == n
        assert {e.payload["model"] for e in sent} == {v.label} and sent[0].payload["as_of"] == AS_OF.isoformat()
        first = db.scalars(select(Score).where(Score.version_id == v.id).limit(1)).one()
        assert first.band in ("low", "medium", "high") and 0 <= first.probability <= 1
        # the run keeps the inputs the model saw; the drivers are worked out from them with the same version
        bundle = registry.load(v)
        from ml import features

        X = features.snapshot(db, AS_OF, [first.employee_id]).reindex(columns=bundle["features"])
        assert first.drivers == [] and first.inputs == ml_drivers.inputs_of(X)[0]
        shown = ml_drivers.drivers(db, [first])[first.id]
        assert 0 < len(shown) <= score.TOP_DRIVERS and all(d["text"] for d in shown)
        e = explain.explain(bundle["model"], X, top=50)[0]
        assert e.total == pytest.approx(e.base + sum(e.all_contributions.values()))
        assert shown == [ml_drivers.stored(d) for d in explain.explain(bundle["model"], X, top=score.TOP_DRIVERS,
                                                                       background=pd.DataFrame(bundle["background"]))[0].drivers]
        # what the risk page shows: the drivers of the page's scores, in plain words
        hr = Principal(user_id=0, username="hr", role=Role.HR_ADMIN, employee_id=None, position_id=None)
        page = service.at_risk(db, principal=hr, page_size=20)
        assert page.total == n and len(page.items) == 20
        assert all(0 < len(r.drivers) <= score.TOP_DRIVERS and all(d.text for d in r.drivers) for r in page.items)
        db.rollback()
