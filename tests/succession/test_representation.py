"""Representation of slates and pools (HR only) on the small company's slates (register_company.slates), by
hand: gender and age bands of the nominees and pool members against the eligible population, with the
four-fifths rule flagged; and nobody else ever sees it."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hcm.errors import Forbidden
from hcm.org.models import Employee, Gender
from succession.schemas_register import MemberIn, PoolIn
from succession.service import pools, representation
from tests.succession.register_company import AS_OF, Acme, build, slates


@pytest.fixture
def acme(db: Session) -> Acme:
    a = build(db)
    slates(db, a)
    # fred: active, no post (so not eligible), male, born 2000
    a.people["fred"] = Employee(external_id="AC-FRED", first_name="Fred", last_name="Acme", hire_date=date(2026, 1, 5),
                                gender=Gender.MALE, birth_year=2000, salary=Decimal(1))
    db.add(a.people["fred"])
    db.flush()
    hr = a.principal("hr")
    pool = pools.create_pool(db, principal=hr, data=PoolIn(code="FUT", name="Future heads"))
    for who in ("alice", "carol", "fred"):
        pools.add_member(db, principal=hr, pool_id=pool.id, data=MemberIn(employee_id=a.people[who].id, reason="r"))
    return a


def _groups(figs: list[Any]) -> dict[str, tuple[Any, ...]]:
    return {g.group: (g.count, g.share, g.eligible, g.eligible_share, g.selected, g.selection_rate, g.impact_ratio,
                      g.flagged) for g in figs}


def test_figures_by_hand(db: Session, acme: Acme) -> None:
    out = representation.representation(db, principal=acme.principal("hr"), as_of=AS_OF)
    # the lowest key post is SAL1 (level 1): everyone active holding a post of level 0 or more is eligible:
    # cora, bruno, alice, bob, carol (F 3, M 2; 60+ cora 64, 40-49 bruno 46, 30-39 alice 36 and bob 31, 50-59 carol 51)
    assert (out.eligible_min_level, out.eligible_total, out.threshold) == (0, 5, 0.8)
    pops = {p.population: p for p in out.populations}
    assert list(pops) == ["nominees", "pool_members", "pool:FUT"]
    nominees = pops["nominees"]  # bruno, carol (CEO), alice (OPSH, SALH), bob (OPSH, SAL1); dave has left
    assert (nominees.total, nominees.outside_eligible) == (4, 0)
    assert _groups(nominees.gender) == {
        "female": (2, 0.5, 3, 0.6, 2, 0.6667, 0.6667, True),  # 2/3 against 2/2: below four fifths
        "male": (2, 0.5, 2, 0.4, 2, 1.0, 1.0, False)}
    assert _groups(nominees.age_band) == {
        "30-39": (2, 0.5, 2, 0.4, 2, 1.0, 1.0, False), "40-49": (1, 0.25, 1, 0.2, 1, 1.0, 1.0, False),
        "50-59": (1, 0.25, 1, 0.2, 1, 1.0, 1.0, False), "60 and over": (0, 0.0, 1, 0.2, 0, 0.0, 0.0, True)}
    assert all(g.small for g in nominees.gender)  # fewer than five eligible in every group
    members = pops["pool:FUT"]  # alice, carol, fred (fred holds no post: outside the eligible population)
    assert (members.total, members.outside_eligible) == (3, 1)
    assert _groups(members.gender) == {
        "female": (2, 0.6667, 3, 0.6, 2, 0.6667, 1.0, False),
        "male": (1, 0.3333, 2, 0.4, 0, 0.0, 0.0, True)}
    assert _groups(members.age_band)["under 30"] == (1, 0.3333, 0, 0.0, 0, None, None, False)
    assert _groups(pops["pool_members"].gender) == _groups(members.gender)


def test_a_pool_member_who_left_is_not_counted(db: Session, acme: Acme) -> None:
    from hcm.org.models import EmployeeStatus

    acme.people["carol"].status = EmployeeStatus.EXITED
    acme.people["carol"].position_id = None
    db.flush()
    out = representation.representation(db, principal=acme.principal("hr"), as_of=AS_OF)
    pool = next(p for p in out.populations if p.population == "pool:FUT")
    assert pool.total == 2 and out.eligible_total == 4


@pytest.mark.parametrize("role", ["exec", "manager", "employee"])
def test_nobody_else_sees_it(client: Any, db: Session, acme: Acme, role: str) -> None:
    assert client.get("/api/succession/representation", headers=acme.headers(role)).status_code == 403
    with pytest.raises(Forbidden):
        representation.representation(db, principal=acme.principal(role), as_of=AS_OF)


def test_hr_reads_it_over_the_api(client: Any, acme: Acme) -> None:
    r = client.get("/api/succession/representation", params={"as_of": AS_OF.isoformat()}, headers=acme.headers("hr"))
    assert r.status_code == 200 and r.json()["eligible_total"] == 5


def test_no_other_answer_carries_gender_or_birth_year(client: Any, acme: Acme) -> None:
    """The register, pools and bench name people but never their protected attributes, whoever asks."""
    for role in ("hr", "exec"):
        h = acme.headers(role)
        pool_id = client.get("/api/succession/pools", headers=h).json()[0]["id"]
        urls = ["/api/succession/bench", "/api/succession/bench/posts", f"/api/succession/pools/{pool_id}/members",
                f"/api/succession/pools/{pool_id}/eligible", f"/api/succession/bench/posts/{acme.posts['OPSH'].id}"]
        if role == "hr":
            urls += ["/api/succession/register", f"/api/succession/register/{acme.posts['CEO'].id}"]
        for url in urls:
            r = client.get(url, headers=h)
            assert r.status_code == 200, (url, r.text)
            text = json.dumps(r.json())
            assert "gender" not in text and "birth" not in text and "female" not in text, url
