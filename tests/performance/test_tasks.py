"""performance.recompute_period as a function, in-process against a migrated database of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hcm import db as hdb
from hcm import migrate, tasks
from hcm.settings import get_settings
from performance.models import PeriodState
from performance.tasks import recompute_period
from tests.performance import factories as perf


@pytest.fixture
def app_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    url = f"sqlite:///{tmp_path / 'recompute.db'}"
    migrate.upgrade(url)
    monkeypatch.setenv("HCM_DATABASE_URL", url)
    get_settings.cache_clear()
    hdb.configure(url)
    try:
        yield
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        hdb.configure(get_settings().database_url)


@pytest.mark.redis
def test_the_recompute_clears_its_queued_mark_as_it_starts(app_db: None, queued_marks: object) -> None:
    with hdb.unit_of_work() as s:
        pid = perf.period(s, state=PeriodState.PLANNING).id
    assert tasks.mark_queued(recompute_period.name, (pid,))  # as a committed check-in left it
    assert recompute_period.run(pid) == {"goals": 0}
    # the run has begun: a check-in committed now is not absorbed by it
    assert tasks.mark_queued(recompute_period.name, (pid,))
    tasks.clear_queued(recompute_period.name, (pid,))
