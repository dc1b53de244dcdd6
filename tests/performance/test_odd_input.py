"""Odd input to the performance API is a 422 naming the field, never a 500 and never a stored NaN: the check-in
API refuses what its web form refuses, and ids, counts, amounts and dates past what the tables hold are refused
in front of the services."""

from __future__ import annotations

from typing import Any

import pytest

from hcm.fields import MAX_INT
from performance.models import CheckIn, Period, PointsEntry, RatingEvent
from tests.factories import count

TOO_BIG = 2**64


def refused(r: Any, field: str) -> None:
    assert r.status_code == 422, r.text
    body = r.json()
    assert field in body["detail"] and field in [e["field"] for e in body["errors"]], body


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_a_check_in_of_a_non_finite_number_is_a_422_naming_actual_as_on_the_web_form(client, plan, as_role, db,  # type: ignore[no-untyped-def]
                                                                                      number) -> None:
    a1 = plan.indicators["A1"]
    before = count(db, CheckIn)
    raw = f'{{"as_of": "{plan.today.isoformat()}", "actual": {number}}}'  # JSON as Python's parser reads it
    r = client.post(f"/api/performance/indicators/{a1.id}/checkins", content=raw,
                    headers={**as_role("employee"), "content-type": "application/json"})
    refused(r, "actual")
    assert "finite" in r.json()["detail"]
    form = client.post(f"/performance/indicators/{a1.id}/checkins", headers=as_role("employee"),
                       data={"as_of": plan.today.isoformat(), "actual": number.lower()})
    assert form.status_code == 422 and 'data-error-field="actual"' in form.text and "finite" in form.text
    assert count(db, CheckIn) == before


def test_other_odd_check_ins_are_422s_naming_the_field(client, plan, as_role, db) -> None:  # type: ignore[no-untyped-def]
    h, day = as_role("employee"), plan.today.isoformat()
    b1, a1 = plan.indicators["B1"], plan.indicators["A1"]
    before = count(db, CheckIn)
    refused(client.post(f"/api/performance/indicators/{b1.id}/checkins", json={"as_of": day, "milestones_done": TOO_BIG},
                        headers=h), "milestones_done")
    refused(client.post(f"/api/performance/indicators/{b1.id}/checkins", json={"as_of": day, "milestones_done": True},
                        headers=h), "milestones_done")
    refused(client.post(f"/api/performance/indicators/{a1.id}/checkins", json={"as_of": 20260101, "actual": 1},
                        headers=h), "as_of")
    refused(client.post(f"/api/performance/indicators/{a1.id}/checkins", json={"as_of": day, "actual": 1, "note": "x"},
                        headers=h), "note")
    refused(client.post(f"/api/performance/indicators/{TOO_BIG}/checkins", json={"as_of": day, "actual": 1},
                        headers=h), "indicator_id")
    assert count(db, CheckIn) == before


@pytest.mark.parametrize("path", ["/api/performance/periods/{n}", "/api/performance/periods/{n}/cascade",
                                  "/api/performance/goals/{n}", "/api/performance/indicators/{n}/checkins",
                                  "/api/performance/periods/{n}/points/leaderboard"])
def test_an_id_past_the_id_columns_in_a_performance_path_is_a_422(client, plan, as_role, path) -> None:  # type: ignore[no-untyped-def]
    param = {"periods": "period_id", "goals": "goal_id", "indicators": "indicator_id"}[path.split("/")[3]]
    refused(client.get(path.format(n=TOO_BIG), headers=as_role("hr")), param)
    assert client.get(path.format(n=MAX_INT), headers=as_role("hr")).status_code == 404


def test_ids_amounts_and_dates_past_the_tables_in_performance_bodies_and_queries(client, org, plan, as_role, db) -> None:  # type: ignore[no-untyped-def]
    hr, pid = as_role("hr"), plan.period.id
    before = (count(db, RatingEvent), count(db, PointsEntry), count(db, Period))
    refused(client.post(f"/api/performance/periods/{pid}/ratings", headers=hr,
                        json={"employee_id": TOO_BIG, "kind": "performance", "source": "hr", "value": 3}), "employee_id")
    alice = org.people["alice"].id
    nan_rating = f'{{"employee_id": {alice}, "kind": "performance", "source": "hr", "value": NaN}}'
    refused(client.post(f"/api/performance/periods/{pid}/ratings", content=nan_rating,
                        headers={**hr, "content-type": "application/json"}), "value")
    refused(client.post(f"/api/performance/periods/{pid}/points", headers=hr,
                        json={"employee_id": org.people["alice"].id, "amount": TOO_BIG, "reason": "x"}), "amount")
    refused(client.get(f"/api/performance/periods/{pid}/points/balances", params={"employee_id": [1, TOO_BIG]},
                       headers=hr), "employee_id.1")
    refused(client.get(f"/api/performance/periods/{pid}/calibration", params={"level": TOO_BIG}, headers=hr), "level")
    period = {"code": "ODD", "name": "Odd", "kind": "annual", "start_date": 0, "end_date": "2027-12-31"}
    refused(client.post("/api/performance/periods", json=period, headers=hr), "start_date")
    refused(client.post("/api/performance/periods", json={**period, "start_date": "2027-01-01", "end_date": "9999-12-31"},
                        headers=hr), "end_date")
    infinite_share = ('{"code": "ODD", "name": "Odd", "kind": "annual", "start_date": "2027-01-01", '
                      '"end_date": "2027-12-31", "target_distribution": {"3": Infinity}}')
    refused(client.post("/api/performance/periods", content=infinite_share,
                        headers={**hr, "content-type": "application/json"}), "target_distribution.3")
    assert (count(db, RatingEvent), count(db, PointsEntry), count(db, Period)) == before
