"""The entry point: ``seed_performance`` runs ``_Seeder`` (all phases) in one transaction and reports."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from hcm.db import make_engine
from hcm.errors import Conflict, Invalid
from hcm.org.models import Employee, EmployeeStatus
from performance.demo.catalog import BULK_TABLES, Progress
from performance.demo.checkins import _CheckIns
from performance.demo.collaboration import _Collaboration
from performance.demo.helpers import _mi
from performance.demo.plan import _Plan
from performance.demo.points import _Points
from performance.demo.ratings import _Ratings
from performance.demo.scores import _Scores
from performance.demo.world import _latent, _paths
from performance.models import Period, PeriodState
from performance.service import periods as period_service


# --- the report -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PerformanceSeedReport:
    seed: int
    as_of: date
    periods: tuple[tuple[str, str], ...]  # (code, state)
    rows: dict[str, int]
    latent: str  # where the people's performance came from
    employee_scores: dict[str, tuple[int, float]]  # annual period code -> (employees scored, mean score)
    seconds: float

    def __str__(self) -> str:
        states = ", ".join(f"{c} {s}" for c, s in self.periods)
        scores = "; ".join(f"{c}: {n:,} employees scored, mean {m:.1f}" for c, (n, m) in self.employee_scores.items())
        counts = ", ".join(f"{v:,} {k}" for k, v in self.rows.items())
        return (f"performance demo data (seed {self.seed}, as of {self.as_of}): {states}. {counts}. {scores}. "
                f"Performance latent: {self.latent}. {self.seconds:.1f} s")


class _Seeder(_Plan, _CheckIns, _Collaboration, _Ratings, _Points, _Scores):
    """All phases, run in order by ``run``."""

    def run(self) -> tuple[list[Period], str, dict[str, tuple[int, float]]]:
        w = self.w
        y = self.as_of.year
        first, last = _mi(date(y - 1, 1, 1)), _mi(self.as_of)
        perf, anchor, source = _latent(w, self.org_seed, self.rng["latent"])
        self.paths = _paths(perf, anchor, first, last, self.rng["latent"])
        self.month0 = first
        self.writer.drop_foreign_keys((*BULK_TABLES, "users"))

        periods = self.create_periods()
        closed_year, current_year = periods[0], periods[1]
        self.annuals = [self.annual(closed_year, closed=True), self.annual(current_year, closed=False)]
        # The quarters that have begun are planned and checked in like the years (the past ones close below),
        # so the one people are in has goals and results; the later ones stay in planning, empty.
        self.quarters = [self.annual(q, closed=q.end_date <= self.as_of, quarter=True) for q in periods[2:]
                         if q.start_date <= self.as_of]
        self.plan()
        for a in (*self.annuals, *self.quarters):  # the plan is complete: the service checks every weight rule
            period_service.advance(self.session, period_id=a.period_id, to=PeriodState.IN_PROGRESS)
        self.checkins()
        self.collaboration()
        self.ratings()
        self.points()
        self.writer.restore_foreign_keys()
        self.writer.finish((*[t for t in BULK_TABLES if t != "perf_goal_links"], "users"))  # PostgreSQL: ids, stats
        if self.conn.dialect.name == "sqlite":
            # Without statistics SQLite joins the final-rating window to the employees by a nested scan (the
            # employee scores of a 20,000-person year took half a minute); with them it builds an index. The
            # writer analysed the tables it wrote (``finish``); these two are the org's.
            for t in ("employees", "positions", "perf_goal_links"):
                self.conn.exec_driver_sql(f"ANALYZE {t}")
        scores = self.scores(periods)
        self.session.flush()
        return periods, source, scores


# --- the entry point --------------------------------------------------------------------------------------------
def _check(conn: Connection) -> None:
    try:
        n = int(conn.execute(select(func.count()).select_from(Employee).where(
            Employee.status == EmployeeStatus.ACTIVE)).scalar_one())
        periods = int(conn.execute(select(func.count()).select_from(Period)).scalar_one())
    except (OperationalError, ProgrammingError) as exc:
        raise Invalid("the database has no schema yet: run `hcm db upgrade` and `hcm seed` first") from exc
    if periods:
        raise Conflict(f"database already has {periods} performance period(s); the performance demo data needs none")
    if n == 0:
        raise Invalid("the database has no active employees: seed the org first (`hcm seed`)")


def seed_performance(engine_or_url: Engine | str, *, as_of: date, seed: int = 42,
                     progress: Progress | None = None, org_seed: int | None = None) -> PerformanceSeedReport:
    """Write performance demo data into a database seeded by ``hcm.seed`` (one transaction), deterministic by
    ``seed`` and ``as_of``, the day the data is "now" (give the as-of date the org was seeded with). ``org_seed``
    is the seed the org was built with (default: ``seed``), used to find the people's latent performance.
    Raises ``Conflict`` when performance periods exist already, ``Invalid`` when there are no active employees.
    ``progress(phase, done, total)`` follows the phases."""
    started = time.perf_counter()
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        with engine.connect() as conn:
            _check(conn)
        with engine.begin() as conn:
            _check(conn)
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                conn.exec_driver_sql("PRAGMA cache_size=-262144")
            try:
                seeder = _Seeder(conn, seed=seed, org_seed=seed if org_seed is None else org_seed, as_of=as_of,
                                 progress=progress)
                try:
                    periods, source, scores = seeder.run()
                    states = tuple((p.code, p.state.value) for p in periods)
                finally:
                    seeder.session.close()  # the transaction is the connection's: closing neither commits nor sends
            finally:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA cache_size=-2000")
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        if isinstance(engine_or_url, str):
            engine.dispose()
    rows = dict(seeder.counts)
    rows["users (raters, no log-in)"] = seeder.new_users
    rows.pop("users", None)
    return PerformanceSeedReport(seed=seed, as_of=as_of, periods=states, rows=rows, latent=source,
                                 employee_scores=scores, seconds=round(time.perf_counter() - started, 2))
