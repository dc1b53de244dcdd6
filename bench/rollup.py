"""Benchmark: recompute every performance score of a 100,000-employee company (about 8 indicators each)
on PostgreSQL, next to a single hand-written SQL aggregate over the same rows, in the same process.

    python bench/rollup.py [--employees 100000] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]

Prints the time of each, their ratio (goal: recompute <= 2x the baseline) and the number of SQL statements
the recompute issued (goal: a fixed handful whatever the size: no N+1). The recompute writes one result row
per goal; post and employee scores are aggregates of those rows read when asked (performance.service.units),
so the time to read every employee's and post's score is printed too, with the ratio including it. A fresh
database is created and dropped. Data is loaded with COPY so the set-up does not dominate the run.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from datetime import date

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from hcm import migrate
from hcm.db import make_engine

KINDS = [  # (kind, direction, formula) for the 8 indicators of each post goal
    ("quantitative", "higher_is_better", "linear"), ("quantitative", "higher_is_better", "linear"),
    ("quantitative", "lower_is_better", "linear"), ("quantitative", "higher_is_better", "linear"),
    ("milestone", "higher_is_better", "milestone"), ("quantitative", "lower_is_better", "linear"),
    ("quantitative", "higher_is_better", "linear"), ("milestone", "higher_is_better", "milestone"),
]

# The baseline: one hand-written aggregate computing every post's score from the latest check-ins, with
# the same formulas written out by hand. It reads the same rows the recompute reads and writes nothing.
BASELINE = """
WITH latest AS (
    SELECT DISTINCT ON (c.indicator_id) c.indicator_id, c.actual, c.milestones_done
    FROM perf_checkins c ORDER BY c.indicator_id, c.as_of DESC, c.id DESC
), scored AS (
    SELECT g.position_id, i.weight,
        CASE
          WHEN i.kind = 'milestone' THEN 100.0 * l.milestones_done / i.milestones_total
          ELSE (
            SELECT CASE
              WHEN x < t THEN 0.0
              WHEN x < tg THEN 50.0 + 50.0 * (x - t) / (tg - t)
              ELSE LEAST(150.0, 100.0 + 50.0 * (x - tg) / (tg - t))
            END
            FROM (SELECT CASE WHEN i.direction = 'lower_is_better' THEN -l.actual ELSE l.actual END AS x,
                         CASE WHEN i.direction = 'lower_is_better' THEN -i.threshold ELSE i.threshold END AS t,
                         CASE WHEN i.direction = 'lower_is_better' THEN -i.target ELSE i.target END AS tg) v)
        END AS score
    FROM perf_indicators i
    JOIN perf_goals g ON g.id = i.goal_id
    JOIN latest l ON l.indicator_id = i.id
    WHERE g.period_id = :pid AND g.level = 'post'
)
SELECT count(*), avg(s) FROM (
    SELECT position_id, sum(score * weight) / sum(weight) AS s FROM scored GROUP BY position_id
) per_post
"""


def build(url: str, n: int, seed: int = 7) -> int:
    """Departments, posts, employees, one period, the cascade and check-ins; returns the period id."""
    rnd = random.Random(seed)
    engine = make_engine(url)
    n_depts = max(10, n // 200)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        t0 = time.perf_counter()
        with cur.copy("COPY departments (id, code, name, parent_id, created_at, updated_at) FROM STDIN") as cp:
            cp.write_row((1, "CO", "Company", None, "2026-01-01", "2026-01-01"))
            for d in range(2, n_depts + 2):
                cp.write_row((d, f"D{d}", f"Department {d}", 1, "2026-01-01", "2026-01-01"))
        with cur.copy("COPY positions (id, code, title, department_id, is_key, is_active, created_at, updated_at) "
                      "FROM STDIN") as cp:
            for p in range(1, n + 1):
                cp.write_row((p, f"P{p}", "Specialist", 2 + p % n_depts, False, True, "2026-01-01", "2026-01-01"))
        with cur.copy("COPY employees (id, external_id, first_name, last_name, hire_date, position_id, status, "
                      "created_at, updated_at) FROM STDIN") as cp:
            for e in range(1, n + 1):
                cp.write_row((e, f"E{e}", "Emp", str(e), "2020-01-01", e, "active", "2026-01-01", "2026-01-01"))
        cur.execute("INSERT INTO perf_periods (id, code, name, kind, start_date, end_date, state, "
                    "dept_operational_share, post_operational_share, collaboration_weight, competency_weight, "
                    "target_distribution) VALUES (1, 'FY26', '2026', 'annual', '2026-01-01', '2027-01-01', "
                    "'in_progress', 0.8, 0.3, 0.1, 0.3, '{}')")
        # goals: one company goal, one per department, one per post; links post -> department -> company
        gid = 0
        dept_goal: dict[int, int] = {}
        with cur.copy("COPY perf_goals (id, period_id, code, title, level, department_id, position_id, created_at) "
                      "FROM STDIN") as cp:
            gid += 1
            cp.write_row((gid, 1, "C1", "Grow", "company", None, None, "2026-01-01"))
            for d in range(2, n_depts + 2):
                gid += 1
                dept_goal[d] = gid
                cp.write_row((gid, 1, f"DG{d}", "Deliver", "department", d, None, "2026-01-01"))
            first_post_goal = gid + 1
            for p in range(1, n + 1):
                gid += 1
                cp.write_row((gid, 1, f"PG{p}", "Own the post", "post", None, p, "2026-01-01"))
        posts_per_dept: dict[int, list[int]] = {}
        for p in range(1, n + 1):
            posts_per_dept.setdefault(2 + p % n_depts, []).append(first_post_goal + p - 1)
        with cur.copy("COPY perf_goal_links (parent_goal_id, child_goal_id, weight) FROM STDIN") as cp:
            for d, g in dept_goal.items():
                cp.write_row((1, g, 100.0 / n_depts))
                kids = posts_per_dept.get(d, [])
                for k in kids:
                    cp.write_row((g, k, 100.0 / len(kids)))
        # one COPY at a time per connection: build both row sets, then stream each
        iid = 0
        indicators: list[tuple[object, ...]] = []
        checkins: list[tuple[object, ...]] = []
        for p in range(1, n + 1):
            g = first_post_goal + p - 1
            for k, (kind, direction, formula) in enumerate(KINDS):
                iid += 1
                klass = "operational" if k % 3 == 0 else "management"
                if kind == "milestone":
                    indicators.append((iid, g, f"K{k}", "Milestones", kind, direction, klass, None, None, None, None, 4,
                                       12.5, formula, 1))
                    checkins.append((iid, "2026-06-30", None, rnd.randint(0, 4), "2026-07-01"))
                    continue
                thr, tgt, base, top = (80.0, 100.0, 60.0, 140.0) if direction == "higher_is_better" else \
                    (20.0, 10.0, 30.0, 40.0)
                indicators.append((iid, g, f"K{k}", "Measure", kind, direction, klass, thr, tgt, None, base, None, 12.5,
                                   formula, 1))
                checkins.append((iid, "2026-03-31", rnd.uniform(0, top), None, "2026-04-01"))
                checkins.append((iid, "2026-06-30", rnd.uniform(0, top), None, "2026-07-01"))
        with cur.copy("COPY perf_indicators (id, goal_id, code, name, kind, direction, klass, threshold, target, "
                      "stretch, baseline, milestones_total, weight, formula, formula_version) FROM STDIN") as cp:
            for row in indicators:
                cp.write_row(row)
        with cur.copy("COPY perf_checkins (indicator_id, as_of, actual, milestones_done, created_at) FROM STDIN") as cp:
            for row in checkins:
                cp.write_row(row)
        for table in ("departments", "positions", "employees", "perf_goals", "perf_indicators", "perf_checkins"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
        print(f"built {n:,} employees, {iid:,} indicators, {gid:,} goals in {time.perf_counter() - t0:.1f} s")
    finally:
        raw.close()
        engine.dispose()
    return 1


def run(url: str, period_id: int, repeats: int) -> None:
    from performance.models import Period
    from performance.service import rollup, units

    engine = make_engine(url)
    statements = {"n": 0}

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args: object) -> None:
        statements["n"] += 1

    # warm the caches once so both measurements see the same buffer state; the baseline gets the same
    # work_mem the recompute sets for itself, so neither sorts on disk
    with engine.connect() as conn:
        conn.execute(text("SET work_mem = '256MB'"))
        conn.execute(text(BASELINE), {"pid": period_id}).all()
    base_times, recompute_times, read_times = [], [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        with engine.connect() as conn:
            conn.execute(text("SET work_mem = '256MB'"))
            count, avg = conn.execute(text(BASELINE), {"pid": period_id}).one()
        base_times.append(time.perf_counter() - t0)
        statements["n"] = 0
        t0 = time.perf_counter()
        with Session(engine) as s:
            counts = rollup.recompute(s, period_id=period_id, today=date(2026, 7, 1))
            s.commit()
        recompute_times.append(time.perf_counter() - t0)
        n_statements = statements["n"]
        # what the recompute task does next: read every employee's score (live from the goal results) to
        # send it on to the graph
        t0 = time.perf_counter()
        with Session(engine) as s:
            period = s.get(Period, period_id)
            assert period is not None
            people = units.scores(period, "employee")
            n_people, mean_people = s.execute(select(func.count(), func.avg(people.c.score))).one()
        read_times.append(time.perf_counter() - t0)
    # what people open at this size, after the recompute: HR's company 9-box (counts for everyone, 50 names
    # a cell) and one page of the employee results list
    from hcm.auth.models import Role
    from hcm.policy import Principal
    from performance.service import ninebox, results

    hr = Principal(0, "hr", Role.HR_ADMIN, None, None)
    with Session(engine) as s:
        t0 = time.perf_counter()
        box = ninebox.nine_box(s, principal=hr, period_id=period_id, scope="company")
        t_box = time.perf_counter() - t0
        t0 = time.perf_counter()
        listed = results.unit_results_page(s, principal=hr, period_id=period_id, unit_type="employee", page=10,
                                           page_size=100)
        t_list = time.perf_counter() - t0
    base, rec, read = min(base_times), min(recompute_times), min(read_times)
    print(f"baseline (one hand-written aggregate, {count:,} posts, mean {avg:.3f}): {base:.2f} s (best of {repeats})")
    print(f"recompute (indicators, goals, the roll-up through the links; {counts}): {rec:.2f} s (best of {repeats}; "
          f"runs {', '.join(f'{t:.2f}' for t in recompute_times)} s), {n_statements} SQL statements")
    print(f"reading every employee's score from the recomputed goal results: {read:.2f} s (best of {repeats}; "
          f"{n_people:,} employees, mean {mean_people:.3f})")
    print(f"ratio recompute / baseline: {rec / base:.2f}x (goal <= 2x)  ->  {'PASS' if rec <= 2 * base else 'MISS'}")
    print(f"ratio (recompute + reading every score) / baseline: {(rec + read) / base:.2f}x")
    print(f"pages' reads: company 9-box {t_box:.2f} s ({box.placed + box.unplaced:,} people); employee results, "
          f"page 10 of {listed.total:,}: {t_list:.2f} s")
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--employees", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = ap.parse_args()
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    name = f"hcm_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        pid = build(url, args.employees)
        run(url, pid, args.repeats)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
