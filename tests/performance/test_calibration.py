"""Calibration: the distribution of final ratings on a small known set (shares computed by hand), and
adjustments as appended events with a required reason."""

from __future__ import annotations

import pytest

from hcm.errors import Conflict, Forbidden, Invalid, NotFound
from performance.errors import PeriodClosed
from performance.models import PeriodState, RatingEvent, RatingKind, RatingSource, RatingStatus
from performance.service import calibration, periods, ratings
from tests import factories
from tests.factories import count
from tests.performance import factories as perf

API = "/api/performance"


@pytest.fixture
def known(db, org):  # type: ignore[no-untyped-def]
    """Final performance ratings, set in progress, then the period moved to calibration.

    Company
      Operations: boss 4, alice 2.5 (counts as 3: half up), bob 5, dana 3
        Operations X (a child department): erin 1 (grade level 3)
      Sales: carol, not rated
      ceo 3 (grade level 5, like boss)
    """
    hr = org.principal("hr")
    p = perf.period(db)
    ops_x = factories.department(db, code="OPS-X", name="Operations X", parent=org.ops)
    pos = factories.position(db, dept=ops_x, title="Planner", reports_to=org.positions["ops_head"],
                             grade_=factories.grade(db, level=3))
    org.people["erin"] = factories.employee(db, pos=pos, first="Erin", last="Planner")
    for name, value in (("ceo", 3), ("boss", 4), ("alice", 2.5), ("bob", 5), ("dana", 3), ("erin", 1)):
        perf.final(db, hr, p, org.people[name], value)
    perf.advance(db, p, PeriodState.CALIBRATION)
    return p


def rows(dist):  # type: ignore[no-untyped-def]
    return {r.rating: (r.count, r.share, r.target, r.gap) for r in dist.rows}


def test_company_distribution_against_the_target(db, org, known):  # type: ignore[no-untyped-def]
    d = calibration.distribution(db, principal=org.principal("hr"), period_id=known.id)
    assert (d.population, d.rated, d.unrated) == (7, 6, 1)  # carol has no final rating
    # 1: erin; 3: ceo, alice (2.5), dana; 4: boss; 5: bob -> of 6: 16.67 / 0 / 50 / 16.67 / 16.67 %
    assert rows(d) == {1: (1, 16.67, 5.0, 11.67), 2: (0, 0.0, 15.0, -15.0), 3: (3, 50.0, 60.0, -10.0),
                       4: (1, 16.67, 15.0, 1.67), 5: (1, 16.67, 5.0, 11.67)}
    assert d.adjustments == []


def test_department_subtree_and_grade_level(db, org, known):  # type: ignore[no-untyped-def]
    hr = org.principal("hr")
    ops = calibration.distribution(db, principal=hr, period_id=known.id, department_id=org.ops.id)
    # boss 4, alice 3, bob 5, dana 3 and erin 1 from the child department: 20 / 0 / 40 / 20 / 20 %
    assert rows(ops) == {1: (1, 20.0, 5.0, 15.0), 2: (0, 0.0, 15.0, -15.0), 3: (2, 40.0, 60.0, -20.0),
                         4: (1, 20.0, 15.0, 5.0), 5: (1, 20.0, 5.0, 15.0)}
    senior = calibration.distribution(db, principal=hr, period_id=known.id, level=5)  # ceo 3, boss 4
    assert {r: c for r, (c, *_rest) in rows(senior).items() if c} == {3: 1, 4: 1}
    both = calibration.distribution(db, principal=hr, period_id=known.id, department_id=org.ops.id, level=5)
    assert (both.rated, rows(both)[4][1]) == (1, 100.0)  # boss only
    sales = calibration.distribution(db, principal=hr, period_id=known.id, department_id=org.sales.id)
    assert (sales.population, sales.rated, rows(sales)[3][1:]) == (1, 0, (None, 60.0, None))  # nothing rated
    with pytest.raises(NotFound, match="department_id=999999"):
        calibration.distribution(db, principal=hr, period_id=known.id, department_id=999_999)
    with pytest.raises(Forbidden):
        calibration.distribution(db, principal=org.principal("manager"), period_id=known.id)


def test_calibration_appends_an_approved_event_with_before_and_after(db, org, known):  # type: ignore[no-untyped-def]
    hr, alice = org.principal("hr"), org.people["alice"]
    adj = calibration.calibrate(db, principal=hr, period_id=known.id, employee_id=alice.id, value=4,
                                reason="  led the migration  ")
    assert (adj.before, adj.after, adj.reason, adj.by_user_id) == (2.5, 4, "led the migration", org.users["hr"].id)
    ev = ratings.final_rating(db, period_id=known.id, employee_id=alice.id)
    assert (ev.id, ev.source, ev.status, ev.value) == (adj.event_id, RatingSource.CALIBRATION, RatingStatus.APPROVED, 4)
    again = calibration.calibrate(db, principal=hr, period_id=known.id, employee_id=alice.id, value=3, reason="re-check")
    assert (again.before, again.after) == (4, 3)
    first_carol = calibration.calibrate(db, principal=hr, period_id=known.id, employee_id=org.people["carol"].id,
                                        value=2, reason="sales missed")
    assert first_carol.before is None
    d = calibration.distribution(db, principal=hr, period_id=known.id)
    assert [(a.employee_name, a.before, a.after) for a in d.adjustments] == [
        ("Alice Analyst", 2.5, 4), ("Alice Analyst", 4, 3), ("Carol Seller", None, 2)]
    assert (d.rated, rows(d)[2][0], rows(d)[3][0]) == (7, 1, 3)  # carol now counts at 2; alice still at 3
    ops = calibration.distribution(db, principal=hr, period_id=known.id, department_id=org.ops.id)
    assert [a.employee_name for a in ops.adjustments] == ["Alice Analyst", "Alice Analyst"]  # in scope only


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_calibration_needs_a_reason(db, org, known, reason):  # type: ignore[no-untyped-def]
    before = count(db, RatingEvent)
    with pytest.raises(Invalid, match="needs a reason") as exc:
        calibration.calibrate(db, principal=org.principal("hr"), period_id=known.id,
                              employee_id=org.people["alice"].id, value=4, reason=reason)
    assert exc.value.field == "reason"
    assert count(db, RatingEvent) == before


def test_calibration_rules(db, org, known):  # type: ignore[no-untyped-def]
    hr, alice = org.principal("hr"), org.people["alice"]
    before = count(db, RatingEvent)
    with pytest.raises(Invalid, match=r"outside the performance rating scale 1\.\.5") as exc:
        calibration.calibrate(db, principal=hr, period_id=known.id, employee_id=alice.id, value=6, reason="x")
    assert exc.value.field == "value"
    with pytest.raises(Forbidden, match="only HR"):
        calibration.calibrate(db, principal=org.principal("manager"), period_id=known.id, employee_id=alice.id,
                              value=4, reason="x")
    with pytest.raises(Invalid, match="employee_id=999999"):
        calibration.calibrate(db, principal=hr, period_id=known.id, employee_id=999_999, value=4, reason="x")
    in_progress = perf.period(db, code="FY27")
    with pytest.raises(Conflict, match="needs the period 'FY27' to be calibration"):
        calibration.calibrate(db, principal=hr, period_id=in_progress.id, employee_id=alice.id, value=4, reason="x")
    periods.advance(db, period_id=known.id, to=PeriodState.CLOSED)
    with pytest.raises(PeriodClosed):
        calibration.calibrate(db, principal=hr, period_id=known.id, employee_id=alice.id, value=4, reason="x")
    assert count(db, RatingEvent) == before
    # potential is calibrated on its own scale (that of the current final potential rating)
    p = perf.period(db, code="FY28")
    perf.final(db, hr, p, alice, 2, kind=RatingKind.POTENTIAL, scale_max=3)
    perf.advance(db, p, PeriodState.CALIBRATION)
    with pytest.raises(Invalid, match=r"1\.\.3"):
        calibration.calibrate(db, principal=hr, period_id=p.id, employee_id=alice.id, value=4, reason="x",
                              kind=RatingKind.POTENTIAL)
    adj = calibration.calibrate(db, principal=hr, period_id=p.id, employee_id=alice.id, value=3, reason="x",
                                kind=RatingKind.POTENTIAL)
    assert (adj.kind, adj.before, adj.after) == (RatingKind.POTENTIAL, 2, 3)


def test_calibration_api(client, as_role, db, org, known):  # type: ignore[no-untyped-def]
    url = f"{API}/periods/{known.id}/calibration"
    r = client.get(url, params={"department_id": org.ops.id}, headers=as_role("hr"))
    assert r.status_code == 200, r.text
    assert [row["count"] for row in r.json()["rows"]] == [1, 0, 2, 1, 1]
    assert client.get(url, headers=as_role("manager")).status_code == 403
    assert client.get(url, headers=as_role("exec")).status_code == 403
    alice = org.people["alice"].id
    before = count(db, RatingEvent)
    r = client.post(url, json={"employee_id": alice, "value": 4}, headers=as_role("hr"))
    assert r.status_code == 422 and r.json()["field"] == "reason", r.text
    r = client.post(url, json={"employee_id": alice, "value": 4, "reason": "   "}, headers=as_role("hr"))
    assert r.status_code == 422 and "reason" in r.json()["detail"]
    r = client.post(url, json={"employee_id": alice, "value": 7, "reason": "x"}, headers=as_role("hr"))
    assert r.status_code == 422 and r.json()["field"] == "value"
    assert client.post(url, json={"employee_id": alice, "value": 4, "reason": "x"},
                       headers=as_role("manager")).status_code == 403
    assert count(db, RatingEvent) == before
    r = client.post(url, json={"employee_id": alice, "value": 4, "reason": "led the migration"}, headers=as_role("hr"))
    assert r.status_code == 201, r.text
    assert {k: r.json()[k] for k in ("before", "after", "reason")} == {"before": 2.5, "after": 4.0,
                                                                       "reason": "led the migration"}
    assert count(db, RatingEvent) == before + 1
