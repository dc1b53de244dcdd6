"""Department results through the real app (SQLite and PostgreSQL): the hierarchy with each department's own
score and its roll-up, the trend against the previous period of the same kind, sorting that keeps the
hierarchy, the chart's line at 100, a department's page, and who may see what (out of scope: the 404 of
nothing).

Hand-checked on the small plan (tests/performance/factories.build_plan; department mix 80 % operational, no
collaboration ratings): Operations' only department indicator OPS1 is 95 on threshold 80 / target 100 -> 87.5;
Sales' SAL1 is 105 on target 100 (no stretch) -> 112.5. Neither has a management indicator, so each score is
its operational part. The company root has no department goal: no own score; its roll-up is the plain
average of the scored departments below it, (87.5 + 112.5) / 2 = 100.0.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from performance.models import PeriodKind
from performance.service import department_results, rollup
from tests import factories
from tests.performance import factories as perf
from tests.web.helpers import attrs


@pytest.fixture
def plan(db, org):  # type: ignore[no-untyped-def]
    p = perf.build_plan(db, org)
    with factories.today_pinned(p.today):
        yield p


def _url(plan: perf.Plan, rest: str = "results") -> str:
    return f"/performance/periods/{plan.period.id}/{rest}"


def _row(html: str, dept_id: int, col: str) -> str:
    """The data-score / data-trend / data-people value in one department's row of the results tree."""
    start = html.index(f'data-department="{dept_id}"')
    cell = html.index(f'data-col="{col}"', start)
    return html[cell:html.index("</span>", cell) + 7]


def test_the_rollup_and_own_scores(web_db_plan) -> None:  # type: ignore[no-untyped-def]
    client, db, org, plan, as_role = web_db_plan
    view = department_results.results_tree(db, principal=org.principal("hr"), period_id=plan.period.id)
    by = {n.name: n for n in view.rows}
    assert (by["Operations"].score, by["Operations"].operational, by["Operations"].management) == (87.5, 87.5, None)
    assert (by["Sales"].score, by["Sales"].rollup) == (112.5, 112.5)
    assert by["Company"].score is None and by["Company"].rollup == 100.0 and by["Company"].rolled_from == 2
    assert (by["Company"].people, by["Operations"].people, by["Sales"].people) == (6, 4, 1)
    page = client.get(_url(plan), headers=as_role("hr"))
    assert page.status_code == 200
    assert 'data-score="87.5"' in _row(page.text, org.ops.id, "score")
    assert "100.0" in _row(page.text, org.root.id, "rollup")
    assert "plain average" in page.text  # the rule is stated on the page
    assert 'data-previous-period=""' in page.text and "no previous period" in page.text
    # the chart: one bar per division (the root's children) and the line at 100
    assert sorted(attrs(page.text, "data-bar")) == ["Operations", "Sales"]
    assert attrs(page.text, "data-target-line") == ["100"]
    assert "100 = on target" in page.text


def test_the_trend_against_the_previous_period_of_the_same_kind(web_db_plan) -> None:  # type: ignore[no-untyped-def]
    client, db, org, plan, as_role = web_db_plan
    hr = org.principal("hr")
    # a quarter before it is another kind: not compared
    perf.period(db, code="Q4-25", kind=PeriodKind.QUARTER, start=date(2025, 10, 1))
    before = perf.build_plan(db, org, start=date(2025, 2, 2), code="FY-P")
    # last year Operations was at its threshold: OPS1 80 -> 50 (Sales the same 112.5)
    perf.check_in(db, hr, before.indicators["OPS1"], before.start + timedelta(days=160), actual=80)
    rollup.recompute(db, period_id=before.period.id, today=before.today)
    view = department_results.results_tree(db, principal=hr, period_id=plan.period.id)
    assert view.previous_period is not None and view.previous_period.code == "FY-P"
    by = {n.name: n for n in view.rows}
    assert (by["Operations"].previous, by["Operations"].trend) == (50.0, 37.5)
    assert (by["Sales"].previous, by["Sales"].trend) == (112.5, 0.0)
    # the company's roll-up last year: (50 + 112.5) / 2 = 81.25, shown 81.2; now 100.0
    assert (by["Company"].previous, by["Company"].trend) == (81.2, 18.8)
    page = client.get(_url(plan), headers=as_role("hr"))
    assert 'data-trend="37.5"' in _row(page.text, org.ops.id, "trend") and "▲" in _row(page.text, org.ops.id, "trend")
    assert 'data-trend="0.0"' in _row(page.text, org.sales.id, "trend")
    assert 'data-previous-period="FY-P"' in page.text
    # the earliest period has none before it
    first = client.get(f"/performance/periods/{before.period.id}/results", headers=as_role("hr"))
    assert "no previous period" in first.text


def test_sorting_keeps_the_hierarchy(web_db_plan) -> None:  # type: ignore[no-untyped-def]
    client, db, org, plan, as_role = web_db_plan
    factories.department(db, code="SAL-E", name="Enterprise", parent=org.sales)  # no score: sorts last
    h = as_role("hr")
    best = client.get(_url(plan) + "?sort=-score", headers=h)
    assert attrs(best.text, "data-name") == ["Company", "Sales", "Enterprise", "Operations"]
    assert 'aria-sort="descending"' in best.text
    worst = client.get(_url(plan) + "?sort=score", headers=h)
    assert attrs(worst.text, "data-name") == ["Company", "Operations", "Sales", "Enterprise"]
    by_name = client.get(_url(plan), headers=h)
    assert attrs(by_name.text, "data-name") == ["Company", "Operations", "Sales", "Enterprise"]
    people = client.get(_url(plan) + "?sort=-people", headers=h)
    assert attrs(people.text, "data-name") == ["Company", "Operations", "Sales", "Enterprise"]
    bad = client.get(_url(plan) + "?sort=salary", headers=h)
    assert bad.status_code == 422 and "sort" in bad.text


def test_scope_per_role(web_db_plan) -> None:  # type: ignore[no-untyped-def]
    client, _db, org, plan, as_role = web_db_plan
    ops, sales, root = org.ops.id, org.sales.id, org.root.id
    for who in ("hr", "exec"):
        page = client.get(_url(plan), headers=as_role(who))
        assert page.status_code == 200 and set(attrs(page.text, "data-department")) == {str(root), str(ops), str(sales)}
        assert "results" in attrs(page.text, "data-tab")
    # the manager (Head of Operations): the department of their post and below it
    mgr = client.get(_url(plan), headers=as_role("manager"))
    assert mgr.status_code == 200 and attrs(mgr.text, "data-department") == [str(ops)]
    for dept in (sales, root, 999999):
        assert client.get(_url(plan, f"departments/{dept}"), headers=as_role("manager")).status_code == 404
    # the employee: no results page, and every department is the 404 of one that does not exist
    emp = client.get(_url(plan), headers=as_role("employee"))
    assert emp.status_code == 403
    assert "results" not in attrs(client.get("/performance", headers=as_role("employee")).text, "data-tab")
    for dept in (ops, 999999):
        r = client.get(_url(plan, f"departments/{dept}"), headers=as_role("employee"))
        assert r.status_code == 404 and "Alice" not in r.text
    assert client.get(f"/performance/periods/999999/departments/{ops}", headers=as_role("hr")).status_code == 404


def test_a_department_page(web_db_plan) -> None:  # type: ignore[no-untyped-def]
    client, _db, org, plan, as_role = web_db_plan
    E, ops = org.people, org.ops.id
    page = client.get(_url(plan, f"departments/{ops}"), headers=as_role("hr"))
    assert page.status_code == 200
    assert 'data-stat="operational"><span class="stat-value">87.5' in page.text
    assert 'data-stat="management"><span class="stat-value">—' in page.text
    assert attrs(page.text, "data-goal") == ["D-OPS"] and "Run operations reliably" in page.text
    assert "Progress (share of the way to target)" in page.text and "Score (100 = on target)" in page.text
    assert set(attrs(page.text, "data-person")) == {str(E[p].id) for p in ("boss", "alice", "bob", "dana")}
    assert attrs(page.text, "data-rating") == ["4", "", "2", "3"]  # Analyst, Boss, Clerk, Lead: final ratings
    assert 'data-score="125.0"' in page.text  # Alice's own score
    assert f'data-parent="{org.root.id}"' in page.text
    root = client.get(_url(plan, f"departments/{org.root.id}"), headers=as_role("hr"))
    assert set(attrs(root.text, "data-department")) == {str(ops), str(org.sales.id)}  # its sub-departments
    # the manager sees their line with its final ratings; the department's parent is outside their scope
    mgr = client.get(_url(plan, f"departments/{ops}"), headers=as_role("manager"))
    assert len(attrs(mgr.text, "data-person")) == 4 and "data-parent=" not in mgr.text
    # an executive sees key-post holders only (the Head of Operations), and their final rating only
    ex = client.get(_url(plan, f"departments/{ops}"), headers=as_role("exec"))
    assert attrs(ex.text, "data-person") == [str(E["boss"].id)] and 'data-hidden-people="3"' in ex.text
    assert "Alice" not in ex.text


def test_the_overview_summarises_the_top_level(web_db_plan) -> None:  # type: ignore[no-untyped-def]
    client, _db, org, plan, as_role = web_db_plan
    page = client.get("/performance", headers=as_role("hr"))
    assert set(attrs(page.text, "data-department")) == {str(org.ops.id), str(org.sales.id)}
    assert f'href="/performance/periods/{plan.period.id}/results" data-results-link' in page.text


@pytest.fixture
def web_db_plan(client, db, org, plan, as_role):  # type: ignore[no-untyped-def]
    return client, db, org, plan, as_role
