"""Scope-aware pickers (issue 13, item 8), for each role: the departments and managers a person is offered
(``performance.service.pickers``) are the ones they may see, on every performance page with a picker (the
overview's manager picker, the 9-box, points, at risk); a choice outside them (typed into the URL) is a 404
saying it is outside what they may see, the same as an id naming nothing, instead of a page of zeros; and a
choice that is genuinely empty says what is empty.

The small org (tests/factories.small_org): Company > Operations (Bruno Boss heads it; Alice and Bob report to
him, Dana to Bob), Company > Sales (Carol, with a vacant post under her); Cora Chief is the CEO. Key posts:
the CEO's and the head of Operations'. Users: hr, exec (Cora), manager (Bruno), employee (Alice), and the plan
adds bob and dana as employees.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from performance.service import pickers
from tests import factories
from tests.performance import factories as perf
from tests.web.helpers import attrs


def _options(html: str, name: str) -> list[str]:
    """The visible labels of a <select name=...>'s options with a value (not the "all"/"any" one)."""
    m = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert m, f"no {name} picker"
    return [re.sub(r"\s+", " ", label.replace("\u00a0", "")).strip()
            for value, label in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', m.group(1), re.S)
            if value]


@pytest.fixture
def legal(db, org):  # type: ignore[no-untyped-def]
    """A department under the company with no posts at all."""
    return factories.department(db, code="LEG", name="Legal", parent=org.root)


@pytest.fixture
def plan(db, org, legal):  # type: ignore[no-untyped-def]
    p = perf.build_plan(db, org)
    with factories.today_pinned(p.today):
        yield p


OFFERED = {  # role -> (departments as (label depth, name), managers by name)
    "hr": ([(0, "Company"), (1, "Legal"), (1, "Operations"), (1, "Sales")],
           ["Bruno Boss", "Cora Chief", "Bob Lead", "Carol Seller"]),
    "exec": ([(0, "Company"), (1, "Legal"), (1, "Operations"), (1, "Sales")], ["Bruno Boss", "Cora Chief"]),
    "manager": ([(0, "Operations")], ["Bruno Boss", "Bob Lead"]),
    "employee": ([(0, "Operations")], []),
    "bob": ([(0, "Operations")], []),  # an employee whose post has a report: their line is outside their scope
}


@pytest.mark.parametrize("role", list(OFFERED))
def test_each_role_is_offered_only_what_it_may_see(db, org, plan, role) -> None:  # type: ignore[no-untyped-def]
    me = org.principal(role)
    want_departments, want_managers = OFFERED[role]
    assert [(d.depth, d.name) for d in pickers.departments(db, principal=me)] == want_departments
    assert [m.name for m in pickers.managers(db, principal=me)] == want_managers


@pytest.mark.parametrize("role", ["hr", "exec", "manager", "employee"])
def test_the_pages_offer_the_same_choices(client, as_role, plan, role) -> None:  # type: ignore[no-untyped-def]
    want_departments, want_managers = OFFERED[role]
    names = [n for _, n in want_departments]
    base = f"/performance/periods/{plan.period.id}"
    at_risk = client.get(f"{base}/at-risk", headers=as_role(role)).text
    assert _options(at_risk, "department") == names
    if want_managers:
        assert [o.split(" · ")[0] for o in _options(at_risk, "manager")] == want_managers
    else:
        assert '<select name="manager"' not in at_risk  # nobody to choose: no picker
    points = client.get(f"{base}/points?scope=company", headers=as_role(role)).text
    assert _options(points, "department") == names
    if role in ("hr", "manager"):  # the 9-box's department scope
        box = client.get(f"{base}/ninebox", headers=as_role(role)).text
        assert _options(box, "department") == names
        reviews = client.get(f"{base}/reviews", headers=as_role(role)).text
        assert _options(reviews, "department") == names
    overview = client.get(f"/performance?period={plan.period.id}", headers=as_role(role)).text
    if role == "hr":
        assert [o.split(" — ")[0] for o in _options(overview, "manager")] == want_managers
    elif role == "manager":  # his own line's managers: himself and Bob
        assert [o.split(" — ")[0] for o in _options(overview, "manager")] == ["Bruno Boss", "Bob Lead"]
    else:  # no team views
        assert "data-manager-picker" not in overview


def _outside(r: Any, what: str) -> None:
    assert r.status_code == 404, r.text
    assert f"{what} is outside what you may see" in r.text


def test_a_choice_outside_ones_scope_says_so_instead_of_zeros(client, as_role, plan, org) -> None:  # type: ignore[no-untyped-def]
    base = f"/performance/periods/{plan.period.id}"
    sales, carol = org.sales.id, org.people["carol"].id
    # the manager of Operations asks for Sales
    r = client.get(f"{base}/ninebox?scope=department&department={sales}", headers=as_role("manager"))
    _outside(r, f"department {sales}")
    assert "people placed" not in r.text and 'data-stat="placed"' not in r.text
    r = client.get(f"{base}/points?scope=department&department={sales}", headers=as_role("manager"))
    _outside(r, f"department {sales}")
    assert "has points yet" not in r.text and 'data-table="leaderboard"' not in r.text
    _outside(client.get(f"{base}/at-risk?department={sales}", headers=as_role("manager")), f"department {sales}")
    r = client.get(f"{base}/reviews?department={sales}", headers=as_role("manager"))
    _outside(r, f"department {sales}")
    assert "data-review-status" not in r.text
    r = client.get(f"/performance?period={plan.period.id}&manager={carol}", headers=as_role("manager"))
    _outside(r, f"manager {carol}")
    assert "data-team-view" not in r.text and "Carol" not in r.text.split('data-error="team"')[1]
    # an employee asks for another department, or for a manager's line
    r = client.get(f"{base}/points?scope=department&department={sales}", headers=as_role("employee"))
    _outside(r, f"department {sales}")
    boss = org.people["boss"].id
    _outside(client.get(f"{base}/at-risk?manager={boss}", headers=as_role("employee")), f"manager {boss}")
    # the executive may see every department, but a manager who holds no key post is outside
    _outside(client.get(f"{base}/at-risk?manager={carol}", headers=as_role("exec")), f"manager {carol}")
    # an id that names nothing gets the very same answer, on each page
    for url in (f"{base}/ninebox?scope=department&department=999999", f"{base}/points?scope=department&department=999999",
                f"{base}/at-risk?department=999999", f"{base}/reviews?department=999999"):
        _outside(client.get(url, headers=as_role("hr")), "department 999999")
    _outside(client.get(f"/performance?period={plan.period.id}&manager=999999", headers=as_role("hr")),
             "manager 999999")


def test_an_empty_choice_says_what_is_empty(client, as_role, plan, org, legal) -> None:  # type: ignore[no-untyped-def]
    base = f"/performance/periods/{plan.period.id}"
    legal, sales = legal.id, org.sales.id
    r = client.get(f"{base}/ninebox?scope=department&department={legal}", headers=as_role("hr"))
    assert r.status_code == 200
    assert "Nobody in Legal (and below) holds a post, so no one is in this 9-box." in r.text
    # Sales has Carol, rated: placed, and no "nobody" message
    r = client.get(f"{base}/ninebox?scope=department&department={sales}", headers=as_role("hr"))
    assert re.search(r'data-stat="placed"><span class="stat-value">1<', r.text) and "data-ninebox-empty" not in r.text
    # nobody in Sales has points (Alice and Dana in Operations have)
    r = client.get(f"{base}/points?scope=department&department={sales}", headers=as_role("hr"))
    assert r.status_code == 200 and "No one in Sales (and below) has points yet this period." in r.text
    r = client.get(f"{base}/points?scope=department&department={org.ops.id}", headers=as_role("hr"))
    assert 'data-table="leaderboard"' in r.text and "data-leaderboard-empty" not in r.text
    # HR looks at the team of someone nobody reports to
    r = client.get(f"/performance?period={plan.period.id}&manager={org.people['alice'].id}", headers=as_role("hr"))
    assert r.status_code == 200 and "Nobody reports to this post." in r.text
    r = client.get(f"{base}/at-risk?department={legal}", headers=as_role("hr"))
    assert r.status_code == 200 and "No goal in Legal (and below) is at risk." in r.text
    # a manager's 9-box of a department of his where his line holds posts: no empty message
    r = client.get(f"{base}/ninebox?scope=department&department={org.ops.id}", headers=as_role("manager"))
    assert r.status_code == 200 and "data-ninebox-empty" not in r.text


def test_department_results_list_and_open_only_departments_in_scope(client, as_role, plan, org, legal) -> None:  # type: ignore[no-untyped-def]
    base = f"/performance/periods/{plan.period.id}"
    # the manager's results tree is his department's subtree; Sales is not there, and opening it is a 404
    tree = client.get(f"{base}/results", headers=as_role("manager")).text
    assert f'data-department="{org.ops.id}"' in tree and f'data-department="{org.sales.id}"' not in tree
    r = client.get(f"{base}/departments/{org.sales.id}", headers=as_role("manager"))
    assert r.status_code == 404 and "Carol" not in r.text
    assert client.get(f"{base}/departments/999999", headers=as_role("manager")).status_code == 404
    assert client.get(f"{base}/departments/{legal.id}", headers=as_role("hr")).status_code == 200


def test_a_manager_opens_the_team_of_a_manager_in_his_line(client, as_role, plan, org) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"/performance?period={plan.period.id}&manager={org.people['bob'].id}", headers=as_role("manager"))
    assert r.status_code == 200 and "Team of Bob Lead" in r.text
    assert attrs(r.text, "data-member") == [str(org.people["dana"].id)]
