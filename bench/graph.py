"""Talent graph benchmark: the full rebuild next to a bare loader of the same rows, the incremental sync of 1 %
changed rows, and the graph queries, on a seeded company and a fresh bundled graph server (ArcadeDB over Bolt).

    python bench/graph.py --employees 100000            # a fresh SQLite file, seeded (about a minute at 100k)
    python bench/graph.py --employees 20000 --postgres  # a fresh PostgreSQL database, dropped afterwards
    python bench/graph.py --db-url postgresql+psycopg://postgres@127.0.0.1:5432/empty_db   # an empty database

1. Rebuild. The rows of every ``graph.snapshot`` set are read into memory first (not timed) and written by a bare
   loader: each set's own ``UNWIND $rows AS r MERGE ...`` statement (they are the plain form already), the same
   batch size, one explicit transaction per batch on one session, into an emptied graph with the same
   constraints. Then ``graph.rebuild.rebuild`` runs over the bare loader's graph, timed end to end: database
   read, emptying that graph (the bundled server recreates its database: ``graph.server.ServerAdmin``), write
   (each set's ``load`` statement: CREATE, relationships grouped by start node), outbox mark. Goal: at least
   20,000 rows/s and at least 0.8x the bare loader.
   ``--rounds N`` repeats the pair and takes the best of each. ``graph.check.check`` follows and must be clean.
   A warm-up (the first batch of every set) comes first; the server still gets faster over the first minutes
   (its JIT), which favours whichever loader runs later: with one round, the rebuild.
2. Incremental. 1 % of the rebuild's rows change through the org services, one transaction per chunk: 1 % of
   the active people move to a vacant post, and formal skill assessments make up the rest (one HAS_SKILL row
   each). Then ``graph.sync.drain_outbox`` (engine-level, batch 5000) is timed. Goal: under 5 % of the rebuild.
   ``check`` must be clean again.
3. Queries. ``graph.queries`` when it is importable (else "queries: not available yet"). The seeded company has
   no succession plans (``bench/succession.py`` seeds them), so about 3 successors per key post, holders of the
   grade below in the post's department subtree, are written as ``successor`` events through
   ``graph.projection.apply_events`` after the checks (the graph then holds edges the plans' tables do not: a
   check would call them extra). Then p50/p95 over 200 random inputs per query against its goal.

Figures only, PASS/MISS against each goal; nothing here asserts. The machine's two cores are shared: the
server (a JVM) and this process take turns on them, and other work on them shows in every figure.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import random
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# Before anything reads the settings: the commits of the incremental phase must not drain the outbox in-process
# (the embedded default sends the drain after every commit) into whatever answers on the default Bolt port.
os.environ["HCM_GRAPH__ENABLED"] = "false"
os.environ.setdefault("HCM_SECRET_KEY", "graph-bench-" + uuid.uuid4().hex + uuid.uuid4().hex)

from sqlalchemy import select, text

from bench.common import PG_ADMIN_URL, bench_run, peak_mb, percentile, verdict

DATABASE = "talent"
GOAL_ROWS_PER_S = 20_000.0
GOAL_RATIO = 0.8
GOAL_SYNC_SHARE = 0.05
QUERY_GOALS_MS = {
    "successor slate": 50.0,
    "talent search (3 skills)": 200.0,
    "next roles": 150.0,
    "next roles, with the holder's gaps": 150.0,
    "paths (up to 4 steps)": 500.0,
    "vacancy chain (depth 3)": 200.0,
}
DRAIN_BATCH = 5000
WIPE_PHASE = "emptying the graph"  # graph.rebuild.empty's progress phase


@dataclass
class Summary:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)  # (what, figure, goal, verdict)

    def add(self, what: str, figure: str, goal: str, ok: bool | None) -> None:
        self.rows.append((what, figure, goal, "—" if ok is None else verdict(ok)))

    def print(self) -> None:
        w = [max(len(r[i]) for r in [("what", "figure", "goal", ""), *self.rows]) for i in range(4)]
        print("\n== summary")
        print(f"  {'what':<{w[0]}}  {'figure':>{w[1]}}  {'goal':<{w[2]}}  ")
        for what, fig, goal, v in self.rows:
            print(f"  {what:<{w[0]}}  {fig:>{w[1]}}  {goal:<{w[2]}}  {v}")


# --- the database -------------------------------------------------------------------------------------
def seed_database(url: str, employees: int, seed: int, as_of: date) -> None:
    from hcm import migrate
    from hcm.seed import seed as do_seed

    t0 = time.perf_counter()
    migrate.upgrade(url)
    report = do_seed(url, employees=employees, seed=seed, as_of=as_of)
    print(f"seeded {report.active_employees:,} active + {report.exited_employees:,} exited employees, "
          f"{report.positions:,} positions ({report.key_positions:,} key, {report.vacant_positions:,} vacant), "
          f"{report.rows.get('employee_skills', 0):,} employee skills, {report.rows.get('outbox', 0):,} outbox rows "
          f"in {time.perf_counter() - t0:.1f} s (not counted)")


# --- the graph ----------------------------------------------------------------------------------------
def sets_in_rebuild_order() -> list[Any]:
    from graph.snapshot import all_sources

    sources = all_sources()
    return [*(n for s in sources for n in s.nodes), *(p for s in sources for p in s.properties),
            *(e for s in sources for e in s.edges)]


def materialise() -> dict[str, tuple[Any, list[dict[str, Any]]]]:
    """Every set's rows, read once into memory (the bare loader's input)."""
    from hcm.db import unit_of_work

    out: dict[str, tuple[Any, list[dict[str, Any]]]] = {}
    with unit_of_work(writes=False) as session:
        for item in sets_in_rebuild_order():
            out[item.name] = (item, list(item.rows(session)))
    return out


def bare_load(driver: Any, data: dict[str, tuple[Any, list[dict[str, Any]]]], batch: int,
              only_first: bool = False) -> dict[str, float]:
    """Each set's statement over its rows, ``batch`` rows per explicit transaction, one session throughout."""
    seconds: dict[str, float] = {}
    with driver.session(database=DATABASE) as session:
        for name, (item, rows) in data.items():
            t0 = time.perf_counter()
            for i in range(0, len(rows), batch):
                with session.begin_transaction() as tx:
                    tx.run(item.write, rows=rows[i:i + batch]).consume()
                    tx.commit()
                if only_first:
                    break
            seconds[name] = time.perf_counter() - t0
    return seconds


def timed_rebuild(driver: Any, batch: int, admin: Any) -> tuple[Any, dict[str, float]]:
    """``graph.rebuild.rebuild`` end to end, and the wall time of each of its phases (from its progress calls: a
    phase runs from its first call to the next phase's first; the wipe from the start)."""
    from graph.rebuild import rebuild

    starts: dict[str, float] = {}

    def progress(phase: str, _done: int, _total: int) -> None:
        starts.setdefault(phase, time.perf_counter())

    t0 = time.perf_counter()
    report = rebuild(driver, DATABASE, batch=batch, progress=progress, admin=admin)
    end = time.perf_counter()
    # emptying calls progress as it starts and ends (the Cypher wipe after each batch): its phase starts where
    # the rebuild does
    starts.pop(WIPE_PHASE, None)
    names = list(starts)
    phases = {n: (starts[names[i + 1]] if i + 1 < len(names) else end) - starts[n] for i, n in enumerate(names)}
    phases[WIPE_PHASE] = (starts[names[0]] if names else end) - t0
    return report, phases


def run_check(label: str) -> tuple[bool, float]:
    from graph.check import check
    from hcm.db import unit_of_work

    t0 = time.perf_counter()
    with unit_of_work(writes=False) as session:
        report = check(session, DRIVER, DATABASE)
    seconds = time.perf_counter() - t0
    print(f"check {label}: {'clean' if report.clean else 'DIFFERS'} ({seconds:.1f} s, "
          f"{sum(s.expected for s in report.sets):,} database rows compared)")
    for line in report.lines()[:30]:
        print(f"    {line}")
    return report.clean, seconds


# --- the incremental change -----------------------------------------------------------------------------
def change_one_percent(target_rows: int, *, seed: int, day: date, grouped: bool = False,
                       chunk: int = 500) -> dict[str, int]:
    """About ``target_rows`` changed graph rows through the org services: 1 % of the active people move to a vacant
    post (HOLDS), formal assessments make up the rest (HAS_SKILL). Moves and assessments are shuffled together,
    ``chunk`` changes per transaction, as a day of HR work would commit them; ``grouped``: every move first, then
    every assessment, as two imports would (the projection batches consecutive events of one topic)."""
    from hcm.auth.models import Role as UserRole
    from hcm.db import unit_of_work
    from hcm.org.models import (
        Employee,
        EmployeeSkill,
        EmployeeStatus,
        Grade,
        MoveReason,
        Position,
        SkillSource,
    )
    from hcm.org.schemas import EmployeeSkillIn, MoveIn
    from hcm.org.service.people import move
    from hcm.org.service.skills import assess_skill
    from hcm.policy import Principal

    rnd = random.Random(seed)
    hr = Principal(0, "bench-hr", UserRole.HR_ADMIN, None, None)
    with unit_of_work(writes=False) as s:
        active = list(s.execute(select(Employee.id, Employee.position_id)
                                .where(Employee.status == EmployeeStatus.ACTIVE, Employee.position_id.is_not(None))))
        held = {pid for _, pid in active}
        level = dict(s.execute(select(Position.id, Grade.level).join(Grade, Grade.id == Position.grade_id)).all())
        vacant = [pid for pid in s.scalars(select(Position.id).where(Position.is_active.is_(True))) if pid not in held]
        skills_of: dict[int, list[int]] = defaultdict(list)
        for emp, skill in s.execute(select(EmployeeSkill.employee_id, EmployeeSkill.skill_id).distinct()):
            skills_of[emp].append(skill)
    movers = rnd.sample(active, min(len(active), max(1, len(active) // 100), len(vacant)))
    n_assess = max(0, target_rows - len(movers))
    people = [e for e, _ in active if skills_of.get(e)]
    assessments = [(e, rnd.choice(skills_of[e])) for e in (rnd.choice(people) for _ in range(n_assess))]
    work: list[tuple[str, Any]] = [("move", m) for m in movers] + [("assess", a) for a in dict.fromkeys(assessments)]
    if not grouped:
        rnd.shuffle(work)
    counts = {"moves": 0, "assessments": 0, "transactions": 0}
    for i in range(0, len(work), chunk):
        with unit_of_work() as s:
            for kind, item in work[i:i + chunk]:
                if kind == "move":
                    emp_id, old = item
                    new = vacant.pop(rnd.randrange(len(vacant)))
                    a, b = level.get(old), level.get(new)
                    reason = (MoveReason.LATERAL if a is None or b is None or a == b
                              else MoveReason.PROMOTION if b > a else MoveReason.DEMOTION)
                    move(s, employee_id=emp_id, data=MoveIn(reason=reason, effective_date=day, position_id=new))
                    vacant.append(old)
                    counts["moves"] += 1
                else:
                    emp_id, skill_id = item
                    assess_skill(s, principal=hr, employee_id=emp_id, skill_id=skill_id,
                                 data=EmployeeSkillIn(level=rnd.randint(1, 5), source=SkillSource.ASSESSMENT,
                                                      assessed_on=day))
                    counts["assessments"] += 1
        counts["transactions"] += 1
    return counts


# --- successors for the queries -------------------------------------------------------------------------
def successor_events(seed: int) -> tuple[list[Any], dict[str, int]]:
    """About 3 successors per active key post: active holders of a post one grade level below in the post's
    department subtree (widened to the parent department's while fewer than 3 are found)."""
    from graph.projection import READINESS, Event
    from hcm.db import unit_of_work
    from hcm.org.models import Department, Employee, EmployeeStatus, Grade, Position

    rnd = random.Random(seed)
    with unit_of_work(writes=False) as s:
        parent = dict(s.execute(select(Department.id, Department.parent_id)).all())
        posts = list(s.execute(select(Position.id, Position.code, Position.department_id, Grade.level,
                                      Position.is_key, Position.is_active)
                               .join(Grade, Grade.id == Position.grade_id)))
        holder = dict(s.execute(select(Employee.position_id, Employee.external_id)
                                .where(Employee.status == EmployeeStatus.ACTIVE, Employee.position_id.is_not(None)))
                      .all())
    children: dict[int | None, list[int]] = defaultdict(list)
    for d, p in parent.items():
        children[p].append(d)
    by_dept_level: dict[tuple[int, int], list[str]] = defaultdict(list)
    for pid, _code, dept, lvl, _k, _a in posts:
        if pid in holder:
            by_dept_level[(dept, lvl)].append(holder[pid])

    subtree_cache: dict[int, list[int]] = {}

    def subtree(d: int) -> list[int]:
        if d not in subtree_cache:
            out, stack = [], [d]
            while stack:
                x = stack.pop()
                out.append(x)
                stack.extend(children.get(x, []))
            subtree_cache[d] = out
        return subtree_cache[d]

    events: list[Any] = []
    stats = {"key posts": 0, "with 3": 0, "widened": 0, "none": 0}
    for pid, code, dept, lvl, is_key, active in posts:
        if not (is_key and active):
            continue
        stats["key posts"] += 1
        here: int | None = dept
        found: list[str] = []
        widened = False
        while here is not None:
            found = [e for d in subtree(here) for e in by_dept_level.get((d, lvl - 1), []) if e != holder.get(pid)]
            if len(found) >= 3 or parent.get(here) is None:
                break
            here, widened = parent.get(here), True
        stats["widened"] += widened
        picked = rnd.sample(found, min(3, len(found)))
        if len(picked) == 3:
            stats["with 3"] += 1
        if not picked:
            stats["none"] += 1
        for rank, emp in enumerate(picked, start=1):
            readiness = rnd.choices(READINESS[:3], weights=(3, 4, 3))[0]
            events.append(Event("successor", f"{emp}|{code}", "upsert",
                                {"employee": emp, "position": code, "readiness": readiness, "rank": rank}))
    return events, stats


# --- queries ------------------------------------------------------------------------------------------
def time_query(name: str, call: Callable[[Any], Any], inputs: list[Any], warmup: int) -> tuple[float, float, int]:
    for x in inputs[:warmup]:
        with contextlib.suppress(Exception):  # the timed calls below count the failures
            call(x)
    times, errors = [], 0
    for x in inputs:
        t0 = time.perf_counter()
        try:
            call(x)
        except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
            errors += 1
            if errors <= 3:
                print(f"    {name}: {type(exc).__name__}: {exc}")
        times.append((time.perf_counter() - t0) * 1000)
    return percentile(times, 0.5), percentile(times, 0.95), errors


def run_queries(summary: Summary, n: int, seed: int) -> None:
    try:
        import graph.queries as q
    except ImportError as exc:
        print(f"queries: not available yet ({exc})")
        summary.add("queries", "not available yet", "", None)
        return
    from hcm.db import unit_of_work
    from hcm.org.models import Employee, EmployeeStatus, Grade, JobFamily, Position, Skill

    rnd = random.Random(seed)
    with unit_of_work(writes=False) as s:
        key_posts = list(s.scalars(select(Position.code).where(Position.is_key.is_(True), Position.is_active.is_(True))))
        skills = list(s.scalars(select(Skill.code)))
        roled = list(s.execute(select(Position.code, Employee.external_id)
                               .outerjoin(Employee, (Employee.position_id == Position.id)
                                          & (Employee.status == EmployeeStatus.ACTIVE))
                               .where(Position.grade_id.is_not(None), Position.job_family_id.is_not(None))))
        roles = sorted({f"{f}/{g}" for f, g in s.execute(
            select(JobFamily.code, Grade.code).select_from(Position)
            .join(JobFamily, JobFamily.id == Position.job_family_id).join(Grade, Grade.id == Position.grade_id))})
        people = list(s.scalars(select(Employee.external_id).where(Employee.status == EmployeeStatus.ACTIVE,
                                                                    Employee.position_id.is_not(None))))
    held = [(p, e) for p, e in roled if e is not None]
    importance = ("low", "medium", "high")
    plans: list[tuple[str, Callable[[Any], Any], list[Any]]] = [
        ("successor slate", lambda p: q.successors(DRIVER, DATABASE, position=p),
         [rnd.choice(key_posts) for _ in range(n)]),
        ("talent search (3 skills)", lambda sk: q.talent_search(DRIVER, DATABASE, skills=sk),
         [[(c, rnd.randint(1, 5), rnd.choice(importance)) for c in rnd.sample(skills, 3)] for _ in range(n)]),
        ("next roles", lambda p: q.next_roles(DRIVER, DATABASE, position=p),
         [rnd.choice(roled)[0] for _ in range(n)]),
        ("next roles, with the holder's gaps", lambda pe: q.next_roles(DRIVER, DATABASE, position=pe[0],
                                                                       employee=pe[1]),
         [rnd.choice(held) for _ in range(n)]),
        ("paths (up to 4 steps)", lambda ab: q.paths(DRIVER, DATABASE, from_role=ab[0], to_role=ab[1], max_steps=4),
         [tuple(rnd.sample(roles, 2)) for _ in range(n)]),
        ("vacancy chain (depth 3)", lambda e: q.vacancy_chain(DRIVER, DATABASE, employee=e, depth=3),
         [rnd.choice(people) for _ in range(n)]),
    ]
    print(f"\n== queries: p50/p95 over {n} random inputs each (5 more first, untimed, to warm up)")
    for name, call, inputs in plans:
        p50, p95, errors = time_query(name, call, inputs, warmup=5)
        goal = QUERY_GOALS_MS[name]
        err = f", {errors} raised" if errors else ""
        print(f"  {name:<36} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   goal p95 < {goal:.0f} ms   "
              f"{verdict(p95 < goal and not errors)}{err}")
        summary.add(f"{name} p95", f"{p95:,.1f} ms", f"< {goal:.0f} ms", p95 < goal and not errors)


# --- the run ------------------------------------------------------------------------------------------
DRIVER: Any = None


def run(url: str, args: argparse.Namespace, tmp: Path) -> None:
    global DRIVER
    from graph import client
    from graph.server import GraphServer
    from graph.sync import drain_outbox
    from hcm import db

    summary = Summary()
    seed_database(url, args.employees, args.seed, args.as_of)
    db.configure(url)
    engine = db.get_engine()

    server = GraphServer(tmp / "arcadedb", database=DATABASE, heap=args.heap, startup_timeout=120)
    server.start()
    try:
        print(f"graph server: ArcadeDB (Bolt) pid {server.pid}, heap {args.heap}, up in {server.startup_seconds:.1f} s")
        DRIVER = client.make_driver(server.uri, *server.auth, max_transaction_retry_time=30.0,
                                    connection_timeout=30.0)
        client.ensure_schema(DRIVER, DATABASE)

        # 1. the bare loader, then the rebuild, ``--rounds`` times -------------------------------------------
        print(f"\n== rebuild ({args.batch:,} rows a batch, {args.rounds} round(s): bare loader, then rebuild)")
        bares: list[tuple[float, dict[str, float]]] = []
        rebuilds: list[tuple[Any, dict[str, float]]] = []
        for rnd in range(1, args.rounds + 1):
            t0 = time.perf_counter()
            data = materialise()
            n_rows = sum(len(r) for _, r in data.values())
            counts = {name: len(rows) for name, (_, rows) in data.items()}
            print(f"round {rnd}: {n_rows:,} rows read into memory for the bare loader in {time.perf_counter() - t0:.1f} s"
                  f" (not counted); process peak {peak_mb():,.0f} MB")
            if rnd == 1:
                t0 = time.perf_counter()
                bare_load(DRIVER, data, args.batch, only_first=True)
                print(f"  warm-up (the first batch of every set; wiped below): {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            server.admin().recreate_database(DATABASE)  # as the rebuild empties it
            client.ensure_schema(DRIVER, DATABASE)
            print(f"  emptying the graph for the bare loader (database recreated): {time.perf_counter() - t0:.1f} s "
                  "(not counted)")
            t0 = time.perf_counter()
            per_set = bare_load(DRIVER, data, args.batch)
            bare_s = time.perf_counter() - t0
            bares.append((bare_s, per_set))
            print(f"  bare loader:  {n_rows:>11,} rows  {bare_s:8.1f} s  {n_rows / bare_s:9,.0f} rows/s")
            del data
            gc.collect()  # the rebuild should not pay for the cyclic GC walking the bare loader's rows
            report, phases = timed_rebuild(DRIVER, args.batch, server.admin())
            rebuilds.append((report, phases))
            wiped = phases.get(WIPE_PHASE, 0.0)
            print(f"  rebuild:      {report.total:>11,} rows  {report.seconds:8.1f} s  {report.rows_per_second:9,.0f} rows/s"
                  f"   (of which emptying the bare loader's graph {wiped:.1f} s; outbox marked up to "
                  f"{report.outbox_mark:,}: {report.outbox_marked:,} events)")
            if report.total != n_rows:
                print(f"  NOTE: the rebuild wrote {report.total:,} rows, the bare loader {n_rows:,}")
        bare_s, bare = min(bares, key=lambda b: b[0])
        report, phases = min(rebuilds, key=lambda r: r[0].seconds)
        bare_rate = n_rows / bare_s
        rate = report.rows_per_second
        ratio = rate / bare_rate
        best = " (best of each)" if args.rounds > 1 else ""
        print(f"bare loader{best}: {bare_rate:,.0f} rows/s; rebuild{best}: {rate:,.0f} rows/s "
              f"({report.seconds:.1f} s); ratio rebuild / bare loader: {ratio:.2f}x (goal >= {GOAL_RATIO}x)  ->  "
              f"{verdict(ratio >= GOAL_RATIO)}; rows/s goal >= {GOAL_ROWS_PER_S:,.0f}  ->  "
              f"{verdict(rate >= GOAL_ROWS_PER_S)}")
        print(f"  {'set':<18} {'rows':>10}  {'bare s':>8}  {'rows/s':>9}  {'rebuild s':>9}  {'rows/s':>9}")
        for name, n in counts.items():
            b, r = bare.get(name, 0.0), phases.get(name, 0.0)
            print(f"  {name:<18} {n:>10,}  {b:8.2f}  {n / b if b else 0:9,.0f}  {r:9.2f}  {n / r if r else 0:9,.0f}")
        print(f"  {WIPE_PHASE:<18} {'':>10}  {'':>8}  {'':>9}  {phases[WIPE_PHASE]:9.2f}")
        print("  (a rebuild phase runs from one set's first progress call to the next one's: it includes the next set's"
              " count; the first also the outbox's newest id and the constraints, the last the outbox mark)")
        summary.add("rebuild rows/s", f"{rate:,.0f} ({report.seconds:.1f} s)", f">= {GOAL_ROWS_PER_S:,.0f}",
                    rate >= GOAL_ROWS_PER_S)
        summary.add("rebuild / bare loader", f"{ratio:.2f}x ({bare_rate:,.0f} rows/s)", f">= {GOAL_RATIO}x",
                    ratio >= GOAL_RATIO)
        clean, _ = run_check("after the rebuild")
        summary.add("check after the rebuild", "clean" if clean else "differs", "clean", clean)

        # 2. the incremental sync ------------------------------------------------------------------------
        target = max(1, report.total // 100)
        t0 = time.perf_counter()
        changed = change_one_percent(target, seed=args.seed, day=args.as_of + timedelta(days=1),
                                     grouped=args.sync_order == "grouped")
        with engine.connect() as conn:
            pending = conn.execute(text("SELECT topic, count(*) FROM outbox WHERE processed_at IS NULL "
                                        "GROUP BY topic ORDER BY topic")).all()
        print(f"\n== incremental sync ({args.sync_order})\nchanged through the org services: {changed['moves']:,} moves + "
              f"{changed['assessments']:,} formal assessments = {changed['moves'] + changed['assessments']:,} "
              f"graph rows (1 % of {report.total:,} is {target:,}) in {changed['transactions']} transactions, "
              f"{time.perf_counter() - t0:.1f} s (not counted); pending outbox: "
              + ", ".join(f"{t} {n:,}" for t, n in pending))
        t0 = time.perf_counter()
        applied = drain_outbox(engine, DRIVER, DATABASE, batch=DRAIN_BATCH)
        sync_s = time.perf_counter() - t0
        share = sync_s / report.seconds
        print(f"drain_outbox (engine, batch {DRAIN_BATCH:,}): {applied:,} events in {sync_s:.2f} s "
              f"({applied / sync_s if sync_s else 0:,.0f} events/s) = {share:.1%} of the rebuild's {report.seconds:.1f} s "
              f"(goal < {GOAL_SYNC_SHARE:.0%})  ->  {verdict(share < GOAL_SYNC_SHARE)}")
        summary.add("incremental sync of 1 %", f"{sync_s:.2f} s = {share:.1%} of the rebuild", f"< {GOAL_SYNC_SHARE:.0%}",
                    share < GOAL_SYNC_SHARE)
        clean, _ = run_check("after the sync")
        summary.add("check after the sync", "clean" if clean else "differs", "clean", clean)

        # 3. queries -------------------------------------------------------------------------------------
        from graph.projection import apply_events

        events, stats = successor_events(args.seed)
        t0 = time.perf_counter()
        for i in range(0, len(events), DRAIN_BATCH):
            apply_events(DRIVER, DATABASE, events[i:i + DRAIN_BATCH])
        print(f"\nSUCCESSOR_FOR: the seed has no succession plans, so {len(events):,} `successor` events were written "
              f"straight through graph.projection.apply_events ({time.perf_counter() - t0:.1f} s): for "
              f"{stats['key posts']:,} active key posts, up to 3 holders of the grade below in the post's "
              f"department subtree ({stats['with 3']:,} posts got 3, {stats['widened']:,} needed a wider subtree, "
              f"{stats['none']:,} none)")
        run_queries(summary, args.queries, args.seed)
    finally:
        if DRIVER is not None:
            DRIVER.close()
        server.stop()
        engine.dispose()
    print(f"\nprocess peak memory {peak_mb():,.0f} MB")
    summary.print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--employees", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=10_000, help="rows per UNWIND batch, both loaders")
    ap.add_argument("--db-url", help="an empty database to migrate and seed (kept), instead of a fresh SQLite file")
    ap.add_argument("--postgres", action="store_true", help=f"a fresh database on {PG_ADMIN_URL}, dropped afterwards")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (database file, graph data)")
    ap.add_argument("--heap", default=None, help="the graph server's JVM heap (default 4g from 50,000 employees, "
                                                 "else 1g)")
    ap.add_argument("--rounds", type=int, default=1, help="bare loader + rebuild this many times; the best of each counts")
    ap.add_argument("--sync-order", choices=("shuffled", "grouped"), default="shuffled",
                    help="the 1 %% changes interleaved (default) or grouped by kind")
    ap.add_argument("--queries", type=int, default=200, help="random inputs per query")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 30))
    args = ap.parse_args()
    args.heap = args.heap or ("4g" if args.employees >= 50_000 else "1g")

    with bench_run(args, name="graph", db_url=args.db_url) as (url, tmp):
        run(url, args, tmp)


if __name__ == "__main__":
    main()
