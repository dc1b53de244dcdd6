"""The at-risk page through the real app (SQLite and PostgreSQL): the goals and the people at risk, filtered by
department subtree, manager and grade level, sorted on the server, exported to CSV and XLSX (opened as files
and read row by row), each viewer seeing only their scope, and bad or out-of-scope filters answered with a 4xx
naming the field.

Hand-known rows: the small plan (tests/performance/factories.build_plan, day 200 of 365: 54.8 % elapsed) plus
two check-ins that put Sales behind, then a recompute:
- CR1 (Carol's post goal P-CAROL "Grow the pipeline", baseline 0, threshold 80, target 100) at 40 on day 190:
  progress 40 %, under the threshold -> score 0; 54.8 - 40 > 10 points: at risk.
- SAL1 (the Sales department goal D-SAL "Win new customers") at 20 on day 195: progress 20 %, score 0; D-SAL
  also rolls up P-CAROL (40 %, 0): its progress (20 + 40) / 2 = 30 %, score 0: at risk.
- P-BOB "Roll out the new process": B1 1 of 4 milestones -> progress 25 %, score 25: at risk (the plan's).
- P-REP "Sell to new accounts", added here on the vacant Sales Rep post: REP1 (0 -> 100, threshold 80) at 10
  on day 190: progress 10 %, score 0: at risk; its owner is the vacant post.
- No other goal is at risk (C1 64 %, D-OPS 86 %, P-ALICE 125 %, P-DANA 64 %).
People at risk: Carol (score 0, one goal at risk), Bob (25, one), Dana (75: under 80, no goal at risk).
Grade levels set here: Bob's and Carol's posts level 3, Dana's level 2 (the others keep the plan's).
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from hcm.org.models import Position
from performance.models import GoalLevel
from performance.service import atrisk, rollup, tasks_panel
from tests import factories
from tests.performance import factories as perf
from tests.web.helpers import attrs

GOAL_HEADER = ["Goal", "Level", "Department", "Owner", "Grade level", "Progress (%)", "Score (100 = on target)"]
PEOPLE_HEADER = ["Person", "Position", "Department", "Manager", "Grade level", "Score (100 = on target)",
                 "Goals at risk"]
# goal code -> its row in the files (progress in per cent)
GOALS: dict[str, list[Any]] = {
    "P-BOB": ["Roll out the new process", "post", "Operations", "Bob Lead", 3, 25.0, 25.0],
    "D-SAL": ["Win new customers", "department", "Sales", None, None, 30.0, 0.0],
    "P-CAROL": ["Grow the pipeline", "post", "Sales", "Carol Seller", 3, 40.0, 0.0],
    "P-REP": ["Sell to new accounts", "post", "Sales", "vacant post: Sales Rep", None, 10.0, 0.0],
}
PEOPLE: dict[str, list[Any]] = {
    "carol": ["Carol Seller", "Head of Sales", "Sales", "Cora Chief", 3, 0.0, 1],
    "bob": ["Bob Lead", "Operations Lead", "Operations", "Bruno Boss", 3, 25.0, 1],
    "dana": ["Dana Clerk", "Operations Clerk", "Operations", "Bob Lead", 2, 75.0, 0],
}


@pytest.fixture
def plan(db, org):  # type: ignore[no-untyped-def]
    p = perf.build_plan(db, org)
    hr = org.principal("hr")
    perf.check_in(db, hr, p.indicators["CR1"], p.start + timedelta(days=190), actual=40)
    perf.check_in(db, hr, p.indicators["SAL1"], p.start + timedelta(days=195), actual=20)
    rep = perf.goal(db, hr, p.period, "P-REP", GoalLevel.POST, title="Sell to new accounts",
                    position_id=org.positions["vacant"].id)
    p.goals["P-REP"] = rep
    rep1 = perf.indicator(db, hr, rep, "REP1", kind="quantitative", klass="operational", baseline=0, threshold=80,
                          target=100, weight=100)
    perf.check_in(db, hr, rep1, p.start + timedelta(days=190), actual=10)
    rollup.recompute(db, period_id=p.period.id, today=p.today)
    g3, g2 = factories.grade(db, code="G3", level=3), factories.grade(db, code="G2", level=2)
    for key, g in (("team2", g3), ("sales_head", g3), ("deep", g2)):
        db.get(Position, org.positions[key].id).grade_id = g.id  # type: ignore[union-attr]
    db.flush()
    with factories.today_pinned(p.today):
        yield p


@pytest.fixture
def get(client, plan, as_role):  # type: ignore[no-untyped-def]
    def _get(role: str, query: str = "") -> Any:
        return client.get(f"/performance/periods/{plan.period.id}/at-risk{query}", headers=as_role(role))
    return _get


def _goal_rows(plan: perf.Plan, page: str) -> list[str]:
    """The codes of the goal rows on the page, in their order."""
    code_of = {str(g.id): c for c, g in plan.goals.items()}
    return [code_of[i] for i in attrs(page, "data-goal-row")]


def _person_rows(org: factories.Org, page: str) -> list[str]:
    key_of = {str(e.id): k for k, e in org.people.items()}
    return [key_of[i] for i in attrs(page, "data-person-row")]


def _csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel opens the file as UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _as_csv(row: list[Any]) -> list[str]:
    return ["" if v is None else str(v) for v in row]


def _xlsx(body: bytes) -> list[list[Any]]:
    ws = load_workbook(io.BytesIO(body), read_only=True).active
    return [list(r) for r in ws.iter_rows(values_only=True)]  # type: ignore[union-attr]


def test_hr_sees_every_goal_and_person_at_risk_with_the_rule_stated(get, plan, org) -> None:  # type: ignore[no-untyped-def]
    page = get("hr")
    assert page.status_code == 200
    # the default order: the least progress first
    assert _goal_rows(plan, page.text) == ["P-REP", "P-BOB", "D-SAL", "P-CAROL"]
    assert 'data-total="4"' in page.text and "4 goals at risk" in page.text
    assert "progress lags the time elapsed in the period by more than" in page.text
    assert "under 80" in page.text
    assert attrs(page.text, "data-progress") == ["0.100", "0.250", "0.300", "0.400"]
    assert attrs(page.text, "data-score") == ["0.0", "25.0", "0.0", "0.0"]
    assert "vacant post: Sales Rep" in page.text
    people = get("hr", "?view=people")
    assert _person_rows(org, people.text) == ["carol", "bob", "dana"]  # the lowest score first
    assert attrs(people.text, "data-goals-at-risk") == ["1", "1", "0"]
    assert "3 people at risk" in people.text
    # the period's tabs lead here
    assert f'href="/performance/periods/{plan.period.id}/at-risk"' in page.text


def test_sorting_is_done_on_the_server_both_ways(get, plan, org) -> None:  # type: ignore[no-untyped-def]
    assert _goal_rows(plan, get("hr", "?sort=title").text) == ["P-CAROL", "P-BOB", "P-REP", "D-SAL"]
    assert _goal_rows(plan, get("hr", "?sort=title&order=desc").text) == ["D-SAL", "P-REP", "P-BOB", "P-CAROL"]
    assert _goal_rows(plan, get("hr", "?sort=progress&order=desc").text) == ["P-CAROL", "D-SAL", "P-BOB", "P-REP"]
    # equal scores keep a stable order (the goal's id), and a missing value sorts last either way
    assert _goal_rows(plan, get("hr", "?sort=score").text) == ["D-SAL", "P-CAROL", "P-REP", "P-BOB"]
    assert _goal_rows(plan, get("hr", "?sort=owner").text) == ["P-BOB", "P-CAROL", "P-REP", "D-SAL"]
    assert _goal_rows(plan, get("hr", "?sort=owner&order=desc").text) == ["P-REP", "P-CAROL", "P-BOB", "D-SAL"]
    assert _person_rows(org, get("hr", "?view=people&sort=name").text) == ["bob", "carol", "dana"]
    assert _person_rows(org, get("hr", "?view=people&sort=score&order=desc").text) == ["dana", "bob", "carol"]
    assert _person_rows(org, get("hr", "?view=people&sort=grade_level").text) == ["dana", "bob", "carol"]
    page = get("hr", "?sort=title&order=desc")
    assert 'aria-sort="descending"' in page.text
    # the column links keep the filters and flip the order of the sorted column
    page = get("hr", f"?department={org.root.id}&sort=title")
    assert f'href="?view=goals&amp;department={org.root.id}&amp;sort=title&amp;order=desc"' in page.text


def test_filters_by_department_subtree_manager_and_grade_level(get, plan, org) -> None:  # type: ignore[no-untyped-def]
    # a department includes the departments under it; a department goal belongs to its department
    assert _goal_rows(plan, get("hr", f"?department={org.root.id}").text) == ["P-REP", "P-BOB", "D-SAL", "P-CAROL"]
    sales = get("hr", f"?department={org.sales.id}")
    assert _goal_rows(plan, sales.text) == ["P-REP", "D-SAL", "P-CAROL"]
    assert "3 goals at risk in Sales (and below)" in sales.text
    assert _goal_rows(plan, get("hr", f"?department={org.ops.id}").text) == ["P-BOB"]
    assert _person_rows(org, get("hr", f"?view=people&department={org.ops.id}").text) == ["bob", "dana"]
    # a manager: the people of their reporting line (not themselves), and no unit goals
    boss = org.people["boss"].id
    assert _goal_rows(plan, get("hr", f"?manager={boss}").text) == ["P-BOB"]
    assert _person_rows(org, get("hr", f"?view=people&manager={boss}").text) == ["bob", "dana"]
    bob = get("hr", f"?view=people&manager={org.people['bob'].id}")
    assert _person_rows(org, bob.text) == ["dana"] and "in the reporting line of Bob Lead" in bob.text
    # the grade level of the person's post; unit goals have none
    assert _goal_rows(plan, get("hr", "?level=3").text) == ["P-BOB", "P-CAROL"]
    assert _person_rows(org, get("hr", "?view=people&level=2").text) == ["dana"]
    # filters combine
    assert _person_rows(org, get("hr", f"?view=people&department={org.ops.id}&level=3").text) == ["bob"]
    # an empty choice says what is empty
    empty = get("hr", f"?department={org.sales.id}&level=2")
    assert empty.status_code == 200 and attrs(empty.text, "data-goal-row") == []
    assert "No goal in Sales (and below) at grade level 2 is at risk." in empty.text
    assert "data-export" not in empty.text


def test_csv_and_xlsx_carry_the_filters_and_the_order_row_by_row(get, plan, org) -> None:  # type: ignore[no-untyped-def]
    r = get("hr", "?format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="at-risk-goals-FY-T.csv"'
    assert _csv(r.content) == [GOAL_HEADER] + [_as_csv(GOALS[c]) for c in ("P-REP", "P-BOB", "D-SAL", "P-CAROL")]
    r = get("hr", "?format=xlsx&sort=title&order=desc")
    assert r.headers["content-disposition"] == 'attachment; filename="at-risk-goals-FY-T.xlsx"'
    assert _xlsx(r.content) == [GOAL_HEADER] + [GOALS[c] for c in ("D-SAL", "P-REP", "P-BOB", "P-CAROL")]
    r = get("hr", f"?view=people&department={org.ops.id}&format=xlsx")
    assert _xlsx(r.content) == [PEOPLE_HEADER, PEOPLE["bob"], PEOPLE["dana"]]
    r = get("hr", "?view=people&level=3&sort=name&format=csv")
    assert _csv(r.content) == [PEOPLE_HEADER, _as_csv(PEOPLE["bob"]), _as_csv(PEOPLE["carol"])]
    # the page's download links are these very requests
    page = get("hr", f"?view=people&department={org.ops.id}&sort=name&order=desc")
    links = attrs(page.text, "data-export")
    assert links == ["csv", "xlsx"]
    assert (f'href="?view=people&amp;department={org.ops.id}&amp;sort=name&amp;order=desc&amp;format=xlsx"'
            in page.text)


def test_each_viewer_sees_and_exports_only_their_scope(get, plan, org) -> None:  # type: ignore[no-untyped-def]
    # the manager (Bruno, head of Operations): his line; no unit goals, nothing of Sales
    page = get("manager")
    assert _goal_rows(plan, page.text) == ["P-BOB"] and "Grow the pipeline" not in page.text
    assert _person_rows(org, get("manager", "?view=people").text) == ["bob", "dana"]
    assert _csv(get("manager", "?format=csv").content) == [GOAL_HEADER, _as_csv(GOALS["P-BOB"])]
    assert _xlsx(get("manager", "?view=people&format=xlsx").content) == [PEOPLE_HEADER, PEOPLE["bob"], PEOPLE["dana"]]
    assert "You see your reporting line and yourself." in page.text
    # the executive: the org's unit goals, the key-post holders (none of them at risk); no other post goals
    page = get("exec")
    assert _goal_rows(plan, page.text) == ["D-SAL"]
    assert _person_rows(org, get("exec", "?view=people").text) == []
    assert _xlsx(get("exec", "?format=xlsx").content) == [GOAL_HEADER, GOALS["D-SAL"]]
    assert _csv(get("exec", "?view=people&format=csv").content) == [PEOPLE_HEADER]
    # an employee: only themselves. Alice is on track; Bob sees his own goal and himself, not Dana's score
    alice = get("employee")
    assert _goal_rows(plan, alice.text) == [] and "No goal is at risk among what you may see." in alice.text
    assert _csv(get("employee", "?view=people&format=csv").content) == [PEOPLE_HEADER]
    assert _goal_rows(plan, get("bob").text) == ["P-BOB"]
    assert _person_rows(org, get("bob", "?view=people").text) == ["bob"]
    # names only whom the viewer may see: an employee's own manager is outside their scope, so left blank
    own = {k: [None if i == 3 else v for i, v in enumerate(PEOPLE[k])] for k in ("bob", "dana")}
    assert _csv(get("bob", "?view=people&format=csv").content) == [PEOPLE_HEADER, _as_csv(own["bob"])]
    assert _xlsx(get("dana", "?view=people&format=xlsx").content) == [PEOPLE_HEADER, own["dana"]]


def test_a_filter_outside_the_viewers_scope_is_a_404_saying_so_page_and_file(get, plan, org) -> None:  # type: ignore[no-untyped-def]
    for role, query in (("manager", f"?department={org.sales.id}"),
                        ("manager", f"?department={org.sales.id}&format=csv"),
                        ("manager", f"?manager={org.people['carol'].id}"),
                        ("employee", f"?manager={org.people['boss'].id}&format=xlsx"),
                        ("employee", f"?view=people&department={org.root.id}"),
                        ("exec", f"?manager={org.people['bob'].id}")):
        r = get(role, query)
        assert r.status_code == 404, (role, query)
        assert "outside what you may see" in r.text and "data-goal-row" not in r.text
        assert "attachment" not in r.headers.get("content-disposition", "")
        assert 'data-error-field="' + ("department" if "department" in query else "manager") + '"' in r.text
    # the same answer for an id that names nothing
    r = get("hr", "?department=999999")
    assert r.status_code == 404 and "department 999999 is outside what you may see" in r.text
    # a manager may filter on a manager of their own line
    assert _person_rows(org, get("manager", f"?view=people&manager={org.people['bob'].id}").text) == ["dana"]


@pytest.mark.parametrize(("query", "field"), [
    ("?level=abc", "level"), ("?department=x1", "department"), ("?manager=1.5", "manager"),
    ("?view=bosses", "view"), ("?sort=salary", "sort"), ("?view=people&sort=title", "sort"),
    ("?format=pdf", "format"), ("?page=-1", "page"), ("?page=zz", "page"),
])
def test_bad_filter_values_are_4xx_naming_the_field(get, query, field) -> None:  # type: ignore[no-untyped-def]
    r = get("hr", query)
    assert r.status_code == 422, r.text
    assert f'data-error-field="{field}"' in r.text and field in r.text
    assert "data-goal-row" not in r.text


def test_a_period_that_does_not_exist_is_a_404(client, as_role) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/performance/periods/999999/at-risk", headers=as_role("hr")).status_code == 404


@pytest.mark.parametrize(("role", "goals"), [("hr", 4), ("exec", 1), ("manager", 1)])
def test_the_tasks_panel_counts_the_goals_this_page_lists_and_links_here(db, org, plan, get, role, goals) -> None:  # type: ignore[no-untyped-def]
    panel = tasks_panel.tasks(db, principal=org.principal(role), today=plan.today)
    mine = next(t for t in panel.periods if t.period.id == plan.period.id)
    assert mine.goals_at_risk == goals
    assert mine.at_risk_href == f"/performance/periods/{plan.period.id}/at-risk"
    assert f'data-total="{goals}"' in get(role).text


def test_pages_of_rows_share_the_total(db, org, plan, get) -> None:  # type: ignore[no-untyped-def]
    hr = org.principal("hr")
    code_of = {g.id: c for c, g in plan.goals.items()}
    seen = []
    for n in (1, 2):
        got = atrisk.at_risk(db, principal=hr, period_id=plan.period.id, page=n, page_size=3)
        assert got.total == 4
        seen += [code_of[r["goal_id"]] for r in got.rows]
    assert seen == ["P-REP", "P-BOB", "D-SAL", "P-CAROL"]
    past = atrisk.at_risk(db, principal=hr, period_id=plan.period.id, page=3, page_size=3)
    assert (past.rows, past.total) == ([], 4)
    page = get("hr", "?page=2")  # 50 a page: past the last one
    assert page.status_code == 200 and "data-past-last-page" in page.text and "data-none-at-risk" not in page.text
