"""The cascade over HTTP: planning, the bad inputs the issue lists (each a clear 4xx naming the rule,
nothing written), and who sees which goals."""

from __future__ import annotations

import pytest

from performance.models import CheckIn, Goal, GoalLink, Indicator
from tests.factories import count

API = "/api/performance"


@pytest.fixture
def hr(as_role):  # type: ignore[no-untyped-def]
    return as_role("hr")


@pytest.fixture
def period(client, hr):  # type: ignore[no-untyped-def]
    r = client.post(f"{API}/periods", json={"code": "FY26", "name": "2026", "kind": "annual",
                                            "start_date": "2026-01-01", "end_date": "2027-01-01"}, headers=hr)
    assert r.status_code == 201, r.text
    return r.json()


def _goal(client, hr, period, code, level, **kw):  # type: ignore[no-untyped-def]
    r = client.post(f"{API}/periods/{period['id']}/goals", json={"code": code, "title": code, "level": level, **kw},
                    headers=hr)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def plan(client, hr, period, org):  # type: ignore[no-untyped-def]
    c = _goal(client, hr, period, "C1", "company")
    d_ops = _goal(client, hr, period, "D-OPS", "department", department_id=org.ops.id)
    d_sal = _goal(client, hr, period, "D-SAL", "department", department_id=org.sales.id)
    p_alice = _goal(client, hr, period, "P-OPS1", "post", position_id=org.positions["team1"].id)
    p_carol = _goal(client, hr, period, "P-SALH", "post", position_id=org.positions["sales_head"].id)
    return {"C1": c, "D-OPS": d_ops, "D-SAL": d_sal, "P-OPS1": p_alice, "P-SALH": p_carol}


def test_weights_must_add_to_100(client, hr, plan, db):  # type: ignore[no-untyped-def]
    body = {"children": [{"child_goal_id": plan["D-OPS"]["id"], "weight": 60},
                         {"child_goal_id": plan["D-SAL"]["id"], "weight": 30}]}
    r = client.put(f"{API}/goals/{plan['C1']['id']}/children", json=body, headers=hr)
    assert r.status_code == 422 and "add to 90, not 100" in r.json()["detail"]
    assert count(db, GoalLink) == 0
    body["children"][1]["weight"] = 40
    assert client.put(f"{API}/goals/{plan['C1']['id']}/children", json=body, headers=hr).status_code == 200
    assert count(db, GoalLink) == 2


def test_a_goal_may_support_several_parents_but_never_close_a_cycle(client, hr, plan, period, org):  # type: ignore[no-untyped-def]
    # the same post goal supports both department goals (a weighted graph, not a tree)
    for parent in ("D-OPS", "D-SAL"):
        r = client.put(f"{API}/goals/{plan[parent]['id']}/children",
                       json={"children": [{"child_goal_id": plan["P-OPS1"]["id"], "weight": 100}]}, headers=hr)
        assert r.status_code == 200
    # links only go upwards, so a department goal cannot sit under a post goal
    r = client.put(f"{API}/goals/{plan['P-OPS1']['id']}/children",
                   json={"children": [{"child_goal_id": plan["D-OPS"]["id"], "weight": 100}]}, headers=hr)
    assert r.status_code == 422 and "lower levels up" in r.json()["detail"]
    # and a goal cannot support itself
    r = client.put(f"{API}/goals/{plan['D-OPS']['id']}/children",
                   json={"children": [{"child_goal_id": plan["D-OPS"]["id"], "weight": 100}]}, headers=hr)
    assert r.status_code == 422 and "cycle" in r.json()["detail"]


def test_cycle_detection_in_the_link_graph(db, org):  # type: ignore[no-untyped-def]
    from performance import rules

    edges = {1: [2], 2: [3], 3: []}
    assert rules.reaches(edges, 1, 3) and not rules.reaches(edges, 3, 1)


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"direction": "higher_is_better", "threshold": 120, "target": 100}, "threshold", "below target"),
    ({"direction": "lower_is_better", "threshold": 5, "target": 10}, "threshold", "above target"),
    ({"direction": "higher_is_better", "threshold": 80, "target": 100, "stretch": 90}, "stretch", "stretch"),
    ({"direction": "range", "target_low": 50, "target_high": 40, "threshold_low": 30, "threshold_high": 60},
     "target_low", "target_low"),
])
def test_indicator_bounds_in_the_wrong_order_are_refused(client, hr, plan, db, body, field, words):  # type: ignore[no-untyped-def]
    base = {"code": "K1", "name": "Revenue", "kind": "quantitative", "klass": "operational", "weight": 100}
    r = client.post(f"{API}/goals/{plan['D-OPS']['id']}/indicators", json=base | body, headers=hr)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and words in r.json()["detail"]
    assert count(db, Indicator) == 0


def test_a_period_cannot_start_with_broken_weights_and_closed_periods_refuse_writes(  # type: ignore[no-untyped-def]
        client, hr, plan, period, db):
    gid = plan["D-OPS"]["id"]
    ind = client.post(f"{API}/goals/{gid}/indicators", json={"code": "K1", "name": "Revenue", "kind": "quantitative",
                                                             "klass": "operational", "threshold": 80, "target": 100,
                                                             "weight": 60}, headers=hr).json()
    r = client.post(f"{API}/periods/{period['id']}/advance", json={"to": "in_progress"}, headers=hr)
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "indicator weights of a goal add to 100"
    client.post(f"{API}/goals/{gid}/indicators", json={"code": "K2", "name": "Cost", "kind": "rubric",
                                                       "klass": "management", "weight": 40}, headers=hr)
    assert client.post(f"{API}/periods/{period['id']}/advance", json={"to": "in_progress"}, headers=hr).status_code == 200
    # no skipping states
    r = client.post(f"{API}/periods/{period['id']}/advance", json={"to": "closed"}, headers=hr)
    assert r.status_code == 409 and "next state is review" in r.json()["detail"]
    r = client.post(f"{API}/indicators/{ind['id']}/checkins", json={"as_of": "2026-05-01", "actual": 95}, headers=hr)
    assert r.status_code == 201
    r = client.post(f"{API}/indicators/{ind['id']}/checkins", json={"as_of": "2027-05-01", "actual": 95}, headers=hr)
    assert r.status_code == 422 and r.json()["field"] == "as_of"
    for state in ("review", "calibration", "closed"):
        assert client.post(f"{API}/periods/{period['id']}/advance", json={"to": state}, headers=hr).status_code == 200
    before = count(db, CheckIn)
    r = client.post(f"{API}/indicators/{ind['id']}/checkins", json={"as_of": "2026-06-01", "actual": 99}, headers=hr)
    assert r.status_code == 409 and "closed periods are read-only" in r.json()["detail"]
    assert count(db, CheckIn) == before
    r = client.post(f"{API}/periods/{period['id']}/goals", json={"code": "late", "title": "x", "level": "company"},
                    headers=hr)
    assert r.status_code == 409 and "closed" in r.json()["detail"]
    assert client.post(f"{API}/periods/{period['id']}/recompute", headers=hr).status_code == 409
    results = client.get(f"{API}/periods/{period['id']}/results", params={"unit_type": "department"}, headers=hr).json()
    assert results["items"][0]["name"] == "Operations" and results["items"][0]["operational_score"] == 87.5


def test_who_sees_which_goals(client, as_role, plan, period):  # type: ignore[no-untyped-def]
    def codes(who: str) -> set[str]:
        r = client.get(f"{API}/periods/{period['id']}/goals", headers=as_role(who))
        assert r.status_code == 200
        return {g["code"] for g in r.json()}

    units = {"C1", "D-OPS", "D-SAL"}
    assert codes("hr") == units | {"P-OPS1", "P-SALH"}
    assert codes("employee") == units | {"P-OPS1"}  # alice holds OPS-1
    assert codes("manager") == units | {"P-OPS1"}  # OPS-1 is in the manager's subtree, SAL-H is not
    r = client.get(f"{API}/goals/{plan['P-SALH']['id']}", headers=as_role("employee"))
    assert r.status_code == 404


def test_a_goal_one_cannot_see_is_answered_like_no_goal(client, as_role, plan, org, db):  # type: ignore[no-untyped-def]
    """The scope rule for goal ids: a manager naming the post goal of someone outside their line (to edit it,
    delete it, link it, add an indicator, list its indicators or put it under their own goal) gets the very
    answer of a goal id that names nothing, and its code never shows."""
    mgr = as_role("manager")
    theirs, nothing = plan["P-SALH"]["id"], 999_999
    mine = _goal(client, as_role("hr"), {"id": plan["C1"]["period_id"]}, "P-DEEP", "post",
                 position_id=org.positions["deep"].id)["id"]
    indicator = {"code": "X1", "name": "x", "kind": "quantitative", "klass": "operational", "threshold": 1,
                 "target": 2, "weight": 100}
    probes = [
        lambda g: client.patch(f"{API}/goals/{g}", json={"title": "mine now"}, headers=mgr),
        lambda g: client.delete(f"{API}/goals/{g}", headers=mgr),
        lambda g: client.put(f"{API}/goals/{g}/children", json={"children": []}, headers=mgr),
        lambda g: client.post(f"{API}/goals/{g}/indicators", json=indicator, headers=mgr),
        lambda g: client.get(f"{API}/goals/{g}/indicators", headers=mgr),
        lambda g: client.get(f"{API}/goals/{g}", headers=mgr),
        lambda g: client.put(f"{API}/goals/{mine}/children", json={"children": [{"child_goal_id": g, "weight": 100}]},
                             headers=mgr),
    ]
    for probe in probes:
        seen, none = probe(theirs), probe(nothing)
        assert seen.status_code == none.status_code and seen.status_code in (404, 422), (seen.text, none.text)
        assert seen.text.replace(str(theirs), "<id>") == none.text.replace(str(nothing), "<id>")
        assert "P-SALH" not in seen.text
    assert db.get(Goal, theirs).title == "P-SALH" and count(db, Indicator) == 0


def test_manager_plans_only_their_subtree(client, as_role, period, org):  # type: ignore[no-untyped-def]
    mgr = as_role("manager")
    r = client.post(f"{API}/periods/{period['id']}/goals", json={"code": "PG1", "title": "Faster close", "level": "post",
                                                                 "position_id": org.positions["deep"].id}, headers=mgr)
    assert r.status_code == 201
    r = client.post(f"{API}/periods/{period['id']}/goals", json={"code": "PG2", "title": "x", "level": "post",
                                                                 "position_id": org.positions["sales_head"].id},
                    headers=mgr)
    assert r.status_code == 403
    r = client.post(f"{API}/periods/{period['id']}/goals", json={"code": "DG", "title": "x", "level": "department",
                                                                 "department_id": org.ops.id}, headers=mgr)
    assert r.status_code == 403
    assert client.post(f"{API}/periods/{period['id']}/goals", json={"code": "E", "title": "x", "level": "company"},
                       headers=as_role("employee")).status_code == 403


def test_employee_checks_in_on_own_indicator_only(client, as_role, hr, plan, period, db):  # type: ignore[no-untyped-def]
    mine = client.post(f"{API}/goals/{plan['P-OPS1']['id']}/indicators",
                       json={"code": "M1", "name": "Reports on time", "kind": "milestone", "klass": "management",
                             "milestones_total": 4, "weight": 100}, headers=hr).json()
    theirs = client.post(f"{API}/goals/{plan['P-SALH']['id']}/indicators",
                         json={"code": "S1", "name": "Bookings", "kind": "quantitative", "klass": "operational",
                               "threshold": 1, "target": 2, "weight": 100}, headers=hr).json()
    for g in ("D-OPS", "D-SAL"):
        client.post(f"{API}/goals/{plan[g]['id']}/indicators", json={"code": "R", "name": "r", "kind": "rubric",
                                                                     "klass": "operational", "weight": 100}, headers=hr)
    assert client.post(f"{API}/periods/{period['id']}/advance", json={"to": "in_progress"}, headers=hr).status_code == 200
    emp = as_role("employee")
    r = client.post(f"{API}/indicators/{mine['id']}/checkins", json={"as_of": "2026-04-01", "milestones_done": 5},
                    headers=emp)
    assert r.status_code == 422 and r.json()["field"] == "milestones_done"
    r = client.post(f"{API}/indicators/{mine['id']}/checkins", json={"as_of": "2026-04-01", "milestones_done": 2,
                                                                     "comment": "Q1 done"}, headers=emp)
    assert r.status_code == 201
    # an indicator of a goal she cannot see is not found, exactly like one that does not exist
    r = client.post(f"{API}/indicators/{theirs['id']}/checkins", json={"as_of": "2026-04-01", "actual": 3}, headers=emp)
    nobody = client.post(f"{API}/indicators/999999/checkins", json={"as_of": "2026-04-01", "actual": 3}, headers=emp)
    assert r.status_code == nobody.status_code == 404
    assert r.json() == {**nobody.json(), "detail": nobody.json()["detail"].replace("999999", str(theirs["id"]))}
    assert "S1" not in r.text
    assert count(db, Goal) == 5


def test_employee_scores_are_paged_and_follow_the_people_scope(client, hr, as_role, plan, period):  # type: ignore[no-untyped-def]
    """Alice's post scores 100 (rubric 3), Carol's 125 (rubric 4): HR pages through both, best first; Alice,
    an employee, sees her own score only; her manager sees her but not Carol, who is outside his subtree."""
    for code, level in (("P-OPS1", 3), ("P-SALH", 4)):
        ind = client.post(f"{API}/goals/{plan[code]['id']}/indicators", headers=hr, json={
            "code": "Q", "name": "Quality of work", "kind": "rubric", "klass": "management", "weight": 100}).json()
        plan[code]["indicator"], plan[code]["level"] = ind["id"], level
    assert client.post(f"{API}/periods/{period['id']}/advance", json={"to": "in_progress"}, headers=hr).status_code == 200
    for code in ("P-OPS1", "P-SALH"):
        r = client.post(f"{API}/indicators/{plan[code]['indicator']}/checkins", headers=hr,
                        json={"as_of": "2026-06-30", "rubric_level": plan[code]["level"]})
        assert r.status_code == 201, r.text
    assert client.post(f"{API}/periods/{period['id']}/recompute", headers=hr).status_code == 200

    def page(who: str, **params: object) -> dict:  # type: ignore[type-arg]
        r = client.get(f"{API}/periods/{period['id']}/results", params={"unit_type": "employee", **params},
                       headers=as_role(who) if who != "hr" else hr)
        assert r.status_code == 200, r.text
        return r.json()

    first, second = page("hr", page_size=1), page("hr", page_size=1, page=2)
    assert (first["total"], second["total"]) == (2, 2)
    assert [(i["name"], i["score"]) for i in first["items"] + second["items"]] == [
        ("Carol Seller", 125.0), ("Alice Analyst", 100.0)]
    assert page("hr", page=3, page_size=1)["items"] == []
    assert [i["name"] for i in page("employee")["items"]] == ["Alice Analyst"]
    assert [i["name"] for i in page("manager")["items"]] == ["Alice Analyst"]
    r = client.get(f"{API}/periods/{period['id']}/results", params={"unit_type": "employee", "page_size": 501},
                   headers=hr)
    assert r.status_code == 422 and "page_size" in r.text
    r = client.get(f"{API}/periods/{period['id']}/results", params={"unit_type": "galaxy"}, headers=hr)
    assert r.status_code == 422 and r.json()["field"] == "unit_type"
