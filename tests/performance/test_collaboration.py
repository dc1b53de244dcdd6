"""Collaboration between departments: service items, who may rate (the consumer side), once per period,
the aggregated and thresholded report, and the ratings feeding the department score through the roll-up
(checked against hand-computed figures)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from hcm.auth.models import Role
from hcm.errors import Conflict, Forbidden, Invalid, NotFound
from hcm.org.models import BusinessProcess
from performance.errors import PeriodClosed
from performance.models import CollaborationRating, GoalLevel, PeriodState, ServiceItem
from performance.policy import ANONYMITY_THRESHOLD
from performance.service import collaboration, periods, rollup
from performance.service import units as unit_service
from tests import factories
from tests.factories import count
from tests.performance import factories as perf

API = "/api/performance"
WEIGHT = 0.2  # how much the collaboration weighs in a department's score, in these tests' periods


@pytest.fixture
def sales(db, org):  # type: ignore[no-untyped-def]
    """Sales gets people to rate with: carol heads it, rep1 sits in Sales, rep2 and rep3 in Sales Europe
    (a department below Sales). bob (Operations) gets an account too."""
    eu = factories.department(db, code="SAL-EU", name="Sales Europe", parent=org.sales)
    factories.login(db, org, "carol", Role.MANAGER)
    factories.login(db, org, "bob")
    head = org.positions["sales_head"]
    for name, dept in (("rep1", org.sales), ("rep2", eu), ("rep3", eu)):
        pos = factories.position(db, dept=dept, title="Sales Rep", reports_to=head)
        org.people[name] = factories.employee(db, pos=pos, first=name.title(), last="Rep")
        factories.login(db, org, name)
    org.eu = eu  # type: ignore[attr-defined]
    return org


def _item(db, org, code, provider, consumer, **kw):  # type: ignore[no-untyped-def]
    return collaboration.create_service_item(db, principal=org.principal("hr"), code=code, name=code,
                                             provider_department_id=provider.id, consumer_department_id=consumer.id,
                                             **kw)


@pytest.fixture
def items(db, sales):  # type: ignore[no-untyped-def]
    return {"A": _item(db, sales, "SI-A", sales.ops, sales.sales, description="Deliveries on time"),
            "B": _item(db, sales, "SI-B", sales.ops, sales.sales),
            "C": _item(db, sales, "SI-C", sales.sales, sales.ops)}


def _rate(db, org, name, period, item, score, comment=None):  # type: ignore[no-untyped-def]
    return collaboration.rate_collaboration(db, principal=org.principal(name), period_id=period.id,
                                            service_item_id=item.id, score=score, comment=comment)


# --- service items ---------------------------------------------------------------------------------
def test_service_items_are_hr_only_and_link_two_existing_departments(db, sales, items):  # type: ignore[no-untyped-def]
    hr = sales.principal("hr")
    proc = BusinessProcess(code="O2C", name="Order to cash")
    db.add(proc)
    db.flush()
    with_process = _item(db, sales, "SI-D", sales.sales, sales.root, process_id=proc.id)
    assert with_process.process_id == proc.id
    before = db.scalar(select(func.count()).select_from(ServiceItem))
    base = {"code": "SI-X", "name": "x", "provider_department_id": sales.ops.id, "consumer_department_id": sales.sales.id}
    cases = [
        ({"consumer_department_id": sales.ops.id}, Invalid, "consumer_department_id"),
        ({"provider_department_id": 999_999}, Invalid, "provider_department_id"),
        ({"consumer_department_id": 999_999}, Invalid, "consumer_department_id"),
        ({"process_id": 999_999}, Invalid, "process_id"),
        ({"code": "SI-A"}, Conflict, "code"),
        ({"code": " "}, Invalid, "code"),
    ]
    for kw, exc, field in cases:
        with pytest.raises(exc) as e:
            collaboration.create_service_item(db, principal=hr, **{**base, **kw})
        assert e.value.field == field, kw
    with pytest.raises(Forbidden):
        collaboration.create_service_item(db, principal=sales.principal("manager"), **base)
    assert db.scalar(select(func.count()).select_from(ServiceItem)) == before
    codes = lambda **kw: [i.code for i in collaboration.list_service_items(db, **kw)]  # noqa: E731
    assert codes() == ["SI-A", "SI-B", "SI-C", "SI-D"]
    assert codes(department_id=sales.ops.id) == ["SI-A", "SI-B", "SI-C"]
    assert codes(provider_department_id=sales.ops.id) == ["SI-A", "SI-B"]
    assert codes(consumer_department_id=sales.ops.id) == ["SI-C"]


# --- ratings ---------------------------------------------------------------------------------------
def test_the_consumer_department_rates_once_per_period(db, sales, items):  # type: ignore[no-untyped-def]
    p = perf.period(db, collaboration_weight=WEIGHT)
    assert _rate(db, sales, "carol", p, items["A"], 4, "on time mostly").score == 4
    assert _rate(db, sales, "rep2", p, items["A"], 3).score == 3  # Sales Europe sits below Sales
    assert _rate(db, sales, "hr", p, items["A"], 5).score == 5  # HR may rate any item
    assert _rate(db, sales, "employee", p, items["C"], 2).score == 2  # alice consumes C in Operations
    before = count(db, CollaborationRating)
    with pytest.raises(Conflict) as e:
        _rate(db, sales, "carol", p, items["A"], 5)
    assert e.value.status_code == 409 and "one rating per rater, service item and period" in e.value.message
    for name, item in (("employee", items["A"]), ("manager", items["B"]), ("carol", items["C"])):
        with pytest.raises(Forbidden) as e:  # the provider side, or nobody's consumer, may not rate
            _rate(db, sales, name, p, item, 5)
        assert "consumer department" in e.value.message, name
    with pytest.raises(Forbidden):  # executives hold no PERF_RATE
        _rate(db, sales, "exec", p, items["A"], 5)
    assert count(db, CollaborationRating) == before


def test_bad_ratings_name_the_field_and_write_nothing(db, sales, items):  # type: ignore[no-untyped-def]
    p = perf.period(db, collaboration_weight=WEIGHT)
    for bad in (0, 6, -1, 2.5, True, "3"):
        with pytest.raises(Invalid) as e:
            _rate(db, sales, "carol", p, items["A"], bad)
        assert e.value.field == "score", bad
    with pytest.raises(Invalid) as e:
        collaboration.rate_collaboration(db, principal=sales.principal("carol"), period_id=p.id, service_item_id=999_999,
                                         score=3)
    assert e.value.field == "service_item_id"
    with pytest.raises(Invalid) as e:
        _rate(db, sales, "carol", p, items["A"], 3, "x" * (collaboration.MAX_COMMENT + 1))
    assert e.value.field == "comment"
    with pytest.raises(NotFound):
        collaboration.rate_collaboration(db, principal=sales.principal("carol"), period_id=999_999,
                                         service_item_id=items["A"].id, score=3)
    assert count(db, CollaborationRating) == 0


def test_ratings_need_an_open_period_in_progress_or_review(db, sales, items):  # type: ignore[no-untyped-def]
    p = perf.period(db, state=PeriodState.PLANNING, collaboration_weight=WEIGHT)
    with pytest.raises(Conflict) as e:
        _rate(db, sales, "carol", p, items["A"], 3)
    assert "in_progress or review" in e.value.message and e.value.field == "period_id"
    periods.advance(db, period_id=p.id, to=PeriodState.IN_PROGRESS)
    periods.advance(db, period_id=p.id, to=PeriodState.REVIEW)
    _rate(db, sales, "carol", p, items["A"], 3)
    periods.advance(db, period_id=p.id, to=PeriodState.CALIBRATION)
    with pytest.raises(Conflict):
        _rate(db, sales, "rep1", p, items["A"], 3)
    periods.advance(db, period_id=p.id, to=PeriodState.CLOSED)
    with pytest.raises(PeriodClosed):
        _rate(db, sales, "rep1", p, items["A"], 3)
    assert count(db, CollaborationRating) == 1


# --- the report ------------------------------------------------------------------------------------
def _depts(report):  # type: ignore[no-untyped-def]
    return {d.code: d for d in report.departments}


def test_the_report_is_aggregated_and_thresholded(db, sales, items):  # type: ignore[no-untyped-def]
    assert ANONYMITY_THRESHOLD == 3
    p = perf.period(db, collaboration_weight=WEIGHT)
    _rate(db, sales, "carol", p, items["A"], 4)
    _rate(db, sales, "rep1", p, items["A"], 3)
    _rate(db, sales, "rep2", p, items["A"], 5, "a secret remark")
    _rate(db, sales, "carol", p, items["B"], 2, "another remark")
    _rate(db, sales, "rep3", p, items["B"], 3)
    _rate(db, sales, "employee", p, items["C"], 5)
    report = collaboration.collaboration_report(db, principal=sales.principal("employee"), period_id=p.id)
    assert "remark" not in report.model_dump_json()  # comments never appear, only their count
    ops, sal = _depts(report)["OPS"], _depts(report)["SAL"]
    a, b = ops.items
    # A: 3 raters, (4 + 3 + 5) / 3 = 4 -> 125 on the 0-150 scale
    assert (a.code, a.hidden, a.raters, a.average, a.score, a.comments) == (
        "SI-A", False, 3, 4.0, 125.0, 1)
    # B: 2 raters -> hidden, and nothing about it leaks
    assert b.hidden and b.note == "hidden: fewer than 3 raters"
    assert (b.raters, b.ratings, b.average, b.score, b.comments) == (None, None, None, None, None)
    # OPS has 4 raters in all, but B's two ratings stand behind no figure: OPS shows exactly what A shows, so
    # subtracting A from it reveals nothing of B
    assert (ops.hidden, ops.raters, ops.ratings, ops.average, ops.score, ops.comments) == (False, 3, 3, 4.0, 125.0, 1)
    assert ops.weight == report.collaboration_weight == 0.2
    assert sal.hidden and sal.items[0].hidden  # one rater
    # a third rater on B: everything shows
    _rate(db, sales, "hr", p, items["B"], 1)
    report = collaboration.collaboration_report(db, principal=sales.principal("employee"), period_id=p.id,
                                                department_id=sales.ops.id)
    assert list(_depts(report)) == ["OPS"]
    ops = _depts(report)["OPS"]
    a, b = ops.items
    # B: (2 + 3 + 1) / 3 = 2 -> 50; OPS: (4 + 3 + 5 + 2 + 3 + 1) / 6 = 3 -> 100, from 5 distinct raters
    assert (b.hidden, b.raters, b.average, b.score, b.comments) == (False, 3, 2.0, 50.0, 1)
    assert (ops.hidden, ops.raters, ops.ratings, ops.average, ops.score, ops.comments) == (
        False, 5, 6, 3.0, 100.0, 2)
    assert a.score == 125.0


def test_an_unrated_item_shows_as_hidden_and_an_unknown_period_is_404(db, sales, items):  # type: ignore[no-untyped-def]
    p = perf.period(db, collaboration_weight=WEIGHT)
    report = collaboration.collaboration_report(db, principal=sales.principal("hr"), period_id=p.id)
    assert {d.code: [i.hidden for i in d.items] for d in report.departments} == {
        "OPS": [True, True], "SAL": [True]}
    with pytest.raises(NotFound):
        collaboration.collaboration_report(db, principal=sales.principal("hr"), period_id=999_999)


def test_collaboration_feeds_the_department_score_through_the_rollup(db, sales, items):  # type: ignore[no-untyped-def]
    hr = sales.principal("hr")
    p = perf.period(db, state=PeriodState.PLANNING, collaboration_weight=WEIGHT)
    goal = perf.goal(db, hr, p, "D-OPS", GoalLevel.DEPARTMENT, title="Operations delivers", department_id=sales.ops.id)
    ind = perf.indicator(db, hr, goal, "OTD", name="On-time delivery", kind="quantitative", klass="operational",
                         threshold=80, target=100, stretch=120, weight=100)
    perf.advance(db, p, PeriodState.IN_PROGRESS)
    perf.check_in(db, hr, ind, date(2026, 6, 30), actual=110)
    _rate(db, sales, "carol", p, items["A"], 4)
    _rate(db, sales, "rep1", p, items["A"], 3)
    _rate(db, sales, "rep2", p, items["A"], 3)
    _rate(db, sales, "employee", p, items["C"], 2)  # Sales has no goals: its score is its collaboration
    rollup.recompute(db, period_id=p.id, today=date(2026, 7, 1))
    units = {u.unit_id: u for u in db.execute(select(unit_service.scores(p, "department")))}
    # OPS: indicator 110 -> 125 (halfway from target 100 to stretch 120); collaboration (4+3+3)/3 = 10/3
    # -> 100 + (1/3) * (125 - 100) = 108.333...; department = 0.8 * 125 + 0.2 * 108.333... = 121.666...
    ops = units[sales.ops.id]
    assert (ops.operational_score, ops.collaboration_score, ops.score) == pytest.approx(
        (125.0, 100 + 25 / 3, 0.8 * 125 + 0.2 * (100 + 25 / 3)))
    assert ops.score == pytest.approx(121.6666667)
    # Sales: a single rating stays below the anonymity threshold, so it neither counts nor shows up
    assert sales.sales.id not in units
    # the report shows the very figure the roll-up blended in, and its weight
    report = _depts(collaboration.collaboration_report(db, principal=hr, period_id=p.id))
    assert report["OPS"].score == pytest.approx(ops.collaboration_score, abs=1e-4)
    assert report["OPS"].weight == 0.2


# --- over HTTP -------------------------------------------------------------------------------------
@pytest.fixture
def api(client):  # type: ignore[no-untyped-def]
    """The API client (the collaboration routes are mounted by the app factory)."""
    return client


def test_collaboration_over_http(api, as_role, db, sales):  # type: ignore[no-untyped-def]
    hr, alice, carol = as_role("hr"), as_role("employee"), as_role("carol")
    body = {"code": "SI-A", "name": "Deliveries", "provider_department_id": sales.ops.id,
            "consumer_department_id": sales.sales.id}
    assert api.post(f"{API}/service-items", json=body, headers=alice).status_code == 403
    r = api.post(f"{API}/service-items", json=body, headers=hr)
    assert r.status_code == 201, r.text
    item = r.json()
    assert api.post(f"{API}/service-items", json=body, headers=hr).status_code == 409
    r = api.post(f"{API}/service-items", json={**body, "code": "SI-Z", "consumer_department_id": sales.ops.id}, headers=hr)
    assert r.status_code == 422 and r.json()["field"] == "consumer_department_id"
    assert [i["code"] for i in api.get(f"{API}/service-items", params={"department_id": sales.ops.id},
                                       headers=alice).json()] == ["SI-A"]
    p = perf.period(db, collaboration_weight=WEIGHT)
    url = f"{API}/periods/{p.id}/collaboration"
    r = api.post(url, json={"service_item_id": item["id"], "score": 7}, headers=carol)
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["score"]
    r = api.post(url, json={"service_item_id": item["id"], "score": 4, "comment": "good"}, headers=carol)
    assert r.status_code == 201 and r.json()["score"] == 4
    r = api.post(url, json={"service_item_id": item["id"], "score": 5}, headers=carol)
    assert r.status_code == 409 and "one rating per rater" in r.json()["detail"]
    assert api.post(url, json={"service_item_id": item["id"], "score": 5}, headers=alice).status_code == 403
    report = api.get(url, headers=alice)
    assert report.status_code == 200
    assert report.json()["departments"][0]["items"][0]["hidden"] is True
    assert count(db, CollaborationRating) == 1


def test_one_more_rating_never_shows_in_a_figure(client, as_role, db, sales):  # type: ignore[no-untyped-def]
    """The attacker's way: read the figures, add one rating, read again. Every figure built from collaboration
    ratings (the report's item and department, the department's score in the results) moves only when a
    whole batch of ANONYMITY_THRESHOLD new ratings is in, so no difference of two reads is one rating."""
    hr = as_role("hr")
    for name in ("rep4", "rep5"):
        pos = factories.position(db, dept=sales.sales, title="Sales Rep", reports_to=sales.positions["sales_head"])
        sales.people[name] = factories.employee(db, pos=pos, first=name.title(), last="Rep")
        factories.login(db, sales, name)
    item = _item(db, sales, "SI-A", sales.ops, sales.sales)
    p = perf.period(db, collaboration_weight=WEIGHT)
    url = f"{API}/periods/{p.id}/collaboration"

    def rate(name: str, score: int) -> None:
        r = client.post(url, json={"service_item_id": item.id, "score": score}, headers=as_role(name))
        assert r.status_code == 201, r.text

    def read() -> tuple[object, ...]:
        ops = next(d for d in client.get(url, headers=as_role("employee")).json()["departments"] if d["code"] == "OPS")
        results = client.get(f"{API}/periods/{p.id}/results", params={"unit_type": "department"}, headers=hr).json()
        score = next((u["collaboration_score"] for u in results["items"] if u["name"] == "Operations"), None)
        figures = ("hidden", "raters", "ratings", "average", "score", "comments")
        return (tuple(ops[f] for f in figures), tuple(ops["items"][0][f] for f in figures), score)

    nothing = read()
    assert nothing[0][0] is True and nothing[2] is None
    rate("carol", 4)
    rate("rep1", 3)
    assert read() == nothing  # below the threshold: nothing, in the report or the results
    rate("rep2", 3)
    first = read()
    # (4 + 3 + 3) / 3 -> 108.33 on the 0-150 scale, in the report and in the department's score alike
    assert first[0] == first[1] == (False, 3, 3, 3.3333, 108.3333, 0)
    assert first[2] == 108.33  # the results round to two places
    rate("rep3", 1)  # the 108.33 -> 87.5 of the issue: one rating recovered from two reads
    assert read() == first
    rate("rep4", 5)
    assert read() == first
    rate("rep5", 2)  # a whole batch more: the figures move, by three ratings at once
    second = read()
    assert second[0] == second[1] == (False, 6, 6, 3.0, 100.0, 0)
    assert second[2] == pytest.approx(100.0)
