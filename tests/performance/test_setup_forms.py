"""The period set-up pages' forms, on SQLite and PostgreSQL: HR opens a period (empty, from the last plan, from a
template), edits the cascade (goals, indicators, their weights, the links), moves the period on through its states
with what blocks it listed first, and closes it only with the confirmation. Every bad input is a 4xx naming the
field with nothing written; other roles are refused; a form without its CSRF token is refused."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from hcm.org.models import EmployeeStatus
from performance.models import Goal, GoalLevel, GoalLink, Indicator, Period, PeriodState
from performance.pages import setup as setup_pages
from tests import factories
from tests.factories import count
from tests.performance import factories as perf
from tests.web.helpers import attrs, form_token, logged_in

SETUP = "/performance/setup"
NEW = {"code": "FY27", "name": "Year 2027", "kind": "annual", "start_date": "2027-02-03", "end_date": "2028-02-02"}


@pytest.fixture
def plan(db, org) -> Iterator[perf.Plan]:  # type: ignore[no-untyped-def]
    p = perf.build_plan(db, org)
    with factories.today_pinned(p.today):
        yield p


def _error_field(html: str) -> str:
    found = re.search(r'data-error-field="([^"]*)"', html)
    assert found, html[:800]
    return found.group(1)


def _open(client, hr, plan, **extra):  # type: ignore[no-untyped-def]
    r = client.post(f"{SETUP}/periods", data={**NEW, "source_period_id": str(plan.period.id), **extra}, headers=hr,
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:800]
    pid = int(r.headers["location"].rsplit("/", 1)[1])
    return pid, client.get(r.headers["location"], headers=hr).text


def _goal(db, pid: int, code: str) -> Goal:  # type: ignore[no-untyped-def]
    return db.scalars(select(Goal).where(Goal.period_id == pid, Goal.code == code)).one()


def _goals(db, pid: int) -> int:  # type: ignore[no-untyped-def]
    return len(db.scalars(select(Goal.id).where(Goal.period_id == pid)).all())


def test_each_route_declares_one_policy() -> None:
    for route in setup_pages.router.routes:
        deps = route.dependant.dependencies  # type: ignore[attr-defined]
        assert len([d for d in deps if hasattr(d.call, "__policy__")]) == 1, route.path  # type: ignore[attr-defined]
    assert len(setup_pages.router.routes) == 16


@pytest.mark.parametrize("username", ("hr", "exec", "manager", "employee"))
def test_who_opens_the_setup_pages(client, plan, as_role, username) -> None:  # type: ignore[no-untyped-def]
    h, pid = as_role(username), plan.period.id
    hr = username == "hr"
    expected = {
        SETUP: 200 if hr else 403,
        f"{SETUP}/periods/{pid}": 200 if hr else 403,
        f"{SETUP}/periods/999999": 404 if hr else 403,
        f"{SETUP}/periods/{pid}/new-goal": 200 if hr else 403,
        f"{SETUP}/goals/{plan.goals['P-ALICE'].id}": 200 if username in ("hr", "manager") else 403,  # his post
        f"{SETUP}/indicators/{plan.indicators['A1'].id}": 200 if username in ("hr", "manager") else 403,
        f"{SETUP}/goals/{plan.goals['C1'].id}": 200 if hr else 403,  # the company's goal is HR's to plan
        f"{SETUP}/check?w=100": 200 if username in ("hr", "manager") else 403,
    }
    for path, status in expected.items():
        r = client.get(path, headers=h)
        assert r.status_code == status, (username, path, r.text[:300])
    tabs = attrs(client.get(f"/performance?period={pid}", headers=h).text, "data-tab")
    assert ("setup" in tabs) == hr


def test_hr_opens_a_period_from_the_last_plan(client, plan, as_role, db, org) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    plan.goals["D-SAL"].owner_employee_id = org.people["carol"].id
    e_dana = perf.goal(db, org.principal("hr"), plan.period, "E-DANA", GoalLevel.EMPLOYEE,
                       employee_id=org.people["dana"].id, position_id=org.positions["deep"].id)
    db.add(GoalLink(parent_goal_id=plan.goals["P-DANA"].id, child_goal_id=e_dana.id, weight=100))
    for leaver in ("carol", "dana"):
        org.people[leaver].status = EmployeeStatus.EXITED
    db.flush()
    home = client.get(SETUP, headers=hr).text
    assert set(attrs(home, "data-period-row")) == {"FY-T"}
    assert re.search(rf'<option value="{plan.period.id}" selected>the plan of', home)  # the last plan by default
    pid, page = _open(client, hr, plan)
    said = " ".join(page.split())
    assert "Period Year 2027 (FY27) opened in planning with the plan of period" in said
    assert "7 goals, 6 links, 7 indicators copied" in said  # E-DANA and its link left out
    assert "Left out: goal E-DANA (the employee it belongs to has left)." in said
    assert "Without an owner now: goal D-SAL" in said
    assert set(attrs(page, "data-plan-goal")) == set(plan.goals)
    assert "data-no-blockers" in page and attrs(page, "data-advance") == ["in_progress"]
    p = db.get(Period, pid)
    assert p.state is PeriodState.PLANNING and p.dept_operational_share == 0.8
    assert _goal(db, pid, "D-SAL").owner_employee_id is None
    # the period list shows it, with its goals
    home = client.get(SETUP, headers=hr).text
    assert re.search(r'data-period-row="FY27">.*?data-state="planning".*?data-goals="7"', home, re.S)


def test_an_empty_period_and_a_template(client, plan, as_role, db) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    r = client.post(f"{SETUP}/periods", headers=hr, follow_redirects=False,
                    data={**NEW, "code": "Q1", "name": "Quarter 1", "kind": "quarter", "start_date": "2027-02-03",
                          "end_date": "2027-05-02", "source_period_id": "", "competency_weight": "0.25"})
    assert r.status_code == 303
    q1 = db.scalars(select(Period).where(Period.code == "Q1")).one()
    assert q1.competency_weight == 0.25 and _goals(db, q1.id) == 0
    page = client.get(r.headers["location"], headers=hr).text
    assert "with an empty plan" in page and "data-empty-plan" in page
    # a copy of FY-T's plan saved as a template; a new period started from it
    r = client.post(f"{SETUP}/periods/{plan.period.id}/save-template", headers=hr, follow_redirects=False,
                    data={"code": "TPL", "name": "Standard plan"})
    assert r.status_code == 303
    tpl = db.scalars(select(Period).where(Period.code == "TPL")).one()
    assert tpl.is_template and _goals(db, tpl.id) == 7
    page = client.get(r.headers["location"], headers=hr).text
    assert 'data-blocker="template"' in page and "data-advance-form" not in page
    pid, page = _open(client, hr, plan, source_period_id=str(tpl.id))
    assert _goals(db, pid) == 7
    # marking an empty period as a template, and back
    for flag, expect in (("1", True), ("0", False)):
        r = client.post(f"{SETUP}/periods/{q1.id}/template", headers=hr, data={"is_template": flag},
                        follow_redirects=False)
        assert r.status_code == 303 and db.get(Period, q1.id).is_template is expect
    r = client.post(f"{SETUP}/periods/{q1.id}/template", headers=hr, data={"is_template": "maybe"})
    assert r.status_code == 422 and _error_field(r.text) == "is_template"
    # a period in progress is no template
    r = client.post(f"{SETUP}/periods/{plan.period.id}/template", headers=hr, data={"is_template": "1"})
    assert r.status_code == 409 and not db.get(Period, plan.period.id).is_template


@pytest.mark.parametrize(("change", "field", "status"), [
    ({"code": ""}, "code", 422),
    ({"code": "FY-T"}, "code", 409),
    ({"code": "X" * 33}, "code", 422),
    ({"name": "  "}, "name", 422),
    ({"kind": "weekly"}, "kind", 422),
    ({"start_date": "soon"}, "start_date", 422),
    ({"end_date": "2027-01-01"}, "end_date", 422),
    ({"dept_operational_share": "2"}, "dept_operational_share", 422),
    ({"post_operational_share": "lots"}, "post_operational_share", 422),
    ({"collaboration_weight": "nan"}, "collaboration_weight", 422),
    ({"source_period_id": "999999"}, "source_period_id", 422),
    ({"source_period_id": "x"}, "source_period_id", 422),
    ({"parent_id": "999999"}, "parent_id", 422),
])
def test_a_bad_period_names_the_field_and_writes_nothing(client, plan, as_role, db, change, field,  # type: ignore[no-untyped-def]
                                                         status) -> None:
    periods_before, goals_before = count(db, Period), count(db, Goal)
    r = client.post(f"{SETUP}/periods", headers=as_role("hr"),
                    data={**NEW, "source_period_id": str(plan.period.id), **change})
    assert r.status_code == status, r.text[:500]
    assert _error_field(r.text) == field and f'data-field-error="{field}"' in r.text
    assert "data-period-form" in r.text  # the form again, with what was typed
    assert count(db, Period) == periods_before and count(db, Goal) == goals_before


def test_advancing_lists_the_blockers_and_closing_needs_the_confirmation(client, plan, as_role, db) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    pid, _ = _open(client, hr, plan)
    alice = _goal(db, pid, "P-ALICE")
    a1, a2 = (db.scalars(select(Indicator).where(Indicator.goal_id == alice.id, Indicator.code == c)).one()
              for c in ("A1", "A2"))
    r = client.post(f"{SETUP}/indicators/{a1.id}", headers=hr, follow_redirects=False,
                    data={"code": "A1", "name": "Tickets closed", "kind": "quantitative", "direction": "higher_is_better",
                          "klass": "operational", "cadence": "monthly", "threshold": "80", "target": "100",
                          "stretch": "120", "weight": "50"})
    assert r.status_code == 303 and a1.weight == 50
    page = client.get(f"{SETUP}/periods/{pid}", headers=hr).text
    assert "Goal P-ALICE: the weights of its indicators add to 90, not 100." in page
    assert "data-advance-form" not in page and 'data-plan-goal="P-ALICE" class="row-alert"' in page
    r = client.post(f"{SETUP}/periods/{pid}/advance", headers=hr, data={"to": "in_progress"})
    assert r.status_code == 409 and db.get(Period, pid).state is PeriodState.PLANNING
    # the weights of the goal at once: 90 again is refused, naming the field; 60 + 40 saves
    url = f"{SETUP}/goals/{alice.id}/indicator-weights"
    r = client.post(url, headers=hr, data={f"weight_{a1.id}": "50", f"weight_{a2.id}": "30"})
    assert r.status_code == 422 and _error_field(r.text) == "weights" and "add to 80, not 100" in r.text
    assert (a1.weight, a2.weight) == (50, 40)
    r = client.post(url, headers=hr, data={f"weight_{a1.id}": "60", f"weight_{a2.id}": "zero"})
    assert r.status_code == 422 and _error_field(r.text) == f"weight_{a2.id}" and a1.weight == 50
    r = client.post(url, headers=hr, data={f"weight_{a1.id}": "60", f"weight_{a2.id}": "40"}, follow_redirects=False)
    assert r.status_code == 303 and (a1.weight, a2.weight) == (60, 40)
    assert "data-no-blockers" in client.get(f"{SETUP}/periods/{pid}", headers=hr).text
    # a state out of turn, or none, is refused
    for to, status in (("review", 409), ("later", 422), ("", 422)):
        r = client.post(f"{SETUP}/periods/{pid}/advance", headers=hr, data={"to": to})
        assert r.status_code == status and db.get(Period, pid).state is PeriodState.PLANNING, to
    for to in ("in_progress", "review", "calibration"):
        r = client.post(f"{SETUP}/periods/{pid}/advance", headers=hr, data={"to": to}, follow_redirects=False)
        assert r.status_code == 303 and db.get(Period, pid).state.value == to
    page = client.get(f"{SETUP}/periods/{pid}", headers=hr).text
    assert attrs(page, "data-advance") == ["closed"] and "data-confirm-close" in page
    r = client.post(f"{SETUP}/periods/{pid}/advance", headers=hr, data={"to": "closed"})
    assert r.status_code == 422 and _error_field(r.text) == "confirm"
    assert db.get(Period, pid).state is PeriodState.CALIBRATION
    r = client.post(f"{SETUP}/periods/{pid}/advance", headers=hr, data={"to": "closed", "confirm": "yes"},
                    follow_redirects=False)
    assert r.status_code == 303 and db.get(Period, pid).state is PeriodState.CLOSED
    page = client.get(f"{SETUP}/periods/{pid}", headers=hr).text
    assert 'data-blocker="closed"' in page and "data-advance-form" not in page and "data-add-goal" not in page
    assert "data-goals-closed" in client.get(f"{SETUP}/periods/{pid}/new-goal", headers=hr).text


def test_hr_adds_and_edits_goals(client, plan, as_role, db, org) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    pid, _ = _open(client, hr, plan)
    r = client.post(f"{SETUP}/periods/{pid}/goals", headers=hr, follow_redirects=False,
                    data={"code": "P-NEW", "title": "Mentor the new hire", "level": "post",
                          "position_id": str(org.positions["team1"].id), "department_id": str(org.ops.id),
                          "owner_employee_id": str(org.people["alice"].id)})
    assert r.status_code == 303, r.text[:500]
    new = _goal(db, pid, "P-NEW")
    assert (new.position_id, new.department_id, new.owner_employee_id) == (
        org.positions["team1"].id, None, org.people["alice"].id)  # the department of another level is not taken
    assert r.headers["location"] == f"{SETUP}/goals/{new.id}"
    page = client.get(r.headers["location"], headers=hr).text
    assert 'data-setup-goal="P-NEW"' in page and "data-no-indicators" in page
    r = client.post(f"{SETUP}/goals/{new.id}", headers=hr, follow_redirects=False,
                    data={"title": "Mentor both new hires", "description": "Two this year", "owner_employee_id": ""})
    assert r.status_code == 303 and (new.title, new.description, new.owner_employee_id) == (
        "Mentor both new hires", "Two this year", None)
    r = client.post(f"{SETUP}/goals/{new.id}", headers=hr, data={"title": ""})
    assert r.status_code == 422 and _error_field(r.text) == "title" and new.title == "Mentor both new hires"


@pytest.mark.parametrize(("form", "field", "status"), [
    ({"code": "P-X", "title": "X", "level": "team"}, "level", 422),
    ({"code": "P-X", "title": "X", "level": "post"}, "position_id", 422),
    ({"code": "P-X", "title": "X", "level": "post", "position_id": "abc"}, "position_id", 422),
    ({"code": "P-X", "title": "X", "level": "department", "department_id": "999999"}, "department_id", 422),
    ({"code": "", "title": "X", "level": "company"}, "code", 422),
    ({"code": "C1", "title": "X", "level": "company"}, "code", 409),
    ({"code": "P-X", "title": "", "level": "company"}, "title", 422),
    ({"code": "P-X", "title": "X", "level": "company", "owner_employee_id": "999999"}, "owner_employee_id", 422),
])
def test_a_bad_goal_names_the_field_and_writes_nothing(client, plan, as_role, db, form, field,  # type: ignore[no-untyped-def]
                                                       status) -> None:
    hr = as_role("hr")
    pid, _ = _open(client, hr, plan)
    before = count(db, Goal)
    r = client.post(f"{SETUP}/periods/{pid}/goals", headers=hr, data=form)
    assert r.status_code == status, r.text[:500]
    assert _error_field(r.text) == field and "data-goal-form" in r.text
    assert count(db, Goal) == before


def test_hr_adds_and_edits_indicators(client, plan, as_role, db, org) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    pid, _ = _open(client, hr, plan)
    bob = _goal(db, pid, "P-BOB")
    base = {"code": "B2", "name": "Trainings given", "kind": "quantitative", "direction": "higher_is_better",
            "klass": "management", "cadence": "quarterly", "threshold": "2", "target": "4", "weight": "20",
            "owner_employee_id": str(org.people["bob"].id), "unit": "sessions"}
    r = client.post(f"{SETUP}/goals/{bob.id}/indicators", headers=hr, data=base, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    b2 = db.scalars(select(Indicator).where(Indicator.goal_id == bob.id, Indicator.code == "B2")).one()
    assert (b2.target, b2.cadence.value, b2.formula, b2.owner_employee_id, b2.unit) == (
        4, "quarterly", "linear", org.people["bob"].id, "sessions")
    page = client.get(f"{SETUP}/goals/{bob.id}", headers=hr).text
    assert 'data-check-state="bad"' in page and "add to 120, not 100" in page  # B1 100 + B2 20
    # the indicator's own page: a change, then a bad one that names its field and keeps the value
    edit = client.get(f"{SETUP}/indicators/{b2.id}", headers=hr).text
    assert 'data-other-weight="100"' in edit
    assert 'name="target" inputmode="decimal" data-bound-input="target" value="4"' in edit
    r = client.post(f"{SETUP}/indicators/{b2.id}", headers=hr, follow_redirects=False,
                    data={**base, "target": "5", "stretch": "6", "cadence": "period_end"})
    assert r.status_code == 303 and (b2.target, b2.stretch, b2.cadence.value) == (5, 6, "period_end")
    for change, field in (({"threshold": "9"}, "threshold"), ({"weight": "0"}, "weight"), ({"weight": ""}, "weight"),
                          ({"kind": "milestone"}, "milestones_total"), ({"target": "x"}, "target"),
                          ({"cadence": "daily"}, "cadence"), ({"code": "B1"}, "code"),
                          ({"owner_employee_id": "999999"}, "owner_employee_id")):
        r = client.post(f"{SETUP}/indicators/{b2.id}", headers=hr, data={**base, "target": "5", **change})
        assert r.status_code in (409, 422), (change, r.text[:300])
        assert _error_field(r.text) == field, change
        db.refresh(b2)
        assert (b2.target, b2.weight, b2.kind.value, b2.code) == (5, 20, "quantitative", "B2"), change
    before = count(db, Indicator)
    for change, field in (({"threshold": "5", "target": "4"}, "threshold"), ({"name": ""}, "name"),
                          ({"kind": "nope"}, "kind"), ({"code": "B1"}, "code"),
                          ({"direction": "range"}, "target_low")):
        r = client.post(f"{SETUP}/goals/{bob.id}/indicators", headers=hr, data={**base, "code": "B3", **change})
        assert r.status_code in (409, 422) and _error_field(r.text) == field, (change, r.text[:300])
        assert "data-add-indicator" in r.text
    assert count(db, Indicator) == before


def test_hr_links_reweights_and_unlinks_goals(client, plan, as_role, db) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    pid, _ = _open(client, hr, plan)
    ops, alice, bob, dana = (_goal(db, pid, c) for c in ("D-OPS", "P-ALICE", "P-BOB", "P-DANA"))
    carol = _goal(db, pid, "P-CAROL")
    page = client.get(f"{SETUP}/goals/{ops.id}", headers=hr).text
    assert set(attrs(page, "data-link")) == {"P-ALICE", "P-BOB", "P-DANA"}
    assert f'<option value="{carol.id}"' not in page  # a post goal of Sales is not offered under Operations
    url = f"{SETUP}/goals/{ops.id}/children"

    def links() -> dict[str, float]:
        rows = db.execute(select(Goal.code, GoalLink.weight).join(GoalLink, GoalLink.child_goal_id == Goal.id)
                          .where(GoalLink.parent_goal_id == ops.id)).all()
        return {code: weight for code, weight in rows}

    # unlinking Dana without re-weighting leaves 80: refused, naming the rule's field, nothing written
    r = client.post(url, headers=hr, data={f"weight_{alice.id}": "50", f"weight_{bob.id}": "30",
                                           f"weight_{dana.id}": "20", f"unlink_{dana.id}": "1"})
    assert r.status_code == 422 and _error_field(r.text) == "children" and "add to 80, not 100" in r.text
    assert links() == {"P-ALICE": 50, "P-BOB": 30, "P-DANA": 20}
    r = client.post(url, headers=hr, follow_redirects=False,
                    data={f"weight_{alice.id}": "70", f"weight_{bob.id}": "30", f"weight_{dana.id}": "20",
                          f"unlink_{dana.id}": "1"})
    assert r.status_code == 303 and links() == {"P-ALICE": 70, "P-BOB": 30}
    # Dana's goal linked again, with a weight
    r = client.post(url, headers=hr, follow_redirects=False,
                    data={f"weight_{alice.id}": "50", f"weight_{bob.id}": "30", "add_child": str(dana.id),
                          "add_weight": "20"})
    assert r.status_code == 303 and links() == {"P-ALICE": 50, "P-BOB": 30, "P-DANA": 20}
    for form, field in (({"add_child": str(dana.id)}, "add_weight"), ({"add_child": "x", "add_weight": "5"}, "add_child"),
                        ({f"weight_{alice.id}": "abc"}, f"weight_{alice.id}"),
                        ({"add_child": str(ops.id), "add_weight": "100"}, "children[0].child_goal_id"),
                        ({"add_child": str(dana.id), "add_weight": "500"}, "add_weight")):
        r = client.post(url, headers=hr, data=form)
        assert r.status_code == 422 and _error_field(r.text) == field, (form, r.text[:300])
        assert links() == {"P-ALICE": 50, "P-BOB": 30, "P-DANA": 20}


def test_the_live_check_says_the_rules_of_the_save(client, plan, as_role) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    got = client.get(f"{SETUP}/check?w=60&w=40&what=the+indicators+of+X", headers=hr).json()
    assert got["weights"] == {"ok": True, "field": None, "message": "The weights of the indicators of X add to 100.",
                              "total": 100}
    got = client.get(f"{SETUP}/check?w=60&w=30&field=weights", headers=hr).json()["weights"]
    assert not got["ok"] and got["field"] == "weights" and "add to 90, not 100" in got["message"]
    got = client.get(f"{SETUP}/check?direction=higher_is_better&threshold=120&target=100", headers=hr).json()
    assert got["bounds"]["ok"] is False and got["bounds"]["field"] == "threshold"
    got = client.get(f"{SETUP}/check?direction=lower_is_better&threshold=10&target=5", headers=hr).json()
    assert got["bounds"]["ok"] is True
    got = client.get(f"{SETUP}/check?direction=range&target_low=1", headers=hr).json()
    assert got["bounds"]["ok"] is False and got["bounds"]["field"] == "target_high"
    r = client.get(f"{SETUP}/check?w=abc", headers=hr)
    assert r.status_code == 422 and r.json()["field"] == "w"
    r = client.get(f"{SETUP}/check?direction=sideways", headers=hr)
    assert r.status_code == 422 and r.json()["field"] == "direction"


def test_other_roles_are_refused(client, plan, as_role, db, org) -> None:  # type: ignore[no-untyped-def]
    pid = plan.period.id
    goal, ind = plan.goals["P-CAROL"], plan.indicators["CR1"]  # Sales: outside the manager's subtree
    posts = [(f"{SETUP}/periods", {**NEW}), (f"{SETUP}/periods/{pid}/advance", {"to": "review"}),
             (f"{SETUP}/periods/{pid}/template", {"is_template": "1"}),
             (f"{SETUP}/periods/{pid}/save-template", {"code": "T", "name": "T"}),
             (f"{SETUP}/periods/{pid}/goals", {"code": "C9", "title": "x", "level": "company"}),
             (f"{SETUP}/goals/{goal.id}", {"title": "Hijacked"}),
             (f"{SETUP}/goals/{goal.id}/indicators", {"code": "Z", "name": "z", "kind": "rubric",
                                                      "klass": "management", "weight": "10"}),
             (f"{SETUP}/goals/{goal.id}/indicator-weights", {f"weight_{ind.id}": "100"}),
             (f"{SETUP}/goals/{plan.goals['D-OPS'].id}/children", {}),
             (f"{SETUP}/indicators/{ind.id}", {"weight": "1"})]
    before = (count(db, Period), count(db, Goal), count(db, Indicator), count(db, GoalLink))
    for who in ("exec", "manager", "employee"):
        for path, data in posts:
            r = client.post(path, data=data, headers=as_role(who))
            # a planner's goal outside his scope is the 404 of nobody; everything else is not his to do
            expected = 404 if who == "manager" and ("/goals/" in path or "/indicators/" in path) and "D-OPS" not in path \
                and str(plan.goals["D-OPS"].id) not in path else 403
            assert r.status_code == expected, (who, path, r.status_code)
    assert (count(db, Period), count(db, Goal), count(db, Indicator), count(db, GoalLink)) == before
    assert db.get(Period, pid).state is PeriodState.IN_PROGRESS and goal.title == "Grow the pipeline"


def test_a_manager_plans_the_goals_of_his_posts(client, plan, as_role, db) -> None:  # type: ignore[no-untyped-def]
    h = as_role("manager")
    alice, a1, a2 = plan.goals["P-ALICE"], plan.indicators["A1"], plan.indicators["A2"]
    page = client.get(f"{SETUP}/goals/{alice.id}", headers=h)
    assert page.status_code == 200 and set(attrs(page.text, "data-setup-indicator")) == {"A1", "A2"}
    r = client.post(f"{SETUP}/goals/{alice.id}/indicator-weights", headers=h, follow_redirects=False,
                    data={f"weight_{a1.id}": "70", f"weight_{a2.id}": "30"})
    assert r.status_code == 303 and (a1.weight, a2.weight) == (70, 30)
    assert client.get(f"{SETUP}/indicators/{a1.id}", headers=h).status_code == 200
    # a department goal is HR's to plan; the period's own pages are HR's
    assert client.get(f"{SETUP}/goals/{plan.goals['D-OPS'].id}", headers=h).status_code == 403
    assert client.get(f"{SETUP}/periods/{plan.period.id}", headers=h).status_code == 403
    # the goal pages link to the editor exactly where he may edit
    assert "data-edit-goal" in client.get(f"/performance/goals/{alice.id}", headers=h).text
    assert "data-edit-goal" not in client.get(f"/performance/goals/{plan.goals['D-OPS'].id}", headers=h).text
    assert "data-edit-goal" not in client.get(f"/performance/goals/{alice.id}", headers=as_role("employee")).text


def test_the_setup_forms_need_the_csrf_token(client, plan, db) -> None:  # type: ignore[no-untyped-def]
    logged_in(client, "hr")
    pid = plan.period.id
    before = count(db, Period)
    paths = [(f"{SETUP}/periods", NEW), (f"{SETUP}/periods/{pid}/advance", {"to": "review"}),
             (f"{SETUP}/periods/{pid}/save-template", {"code": "T", "name": "T"}),
             (f"{SETUP}/goals/{plan.goals['P-ALICE'].id}", {"title": "x"})]
    for path, data in paths:
        for headers in ({}, {"Origin": "https://evil.example"}):
            r = client.post(path, data=data, headers=headers)
            assert r.status_code == 403 and r.headers.get("x-hcm-refused") == "csrf", (path, headers)
    assert count(db, Period) == before and db.get(Period, pid).state is PeriodState.IN_PROGRESS
    token = form_token(client, SETUP)
    r = client.post(f"{SETUP}/periods", data={"csrftoken": token, **NEW}, headers={"Origin": "http://testserver"},
                    follow_redirects=False)
    assert r.status_code == 303 and count(db, Period) == before + 1
