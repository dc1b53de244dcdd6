"""``hcm graph rebuild`` and ``hcm graph check`` run as a user runs them: a real process on a seeded SQLite file,
with the bundled graph server it starts itself."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from graph.server import GraphServer, free_port
from tests.hcm.cli_helpers import migrated_dir, run
from tests.services import missing

pytestmark = pytest.mark.graph


def test_rebuild_then_check_then_drift_found(tmp_path: Path) -> None:
    if not GraphServer.available():
        missing("graph", "the package arcadedb-embedded is not installed")
    folder = migrated_dir(tmp_path)
    seeded = run(["seed", "--employees", "40", "--as-of", "2026-11-30"], folder)
    assert seeded.returncode == 0, seeded.stderr
    env = {"HCM_GRAPH__ENABLED": "true", "HCM_GRAPH__URI": f"bolt://127.0.0.1:{free_port()}",
           "HCM_GRAPH__DATA_DIR": str(folder / "graph")}

    rebuilt = run(["graph", "rebuild", "--batch", "500"], folder, **env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "graph rebuilt" in rebuilt.stderr and "rows/s" in rebuilt.stderr and "HAS_SKILL" in rebuilt.stderr
    with sqlite3.connect(folder / "cli.db") as c:
        assert c.execute("SELECT count(*) FROM outbox WHERE processed_at IS NULL").fetchone()[0] == 0

    checked = run(["graph", "check"], folder, **env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "the graph equals the database" in checked.stderr and "CAREER_STEP" in checked.stdout

    with sqlite3.connect(folder / "cli.db") as c:  # a change the graph never hears of
        c.execute("UPDATE skills SET name = 'Renamed behind its back' WHERE id = 1")
    drift = run(["graph", "check"], folder, **env)
    assert drift.returncode == 1
    assert "Skill: database" in drift.stdout and "Renamed behind its back" in drift.stdout
