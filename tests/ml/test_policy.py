"""Who sees flight risk, through the API on SQLite and PostgreSQL (tests/ml/factories.py's fixed scores): HR
everyone; executives their people scope (key-post holders); a manager nobody until HR allows it, then their
reporting subtree; an employee never, their own score included; nobody their own. Overrides: HR only, a reason and
a band required, audited, the score row untouched. Odd input is a 4xx naming the field, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ml import service
from ml import settings as ml_settings
from ml.models import BandOverride, MlAudit, Score
from tests.factories import count
from tests.ml import factories as mlf

ROLES = ("hr", "exec", "manager", "employee")
NOBODY = 987_654_321


def _names(client: TestClient, headers: dict[str, str], **params: Any) -> list[str]:
    r = client.get("/api/ml/risk", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return [row["employee"]["external_id"] for row in r.json()["items"]]


def _routes(w: mlf.Risk) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Every risk route of the API, with a request that HR would get an answer to."""
    return [("GET", "/api/ml/risk", None),
            ("GET", f"/api/ml/people/{w.person('bob')}/risk", None),
            ("POST", f"/api/ml/scores/{w.latest['bob'].id}/override", {"band": "low", "reason": "accepted an offer"}),
            ("GET", "/api/ml/versions", None),
            ("GET", f"/api/ml/versions/{w.active.id}", None),
            ("GET", "/api/ml/settings", None),
            ("PUT", "/api/ml/settings", {"managers_see_risk": True})]


EXPECTED = {  # route index -> status per role, with HR's setting at its default (managers see no risk)
    "hr": (200, 200, 201, 200, 200, 200, 200),
    "exec": (200, 404, 403, 200, 200, 403, 403),  # Bob holds no key post: outside the executive's scope
    "manager": (403, 404, 403, 403, 403, 403, 403),
    "employee": (403, 403, 403, 403, 403, 403, 403),
}


@pytest.mark.parametrize("role", ROLES)
def test_every_risk_route_by_role(client: TestClient, risk: mlf.Risk, as_role: Any, role: str) -> None:
    h = as_role(role)
    for (method, path, body), status in zip(_routes(risk), EXPECTED[role], strict=True):
        r = client.request(method, path, json=body, headers=h)
        assert r.status_code == status, (role, method, path, r.text)
        if role == "employee":
            assert "probability" not in r.text and "drivers" not in r.text


def test_hr_sees_everyone_highest_risk_first(client: TestClient, risk: mlf.Risk, as_role: Any) -> None:
    r = client.get("/api/ml/risk", headers=as_role("hr"))
    body = r.json()
    assert [row["employee"]["external_id"] for row in body["items"]] == [
        "X-BOB", "X-CAROL", "X-BOSS", "X-DANA", "X-CEO", "X-ALICE"]
    assert body["version"]["label"] == "flight-risk-2" and body["total"] == 6
    bob = body["items"][0]
    assert (bob["probability"], bob["band"], bob["band_shown"], bob["override"]) == (0.72, "high", "high", None)
    assert bob["as_of"] == "2026-11-30" and bob["version"] == "flight-risk-2"
    assert bob["drivers"][0]["text"] == "pay is in the lowest quarter of the band: raises risk (bob)"
    assert bob["employee"]["department"] == "Operations" and bob["employee"]["post"] == "Operations Lead"
    assert body["items"][1]["facets"] == {} and body["items"][2]["facets"] == {"key_post": "yes"}  # Bruno: OPS-H


def test_executives_see_key_post_holders_but_not_themselves(client: TestClient, risk: mlf.Risk,
                                                            as_role: Any) -> None:
    h = as_role("exec")
    assert _names(client, h) == ["X-BOSS"]  # the CEO holds a key post too: but nobody sees their own risk
    assert client.get(f"/api/ml/people/{risk.person('boss')}/risk", headers=h).status_code == 200
    assert client.get(f"/api/ml/people/{risk.person('ceo')}/risk", headers=h).status_code == 404


def test_a_manager_sees_the_subtree_only_once_hr_allows_it(client: TestClient, db: Session, risk: mlf.Risk,
                                                           as_role: Any) -> None:
    h = as_role("manager")
    r = client.get("/api/ml/risk", headers=h)
    assert r.status_code == 403 and "HR has not opened" in r.json()["detail"]
    mlf.managers_see_risk(db, True)
    assert _names(client, h) == ["X-BOB", "X-DANA", "X-ALICE"]  # not Bruno himself, not Carol (sales)
    for name, status in (("dana", 200), ("alice", 200), ("boss", 404), ("carol", 404), ("ceo", 404)):
        assert client.get(f"/api/ml/people/{risk.person(name)}/risk", headers=h).status_code == status, name
    nobody = client.get(f"/api/ml/people/{NOBODY}/risk", headers=h)
    carol = client.get(f"/api/ml/people/{risk.person('carol')}/risk", headers=h)
    assert nobody.json()["detail"].replace(str(NOBODY), "<id>") == \
        carol.json()["detail"].replace(str(risk.person("carol")), "<id>")  # outside scope = nobody
    assert client.post(f"/api/ml/scores/{risk.latest['dana'].id}/override", json={"band": "low", "reason": "x"},
                       headers=h).status_code == 403  # still HR's


def test_an_employee_never_sees_a_score_not_even_their_own(client: TestClient, db: Session, risk: mlf.Risk,
                                                           as_role: Any) -> None:
    mlf.managers_see_risk(db, True)  # whatever HR allows managers
    h = as_role("employee")  # Alice
    for path in ("/api/ml/risk", f"/api/ml/people/{risk.person('alice')}/risk",
                 f"/api/ml/people/{risk.person('bob')}/risk"):
        r = client.get(path, headers=h)
        assert r.status_code == 403 and "probability" not in r.text, path


def test_a_persons_history_over_versions_with_overrides(client: TestClient, db: Session, risk: mlf.Risk,
                                                        as_role: Any) -> None:
    h = as_role("hr")
    r = client.post(f"/api/ml/scores/{risk.latest['bob'].id}/override",
                    json={"band": "medium", "reason": "counter-offer accepted"}, headers=h)
    assert r.status_code == 201 and r.json()["by"] == "hr" and r.json()["band"] == "medium"
    body = client.get(f"/api/ml/people/{risk.person('bob')}/risk", headers=h).json()
    assert [(s["as_of"], s["version"], s["band"], s["band_shown"]) for s in body["scores"]] == [
        ("2024-11-30", "flight-risk-1", "medium", "medium"), ("2025-11-30", "flight-risk-2", "high", "high"),
        ("2026-11-30", "flight-risk-2", "high", "medium")]
    assert body["scores"][-1]["overrides"][0]["reason"] == "counter-offer accepted"
    listed = client.get("/api/ml/risk", params={"band": "medium"}, headers=h).json()["items"]
    assert [x["employee"]["external_id"] for x in listed] == ["X-BOB", "X-BOSS", "X-DANA"]  # the band in force
    assert listed[0]["band"] == "high" and listed[0]["override"]["band"] == "medium"  # shown beside the model's
    assert client.get(f"/api/ml/people/{NOBODY}/risk", headers=h).status_code == 404


def test_an_override_is_audited_and_never_changes_the_score(client: TestClient, db: Session, risk: mlf.Risk,
                                                            as_role: Any) -> None:
    s = risk.latest["carol"]
    r = client.post(f"/api/ml/scores/{s.id}/override", json={"band": "low", "reason": "  moved to a new team  "},
                    headers=as_role("hr"))
    assert r.status_code == 201 and r.json()["reason"] == "moved to a new team"
    r = client.post(f"/api/ml/scores/{s.id}/override", json={"band": "medium", "reason": "second look"},
                    headers=as_role("hr"))
    db.expire_all()
    row = db.get(Score, s.id)
    assert row is not None and (row.band, row.probability) == ("high", 0.61)
    entries = list(db.scalars(select(MlAudit).where(MlAudit.entity == "score", MlAudit.entity_id == s.id)
                              .order_by(MlAudit.id)))
    assert [(e.before["band"], e.after["band"]) for e in entries] == [("high", "low"), ("low", "medium")]
    assert entries[0].user_id == risk.org.users["hr"].id and entries[0].at is not None
    assert entries[0].employee_id == risk.person("carol")


@pytest.mark.parametrize(("body", "field"), [
    ({"band": "low", "reason": "   "}, "reason"),
    ({"band": "low", "reason": ""}, "reason"),
    ({"band": "low"}, "reason"),
    ({"band": "purple", "reason": "why"}, "band"),
    ({"reason": "why"}, "band"),
    ({"band": "low", "reason": "why", "extra": 1}, "extra"),
])
def test_a_bad_override_is_a_422_naming_the_field_and_writes_nothing(client: TestClient, db: Session, risk: mlf.Risk,
                                                                     as_role: Any, body: dict[str, Any],
                                                                     field: str) -> None:
    before = count(db, BandOverride), count(db, MlAudit)
    r = client.post(f"/api/ml/scores/{risk.latest['bob'].id}/override", json=body, headers=as_role("hr"))
    assert r.status_code == 422, r.text
    assert field in r.text
    assert (count(db, BandOverride), count(db, MlAudit)) == before


def test_odd_ids_and_filters_are_4xx_never_500(client: TestClient, risk: mlf.Risk, as_role: Any) -> None:
    h = as_role("hr")
    for path, status, field in (
            (f"/api/ml/scores/{NOBODY}/override", 404, "score_id"),
            (f"/api/ml/versions/{NOBODY}", 404, "version_id"),
            (f"/api/ml/people/{NOBODY}/risk", 404, "employee_id")):
        r = client.post(path, json={"band": "low", "reason": "x"}, headers=h) if "override" in path else \
            client.get(path, headers=h)
        assert r.status_code == status and field in r.text, (path, r.text)
    for params, field in (({"band": "purple"}, "band"), ({"nine_box": "top-top"}, "nine_box"),
                          ({"key_post": "maybe"}, "key_post"), ({"department_id": "abc"}, "department_id"),
                          ({"department_id": 0}, "department_id"), ({"page": 0}, "page"),
                          ({"page_size": 10_000}, "page_size")):
        r = client.get("/api/ml/risk", params=params, headers=h)
        assert r.status_code == 422 and field in r.text, (params, r.text)
    r = client.get("/api/ml/risk", params={"department_id": NOBODY}, headers=h)
    assert r.status_code == 404 and "department_id" in r.text
    assert client.get("/api/ml/people/abc/risk", headers=h).status_code == 422


def test_filters_by_department_key_post_and_band(client: TestClient, risk: mlf.Risk, as_role: Any) -> None:
    h = as_role("hr")
    org = risk.org
    assert _names(client, h, department_id=org.ops.id) == ["X-BOB", "X-BOSS", "X-DANA", "X-ALICE"]
    assert _names(client, h, department_id=org.root.id) == _names(client, h)  # the department and below
    assert _names(client, h, key_post="yes") == ["X-BOSS", "X-CEO"]
    assert _names(client, h, band="high") == ["X-BOB", "X-CAROL"]
    assert _names(client, h, band="low", department_id=org.sales.id) == []
    page2 = client.get("/api/ml/risk", params={"page": 2, "page_size": 4}, headers=h).json()
    assert page2["total"] == 6 and [x["employee"]["external_id"] for x in page2["items"]] == ["X-CEO", "X-ALICE"]


def test_the_nine_box_filter_from_performance(client: TestClient, db: Session, risk: mlf.Risk, as_role: Any) -> None:
    from datetime import date

    from performance.models import (
        Period,
        PeriodKind,
        PeriodState,
        RatingEvent,
        RatingKind,
        RatingSource,
        RatingStatus,
        UnitResult,
    )

    p = Period(code="FY25", name="FY25", kind=PeriodKind.ANNUAL, start_date=date(2025, 1, 1),
               end_date=date(2025, 12, 31), state=PeriodState.CLOSED)
    db.add(p)
    db.flush()
    for name, score_, potential in (("bob", 120.0, 3.0), ("dana", 90.0, 1.0)):
        emp = risk.person(name)
        db.add(UnitResult(period_id=p.id, unit_type="employee", unit_id=emp, score=score_))
        db.add(RatingEvent(period_id=p.id, employee_id=emp, kind=RatingKind.POTENTIAL, source=RatingSource.HR,
                           value=potential, scale_max=3, status=RatingStatus.APPROVED))
    db.flush()
    h = as_role("hr")
    assert _names(client, h, nine_box="high-high") == ["X-BOB"]
    assert _names(client, h, nine_box="medium-low") == ["X-DANA"]
    assert _names(client, h, nine_box="low-low") == []
    rows = client.get("/api/ml/risk", headers=h).json()["items"]
    assert rows[0]["facets"] == {"nine_box": "high-high"}


def test_versions_and_cards(client: TestClient, risk: mlf.Risk, as_role: Any) -> None:
    for role in ("hr", "exec"):
        listed = client.get("/api/ml/versions", headers=as_role(role)).json()
        assert [v["label"] for v in listed] == ["flight-risk-2", "flight-risk-1"] and listed[0]["active"]
        card = client.get(f"/api/ml/versions/{risk.active.id}", headers=as_role(role)).json()
        assert card["card"]["subgroups"]["gender"]["flagged"] is True and card["metrics"]["baseline"]["brier"]
        assert "artifact" not in card  # never the model's bytes


def test_the_setting_is_hrs_and_audited(client: TestClient, db: Session, risk: mlf.Risk, as_role: Any) -> None:
    h = as_role("hr")
    assert client.get("/api/ml/settings", headers=h).json()["managers_see_risk"] is False
    r = client.put("/api/ml/settings", json={"managers_see_risk": True}, headers=h)
    assert r.status_code == 200 and r.json()["managers_see_risk"] is True
    assert ml_settings.managers_see_risk(db)
    entry = db.scalars(select(MlAudit).where(MlAudit.entity == "settings")).one()
    assert (entry.before, entry.after, entry.user_id) == ({"managers_see_risk": False}, {"managers_see_risk": True},
                                                          risk.org.users["hr"].id)
    assert client.put("/api/ml/settings", json={"managers_see_risk": "maybe"}, headers=h).status_code == 422
    assert _names(client, as_role("manager")) == ["X-BOB", "X-DANA", "X-ALICE"]


def test_without_a_trained_version_the_list_is_empty(client: TestClient, db: Session, org: Any,
                                                     as_role: Any) -> None:
    body = client.get("/api/ml/risk", headers=as_role("hr")).json()
    assert body == {"items": [], "total": 0, "page": 1, "page_size": 50, "version": None}
    assert service.versions(db) == []


def test_the_row_rule_in_the_service_whatever_the_route(db: Session, risk: mlf.Risk) -> None:
    """The services refuse by themselves: an employee principal (and HR linked to their own record) never gets
    their own score, even where no route stands in front."""
    from dataclasses import replace

    from hcm.errors import Forbidden, NotFound

    alice = risk.org.principal("employee")
    mlf.managers_see_risk(db, True)
    with pytest.raises(Forbidden, match="HR and executives"):
        service.at_risk(db, principal=alice)
    with pytest.raises(NotFound):
        service.person_history(db, principal=alice, employee_id=risk.person("alice"))
    hr_as_carol = replace(risk.org.principal("hr"), employee_id=risk.person("carol"))
    listed = [r.employee.external_id for r in service.at_risk(db, principal=hr_as_carol).items]
    assert "X-CAROL" not in listed and len(listed) == 5
    with pytest.raises(NotFound):
        service.override(db, principal=hr_as_carol, score_id=risk.latest["carol"].id, band="low", reason="mine")
