"""Talent pools on the small company (register_company) with two closed years of final ratings: entry criteria
checked by hand, the eligible people not in the pool, members flagged when they do not meet the criteria, bad
input refused with nothing written, and who may use each route."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.org.models import EmployeeStatus
from performance.models import PeriodState, RatingKind
from performance.service.ninebox import potential_band
from succession.models import PoolMember, SuccessionAudit, TalentPool
from succession.schemas_register import MemberIn, PoolCriteria, PoolIn, PoolPatch
from succession.service import pools
from tests import factories
from tests.performance import factories as perf
from tests.succession.register_company import Acme, build

# Final performance ratings: FY24 alice 4, bob 3, carol 5, bruno 4; FY25 alice 5, bob 4, carol 3, bruno 2.
# Means over both: alice 4.5, bob 3.5, carol 4.0, bruno 3.0 (cora: never rated). Final potential of FY25 (1..3):
# alice 3 (high), bob 2 (medium), carol 3 (high), bruno 1 (low). FY23 (closed, older) rates cora 5 only.
RATINGS = {"AC-FY24": {"alice": 4, "bob": 3, "carol": 5, "bruno": 4},
           "AC-FY25": {"alice": 5, "bob": 4, "carol": 3, "bruno": 2}}
POTENTIAL = {"alice": 3, "bob": 2, "carol": 3, "bruno": 1}


@pytest.fixture
def acme(db: Session) -> Acme:
    a = build(db)
    hr = a.principal("hr")
    for code, year, finals in (("AC-FY23", 2023, {"cora": 5}), *((c, int(c[-2:]) + 2000, r) for c, r in RATINGS.items())):
        p = perf.period(db, code=code, state=PeriodState.IN_PROGRESS, start=date(year, 1, 1))
        for who, value in finals.items():
            perf.final(db, hr, p, a.people[who], value)
        if code == "AC-FY25":
            for who, value in POTENTIAL.items():
                perf.final(db, hr, p, a.people[who], value, kind=RatingKind.POTENTIAL, scale_max=3)
        perf.advance(db, p, PeriodState.CLOSED)
    return a


def _criteria(a: Acme, **kw: Any) -> PoolCriteria:
    base: dict[str, Any] = {"performance": {"periods": 2, "min_rating": 4.0},
                            "potential": {"min_band": "high"},
                            "skills": [{"skill_id": a.skills["LEAD"].id, "min_level": 3}],
                            "grade_levels": {"max_level": 3}}
    base.update(kw)
    return PoolCriteria.model_validate({k: v for k, v in base.items() if v is not None})


def _pool(db: Session, a: Acme, code: str = "FUT", **kw: Any) -> int:
    out = pools.create_pool(db, principal=a.principal("hr"), data=PoolIn(code=code, name="Future heads",
                                                                          criteria=_criteria(a, **kw)))
    return out.id


def _eligible(db: Session, a: Acme, pool_id: int) -> list[str]:
    return [e.name.split()[0] for e in pools.eligible(db, principal=a.principal("hr"), pool_id=pool_id).items]


def test_criteria_by_hand(db: Session, acme: Acme) -> None:
    pid = _pool(db, acme)
    # mean >= 4 over FY24-FY25: alice, carol; potential high: alice, carol; LEAD >= 3: alice (carol has none);
    # grade <= 3: alice (L1)
    assert _eligible(db, acme, pid) == ["Alice"]
    page = pools.eligible(db, principal=acme.principal("hr"), pool_id=pid)
    check = page.items[0].check
    assert (check.performance_rating, check.rated_periods, check.potential_band, check.skill_levels,
            check.grade_level, check.meets) == (4.5, 2, "high", {"AC-LEAD": 3}, 1, True)
    detail = pools.pool_detail(db, principal=acme.principal("hr"), pool_id=pid)
    assert detail.periods_used == ["AC-FY25", "AC-FY24"] and detail.eligible == 1 and detail.flagged == 0


@pytest.mark.parametrize(("changes", "expected"), [
    ({"skills": [], "grade_levels": None}, ["Alice", "Carol"]),  # performance and potential only
    ({"skills": [], "grade_levels": None, "performance": {"periods": 2, "min_rating": 4.0, "each": True}},
     ["Alice"]),  # carol's FY25 3 is below 4
    ({"skills": [], "grade_levels": None, "potential": None, "performance": {"periods": 1, "min_rating": 4.0}},
     ["Alice", "Bob"]),  # FY25 alone: alice 5, bob 4
    ({"skills": [], "grade_levels": None, "potential": {"min_band": "medium"}}, ["Alice", "Carol"]),
    ({"performance": None, "potential": None, "grade_levels": None}, ["Alice", "Bruno", "Cora"]),  # LEAD >= 3
    ({"performance": None, "potential": None, "grade_levels": None, "department_id": "OPS"}, ["Alice", "Bruno"]),
    ({"performance": None, "potential": None, "skills": [], "grade_levels": {"min_level": 3, "max_level": 5}},
     ["Bruno", "Carol", "Cora"]),
    ({"skills": [], "grade_levels": None, "potential": None, "performance": {"periods": 3, "min_rating": 4.0}},
     ["Alice", "Carol", "Cora"]),  # FY23-FY25: cora 5 (rated once is enough), alice 4.5, carol 4, bob 3.5, bruno 3
    ({"skills": [], "grade_levels": None, "potential": None, "performance": {"periods": 2, "min_score": 50}}, []),
])
def test_each_criterion(db: Session, acme: Acme, changes: dict[str, Any], expected: list[str]) -> None:
    if changes.get("department_id") == "OPS":
        changes = {**changes, "department_id": acme.ops.id}  # the parameters are shared by both backends' runs
    assert _eligible(db, acme, _pool(db, acme, **changes)) == expected


def test_potential_thresholds_follow_the_nine_box() -> None:
    for scale in (3, 5):
        for tenth in range(10, scale * 10 + 1):
            v = tenth / 10
            band = potential_band(v, scale)
            assert (v >= pools.POTENTIAL_FROM["medium"][scale]) == (band in ("medium", "high")), (scale, v)
            assert (v >= pools.POTENTIAL_FROM["high"][scale]) == (band == "high"), (scale, v)


def test_members_with_reasons_flags_and_history(db: Session, acme: Acme) -> None:
    hr = acme.principal("hr")
    pid = _pool(db, acme)
    E = acme.people
    pools.add_member(db, principal=hr, pool_id=pid, data=MemberIn(employee_id=E["carol"].id, reason="HR's pick"))
    pools.add_member(db, principal=hr, pool_id=pid, data=MemberIn(employee_id=E["alice"].id, reason="meets it all"))
    assert _eligible(db, acme, pid) == []  # alice is in now
    page = pools.members(db, principal=hr, pool_id=pid)
    got = {m.name.split()[0]: (m.reason, m.check.meets, m.check.failing) for m in page.items}  # type: ignore[union-attr]
    assert got == {"Alice": ("meets it all", True, []), "Carol": ("HR's pick", False, ["skills[0]"])}
    flagged = pools.members(db, principal=hr, pool_id=pid, flagged_only=True)
    assert [m.name for m in flagged.items] == ["Carol Acme"]
    # carol leaves the company: still flagged, now for her status too
    E["carol"].status = EmployeeStatus.EXITED
    db.flush()
    carol = next(m for m in pools.members(db, principal=hr, pool_id=pid).items if m.employee_id == E["carol"].id)
    assert not carol.active and carol.check is not None and carol.check.failing[0] == "status"
    removed = pools.remove_member(db, principal=hr, pool_id=pid, employee_id=E["carol"].id, reason="left us")
    assert removed.removed_at is not None and removed.removal_reason == "left us"
    assert [m.name for m in pools.members(db, principal=hr, pool_id=pid).items] == ["Alice Acme"]
    everyone = pools.members(db, principal=hr, pool_id=pid, include_removed=True)
    assert [(m.name, m.removed_at is None) for m in everyone.items] == [("Alice Acme", True), ("Carol Acme", False)]
    assert pools.pool_detail(db, principal=hr, pool_id=pid).members == 1
    assert [tuple(x) for x in db.execute(select(SuccessionAudit.entity, SuccessionAudit.action)
                                         .order_by(SuccessionAudit.id))] == [
        ("pool", "create"), ("pool_member", "add"), ("pool_member", "add"), ("pool_member", "remove")]
    # she may enter again later: a new row, the closed one stays
    E["carol"].status = EmployeeStatus.ACTIVE
    db.flush()
    pools.add_member(db, principal=hr, pool_id=pid, data=MemberIn(employee_id=E["carol"].id, reason="back"))
    assert factories.count(db, PoolMember) == 3


def test_editing_the_criteria_reflags(db: Session, acme: Acme) -> None:
    hr = acme.principal("hr")
    pid = _pool(db, acme)
    pools.add_member(db, principal=hr, pool_id=pid, data=MemberIn(employee_id=acme.people["alice"].id, reason="r"))
    out = pools.update_pool(db, principal=hr, pool_id=pid, data=PoolPatch.model_validate(
        {"criteria": _criteria(acme, performance={"periods": 2, "min_rating": 4.8}).model_dump()}))
    assert (out.flagged, out.eligible) == (1, 0)
    out = pools.update_pool(db, principal=hr, pool_id=pid, data=PoolPatch(name="Heads of tomorrow"))
    assert out.name == "Heads of tomorrow" and out.criteria.performance.min_rating == 4.8  # type: ignore[union-attr]


def test_a_pool_without_criteria_is_hr_picks(db: Session, acme: Acme) -> None:
    hr = acme.principal("hr")
    out = pools.create_pool(db, principal=hr, data=PoolIn(code="PICKS", name="Picks"))
    pools.add_member(db, principal=hr, pool_id=out.id, data=MemberIn(employee_id=acme.people["bob"].id, reason="r"))
    assert pools.eligible(db, principal=hr, pool_id=out.id).total == 0
    [m] = pools.members(db, principal=hr, pool_id=out.id).items
    assert m.check is not None and m.check.meets is None


# --- bad input: a 4xx naming the rule, nothing written -------------------------------------------------
def _bad_criteria(a: Acme) -> list[tuple[dict[str, Any], int, str]]:
    lead = a.skills["LEAD"].id
    return [
        ({"performance": {"periods": 2}}, 422, "criteria.performance.min_rating"),
        ({"performance": {"periods": 0, "min_rating": 3}}, 422, "criteria.performance.periods"),
        ({"performance": {"periods": 2, "min_rating": 7}}, 422, "criteria.performance.min_rating"),
        ({"potential": {"min_band": "stellar"}}, 422, "criteria.potential.min_band"),
        ({"skills": [{"skill_id": 999999, "min_level": 3}]}, 422, "criteria.skills[0].skill_id"),
        ({"skills": [{"skill_id": lead, "min_level": 3}, {"skill_id": lead, "min_level": 4}]}, 422,
         "criteria.skills[1].skill_id"),
        ({"skills": [{"skill_id": lead, "min_level": 6}]}, 422, "criteria.skills.0.min_level"),
        ({"grade_levels": {"min_level": 5, "max_level": 3}}, 422, "criteria.grade_levels.min_level"),
        ({"grade_levels": {}}, 422, "criteria.grade_levels"),
        ({"department_id": 999999}, 422, "criteria.department_id"),
        ({"bogus": 1}, 422, "criteria.bogus"),
    ]


def test_bad_criteria_are_refused(client: Any, db: Session, acme: Acme) -> None:
    for criteria, status, field in _bad_criteria(acme):
        r = client.post("/api/succession/pools", json={"code": "BAD", "name": "Bad", "criteria": criteria},
                        headers=acme.headers("hr"))
        assert r.status_code == status, (criteria, r.text)
        body = r.json()
        assert body.get("field") == field or any(e["field"] == field for e in body.get("errors", [])), (criteria, body)
    assert factories.count(db, TalentPool) == 0 and factories.count(db, SuccessionAudit) == 0


def test_bad_pool_and_member_writes(client: Any, db: Session, acme: Acme) -> None:
    h = acme.headers("hr")
    pid = _pool(db, acme)
    E = acme.people
    client.post(f"/api/succession/pools/{pid}/members", json={"employee_id": E["alice"].id, "reason": "r"}, headers=h)
    before = (factories.count(db, TalentPool), factories.count(db, PoolMember), factories.count(db, SuccessionAudit))
    cases = [
        (client.post("/api/succession/pools", json={"code": "FUT", "name": "Again"}, headers=h), 409, "code"),
        (client.patch(f"/api/succession/pools/{pid}", json={"criteria": {"grade_levels": {"min_level": 4,
                                                                                          "max_level": 1}}},
                      headers=h), 422, "criteria.grade_levels.min_level"),
        (client.patch(f"/api/succession/pools/{pid}", json={"name": None}, headers=h), 422, "name"),
        (client.post(f"/api/succession/pools/{pid}/members", json={"employee_id": E["dave"].id, "reason": "r"},
                     headers=h), 422, "employee_id"),  # has left
        (client.post(f"/api/succession/pools/{pid}/members", json={"employee_id": 999999, "reason": "r"},
                     headers=h), 422, "employee_id"),
        (client.post(f"/api/succession/pools/{pid}/members", json={"employee_id": E["alice"].id, "reason": "again"},
                     headers=h), 409, "employee_id"),
        (client.post(f"/api/succession/pools/{pid}/members", json={"employee_id": E["bob"].id, "reason": "  "},
                     headers=h), 422, "reason"),
        (client.post(f"/api/succession/pools/{pid}/members/{E['bob'].id}/remove", json={"reason": "r"}, headers=h),
         404, "employee_id"),
        (client.post(f"/api/succession/pools/{pid}/members/{E['alice'].id}/remove", json={"reason": ""}, headers=h),
         422, "reason"),
        (client.post("/api/succession/pools/999999/members", json={"employee_id": E["bob"].id, "reason": "r"},
                     headers=h), 404, "pool_id"),
    ]
    for r, status, field in cases:
        assert r.status_code == status, r.text
        body = r.json()
        assert body.get("field") == field or any(e["field"] == field for e in body.get("errors", [])), body
    after = (factories.count(db, TalentPool), factories.count(db, PoolMember), factories.count(db, SuccessionAudit))
    assert after == before
    assert db.scalars(select(PoolMember.removed_at).where(PoolMember.employee_id == E["alice"].id)).one() is None


ROLES = ("hr", "exec", "manager", "employee")


@pytest.mark.parametrize("role", ROLES)
def test_pool_routes_by_role(client: Any, db: Session, acme: Acme, role: str) -> None:
    h = acme.headers(role)
    pid = _pool(db, acme)
    reads = [client.get(url, headers=h).status_code for url in (
        "/api/succession/pools", f"/api/succession/pools/{pid}", f"/api/succession/pools/{pid}/members",
        f"/api/succession/pools/{pid}/eligible")]
    bob = acme.people["bob"].id
    writes = [
        client.post("/api/succession/pools", json={"code": f"P-{role}", "name": "x"}, headers=h).status_code,
        client.patch(f"/api/succession/pools/{pid}", json={"name": "y"}, headers=h).status_code,
        client.post(f"/api/succession/pools/{pid}/members", json={"employee_id": bob, "reason": "r"},
                    headers=h).status_code,
        client.post(f"/api/succession/pools/{pid}/members/{bob}/remove", json={"reason": "r"}, headers=h).status_code,
    ]
    assert reads == ([200] * 4 if role in ("hr", "exec") else [403] * 4)
    assert writes == ([201, 200, 201, 200] if role == "hr" else [403] * 4)
    if role != "hr":
        assert factories.count(db, PoolMember) == 0 and factories.count(db, TalentPool) == 1


def test_a_missing_pool_is_404(client: Any, acme: Acme) -> None:
    for url in ("/api/succession/pools/999999", "/api/succession/pools/999999/members",
                "/api/succession/pools/999999/eligible"):
        r = client.get(url, headers=acme.headers("exec"))
        assert r.status_code == 404 and r.json()["field"] == "pool_id"
