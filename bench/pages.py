"""Pages benchmark (issue 13): the performance pages a company's people open most, timed through the real app, at
2,000 and 100,000 employees (goal: p95 under 300 ms at 2,000, under 1 s at 100,000).

    python bench/pages.py --employees 2000                # PostgreSQL database bench_pages_2k: seeded when empty
    python bench/pages.py --employees 100000 --requests 50 --seconds 60
    python bench/pages.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench_pages_2k   # a database of yours
    python bench/pages.py --employees 2000 --only cascade   # the lines whose name holds "cascade"
    python bench/pages.py --employees 2000 --profile calibration   # and a cProfile of that line's requests

Data (not timed): ``hcm seed`` (every module's demo step: the org, performance, ...) at ``--employees`` as of
``--as-of`` (2026-11-30), into ``--db`` or the PostgreSQL database ``bench_pages_2k`` (``_100k``, ...) on
``HCM_TEST_PG_URL``'s server; a database that already holds a company is reused as it is (seeding 100,000 people
takes a while), whatever ``--employees`` says. The run starts with ``ANALYZE`` (the planner's statistics, which a
live server's autovacuum keeps up to date; the tables the seed writes last have none). The pages' date is pinned
to ``--as-of`` (``HCM_TODAY``).

Measured: each page of the current annual period (the one running on the as-of date) as an HTTP GET through the
whole app (``hcm.app.create_app``, FastAPI's TestClient: routing, the log-in's token, the policy, the services'
queries, the Jinja page), logged in as HR (``hr``) and as a manager (``manager``) with the demo password:

- the cascade's first view (HR; the manager: their path opened), the cascade search (a goal word, a person's name)
- the at-risk list, goals and people (first page, default sort)
- department results (HR: the whole hierarchy; the manager: their department's subtree)
- a calibration session of a department subtree of about 500 people (the department whose active headcount is
  closest to 500), and the whole company as a further line. Calibration pages are measured with the period in
  calibration (the rating forms on every row, as HR sees them when a session is open): when the period is still
  in progress the run sets its state to ``calibration`` in the database and sets it back at the end.

Each line: ``--requests`` timed requests (after 2 untimed ones), stopped earlier after ``--seconds`` of timing;
p50, p95 and max in ms, the CPU time of this process per request (p50: the app's Python work, client included,
less sensitive than wall time to the other processes sharing the cores; the database server's work is not in it),
the time in SQL (p50: the statements' execution as the driver reports it back), the
SQL statements per request, the page's size, and the goal with PASS/MISS on p95.
Figures only; nothing here asserts on time. The machine's cores are shared: the load average at the start and
the end says how busy it was.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import signal
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["HCM_GRAPH__ENABLED"] = "false"
os.environ.setdefault("HCM_DEMO", "true")
os.environ.setdefault("HCM_SECRET_KEY", "pages-bench-" + uuid.uuid4().hex + uuid.uuid4().hex)
os.environ.setdefault("HCM_LOGIN_LIMIT_PER_USER", "100000/minute")
os.environ.setdefault("HCM_LOGIN_LIMIT_PER_CLIENT", "100000/minute")

from sqlalchemy import create_engine, event, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.common import PG_ADMIN_URL, load, percentile, verdict


@dataclass
class Line:
    name: str
    who: str  # a log-in
    url: str


def database_url(args: argparse.Namespace) -> str:
    """``--db``, else ``bench_pages_<employees>`` on the PostgreSQL server of ``PG_ADMIN_URL`` (created if absent)."""
    if args.db:
        return str(args.db)
    n = args.employees
    name = f"bench_pages_{n // 1000}k" if n % 1000 == 0 else f"bench_pages_{n}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            if not c.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                c.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def seeded(url: str, args: argparse.Namespace) -> None:
    """Migrate and seed ``url`` (every module's demo step, as ``hcm seed`` does) unless it holds a company."""
    from hcm import migrate, modules
    from hcm.console import progress_bar
    from hcm.db import make_engine
    from hcm.org.models import Employee, EmployeeStatus

    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            n = s.scalar(select(func.count()).select_from(Employee).where(Employee.status == EmployeeStatus.ACTIVE))
        if n:
            print(f"reusing the seeded company: {n:,} active employees (--employees is not checked)")
            return
        print(f"seeding {args.employees:,} employees as of {args.as_of} (not timed) ...", flush=True)
        t0 = time.perf_counter()
        with progress_bar() as bar:
            ctx = modules.DemoContext(engine=engine, employees=args.employees, seed=args.seed, as_of=args.as_of,
                                      progress=bar)
            for step, run in modules.demo_steps():
                run(ctx)
                print(f"  seeded {step.name}", flush=True)
        print(f"seeded in {time.perf_counter() - t0:.0f} s")
    finally:
        engine.dispose()


def facts(db: Session, as_of: date) -> dict[str, Any]:
    """The period measured, the department of about 500 people, search words, sizes."""
    from hcm.org.models import Department, Employee, EmployeeStatus, Position
    from performance.models import Goal, Period, PeriodKind

    period = db.scalars(select(Period).where(Period.kind == PeriodKind.ANNUAL, Period.is_template.is_(False),
                                             Period.start_date <= as_of, Period.end_date >= as_of)
                        .order_by(Period.start_date.desc())).first()
    if period is None:
        sys.exit(f"no annual period runs on {as_of}: seed with --as-of {as_of} or pass the seed's date")
    own = dict(db.execute(select(Position.department_id, func.count(Employee.id))
                          .join(Employee, Employee.position_id == Position.id)
                          .where(Employee.status == EmployeeStatus.ACTIVE).group_by(Position.department_id)).all())
    parent = dict(db.execute(select(Department.id, Department.parent_id)).all())
    names = dict(db.execute(select(Department.id, Department.name)).all())
    subtree = dict.fromkeys(parent, 0)
    for d, n in own.items():  # each department's people counted in it and in every department above it
        seen: set[int] = set()
        while d is not None and d not in seen:
            seen.add(d)
            subtree[d] = subtree.get(d, 0) + int(n)
            d = parent.get(d)
    dept = min(subtree, key=lambda d: (abs(subtree[d] - 500), d))
    person = db.execute(select(Employee.last_name).where(Employee.status == EmployeeStatus.ACTIVE)
                        .group_by(Employee.last_name).order_by(func.count().desc(), Employee.last_name)
                        .limit(1)).scalar_one()
    title = db.scalars(select(Goal.title).where(Goal.period_id == period.id).group_by(Goal.title)
                       .order_by(func.count().desc(), Goal.title).limit(1)).one()
    word = max(title.split(), key=len)
    goals = db.scalar(select(func.count()).select_from(Goal).where(Goal.period_id == period.id))
    people = db.scalar(select(func.count()).select_from(Employee).where(Employee.status == EmployeeStatus.ACTIVE))
    return {"period": period, "dept": dept, "dept_name": names[dept], "dept_people": subtree[dept],
            "departments": len(parent), "person": person, "word": word, "goals": goals, "people": people}


def lines(f: dict[str, Any]) -> list[Line]:
    p = f["period"].id
    base = f"/performance/periods/{p}"
    return [
        Line("cascade first view", "hr", f"{base}/cascade"),
        Line("cascade first view", "manager", f"{base}/cascade"),
        Line(f"cascade search {f['word']!r} (a goal word)", "hr", f"{base}/cascade?q={f['word']}"),
        Line(f"cascade search {f['person']!r} (a name)", "hr", f"{base}/cascade?q={f['person']}"),
        Line(f"cascade search {f['person']!r} (a name)", "manager", f"{base}/cascade?q={f['person']}"),
        Line("at-risk goals", "hr", f"{base}/at-risk"),
        Line("at-risk people", "hr", f"{base}/at-risk?view=people"),
        Line("at-risk goals", "manager", f"{base}/at-risk"),
        Line("at-risk people", "manager", f"{base}/at-risk?view=people"),
        Line("department results", "hr", f"{base}/results"),
        Line("department results", "manager", f"{base}/results"),
        Line(f"calibration, department of {f['dept_people']} people", "hr",
             f"{base}/calibration?department={f['dept']}"),
        Line(f"calibration, whole company ({f['people']:,} people, first 500 rows)", "hr", f"{base}/calibration"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 30))
    parser.add_argument("--db", help="a database URL to use (seeded when empty, reused when it holds a company)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per line (default 200)")
    parser.add_argument("--seconds", type=float, default=60.0, help="at most this much timing per line")
    parser.add_argument("--only", default="", help="only the lines whose name holds this")
    parser.add_argument("--profile", default="", help="a cProfile of the lines whose name holds this")
    args = parser.parse_args()
    goal_ms = 300.0 if args.employees <= 2000 else 1000.0

    url = database_url(args)
    os.environ["HCM_DATABASE_URL"] = url
    os.environ["HCM_TODAY"] = args.as_of.isoformat()
    print(f"database {make_url(url).render_as_string(hide_password=True)}; {os.cpu_count()} cores, "
          f"load average {load()}")
    seeded(url, args)

    from fastapi.testclient import TestClient

    from hcm.app import create_app
    from hcm.db import get_engine
    from hcm.seed import DEMO_PASSWORD
    from hcm.settings import get_settings
    from performance.models import Period, PeriodState

    get_settings.cache_clear()
    engine = get_engine()
    t0 = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("ANALYZE"))  # a live server's autovacuum keeps statistics; this test server runs without it
    print(f"ANALYZE {time.perf_counter() - t0:.1f} s (not timed)")
    with Session(engine) as s:
        f = facts(s, args.as_of)
    period = f["period"]
    print(f"{f['people']:,} active employees, {f['departments']:,} departments; period {period.code} "
          f"({period.state.value}), {f['goals']:,} goals; department for calibration: {f['dept_name']} "
          f"({f['dept_people']} people in its subtree); goal for p95: < {goal_ms:.0f} ms")

    statements = [0]
    sql_s = [0.0]

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, *_a: Any) -> None:
        statements[0] += 1
        conn.info["bench_t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, *_a: Any) -> None:
        sql_s[0] += time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())

    app = create_app()
    profiles: list[cProfile.Profile] = []
    if args.profile:
        profile_endpoints(profiles)
    client = TestClient(app, raise_server_exceptions=False)
    headers = {}
    for who in ("hr", "manager"):
        r = client.post("/api/auth/token", data={"username": who, "password": DEMO_PASSWORD})
        r.raise_for_status()
        headers[who] = {"Authorization": f"Bearer {r.json()['access_token']}"}

    opened = period.state is PeriodState.IN_PROGRESS
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a run stopped by kill still sets the state back
    if opened:
        with engine.begin() as c:
            c.execute(update(Period).where(Period.id == period.id).values(state=PeriodState.CALIBRATION))
        print(f"period {period.code} set to calibration for the run (set back to in_progress at the end)")
    try:
        print(f"\n{'page':<58} {'as':<8} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'CPU ms':>8} "
              f"{'SQL ms':>8} {'SQL':>5} {'KB':>6}  goal")
        results = []
        for line in lines(f):
            if args.only and args.only not in line.name:
                continue
            results.append(measure(client, line, headers[line.who], args, goal_ms, statements, sql_s, profiles))
    finally:
        if opened:
            with engine.begin() as c:
                c.execute(update(Period).where(Period.id == period.id).values(state=PeriodState.IN_PROGRESS))
    missed = [r for r in results if not r]
    print(f"\n{len(results) - len(missed)} of {len(results)} lines under the goal; load average at the end {load()}")


def measure(client: Any, line: Line, headers: dict[str, str], args: argparse.Namespace, goal_ms: float,
            statements: list[int], sql_s: list[float], profiles: list[cProfile.Profile]) -> bool:
    def get() -> Any:
        r = client.get(line.url, headers=headers)
        if r.status_code != 200:
            raise RuntimeError(f"answered {r.status_code}")
        return r

    try:
        for _ in range(2):
            r = get()
    except RuntimeError as exc:  # the line says so (a 500's traceback is on stderr) and the run goes on
        print(f"{line.name:<58} {line.who:<8} {line.url} {exc}  ERROR", flush=True)
        return False
    size = len(r.content) / 1024
    statements[0] = 0
    r = get()
    sql = statements[0]
    profile = cProfile.Profile() if args.profile and args.profile in line.name else None
    if profile is not None:
        profiles.append(profile)
    ms: list[float] = []
    in_sql: list[float] = []
    cpu: list[float] = []
    began = time.perf_counter()
    try:
        while len(ms) < args.requests and (time.perf_counter() - began) < args.seconds:
            sql_s[0] = 0.0
            t0, c0 = time.perf_counter(), time.process_time()
            get()
            ms.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            in_sql.append(sql_s[0] * 1000)
    finally:
        profiles.clear()
    p95 = percentile(ms, 0.95)
    ok = p95 < goal_ms
    print(f"{line.name:<58} {line.who:<8} {len(ms):>4} {percentile(ms, 0.5):>8.0f} {p95:>8.0f} {max(ms):>8.0f} "
          f"{percentile(cpu, 0.5):>8.0f} {percentile(in_sql, 0.5):>8.0f} {sql:>5} {size:>6.0f}  {verdict(ok)}", flush=True)
    if profile is not None:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(45)
        print(out.getvalue())
    return ok


def profile_endpoints(profiles: list[cProfile.Profile]) -> None:
    """Every sync endpoint runs under the profile in ``profiles`` while there is one (the endpoints run in the
    server's worker threads, which a profile of the client's thread does not see)."""
    from fastapi import routing

    run = routing._run_sync_endpoint

    def profiled(*a: Any, **kw: Any) -> Any:
        return profiles[0].runcall(run, *a, **kw) if profiles else run(*a, **kw)

    routing._run_sync_endpoint = profiled

if __name__ == "__main__":
    main()
