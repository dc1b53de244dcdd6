"""What an attacker or an accident tries on the risk routes: a readiness score or version through the flight-risk
routes (the 404 of nothing), a version that can no longer be loaded (its scores shown without drivers, never a
500), and the flash of an override that never carries the reason into the session cookie."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ml.models import BandOverride, ModelVersion, Score
from tests.factories import count
from tests.ml import factories as mlf
from tests.web.helpers import form_token, logged_in


def _readiness(db: Session, risk: mlf.Risk) -> tuple[ModelVersion, Score]:
    v = ModelVersion(kind="readiness", label="readiness-1", candidate="logistic_C1", sklearn_version="1.x",
                     data_hash="c" * 64, metrics={}, card={}, artifact=b"", artifact_sha256="d" * 64, active=True)
    db.add(v)
    db.flush()
    s = Score(version_id=v.id, employee_id=risk.person("bob"), position_id=risk.org.positions["ops_head"].id,
              as_of=date(2026, 11, 30), probability=0.7, band="ready_now", drivers=[])
    db.add(s)
    db.flush()
    return v, s


def test_a_readiness_score_or_version_is_the_404_of_nothing_on_the_risk_routes(
        client: TestClient, db: Session, risk: mlf.Risk, as_role: Any) -> None:
    v, s = _readiness(db, risk)
    h = as_role("hr")
    r = client.post(f"/api/ml/scores/{s.id}/override", json={"band": "high", "reason": "why"}, headers=h)
    nobody = client.post("/api/ml/scores/99999999/override", json={"band": "high", "reason": "why"}, headers=h)
    assert r.status_code == nobody.status_code == 404 and r.json().keys() == nobody.json().keys()
    assert count(db, BandOverride) == 0
    assert client.get(f"/api/ml/versions/{v.id}", headers=h).status_code == 404
    assert client.get(f"/api/ml/versions/{risk.active.id}", headers=h).status_code == 200


def test_scores_of_a_version_that_cannot_be_loaded_show_without_drivers(
        client: TestClient, db: Session, risk: mlf.Risk, as_role: Any) -> None:
    s = risk.latest["bob"]
    s.drivers, s.inputs = [], {"tenure_years": 3.0}  # drivers to be worked out from a version whose hash is wrong
    db.flush()
    h = as_role("hr")
    listed = client.get("/api/ml/risk", headers=h)
    assert listed.status_code == 200, listed.text
    bob = next(x for x in listed.json()["items"] if x["employee"]["external_id"] == "X-BOB")
    assert bob["drivers"] == [] and bob["probability"] == s.probability
    assert client.get(f"/api/ml/people/{risk.person('bob')}/risk", headers=h).status_code == 200
    c = logged_in(client, "hr")
    assert c.get(f"/ml/risk/people/{risk.person('bob')}").status_code == 200


def test_the_flash_after_an_override_leaves_the_reason_out_of_the_cookie(client: TestClient, db: Session,
                                                                         risk: mlf.Risk) -> None:
    c = logged_in(client, "hr")
    s = risk.latest["bob"]
    token = form_token(c, f"/ml/risk/people/{risk.person('bob')}")
    reason = "a long and private reason " * 100
    r = c.post(f"/ml/risk/scores/{s.id}/override", data={"csrftoken": token, "band": "low", "reason": reason},
               follow_redirects=False)
    assert r.status_code == 303 and count(db, BandOverride) == 1
    assert "private reason" not in r.headers.get("set-cookie", "") and len(r.headers.get("set-cookie", "")) < 4000
