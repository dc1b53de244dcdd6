"""A module plugs into the platform with one registration and no change to ``hcm/``: a sample module, written
into a folder with its entry point and put on sys.path for the test, shows up in the app (its API route and its
page), in one role's navigation only, in the worker's tasks and in ``hcm demo``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hcm import modules
from hcm.auth.models import Role
from tests import factories
from tests.hcm.plugin import files


@pytest.fixture
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = files.write(tmp_path / "site")
    monkeypatch.syspath_prepend(str(root))
    modules.refresh()
    try:
        yield root
    finally:
        monkeypatch.undo()
        for name in [n for n in sys.modules if n == files.PACKAGE or n.startswith(files.PACKAGE + ".")]:
            del sys.modules[name]
        modules.refresh()


def test_the_registration_is_found_by_its_entry_point(sample: Path) -> None:
    names = [m.name for m in modules.installed()]
    assert names[0] == "hcm" and {"sample", "performance", "graph"} <= set(names)


def test_its_route_and_page_are_in_the_app_and_its_nav_entry_only_for_its_role(sample: Path, db: Session) -> None:
    from hcm.app import create_app
    from hcm.deps import get_db

    org = factories.small_org(db)
    app = create_app()

    def _test_db() -> Iterator[Session]:
        yield db
        db.commit()

    app.dependency_overrides[get_db] = _test_db
    with TestClient(app) as client:
        manager = factories.bearer(org.users["manager"])
        r = client.get("/api/sample/ping", headers=manager)
        assert r.status_code == 200 and r.json() == {"pong": "manager"}
        assert client.get("/api/sample/ping").status_code == 401  # its routes go through the core's policy
        page = client.get("/sample", headers=manager)
        assert page.status_code == 200
        assert "Hello manager from the sample module" in page.text  # its template, in the shell's base.html
        assert 'data-nav="sample" class="active"' in page.text  # its nav entry, current on its own page
        for role in ("hr", "exec", "employee"):
            other = client.get("/", headers=factories.bearer(org.users[role]))
            assert other.status_code == 200 and 'data-nav="sample"' not in other.text, role
        assert 'data-nav="sample"' in client.get("/", headers=manager).text
    assert [e.key for e in modules.nav_entries(Role.MANAGER.value)][-2:] == ["sample", "performance"]


def test_its_task_is_in_the_worker_and_can_be_sent_by_name(sample: Path) -> None:
    from hcm import tasks

    worker = tasks.make_celery()
    assert "hcm_sample.tasks" in worker.conf.imports  # what `celery -A hcm.tasks worker` loads
    assert tasks.registered_task("sample.echo").delay("hi").get(timeout=5) == "hi"


def test_hcm_demo_runs_its_demo_step_after_the_others(sample: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HCM_")}
    env.update({"HCM_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}", "HCM_GRAPH__ENABLED": "false",
                "PYTHONPATH": os.pathsep.join([str(sample), env.get("PYTHONPATH", "")]), "COLUMNS": "200"})
    as_of = date(2026, 12, 1).isoformat()
    hcm = shutil.which("hcm") or "hcm"
    r = subprocess.run([hcm, "demo", "--no-serve", "--no-graph", "--employees", "40", "--as-of", as_of],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert r.returncode == 0, r.stderr
    out = r.stderr
    assert "sample step saw" in out and f"as of {as_of}" in out  # its step ran, on the run's as-of date
    assert out.index("seeded org") < out.index("seeded performance") < out.index("seeded sample")
