"""The seeder's shared state and plumbing: what each phase (``plan``, ``checkins``, ``collaboration``,
``ratings``, ``points``, ``scores``) reads and writes, id allocation, chunked bulk writes with progress."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from hcm.seed.write import Row, Writer
from performance.demo.catalog import BULK_TABLES, CHUNK, Progress
from performance.demo.helpers import _Stream
from performance.demo.world import _load


@dataclass
class _Planned:
    """A period the demo plans and fills: a year, or a quarter that has begun."""

    period_id: int
    code: str
    year: int
    start: int  # day ordinals
    end: int  # exclusive (the day after the period)
    cutoff: int  # last day with data: the period's last day, or yesterday for the current one
    closed: bool
    holders: dict[int, int]  # position id -> employee row
    z: np.ndarray  # standardized period performance per employee row
    dept_effect: dict[int, float]


class _Ids:
    def __init__(self, conn: Connection, tables: Iterable[str]) -> None:
        self.next: dict[str, int] = {}
        for t in tables:
            self.next[t] = int(conn.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {t}").scalar_one()) + 1

    def take(self, table: str, k: int = 1) -> int:
        first = self.next[table]
        self.next[table] = first + k
        return first


class _SeederBase:
    """The state every phase shares; each phase is a subclass, and ``_Seeder`` (``performance.demo.run``)
    combines them."""

    # Set by the phases as the run goes on.
    paths: np.ndarray  # monthly latent per employee row, from ``month0`` (``_mi``)
    month0: int
    annuals: list[_Planned]  # last year (closed), this year
    quarters: list[_Planned]  # this year's quarters that have begun: past ones, the current one
    ind_meta: list[tuple[int, int, int, float, tuple[float, ...], int, str | None]]
    not_monthly: set[int]  # indicators checked in quarterly or at period end (the demo: at quarter ends)
    # (index into annuals + quarters, indicator id, shape, driver, bounds, decimals, unit)
    stream: _Stream  # the plan's draws
    final_rating: dict[tuple[int, int], int]  # (period id, employee row) -> approved performance rating
    rule_id: dict[str, int]  # points rule code -> id

    def __init__(self, conn: Connection, *, seed: int, org_seed: int, as_of: date, progress: Progress | None) -> None:
        self.conn = conn
        self.seed = seed
        self.org_seed = org_seed
        self.as_of = as_of
        self.progress = progress
        # The quarters draw from streams of their own: a year's data is the same with or without its quarters.
        self.rng = {name: np.random.default_rng(s) for name, s in zip(
            ("latent", "plan", "checkins", "collab", "ratings", "points", "quarter plan", "quarter checkins"),
            np.random.SeedSequence([seed, 0x7E5F]).spawn(8), strict=True)}
        self.w = _load(conn, as_of)
        self.writer = Writer(conn, total=0, progress=None)
        self.ids = _Ids(conn, (*[t for t in BULK_TABLES if t != "perf_goal_links"], "users"))
        self.session = Session(bind=conn, autoflush=False)
        self.counts: dict[str, int] = defaultdict(int)
        self.new_users = 0
        self.unit_char: dict[int, float] = {}  # each unit's persistent character, carried from year to year

    # --- plumbing ---------------------------------------------------------------------------------------------
    def tick(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(phase, min(done, total), max(total, 1))

    def write(self, table: str, columns: Sequence[str], rows: list[Row], phase: str, done: int = 0,
              total: int | None = None) -> int:
        """Write ``rows`` in chunks, reporting progress under ``phase`` from ``done`` towards ``total``."""
        total = total if total is not None else done + len(rows)

        def chunks() -> Iterator[list[Row]]:
            for lo in range(0, len(rows), CHUNK):
                part = rows[lo: lo + CHUNK]
                yield part
                self.tick(phase, done + lo + len(part), total)

        self.writer.rows(table, columns, chunks())
        self.counts[table] += len(rows)
        return done + len(rows)

    def members(self, holders: dict[int, int]) -> dict[int, list[int]]:
        """Employee rows in each goal unit's subtree, for holders (position id -> employee row)."""
        w = self.w
        out: dict[int, list[int]] = defaultdict(list)
        for pos_id, e in sorted(holders.items()):
            g = w.goal_dept.get(w.pos_dept.get(pos_id, -1))
            while g is not None:
                out[g].append(e)
                g = w.unit_above(g)
        return out
