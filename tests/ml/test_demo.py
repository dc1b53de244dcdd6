"""The models' demo step: a trained version and scoring runs a quarter apart on the demo company, so the risk
pages are alive from ``hcm demo``; a company too small to learn from gets a message, not a traceback."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hcm import migrate, modules
from hcm.db import make_engine
from hcm.outbox import OutboxEvent
from hcm.seed import seed
from ml import demo, registry
from ml.models import Score

AS_OF = date(2026, 11, 30)


def test_the_step_runs_after_the_modules_whose_data_it_reads() -> None:
    order = [step.name for step, _ in modules.demo_steps()]
    assert order.index("ml") > max(order.index("performance"), order.index("succession"))


@pytest.mark.slow
def test_the_demo_company_gets_a_version_and_a_score_history(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    migrate.upgrade(url)
    seed(url, employees=400, seed=42, as_of=AS_OF)
    engine = make_engine(url)
    seen: list[tuple[str, int, int]] = []
    said = demo.seed_models(engine, as_of=AS_OF, progress=lambda *a: seen.append(a))
    assert said.startswith("flight-risk-1 trained as of 2026-11-30") and f"in {demo.RUNS} runs" in said
    assert seen[-1][1] == seen[-1][2]  # the progress ends full
    with Session(engine) as db:
        v = registry.active(db, "flight-risk")
        assert v is not None and v.label == "flight-risk-1"
        runs = db.execute(select(Score.as_of, func.count()).where(Score.version_id == v.id)
                          .group_by(Score.as_of).order_by(Score.as_of)).all()
        assert [d for d, _ in runs] == [date(2026, 3, 2), date(2026, 6, 1), date(2026, 8, 31), AS_OF]
        assert all(n > 300 for _, n in runs)
        sent = db.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.topic == "flight_risk"))
        assert sent == len(runs)  # one outbox row per run of a few hundred people
    engine.dispose()


def test_a_company_too_small_to_learn_from_is_told_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tiny.db'}"
    migrate.upgrade(url)
    seed(url, employees=10, seed=42, as_of=AS_OF)
    engine = make_engine(url)
    said = demo.seed_models(engine, as_of=AS_OF, progress=lambda *a: None)
    assert said.startswith("no flight-risk model:") and "voluntary exit" in said
    with Session(engine) as db:
        assert registry.active(db, "flight-risk") is None
    engine.dispose()
