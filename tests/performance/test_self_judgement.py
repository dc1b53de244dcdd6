"""The self-judgement rule, tried the way a self-dealer would, over HTTP with a real token: nobody sets, approves
or calibrates their own final rating, nor records the rubric level of their own goal; their own view is a
self-assessment (a self rating, a self skill level), kept beside the others' and never final."""

from __future__ import annotations

from sqlalchemy import select

from hcm.auth.models import Role
from performance.models import CheckIn, RatingEvent
from tests import factories
from tests.factories import count

API = "/api/performance"


def _alice_score(client, headers, period_id: int) -> float | None:  # type: ignore[no-untyped-def]
    page = client.get(f"{API}/periods/{period_id}/results", params={"unit_type": "employee"}, headers=headers)
    assert page.status_code == 200, page.text
    return next(u["score"] for u in page.json()["items"] if u["name"] == "Alice Analyst")


def test_an_employee_cannot_lift_their_own_goal_with_a_rubric_level(client, as_role, db, org, plan):  # type: ignore[no-untyped-def]
    hr, alice, boss = as_role("hr"), as_role("employee"), as_role("manager")
    pid = plan.period.id
    assert client.post(f"{API}/periods/{pid}/advance", json={"to": "review"}, headers=hr).status_code == 200
    a2 = plan.indicators["A2"]  # "Customer feedback", a rubric of alice's own post goal
    day = plan.today.isoformat()
    before, checkins = _alice_score(client, alice, pid), count(db, CheckIn)
    r = client.post(f"{API}/indicators/{a2.id}/checkins", json={"as_of": day, "rubric_level": 5}, headers=alice)
    assert r.status_code == 403, r.text
    assert r.json()["field"] == "indicator_id" and "nobody judges themselves" in r.json()["detail"]
    assert "self rating" in r.json()["detail"]  # where her own view goes
    assert count(db, CheckIn) == checkins and _alice_score(client, alice, pid) == before
    # her facts she still reports herself: the quantitative indicator of the same goal
    r = client.post(f"{API}/indicators/{plan.indicators['A1'].id}/checkins", json={"as_of": day, "actual": 111},
                    headers=alice)
    assert r.status_code == 201, r.text
    # her own view is a self rating, kept beside the others' and never final
    r = client.post(f"{API}/periods/{pid}/ratings", headers=alice,
                    json={"employee_id": org.people["alice"].id, "kind": "competency", "source": "self", "value": 5})
    assert r.status_code == 201 and r.json()["status"] == "submitted"
    assert client.post(f"{API}/ratings/{r.json()['id']}/approve", headers=hr).status_code == 422  # input, never final
    # the level that judges her is her manager's to record, and it counts
    middle = _alice_score(client, alice, pid)
    r = client.post(f"{API}/indicators/{a2.id}/checkins", json={"as_of": day, "rubric_level": 2}, headers=boss)
    assert r.status_code == 201, r.text
    assert _alice_score(client, alice, pid) != middle


def test_hr_neither_sets_nor_approves_nor_calibrates_their_own_rating(client, as_role, db, org, plan):  # type: ignore[no-untyped-def]
    carol = org.people["carol"]
    me = factories.bearer(factories.user(db, username="hr-carol", role=Role.HR_ADMIN, emp=carol))
    hr = as_role("hr")
    pid = plan.period.id
    events = count(db, RatingEvent)
    for source in ("hr", "manager"):
        r = client.post(f"{API}/periods/{pid}/ratings", headers=me,
                        json={"employee_id": carol.id, "kind": "performance", "source": source, "value": 5})
        assert r.status_code == 403 and "nobody judges themselves" in r.json()["detail"], r.text
        assert r.json()["field"] == "employee_id"
    assert count(db, RatingEvent) == events
    # another HR admin's rating of her: she may not approve it
    r = client.post(f"{API}/periods/{pid}/ratings", headers=hr,
                    json={"employee_id": carol.id, "kind": "performance", "source": "hr", "value": 2})
    assert r.status_code == 201
    r = client.post(f"{API}/ratings/{r.json()['id']}/approve", headers=me)
    assert r.status_code == 403 and "nobody judges themselves" in r.json()["detail"]
    view = client.get(f"{API}/periods/{pid}/employees/{carol.id}/ratings", headers=me).json()
    assert [f["value"] for f in view["final"] if f["kind"] == "performance"] == [5]  # the plan's, unchanged
    # she rates and approves others as before
    r = client.post(f"{API}/periods/{pid}/ratings", headers=me,
                    json={"employee_id": org.people["dana"].id, "kind": "performance", "source": "hr", "value": 3})
    assert r.status_code == 201
    assert client.post(f"{API}/ratings/{r.json()['id']}/approve", headers=me).status_code == 201
    # and in calibration, everyone but herself
    for to in ("review", "calibration"):
        assert client.post(f"{API}/periods/{pid}/advance", json={"to": to}, headers=hr).status_code == 200
    body = {"employee_id": carol.id, "value": 5, "reason": "a strong year"}
    r = client.post(f"{API}/periods/{pid}/calibration", json=body, headers=me)
    assert r.status_code == 403 and "nobody judges themselves" in r.json()["detail"]
    assert client.post(f"{API}/periods/{pid}/calibration", json={**body, "employee_id": org.people["dana"].id},
                       headers=me).status_code == 201
    assert db.scalar(select(RatingEvent.id).where(RatingEvent.employee_id == carol.id,
                                                  RatingEvent.source == "calibration")) is None


def test_hr_cannot_reverse_a_deduction_on_their_own_ledger(client, as_role, db, org, plan):  # type: ignore[no-untyped-def]
    """A correction is an entry on the person's ledger: an HR admin reversing another admin's deduction of
    their own points would be awarding points to themselves."""
    carol = org.people["carol"]
    me = factories.bearer(factories.user(db, username="hr-carol", role=Role.HR_ADMIN, emp=carol))
    hr = as_role("hr")
    pid = plan.period.id

    def balance() -> int:
        r = client.get(f"{API}/periods/{pid}/points/ledger", params={"employee_id": carol.id}, headers=me)
        assert r.status_code == 200, r.text
        return int(r.json()["balance"])

    r = client.post(f"{API}/periods/{pid}/points", headers=hr,
                    json={"employee_id": carol.id, "amount": -50, "reason": "late report"})
    assert r.status_code == 201, r.text
    entry, before = r.json()["id"], balance()
    r = client.post(f"{API}/points/entries/{entry}/corrections", json={"reason": "I disagree"}, headers=me)
    assert r.status_code == 403 and "nobody awards points to themselves" in r.json()["detail"], r.text
    assert r.json()["field"] == "entry_id"
    assert balance() == before
    # another HR admin still corrects it
    r = client.post(f"{API}/points/entries/{entry}/corrections", json={"reason": "appeal upheld"}, headers=hr)
    assert r.status_code == 201, r.text
    assert balance() == before + 50
