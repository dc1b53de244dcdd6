"""performance.recompute_period: as a function against a migrated database of its own, and as the tests see it
once a check-in commits (tests/background.py): sent once, run on the test's own data, and a failing run fails the
test that sent it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hcm import db as hdb
from hcm import migrate, tasks
from hcm.settings import get_settings
from performance.models import GoalLevel, GoalResult, PeriodState
from performance.tasks import recompute_period
from tests.background import TaskRecorder
from tests.factories import Org, bearer
from tests.performance import factories as perf

pytest_plugins = ("pytester",)


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


def test_a_check_in_over_http_sends_one_recompute_of_its_period_and_it_sees_the_check_in(  # type: ignore[no-untyped-def]
        client, db: Session, org: Org, sent_tasks: TaskRecorder) -> None:
    hr = org.principal("hr")
    p = perf.period(db, state=PeriodState.PLANNING)
    goal = perf.goal(db, hr, p, "C1", GoalLevel.COMPANY)
    ind = perf.indicator(db, hr, goal, "K1", kind="quantitative", klass="operational", threshold=80, target=100,
                         stretch=120, weight=100)
    perf.advance(db, p, PeriodState.IN_PROGRESS)
    assert sent_tasks.calls(recompute_period.name) == []
    r = client.post(f"/api/performance/indicators/{ind.id}/checkins", json={"as_of": "2026-06-30", "actual": 110},
                    headers=bearer(org.users["hr"]))
    assert r.status_code == 201, r.text
    assert sent_tasks.calls(recompute_period.name) == [(p.id,)]
    # Nobody asked for a recompute: the task's run wrote this, on the test's data (110: halfway to stretch 120).
    assert db.scalar(select(GoalResult.score).where(GoalResult.goal_id == goal.id)) == pytest.approx(125.0)


def test_a_task_that_raised_is_reported_with_its_name_arguments_and_traceback(  # type: ignore[no-untyped-def]
        db: Session, sent_tasks: TaskRecorder) -> None:
    db.execute(text("SELECT 1"))
    tasks.enqueue_once_after_commit(db, recompute_period, 999_999)
    db.commit()  # the app only logs what a task sent after commit raised: the commit stands
    [failed] = sent_tasks.failures
    assert (failed.name, failed.args) == ("performance.recompute_period", (999_999,))
    assert failed.error is not None and "Traceback" in failed.error and "NotFound" in failed.error, failed.error
    with pytest.raises(pytest.fail.Exception, match=r"performance\.recompute_period\(999999,\)"):
        sent_tasks.check()
    assert sent_tasks.forget_failures() == [failed]  # raised on purpose: this test itself passes


def test_a_test_whose_task_raised_fails(pytester: pytest.Pytester) -> None:
    """End to end, through the hook that checks the recorder: the failure is the test's own, not a teardown error."""
    pytester.makeconftest('pytest_plugins = ("tests.background",)')
    pytester.makepyfile(test_inner="""
        from sqlalchemy import create_engine, text
        from sqlalchemy.orm import Session

        from hcm import tasks
        from performance.tasks import recompute_period

        def test_commits_a_recompute_of_a_period_nobody_has(tmp_path):
            with Session(create_engine(f"sqlite:///{tmp_path / 'any.db'}")) as s:
                s.execute(text("SELECT 1"))
                tasks.enqueue_once_after_commit(s, recompute_period, 999999)
                s.commit()
    """)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*1 background task(s) sent after commit raised:*",
                                 "*performance.recompute_period(999999,)*", "*Traceback*"])
