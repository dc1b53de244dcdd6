"""Seed benchmark: a fresh database, migrated, then ``hcm.seed.seed``; prints wall time, rows per table and peak
memory against the goal (under 120 s and under 2 GB for 100,000 employees on this kind of machine).

    python bench/seed.py --employees 100000              # a fresh SQLite file in a temporary directory
    python bench/seed.py --employees 100000 --postgres   # a fresh PostgreSQL database, dropped afterwards

Figures only; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

GOAL_SECONDS = 120.0
GOAL_MB = 2048.0
PG_ADMIN_URL = os.environ.get("HCM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def peak_mb() -> float:
    # ru_maxrss is in KiB on Linux, bytes on macOS
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def run(url: str, employees: int, seed: int, as_of: date) -> None:
    from hcm import migrate
    from hcm.seed import seed as do_seed

    t0 = time.perf_counter()
    migrate.upgrade(url)
    t_migrate = time.perf_counter() - t0
    phases: dict[str, float] = {}
    last = [time.perf_counter()]

    def progress(phase: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if phase not in phases:
            phases[phase] = now
            print(f"  {phase} ...", flush=True)
        last[0] = now

    mem_before = peak_mb()
    t1 = time.perf_counter()
    report = do_seed(url, employees=employees, seed=seed, as_of=as_of, progress=progress)
    seconds = time.perf_counter() - t1
    mb = peak_mb()

    print(f"\n{report.company}: {report.active_employees:,} active + {report.exited_employees:,} exited employees, "
          f"{report.positions:,} positions ({report.vacant_positions:,} vacant, {report.key_positions:,} key), "
          f"{report.departments:,} departments, {report.divisions} divisions")
    print(f"voluntary turnover per year: {', '.join(f'{t:.1%}' for t in report.voluntary_turnover)}")
    print("\nrows per table:")
    for table, n in sorted(report.rows.items(), key=lambda kv: -kv[1]):
        print(f"  {table:<22} {n:>12,}")
    print(f"  {'total':<22} {sum(report.rows.values()):>12,}")
    starts = [*sorted(phases.items(), key=lambda kv: kv[1]), ("end", t1 + seconds)]
    print("\nphases (wall time):")
    for (name, t), (_, t_next) in itertools.pairwise(starts):
        print(f"  {name:<26} {t_next - t:7.1f} s")
    print(f"\nmigrate {t_migrate:.1f} s (not counted)")
    ok_t, ok_m = seconds < GOAL_SECONDS, mb < GOAL_MB
    print(f"seed wall time  {seconds:8.1f} s    goal < {GOAL_SECONDS:.0f} s    {'PASS' if ok_t else 'MISS'}")
    print(f"peak memory     {mb:8.0f} MB   goal < {GOAL_MB:.0f} MB   {'PASS' if ok_m else 'MISS'}"
          f"   (process peak; {mem_before:.0f} MB before seeding)")
    print("log-ins:", ", ".join(f"{u.username} ({u.employee_name})" for u in report.users),
          f"password {report.password!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--employees", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--as-of", type=date.fromisoformat, default=date.today(), help="YYYY-MM-DD (default: today)")
    ap.add_argument("--postgres", action="store_true", help=f"a fresh database on {PG_ADMIN_URL} instead of SQLite")
    ap.add_argument("--keep", action="store_true", help="keep the database (print its URL) instead of removing it")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

    if not args.postgres:
        tmp = Path(tempfile.mkdtemp(prefix="hcm-bench-seed-"))
        db = tmp / "seed.db"
        url = f"sqlite:///{db}"
        print(f"SQLite {db}, {args.employees:,} employees, seed {args.seed}")
        try:
            run(url, args.employees, args.seed, args.as_of)
            print(f"database file {db.stat().st_size / 2**20:.0f} MB")
        finally:
            if args.keep:
                print(f"kept {url}")
            else:
                for p in tmp.iterdir():
                    p.unlink()
                tmp.rmdir()
        return

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"hcm_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    print(f"PostgreSQL database {name}, {args.employees:,} employees, seed {args.seed}")
    try:
        run(url, args.employees, args.seed, args.as_of)
    finally:
        if args.keep:
            print(f"kept {url}")
        else:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
