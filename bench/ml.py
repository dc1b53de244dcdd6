"""Models benchmark (issue 10): the flight-risk model's feature snapshot and training at 100,000 employees (goal:
under 2 minutes), and batch scoring end to end next to the floor measured in the same run (goal: at most 2x).

    python bench/ml.py                                   # 100,000 employees, a fresh SQLite file (seeded, then removed)
    python bench/ml.py --employees 20000
    python bench/ml.py --db /tmp/ml-100k.db              # seeds that file when absent, reuses it when present
    python bench/ml.py --postgres                        # a fresh PostgreSQL database, dropped afterwards
    python bench/ml.py --profile                         # and a cProfile of training and of scoring, after the timings

Data (timed, not counted): ``hcm.seed`` at ``--employees`` as of ``--as-of`` (2026-11-30 by default, so the run does
not depend on today). Performance's demo is not run: the snapshot asks performance's ``ml.features`` provider as
always, it finds no known period and its columns are empty (training leaves them out), so the model learns from the
platform's facts alone. Everything measured runs in one session whose transaction is rolled back at the end, so a
reused ``--db`` file is left as it was; no figure includes a commit.

Measured, in this order:

1. **training** ``ml.train.train(db, as_of)``: three yearly snapshots with their labels, the candidates' forward
   choice, calibration, the test year, the refit on every year, the registry (the skops artifact). The snapshots'
   share is printed beside it.
2. **the floor** on the rows the scoring reads and writes:
   - *bare read*: every SQL statement a snapshot of ``as_of`` issues (captured from one untimed snapshot, with its
     parameters), run again on the raw DB-API cursor and fetched (``fetchall``): the same rows, none of the pandas
     feature work and no ORM row building;
   - *predict_proba alone*: the registered model's ``predict_proba`` on that snapshot's frame;
   - *bulk insert*: the very rows the scoring wrote (read back untimed, new ids), inserted again the way the
     scoring inserts (``insert(Score)`` with a list: executemany).
3. **scoring end to end** ``ml.score.score(db, as_of)``: load the active version from the registry, snapshot,
   predict, bands, the inputs each score keeps, insert. Its parts are timed by wrapping the functions it calls (no
   second run).
4. **drivers when shown** (``ml.drivers``): the top drivers of the risk page's 50 rows, worked out from the kept
   inputs with the version that scored them; and, for comparison, everyone's (what explaining every score at run
   time cost: exact TreeSHAP of the whole population).

Goals: snapshot (as of ``as_of``) + training < 120 s; scoring end to end <= 2x the sum of the three floors. Figures
only, PASS/MISS; nothing here asserts. The machine's two cores are shared; the load average at the start and the end
says how busy it was.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["HCM_GRAPH__ENABLED"] = "false"
os.environ.setdefault("HCM_SECRET_KEY", "ml-bench-" + uuid.uuid4().hex + uuid.uuid4().hex)

from sqlalchemy import event, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bench.common import PG_ADMIN_URL, bench_run, load, peak_mb, verdict

GOAL_TRAIN_S = 120.0
GOAL_RATIO = 2.0



# --- the data -----------------------------------------------------------------------------------------
def seeded(url: str, args: argparse.Namespace) -> None:
    """Migrate and seed ``url`` unless it already holds a company."""
    from hcm import migrate
    from hcm.console import progress_bar
    from hcm.db import make_engine
    from hcm.org.models import Employee

    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            n = s.scalar(select(func.count()).select_from(Employee)) or 0
    finally:
        engine.dispose()
    if n:
        print(f"reusing the seeded company: {n:,} employees (active and exited); --employees is not checked")
        return
    from hcm.seed import seed as do_seed

    t0 = time.perf_counter()
    with progress_bar() as bar:
        report = do_seed(url, employees=args.employees, seed=args.seed, as_of=args.as_of, progress=bar)
    print(f"hcm.seed: {report.active_employees:,} active + {report.exited_employees:,} exited employees in "
          f"{time.perf_counter() - t0:.1f} s (not counted); process peak {peak_mb():,.0f} MB")


# --- the measurement ----------------------------------------------------------------------------------
@contextmanager
def step(name: str) -> Iterator[dict[str, float]]:
    """A timed step with a live line on stderr (``hcm.console``'s progress bar: its elapsed time runs)."""
    from hcm.console import progress_bar

    out: dict[str, float] = {}
    with progress_bar() as bar:
        bar(name, 0, 1)
        t0 = time.perf_counter()
        yield out
        out["s"] = time.perf_counter() - t0
        bar(name, 1, 1)


@contextmanager
def timed(module: Any, name: str, acc: dict[str, float], key: str | None = None) -> Iterator[None]:
    """Add the wall time of every outermost call of ``module.name`` to ``acc[key]`` while the block runs (a call
    it makes of itself, as ``explain.contributions`` does per calibrated fold, is not counted twice)."""
    original = getattr(module, name)
    key = key or name
    depth = [0]

    def wrapper(*a: Any, **k: Any) -> Any:
        t0 = time.perf_counter()
        depth[0] += 1
        try:
            return original(*a, **k)
        finally:
            depth[0] -= 1
            if not depth[0]:
                acc[key] = acc.get(key, 0.0) + time.perf_counter() - t0
                acc[f"{key} calls"] = acc.get(f"{key} calls", 0) + 1

    setattr(module, name, wrapper)
    try:
        yield
    finally:
        setattr(module, name, original)


class Capture:
    """The SQL statements (with parameters) sent on an engine while ``on`` is set."""

    def __init__(self, engine: Engine) -> None:
        self.on = False
        self.statements: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool) -> None:
        if self.on and not executemany:
            self.statements.append((statement, parameters))


def bare_read(db: Session, statements: list[tuple[str, Any]]) -> int:
    """The statements again on the raw DB-API cursor, every row fetched; the number of rows."""
    raw = db.connection().connection.dbapi_connection
    assert raw is not None
    cur = raw.cursor()
    rows = 0
    try:
        for sql, params in statements:
            cur.execute(sql, params)
            rows += len(cur.fetchall())
    finally:
        cur.close()
    return rows


def profiled(label: str, call: Callable[[], Any], top: int) -> None:
    prof = cProfile.Profile()
    prof.enable()
    call()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(top)
    print(f"\n== cProfile: {label} (cumulative, top {top})")
    print("\n".join(line for line in buf.getvalue().splitlines() if line.strip())[:8000])


def linear(db: Session, chosen: Any, as_of: date, snap: Any, t_read: float,
           t_ins: float) -> list[tuple[str, str, str, str]]:
    """The same scoring with a calibrated logistic version (the ``logistic_C1`` candidate, fitted on the latest
    labelled year only and registered inactive): what scoring costs when its explanations are a linear model's
    exact contributions rather than TreeSHAP. Not the deployed choice; its floor is the same read and insert and its
    own ``predict_proba``."""
    from ml import features, registry, score, tabular, train
    from ml.evaluate import candidates

    print("\n== the same scoring with a calibrated logistic version (not the deployed choice: for comparison)")
    day = train.as_of_dates(as_of, 1)[0]
    X, _ = train._usable(features.snapshot(db, day))
    y = features.flight_label(db, X.index, day)
    spec = tabular.detect(X)
    model = train._calibrated(candidates(spec)["logistic_C1"]).fit(X, y)
    sample = X[spec.features].sample(n=min(train.BACKGROUND_ROWS, len(X)), random_state=0)
    bundle = {"model": model, "features": spec.features,
              "background": {c: [float(v) for v in sample[c]] for c in spec.features}}
    lin = registry.register(db, kind=train.KIND, model=bundle, candidate="logistic_C1", data_hash="bench",
                            metrics={}, card=chosen.card, activate=False)
    Xs = snap.reindex(columns=list(spec.features))
    with step("predict_proba (logistic)") as t_pred:
        model.predict_proba(Xs)
    inner: dict[str, float] = {}
    with timed(features, "snapshot", inner), step("scoring end to end (logistic)") as t_score:
        written = score.score(db, as_of, version=lin)
    floor = t_read + t_pred["s"] + t_ins
    ratio = t_score["s"] / floor
    print(f"  fitted on {day} ({len(X):,} rows); predict_proba {t_pred['s']:.2f} s; {written:,} scores end to end "
          f"{t_score['s']:.2f} s = {ratio:.2f}x its floor {floor:.2f} s (the same read and insert); snapshot "
          f"{inner['snapshot']:.1f} s")
    return [("scoring end to end, logistic version", f"{t_score['s']:.2f} s = {ratio:.2f}x its floor {floor:.2f} s",
             f"<= {GOAL_RATIO:.0f}x", verdict(ratio <= GOAL_RATIO))]


def run(url: str, args: argparse.Namespace) -> None:
    from hcm.db import make_engine
    from ml import drivers as ml_drivers
    from ml import explain, features, registry, score, train
    from ml.models import Score

    seeded(url, args)
    engine = make_engine(url)
    capture = Capture(engine)
    as_of = args.as_of
    db = Session(engine)
    results: list[tuple[str, str, str, str]] = []
    try:
        print(f"\n== training (ml.train.train, as of {as_of}); load average {load()}")
        parts: dict[str, float] = {}
        with timed(features, "snapshot", parts), step("training") as t_train:
            version = train.train(db, as_of)
        print(f"  {version.label}: {version.candidate}, ROC-AUC {version.metrics['roc_auc']:.3f} "
              f"(baseline {version.metrics['baseline']['roc_auc']:.3f}), rows {version.card['rows']}")
        print(f"  training {t_train['s']:.1f} s, of which {int(parts['snapshot calls'])} snapshots "
              f"{parts['snapshot']:.1f} s")

        print("\n== the floor, on the rows of the snapshot of the scoring date")
        capture.on = True
        with step("snapshot (as of)") as t_snap:
            snap = features.snapshot(db, as_of)
        capture.on = False
        n = len(snap)
        print(f"  snapshot of {as_of}: {n:,} people x {snap.shape[1]} columns in {t_snap['s']:.1f} s, "
              f"{len(capture.statements)} statements")
        with step("bare read") as t_read:
            fetched = bare_read(db, capture.statements)
        print(f"  bare read: the same {len(capture.statements)} statements, {fetched:,} rows fetched, "
              f"{t_read['s']:.2f} s")
        bundle = registry.load(version)
        X = snap.reindex(columns=list(bundle["features"]))
        with step("predict_proba") as t_pred:
            bundle["model"].predict_proba(X)
        print(f"  predict_proba alone: {t_pred['s']:.2f} s")

        print("\n== scoring end to end (ml.score.score)")
        inner: dict[str, float] = {}
        with (timed(registry, "load", inner), timed(features, "snapshot", inner),
              timed(ml_drivers, "inputs_of", inner), step("scoring end to end") as t_score):
            written = score.score(db, as_of)
        assert written == n, (written, n)
        rest = t_score["s"] - inner["load"] - inner["snapshot"] - inner["inputs_of"]
        print(f"  {written:,} scores in {t_score['s']:.1f} s: registry.load {inner['load']:.2f} s, "
              f"snapshot {inner['snapshot']:.1f} s, the inputs kept {inner['inputs_of']:.1f} s, "
              f"predict + bands + rows + insert {rest:.1f} s")

        print("\n== drivers when shown (ml.drivers, from the kept inputs, exact TreeSHAP or linear contributions)")
        scored = list(db.scalars(select(Score).where(Score.version_id == version.id)
                                 .order_by(Score.probability.desc(), Score.id)))
        ml_drivers.drivers(db, scored[:1])  # the version's artifact, loaded once per process (not counted)
        with step("drivers of a page of 50") as t_page:
            ml_drivers.drivers(db, scored[:50])
        with (timed(explain, "contributions", inner), step("drivers of everyone (for comparison)") as t_all):
            ml_drivers.drivers(db, scored)
        print(f"  the risk page's 50 rows: {1000 * t_page['s']:.0f} ms; everyone's {len(scored):,}, had the run "
              f"explained them all: {t_all['s']:.1f} s (contributions in {explain.unit(bundle['model'])} "
              f"{inner['contributions']:.1f} s)")

        cols = [c for c in Score.__table__.columns if c.name not in ("id",)]
        rows = [dict(r._mapping) for r in db.execute(select(*cols).where(Score.version_id == version.id))]
        with step("bulk insert") as t_ins:
            db.execute(insert(Score), rows)
        print(f"  bulk insert of the same {len(rows):,} rows again: {t_ins['s']:.2f} s")

        floor = t_read["s"] + t_pred["s"] + t_ins["s"]
        ratio = t_score["s"] / floor
        fit = t_snap["s"] + t_train["s"]
        results += [
            ("drivers of a page of 50 (when shown)", f"{1000 * t_page['s']:.0f} ms", "", ""),
            ("snapshot (as of) + training", f"{t_snap['s']:.1f} + {t_train['s']:.1f} = {fit:.1f} s",
             f"< {GOAL_TRAIN_S:.0f} s", verdict(fit < GOAL_TRAIN_S)),
            ("floor: read + predict_proba + insert",
             f"{t_read['s']:.2f} + {t_pred['s']:.2f} + {t_ins['s']:.2f} = {floor:.2f} s", "", ""),
            ("scoring end to end", f"{t_score['s']:.2f} s = {ratio:.2f}x the floor", f"<= {GOAL_RATIO:.0f}x",
             verdict(ratio <= GOAL_RATIO)),
        ]
        if args.linear and version.candidate != "logistic_C1":
            results += linear(db, version, as_of, snap, t_read["s"], t_ins["s"])
        if args.profile:
            profiled("training", lambda: train.train(db, as_of, activate=False), args.profile_top)
            profiled("scoring end to end", lambda: score.score(db, as_of, version=version), args.profile_top)
    finally:
        db.rollback()
        db.close()
        engine.dispose()
    print(f"\nprocess peak memory {peak_mb():,.0f} MB; load average {load()}")
    print("\n== summary")
    w = [max(len(r[i]) for r in results) for i in range(4)]
    for what, figure, goal, v in results:
        print(f"  {what:<{w[0]}}  {figure:<{w[1]}}  {goal:<{w[2]}}  {v}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--employees", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 30))
    ap.add_argument("--db", type=Path, help="a SQLite file to reuse (seeded first when absent or empty; kept)")
    ap.add_argument("--db-url", help="a database to migrate and seed when empty, and reuse (kept)")
    ap.add_argument("--postgres", action="store_true", help=f"a fresh database on {PG_ADMIN_URL}, dropped afterwards")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (the SQLite file)")
    ap.add_argument("--no-linear", dest="linear", action="store_false",
                    help="skip the comparison scoring with a calibrated logistic version")
    ap.add_argument("--profile", action="store_true", help="cProfile one more training and scoring after the timings")
    ap.add_argument("--profile-top", type=int, default=30)
    args = ap.parse_args()
    db_url = args.db_url or (f"sqlite:///{args.db.resolve()}" if args.db else None)

    with bench_run(args, name="ml", db_url=db_url) as (url, _):
        run(url, args)


if __name__ == "__main__":
    main()
