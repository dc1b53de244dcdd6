"""The flight-risk pages through the real app on SQLite and PostgreSQL (tests/ml/factories.py's fixed scores):
who opens which page (each role allowed, refused, or 404 exactly like nobody), what the list, a person's history
and the model card show, HR's override form (CSRF token required, a reason and a band required, refusals shown at
the form with nothing written) and the setting, and odd input as a 4xx, never a 500."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ml.models import BandOverride, MlAudit, Score
from tests.factories import count
from tests.ml import factories as mlf
from tests.web.helpers import alert_text, assert_one_policy_per_route, attrs, form_token, logged_in

ROLES = ("hr", "exec", "manager", "employee")
NOBODY = 987_654_321


def _pages(w: mlf.Risk) -> list[str]:
    return ["/ml/risk", f"/ml/risk/people/{w.person('bob')}", f"/ml/risk/people/{w.person('boss')}", "/ml/models",
            f"/ml/models/{w.active.id}", "/ml/settings"]


EXPECTED = {  # page index -> status per role, HR's setting at its default
    "hr": (200, 200, 200, 200, 200, 200),
    "exec": (200, 404, 200, 200, 200, 403),
    "manager": (403, 404, 404, 403, 403, 403),
    "employee": (403, 403, 403, 403, 403, 403),
}



def test_every_page_route_declares_exactly_one_policy() -> None:
    from ml.pages import router

    assert_one_policy_per_route(router, 7)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_on_each_page(client: TestClient, risk: mlf.Risk, as_role: Any, role: str) -> None:
    h = as_role(role)
    for path, status in zip(_pages(risk), EXPECTED[role], strict=True):
        r = client.get(path, headers=h)
        assert r.status_code == status, (role, path, r.text[:300])
        assert "text/html" in r.headers["content-type"]
        if status != 200:
            assert "data-probability" not in r.text and "data-driver" not in r.text
    nav = set(attrs(client.get("/", headers=h).text, "data-nav"))
    assert ("ml" in nav) == (role in ("hr", "exec"))


def test_a_manager_opens_the_subtree_once_hr_allows_it(client: TestClient, db: Session, risk: mlf.Risk,
                                                        as_role: Any) -> None:
    h = as_role("manager")
    assert "HR has not opened flight risk to managers" in client.get("/ml/risk", headers=h).text
    mlf.managers_see_risk(db, True)
    r = client.get("/ml/risk", headers=h)
    assert r.status_code == 200 and attrs(r.text, "data-employee") == ["X-BOB", "X-DANA", "X-ALICE"]
    assert client.get(f"/ml/risk/people/{risk.person('dana')}", headers=h).status_code == 200
    for name in ("boss", "carol"):  # themselves, and outside the subtree: like nobody
        assert client.get(f"/ml/risk/people/{risk.person(name)}", headers=h).status_code == 404
    page = client.get(f"/ml/risk/people/{risk.person('dana')}", headers=h).text
    assert "data-override-form" not in page and "/people/" not in page.split("<main", 1)[1]
    assert client.get(f"/ml/risk/people/{NOBODY}", headers=h).status_code == 404


def test_the_employee_never_sees_a_score_whatever_hr_allows(client: TestClient, db: Session, risk: mlf.Risk,
                                                            as_role: Any) -> None:
    mlf.managers_see_risk(db, True)
    h = as_role("employee")
    for path in ("/ml/risk", f"/ml/risk/people/{risk.person('alice')}", f"/ml/risk/people/{risk.person('bob')}"):
        r = client.get(path, headers=h)
        assert r.status_code == 403 and "data-probability" not in r.text, path


def test_the_list_shows_drivers_bands_and_overrides(client: TestClient, db: Session, risk: mlf.Risk,
                                                    as_role: Any) -> None:
    db.add(BandOverride(score_id=risk.latest["bob"].id, band="low", reason="accepted a retention offer",
                        user_id=risk.org.users["hr"].id))
    db.flush()
    r = client.get("/ml/risk", headers=as_role("hr"))
    assert attrs(r.text, "data-employee") == ["X-CAROL", "X-BOSS", "X-DANA", "X-BOB", "X-CEO", "X-ALICE"]
    assert 'data-override="low"' in r.text and 'data-model-band="high"' in r.text  # beside the model's band
    assert "pay is in the lowest quarter of the band: raises risk (carol)" in r.text
    assert attrs(r.text, "data-probability")[:2] == ["0.6100", "0.3800"]
    assert 'data-facet="key_post"' in r.text  # Bruno holds OPS-H
    r = client.get(f"/ml/risk?department={risk.org.sales.id}&band=high", headers=as_role("hr"))
    assert attrs(r.text, "data-employee") == ["X-CAROL"]
    r = client.get("/ml/risk?key_post=yes", headers=as_role("hr"))
    assert attrs(r.text, "data-employee") == ["X-BOSS", "X-CEO"]


@pytest.mark.parametrize(("query", "field"), [("band=purple", "band"), ("nine_box=top", "nine_box"),
                                              ("key_post=no", "key_post"), ("department=abc", "department"),
                                              ("department=0", "department"), ("page=0", "page"),
                                              ("department=99999999999", "department")])
def test_odd_filters_are_4xx_with_the_field(client: TestClient, risk: mlf.Risk, as_role: Any, query: str,
                                            field: str) -> None:
    r = client.get(f"/ml/risk?{query}", headers=as_role("hr"))
    assert 400 <= r.status_code < 500, (query, r.status_code)
    assert field in html.unescape(r.text)


def test_odd_ids_are_404_or_422(client: TestClient, risk: mlf.Risk, as_role: Any) -> None:
    h = as_role("hr")
    for path, status in ((f"/ml/risk/people/{NOBODY}", 404), (f"/ml/models/{NOBODY}", 404),
                         ("/ml/risk/people/abc", 422), ("/ml/models/-1", 422)):
        assert client.get(path, headers=h).status_code == status, path


def test_a_persons_history_chart_and_scores(client: TestClient, risk: mlf.Risk, as_role: Any) -> None:
    r = client.get(f"/ml/risk/people/{risk.person('bob')}", headers=as_role("hr"))
    assert r.status_code == 200
    assert attrs(r.text, "data-point") == ["2024-11-30", "2025-11-30", "2026-11-30"]  # the line chart's dots
    assert attrs(r.text, "data-value") == ["40 %", "58 %", "72 %"]
    assert attrs(r.text, "data-as-of") == ["2026-11-30", "2025-11-30", "2024-11-30"]  # newest first
    assert "model flight-risk-1" in r.text and "model flight-risk-2" in r.text
    assert r.text.count("data-override-form>") == 3
    assert "no promotion for 40 months: raises risk" in r.text
    r = client.get(f"/ml/risk/people/{risk.person('boss')}", headers=as_role("exec"))
    assert r.status_code == 200 and "data-override-form" not in r.text


def test_hr_overrides_a_band_through_the_form(client: TestClient, db: Session, risk: mlf.Risk) -> None:
    c = logged_in(client, "hr")
    s = risk.latest["dana"]
    page = f"/ml/risk/people/{risk.person('dana')}"
    token = form_token(c, page)
    r = c.post(f"/ml/risk/scores/{s.id}/override", data={"csrftoken": token, "band": "high",
                                                          "reason": "told her manager she is looking"},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{page}#score-{s.id}"
    shown = c.get(page).text
    assert "set to High; the reason is kept with it" in shown  # the flash (not the reason: it travels in the cookie)
    assert "told her manager she is looking" in shown and 'data-override="high"' in shown
    db.expire_all()
    assert db.get(Score, s.id).band == "medium"  # type: ignore[union-attr]
    assert count(db, MlAudit) == 1


@pytest.mark.parametrize(("data", "field", "status"), [
    ({"band": "high", "reason": "  "}, "reason", 422),
    ({"band": "high"}, "reason", 422),
    ({"band": "purple", "reason": "why"}, "band", 422),
    ({"band": "", "reason": "why"}, "band", 422),
    ({"band": "low", "reason": "x" * 100_000}, "reason", 422),  # the API's limit too (and no giant cookie)
    ({"band": "low", "reason": "nul \x00 inside"}, "reason", 422),
])
def test_a_refused_override_is_shown_at_its_form_and_writes_nothing(client: TestClient, db: Session, risk: mlf.Risk,
                                                                    data: dict[str, str], field: str,
                                                                    status: int) -> None:
    c = logged_in(client, "hr")
    s = risk.latest["bob"]
    token = form_token(c, f"/ml/risk/people/{risk.person('bob')}")
    r = c.post(f"/ml/risk/scores/{s.id}/override", data={"csrftoken": token, **data}, follow_redirects=False)
    assert r.status_code == status
    assert f'data-error-field="{field}"' in r.text and field in alert_text(r.text)
    assert count(db, BandOverride) == 0 and count(db, MlAudit) == 0


def test_forms_need_the_csrf_token(client: TestClient, db: Session, risk: mlf.Risk) -> None:
    c = logged_in(client, "hr")
    s = risk.latest["bob"]
    r = c.post(f"/ml/risk/scores/{s.id}/override", data={"band": "low", "reason": "no token"}, follow_redirects=False)
    assert r.status_code == 403 and r.headers.get("x-hcm-refused") == "csrf"
    r = c.post("/ml/settings", data={"managers_see_risk": "1"}, follow_redirects=False)
    assert r.status_code == 403
    assert count(db, BandOverride) == 0 and count(db, MlAudit) == 0
    r = c.post(f"/ml/risk/scores/{NOBODY}/override", data={"csrftoken": form_token(c, "/ml/risk"), "band": "low",
                                                             "reason": "x"}, follow_redirects=False)
    assert r.status_code == 404


def test_only_hr_posts_overrides_and_settings(client: TestClient, db: Session, risk: mlf.Risk) -> None:
    mlf.managers_see_risk(db, True)
    for user in ("exec", "manager", "employee"):
        client.cookies.clear()
        c = logged_in(client, user)
        token = form_token(c, "/")
        r = c.post(f"/ml/risk/scores/{risk.latest['bob'].id}/override",
                   data={"csrftoken": token, "band": "low", "reason": "x"}, follow_redirects=False)
        assert r.status_code == 403, user
        r = c.post("/ml/settings", data={"csrftoken": token, "managers_see_risk": ""}, follow_redirects=False)
        assert r.status_code == 403, user
    assert count(db, BandOverride) == 0


def test_the_model_card(client: TestClient, risk: mlf.Risk, as_role: Any) -> None:
    r = client.get(f"/ml/models/{risk.active.id}", headers=as_role("exec"))
    assert r.status_code == 200
    text = r.text
    assert attrs(text, "data-metric") == ["roc_auc", "pr_auc", "brier"]
    assert re.search(r'data-metric="roc_auc">.*?data-value>0\.642<.*?data-baseline>0\.605<', text, flags=re.S)
    assert attrs(text, "data-weight") == ["120", "40", "10"] and "data-xy-chart" in text  # calibration, by bin
    assert 'data-four-fifths="0.50" data-flagged="true"' in text and "⚑ flagged" in text
    assert 'data-four-fifths="none"' in text  # age bands: one group too small for a ratio
    assert attrs(text, "data-group") == ["female", "male", "under 30", "50+"]
    assert "2022-12-01, 2023-12-01" in text and "gradient_boosting" in text
    assert "points_last (no value in any snapshot)" in text
    listed = client.get("/ml/models", headers=as_role("hr")).text
    assert attrs(listed, "data-version") == ["flight-risk-2", "flight-risk-1"] and "data-active" in listed


def test_a_card_without_figures_still_renders(client: TestClient, db: Session, org: Any, as_role: Any) -> None:
    v = mlf.version(db, label="csv-1", active=False)
    v.card, v.metrics = {}, {}
    db.flush()
    r = client.get(f"/ml/models/{v.id}", headers=as_role("hr"))
    assert r.status_code == 200 and "no calibration bins" in r.text and "no subgroup figures" in r.text
    assert "No flight-risk model is trained yet" in client.get("/ml/risk", headers=as_role("hr")).text


def test_hr_opens_risk_to_managers_with_the_settings_form(client: TestClient, db: Session, risk: mlf.Risk) -> None:
    c = logged_in(client, "hr")
    token = form_token(c, "/ml/settings")
    r = c.post("/ml/settings", data={"csrftoken": token, "managers_see_risk": "1"}, follow_redirects=False)
    assert r.status_code == 303
    page = c.get("/ml/settings").text
    assert "Managers now see the flight risk" in page and "checked" in page.split("data-managers-see-risk")[0][-40:]
    r = c.post("/ml/settings", data={"csrftoken": token, "managers_see_risk": "perhaps"}, follow_redirects=False)
    assert r.status_code == 422 and "managers_see_risk" in r.text
    r = c.post("/ml/settings", data={"csrftoken": token}, follow_redirects=False)
    assert r.status_code == 303 and "no longer" in c.get("/ml/settings").text
    assert count(db, MlAudit) == 2
