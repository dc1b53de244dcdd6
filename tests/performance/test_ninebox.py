"""The 9-box on a small known set: placement from ratings (or the computed score), the cut-offs, and
what each role may see."""

from __future__ import annotations

import pytest

from hcm.errors import Forbidden, Invalid, NotFound
from performance.models import Goal, GoalLevel, GoalResult, RatingKind
from performance.policy import ninebox_scopes
from performance.service import ninebox, settings
from performance.service.ninebox import performance_band, potential_band
from tests.performance import factories as perf

API = "/api/performance"
POT = RatingKind.POTENTIAL


@pytest.fixture
def known(db, org):  # type: ignore[no-untyped-def]
    """performance x potential, by hand:
    alice  rating 5 -> high       potential 3/3 -> high     Star
    bob    rating 3 -> medium     potential 3/3 -> high     Future star   (his score 200 is ignored: a rating wins)
    dana   score 75 -> low        potential 2/3 -> medium   Inconsistent player
    boss   rating 4 -> high       potential 2/5 -> low      Trusted professional
    carol  rating 2 -> low        potential 4/5 -> high     Rough diamond
    ceo    rating 3, no potential                           unplaced
    """
    hr = org.principal("hr")
    p = perf.period(db)
    P = org.people
    for name, rating in (("alice", 5), ("bob", 3), ("boss", 4), ("carol", 2), ("ceo", 3)):
        perf.final(db, hr, p, P[name], rating)
    for name, pot, scale in (("alice", 3, 3), ("bob", 3, 3), ("dana", 2, 3), ("boss", 2, 5), ("carol", 4, 5)):
        perf.final(db, hr, p, P[name], pot, kind=POT, scale_max=scale)
    for name, score in (("dana", 75.0), ("bob", 200.0)):  # their post goals' results, as a recompute left them
        goal = Goal(period_id=p.id, code=f"G-{name}", title="Own the post", level=GoalLevel.POST,
                    position_id=P[name].position_id)
        db.add(goal)
        db.flush()
        db.add(GoalResult(goal_id=goal.id, period_id=p.id, level="post", score=score, management_score=score,
                          management_weight=100.0, at_risk=False))
    db.flush()
    return p


def placed(box) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    return {c.label: {p.name.split()[0] for p in c.people} for row in box.grid for c in row if c.count}


def counts(box) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {c.label: c.count for row in box.grid for c in row if c.count}


def test_bands_and_cut_offs() -> None:
    assert [performance_band(r, None)[0] for r in (1, 2, 2.4, 2.5, 3, 3.4, 3.5, 4, 5)] == [
        "low", "low", "low", "medium", "medium", "medium", "high", "high", "high"]
    assert [performance_band(None, s) for s in (79.9, 80, 110, 110.1)] == [
        ("low", "score"), ("medium", "score"), ("medium", "score"), ("high", "score")]
    assert performance_band(4, 50) == ("high", "rating") and performance_band(None, None) == (None, None)
    assert [potential_band(v, 3) for v in (1, 2, 3)] == ["low", "medium", "high"]
    assert [potential_band(v, 5) for v in (1, 2, 3, 4, 5)] == ["low", "low", "medium", "high", "high"]
    assert potential_band(None, None) is None


def test_grid_shape_and_labels(db, org, known):  # type: ignore[no-untyped-def]
    box = ninebox.nine_box(db, principal=org.principal("hr"), period_id=known.id, scope="company")
    assert [[(c.performance, c.potential) for c in row] for row in box.grid] == [
        [("low", "high"), ("medium", "high"), ("high", "high")],
        [("low", "medium"), ("medium", "medium"), ("high", "medium")],
        [("low", "low"), ("medium", "low"), ("high", "low")]]
    assert [[c.label for c in row] for row in box.grid] == [
        ["Rough diamond", "Future star", "Star"],
        ["Inconsistent player", "Core player", "High performer"],
        ["Talent risk", "Effective performer", "Trusted professional"]]


def test_company_placement_for_hr(db, org, known):  # type: ignore[no-untyped-def]
    box = ninebox.nine_box(db, principal=org.principal("hr"), period_id=known.id, scope="company")
    assert placed(box) == {"Star": {"Alice"}, "Future star": {"Bob"}, "Inconsistent player": {"Dana"},
                           "Trusted professional": {"Bruno"}, "Rough diamond": {"Carol"}}
    assert (box.placed, box.unplaced, [p.name for p in box.unplaced_people]) == (5, 1, ["Cora Chief"])
    dana = box.grid[1][0].people[0]
    assert (dana.performance, dana.performance_from, dana.potential, dana.position_title) == (
        75.0, "score", 2, "Operations Clerk")
    bob = box.grid[0][1].people[0]
    assert (bob.performance, bob.performance_from) == (3, "rating")
    assert box.names_limited is False


def test_scopes_by_role(db, org, known):  # type: ignore[no-untyped-def]
    hr, boss = org.principal("hr"), org.principal("manager")
    team = ninebox.nine_box(db, principal=boss, period_id=known.id, scope="team")
    assert placed(team) == {"Star": {"Alice"}, "Future star": {"Bob"}, "Inconsistent player": {"Dana"}}
    sales = ninebox.nine_box(db, principal=hr, period_id=known.id, scope="department", department_id=org.sales.id)
    assert placed(sales) == {"Rough diamond": {"Carol"}} and sales.department_id == org.sales.id
    ops = ninebox.nine_box(db, principal=hr, period_id=known.id, scope="department", department_id=org.ops.id)
    assert counts(ops) == {"Star": 1, "Future star": 1, "Inconsistent player": 1, "Trusted professional": 1}
    # a manager sees a department only within their own subtree (boss himself is not in it)
    mine = ninebox.nine_box(db, principal=boss, period_id=known.id, scope="department", department_id=org.ops.id)
    assert placed(mine) == placed(team)
    other = ninebox.nine_box(db, principal=boss, period_id=known.id, scope="department", department_id=org.sales.id)
    assert (other.placed, other.unplaced) == (0, 0)
    # executives: company counts for everyone, names of key-post holders only
    ex = ninebox.nine_box(db, principal=org.principal("exec"), period_id=known.id, scope="company")
    assert counts(ex) == counts(ninebox.nine_box(db, principal=hr, period_id=known.id, scope="company"))
    assert placed(ex) == {"Star": set(), "Future star": set(), "Inconsistent player": set(),
                          "Trusted professional": {"Bruno"}, "Rough diamond": set()}
    # her own place would tell her own potential: named only when HR lets people see theirs (off by default)
    assert ex.names_limited and [p.name for p in ex.unplaced_people] == []
    settings.update(db, principal=hr, employees_see_potential=True)
    ex = ninebox.nine_box(db, principal=org.principal("exec"), period_id=known.id, scope="company")
    assert [p.name for p in ex.unplaced_people] == ["Cora Chief"]


def test_refused_scopes(db, org, known):  # type: ignore[no-untyped-def]
    pid = known.id
    for who, scope in (("employee", "team"), ("employee", "department"), ("employee", "company"),
                       ("manager", "company"), ("hr", "team"), ("exec", "team"), ("exec", "department")):
        with pytest.raises(Forbidden):
            ninebox.nine_box(db, principal=org.principal(who), period_id=pid, scope=scope, department_id=org.ops.id)
    with pytest.raises(Invalid, match="needs department_id") as exc:
        ninebox.nine_box(db, principal=org.principal("hr"), period_id=pid, scope="department")
    assert exc.value.field == "department_id"
    with pytest.raises(NotFound):
        ninebox.nine_box(db, principal=org.principal("hr"), period_id=pid, scope="department", department_id=999_999)
    with pytest.raises(NotFound):
        ninebox.nine_box(db, principal=org.principal("hr"), period_id=999_999, scope="company")


def test_the_scopes_offered_are_the_scopes_allowed(db, org, known):  # type: ignore[no-untyped-def]
    """The page offers what performance.policy.ninebox_scopes says; the service accepts exactly those."""
    for who in ("hr", "exec", "manager", "employee"):
        me = org.principal(who)
        for scope in ("team", "department", "company"):
            try:
                ninebox.nine_box(db, principal=me, period_id=known.id, scope=scope, department_id=org.ops.id)
                allowed = True
            except Forbidden:
                allowed = False
            assert allowed == (scope in ninebox_scopes(me)), (who, scope)


def test_ninebox_api(client, as_role, org, known):  # type: ignore[no-untyped-def]
    url = f"{API}/periods/{known.id}/ninebox"
    r = client.get(url, params={"scope": "team"}, headers=as_role("manager"))
    assert r.status_code == 200, r.text
    assert r.json()["grid"][0][2]["label"] == "Star" and r.json()["grid"][0][2]["people"][0]["name"] == "Alice Analyst"
    assert client.get(url, params={"scope": "team"}, headers=as_role("employee")).status_code == 403
    r = client.get(url, params={"scope": "company"}, headers=as_role("exec"))
    assert r.status_code == 200 and r.json()["placed"] == 5 and r.json()["names_limited"] is True
    r = client.get(url, params={"scope": "department"}, headers=as_role("hr"))
    assert r.status_code == 422 and r.json()["field"] == "department_id"
    assert client.get(url, params={"scope": "galaxy"}, headers=as_role("hr")).status_code == 422
    assert client.get(url, headers=as_role("hr")).status_code == 422  # scope is required


@pytest.fixture
def three_stars(db, org, known):  # type: ignore[no-untyped-def]
    """Bruno and Carol join Alice among the stars (their later approved ratings are the final ones)."""
    hr = org.principal("hr")
    for name in ("boss", "carol"):
        perf.final(db, hr, known, org.people[name], 5)
        perf.final(db, hr, known, org.people[name], 3, kind=POT, scale_max=3)
    return known


def test_cells_list_a_few_names_and_the_drill_down_pages_through_the_rest(db, org, three_stars):  # type: ignore[no-untyped-def]
    hr, pid = org.principal("hr"), three_stars.id
    box = ninebox.nine_box(db, principal=hr, period_id=pid, scope="company", names_per_cell=2)
    star = box.grid[0][2]
    assert (star.label, star.count, star.named, [p.name for p in star.people]) == (
        "Star", 3, 3, ["Alice Analyst", "Bruno Boss"])
    assert box.names_per_cell == 2 and (box.unplaced, box.unplaced_named) == (1, 1)

    def names(who: str, cell: str, **kw) -> tuple[list[str], int]:  # type: ignore[no-untyped-def]
        got = ninebox.cell_people(db, principal=org.principal(who), period_id=pid, scope="company", cell=cell, **kw)
        return [p.name for p in got.items], got.total

    assert names("hr", "high-high", page_size=2) == (["Alice Analyst", "Bruno Boss"], 3)
    assert names("hr", "high-high", page_size=2, page=2) == (["Carol Seller"], 3)
    assert names("hr", "high-high", page_size=2, page=3) == ([], 3)
    assert names("hr", "unplaced") == (["Cora Chief"], 1)
    assert names("hr", "low-low") == ([], 0)
    # executives: the drill-down names key-post holders only, as the grid does
    assert names("exec", "high-high") == (["Bruno Boss"], 1)
    ex = ninebox.nine_box(db, principal=org.principal("exec"), period_id=pid, scope="company")
    assert (ex.grid[0][2].count, ex.grid[0][2].named) == (3, 1)
    # a manager drills into their own subtree only
    boss = org.principal("manager")
    got = ninebox.cell_people(db, principal=boss, period_id=pid, scope="team", cell="high-high")
    assert [p.name for p in got.items] == ["Alice Analyst"]
    with pytest.raises(Forbidden):
        ninebox.cell_people(db, principal=boss, period_id=pid, scope="company", cell="high-high")
    for cell, field in (("high-great", "cell"), ("star", "cell")):
        with pytest.raises(Invalid) as exc:
            names("hr", cell)
        assert exc.value.field == field
    with pytest.raises(Invalid) as exc:
        names("hr", "high-high", page_size=0)
    assert exc.value.field == "page_size"


def test_drill_down_api(client, as_role, org, three_stars):  # type: ignore[no-untyped-def]
    url = f"{API}/periods/{three_stars.id}/ninebox/people"
    r = client.get(url, params={"scope": "company", "cell": "high-high", "page_size": 2, "page": 2},
                   headers=as_role("hr"))
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 3 and [p["name"] for p in r.json()["items"]] == ["Carol Seller"]
    r = client.get(url, params={"scope": "company", "cell": "high-high"}, headers=as_role("exec"))
    assert r.status_code == 200 and [p["name"] for p in r.json()["items"]] == ["Bruno Boss"]
    r = client.get(url, params={"scope": "company", "cell": "sideways"}, headers=as_role("hr"))
    assert r.status_code == 422 and r.json()["field"] == "cell"
    assert client.get(url, params={"scope": "team", "cell": "high-high"}, headers=as_role("employee")).status_code == 403
    r = client.get(url, params={"scope": "company", "cell": "high-high", "page_size": 501}, headers=as_role("hr"))
    assert r.status_code == 422
