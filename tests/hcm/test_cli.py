"""The `hcm` command run as a user runs it: a real process, real files, its exit code and its output."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.hcm.cli_helpers import HCM, count, run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_help_lists_the_commands(tmp_path: Path) -> None:
    r = run(["--help"], tmp_path)
    assert r.returncode == 0
    for cmd in ("demo", "serve", "db", "seed", "import", "export", "user", "graph"):
        assert cmd in r.stdout


def test_upgrade_seed_export_import_round_trip(tmp_path: Path) -> None:
    r = run(["db", "upgrade"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "database at head" in r.stderr
    r = run(["seed", "--employees", "60", "--as-of", "2026-02-30"], tmp_path)
    assert r.returncode == 2 and "'--as-of'" in r.stderr and "2026-02-30" in r.stderr
    # the day the history ends is pinned: on 2026-12-01 this company once came out one person over
    r = run(["seed", "--employees", "60", "--seed", "7", "--as-of", "2026-12-01"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "seeded" in r.stderr and "writing rows" in r.stderr  # the progress bar's phases
    db = tmp_path / "cli.db"
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*) FROM employees WHERE status = 'active'").fetchone()[0] == 60
    r = run(["seed", "--employees", "60"], tmp_path)
    assert r.returncode == 2 and "already has" in r.stderr
    r = run(["export", "employees", "people.xlsx"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "people.xlsx").stat().st_size > 1000
    before = count(db, "employees")
    r = run(["import", "employees", "people.xlsx"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "0 new, 0 updated" in r.stderr.replace("\n", " ")
    assert count(db, "employees") == before


def test_a_bad_file_is_refused_with_every_row_named_and_nothing_written(tmp_path: Path) -> None:
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    (tmp_path / "depts.csv").write_text("code,name,parent_code\nA,Alpha,\nB,Beta,NOPE\nA,Again,\nC,,A\n")
    r = run(["import", "departments", "depts.csv"], tmp_path)
    assert r.returncode == 2
    out = r.stderr.replace("\n", " ")
    assert "row 3" in out and "parent_code" in out  # unknown parent
    assert "row 4" in out  # duplicate code
    assert "row 5" in out and "name" in out  # missing name
    assert count(tmp_path / "cli.db", "departments") == 0
    r = run(["import", "nonsense", "depts.csv"], tmp_path)
    assert r.returncode == 2 and "unknown kind" in r.stderr


def test_user_create_and_the_secret_rule(tmp_path: Path) -> None:
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    r = run(["user", "create", "dora", "--role", "hr_admin", "--password", "a-long-password"], tmp_path)
    assert r.returncode == 0, r.stderr
    r = run(["user", "create", "dora", "--role", "hr_admin", "--password", "a-long-password"], tmp_path)
    assert r.returncode == 2 and "taken" in r.stderr
    r = run(["user", "create", "emp", "--role", "employee", "--password", "a-long-password"], tmp_path)
    assert r.returncode == 2 and "linked to an employee" in r.stderr
    r = run(["serve"], tmp_path, HCM_DEMO="false", HCM_SECRET_KEY="change-me")
    assert r.returncode != 0 and "HCM_SECRET_KEY" in r.stderr


def test_user_password_and_deactivate_end_every_session_and_token(tmp_path: Path) -> None:
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    assert run(["user", "create", "dora", "--role", "hr_admin", "--password", "a-long-password"], tmp_path).returncode == 0
    db = tmp_path / "cli.db"

    def sessions() -> int:
        with sqlite3.connect(db) as c:
            c.execute("INSERT INTO user_sessions (token_hash, user_id, created_at, last_seen_at) "
                      "SELECT hex(randomblob(32)), id, datetime('now'), datetime('now') FROM users WHERE username='dora'")
        return count(db, "user_sessions")

    def user() -> tuple[int, int]:
        with sqlite3.connect(db) as c:
            return c.execute("SELECT is_active, token_version FROM users WHERE username='dora'").fetchone()  # type: ignore[no-any-return]

    assert sessions() == 1
    r = run(["user", "password", "dora", "--password", "another-long-password"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert count(db, "user_sessions") == 0 and user() == (1, 1)
    assert sessions() == 1
    r = run(["user", "deactivate", "dora"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert count(db, "user_sessions") == 0 and user() == (0, 2)
    assert run(["user", "activate", "dora"], tmp_path).returncode == 0 and user() == (1, 2)
    r = run(["user", "deactivate", "nobody"], tmp_path)
    assert r.returncode == 2 and "does not exist" in r.stderr
    r = run(["user", "password", "dora", "--password", "short"], tmp_path)
    assert r.returncode == 2 and "at least 8" in r.stderr


def test_serve_answers_on_its_port(tmp_path: Path) -> None:
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HCM_")}
    env.update({"HCM_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "HCM_SECRET_KEY": "x" * 32,
                "HCM_GRAPH__ENABLED": "false"})
    proc = subprocess.Popen([HCM, "serve", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, body = time.monotonic() + 60, ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as resp:
                    body = resp.read().decode()
                    break
            except OSError:
                time.sleep(0.3)
        assert "password" in body.lower()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.graph
@pytest.mark.slow
def test_demo_prepares_everything_and_prints_a_log_in_per_role(tmp_path: Path) -> None:
    port = free_port()
    r = run(["demo", "--employees", "80", "--no-serve", "--as-of", "2026-12-01"], tmp_path, timeout=300,
            HCM_GRAPH__ENABLED="true", HCM_GRAPH__URI=f"bolt://127.0.0.1:{port}",
            HCM_GRAPH__DATA_DIR=str(tmp_path / "graph"))
    assert r.returncode == 0, r.stderr[-3000:]
    out = r.stderr
    for user in ("hr", "exec", "manager", "employee"):
        assert f"  {user} " in out
    assert "talent graph up to date" in out
    with sqlite3.connect(tmp_path / "hcm.db" if (tmp_path / "hcm.db").exists() else tmp_path / "cli.db") as c:
        assert c.execute("SELECT count(*) FROM outbox WHERE processed_at IS NULL").fetchone()[0] == 0
    # a second run finds the company and does not seed again
    r = run(["demo", "--no-serve", "--no-graph"], tmp_path, timeout=120)
    assert r.returncode == 0 and "not seeding" in r.stderr
