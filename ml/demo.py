"""The models' demo data: a flight-risk version trained on the demo company as of the run's date, and
scoring runs over the last nine months, so the risk pages show people's scores, drivers and a history.

The earlier runs use the version trained on the run's date (the demo has no older versions): each of them scores
the people employed on its own date from the facts known then, which is what the history page shows.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from hcm.modules import Progress
from ml import readiness, score, train
from ml.errors import DataError

RUNS = 4  # as of the run's date and 13, 26 and 39 weeks before it
QUARTER = timedelta(weeks=13)


def seed_models(engine: Engine, *, as_of: date, progress: Progress) -> str:
    """Train and activate a version, then score the last ``RUNS`` quarter ends; what was written."""
    progress("training the flight-risk model", 0, RUNS + 1)
    with Session(engine) as db:
        try:
            version = train.train(db, as_of)
        except DataError as exc:  # a company too small or too young to learn from: the pages say no model yet
            progress("training the flight-risk model", RUNS + 1, RUNS + 1)
            return f"no flight-risk model: {exc}"
        db.commit()
        scored = 0
        for i, run in enumerate(sorted(as_of - k * QUARTER for k in range(RUNS))):
            progress("scoring flight risk", i, RUNS + 1)
            scored += score.score(db, run, version=version)
            db.commit()
        label, auc = version.label, round(float(version.metrics["roc_auc"]), 3)
        progress("training and scoring readiness", RUNS, RUNS + 1)
        ready = readiness.retrain_and_score(db, as_of)
        db.commit()
    progress("training and scoring readiness", RUNS + 1, RUNS + 1)
    said = f"{label} trained as of {as_of} (test-year ROC-AUC {auc}); {scored:,} scores in {RUNS} runs"
    if ready["readiness_version"] is None:
        return f"{said}; no readiness model: {ready.get('readiness_skipped')}"
    return f"{said}; {ready['readiness_version']}: {ready['readiness_scored']:,} candidate-post pairs scored"
