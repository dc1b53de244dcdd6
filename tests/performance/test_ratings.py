"""Individual ratings: who may rate whom from which source, the scale, the period state, approval as an
appended event, the final rating, and who sees what (peer ratings only aggregated from 3 raters up)."""

from __future__ import annotations

import pytest

from hcm.auth.models import Role
from hcm.errors import Conflict, Forbidden, Invalid, NotFound
from performance.errors import PeriodClosed
from performance.models import PeriodState, RatingEvent, RatingKind, RatingSource, RatingStatus
from performance.schemas import RatingIn
from performance.service import calibration, collaboration, ratings
from tests import factories
from tests.factories import count
from tests.performance import factories as perf

API = "/api/performance"


# --- fixtures --------------------------------------------------------------------------------------
@pytest.fixture
def who(db, org):  # type: ignore[no-untyped-def]
    """Principals: hr, manager (boss), employee (alice), exec (ceo), plus logins for bob, dana and carol."""
    for person in ("bob", "dana", "carol"):
        factories.login(db, org, person)
    return {name: org.principal(name) for name in ("hr", "manager", "employee", "exec", "bob", "dana", "carol")}


@pytest.fixture
def sales_serves_ops(db, org):  # type: ignore[no-untyped-def]
    """A service item from Sales to Operations: the two departments work together, so their people may rate
    each other from the other department."""
    return collaboration.create_service_item(db, principal=org.principal("hr"), code="SI-LEADS", name="Leads",
                                             provider_department_id=org.sales.id, consumer_department_id=org.ops.id)


# --- who rates whom --------------------------------------------------------------------------------
def test_self_rating_only_by_the_person(db, org, period, who):  # type: ignore[no-untyped-def]
    alice = org.people["alice"]
    ev = perf.rate(db, who["employee"], period, alice, RatingSource.SELF, 4, reason="  shipped the audit  ")
    assert (ev.status, ev.rater_employee_id, ev.rater_user_id, ev.reason) == (
        RatingStatus.SUBMITTED, alice.id, org.users["employee"].id, "shipped the audit")
    before = count(db, RatingEvent)
    with pytest.raises(Forbidden, match="self rating is given only by the person rated"):
        perf.rate(db, who["bob"], period, alice, RatingSource.SELF, 4)
    assert count(db, RatingEvent) == before


def test_manager_rating_by_hr_or_a_manager_above(db, org, period, who):  # type: ignore[no-untyped-def]
    dana = org.people["dana"]
    assert perf.rate(db, who["manager"], period, dana, RatingSource.MANAGER, 3).status is RatingStatus.SUBMITTED
    assert perf.rate(db, who["hr"], period, dana, RatingSource.MANAGER, 3).source is RatingSource.MANAGER
    before = count(db, RatingEvent)
    for rater, emp in ((who["employee"], org.people["bob"]),  # an employee is nobody's manager
                       (who["exec"], org.people["boss"])):  # executives are not in the manager role
        with pytest.raises(Forbidden, match="manager rating is given only by HR or a manager"):
            perf.rate(db, rater, period, emp, RatingSource.MANAGER, 3)
    with pytest.raises(Forbidden, match="nobody judges themselves"):  # not above himself
        perf.rate(db, who["manager"], period, org.people["boss"], RatingSource.MANAGER, 3)
    # carol is outside boss's subtree, department and the departments his works with: nobody he may name
    with pytest.raises(Invalid, match=f"employee_id={org.people['carol'].id} does not point at an existing Employee"):
        perf.rate(db, who["manager"], period, org.people["carol"], RatingSource.MANAGER, 3)
    assert count(db, RatingEvent) == before


def test_peer_rating_rules(db, org, period, who, sales_serves_ops):  # type: ignore[no-untyped-def]
    alice = org.people["alice"]
    assert perf.rate(db, who["bob"], period, alice, RatingSource.PEER, 4).source is RatingSource.PEER
    before = count(db, RatingEvent)
    with pytest.raises(Invalid, match="cannot be given by the person rated") as exc:
        perf.rate(db, who["employee"], period, alice, RatingSource.PEER, 5)
    assert exc.value.field == "source" and exc.value.status_code == 422
    with pytest.raises(Invalid, match="same department") as exc:
        perf.rate(db, who["carol"], period, alice, RatingSource.PEER, 4)  # sales rating operations
    with pytest.raises(Forbidden, match="only by an employee"):
        perf.rate(db, who["hr"], period, alice, RatingSource.PEER, 4)  # hr is linked to no employee
    assert count(db, RatingEvent) == before


def test_cross_department_rating_rules(db, org, period, who, sales_serves_ops):  # type: ignore[no-untyped-def]
    alice = org.people["alice"]
    assert perf.rate(db, who["carol"], period, alice, RatingSource.CROSS_DEPARTMENT, 3).rater_employee_id == org.people[
        "carol"].id
    before = count(db, RatingEvent)
    with pytest.raises(Invalid, match="another department"):
        perf.rate(db, who["bob"], period, alice, RatingSource.CROSS_DEPARTMENT, 3)
    with pytest.raises(Invalid, match="person rated"):
        perf.rate(db, who["employee"], period, alice, RatingSource.CROSS_DEPARTMENT, 3)
    assert count(db, RatingEvent) == before


def test_other_departments_rate_only_where_the_departments_work_together(db, org, period, who):  # type: ignore[no-untyped-def]
    """The scope rule for ratings: a cross-department rater names someone of a department theirs works with (a
    service item, either way); anyone else is the very 422 of an id that names nobody."""
    alice = org.people["alice"]

    def refusal(employee_id: int) -> str:
        with pytest.raises(Invalid) as exc:
            ratings.submit_rating(db, principal=who["carol"], period_id=period.id, data=RatingIn(
                employee_id=employee_id, kind=RatingKind.PERFORMANCE, source=RatingSource.CROSS_DEPARTMENT, value=3))
        assert exc.value.field == "employee_id"
        return exc.value.message.replace(str(employee_id), "<id>")

    assert refusal(alice.id) == refusal(999_999)
    collaboration.create_service_item(db, principal=who["hr"], code="SI-OPS", name="Deliveries",
                                      provider_department_id=org.ops.id, consumer_department_id=org.sales.id)
    assert perf.rate(db, who["carol"], period, alice, RatingSource.CROSS_DEPARTMENT, 3).employee_id == alice.id


def test_nobody_sets_or_approves_their_own_final_rating(db, org, period):  # type: ignore[no-untyped-def]
    """The self-judgement rule, for HR too: an HR admin who is also an employee gives and approves the ratings
    of others, never their own (their own view is their self rating, which is never final)."""
    carol = org.people["carol"]
    me = factories.principal(db, factories.user(db, username="hr-carol", role=Role.HR_ADMIN, emp=carol))
    hr = org.principal("hr")
    before = count(db, RatingEvent)
    for source in (RatingSource.HR, RatingSource.MANAGER):
        with pytest.raises(Forbidden, match="nobody judges themselves") as exc:
            perf.rate(db, me, period, carol, source, 5)
        assert exc.value.field == "employee_id"
    assert count(db, RatingEvent) == before
    by_hr = perf.rate(db, hr, period, carol, RatingSource.HR, 3)
    with pytest.raises(Forbidden, match="nobody judges themselves"):
        ratings.approve_rating(db, principal=me, rating_id=by_hr.id)
    assert ratings.final_rating(db, period_id=period.id, employee_id=carol.id) is None
    assert perf.rate(db, me, period, carol, RatingSource.SELF, 5).status is RatingStatus.SUBMITTED  # self-assessment
    assert ratings.approve_rating(db, principal=hr, rating_id=by_hr.id).status is RatingStatus.APPROVED
    assert ratings.final_rating(db, period_id=period.id, employee_id=carol.id).value == 3
    perf.advance(db, period, PeriodState.CALIBRATION)
    with pytest.raises(Forbidden, match="nobody judges themselves"):
        calibration.calibrate(db, principal=me, period_id=period.id, employee_id=carol.id, value=5, reason="modest")
    assert ratings.final_rating(db, period_id=period.id, employee_id=carol.id).value == 3


def test_hr_source_is_hr_only_and_calibration_goes_through_calibration(db, org, period, who):  # type: ignore[no-untyped-def]
    alice = org.people["alice"]
    assert perf.rate(db, who["hr"], period, alice, RatingSource.HR, 4).status is RatingStatus.SUBMITTED
    before = count(db, RatingEvent)
    with pytest.raises(Forbidden, match="HR rating is given only by an HR admin"):
        perf.rate(db, who["manager"], period, alice, RatingSource.HR, 4)
    with pytest.raises(Invalid, match="only through calibration") as exc:
        perf.rate(db, who["hr"], period, alice, RatingSource.CALIBRATION, 4)
    assert exc.value.field == "source"
    assert count(db, RatingEvent) == before


# --- bad input and period state --------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "value", "scale", "field", "text"), [
    (RatingKind.PERFORMANCE, 6, 5, "value", "value 6 is outside the performance rating scale 1..5"),
    (RatingKind.PERFORMANCE, 0, 5, "value", "1..5"),
    (RatingKind.POTENTIAL, 4, 3, "value", "value 4 is outside the potential rating scale 1..3"),
    (RatingKind.PERFORMANCE, 4, 4, "scale_max", "performance ratings: they use 1..5"),
    (RatingKind.POTENTIAL, 2, 4, "scale_max", "1..3 or 1..5"),
])
def test_value_outside_its_scale_is_refused(db, org, period, who, kind, value, scale, field, text):  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid, match=text.replace(".", r"\.")) as exc:
        perf.rate(db, who["employee"], period, org.people["alice"], RatingSource.SELF, value, kind=kind, scale_max=scale)
    assert exc.value.field == field
    assert count(db, RatingEvent) == 0


def test_unknown_employee_is_refused(db, org, period, who):  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid, match="does not point at an existing Employee"):
        ratings.submit_rating(db, principal=who["hr"], period_id=period.id, data=RatingIn(
            employee_id=999_999, kind=RatingKind.PERFORMANCE, source=RatingSource.HR, value=3))


def test_ratings_follow_the_period_state(db, org, who):  # type: ignore[no-untyped-def]
    alice = org.people["alice"]
    planning = perf.period(db, code="P-PLAN", state=PeriodState.PLANNING)
    with pytest.raises(Conflict, match="in_progress or review"):
        perf.rate(db, who["employee"], planning, alice, RatingSource.SELF, 3)
    review = perf.period(db, code="P-REV", state=PeriodState.REVIEW)
    assert perf.rate(db, who["employee"], review, alice, RatingSource.SELF, 3).period_id == review.id
    calib = perf.period(db, code="P-CAL", state=PeriodState.CALIBRATION)
    with pytest.raises(Conflict, match="it is calibration"):
        perf.rate(db, who["manager"], calib, alice, RatingSource.MANAGER, 3)
    closed = perf.period(db, code="P-CLOSED", state=PeriodState.CLOSED)
    before = count(db, RatingEvent)
    with pytest.raises(PeriodClosed) as exc:
        perf.rate(db, who["employee"], closed, alice, RatingSource.SELF, 3)
    assert exc.value.status_code == 409
    assert count(db, RatingEvent) == before


# --- approval and the final rating -----------------------------------------------------------------
def test_approval_appends_an_event_and_leaves_the_submission(db, org, period, who):  # type: ignore[no-untyped-def]
    alice = org.people["alice"]
    sub = perf.rate(db, who["manager"], period, alice, RatingSource.MANAGER, 4, reason="strong year")
    assert ratings.final_rating(db, period_id=period.id, employee_id=alice.id) is None  # submitted is not final
    ok = ratings.approve_rating(db, principal=who["hr"], rating_id=sub.id)
    assert ok.id != sub.id and ok.status is RatingStatus.APPROVED and sub.status is RatingStatus.SUBMITTED
    assert (ok.value, ok.source, ok.rater_user_id, ok.rater_employee_id) == (
        4, RatingSource.MANAGER, org.users["manager"].id, org.people["boss"].id)
    assert ok.reason == f"approval of rating #{sub.id} by hr: strong year"
    assert ratings.final_rating(db, period_id=period.id, employee_id=alice.id).id == ok.id
    with pytest.raises(Conflict, match="already approved or superseded"):
        ratings.approve_rating(db, principal=who["hr"], rating_id=sub.id)
    with pytest.raises(Conflict, match="itself an approved event"):
        ratings.approve_rating(db, principal=who["hr"], rating_id=ok.id)


def test_who_approves(db, org, period, who):  # type: ignore[no-untyped-def]
    dana, alice = org.people["dana"], org.people["alice"]
    by_boss = perf.rate(db, who["manager"], period, dana, RatingSource.MANAGER, 3)
    assert ratings.approve_rating(db, principal=who["manager"], rating_id=by_boss.id).status is RatingStatus.APPROVED
    by_hr = perf.rate(db, who["hr"], period, dana, RatingSource.HR, 3)
    with pytest.raises(Forbidden, match=r"approved by HR$"):
        ratings.approve_rating(db, principal=who["manager"], rating_id=by_hr.id)  # HR ratings: HR approves
    on_alice = perf.rate(db, who["manager"], period, alice, RatingSource.MANAGER, 5)
    with pytest.raises(Forbidden, match="nobody judges themselves"):
        ratings.approve_rating(db, principal=who["employee"], rating_id=on_alice.id)  # alice sees it, may not approve
    on_boss = perf.rate(db, who["hr"], period, org.people["boss"], RatingSource.MANAGER, 5)
    with pytest.raises(Forbidden, match="HR or the person's manager"):
        ratings.approve_rating(db, principal=who["exec"], rating_id=on_boss.id)  # sees boss, is not his manager
    with pytest.raises(NotFound):
        ratings.approve_rating(db, principal=who["employee"], rating_id=by_hr.id)  # dana is out of alice's sight
    self_rating = perf.rate(db, who["employee"], period, alice, RatingSource.SELF, 5)
    with pytest.raises(Invalid, match="never approved"):
        ratings.approve_rating(db, principal=who["hr"], rating_id=self_rating.id)
    with pytest.raises(NotFound):
        ratings.approve_rating(db, principal=who["hr"], rating_id=999_999)


def test_only_the_latest_submission_of_a_rater_is_approved(db, org, period, who):  # type: ignore[no-untyped-def]
    alice = org.people["alice"]
    first = perf.rate(db, who["manager"], period, alice, RatingSource.MANAGER, 4)
    second = perf.rate(db, who["manager"], period, alice, RatingSource.MANAGER, 3)
    with pytest.raises(Conflict, match=f"superseded by the same rater's event #{second.id}"):
        ratings.approve_rating(db, principal=who["hr"], rating_id=first.id)
    ratings.approve_rating(db, principal=who["hr"], rating_id=second.id)
    assert ratings.final_rating(db, period_id=period.id, employee_id=alice.id).value == 3


def test_final_rating_is_the_latest_approved_event(db, org, period, who):  # type: ignore[no-untyped-def]
    hr, alice = who["hr"], org.people["alice"]
    perf.final(db, hr, period, alice, 3)
    latest = perf.final(db, hr, period, alice, 4)
    perf.rate(db, who["manager"], period, alice, RatingSource.MANAGER, 2)  # submitted after: not final
    perf.final(db, hr, period, alice, 2, kind=RatingKind.POTENTIAL, scale_max=3)  # another kind
    assert ratings.final_rating(db, period_id=period.id, employee_id=alice.id).id == latest.id
    assert ratings.final_rating(db, period_id=period.id, employee_id=alice.id, kind=RatingKind.POTENTIAL).value == 2
    assert ratings.final_rating(db, period_id=period.id, employee_id=alice.id, kind=RatingKind.COMPETENCY) is None
    assert ratings.final_rating(db, period_id=period.id, employee_id=org.people["bob"].id) is None
    perf.advance(db, period, PeriodState.CALIBRATION)
    calibration.calibrate(db, principal=hr, period_id=period.id, employee_id=alice.id, value=5, reason="peer evidence")
    ev = ratings.final_rating(db, period_id=period.id, employee_id=alice.id)
    assert (ev.value, ev.source, ev.status) == (5, RatingSource.CALIBRATION, RatingStatus.APPROVED)


# --- who sees what ---------------------------------------------------------------------------------
def test_views_by_role(db, org, period, who):  # type: ignore[no-untyped-def]
    alice, boss, dana = org.people["alice"], org.people["boss"], org.people["dana"]
    perf.rate(db, who["employee"], period, alice, RatingSource.SELF, 4)
    perf.final(db, who["hr"], period, alice, 4)
    perf.rate(db, who["bob"], period, alice, RatingSource.PEER, 5)
    own = ratings.ratings_for(db, principal=who["employee"], period_id=period.id, employee_id=alice.id)
    assert own.view == "full"
    assert [(e.source, e.status) for e in own.events] == [
        (RatingSource.SELF, RatingStatus.SUBMITTED), (RatingSource.HR, RatingStatus.SUBMITTED),
        (RatingSource.HR, RatingStatus.APPROVED)]
    assert [(f.kind, f.value) for f in own.final] == [(RatingKind.PERFORMANCE, 4)]
    assert [(a.source, a.shown, a.raters, a.mean) for a in own.aggregates] == [(RatingSource.PEER, False, None, None)]
    # the manager sees the whole subtree, HR everyone
    assert ratings.ratings_for(db, principal=who["manager"], period_id=period.id, employee_id=dana.id).view == "full"
    assert len(ratings.ratings_for(db, principal=who["hr"], period_id=period.id, employee_id=alice.id).events) == 3
    # executives: final ratings of key-post holders only
    perf.final(db, who["hr"], period, boss, 5)
    perf.rate(db, who["manager"], period, boss, RatingSource.SELF, 5)
    ex = ratings.ratings_for(db, principal=who["exec"], period_id=period.id, employee_id=boss.id)
    assert (ex.view, ex.events, ex.aggregates, [f.value for f in ex.final]) == ("final_only", [], [], [5])
    for viewer, emp in (("exec", alice), ("employee", org.people["bob"]), ("manager", org.people["carol"]),
                        ("bob", alice)):
        with pytest.raises(NotFound, match=f"Employee with id={emp.id}"):
            ratings.ratings_for(db, principal=who[viewer], period_id=period.id, employee_id=emp.id)


def test_peer_ratings_appear_only_from_three_raters(db, org, period, who, sales_serves_ops):  # type: ignore[no-untyped-def]
    alice = org.people["alice"]
    erin_pos = factories.position(db, dept=org.ops, title="Operations Planner", reports_to=org.positions["ops_head"])
    org.people["erin"] = factories.employee(db, pos=erin_pos, first="Erin", last="Planner")
    factories.login(db, org, "erin")
    erin = org.principal("erin")

    def view():  # type: ignore[no-untyped-def]
        v = ratings.ratings_for(db, principal=who["employee"], period_id=period.id, employee_id=alice.id)
        assert all(e.source not in (RatingSource.PEER, RatingSource.CROSS_DEPARTMENT) for e in v.events)
        return {(a.kind, a.source): a for a in v.aggregates}

    perf.rate(db, who["bob"], period, alice, RatingSource.PEER, 2)
    perf.rate(db, who["dana"], period, alice, RatingSource.PEER, 4)
    perf.rate(db, who["bob"], period, alice, RatingSource.PEER, 3)  # bob changes his mind: still one rater
    perf.rate(db, who["carol"], period, alice, RatingSource.CROSS_DEPARTMENT, 1)
    agg = view()
    peer = agg[(RatingKind.PERFORMANCE, RatingSource.PEER)]
    assert (peer.shown, peer.raters, peer.mean, peer.note) == (False, None, None, "hidden (n < 3)")
    assert agg[(RatingKind.PERFORMANCE, RatingSource.CROSS_DEPARTMENT)].shown is False
    perf.rate(db, erin, period, alice, RatingSource.PEER, 5)
    peer = view()[(RatingKind.PERFORMANCE, RatingSource.PEER)]
    assert (peer.shown, peer.raters, peer.mean) == (True, 3, 4.0)  # bob's latest 3, dana 4, erin 5
    # the same rule for HR: no one sees peer ratings one by one
    hr_view = ratings.ratings_for(db, principal=who["hr"], period_id=period.id, employee_id=alice.id)
    assert hr_view.events == [] and len(hr_view.aggregates) == 2


def test_one_more_peer_rating_never_moves_the_aggregate(client, as_role, db, org, period):  # type: ignore[no-untyped-def]
    """The attacker's way, over HTTP: alice reads her peer aggregate, one more colleague rates her (or one changes
    their mind), she reads again. The aggregate moves only when a whole batch of raters is in."""
    alice = org.people["alice"]
    for name in ("erin", "finn", "gus", "hana"):
        pos = factories.position(db, dept=org.ops, title="Operations Planner", reports_to=org.positions["ops_head"])
        org.people[name] = factories.employee(db, pos=pos, first=name.title(), last="Planner")
    for name in ("bob", "dana", "erin", "finn", "gus", "hana"):
        factories.login(db, org, name)
    view = f"{API}/periods/{period.id}/employees/{alice.id}/ratings"

    def rate(name: str, value: int) -> None:
        r = client.post(f"{API}/periods/{period.id}/ratings", headers=as_role(name),
                        json={"employee_id": alice.id, "kind": "performance", "source": "peer", "value": value})
        assert r.status_code == 201, r.text

    def read() -> dict:  # type: ignore[type-arg]
        r = client.get(view, headers=as_role("employee"))
        assert r.status_code == 200
        return {k: r.json()["aggregates"][0][k] for k in ("shown", "raters", "mean")}

    rate("bob", 2)
    rate("dana", 4)
    assert read() == {"shown": False, "raters": None, "mean": None}
    rate("erin", 3)
    first = read()
    assert first == {"shown": True, "raters": 3, "mean": 3.0}
    rate("finn", 1)  # a fourth rater: 3 * 3.0 - ... would give finn's 1 away
    assert read() == first
    rate("bob", 5)  # a changed mind is no difference either
    assert read() == first
    rate("gus", 5)
    assert read() == first
    rate("hana", 2)  # the batch is whole: the six raters' values as of now, bob's latest included
    assert read() == {"shown": True, "raters": 6, "mean": round((5 + 4 + 3 + 1 + 5 + 2) / 6, 2)}


# --- over HTTP -------------------------------------------------------------------------------------
def test_rating_api_bad_input_and_roles(client, as_role, db, org, period):  # type: ignore[no-untyped-def]
    alice, bob = org.people["alice"], org.people["bob"]
    url = f"{API}/periods/{period.id}/ratings"
    body = {"employee_id": alice.id, "kind": "performance", "source": "self", "value": 4}
    r = client.post(url, json=body, headers=as_role("employee"))
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "submitted" and r.json()["rater_employee_id"] == alice.id
    before = count(db, RatingEvent)
    r = client.post(url, json={**body, "value": 6}, headers=as_role("employee"))
    assert r.status_code == 422 and r.json()["field"] == "value" and "1..5" in r.json()["detail"]
    r = client.post(url, json={**body, "source": "peer"}, headers=as_role("employee"))
    assert r.status_code == 422 and "cannot be given by the person rated" in r.json()["detail"]
    r = client.post(url, json={**body, "employee_id": bob.id, "source": "manager"}, headers=as_role("employee"))
    assert r.status_code == 403
    assert client.post(url, json=body, headers=as_role("exec")).status_code == 403  # no PERF_RATE
    assert client.post(url, json=body).status_code == 401
    assert count(db, RatingEvent) == before
    closed = perf.period(db, code="FY-OLD", state=PeriodState.CLOSED)
    r = client.post(f"{API}/periods/{closed.id}/ratings", json=body, headers=as_role("employee"))
    assert r.status_code == 409 and "closed" in r.json()["detail"]
    assert count(db, RatingEvent) == before


def test_rating_api_approve_and_view(client, as_role, db, org, period):  # type: ignore[no-untyped-def]
    alice, bob = org.people["alice"], org.people["bob"]
    r = client.post(f"{API}/periods/{period.id}/ratings", headers=as_role("manager"),
                    json={"employee_id": alice.id, "kind": "performance", "source": "manager", "value": 4})
    assert r.status_code == 201, r.text
    r = client.post(f"{API}/ratings/{r.json()['id']}/approve", headers=as_role("hr"))
    assert r.status_code == 201 and r.json()["status"] == "approved", r.text
    bob_user = factories.user(db, username="bob", role=Role.EMPLOYEE, emp=bob)
    r = client.post(f"{API}/periods/{period.id}/ratings", headers=factories.bearer(bob_user),
                    json={"employee_id": alice.id, "kind": "performance", "source": "peer", "value": 2})
    assert r.status_code == 201, r.text
    view = f"{API}/periods/{period.id}/employees/{alice.id}/ratings"
    own = client.get(view, headers=as_role("employee"))
    assert own.status_code == 200, own.text
    body = own.json()
    assert body["final"][0]["value"] == 4 and {e["source"] for e in body["events"]} == {"manager"}
    assert body["aggregates"] == [{"kind": "performance", "source": "peer", "scale_max": 5, "shown": False,
                                   "raters": None, "mean": None, "note": "hidden (n < 3)"}]
    assert client.get(view, headers=as_role("manager")).status_code == 200
    assert client.get(view, headers=as_role("exec")).status_code == 404  # alice holds no key post
    r = client.get(f"{API}/periods/{period.id}/employees/{bob.id}/ratings", headers=as_role("employee"))
    assert r.status_code == 404
