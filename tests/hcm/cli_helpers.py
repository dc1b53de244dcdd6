"""Running ``hcm`` as a user runs it, for the CLI tests: a real process in a folder of its own, on a SQLite file."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

HCM = shutil.which("hcm") or "hcm"


def run(args: list[str], tmp: Path, timeout: int = 240, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("HCM_")}
    base.update({"HCM_DATABASE_URL": f"sqlite:///{tmp / 'cli.db'}", "HCM_DEMO": "true",
                 "HCM_SECRET_KEY": "cli-test-secret-0123456789", "HCM_GRAPH__ENABLED": "false",
                 "COLUMNS": "120"})
    base.update(env)
    return subprocess.run([HCM, *args], cwd=tmp, env=base, capture_output=True, text=True, timeout=timeout,
                          check=False)


def count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as c:
        return int(c.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def migrated_dir(tmp: Path) -> Path:
    """A folder whose SQLite file has the current schema (``hcm db upgrade`` run there)."""
    r = run(["db", "upgrade"], tmp)
    assert r.returncode == 0, r.stderr
    return tmp
