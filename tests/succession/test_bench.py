"""Bench strength on the small company's slates (register_company.slates), figures worked out by hand: per key
post, per department, for the company, the people on many slates, the single points of failure, and the trend
from the nomination and readiness history."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from succession.service import bench
from tests.succession.register_company import AS_OF, Acme, build, slates


@pytest.fixture
def acme(db: Session) -> Acme:
    a = build(db)
    slates(db, a)
    return a


def _fig(f: Any) -> tuple[Any, ...]:
    return (f.key_posts, f.covered, f.covered_share, f.two_plus, f.two_plus_share, f.uncovered, f.single_points)


def test_each_key_post(db: Session, acme: Acme) -> None:
    hr = acme.principal("hr")
    page = bench.key_post_bench(db, principal=hr, department_id=acme.root.id)
    got = {p.code.removeprefix("AC-"): (p.ready_now, p.ready_1_2, p.ready_3_plus, p.successors, p.covered, p.two_plus)
           for p in page.items}
    # OPSH: dave has left (not counted); SALH: bob's nomination was removed
    assert got == {"CEO": (1, 1, 0, 2, True, True), "OPSH": (1, 0, 1, 2, True, True),
                   "SALH": (1, 0, 0, 1, True, False), "SAL1": (0, 1, 0, 1, False, False)}
    assert page.total == 4
    uncovered = bench.key_post_bench(db, principal=hr, uncovered_only=True, department_id=acme.root.id)
    assert [p.code for p in uncovered.items] == ["AC-SAL1"] and uncovered.items[0].vacant
    one = bench.one_key_post(db, principal=hr, position_id=acme.posts["OPSH"].id)
    assert [(s.name, s.readiness.value, s.rank) for s in one.slate] == [("Alice Acme", "ready_now", 1),
                                                                         ("Bob Acme", "ready_3_plus", 2)]
    assert one.holder_name == "Bruno Acme"


def test_company_and_departments(db: Session, acme: Acme) -> None:
    out = bench.bench(db, principal=acme.principal("hr"), department_id=acme.root.id, min_slates=2)
    # 4 key posts; CEO, OPSH, SALH have a ready-now successor (3/4); CEO and OPSH have two (2/4); alice is the only
    # ready-now successor of OPSH and SALH: one single point of failure
    assert _fig(out.figures) == (4, 3, 0.75, 2, 0.5, 1, 1)
    depts = {d.code: _fig(d.figures) for d in out.departments}
    assert depts == {"AC-OPS": (1, 1, 1.0, 1, 1.0, 0, 0), "AC-SAL": (2, 1, 0.5, 0, 0.0, 1, 0)}
    assert [(p.name, p.slates, p.ready_now, [x.code for x in p.posts]) for p in out.many_slates] == [
        ("Alice Acme", 2, 2, ["AC-OPSH", "AC-SALH"]), ("Bob Acme", 2, 0, ["AC-OPSH", "AC-SAL1"])]
    assert [(p.name, [x.code for x in p.posts]) for p in out.single_points] == [("Alice Acme", ["AC-OPSH", "AC-SALH"])]
    assert bench.bench(db, principal=acme.principal("hr"), department_id=acme.root.id).many_slates == []  # 3+ slates
    sal = bench.bench(db, principal=acme.principal("hr"), department_id=acme.sal.id)
    assert _fig(sal.figures) == (2, 1, 0.5, 0, 0.0, 1, 0)  # within Sales alice stands for SALH only


def test_trend_from_the_history(db: Session, acme: Acme) -> None:
    out = bench.trend(db, principal=acme.principal("hr"), basis="months", points=6, as_of=AS_OF,
                      department_id=acme.root.id)
    got = [(p.as_of, p.label, _fig(p.figures)) for p in out.points]
    assert got == [
        # only dave's nomination is open, and he left on 2025-12-31; SALH is not key yet
        (date(2025, 12, 31), "2025-12", (3, 0, 0.0, 0, 0.0, 3, 0)),
        # CEO bruno now + carol; OPSH alice still 1-2 years + bob; SAL1 bob
        (date(2026, 1, 31), "2026-01", (3, 1, 0.3333, 2, 0.6667, 2, 0)),
        # SALH key since 02-01 with bob 1-2 years; alice ready now on OPSH since 02-20
        (date(2026, 2, 28), "2026-02", (4, 2, 0.5, 2, 0.5, 2, 0)),
        # alice ready now on SALH since 03-05 (with bob): she is the only ready-now successor of two posts
        (date(2026, 3, 31), "2026-03", (4, 3, 0.75, 3, 0.75, 1, 1)),
        # bob removed from SALH on 04-01
        (date(2026, 4, 30), "2026-04", (4, 3, 0.75, 2, 0.5, 1, 1)),
        (date(2026, 5, 31), "2026-05", (4, 3, 0.75, 2, 0.5, 1, 1)),
        (date(2026, 6, 30), "2026-06-30", (4, 3, 0.75, 2, 0.5, 1, 1)),
    ]
    now = bench.bench(db, principal=acme.principal("hr"), department_id=acme.root.id)
    assert _fig(now.figures) == got[-1][2]  # the history at the as-of date is the current bench


def test_trend_by_closed_periods(db: Session, acme: Acme) -> None:
    from performance.models import PeriodState
    from tests.performance import factories as perf

    perf.period(db, code="AC-Q1", state=PeriodState.CLOSED, start=date(2026, 1, 1), end=date(2026, 3, 31))
    out = bench.trend(db, principal=acme.principal("hr"), basis="periods", points=4, as_of=AS_OF,
                      department_id=acme.root.id)
    assert [(p.label, p.figures.covered) for p in out.points] == [("AC-Q1", 3), ("2026-06-30", 3)]


@pytest.mark.parametrize(("params", "field"), [({"points": 0}, "points"), ({"points": 99}, "points"),
                                               ({"basis": "weeks"}, "basis"), ({"department_id": 999999}, "department_id")])
def test_bad_trend_input(client: Any, acme: Acme, params: dict[str, Any], field: str) -> None:
    r = client.get("/api/succession/bench/trend", params=params, headers=acme.headers("hr"))
    assert r.status_code in (404, 422), r.text
    body = r.json()
    assert body.get("field") == field or any(e["field"] == field for e in body.get("errors", []))


ROLES = ("hr", "exec", "manager", "employee")


@pytest.mark.parametrize("role", ROLES)
def test_bench_routes_are_for_hr_and_executives(client: Any, acme: Acme, role: str) -> None:
    h = acme.headers(role)
    pid = acme.posts["OPSH"].id
    answers = [client.get(url, headers=h).status_code for url in (
        "/api/succession/bench", "/api/succession/bench/posts", f"/api/succession/bench/posts/{pid}",
        "/api/succession/bench/trend?points=2&as_of=2026-06-30")]
    assert answers == ([200] * 4 if role in ("hr", "exec") else [403] * 4)


def test_a_post_that_is_not_key_is_not_found_like_a_missing_one(client: Any, acme: Acme) -> None:
    h = acme.headers("exec")
    not_key = client.get(f"/api/succession/bench/posts/{acme.posts['OPS1'].id}", headers=h)
    missing = client.get("/api/succession/bench/posts/999999", headers=h)
    assert not_key.status_code == missing.status_code == 404
    assert not_key.json()["detail"].replace(str(acme.posts["OPS1"].id), "N") == \
        missing.json()["detail"].replace("999999", "N")
