"""The calibration session page on SQLite and PostgreSQL: only HR calibrates, the table with score, manager's
rating and final rating, filters (department subtree, grade level, manager), sorting, one-step changes with a
required reason, the log (who, when, before, after), a read-only table outside calibration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from performance.models import PeriodState, RatingEvent
from performance.service import periods
from tests import factories
from tests.factories import count
from tests.performance import factories as perf
from tests.web.helpers import attrs


@pytest.fixture
def plan(db, org) -> Iterator[perf.Plan]:  # type: ignore[no-untyped-def]
    p = perf.build_plan(db, org)
    with factories.today_pinned(p.today):
        yield p


def _url(plan: perf.Plan, q: str = "") -> str:
    return f"/performance/periods/{plan.period.id}/calibration{q}"


@pytest.mark.parametrize("username", ["exec", "manager", "employee"])
def test_only_hr_calibrates(client, plan, as_role, username) -> None:  # type: ignore[no-untyped-def]
    h = as_role(username)
    assert client.get(_url(plan), headers=h).status_code == 403
    r = client.post(_url(plan), data={"employee_id": "1", "value": "3", "reason": "x"}, headers=h)
    assert r.status_code == 403


def test_the_table_filters_and_sorts(client, plan, as_role, org) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    page = client.get(_url(plan), headers=hr)
    assert page.status_code == 200 and "data-calibration-closed" in page.text  # in progress: read-only
    P = org.people
    assert set(attrs(page.text, "data-person")) == {str(P[n].id) for n in ("ceo", "boss", "alice", "bob", "dana", "carol")}
    ops = client.get(_url(plan, f"?department={org.ops.id}"), headers=hr)
    assert set(attrs(ops.text, "data-person")) == {str(P[n].id) for n in ("boss", "alice", "bob", "dana")}
    team = client.get(_url(plan, f"?manager={P['boss'].id}"), headers=hr)
    assert set(attrs(team.text, "data-person")) == {str(P[n].id) for n in ("alice", "bob")}
    graded = client.get(_url(plan, "?level=5"), headers=hr)
    assert set(attrs(graded.text, "data-person")) == {str(P[n].id) for n in ("ceo", "boss")}
    down = client.get(_url(plan, "?sort=-final"), headers=hr)
    assert attrs(down.text, "data-final")[:4] == ["5", "4", "3", "2"]
    assert client.get(_url(plan, "?sort=bogus"), headers=hr).status_code == 422
    assert client.get(_url(plan, "?department=999999"), headers=hr).status_code == 404


def test_one_step_change_and_the_log(client, plan, as_role, db, org) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    for state in (PeriodState.REVIEW, PeriodState.CALIBRATION):
        periods.advance(db, period_id=plan.period.id, to=state)
    bob = org.people["bob"].id
    before = count(db, RatingEvent)
    r = client.post(_url(plan), data={"employee_id": str(bob), "value": "4", "reason": " "}, headers=hr)
    assert r.status_code == 422 and 'data-error-field="reason"' in r.text and count(db, RatingEvent) == before
    r = client.post(_url(plan), data={"employee_id": str(bob), "value": "", "reason": "x"}, headers=hr)
    assert r.status_code == 422 and 'data-error-field="value"' in r.text
    r = client.post(_url(plan, "?sort=-final"), data={"employee_id": str(bob), "value": "4", "reason": "Led it"},
                    headers=hr, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/calibration?sort=-final")
    page = client.get(r.headers["location"], headers=hr)
    assert attrs(page.text, "data-before") == ["3"] and attrs(page.text, "data-after") == ["4"]
    assert "Led it" in page.text and "data-by" in page.text
    periods.advance(db, period_id=plan.period.id, to=PeriodState.CLOSED)
    r = client.post(_url(plan), data={"employee_id": str(bob), "value": "5", "reason": "again"}, headers=hr)
    assert r.status_code == 409
