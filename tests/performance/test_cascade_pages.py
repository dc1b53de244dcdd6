"""The cascade page (performance.service.cascade_view, pages/cascade.py) through the real app on SQLite and
PostgreSQL, on the known plan with named owners: the first view (the company level and the way down to the
viewer's own goals, nothing else), the children fragment (a goal's supporting goals; a goal outside the
viewer's scope or of another period answers 404 like a missing one; bad ids are a 4xx, never a 500), the
focus link (the page opened on a goal, the goals above it open), and the search over goal titles, codes and
owners' names with each hit's path, where nobody finds, or reads the name of, a person they may not see.

The plan's owners (``named_plan``): C1 is owned by the chief executive, Cora Chief; the Operations department
is headed by the Head of Operations post (Bruno Boss), Sales by the Head of Sales (Carol Seller); the post
goals are answered for by their posts' holders.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from performance.models import GoalLevel, PeriodState
from performance.service import cascade_view
from tests import factories
from tests.factories import Org
from tests.performance import factories as perf
from tests.web.helpers import attrs


@pytest.fixture
def web(client):  # type: ignore[no-untyped-def]
    return client


@pytest.fixture
def plan(db: Session, org: Org) -> Iterator[perf.Plan]:
    """The known plan with owners: C1 owned by Cora (the CEO), Operations headed by Bruno's post, Sales by
    Carol's (the department goals are then theirs)."""
    p = perf.build_plan(db, org)
    p.goals["C1"].owner_employee_id = org.people["ceo"].id
    org.ops.head_position_id = org.positions["ops_head"].id
    org.sales.head_position_id = org.positions["sales_head"].id
    db.flush()
    with factories.today_pinned(p.today):
        yield p


@pytest.fixture
def as_user(as_role, plan):  # type: ignore[no-untyped-def]
    return as_role


def _base(plan: perf.Plan) -> str:
    return f"/performance/periods/{plan.period.id}/cascade"


def _open(page: str) -> set[str]:
    """The codes of the goals whose <details> came open with the page (their rows are in it)."""
    return set(re.findall(r'<li data-goal="([^"]+)"[^>]*>\s*<details open>', page))


def _closed(page: str) -> set[str]:
    """The codes of the goals shown closed, their rows to be fetched (data-children-url)."""
    return set(re.findall(r'<li data-goal="([^"]+)"[^>]*>\s*<details data-children-url=', page))


def _owner(page: str, code: str) -> tuple[str, str]:
    """(data-owner, the text) of the owner shown on goal ``code``'s row."""
    row = page[page.index(f'data-goal="{code}"'):]
    found = re.search(r'<span class="goal-owner[^"]*" data-owner="(person|post)"[^>]*>(.*?)</span>\s*(?:<span class="tag|'
                      r'<span class="goal-figures)', row, re.S)
    assert found, f"no owner on {code}'s row"
    return found.group(1), re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", found.group(2)))).strip()


def _hits(page: str) -> list[str]:
    return attrs(page, "data-hit")


# --- the first view -----------------------------------------------------------------------------------
def test_hr_with_no_goals_of_its_own_gets_the_company_level_only(web, plan, as_user) -> None:  # type: ignore[no-untyped-def]
    page = web.get(_base(plan), headers=as_user("hr"))
    assert page.status_code == 200
    assert attrs(page.text, "data-goal") == ["C1"] and _closed(page.text) == {"C1"} and _open(page.text) == set()
    assert attrs(page.text, "data-children") == ["2"]
    assert f'data-children-url="{_base(plan)}/{plan.goals["C1"].id}/children"' in page.text
    assert "7 goals you may see" in page.text and attrs(page.text, "data-own") == []
    assert _owner(page.text, "C1") == ("person", "Cora Chief · Chief Executive")


@pytest.mark.parametrize(("username", "own", "shown"), [
    # alice: her post's goal under Operations; the company level's other goal (Sales) is listed, closed
    ("employee", "P-ALICE", ["C1", "D-OPS", "P-ALICE", "D-SAL"]),
    ("dana", "P-DANA", ["C1", "D-OPS", "P-DANA", "D-SAL"]),
    ("bob", "P-BOB", ["C1", "D-OPS", "P-BOB", "D-SAL"]),
])
def test_the_first_view_is_the_company_level_and_the_way_to_ones_own_goals(  # type: ignore[no-untyped-def]
        web, plan, as_user, username, own, shown) -> None:
    page = web.get(_base(plan), headers=as_user(username)).text
    assert attrs(page, "data-goal") == shown  # in page order: each step's supporting goals under it
    assert _open(page) == {"C1", "D-OPS"}  # the way down; nothing else is opened
    assert _closed(page) == set()  # Sales' goal has no supporting goal they may see: a leaf, no count
    assert '<li data-goal="D-SAL"' in page and "P-CAROL" not in page
    own_rows = re.findall(r'<li data-goal="([^"]+)"(?:(?!<li ).)*?data-own>yours', page, re.S)
    assert own_rows == [own] and "your 1 goal" in page
    # the Operations department's children count only what the viewer may see: their own post goal
    assert attrs(page, "data-children") == ["2", "1"]


def test_the_manager_with_no_post_goal_sees_the_company_level_and_their_team_one_row_away(  # type: ignore[no-untyped-def]
        web, plan, as_user) -> None:
    page = web.get(_base(plan), headers=as_user("manager")).text
    assert attrs(page, "data-goal") == ["C1"] and attrs(page, "data-own") == []
    kids = web.get(f"{_base(plan)}/{plan.goals['D-OPS'].id}/children", headers=as_user("manager"))
    assert attrs(kids.text, "data-goal") == ["P-ALICE", "P-BOB", "P-DANA"]  # heaviest link first
    assert attrs(kids.text, "data-weight") == ["50", "30", "20"]


# --- the children fragment ---------------------------------------------------------------------------
def test_the_children_fragment_shows_a_goals_visible_supporting_goals(web, plan, as_user) -> None:  # type: ignore[no-untyped-def]
    base, hr = _base(plan), as_user("hr")
    c1 = web.get(f"{base}/{plan.goals['C1'].id}/children", headers=hr)
    assert c1.status_code == 200 and "text/html" in c1.headers["content-type"]
    assert "<html" not in c1.text and 'data-nav="performance"' not in c1.text  # rows, not a page
    assert attrs(c1.text, "data-goal") == ["D-OPS", "D-SAL"] and attrs(c1.text, "data-weight") == ["60", "40"]
    assert _closed(c1.text) == {"D-OPS", "D-SAL"}  # their own rows come on demand again
    ops = web.get(f"{base}/{plan.goals['D-OPS'].id}/children", headers=hr).text
    assert attrs(ops, "data-score") == ["125.0", "25.0", "75.0"] and len(attrs(ops, "data-at-risk")) == 1
    assert [re.match(r'<li data-goal="([^"]+)"', row).group(1)  # type: ignore[union-attr]
            for row in re.split(r"(?=<li data-goal=)", ops) if "data-at-risk" in row] == ["P-BOB"]
    leaf = web.get(f"{base}/{plan.goals['P-BOB'].id}/children", headers=hr)
    assert leaf.status_code == 200 and attrs(leaf.text, "data-goal") == []
    # the employee: only her own post goal under Operations, no count or trace of the others
    mine = web.get(f"{base}/{plan.goals['D-OPS'].id}/children", headers=as_user("employee")).text
    assert attrs(mine, "data-goal") == ["P-ALICE"] and re.findall(r'data-own>yours', mine) == ["data-own>yours"]
    for code in ("P-BOB", "P-DANA"):
        assert code not in mine and plan.goals[code].title not in mine


def test_a_goal_outside_scope_or_of_another_period_is_not_found(  # type: ignore[no-untyped-def]
        web, plan, as_user, db, org) -> None:
    base = _base(plan)
    other = perf.period(db, code="FY-O", state=PeriodState.PLANNING, start=plan.start.replace(year=2027))
    elsewhere = perf.goal(db, org.principal("hr"), other, "O1", GoalLevel.COMPANY, title="Another year's goal")
    emp = as_user("employee")
    for gid in (plan.goals["P-BOB"].id, plan.goals["P-CAROL"].id, 999_999):  # hidden, hidden, missing: alike
        for url in (f"{base}/{gid}/children", f"{base}?goal={gid}"):
            r = web.get(url, headers=emp)
            assert r.status_code == 404, url
            assert "Roll out the new process" not in r.text and "Grow the pipeline" not in r.text
    hidden = web.get(f"{base}/{plan.goals['P-BOB'].id}/children", headers=emp).text
    missing = web.get(f"{base}/999999/children", headers=emp).text
    def blank(text: str, gid: int) -> str:  # the id named, and the page's own CSRF token, aside
        return re.sub(rf"\b{gid}\b", "N", re.sub(r'<meta name="csrf-token"[^>]*>', "", text))

    assert blank(hidden, plan.goals["P-BOB"].id) == blank(missing, 999999)
    hr = as_user("hr")
    for url in (f"{base}/{elsewhere.id}/children", f"{base}?goal={elsewhere.id}"):
        r = web.get(url, headers=hr)
        assert r.status_code == 404 and "Another year" not in r.text, url
    assert web.get(f"/performance/periods/{other.id}/cascade?goal={elsewhere.id}", headers=hr).status_code == 200
    assert web.get(f"/performance/periods/{other.id}/cascade/{plan.goals['C1'].id}/children",
                   headers=hr).status_code == 404
    assert web.get(f"/performance/periods/999999/cascade/{plan.goals['C1'].id}/children",
                   headers=hr).status_code == 404
    assert web.get("/performance/periods/999999/cascade", headers=hr).status_code == 404


@pytest.mark.parametrize("bad", ["abc", "0", "-1", "1.5", "2147483648", "99999999999999999999999", "%00", "1%20OR%201=1"])
def test_bad_ids_are_a_4xx_never_a_500(web, plan, as_user, bad) -> None:  # type: ignore[no-untyped-def]
    base, hr = _base(plan), as_user("hr")
    for url in (f"{base}/{bad}/children", f"{base}?goal={bad}",
                f"/performance/periods/{bad}/cascade", f"/performance/periods/{bad}/cascade/1/children"):
        r = web.get(url, headers=hr)
        assert 400 <= r.status_code < 500, (url, r.status_code)
    r = web.get(f"{base}?goal={bad}", headers=hr)
    if r.status_code == 422:
        assert "goal" in r.text


def test_the_fragment_needs_a_log_in(web, plan) -> None:  # type: ignore[no-untyped-def]
    r = web.get(f"{_base(plan)}/{plan.goals['C1'].id}/children", follow_redirects=False)
    assert r.status_code in (303, 401) and "Run operations reliably" not in r.text


# --- the focus link ----------------------------------------------------------------------------------
def test_the_page_opened_on_a_goal_opens_the_goals_above_it(web, plan, as_user) -> None:  # type: ignore[no-untyped-def]
    base, hr = _base(plan), as_user("hr")
    page = web.get(f"{base}?goal={plan.goals['P-BOB'].id}", headers=hr).text
    assert _open(page) == {"C1", "D-OPS"} and _closed(page) == {"D-SAL"}
    assert attrs(page, "data-goal") == ["C1", "D-OPS", "P-ALICE", "P-BOB", "P-DANA", "D-SAL"]
    assert re.findall(r'<li data-goal="([^"]+)"[^>]*id="goal-(\d+)" data-focus', page) == [
        ("P-BOB", str(plan.goals["P-BOB"].id))]
    assert "Opened on <strong>Roll out the new process</strong> (P-BOB)" in page
    assert "data-cascade-top" in page  # a way back to the top
    # a goal with supporting goals: opened too, its rows listed
    sal = web.get(f"{base}?goal={plan.goals['D-SAL'].id}", headers=hr).text
    assert _open(sal) == {"C1", "D-SAL"} and attrs(sal, "data-goal") == ["C1", "D-OPS", "D-SAL", "P-CAROL"]
    # the employee opened on her own goal: the same way down
    mine = web.get(f"{base}?goal={plan.goals['P-ALICE'].id}", headers=as_user("employee")).text
    assert attrs(mine, "data-goal") == ["C1", "D-OPS", "P-ALICE", "D-SAL"]
    # the no-script link of a closed goal is this focus link
    top = web.get(base, headers=hr).text
    c1 = plan.goals["C1"].id
    assert f'<a href="{base}?goal={c1}#goal-{c1}">Show the 2 supporting goals</a>' in top


# --- owners and the search -------------------------------------------------------------------------------
def test_owners_are_named_only_where_the_viewer_sees_them(web, plan, as_user) -> None:  # type: ignore[no-untyped-def]
    base = _base(plan)
    c1 = plan.goals["C1"].id
    hr = web.get(f"{base}/{c1}/children", headers=as_user("hr")).text
    assert _owner(hr, "D-OPS") == ("person", "Bruno Boss · Head of Operations")
    assert _owner(hr, "D-SAL") == ("person", "Carol Seller · Head of Sales")
    emp = web.get(base, headers=as_user("employee")).text
    assert _owner(emp, "C1") == ("post", "Chief Executive")
    assert _owner(emp, "D-OPS") == ("post", "Head of Operations")
    assert _owner(emp, "D-SAL") == ("post", "Head of Sales")
    assert _owner(emp, "P-ALICE") == ("person", "Alice Analyst · Operations Analyst")
    for name in ("Cora", "Bruno", "Carol", "Chief</", "Boss", "Seller"):
        assert name not in emp
    man = web.get(f"{base}/{c1}/children", headers=as_user("manager")).text
    assert _owner(man, "D-OPS") == ("person", "Bruno Boss · Head of Operations")  # himself
    assert _owner(man, "D-SAL") == ("post", "Head of Sales") and "Carol" not in man
    ex = web.get(base, headers=as_user("exec")).text
    assert _owner(ex, "C1") == ("person", "Cora Chief · Chief Executive")


@pytest.mark.parametrize(("q", "hits"), [
    ("roll out", ["P-BOB"]),  # a title, any case
    ("D-sal", ["D-SAL"]),  # a code
    ("P-", ["P-ALICE", "P-BOB", "P-CAROL", "P-DANA"]),  # by level, then code
    ("carol", ["D-SAL", "P-CAROL"]),  # an owner: the head of Sales, and the holder of the post
    ("Bruno Boss", ["D-OPS"]),  # first and last name
    ("cora", ["C1"]),  # the owner named on the goal
    ("  grow  ", ["C1", "P-CAROL"]),  # spaces around do not count
    ("%", []), ("_", []),  # LIKE's wildcards are letters here
    ("nobody", []),
])
def test_hr_searches_goals_and_owners_and_sees_each_hits_path(web, plan, as_user, q, hits) -> None:  # type: ignore[no-untyped-def]
    r = web.get(_base(plan), params={"q": q}, headers=as_user("hr"))
    assert r.status_code == 200
    assert _hits(r.text) == hits
    assert attrs(r.text, "data-search-total") == [str(len(hits))]
    if not hits:
        assert "data-no-hits" in r.text
    # the tree stays below the hits, at the top
    assert attrs(r.text[r.text.index('id="cascade-tree"'):], "data-goal") == ["C1"]


def test_a_hit_shows_its_path_from_the_top_and_links_the_cascade_opened_on_it(web, plan, as_user) -> None:  # type: ignore[no-untyped-def]
    base = _base(plan)
    page = web.get(base, params={"q": "backlog"}, headers=as_user("hr")).text
    assert _hits(page) == ["P-DANA"]
    assert attrs(page, "data-path") == ["C1", "D-OPS"]
    nav = page[page.index("hit-path"):page.index("</nav>", page.index("hit-path"))]
    trail = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", nav)))
    assert "Grow profitably \u203a Run operations reliably \u203a" in trail
    dana = plan.goals["P-DANA"].id
    assert f'href="{base}?goal={dana}#goal-{dana}" data-open-in-cascade="P-DANA"' in page
    assert f'href="{base}?goal={plan.goals["D-OPS"].id}#goal-{plan.goals["D-OPS"].id}" data-path="D-OPS"' in page
    top = web.get(base, params={"q": "grow profitably"}, headers=as_user("hr")).text
    assert _hits(top) == ["C1"] and attrs(top, "data-path") == []  # the top has no path
    assert attrs(web.get(base, params={"q": "pipeline"}, headers=as_user("hr")).text, "data-path") == ["C1", "D-SAL"]


@pytest.mark.parametrize(("username", "q", "hits"), [
    # the employee: goals she sees only, and only the people she sees (herself)
    ("employee", "carol", []), ("employee", "Bruno", []), ("employee", "Cora", []), ("employee", "bob", []),
    ("employee", "Roll out", []), ("employee", "P-", ["P-ALICE"]), ("employee", "alice", ["P-ALICE"]),
    ("employee", "grow", ["C1"]),  # C1 she sees; P-CAROL ("Grow the pipeline") she does not
    ("employee", "Head of", []),  # a post title is shown, not searched as a name
    # the manager: his subtree, not Sales' head
    ("manager", "carol", []), ("manager", "dana", ["P-DANA"]), ("manager", "bruno", ["D-OPS"]),
    ("manager", "P-", ["P-ALICE", "P-BOB", "P-DANA"]),
    # the executive: key posts' holders (Cora, Bruno) but not their teams, no post goals but of key posts
    ("exec", "cora", ["C1"]), ("exec", "bruno", ["D-OPS"]), ("exec", "carol", []), ("exec", "P-", []),
])
def test_nobody_finds_goals_or_owners_they_may_not_see(web, plan, as_user, username, q, hits) -> None:  # type: ignore[no-untyped-def]
    r = web.get(_base(plan), params={"q": q}, headers=as_user(username))
    assert r.status_code == 200 and _hits(r.text) == hits, (username, q)
    assert attrs(r.text, "data-search-total") == [str(len(hits))]
    if username == "employee":
        for name in ("Cora", "Bruno", "Carol Seller", "Bob Lead", "Dana"):
            assert name not in r.text.replace(q, "")  # the query itself is echoed back


def test_the_employees_hits_name_owners_she_may_not_see_by_their_post(web, plan, as_user) -> None:  # type: ignore[no-untyped-def]
    page = web.get(_base(plan), params={"q": "run operations"}, headers=as_user("employee")).text
    assert _hits(page) == ["D-OPS"]
    hit = page[page.index('data-hit="D-OPS"'):page.index("</li>", page.index('data-hit="D-OPS"'))]
    assert 'data-owner="post"' in hit and "Head of Operations" in hit and "Bruno" not in hit


def test_the_search_pages_and_refuses_bad_input_naming_the_field(web, plan, as_user, db, org) -> None:  # type: ignore[no-untyped-def]
    hr = org.principal("hr")
    pid = plan.period.id
    first = cascade_view.cascade_search(db, principal=hr, period_id=pid, q="P-", page=1, page_size=3)
    second = cascade_view.cascade_search(db, principal=hr, period_id=pid, q="P-", page=2, page_size=3)
    assert first.total == second.total == 4
    assert [h.row.code for h in first.hits] == ["P-ALICE", "P-BOB", "P-CAROL"]
    assert [h.row.code for h in second.hits] == ["P-DANA"]
    assert cascade_view.cascade_search(db, principal=hr, period_id=pid, q="P-", page=3, page_size=3).hits == []
    base, h = _base(plan), as_user("hr")
    for far in ("9", "2147483647"):  # past the last page: no hits, the total still said; the largest page too
        past = web.get(base, params={"q": "P-", "page": far}, headers=h)
        assert past.status_code == 200 and _hits(past.text) == [] and attrs(past.text, "data-search-total") == ["4"]
    for params, field in (({"q": "x" * 101}, "q"), ({"q": "grow", "page": "-1"}, "page"),
                          ({"q": "grow", "page": "two"}, "page"), ({"q": "grow", "page": "2147483648"}, "page"),
                          ({"goal": "two"}, "goal")):
        r = web.get(base, params=params, headers=h)
        assert r.status_code == 422, params
        if field == "goal":  # the page cannot be shown without it: an error page naming the field
            assert "goal: 'two' is not a whole number" in html.unescape(r.text)
        else:  # the page without the search, the field named by the search box
            assert attrs(r.text, "data-field-error") == [field] and attrs(r.text, "data-hit") == [], params
    long = web.get(base, params={"q": "x" * 101}, headers=h)
    assert attrs(long.text, "data-goal") == ["C1"]  # the page without the search, the field named
    for bad in ("\x00", "a\x00b", "a\x07"):  # control characters: refused, naming the field
        r = web.get(base, params={"q": bad}, headers=h)
        assert r.status_code == 422 and attrs(r.text, "data-field-error") == ["q"] and attrs(r.text, "data-hit") == []
    for odd in ("😀", "'; drop table perf_goals; --", "\\", "<script>alert(1)</script>"):
        r = web.get(base, params={"q": odd}, headers=h)
        assert 400 <= r.status_code < 500 or (r.status_code == 200 and _hits(r.text) == []), (odd, r.status_code)
        assert "<script>alert(1)</script>" not in r.text
