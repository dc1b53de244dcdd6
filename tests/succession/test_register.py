"""The key-post register: criticality factors worked out by hand on the small company (register_company), the
decisions HR makes with their reasons, bad input refused with nothing written, and who may use each route."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.org.models import Position
from hcm.outbox import OutboxEvent
from succession.models import KeyPostDecision, Readiness, SuccessionAudit
from succession.service import register
from tests import factories
from tests.succession.register_company import AS_OF, Acme, build, goals, nominate


@pytest.fixture
def acme(db: Session) -> Acme:
    a = build(db)
    goals(db, a)
    return a


def _factors(row: Any) -> dict[str, float | None]:
    return {f.key: f.value for f in row.criticality.factors}


def _rows(db: Session, a: Acme, **kw: Any) -> dict[str, Any]:
    page = register.register(db, principal=a.principal("hr"), as_of=AS_OF, department_id=a.root.id, **kw)
    return {r.code.removeprefix("AC-"): r for r in page.items}


# company-wide measures: the largest span is the CEO's 4 people (alice, bob, bruno, carol; SAL1 is vacant); the
# grade levels run 1..5; the observed vacancies are OPSH 91 days (2024-03-31 -> 2024-06-30) and OPS1 16 days
# (2024-06-29 -> 2024-07-15), so a post never refilled takes their mean, 53.5 days.
LN5 = math.log(5)


def test_criticality_factors_by_hand(db: Session, acme: Acme) -> None:
    rows = _rows(db, acme)
    ceo = _factors(rows["CEO"])
    # CEO: level 5 of 1..5; span 4 of 4; goals: the root carries all; LEAD 4: bruno besides cora -> 1/2 (high 3),
    # FIN 3: alice and carol besides cora -> 1/3 (medium 2); never refilled: 53.5 / 180; cora born 1962 -> 64 on
    # 2026-06-30, one year to 65 -> 0.8; in post since 2010 -> 1
    assert ceo == pytest.approx({"level": 1.0, "span": 1.0, "goals": 1.0, "scarcity": (3 * 0.5 + 2 / 3) / 5,
                                 "time_to_fill": 53.5 / 180, "flight_risk": None, "retirement": 0.8,
                                 "time_in_post": 1.0}, abs=1e-4)
    opsh = _factors(rows["OPSH"])
    # OPSH: level 3 -> 0.5; span 2 -> ln 3 / ln 5; goals (60 % of C1 + 100 % of C2) / 2 = 0.8; LEAD 3: cora and
    # alice besides bruno (bob's own 5 is only self-assessed: his effective 2 counts; dave has left) -> 1/3;
    # 91 days observed; bruno born 1980 -> 19 years to go -> 0; in post since 2024-06-30: 730 days
    assert opsh == pytest.approx({"level": 0.5, "span": math.log(3) / LN5, "goals": 0.8, "scarcity": 1 / 3,
                                  "time_to_fill": 91 / 180, "flight_risk": None, "retirement": 0.0,
                                  "time_in_post": 730 / 365.25 / 5}, abs=1e-4)
    salh = _factors(rows["SALH"])
    assert salh == pytest.approx({"level": 0.5, "span": 0.0, "goals": 0.2, "scarcity": None,
                                  "time_to_fill": 53.5 / 180, "flight_risk": None, "retirement": 0.0,
                                  "time_in_post": 1.0}, abs=1e-4)
    sal1 = _factors(rows["SAL1"])  # vacant: no vacancy risk to weigh
    assert sal1 == pytest.approx({"level": 0.0, "span": 0.0, "goals": 0.2, "scarcity": None,
                                  "time_to_fill": 53.5 / 180, "flight_risk": None, "retirement": None,
                                  "time_in_post": None}, abs=1e-4)
    # the score: the weighted mean of the known factors (flight risk unknown: the other weights over 0.9)
    w = register.WEIGHTS
    ceo_score = (w["level"] + w["span"] + w["goals"] + w["scarcity"] * (3 * 0.5 + 2 / 3) / 5
                 + w["time_to_fill"] * 53.5 / 180 + w["retirement"] * 0.8 + w["time_in_post"]) / 0.9
    assert rows["CEO"].criticality.score == round(100 * ceo_score, 1) == 77.4
    opsh_score = (0.15 * 0.5 + 0.15 * math.log(3) / LN5 + 0.10 * 0.8 + 0.20 / 3 + 0.10 * 91 / 180
                  + 0.10 * 730 / 365.25 / 5) / 0.9
    assert rows["OPSH"].criticality.score == round(100 * opsh_score, 1) == 46.1
    assert rows["SALH"].criticality.score == 32.1  # (0.075 + 0.02 + 0.1 * 53.5/180 + 0.1) / 0.7
    assert rows["SAL1"].criticality.score == 9.9  # (0.02 + 0.1 * 53.5/180) / 0.5
    assert rows["CEO"].criticality.impact == 1.0
    assert rows["SAL1"].vacant and rows["SAL1"].criticality.vacancy_risk is None
    raw = {f.key: f.raw for f in rows["OPSH"].criticality.factors}
    assert raw["span"] == 2 and raw["time_to_fill"] == 91 and raw["retirement"] == 19


def test_register_sorts_filters_and_pages(db: Session, acme: Acme) -> None:
    hr = acme.principal("hr")
    page = register.register(db, principal=hr, as_of=AS_OF, department_id=acme.root.id)
    # OPS2 (0.08 + 0.1 * 53.5/180 + 0.1) / 0.7 = 30.0; OPS1 (0.08 + 0.1 * 16/180 + 0.1 * 715/365.25/5) / 0.7 = 18.3
    assert [(r.code, r.criticality.score) for r in page.items] == [
        ("AC-CEO", 77.4), ("AC-OPSH", 46.1), ("AC-SALH", 32.1), ("AC-OPS2", 30.0), ("AC-OPS1", 18.3), ("AC-SAL1", 9.9)]
    assert page.total == 6
    key = register.register(db, principal=hr, as_of=AS_OF, department_id=acme.root.id, key_only=True)
    assert [r.code for r in key.items] == ["AC-CEO", "AC-OPSH"]
    ops = register.register(db, principal=hr, as_of=AS_OF, department_id=acme.ops.id, sort="code")
    assert [r.code for r in ops.items] == ["AC-OPS1", "AC-OPS2", "AC-OPSH"]
    band = register.register(db, principal=hr, as_of=AS_OF, department_id=acme.root.id, min_criticality=31,
                             max_criticality=50)
    assert [r.code for r in band.items] == ["AC-OPSH", "AC-SALH"]
    second = register.register(db, principal=hr, as_of=AS_OF, department_id=acme.root.id, page=2, page_size=2)
    assert [r.code for r in second.items] == ["AC-SALH", "AC-OPS2"] and second.total == 6
    by_span = register.register(db, principal=hr, as_of=AS_OF, department_id=acme.root.id, sort="span", page_size=2)
    assert [r.code for r in by_span.items] == ["AC-CEO", "AC-OPSH"]
    assert [r.code for r in register.register(db, principal=hr, as_of=AS_OF, q="head of").items] == \
        ["AC-OPSH", "AC-SALH"]


def test_one_entry_shows_each_skill_and_the_decisions(db: Session, acme: Acme) -> None:
    entry = register.register_entry(db, principal=acme.principal("hr"), position_id=acme.posts["CEO"].id, as_of=AS_OF)
    assert [(s.code, s.required_level, s.others, s.scarcity) for s in entry.skills] == [
        ("AC-FIN", 3, 2, pytest.approx(1 / 3, abs=1e-4)), ("AC-LEAD", 4, 1, 0.5)]
    assert entry.decisions == []


def test_set_confirm_and_withdraw_a_key_post(db: Session, acme: Acme) -> None:
    hr = acme.principal("hr")
    salh = acme.posts["SALH"]
    before_outbox = factories.count(db, OutboxEvent)
    d = register.decide(db, principal=hr, position_id=salh.id, is_key=True, reason="  sales carry the year  ",
                        as_of=AS_OF)
    assert (d.action, d.is_key, d.reason, d.decided_by) == ("set", True, "sales carry the year", "ac-hr")
    assert db.get(Position, salh.id).is_key  # type: ignore[union-attr]
    assert d.criticality is not None and d.criticality["score"] == 32.1 and d.criticality["was_key"] is False
    assert factories.count(db, OutboxEvent) > before_outbox  # the graph hears of the flag
    c = register.decide(db, principal=hr, position_id=salh.id, is_key=True, reason="still", as_of=AS_OF)
    assert c.action == "confirm"
    w = register.decide(db, principal=hr, position_id=salh.id, is_key=False, reason="merged into CEO office",
                        as_of=AS_OF)
    assert w.action == "withdraw" and not db.get(Position, salh.id).is_key  # type: ignore[union-attr]
    entry = register.register_entry(db, principal=hr, position_id=salh.id, as_of=AS_OF)
    assert [x.action for x in entry.decisions] == ["withdraw", "confirm", "set"]
    audit = db.scalars(select(SuccessionAudit).where(SuccessionAudit.position_id == salh.id)
                       .order_by(SuccessionAudit.id)).all()
    assert [(x.entity, x.action, x.before, x.after["is_key"]) for x in audit] == [  # type: ignore[index]
        ("key_post", "set_key", {"is_key": False}, True), ("key_post", "confirm_key", {"is_key": True}, True),
        ("key_post", "withdraw_key", {"is_key": True}, False)]
    assert audit[0].after["criticality"]["score"] == 32.1  # type: ignore[index]


@pytest.mark.parametrize(("post", "body", "status", "field"), [
    ("SALH", {"is_key": True, "reason": "   "}, 422, "reason"),
    ("SALH", {"is_key": True}, 422, "reason"),
    ("SALH", {"is_key": False, "reason": "not key"}, 409, "is_key"),
    ("OPSH", {"is_key": False, "reason": "has a slate"}, 409, "is_key"),
    ("SALH", {"is_key": "maybe", "reason": "x"}, 422, "is_key"),
    ("SALH", {"is_key": True, "reason": "x", "extra": 1}, 422, "extra"),
])
def test_bad_decisions_are_refused_with_nothing_written(client: Any, db: Session, acme: Acme, post: str,
                                                        body: dict[str, Any], status: int, field: str) -> None:
    nominate(db, acme, "OPSH", "alice", Readiness.READY_NOW, 1, at=datetime(2026, 1, 10, 9))
    before = (factories.count(db, KeyPostDecision), factories.count(db, SuccessionAudit))
    r = client.post(f"/api/succession/register/{acme.posts[post].id}/decisions", json=body,
                    headers=acme.headers("hr"))
    assert r.status_code == status, r.text
    got = r.json()
    assert got.get("field") == field or any(e["field"] == field for e in got.get("errors", []))
    assert (factories.count(db, KeyPostDecision), factories.count(db, SuccessionAudit)) == before
    assert db.get(Position, acme.posts[post].id).is_key is (post == "OPSH")  # type: ignore[union-attr]


def test_an_inactive_post_cannot_be_made_key(client: Any, db: Session, acme: Acme) -> None:
    acme.posts["SAL1"].is_active = False
    db.flush()
    r = client.post(f"/api/succession/register/{acme.posts['SAL1'].id}/decisions",
                    json={"is_key": True, "reason": "x"}, headers=acme.headers("hr"))
    assert r.status_code == 422 and r.json()["field"] == "position_id"
    assert factories.count(db, KeyPostDecision) == 0


ROLES = ("hr", "exec", "manager", "employee")


@pytest.mark.parametrize("role", ROLES)
def test_register_routes_are_for_hr_only(client: Any, db: Session, acme: Acme, role: str) -> None:
    h = acme.headers(role)
    pid = acme.posts["SALH"].id
    listed = client.get("/api/succession/register", params={"as_of": AS_OF.isoformat()}, headers=h)
    one = client.get(f"/api/succession/register/{pid}", headers=h)
    decided = client.post(f"/api/succession/register/{pid}/decisions", json={"is_key": True, "reason": "why"},
                          headers=h)
    if role == "hr":
        assert (listed.status_code, one.status_code, decided.status_code) == (200, 200, 201)
        assert decided.json()["action"] == "set"
    else:
        assert (listed.status_code, one.status_code, decided.status_code) == (403, 403, 403)
        assert factories.count(db, KeyPostDecision) == 0


def test_missing_post_is_404(client: Any, acme: Acme) -> None:
    h = acme.headers("hr")
    assert client.get("/api/succession/register/999999", headers=h).status_code == 404
    r = client.post("/api/succession/register/999999/decisions", json={"is_key": True, "reason": "x"}, headers=h)
    assert r.status_code == 404 and r.json()["field"] == "position_id"
    r = client.get("/api/succession/register", params={"department_id": 999999}, headers=h)
    assert r.status_code == 404 and r.json()["field"] == "department_id"
    r = client.get("/api/succession/register", params={"min_criticality": 60, "max_criticality": 20}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "min_criticality"


def test_effective_level_is_the_most_trusted_source(db: Session, acme: Acme) -> None:
    eff = register.effective_levels().subquery()
    got = {(e, s): lv for e, s, lv in db.execute(select(eff.c.employee_id, eff.c.skill_id, eff.c.level))}
    lead = acme.skills["LEAD"].id
    assert got[(acme.people["bruno"].id, lead)] == 4  # manager over self
    assert got[(acme.people["bob"].id, lead)] == 2  # assessment over self
    assert (acme.people["dave"].id, lead) not in got  # left
