"""The performance pages through the real app on SQLite and PostgreSQL: who may open which page, what
each role sees (never another person's goals or ratings, never a peer rating one by one), the forms
(check-in, calibration, recognition) with their field-named errors that write nothing, and service
errors rendered as pages, never a 500."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from performance.models import CheckIn, PeriodState, PointsEntry, RatingEvent, RatingKind, RatingSource
from performance.policy import PerfPermission
from performance.schemas import RatingIn
from performance.service import periods, ratings
from tests import factories
from tests.factories import count
from tests.performance import factories as perf
from tests.web.helpers import attrs

ROLES = ("hr", "exec", "manager", "employee")


@pytest.fixture
def web(client):  # type: ignore[no-untyped-def]
    """The web client (the performance pages are mounted by the app factory)."""
    return client


@pytest.fixture
def plan(db, org) -> Iterator[perf.Plan]:  # type: ignore[no-untyped-def]
    """The plan, with the pages' today pinned to the plan's (check-ins due, at-risk, the check-in form's date)."""
    p = perf.build_plan(db, org)
    with factories.today_pinned(p.today):
        yield p


@pytest.fixture
def as_user(as_role, plan):  # type: ignore[no-untyped-def]
    """Bearer headers per user name (the plan adds logins for bob and dana)."""
    return as_role


def test_every_page_route_declares_exactly_one_policy() -> None:
    from performance.pages import router

    seen = 0
    for route in router.routes:
        deps = route.dependant.dependencies  # type: ignore[attr-defined]
        policies = [d.call.__policy__ for d in deps if hasattr(d.call, "__policy__")]
        assert len(policies) == 1, (route.path, policies)
        seen += 1
    assert seen >= 36  # the loop walked every page route (36 with the period set-up's 16)


@pytest.mark.parametrize("username", ROLES)
def test_each_page_opens_for_the_right_roles_only(web, plan, as_user, username) -> None:  # type: ignore[no-untyped-def]
    h = as_user(username)
    pid = plan.period.id
    expected = {
        "/performance": 200,
        f"/performance/periods/{pid}/cascade": 200,
        f"/performance/goals/{plan.goals['C1'].id}": 200,
        f"/performance/periods/{pid}/points": 200,
        f"/performance/periods/{pid}/ninebox": 403 if username == "employee" else 200,
        f"/performance/periods/{pid}/calibration": 200 if username == "hr" else 403,
    }
    for path, status in expected.items():
        r = web.get(path, headers=h)
        assert r.status_code == status, (username, path, r.text[:300])
        assert "text/html" in r.headers["content-type"]
        assert attrs(r.text, "data-nav").count("performance") == 1  # the shell's navigation is there
    home = web.get("/performance", headers=h)
    tabs = set(attrs(home.text, "data-tab"))
    assert ("calibration" in tabs) == (username == "hr") and ("ninebox" in tabs) == (username != "employee")
    assert 'class="active" aria-current="page">Performance<' in home.text
    # writes: calibration is HR's; the other forms take any logged-in role and the services decide row by row
    r = web.post(f"/performance/periods/{pid}/calibration", data={"employee_id": "1", "value": "3", "reason": "x"},
                 headers=h, follow_redirects=False)
    assert r.status_code in ((303, 409) if username == "hr" else (403,))


def test_anonymous_is_sent_to_log_in(web, plan) -> None:  # type: ignore[no-untyped-def]
    r = web.get(f"/performance/periods/{plan.period.id}/cascade", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/performance")


def test_hr_and_exec_see_company_and_department_scores(web, plan, as_user) -> None:  # type: ignore[no-untyped-def]
    for username in ("hr", "exec"):
        page = web.get("/performance", headers=as_user(username))
        assert 'data-stat="company-score"' in page.text
        assert set(attrs(page.text, "data-department")) == {str(plan.goals["D-OPS"].department_id),
                                                            str(plan.goals["D-SAL"].department_id)}
        assert "data-results-link" in page.text  # the chart is on the results page (test_results_pages.py)
        assert "data-my-performance" not in page.text and "data-team-view" not in page.text


def test_the_manager_sees_the_team_view(web, plan, as_user, org) -> None:  # type: ignore[no-untyped-def]
    page = web.get("/performance", headers=as_user("manager"))
    assert page.status_code == 200
    P = org.people
    assert set(attrs(page.text, "data-member")) == {str(P[n].id) for n in ("alice", "bob", "dana")}
    assert re.search(r'data-stat="checkins-due"><span class="stat-value">2<', page.text)
    assert re.search(r'data-stat="goals-at-risk"><span class="stat-value">1<', page.text)
    assert set(attrs(page.text, "data-due")) == {str(plan.indicators[c].id) for c in ("A2", "B1")}
    buckets = dict(zip(attrs(page.text, "data-rating-bucket"), attrs(page.text, "data-count"), strict=True))
    assert buckets == {"1": "0", "2": "1", "3": "1", "4": "1", "5": "0", "unrated": "0"}
    assert sorted(attrs(page.text, "data-points")) == ["0", "100", "110"]
    assert "Carol" not in page.text  # outside the reporting line


def test_hr_opens_any_managers_team_and_bad_choices_are_messages(web, plan, as_user, org) -> None:  # type: ignore[no-untyped-def]
    hr = as_user("hr")
    page = web.get(f"/performance?period={plan.period.id}&manager={org.people['boss'].id}", headers=hr)
    assert set(attrs(page.text, "data-member")) == {str(org.people[n].id) for n in ("alice", "bob", "dana")}
    page = web.get(f"/performance?manager={org.people['alice'].id}", headers=hr)
    assert page.status_code == 200 and "Nobody reports to this post" in page.text
    page = web.get("/performance?manager=999999", headers=hr)
    assert page.status_code == 404 and 'data-error="team"' in page.text and "manager 999999 is outside" in page.text
    assert web.get("/performance?period=999999", headers=hr).status_code == 404
    r = web.get("/performance?manager=abc", headers=hr)
    assert r.status_code == 422 and "manager" in r.text


def test_the_employee_sees_only_their_own_goals_and_ratings(web, plan, as_user, org, db) -> None:  # type: ignore[no-untyped-def]
    h = as_user("employee")
    page = web.get("/performance", headers=h)
    assert set(attrs(page.text, "data-goal")) == {"P-ALICE"}
    assert "data-team-view" not in page.text and "company-score" not in page.text
    assert re.search(r'data-stat="my-points"><span class="stat-value">110<', page.text)
    assert re.search(r'data-final="performance">4 ', page.text)
    for other in ("Bob", "Dana", "Carol"):
        assert other not in page.text
    # two peer ratings: hidden, and never one by one
    assert 'data-aggregate="peer-performance"' in page.text and "hidden (n &lt; 3)" in page.text
    tree = web.get(f"/performance/periods/{plan.period.id}/cascade", headers=h)
    assert set(attrs(tree.text, "data-goal")) == {"C1", "D-OPS", "D-SAL", "P-ALICE"}
    for code in ("P-BOB", "P-DANA", "P-CAROL"):
        r = web.get(f"/performance/goals/{plan.goals[code].id}", headers=h)
        assert r.status_code == 404 and plan.goals[code].title not in r.text
    ledger = web.get(f"/performance/periods/{plan.period.id}/points?employee={org.people['dana'].id}", headers=h)
    assert 'data-error="ledger"' in ledger.text and "Audit passed" not in ledger.text
    # a third peer: now shown, as a count and a mean only
    ratings.submit_rating(db, principal=org.principal("manager"), period_id=plan.period.id, data=RatingIn(
        employee_id=org.people["alice"].id, kind=RatingKind.PERFORMANCE, source=RatingSource.PEER, value=5))
    page = web.get("/performance", headers=h)
    shown = re.sub(r"<[^>]+>", " ", page.text)  # what a person reads (forms carry type="hidden" CSRF fields)
    assert "3 raters, mean 4 of 5" in shown and "hidden" not in shown


def test_the_cascade_tree_shows_weights_scores_and_risk(web, plan, as_user) -> None:  # type: ignore[no-untyped-def]
    # The page opens at the top (HR of the small org has no goals of its own); the rest comes a goal at a time
    # (the children fragment) or with the page opened on a goal. Together they show every goal, as before.
    pid, hr = plan.period.id, as_user("hr")
    base = f"/performance/periods/{pid}/cascade"
    top = web.get(base, headers=hr)
    assert set(attrs(top.text, "data-goal")) == {"C1"} and attrs(top.text, "data-children") == ["2"]
    seen = ""
    for code in ("C1", "D-OPS", "D-SAL"):
        rows = web.get(f"{base}/{plan.goals[code].id}/children", headers=hr)
        assert rows.status_code == 200
        seen += rows.text
    assert set(attrs(seen, "data-goal")) == set(plan.goals) - {"C1"}
    assert sorted(attrs(seen, "data-weight")) == sorted(["60", "40", "50", "30", "20", "100"])
    assert {"125.0", "25.0", "75.0"} <= set(attrs(seen, "data-score"))
    assert len(attrs(seen, "data-at-risk")) >= 1
    for code, g in plan.goals.items():
        assert f'href="/performance/goals/{g.id}"' in (top.text if code == "C1" else seen)
    opened = web.get(f"{base}?goal={plan.goals['D-OPS'].id}", headers=hr)
    assert set(attrs(opened.text, "data-goal")) == {"C1", "D-OPS", "D-SAL", "P-ALICE", "P-BOB", "P-DANA"}
    ex = as_user("exec")
    board = web.get(base, headers=ex).text + web.get(f"{base}/{plan.goals['C1'].id}/children", headers=ex).text
    board += web.get(f"{base}/{plan.goals['D-OPS'].id}/children", headers=ex).text
    assert set(attrs(board, "data-goal")) == {"C1", "D-OPS", "D-SAL"}  # post goals of key posts only: none here
    assert web.get(f"/performance/goals/{plan.goals['P-ALICE'].id}", headers=ex).status_code == 404
    assert web.get(f"{base}?goal={plan.goals['P-ALICE'].id}", headers=ex).status_code == 404
    assert web.get(f"{base}/{plan.goals['P-ALICE'].id}/children", headers=ex).status_code == 404


def test_goal_page_and_who_gets_the_check_in_form(web, plan, as_user) -> None:  # type: ignore[no-untyped-def]
    gid = plan.goals["P-ALICE"].id
    mine = web.get(f"/performance/goals/{gid}", headers=as_user("employee"))
    assert set(attrs(mine.text, "data-indicator")) == {"A1", "A2"}
    assert set(attrs(mine.text, "data-checkin-form")) == {"A1"}  # A2 is a rubric level of her: her manager's
    boss = web.get(f"/performance/goals/{gid}", headers=as_user("manager"))
    assert set(attrs(boss.text, "data-checkin-form")) == {"A1", "A2"}
    assert set(attrs(mine.text, "data-kind")) == {"quantitative", "rubric"}
    assert set(attrs(mine.text, "data-class")) == {"operational", "management"}
    assert 'data-bound="stretch"' in mine.text and "125.0" in mine.text
    dept = web.get(f"/performance/goals/{plan.goals['D-OPS'].id}", headers=as_user("employee"))
    assert dept.status_code == 200 and attrs(dept.text, "data-checkin-form") == []  # not hers to report
    assert attrs(web.get(f"/performance/goals/{plan.goals['D-OPS'].id}", headers=as_user("hr")).text,
                 "data-checkin-form") == ["OPS1"]
    assert web.get("/performance/goals/999999", headers=as_user("hr")).status_code == 404


def test_check_in_through_the_form(web, plan, as_user, db) -> None:  # type: ignore[no-untyped-def]
    h = as_user("manager")
    a2 = plan.indicators["A2"]
    url = f"/performance/indicators/{a2.id}/checkins"
    before = count(db, CheckIn)
    day = plan.today.isoformat()
    # alice's rubric level judges alice: not hers to record, however she posts it
    r = web.post(url, data={"as_of": day, "rubric_level": "5"}, headers=as_user("employee"), follow_redirects=False)
    assert r.status_code == 403 and "nobody judges themselves" in r.text and count(db, CheckIn) == before
    r = web.post(url, data={"as_of": day, "rubric_level": "4", "comment": "Great survey"}, headers=h,
                 follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/performance/goals/{a2.goal_id}#ind-{a2.id}"
    assert count(db, CheckIn) == before + 1
    page = web.get(r.headers["location"], headers=h)
    assert "Check-in saved for A2" in page.text and "score now 125.0" in page.text and "data-flash" in page.text
    assert "Great survey" in page.text
    assert "data-flash" not in web.get(r.headers["location"], headers=h).text  # shown once


@pytest.mark.parametrize(("form", "field", "words"), [
    ({"actual": "abc"}, "actual", "is not a number"),
    ({"actual": ""}, "actual", "give an actual value"),
    ({"actual": "90", "as_of": "2001-01-01"}, "as_of", "outside the period"),
    ({"actual": "90", "as_of": "yesterday"}, "as_of", "is not a date"),
    ({"actual": "nan"}, "actual", "not a finite number"),
])
def test_a_bad_check_in_names_the_field_and_writes_nothing(web, plan, as_user, db, form, field, words) -> None:  # type: ignore[no-untyped-def]
    a1 = plan.indicators["A1"]
    before = count(db, CheckIn)
    data = {"as_of": plan.today.isoformat(), **form}
    r = web.post(f"/performance/indicators/{a1.id}/checkins", data=data, headers=as_user("employee"))
    assert r.status_code == 422, r.text[:400]
    assert f'data-error-field="{field}"' in r.text and f'data-field-error="{field}"' in r.text and words in r.text
    assert 'aria-invalid="true"' in r.text and set(attrs(r.text, "data-indicator")) == {"A1", "A2"}  # the page itself
    assert count(db, CheckIn) == before


def test_check_ins_outside_ones_reach_are_refused(web, plan, as_user, db) -> None:  # type: ignore[no-untyped-def]
    before = count(db, CheckIn)
    day = plan.today.isoformat()
    # someone else's post: the goal is not even visible to her
    r = web.post(f"/performance/indicators/{plan.indicators['B1'].id}/checkins",
                 data={"as_of": day, "milestones_done": "2"}, headers=as_user("employee"))
    assert r.status_code == 404
    # a department indicator she may see but not report on: the page with the rule
    r = web.post(f"/performance/indicators/{plan.indicators['OPS1'].id}/checkins", data={"as_of": day, "actual": "99"},
                 headers=as_user("employee"))
    assert r.status_code == 403 and "may not check in" in r.text
    # the manager reports on Dana's (in his line)
    r = web.post(f"/performance/indicators/{plan.indicators['DN1'].id}/checkins", data={"as_of": day, "actual": "6"},
                 headers=as_user("manager"), follow_redirects=False)
    assert r.status_code == 303
    assert count(db, CheckIn) == before + 1


def test_a_check_in_on_an_indicator_out_of_sight_is_answered_like_one_that_does_not_exist(web, plan, as_user, db) -> None:  # type: ignore[no-untyped-def]
    """The scope rule on the page form: the 404 must not name the goal of an indicator she cannot see."""
    data = {"as_of": plan.today.isoformat(), "milestones_done": "2"}
    hidden, nobody = plan.indicators["B1"].id, 10**9  # bob's post goal; an id that names nothing
    before = count(db, CheckIn)
    answers = []
    for iid in (hidden, nobody):
        r = web.post(f"/performance/indicators/{iid}/checkins", data=data, headers=as_user("employee"))
        assert r.status_code == 404
        card = re.search(r'<section class="card error-card".*?</section>', r.text, re.S)
        assert card is not None, r.text
        answers.append(card.group(0).replace(str(iid), "ID"))
    assert answers[0] == answers[1]
    assert count(db, CheckIn) == before


def test_calibration_page_and_form(web, plan, as_user, db, org) -> None:  # type: ignore[no-untyped-def]
    hr = as_user("hr")
    pid = plan.period.id
    page = web.get(f"/performance/periods/{pid}/calibration", headers=hr)
    chart = page.text.split('data-chart="calibration-chart"', 1)[1].split("</figure>", 1)[0]  # the SVG chart
    assert re.findall(r'data-series="target" data-value="([^"]+)"', chart) == ["5 %", "15 %", "60 %", "15 %", "5 %"]
    assert dict(zip(attrs(page.text, "data-rating"), attrs(page.text, "data-count"), strict=True)) == {
        "1": "0", "2": "1", "3": "1", "4": "1", "5": "1"}
    assert "data-calibration-closed" in page.text  # in progress: adjustments wait for calibration
    ops = web.get(f"/performance/periods/{pid}/calibration?department={org.sales.id}", headers=hr)
    assert re.search(r'data-stat="population"><span class="stat-value">1<', ops.text)  # Carol
    assert web.get(f"/performance/periods/{pid}/calibration?department=999999", headers=hr).status_code == 404

    for state in (PeriodState.REVIEW, PeriodState.CALIBRATION):
        periods.advance(db, period_id=pid, to=state)
    bob = org.people["bob"].id
    before = count(db, RatingEvent)
    r = web.post(f"/performance/periods/{pid}/calibration", data={"employee_id": str(bob), "value": "4", "reason": "  "},
                 headers=hr)
    assert r.status_code == 422 and 'data-error-field="reason"' in r.text and "needs a reason" in r.text
    assert count(db, RatingEvent) == before
    r = web.post(f"/performance/periods/{pid}/calibration", data={"employee_id": str(bob), "value": "9", "reason": "x"},
                 headers=hr)
    assert r.status_code == 422 and 'data-error-field="value"' in r.text and count(db, RatingEvent) == before
    r = web.post(f"/performance/periods/{pid}/calibration", data={"employee_id": "", "value": "4", "reason": "x"},
                 headers=hr)
    assert r.status_code == 422 and 'data-error-field="employee_id"' in r.text
    r = web.post(f"/performance/periods/{pid}/calibration",
                 data={"employee_id": str(bob), "value": "4", "reason": "Led the rollout", "department": str(org.ops.id)},
                 headers=hr, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith(f"/calibration?department={org.ops.id}")
    assert count(db, RatingEvent) == before + 1
    page = web.get(r.headers["location"], headers=hr)
    assert "Bob Lead: final rating 3 Meets expectations \u2192 4 Exceeds expectations (calibrated)." in page.text
    assert len(attrs(page.text, "data-adjustment")) == 1 and "Led the rollout" in page.text


def test_nine_box_per_role(web, plan, as_user) -> None:  # type: ignore[no-untyped-def]
    url = f"/performance/periods/{plan.period.id}/ninebox"

    def cells(html: str) -> dict[str, str]:
        got = dict(zip(attrs(html, "data-cell"), attrs(html, "data-count"), strict=True))
        return {k: v for k, v in got.items() if v != "0"}

    team = web.get(url, headers=as_user("manager"))
    assert cells(team.text) == {"high-high": "1", "medium-medium": "1", "low-low": "1"}
    assert "Alice Analyst" in team.text and "Carol" not in team.text
    assert attrs(team.text, "data-cell")[:3] == ["low-high", "medium-high", "high-high"]  # potential high first
    company = web.get(url, headers=as_user("hr"))
    assert cells(company.text) == {"high-high": "2", "medium-medium": "1", "low-low": "1"}
    assert re.search(r'data-stat="unplaced"><span class="stat-value">2<', company.text)
    board = web.get(url, headers=as_user("exec"))
    assert cells(board.text) == cells(company.text) and "data-names-limited" in board.text
    assert "Alice Analyst" not in board.text  # counts for everyone, names of key-post holders only
    assert web.get(url, headers=as_user("employee")).status_code == 403
    # a service refusal is a message on the page, not a 500
    r = web.get(url + "?scope=department", headers=as_user("hr"))
    assert r.status_code == 422 and 'data-error="ninebox"' in r.text and "department_id" in r.text
    r = web.get(url + "?scope=company", headers=as_user("manager"))
    assert r.status_code == 422 and "choose one of team, department" in r.text
    # the drill-down: everyone the caller may name in one cell, paged
    drill = web.get(url + "?scope=company&cell=high-high", headers=as_user("hr"))
    assert drill.status_code == 200 and 'data-drill-list="high-high"' in drill.text and "Star: 2 people" in drill.text
    listed = drill.text.split('data-drill-list="high-high"')[1].split("</section>")[0]
    assert listed.count("data-person-id") == 2
    exec_drill = web.get(url + "?scope=company&cell=high-high", headers=as_user("exec")).text
    listed = exec_drill.split('data-drill-list="high-high"')[1].split("</section>")[0]
    assert "Alice Analyst" not in listed  # the drill-down keeps the executive's names-of-key-posts rule
    r = web.get(url + "?scope=company&cell=upside-down", headers=as_user("hr"))
    assert r.status_code == 422 and 'data-error="ninebox"' in r.text and "cell must be" in r.text


def test_points_page_and_peer_recognition(web, plan, as_user, db, org) -> None:  # type: ignore[no-untyped-def]
    pid = plan.period.id
    h = as_user("employee")
    page = web.get(f"/performance/periods/{pid}/points", headers=h)
    assert attrs(page.text, "data-balance") == ["100", "110"]  # running balance, oldest first
    assert set(attrs(page.text, "data-rank")) == {"1"}  # her team: only she has points
    assert "data-recognition-form" in page.text and "Bob Lead" in page.text
    before = count(db, PointsEntry)
    r = web.post(f"/performance/periods/{pid}/points/recognition",
                 data={"employee_id": str(org.people["alice"].id), "reason": "Me!"}, headers=h)
    assert r.status_code == 403 and "nobody awards points to themselves" in r.text
    assert 'data-error-field="employee_id"' in r.text
    r = web.post(f"/performance/periods/{pid}/points/recognition",
                 data={"employee_id": str(org.people["bob"].id), "reason": ""}, headers=h)
    assert r.status_code == 422 and 'data-error-field="reason"' in r.text
    assert count(db, PointsEntry) == before
    r = web.post(f"/performance/periods/{pid}/points/recognition",
                 data={"employee_id": str(org.people["bob"].id), "reason": "Great rollout"}, headers=h,
                 follow_redirects=False)
    assert r.status_code == 303 and count(db, PointsEntry) == before + 1
    page = web.get(r.headers["location"], headers=h)
    assert "Thank you! Bob Lead received +10 points" in page.text
    assert len(attrs(page.text, "data-rank")) == 2
    hr_page = web.get(f"/performance/periods/{pid}/points?scope=bogus", headers=as_user("hr"))
    assert hr_page.status_code == 200 and 'data-error="leaderboard"' in hr_page.text
    assert "data-recognition-form" not in hr_page.text  # HR is linked to no employee
    assert "data-recognition-form" not in web.get(f"/performance/periods/{pid}/points", headers=as_user("exec")).text
    mgr = web.get(f"/performance/periods/{pid}/points?employee={org.people['dana'].id}", headers=as_user("manager"))
    assert "Audit passed" in mgr.text  # a manager reads the ledgers of his line


def test_missing_periods_are_not_found_pages(web, plan, as_user) -> None:  # type: ignore[no-untyped-def]
    h = as_user("hr")
    for suffix in ("cascade", "ninebox", "points", "calibration"):
        r = web.get(f"/performance/periods/999999/{suffix}", headers=h)
        assert r.status_code == 404 and 'data-status="404"' in r.text, suffix


def test_text_is_escaped(web, plan, as_user, db) -> None:  # type: ignore[no-untyped-def]
    plan.goals["P-ALICE"].title = "<script>alert(1)</script>"
    db.flush()
    page = web.get(f"/performance/goals/{plan.goals['P-ALICE'].id}", headers=as_user("employee"))
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text


def test_without_periods_the_overview_says_so(web, org, as_role) -> None:  # type: ignore[no-untyped-def]
    page = web.get("/performance", headers=as_role("employee"))
    assert page.status_code == 200 and "data-no-periods" in page.text


def test_permissions_used_by_the_pages() -> None:
    from performance.pages import router

    used = {d.call.__policy__ for r in router.routes for d in r.dependant.dependencies  # type: ignore[attr-defined]
            if hasattr(d.call, "__policy__")}
    assert used == {PerfPermission.READ, PerfPermission.CHECKIN, PerfPermission.CALIBRATE, PerfPermission.POINTS_AWARD,
                    PerfPermission.RATE, PerfPermission.PERIODS, PerfPermission.PLAN}


def test_every_performance_page_states_the_scoring_mix(client, as_role, db, org):  # type: ignore[no-untyped-def]
    p = perf.period(db, code="MIX", name="Mix year", state=PeriodState.PLANNING, dept_operational_share=0.75,
                    post_operational_share=0.25)
    for url in (f"/performance?period={p.id}", f"/performance/periods/{p.id}/cascade",
                f"/performance/periods/{p.id}/points", f"/performance/periods/{p.id}/calibration"):
        r = client.get(url, headers=as_role("hr"))
        assert r.status_code == 200, url
        assert "departments 75% operational" in " ".join(r.text.split()), url
        assert "posts 25% operational" in " ".join(r.text.split()), url
