"""Succession benchmark: bench strength for all key posts and the vacancy what-if of ten simultaneous departures,
on a company seeded by ``hcm.seed`` with the succession demo's plans (issue 11: p95 under 1 s and under 2 s).

    python bench/succession.py                           # 100,000 employees, a fresh SQLite file
    python bench/succession.py --employees 20000 --runs 50
    python bench/succession.py --employees 20000 --postgres   # a fresh PostgreSQL database, dropped afterwards
    python bench/succession.py --employees 20000 --profile    # and a cProfile of each measured call

Data (timed, not counted): ``hcm.seed`` at ``--employees`` as of ``--as-of`` (a fixed day, so the run does not
depend on today), then the succession demo (``succession.demo.seed_succession``): plans for about nine key posts
in ten, 1-4 nominees each, readiness with a dated history, emergency successors, removals, actions, pools.
The succession demo reads performance's final ratings of the last closed year to favour good performers and
weighs everyone alike without them; ``--performance`` runs performance's demo first (``seed_performance``,
minutes at 100,000), so the slates are drawn as ``hcm demo`` draws them. Either way the figures measured below
read only the org and succession tables. The seed's writer refreshes the planner statistics of the tables it wrote
(``hcm.seed.write.Writer.finish``, SQLite and PostgreSQL alike).

Measured: each call as the API runs it, for an HR principal: a read-only unit of work (``hcm.db.unit_of_work(
writes=False)``, as ``hcm.deps.get_db`` opens for a GET), the service, and the answer written out as JSON
(``model_dump_json``, the response model's serialisation). ``--warmup`` calls first (untimed), then ``--runs``
random inputs each, p50/p95 and the SQL statements per call:

- bench strength (``succession.service.bench``): the company's (``bench``: every key post's figures, each
  division's, the people on many slates, the single points of failure; the same input each time), a random
  department's (any department with a key post in its subtree), the key posts list's first page (100 posts by
  code with their successors per readiness, and the total) for the company and for a random department, and the
  12-month trend of the company (``--trend-runs`` calls; no goal: the issue names none);
- the what-if (``succession.service.whatif.what_if``): ten distinct random leavers at once, at depth 3 and 5,
  drawn from the active people holding a post (most posts have no plan, so most chains stop at once), from the
  active holders of key posts (their posts have slates: chains run and cross) and from the holders of the
  ``SENIOR`` highest-graded key posts (their successors often hold key posts themselves: the longest chains).

Goals: the company's bench strength p95 < 1 s (held to every bench read but the trend), the what-if p95 < 2 s.
Figures only, PASS/MISS against each goal; nothing here asserts. The machine's two cores are shared; the load
average at the start and the end tells how busy it was.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import random
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# Nothing here writes after the seeding, but no commit should try to drain the outbox into a graph server.
os.environ["HCM_GRAPH__ENABLED"] = "false"
os.environ.setdefault("HCM_SECRET_KEY", "succession-bench-" + uuid.uuid4().hex + uuid.uuid4().hex)

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from bench.common import PG_ADMIN_URL, bench_run, load, peak_mb, percentile, verdict

GOAL_BENCH_S = 1.0
GOAL_WHATIF_S = 2.0
LEAVERS = 10
SENIOR = 100  # the highest-graded key posts whose holders make the senior what-if's leavers



@dataclass
class Summary:
    rows: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # (what, p50, p95, goal, verdict)

    def add(self, what: str, p50: str, p95: str, goal: str, ok: bool | None) -> None:
        self.rows.append((what, p50, p95, goal, "—" if ok is None else verdict(ok)))

    def print(self) -> None:
        head = ("what", "p50", "p95", "goal (p95)", "")
        w = [max(len(r[i]) for r in [head, *self.rows]) for i in range(5)]
        print("\n== summary")
        print(f"  {head[0]:<{w[0]}}  {head[1]:>{w[1]}}  {head[2]:>{w[2]}}  {head[3]:<{w[3]}}")
        for what, p50, p95, goal, v in self.rows:
            print(f"  {what:<{w[0]}}  {p50:>{w[1]}}  {p95:>{w[2]}}  {goal:<{w[3]}}  {v}")


# --- the data -----------------------------------------------------------------------------------------
def seed_database(url: str, args: argparse.Namespace) -> None:
    from hcm import migrate
    from hcm.db import make_engine
    from hcm.seed import seed as do_seed
    from succession.demo import seed_succession

    t0 = time.perf_counter()
    migrate.upgrade(url)
    report = do_seed(url, employees=args.employees, seed=args.seed, as_of=args.as_of)
    print(f"hcm.seed: {report.active_employees:,} active + {report.exited_employees:,} exited employees, "
          f"{report.positions:,} positions ({report.key_positions:,} key, {report.vacant_positions:,} vacant), "
          f"{report.departments:,} departments in {time.perf_counter() - t0:.1f} s (not counted); "
          f"process peak {peak_mb():,.0f} MB")
    engine = make_engine(url)
    try:
        if args.performance:
            from performance.demo import seed_performance

            t0 = time.perf_counter()
            perf = seed_performance(engine, as_of=args.as_of, seed=args.seed)
            print(f"performance demo: {len(perf.periods)} periods, "
                  f"{sum(v for v in perf.rows.values()):,} rows in {time.perf_counter() - t0:.1f} s (not counted); "
                  f"process peak {peak_mb():,.0f} MB")
        else:
            print("performance demo: not run (--performance runs it): the succession demo weighs everyone alike")
        succ = seed_succession(engine, as_of=args.as_of, seed=args.seed)
        print(f"succession demo: {succ} (not counted); process peak {peak_mb():,.0f} MB")
    finally:
        engine.dispose()


@dataclass
class Inputs:
    departments: list[int]  # departments with a key post in their subtree
    holders: list[int]  # active people holding a post
    key_holders: list[int]  # active holders of active key posts
    senior_holders: list[int]  # active holders of the ``SENIOR`` highest-graded key posts
    nominations: int
    plans: int


def read_inputs() -> Inputs:
    from hcm.db import unit_of_work
    from hcm.org.models import Department, Employee, EmployeeStatus, Grade, Position
    from succession.models import Nomination, SuccessionPlan

    with unit_of_work(writes=False) as s:
        parent = dict(s.execute(select(Department.id, Department.parent_id)).all())
        key_depts = set(s.scalars(select(Position.department_id)
                                  .where(Position.is_key.is_(True), Position.is_active.is_(True))))
        holders = list(s.execute(select(Employee.id, Position.is_key, func.coalesce(Grade.level, 0))
                                 .join(Position, Position.id == Employee.position_id)
                                 .outerjoin(Grade, Grade.id == Position.grade_id)
                                 .where(Employee.status == EmployeeStatus.ACTIVE, Position.is_active.is_(True))
                                 .order_by(Employee.id)))
        nominations = s.execute(select(func.count()).select_from(Nomination)
                                .where(Nomination.removed_at.is_(None))).scalar_one()
        plans = s.execute(select(func.count()).select_from(SuccessionPlan)).scalar_one()
    with_key: set[int] = set()
    for d in key_depts:
        seen: set[int] = set()
        here: int | None = d
        while here is not None and here not in with_key and here not in seen:
            seen.add(here)
            with_key.add(here)
            here = parent.get(here)
    key = [(e, lvl) for e, k, lvl in holders if k]
    senior = [e for e, _ in sorted(key, key=lambda x: (-x[1], x[0]))[:SENIOR]]
    return Inputs(departments=sorted(with_key), holders=[e for e, _, _ in holders], key_holders=[e for e, _ in key],
                  senior_holders=senior, nominations=int(nominations), plans=int(plans))


# --- the measurement ----------------------------------------------------------------------------------
class Statements:
    """SQL statements sent, counted on the engine."""

    def __init__(self, engine: Engine) -> None:
        self.n = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args: object) -> None:
        self.n += 1


@dataclass
class Series:
    name: str
    call: Callable[[Any, Any], Any]  # (session, input) -> a pydantic answer
    inputs: list[Any]
    goal_s: float | None
    describe: Callable[[Any], str] | None = None  # a line about the answers (what the calls found)


def as_api(call: Callable[[Any, Any], Any], x: Any) -> tuple[Any, int]:
    """One call as a GET runs it: a read-only unit of work, the service, the answer as JSON."""
    from hcm.db import unit_of_work

    with unit_of_work(writes=False) as s:
        out = call(s, x)
        body = out.model_dump_json()
    return out, len(body)


def measure(series: Series, warmup: int, stmts: Statements, summary: Summary) -> None:
    """The first ``warmup`` inputs untimed, then the rest timed one by one."""
    for x in series.inputs[:warmup]:
        as_api(series.call, x)
    times: list[float] = []
    counts: list[int] = []
    sizes: list[int] = []
    answers: list[Any] = []
    errors = 0
    gc.collect()
    for x in series.inputs[warmup:]:
        before = stmts.n
        t0 = time.perf_counter()
        try:
            out, size = as_api(series.call, x)
        except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
            errors += 1
            if errors <= 3:
                print(f"    {series.name}: {type(exc).__name__}: {exc}")
            continue
        finally:
            times.append(time.perf_counter() - t0)
            counts.append(stmts.n - before)
        sizes.append(size)
        answers.append(out)
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    ok = None if series.goal_s is None else (p95 < series.goal_s and not errors)
    goal = f"< {series.goal_s * 1000:,.0f} ms" if series.goal_s is not None else "—"
    err = f", {errors} raised" if errors else ""
    print(f"  {series.name:<44} p50 {p50 * 1000:8.1f} ms  p95 {p95 * 1000:8.1f} ms  max {max(times) * 1000:8.1f} ms  "
          f"{percentile([float(c) for c in counts], 0.5):4.0f} statements  "
          f"JSON {percentile([float(s) for s in sizes], 0.5) / 1024:7.1f} KiB  goal {goal}  "
          f"{verdict(bool(ok)) if ok is not None else '—'}{err}")
    if series.describe is not None and answers:
        print(f"      {series.describe(answers)}")
    summary.add(series.name, f"{p50 * 1000:,.1f} ms", f"{p95 * 1000:,.1f} ms", goal, ok)


def profile(series: Series, calls: int, top: int) -> None:
    """cProfile over a few calls of the series (after its timing), the functions with the most own time."""
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for x in series.inputs[:calls]:
        as_api(series.call, x)
    prof.disable()
    wall = (time.perf_counter() - t0) / max(1, min(calls, len(series.inputs)))
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).strip_dirs().sort_stats("tottime")
    stats.print_stats(top)
    lines = [ln for ln in out.getvalue().splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls")), 0)
    print(f"\n  profile: {series.name} ({calls} calls, {wall * 1000:.1f} ms a call under the profiler), own time:")
    for ln in lines[start:start + top + 1]:
        print(f"    {ln}")


def describe_bench(answers: list[Any]) -> str:
    f = answers[0].figures
    return (f"first answer: {f.key_posts:,} key posts, {f.covered:,} covered ({f.covered_share or 0:.1%}), "
            f"{f.two_plus:,} with two or more, {f.single_points:,} single points of failure; "
            f"{len(answers[0].departments)} departments below; {len(answers[0].many_slates):,} people on "
            f"{answers[0].min_slates}+ slates")


def describe_page(answers: list[Any]) -> str:
    totals = [a.total for a in answers]
    return f"totals: {min(totals):,}-{max(totals):,} key posts (median {percentile([float(t) for t in totals], 0.5):,.0f})"


def describe_whatif(answers: list[Any]) -> str:
    def med(get: Callable[[Any], int]) -> str:
        return f"{percentile([float(get(a.summary)) for a in answers], 0.5):.0f}"

    return (f"median per what-if: {med(lambda s: s.opened)} posts opened, {med(lambda s: s.filled)} filled "
            f"({med(lambda s: s.filled_ready_now)} ready now), {med(lambda s: s.uncovered)} uncovered, "
            f"{med(lambda s: s.beyond_depth)} beyond the depth, {med(lambda s: s.exposed_key_posts)} key posts exposed;"
            f" most opened in one: {max(a.summary.opened for a in answers)}")


def run(url: str, args: argparse.Namespace) -> None:
    from hcm import db
    from hcm.auth.models import Role
    from hcm.policy import Principal
    from succession.service import bench, whatif

    summary = Summary()
    seed_database(url, args)
    db.configure(url)
    engine = db.get_engine()
    stmts = Statements(engine)
    t0 = time.perf_counter()
    inp = read_inputs()
    print(f"inputs: {len(inp.departments):,} departments with a key post in their subtree, {len(inp.holders):,} active "
          f"holders ({len(inp.key_holders):,} of key posts, {len(inp.senior_holders)} of the {SENIOR} highest-graded "
          f"ones); {inp.plans:,} plans, {inp.nominations:,} open nominations ({time.perf_counter() - t0:.1f} s, "
          "not counted)")

    hr = Principal(0, "bench-hr", Role.HR_ADMIN, None, None)
    rnd = random.Random(args.seed)
    n = args.runs

    def leavers(pool: list[int]) -> list[list[int]]:
        return [rnd.sample(pool, LEAVERS) for _ in range(n + args.warmup)]

    depts = [rnd.choice(inp.departments) for _ in range(n + args.warmup)]
    everyone, key_people, seniors = leavers(inp.holders), leavers(inp.key_holders), leavers(inp.senior_holders)
    plan: list[Series] = [
        Series("bench: company (all key posts)", lambda s, _: bench.bench(s, principal=hr), [None] * (n + args.warmup),
               GOAL_BENCH_S, describe_bench),
        Series("bench: a random department", lambda s, d: bench.bench(s, principal=hr, department_id=d), depts,
               GOAL_BENCH_S),
        Series("key posts, first page: company", lambda s, _: bench.key_post_bench(s, principal=hr, page=1),
               [None] * (n + args.warmup), GOAL_BENCH_S, describe_page),
        Series("key posts, first page: a random department",
               lambda s, d: bench.key_post_bench(s, principal=hr, department_id=d, page=1), depts, GOAL_BENCH_S,
               describe_page),
        Series("trend: company, 12 month ends",
               lambda s, _: bench.trend(s, principal=hr, points=12, as_of=args.as_of),
               [None] * (args.trend_runs + args.warmup), None),
    ]
    for depth in (3, 5):
        plan.append(Series(f"what-if: {LEAVERS} holders, depth {depth}",
                           lambda s, ids, d=depth: whatif.what_if(s, principal=hr, employee_ids=ids, depth=d),
                           everyone, GOAL_WHATIF_S, describe_whatif))
        plan.append(Series(f"what-if: {LEAVERS} key-post holders, depth {depth}",
                           lambda s, ids, d=depth: whatif.what_if(s, principal=hr, employee_ids=ids, depth=d),
                           key_people, GOAL_WHATIF_S, describe_whatif))
        plan.append(Series(f"what-if: {LEAVERS} senior key-post holders, depth {depth}",
                           lambda s, ids, d=depth: whatif.what_if(s, principal=hr, employee_ids=ids, depth=d),
                           seniors, GOAL_WHATIF_S, describe_whatif))

    print(f"\n== p50/p95 over {n} random inputs each (the trend {args.trend_runs}), {args.warmup} more first, untimed; "
          f"load average {load()}")
    t_all = time.perf_counter()
    for s in plan:
        measure(s, args.warmup, stmts, summary)
    print(f"  (all series: {time.perf_counter() - t_all:.0f} s)")
    if args.profile:
        print("\n== profiles (cProfile, after the timings; its overhead inflates Python-heavy calls)")
        for s in plan:
            profile(Series(s.name, s.call, s.inputs[args.warmup:], s.goal_s), args.profile_calls, args.profile_top)
    engine.dispose()
    print(f"\nprocess peak memory {peak_mb():,.0f} MB")
    summary.print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--employees", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=100, help="random inputs per series (default 100)")
    ap.add_argument("--trend-runs", type=int, default=20, help="calls of the trend (default 20)")
    ap.add_argument("--warmup", type=int, default=5, help="untimed calls before each series")
    ap.add_argument("--performance", action="store_true",
                    help="seed performance's demo before succession's (its ratings shape the slates)")
    ap.add_argument("--db-url", help="an empty database to migrate and seed (kept), instead of a fresh SQLite file")
    ap.add_argument("--postgres", action="store_true", help=f"a fresh database on {PG_ADMIN_URL}, dropped afterwards")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (the SQLite file)")
    ap.add_argument("--profile", action="store_true", help="cProfile a few calls of each series after the timings")
    ap.add_argument("--profile-calls", type=int, default=5)
    ap.add_argument("--profile-top", type=int, default=12)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 30))
    args = ap.parse_args()

    with bench_run(args, name="succession", db_url=args.db_url) as (url, _):
        run(url, args)


if __name__ == "__main__":
    main()
