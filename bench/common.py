"""What the benchmarks share: the database a run works on (a fresh SQLite file, a fresh PostgreSQL database dropped
afterwards, or one given), percentiles, PASS/MISS and the process's peak memory. Imported as ``bench.common`` by
scripts that put the project root on ``sys.path`` first."""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ADMIN_URL = os.environ.get("HCM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@contextmanager
def run_database(tmp: Path, *, db_url: str | None, postgres: bool, prefix: str) -> Iterator[str]:
    """The URL the run works on, also as ``HCM_DATABASE_URL``: ``db_url`` as given, a fresh PostgreSQL database on
    ``PG_ADMIN_URL`` (dropped when the block ends), or a fresh SQLite file in ``tmp``."""
    admin = name = None
    try:
        if db_url:
            url = db_url
        elif postgres:
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            name = f"{prefix}_{uuid.uuid4().hex[:8]}"
            with admin.connect() as c:
                c.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{tmp / 'hcm.db'}"
        os.environ["HCM_DATABASE_URL"] = url
        print(f"database {make_url(url).render_as_string(hide_password=True)}")
        yield url
    finally:
        if admin is not None:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def load() -> str:
    """The machine's load average (1, 5, 15 minutes): how busy it was while a figure was taken."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


@contextmanager
def bench_run(args: Any, *, name: str, db_url: str | None = None) -> Iterator[tuple[str, Path]]:
    """A benchmark's whole run: a temporary directory, the database it works on (``run_database``: ``db_url``, a fresh
    PostgreSQL database with ``args.postgres``, else a SQLite file there), a first line saying what runs where, and
    at the end the directory removed (kept with ``args.keep``) and the run's time and load. Yields (url, directory)."""
    tmp = Path(tempfile.mkdtemp(prefix=f"hcm-bench-{name}-"))
    print(f"{args.employees:,} employees, seed {args.seed}, as of {args.as_of}; temporary directory {tmp}; "
          f"{os.cpu_count()} cores, load average {load()}")
    started = time.perf_counter()
    try:
        with run_database(tmp, db_url=db_url, postgres=args.postgres, prefix=f"hcm_bench_{name}") as url:
            yield url, tmp
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        print(f"whole run {time.perf_counter() - started:.0f} s; load average at the end {load()}")
