"""The models' demo data: the daily run on the run's date (flight risk and readiness trained and scoring), and
flight-risk runs over the nine months before it, so the risk pages show people's scores, drivers and a history,
and succession's suggestions a predicted readiness.

The earlier runs use the version trained on the run's date (the demo has no older versions): each of them scores
the people employed on its own date from the facts known then, which is what the history page shows.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from hcm.modules import Progress
from ml import registry, runs, score, train
from ml.errors import DataError

RUNS = 4  # as of the run's date and 13, 26 and 39 weeks before it
QUARTER = timedelta(weeks=13)


def seed_models(engine: Engine, *, as_of: date, progress: Progress) -> str:
    """The daily run on ``as_of`` (train both models, score with them: ``ml.runs``), then flight-risk runs on the
    three earlier dates with the same version; what was written."""
    progress("training and scoring the models", 0, RUNS)
    with Session(engine) as db:
        try:
            done = runs.retrain_and_score(as_of, runs.one_session(db))
        except DataError as exc:  # a company too small or too young to learn from: the pages say no model yet
            progress("training and scoring the models", RUNS, RUNS)
            return f"no flight-risk model: {exc}"
        version = registry.active(db, train.KIND)
        assert version is not None  # the run registered it
        scored = done["scored"]
        for i, run in enumerate(sorted(as_of - k * QUARTER for k in range(1, RUNS)), start=1):
            progress("scoring flight risk on earlier dates", i, RUNS)
            scored += score.score(db, run, version=version)
            db.commit()
        label, auc = version.label, round(float(version.metrics["roc_auc"]), 3)
    progress("scoring flight risk on earlier dates", RUNS, RUNS)
    said = f"{label} trained as of {as_of} (test-year ROC-AUC {auc}); {scored:,} scores in {RUNS} runs"
    if done["readiness_version"] is None:
        return f"{said}; no readiness model: {done.get('readiness_skipped')}"
    return f"{said}; {done['readiness_version']}: {done['readiness_scored']:,} candidate-post pairs scored"
