"""The entry point: ``seed_succession`` reads the company, draws the slates and pools, and writes every row in one
transaction with ``hcm.seed.write.Writer``, then the ``successor`` outbox events of what it wrote, built by
``succession.service.edges`` from the tables (the one rule for the drain and the graph's rebuild)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from hcm.db import make_engine
from hcm.errors import Conflict, Invalid
from hcm.org.models import Employee, EmployeeStatus
from hcm.seed.write import Writer
from succession.demo.rows import COLUMNS, TABLES, Builder
from succession.demo.slates import NOW, build_slates
from succession.demo.world import World, load
from succession.models import SuccessionPlan
from succession.schemas_register import PoolCriteria
from succession.service.edges import TOPIC, successor_edges

Progress = Callable[[str, int, int], None]
PHASE = "succession plans"
MAX_POOL_MEMBERS = 40
REMOVED_SHARE = 0.12  # plans with someone taken off the slate before, with the reason
MAX_INTERIMS = 4  # plans whose emergency successor HR confirmed off the slate
LEADERSHIP_SKILL = "LEAD.people-leadership"
BANDS = ("low", "medium", "high")

# The demo's talent pools: (code, name, description, how the demo picks members). What is stored is
# ``stored_criteria``: the pools service's performance, potential and grade criteria; families and how recently
# people joined only narrow the demo's picks.
POOLS: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("FUTURE-HEADS", "Future department heads",
     "Leads and managers who could head a department within three years.",
     {"min_rating": 4.0, "rating_periods": 1, "min_potential": "high", "grade_levels": [4, 6]}),
    ("TECH-EXPERTS", "Technical expert reserve",
     "Senior engineers, IT and research people the technical key posts draw on.",
     {"min_rating": 4.0, "rating_periods": 1, "min_potential": "medium", "grade_levels": [3, 6],
      "families": ["ENG", "IT", "RND"]}),
    ("EMERGING", "Emerging talent",
     "People who joined in the last three years and show high potential early.",
     {"min_rating": 3.0, "rating_periods": 1, "min_potential": "high", "grade_levels": [1, 3],
      "hired_within_years": 3}),
)


@dataclass(frozen=True)
class SuccessionSeedReport:
    seed: int
    as_of: date
    key_posts: int
    plans: int
    without_plan: int
    covered: int  # plans with a ready-now successor
    rows: dict[str, int]
    seconds: float

    def __str__(self) -> str:
        counts = ", ".join(f"{v:,} {k}" for k, v in self.rows.items())
        return (f"succession demo data (seed {self.seed}, as of {self.as_of}): {self.plans:,} of {self.key_posts:,} "
                f"key posts have a plan ({self.covered:,} with a ready-now successor, {self.without_plan:,} left "
                f"without a plan). {counts}. {self.seconds:.1f} s")


def _check(conn: Connection) -> None:
    try:
        plans = int(conn.execute(select(func.count()).select_from(SuccessionPlan)).scalar_one())
        people = int(conn.execute(select(func.count()).select_from(Employee)
                                  .where(Employee.status == EmployeeStatus.ACTIVE)).scalar_one())
    except (OperationalError, ProgrammingError) as exc:
        raise Invalid("the database has no schema yet: run `hcm db upgrade` and `hcm seed` first") from exc
    if plans:
        raise Conflict(f"database already has {plans} succession plan(s); the succession demo data needs none")
    if people == 0:
        raise Invalid("the database has no active employees: seed the org first (`hcm seed`)")


def _some(rng: np.random.Generator, items: list[int], k: int) -> set[int]:
    k = min(k, len(items))
    return {items[j] for j in rng.choice(len(items), k, replace=False).tolist()} if k else set()


def _first_ids(conn: Connection) -> dict[str, int]:
    return {t: int(conn.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {t}").scalar_one()) + 1
            for t in TABLES if t != "succ_audit"}


def _pools(conn: Connection, w: World, rng: np.random.Generator) -> list[tuple[str, str, str, dict[str, Any],
                                                                                list[tuple[int, str]]]]:
    """Each pool with members drawn from the people who meet its criteria (not all: the others are the ones
    "who meet the criteria but are not in the pool yet")."""
    skill_id = {code: i for i, code in w.skill_code.items()}
    lead = skill_id.get(LEADERSHIP_SKILL)
    people = sorted(w.people)
    lead_level = w.skill_levels(conn, lead) if lead is not None else {}
    out = []
    for code, name, description, criteria in POOLS:
        crit = dict(criteria)
        lo, hi = crit["grade_levels"]
        families = set(crit.get("families", ()))
        band = BANDS.index(crit["min_potential"])
        hired_after = (w.as_of - timedelta(days=365 * crit["hired_within_years"])
                       if "hired_within_years" in crit else None)
        meets: list[tuple[int, str]] = []
        for e in people:
            p = w.people[e]
            post = w.posts.get(p.post) if p.post is not None else None
            rating = w.rating.get(e)
            if post is None or rating is None or not lo <= post.level <= hi or rating < crit["min_rating"]:
                continue
            if BANDS.index(w.potential_band.get(e, "low")) < band:
                continue
            if families and post.family_code not in families:
                continue
            if hired_after is not None and p.hire < hired_after:
                continue
            wanted = [sk["level"] for sk in crit.get("skills", ()) if sk["skill"] == LEADERSHIP_SKILL]
            if any(lead_level.get(e, 0) < level for level in wanted):
                continue
            why = f"Rated {rating:g} in {w.rating_period}, {w.potential_band[e]} potential"
            if lead_level.get(e, 0) >= 3:
                why += f", people leadership at level {lead_level[e]}"
            meets.append((e, why))
        k = min(MAX_POOL_MEMBERS, round(len(meets) * 0.65))
        picked = sorted(rng.choice(len(meets), k, replace=False).tolist()) if k else []
        out.append((code, name, description, stored_criteria(crit), [meets[i] for i in picked]))
    return out


def stored_criteria(crit: dict[str, Any]) -> dict[str, Any]:
    """A demo pool's criteria in the pools service's form (``succession.schemas_register.PoolCriteria``), checked by
    it: performance, potential band and grade levels. Job families and how recently people joined narrow the
    demo's own picks only (the pool's description says so); the service has no such criteria."""
    lo, hi = crit["grade_levels"]
    stored: dict[str, Any] = {"performance": {"periods": crit["rating_periods"], "min_rating": crit["min_rating"]},
                              "grade_levels": {"min_level": lo, "max_level": hi}}
    if crit["min_potential"] != "low":
        stored["potential"] = {"min_band": crit["min_potential"]}
    return PoolCriteria.model_validate(stored).model_dump(mode="json")


def seed_succession(engine_or_url: Engine | str, *, as_of: date, seed: int = 42,
                    progress: Progress | None = None) -> SuccessionSeedReport:
    """Write succession demo data into a database seeded by ``hcm.seed`` (and, when it ran, performance's demo),
    deterministic by ``seed`` and ``as_of``, in one transaction. Raises ``Conflict`` when plans exist already,
    ``Invalid`` without active employees."""
    started = time.perf_counter()
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url

    def tick(done: int) -> None:
        if progress is not None:
            progress(PHASE, done, 4)

    try:
        with engine.begin() as conn:
            _check(conn)
            tick(0)
            w = load(conn, as_of)
            rng_slates, rng_rows, rng_pools = (np.random.default_rng(s)
                                               for s in np.random.SeedSequence([seed, 0x5CC5]).spawn(3))
            slates, without = build_slates(w, rng_slates)
            tick(1)
            b = Builder(w, rng_rows, _first_ids(conn))
            b.skills = w.skills_of(conn, sorted({n.emp for s in slates for n in s.noms}))
            staffed = [i for i, s in enumerate(slates) if s.noms]
            held = [i for i in staffed if slates[i].holder is not None and not slates[i].spof]
            removals = _some(rng_rows, staffed, max(1, round(REMOVED_SHARE * len(staffed))))
            interims = _some(rng_rows, held, min(MAX_INTERIMS, max(1, len(held) // 20)))
            for i, s in enumerate(slates):
                b.plan(s, removal=i in removals, interim=i in interims)
            b.pools(_pools(conn, w, rng_pools))
            tick(2)
            writer = Writer(conn, total=0, progress=None)
            for t in TABLES:
                writer.rows(t, COLUMNS[t], [b.r.tables[t]])
            session = Session(bind=conn, autoflush=False)
            try:
                edges = successor_edges(session)
            finally:
                session.close()
            stamp = f"{as_of.isoformat()} 12:00:00.000000"
            writer.rows("outbox", ("topic", "key", "op", "payload", "created_at", "attempts"),
                        [[(TOPIC, e.key, "upsert", json.dumps(e.payload()), stamp, 0) for e in edges]])
            writer.finish(TABLES)
            tick(3)
    finally:
        if isinstance(engine_or_url, str):
            engine.dispose()
    tick(4)
    rows = {t: len(b.r.tables[t]) for t in TABLES}
    rows["successor events"] = len(edges)
    return SuccessionSeedReport(seed=seed, as_of=as_of, key_posts=len(slates) + len(without), plans=len(slates),
                                without_plan=len(without),
                                covered=sum(1 for s in slates if any(n.readiness == NOW for n in s.noms)),
                                rows=rows, seconds=round(time.perf_counter() - started, 2))
