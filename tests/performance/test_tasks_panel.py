"""The "Your tasks" panel of the performance home page (performance.service.tasks_panel, _tasks.html) for each
role on the known plan with the date pinned (day 200 of the plan: 21 August 2026), through the service and the
page, on SQLite and PostgreSQL: what is waiting (check-ins due, reviews to write, goals at risk, calibration
open, periods to set up) and that each count matches the list it links to (the team view's check-ins due, the
at-risk page, the landing page's own goals, the team's review status)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from performance.models import GoalResult, PeriodState, RatingSource
from performance.service import tasks_panel, team
from tests import factories
from tests.factories import Org
from tests.performance import factories as perf
from tests.web.helpers import attrs

AUG21 = date(2026, 8, 21)  # the plan's today


@pytest.fixture
def web(client):  # type: ignore[no-untyped-def]
    return client


@pytest.fixture
def plan(db: Session, org: Org) -> Iterator[perf.Plan]:
    p = perf.build_plan(db, org)
    assert p.today == AUG21
    with factories.today_pinned(p.today):
        yield p


@pytest.fixture
def as_user(as_role, plan):  # type: ignore[no-untyped-def]
    return as_role


def _panel(page: str) -> str:
    """The tasks panel of a landing page."""
    start = page.rindex("<section", 0, page.index('id="tasks"'))
    return page[start:page.index("</section>", start)]


def _tasks(panel: str) -> dict[str, str]:
    """data-task -> its data-n (or "" for a task without a count)."""
    out = {}
    for tag in re.findall(r"<(?:li|p) [^>]*data-task=\"[^\"]+\"[^>]*>", panel):
        kind = re.search(r'data-task="([^"]+)"', tag).group(1)  # type: ignore[union-attr]
        n = re.search(r'data-n="(\d+)"', tag)
        out[kind] = n.group(1) if n else ""
    return out


def _links(panel: str, task: str) -> list[str]:
    return re.findall(rf'data-task="{task}"[^>]*>(?:(?!</li>|</p>).)*?<a href="([^"]+)"', panel, re.S)


def _at_risk_page_rows(web, pid: int, headers) -> list[str]:  # type: ignore[no-untyped-def]
    page = web.get(f"/performance/periods/{pid}/at-risk", headers=headers)
    assert page.status_code == 200
    return attrs(page.text, "data-goal-row")


# --- in progress: check-ins and goals at risk ----------------------------------------------------------------
def test_the_manager_has_his_teams_check_ins_and_goals_at_risk(web, plan, as_user, db, org) -> None:  # type: ignore[no-untyped-def]
    boss = org.principal("manager")
    panel = tasks_panel.tasks(db, principal=boss, today=AUG21)
    assert panel.calibration_open == [] and panel.planning == []
    [t] = panel.periods
    # A2 (Alice's rubric level, never checked in: February's due) and B1 (Bob's, April covered: May's due)
    assert [(d.indicator_code, d.name, d.due) for d in t.checkins_due] == [
        ("A2", "Alice Analyst", date(2026, 2, 28)), ("B1", "Bob Lead", date(2026, 5, 31))]
    assert t.goals_at_risk == 1 and t.at_risk_href == f"/performance/periods/{plan.period.id}/at-risk"
    assert not t.self_review_due and t.ratings_missing == []  # not in review yet
    assert t.count == 3 and panel.count == 3
    # the same on the page, and each count is the length of the list it stands for
    h = as_user("manager")
    page = web.get("/performance", headers=h).text
    box = _panel(page)
    assert attrs(box, "data-task-count") == ["3"]
    assert _tasks(box) == {"at-risk": "1", "checkins": "2"}
    assert attrs(box, "data-due") == [str(plan.indicators["A2"].id), str(plan.indicators["B1"].id)]
    # the team view on the same page lists the same check-ins due
    team_part = page[page.index("data-team-view"):]
    assert re.search(r'data-stat="checkins-due"><span class="stat-value">2<', team_part)
    due_view = team.team_view(db, principal=boss, period_id=plan.period.id, today=AUG21).checkins_due
    assert [d.indicator_id for d in due_view] == [d.indicator_id for d in t.checkins_due]
    # the at-risk count is the at-risk page's list for him
    assert _links(box, "at-risk") == [t.at_risk_href]
    assert _at_risk_page_rows(web, plan.period.id, h) == [str(plan.goals["P-BOB"].id)]


def test_the_employee_has_her_own_check_ins_only(web, plan, as_user, db, org) -> None:  # type: ignore[no-untyped-def]
    alice = org.principal("employee")
    # on 21 August her A1 covers August and A2 is her manager's to record: nothing for her
    panel = tasks_panel.tasks(db, principal=alice, today=AUG21)
    assert panel.count == 0 and [p.checkins_due for p in panel.periods] == [[]]
    box = _panel(web.get("/performance", headers=as_user("employee")).text)
    assert "data-no-tasks" in box and _tasks(box) == {}
    # on 1 October September is over: her A1 is due, never her rubric A2 nor her team mates' B1 or DN1
    oct1 = tasks_panel.tasks(db, principal=alice, today=date(2026, 10, 1))
    assert [(d.indicator_code, d.due) for d in oct1.periods[0].checkins_due] == [("A1", date(2026, 9, 30))]
    with factories.today_pinned(date(2026, 10, 1)):
        box = _panel(web.get("/performance", headers=as_user("employee")).text)
    assert _tasks(box) == {"checkins": "1"} and attrs(box, "data-due") == [str(plan.indicators["A1"].id)]
    assert "Bob" not in box and "Dana" not in box
    # each form brings her back to the page she is on
    assert attrs(box, "name") .count("next") == 1 and 'name="next" value="/performance"' in box


def test_the_employees_goals_at_risk_link_to_her_own_goals(web, plan, as_user, db, org) -> None:  # type: ignore[no-untyped-def]
    result = db.scalars(select(GoalResult).where(GoalResult.goal_id == plan.goals["P-ALICE"].id)).one()
    result.at_risk = True
    db.flush()
    [t] = tasks_panel.tasks(db, principal=org.principal("employee"), today=AUG21).periods
    assert t.goals_at_risk == 1 and t.at_risk_href == f"/performance?period={plan.period.id}#mine-h"
    page = web.get(t.at_risk_href.split("#")[0], headers=as_user("employee")).text
    box = _panel(page)
    assert _tasks(box) == {"at-risk": "1"} and _links(box, "at-risk") == [t.at_risk_href]
    mine = page[page.index('id="mine-h"'):]
    assert 'id="mine-h"' in page and len(attrs(mine[:mine.index("</table>")], "data-at-risk")) == 1
    # Bob's goal at risk is not hers to hear about
    assert "Roll out" not in box


def test_hr_and_the_executive_count_the_goals_at_risk_they_may_see(web, plan, as_user, db, org) -> None:  # type: ignore[no-untyped-def]
    pid = plan.period.id
    [t] = tasks_panel.tasks(db, principal=org.principal("hr"), today=AUG21).periods
    at_risk = sorted(db.scalars(select(GoalResult.goal_id).where(GoalResult.period_id == pid,
                                                                 GoalResult.at_risk.is_(True))))
    assert t.goals_at_risk == len(at_risk) >= 1 and t.checkins_due == []  # HR records nobody's check-ins
    assert sorted(int(r) for r in _at_risk_page_rows(web, pid, as_user("hr"))) == at_risk
    box = _panel(web.get("/performance", headers=as_user("hr")).text)
    assert _tasks(box) == {"at-risk": str(len(at_risk))}
    # the executive sees company and department goals and key posts' goals: Bob's post goal is none of those
    ex = tasks_panel.tasks(db, principal=org.principal("exec"), today=AUG21)
    shown = _at_risk_page_rows(web, pid, as_user("exec"))
    assert ex.periods[0].goals_at_risk == len(shown) and str(plan.goals["P-BOB"].id) not in shown
    assert ex.count == ex.periods[0].goals_at_risk


# --- in review: reviews to write -------------------------------------------------------------------------------
def test_in_review_the_self_assessment_and_the_managers_ratings_to_write(web, plan, as_user, db, org) -> None:  # type: ignore[no-untyped-def]
    # a newcomer reporting to the boss, rated by nobody yet (the plan's people have HR's final ratings)
    post = factories.position(db, dept=org.ops, title="Operations Planner", code="OPS-4",
                              reports_to=org.positions["ops_head"])
    erin = factories.employee(db, pos=post, external_id="X-ERIN", first="Erin", last="Extra")
    perf.advance(db, plan.period, PeriodState.REVIEW)
    pid = plan.period.id
    boss, alice = org.principal("manager"), org.principal("employee")
    [m] = tasks_panel.tasks(db, principal=boss, today=AUG21).periods
    # his direct reports without a manager's or HR's rating of performance: Erin only (Alice and Bob have HR's
    # final ratings, Dana reports to Bob, Carol to someone else)
    assert [p.name for p in m.ratings_missing] == ["Erin Extra"]
    assert m.ratings_href == f"/performance?period={pid}#team-h"
    assert m.self_review_due  # he is rated too
    [a] = tasks_panel.tasks(db, principal=alice, today=AUG21).periods
    assert a.self_review_due and a.self_review_href == f"/performance?period={pid}#my-review"
    assert a.ratings_missing == []
    # the page: the count, and the team view it links to shows the same people as not rated yet
    page = web.get(f"/performance?period={pid}", headers=as_user("manager")).text
    box = _panel(page)
    assert _tasks(box)["manager-ratings"] == "1" and "self-review" in _tasks(box)
    assert attrs(box, "data-unrated") == [str(erin.id)] and "Erin Extra" in box
    assert _links(box, "manager-ratings") == [m.ratings_href] and 'id="team-h"' in page
    team_part = page[page.index("data-team-view"):page.index('id="mine-h"') if 'id="mine-h"' in page else None]
    states = dict(re.findall(r'data-review-status="(\d+)">\s*<span[^>]*>[^<]*</span>\s*<span[^>]*data-manager="(\w+)"',
                             team_part))
    direct = {str(org.people["alice"].id), str(org.people["bob"].id), str(erin.id)}
    assert {k: v for k, v in states.items() if k in direct} == {
        str(org.people["alice"].id): "approved", str(org.people["bob"].id): "approved", str(erin.id): "none"}
    mine = web.get(f"/performance?period={pid}", headers=as_user("employee")).text
    assert _tasks(_panel(mine)) == {"self-review": ""} and 'id="my-review"' in mine
    assert _links(_panel(mine), "self-review") == [a.self_review_href]
    # once written, they are off the list
    perf.rate(db, boss, plan.period, erin, RatingSource.MANAGER, 4)  # submitted: written, awaiting approval
    perf.rate(db, alice, plan.period, org.people["alice"], RatingSource.SELF, 4)
    [m] = tasks_panel.tasks(db, principal=boss, today=AUG21).periods
    assert m.ratings_missing == []
    assert not tasks_panel.tasks(db, principal=alice, today=AUG21).periods[0].self_review_due
    box = _panel(web.get(f"/performance?period={pid}", headers=as_user("manager")).text)
    assert "manager-ratings" not in _tasks(box) and attrs(box, "data-unrated") == []
    assert "data-no-tasks" in _panel(web.get(f"/performance?period={pid}", headers=as_user("employee")).text)


# --- HR's company-wide tasks ----------------------------------------------------------------------------------
def test_hr_is_told_of_calibrations_open_and_periods_to_set_up(web, plan, as_user, db, org) -> None:  # type: ignore[no-untyped-def]
    perf.advance(db, plan.period, PeriodState.CALIBRATION)
    nxt = perf.period(db, code="FY-N", name="Next year", state=PeriodState.PLANNING, start=date(2027, 2, 2))
    hr = tasks_panel.tasks(db, principal=org.principal("hr"), today=AUG21)
    assert [(c.code, c.href) for c in hr.calibration_open] == [
        ("FY-T", f"/performance/periods/{plan.period.id}/calibration")]
    assert [(p.code, p.href) for p in hr.planning] == [("FY-N", "/performance/periods")]
    assert hr.periods == []  # in calibration a period takes no check-ins: it is not "being worked in"
    assert hr.count == 2
    box = _panel(web.get("/performance", headers=as_user("hr")).text)
    assert _tasks(box) == {"calibration": "", "planning": ""} and attrs(box, "data-task-count") == ["2"]
    assert _links(box, "calibration") == [f"/performance/periods/{plan.period.id}/calibration"]
    assert web.get(_links(box, "calibration")[0], headers=as_user("hr")).status_code == 200
    assert "Next year" in box
    # nobody else hears of them
    for who in ("manager", "employee", "exec"):
        t = tasks_panel.tasks(db, principal=org.principal(who), today=AUG21)
        assert t.calibration_open == [] and t.planning == [] and t.count == 0, who
        other = _panel(web.get("/performance", headers=as_user(who)).text)
        assert 'data-task="calibration"' not in other and "Next year" not in other and "data-no-tasks" in other
    assert nxt.state is PeriodState.PLANNING
