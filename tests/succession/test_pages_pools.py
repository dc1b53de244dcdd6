"""The talent pool pages, the vacancy what-if page and "what it takes" with the suggested candidates on a post's
chart, through the real app on SQLite and PostgreSQL: who opens which page (each role allowed, refused or 404
exactly as the policy says), what they show on small companies whose figures are worked out by hand
(tests/succession/register_company.py for the pools, tests/succession/analysis_company.py for the rest), every form
(HR only, the CSRF token first) with the service's refusals as messages that name the field, keep what was typed
and write nothing, and odd input as a 4xx, never a 500.

Pools (acme, two closed years): the pool FUT asks a mean final rating of 4 over the last 2 annual periods, a high
potential, LEAD 3 or above and a grade level of 3 at most: only Alice meets it. Bob (mean 3.5, potential medium,
LEAD 2) is in it: flagged."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.outbox import OutboxEvent
from performance.models import PeriodState, RatingKind
from succession.models import DevelopmentAction, GapKind, PoolMember, SuccessionAudit, TalentPool
from succession.schemas_register import MemberIn, PoolCriteria, PoolIn
from succession.service import pools
from tests import factories
from tests.performance import factories as perf
from tests.succession import analysis_company
from tests.succession.factories import state
from tests.succession.register_company import Acme
from tests.succession.register_company import build as build_acme
from tests.web.helpers import attrs, form_token, logged_in

ROLES = ("hr", "exec", "manager", "employee")
RATINGS = {"AC-FY24": {"alice": 4, "bob": 3, "carol": 5, "bruno": 4},
           "AC-FY25": {"alice": 5, "bob": 4, "carol": 3, "bruno": 2}}
POTENTIAL = {"alice": 3, "bob": 2, "carol": 3, "bruno": 1}


# --- the companies -------------------------------------------------------------------------------------
@pytest.fixture
def acme(db: Session) -> Acme:
    a = build_acme(db)
    hr = a.principal("hr")
    for code, finals in RATINGS.items():
        p = perf.period(db, code=code, state=PeriodState.IN_PROGRESS, start=date(2000 + int(code[-2:]), 1, 1))
        for who, value in finals.items():
            perf.final(db, hr, p, a.people[who], value)
        if code == "AC-FY25":
            for who, value in POTENTIAL.items():
                perf.final(db, hr, p, a.people[who], value, kind=RatingKind.POTENTIAL, scale_max=3)
        perf.advance(db, p, PeriodState.CLOSED)
    return a


def _criteria(a: Acme) -> PoolCriteria:
    return PoolCriteria.model_validate({"performance": {"periods": 2, "min_rating": 4.0},
                                        "potential": {"min_band": "high"},
                                        "skills": [{"skill_id": a.skills["LEAD"].id, "min_level": 3}],
                                        "grade_levels": {"max_level": 3}})


@pytest.fixture
def fut(db: Session, acme: Acme) -> int:
    """Pool FUT (the criteria above) with Bob in it, who does not meet them."""
    hr = acme.principal("hr")
    out = pools.create_pool(db, principal=hr, data=PoolIn(code="FUT", name="Future heads", criteria=_criteria(acme),
                                                          description="Heads of department in two years"))
    pools.add_member(db, principal=hr, pool_id=out.id, data=MemberIn(employee_id=acme.people["bob"].id,
                                                                     reason="Runs the biggest team"))
    db.flush()
    return out.id


@pytest.fixture
def company(db: Session) -> Iterator[analysis_company.Company]:
    """The analysis company, with today pinned to its as-of day (the chart's "what it takes" counts from today)."""
    from graph import availability

    availability.reset()
    with factories.today_pinned(analysis_company.AS_OF):
        yield analysis_company.build(db)
    availability.reset()


def _error(text: str) -> str:
    found = re.search(r'role="alert"[^>]*>(.*?)</p>', text, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))).strip() if found else ""


def _posts(text: str) -> list[str]:
    return [m for m in re.findall(r'<form method="post" [^>]*action="([^"]+)"', text) if m != "/logout"]


def _post(client: TestClient, h: dict[str, str], path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(path, data=data or {}, headers=h, follow_redirects=False)


def _pool_rows(db: Session) -> tuple[Any, ...]:
    db.flush()
    return (factories.count(db, TalentPool), factories.count(db, SuccessionAudit),
            tuple(db.execute(select(PoolMember.id, PoolMember.employee_id, PoolMember.removed_at)
                             .order_by(PoolMember.id)).all()),
            tuple(db.execute(select(TalentPool.id, TalentPool.name, TalentPool.criteria).order_by(TalentPool.id))))


# --- talent pools: who opens what ------------------------------------------------------------------------
def test_every_new_page_route_declares_exactly_one_policy() -> None:
    from succession.pages.pools import router as pools_router
    from succession.pages.taking import router as taking_router
    from succession.pages.whatif import router as whatif_router

    for router in (pools_router, whatif_router, taking_router):
        for route in router.routes:
            deps = route.dependant.dependencies  # type: ignore[attr-defined]
            assert len([d for d in deps if hasattr(d.call, "__policy__")]) == 1, route.path  # type: ignore[attr-defined]
    assert (len(pools_router.routes), len(whatif_router.routes), len(taking_router.routes)) == (8, 1, 1)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_on_the_pool_pages(client: TestClient, db: Session, acme: Acme, fut: int, role: str) -> None:
    h = acme.headers(role)
    reads = [client.get(p, headers=h).status_code for p in
             ("/succession/pools", f"/succession/pools/{fut}", "/succession/pools/999999")]
    forms = [client.get(p, headers=h).status_code for p in ("/succession/pools/new", f"/succession/pools/{fut}/edit")]
    assert reads == {"hr": [200, 200, 404], "exec": [200, 200, 404]}.get(role, [403, 403, 403]), role
    assert forms == ([200, 200] if role == "hr" else [403, 403]), role
    before = _pool_rows(db)
    bob, alice = acme.people["bob"].id, acme.people["alice"].id
    writes = [_post(client, h, p, d).status_code for p, d in (
        ("/succession/pools", {"code": f"P-{role}", "name": "x"}),
        (f"/succession/pools/{fut}", {"name": "Future heads of department"}),
        (f"/succession/pools/{fut}/members", {"employee_id": str(alice), "reason": "meets it"}),
        (f"/succession/pools/{fut}/members/{bob}/remove", {"reason": "moved on"}))]
    assert writes == ([303] * 4 if role == "hr" else [403] * 4), role
    if role != "hr":
        assert _pool_rows(db) == before
    tabs = set(attrs(client.get("/succession", headers=h).text, "data-tab")) if role != "employee" else set()
    assert ("pools" in tabs) == (role in ("hr", "exec")) and ("what-if" in tabs) == (role in ("hr", "exec"))


def test_the_pool_page_shows_criteria_members_flags_and_the_eligible(client: TestClient, acme: Acme,
                                                                    fut: int) -> None:
    r = client.get("/succession/pools", headers=acme.headers("hr"))
    assert attrs(r.text, "data-pool") == ["FUT"] and 'data-members="1"' in r.text and "data-new-pool" in r.text
    page = client.get(f"/succession/pools/{fut}", headers=acme.headers("hr")).text
    criteria = re.search(r"<ul class=\"succ-criteria\" data-criteria>(.*?)</ul>", page, flags=re.S)
    assert criteria is not None
    lines = [html.unescape(re.sub(r"<[^>]+>", "", li)).strip() for li in re.findall(r"<li>(.*?)</li>", criteria.group(1))]
    assert lines == [
        "Performance: over the last 2 closed annual periods, on average a final rating of at least 4 "
        "(reads AC-FY25, AC-FY24)",
        "Potential: high in the latest closed annual period",
        "Skill: Lead at level 3 or above",
        "Grade level 3 or below"]
    # Bob entered with a reason and no longer meets the criteria: each failing one with the measure behind it
    bob = acme.people["bob"].id
    assert attrs(page, "data-member") == [str(bob)] and 'data-flagged="yes"' in page
    failing = re.search(r"<ul class=\"plain-list compact small\" data-failing>(.*?)</ul>", page, flags=re.S)
    assert failing is not None
    assert [html.unescape(li).strip() for li in re.findall(r"<li>(.*?)</li>", failing.group(1))] == [
        "performance: mean rating 3.5 over 2 period(s) (needs rating 4)",
        "potential: medium (needs high)",
        "Lead: level 2 (needs 3)"]
    assert "Runs the biggest team" in page
    # who meets the criteria and is not in the pool: Alice, with her measures and an add form
    assert attrs(page, "data-eligible") == [str(acme.people["alice"].id)]
    assert "rating 4.5 · potential high · AC-LEAD 3 · grade 1" in html.unescape(page)
    assert re.search(r'data-stat="flagged"><span class="stat-value">1<', page)
    assert re.search(r'data-stat="eligible"><span class="stat-value">1<', page)
    assert f"/succession/pools/{fut}/members" in _posts(page)
    assert f"/succession/pools/{fut}/members/{bob}/remove" in _posts(page)
    # the executive reads the same without a form or a link into people records
    seen = client.get(f"/succession/pools/{fut}", headers=acme.headers("exec")).text
    assert attrs(seen, "data-member") == [str(bob)] and attrs(seen, "data-eligible") == [str(acme.people["alice"].id)]
    assert _posts(seen) == [] and "/people/" not in seen.split("<main", 1)[1] and "data-edit-pool" not in seen


def test_hr_creates_a_pool_edits_it_and_moves_people_in_and_out(client: TestClient, db: Session,
                                                                acme: Acme) -> None:
    h = acme.headers("hr")
    data = {"code": "NEXT", "name": "Next leaders", "description": "", "perf_min_rating": "4", "perf_periods": "2",
            "perf_kind": "annual", "pot_band": "", "grade_max": "3", "skill_id": [str(acme.skills["LEAD"].id), ""],
            "skill_level": ["3", ""]}
    r = _post(client, h, "/succession/pools", data)
    assert r.status_code == 303, _error(r.text)
    pool = db.scalars(select(TalentPool).where(TalentPool.code == "NEXT")).one()
    assert r.headers["location"] == f"/succession/pools/{pool.id}"
    assert pool.criteria["performance"]["min_rating"] == 4.0 and pool.criteria["skills"] == [
        {"skill_id": acme.skills["LEAD"].id, "min_level": 3}] and pool.criteria["potential"] is None
    page = client.get(r.headers["location"], headers=h).text
    assert "Talent pool Next leaders (NEXT) created: 1 people meet its criteria." in html.unescape(page)
    assert attrs(page, "data-eligible") == [str(acme.people["alice"].id)]  # mean >= 4, LEAD >= 3, grade <= 3
    # the edit form shows the stored criteria; dropping the skill lets Carol (mean 4.0, grade 3) in too
    form = client.get(f"/succession/pools/{pool.id}/edit", headers=h).text
    assert 'name="perf_min_rating" class="succ-narrow" value="4"' in form and 'value="NEXT" disabled' in form
    r = _post(client, h, f"/succession/pools/{pool.id}", {**data, "skill_id": [""], "skill_level": [""]})
    assert r.status_code == 303, _error(r.text)
    page = client.get(r.headers["location"], headers=h).text
    assert sorted(attrs(page, "data-eligible")) == sorted(str(acme.people[n].id) for n in ("alice", "carol"))
    # Alice enters from the eligible list with the reason; Carol leaves again with one
    alice, carol = acme.people["alice"].id, acme.people["carol"].id
    for who in (alice, carol):
        r = _post(client, h, f"/succession/pools/{pool.id}/members", {"employee_id": str(who), "form": f"eligible-{who}",
                                                                      "reason": "Meets the entry criteria"})
        assert r.status_code == 303 and r.headers["location"].endswith("#members")
    r = _post(client, h, f"/succession/pools/{pool.id}/members/{carol}/remove", {"reason": "Moved to Sales Ops"})
    assert r.status_code == 303
    page = client.get(f"/succession/pools/{pool.id}", headers=h).text
    assert "Carol Acme left the pool (Moved to Sales Ops)." in html.unescape(page)
    assert attrs(page, "data-member") == [str(alice)] and attrs(page, "data-past-member") == [str(carol)]
    assert attrs(page, "data-eligible") == [str(carol)]  # she meets the criteria and is out of the pool again
    # someone who does not meet the criteria enters through the search, with the reason
    page = client.get(f"/succession/pools/{pool.id}?q=bob", headers=h).text
    assert re.search(rf'<select name="employee_id"[^>]*>\s*<option value="{acme.people["bob"].id}"', page)
    r = _post(client, h, f"/succession/pools/{pool.id}/members", {"employee_id": str(acme.people["bob"].id),
                                                                  "reason": "Acting head of operations"})
    assert r.status_code == 303
    members = pools.members(db, principal=acme.principal("hr"), pool_id=pool.id).items
    assert [(m.name, m.reason, m.check.meets if m.check else None) for m in members] == [
        ("Alice Acme", "Meets the entry criteria", True), ("Bob Acme", "Acting head of operations", False)]
    actions = [a.action for a in db.scalars(select(SuccessionAudit).where(SuccessionAudit.entity.in_(
        ("pool", "pool_member"))).order_by(SuccessionAudit.id))]
    assert actions == ["create", "update", "add", "add", "remove", "add"]


BASE_FORM = {"code": "NEW", "name": "New pool", "perf_min_rating": "", "perf_periods": "", "grade_min": "",
             "grade_max": ""}


@pytest.mark.parametrize(("change", "status", "field", "message"), [
    ({"perf_min_rating": "abc"}, 422, "criteria.performance.min_rating", "'abc' is not a number"),
    ({"perf_min_rating": "7"}, 422, "criteria.performance.min_rating", "less than or equal to 5"),
    ({"perf_periods": "2"}, 422, "criteria.performance.min_rating", "needs min_rating or min_score"),
    ({"perf_min_rating": "4", "perf_periods": "11"}, 422, "criteria.performance.periods", "less than or equal to 10"),
    ({"perf_min_rating": "4", "perf_kind": "decade"}, 422, "criteria.performance.kind", "annual"),
    ({"pot_band": "sky"}, 422, "criteria.potential.min_band", "'medium' or 'high'"),
    ({"grade_min": "4", "grade_max": "2"}, 422, "criteria.grade_levels.min_level", "is above max_level 2"),
    ({"grade_min": "1.5"}, 422, "criteria.grade_levels.min_level", "not a whole number"),
    ({"department_id": "999999"}, 422, "criteria.department_id", "does not point at an existing Department"),
    ({"skill_id": ["", "LEAD", "LEAD"], "skill_level": ["", "3", "4"]}, 422, "criteria.skills[1].skill_id",
     "is listed twice"),
    ({"skill_id": ["999999"], "skill_level": ["3"]}, 422, "criteria.skills[0].skill_id", "existing Skill"),
    ({"skill_id": ["LEAD"], "skill_level": [""]}, 422, "criteria.skills[0].min_level", "give the lowest level"),
    ({"skill_id": ["LEAD"], "skill_level": ["9"]}, 422, "criteria.skills[0].min_level", "less than or equal to 5"),
    ({"skill_id": [""], "skill_level": ["3"]}, 422, "criteria.skills[0].skill_id", "choose the skill"),
    ({"code": "FUT"}, 409, "code", "already used"),
    ({"code": "no spaces"}, 422, "code", "should match pattern"),
    ({"name": "  "}, 422, "name", "at least 1 character"),
    ({"name": "x\x00y"}, 422, "name", "NUL"),
])
def test_a_refused_pool_form_names_the_field_keeps_the_values_and_writes_nothing(
        client: TestClient, db: Session, acme: Acme, fut: int, change: dict[str, Any], status: int, field: str,
        message: str) -> None:
    lead = str(acme.skills["LEAD"].id)
    data = {**BASE_FORM, "description": "kept text", **{k: [lead if x == "LEAD" else x for x in v]
                                                          if isinstance(v, list) else v for k, v in change.items()}}
    before = _pool_rows(db)
    for path in ("/succession/pools", f"/succession/pools/{fut}"):
        if path != "/succession/pools" and field == "code":
            continue  # the code is not edited
        r = _post(client, acme.headers("hr"), path, data)
        assert r.status_code == status, (change, path, r.text[:300])
        assert 'data-pool-form' in r.text  # the form again, never an error page, never a 500
        assert f'data-error-field="{field}"' in r.text and message in _error(r.text), (change, _error(r.text))
        assert 'value="kept text"' in r.text  # what was typed stays
        assert 'aria-invalid="true"' in r.text
        assert _pool_rows(db) == before
    if field == "criteria.skills[1].skill_id":  # the row at fault is the one marked, counted as the form shows it
        r = _post(client, acme.headers("hr"), "/succession/pools", data)
        row = re.search(r'<tr data-skill-row="2">(.*?)</tr>', r.text, flags=re.S)
        assert row is not None and 'aria-invalid="true"' in row.group(1)
        assert "Skill row 3" in _error(r.text)


@pytest.mark.parametrize(("data", "status", "message"), [
    ({"employee_id": "", "reason": "x"}, 422, "choose the person to add"),
    ({"employee_id": "abc", "reason": "x"}, 422, "'abc' is not a whole number"),
    ({"employee_id": "999999", "reason": "x"}, 422, "does not point at an existing Employee"),
    ({"employee_id": "alice", "reason": " "}, 422, "with a reason"),
    ({"employee_id": "dave", "reason": "x"}, 422, "has left"),
    ({"employee_id": "bob", "reason": "again"}, 409, "already in pool"),
    ({"employee_id": "alice", "reason": "x" * 2001}, 422, "at most 2000 characters"),
])
def test_refused_member_additions_are_messages_that_write_nothing(client: TestClient, db: Session, acme: Acme,
                                                                  fut: int, data: dict[str, str], status: int,
                                                                  message: str) -> None:
    ids = {k: str(v.id) for k, v in acme.people.items()}
    sent = {**data, "employee_id": ids.get(data["employee_id"], data["employee_id"])}
    before = _pool_rows(db)
    r = _post(client, acme.headers("hr"), f"/succession/pools/{fut}/members", sent)
    assert r.status_code == status and message in _error(r.text), (data, r.status_code, _error(r.text))
    assert "data-criteria" in r.text and _pool_rows(db) == before


def test_refused_removals_and_missing_pools(client: TestClient, db: Session, acme: Acme, fut: int) -> None:
    h = acme.headers("hr")
    before = _pool_rows(db)
    bob, alice = acme.people["bob"].id, acme.people["alice"].id
    r = _post(client, h, f"/succession/pools/{fut}/members/{bob}/remove", {"reason": "  "})
    assert r.status_code == 422 and "with a reason" in _error(r.text)
    row = re.search(rf'<tr data-member="{bob}".*?</tr>', r.text, flags=re.S)
    assert row is not None and "with a reason" in row.group(0)  # at the member's own form, opened
    r = _post(client, h, f"/succession/pools/{fut}/members/{alice}/remove", {"reason": "x"})
    assert r.status_code == 404 and "PoolMember" in _error(r.text)
    for path in ("/succession/pools/999999/members", "/succession/pools/999999/members/1/remove",
                 "/succession/pools/999999"):
        r = _post(client, h, path, {"employee_id": str(alice), "reason": "x", "name": "x"})
        assert r.status_code == 404 and 'data-status="404"' in r.text, path
    assert client.get("/succession/pools/999999/edit", headers=h).status_code == 404
    assert client.get("/succession/pools/abc", headers=h).status_code == 422
    assert client.get(f"/succession/pools/{fut}?page=0", headers=h).status_code == 422
    assert client.get(f"/succession/pools/{fut}?q=" + "x" * 300, headers=h).status_code == 422
    assert _pool_rows(db) == before


def test_pool_forms_need_the_csrf_token(client: TestClient, db: Session, acme: Acme, fut: int) -> None:
    logged_in(client, "ac-hr")
    alice = str(acme.people["alice"].id)
    before = _pool_rows(db)
    for path, data in (("/succession/pools", {"code": "X", "name": "x"}),
                       (f"/succession/pools/{fut}", {"name": "x"}),
                       (f"/succession/pools/{fut}/members", {"employee_id": alice, "reason": "x"}),
                       (f"/succession/pools/{fut}/members/{acme.people['bob'].id}/remove", {"reason": "x"})):
        for headers in ({}, {"Origin": "http://testserver"}, {"Origin": "https://evil.example"}):
            r = client.post(path, data=data, headers=headers, follow_redirects=False)
            assert r.status_code == 403 and r.headers.get("x-hcm-refused") == "csrf", (path, headers)
    assert _pool_rows(db) == before
    page = client.get(f"/succession/pools/{fut}").text
    assert page.count('name="csrftoken"') >= len(_posts(page)) + 1  # every form, the log-out's too
    token = form_token(client, f"/succession/pools/{fut}")
    r = client.post(f"/succession/pools/{fut}/members", data={"csrftoken": token, "employee_id": alice,
                                                              "reason": "meets it"},
                    headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert r.status_code == 303 and factories.count(db, PoolMember) == 2


# --- the vacancy what-if ------------------------------------------------------------------------------------
def _whatif(client: TestClient, c: analysis_company.Company, who: str, *names: str, **params: Any) -> Any:
    query = [("employee_id", str(c.people[n].id) if n in c.people else n) for n in names]
    query += [(k, str(v)) for k, v in params.items()]
    return client.get("/succession/what-if", params=query, headers=c.headers(who))


@pytest.mark.parametrize("role", ROLES)
def test_each_role_on_the_what_if(client: TestClient, company: analysis_company.Company, role: str) -> None:
    r = _whatif(client, company, role, "Kim", run=1)
    assert r.status_code == (200 if role in ("hr", "exec") else 403), role


def test_hr_runs_two_departures_and_sees_the_chains(client: TestClient, db: Session,
                                                    company: analysis_company.Company) -> None:
    """Kim and Sam leave: Lee (ready now) takes CEO, Ana ENG-H, Ben (1-2 years: a readiness gap) ENG-L, and ENG-1
    opens past depth 3; Dan (3+ years) takes SAL-H and SAL-1, which has no plan, stays uncovered."""
    c = company
    before = state(db)
    events = factories.count(db, OutboxEvent)
    r = _whatif(client, c, "hr", "Kim", "Sam", depth=3, run=1)
    assert r.status_code == 200 and "data-result" in r.text
    assert attrs(r.text, "data-chain") == ["E-KIM", "E-SAM"]
    chains = re.findall(r'<article class="wi-chain" data-chain="([^"]+)">(.*?)</article>', r.text, flags=re.S)
    steps = {ext: re.findall(r'data-step="(\d)" data-position="([^"]+)"\s+data-filled-by="([^"]*)" '
                             r'data-readiness="([^"]+)"', body) for ext, body in chains}
    assert steps == {"E-KIM": [("1", "CEO", "E-LEE", "ready_now"), ("2", "ENG-H", "E-ANA", "ready_now"),
                               ("3", "ENG-L", "E-BEN", "ready_1_2")],
                     "E-SAM": [("1", "SAL-H", "E-DAN", "ready_3_plus"), ("2", "SAL-1", "", "uncovered")]}
    assert attrs(r.text, "data-beyond") == ["ENG-1"]
    assert "nobody is nominated for it" in r.text
    assert attrs(r.text, "data-uncovered") == ["SAL-1"] and attrs(r.text, "data-gap") == ["SAL-H", "ENG-L"]
    assert list(zip(attrs(r.text, "data-exposed"), attrs(r.text, "data-reason"), strict=True)) == [
        ("ENG-L", "not_ready"), ("SAL-H", "not_ready")]
    stat = dict(re.findall(r'data-stat="(\w+)"><span class="stat-value">(\d+)<', r.text))
    assert stat == {"opened": "6", "filled": "4", "gaps": "2", "uncovered": "1", "exposed": "2"}
    # the two chosen stay ticked, the picker offers the other key-post holders; the simulation wrote nothing
    assert attrs(r.text, "data-pick")[:2] == [str(c.people["Kim"].id), str(c.people["Sam"].id)]
    assert re.search(f'name="employee_id" value="{c.people["Kim"].id}" checked', r.text)
    assert state(db) == before and factories.count(db, OutboxEvent) == events


def test_the_picker_searches_within_the_viewers_people(client: TestClient, company: analysis_company.Company) -> None:
    c = company
    r = _whatif(client, c, "hr")  # no search: the key posts' holders, highest grade first
    assert attrs(r.text, "data-pick") == [str(c.people[n].id) for n in ("Kim", "Lee", "Ana", "Sam")]
    assert "data-result" not in r.text
    r = _whatif(client, c, "hr", q="ben")
    assert attrs(r.text, "data-pick") == [str(c.people["Ben"].id)]
    # the executive's people are the key posts' holders: Ben is not among them, and naming him is a 404 as nobody
    r = _whatif(client, c, "exec", q="ben")
    assert attrs(r.text, "data-pick") == [] and "data-no-picks" in r.text
    r = _whatif(client, c, "exec", "Ben", run=1)
    assert r.status_code == 404 and f"employee_id={c.people['Ben'].id}" in _error(r.text)
    assert attrs(r.text, "data-missing") == [str(c.people["Ben"].id)]
    r = _whatif(client, c, "exec", "Sam", run=1)
    assert r.status_code == 200 and attrs(r.text, "data-chain") == ["E-SAM"]
    assert "/people/" not in r.text.split("<main", 1)[1]


@pytest.mark.parametrize(("names", "params", "status", "field", "message"), [
    (("Kim",), {"depth": 99}, 422, "depth", "between 1 and 5"),
    (("Kim",), {"depth": 0}, 422, "depth", "between 1 and 5"),
    (("Kim",), {"depth": "deep"}, 422, "depth", "not 'deep'"),
    (("abc",), {}, 422, "employee_id", "'abc' is not a whole number"),
    (("99999999999",), {}, 422, "employee_id", "names nobody"),
    (("987654",), {}, 404, "employee_id", "Employee with employee_id=987654 does not exist"),
    (("987654", "987655"), {}, 404, "employee_id", "employee_id=987654, 987655 does not exist"),
    (("Ivy",), {}, 422, "employee_id", "has already left"),
    ((), {}, 422, "employee_id", "name at least one person"),
])
def test_odd_what_if_input_is_a_message_not_a_500(client: TestClient, db: Session,
                                                  company: analysis_company.Company, names: tuple[str, ...],
                                                  params: dict[str, Any], status: int, field: str,
                                                  message: str) -> None:
    before = state(db)
    r = _whatif(client, company, "hr", *names, run=1, **params)
    assert r.status_code == status, (names, params, r.text[:300])
    assert "data-whatif-form" in r.text and f'data-error-field="{field}"' in r.text
    assert message in _error(r.text), _error(r.text)
    assert "data-result" not in r.text and state(db) == before
    assert client.get("/succession/what-if?q=" + "x" * 300, headers=company.headers("hr")).status_code == 422


# --- what it takes and the suggestions on the chart -----------------------------------------------------------
def _chart(client: TestClient, c: analysis_company.Company, who: str, post: str = "ENG-H") -> Any:
    return client.get(f"/succession/positions/{c.posts[post].id}", headers=c.headers(who))


def test_what_it_takes_on_the_chart_by_role(client: TestClient, db: Session,
                                            company: analysis_company.Company) -> None:
    """ENG-H (LEAD 4 high, PY 3 medium, K8S 2 low), as tests/succession/test_taking.py works it out: Ana lacks K8S
    and LEAD; Cat K8S; Ben LEAD and PY, has never held ENG/G3 on the way and his rating of 2 is below the bar.
    HR's chart has one button per gap."""
    c = company
    r = _chart(client, c, "hr")
    assert r.status_code == 200
    assert attrs(r.text, "data-takes") == ["E-ANA", "E-CAT", "E-BEN"]  # by rank; Ivy has left
    gaps = {ext: re.findall(r'data-skill-gap="([^"]+)"', body) for ext, body in re.findall(
        r'data-takes="([^"]+)" data-gaps="\d+">(.*?)</article>', r.text, flags=re.S)}
    assert gaps == {"E-ANA": ["K8S", "LEAD"], "E-CAT": ["K8S"], "E-BEN": ["LEAD", "PY"]}
    ben = re.search(r'data-takes="E-BEN".*?</article>', r.text, flags=re.S)
    assert ben is not None
    assert attrs(ben.group(0), "data-role-gap") == ["ENG/G3"]
    assert 'data-performance="below"' in ben.group(0)
    assert attrs(ben.group(0), "data-gap-action") == [f"skill:{c.skills['LEAD'].id}", f"skill:{c.skills['PY'].id}",
                                                      "experience:ENG/G3", "performance:"]
    assert "graph is unavailable since" in html.unescape(r.text).lower()  # the tests' graph is switched off
    # the executive reads the gaps without a button; the manager only once HR opens the plans below him
    r = _chart(client, c, "exec")
    assert r.status_code == 200 and attrs(r.text, "data-takes") == ["E-ANA", "E-CAT", "E-BEN"]
    assert "data-gap-action" not in r.text and _posts(r.text) == []
    assert _chart(client, c, "manager", "ENG-L").status_code == 404
    analysis_company.managers_see_plans_below(db, True)
    r = _chart(client, c, "manager", "ENG-L")
    assert r.status_code == 200 and attrs(r.text, "data-takes") == ["E-BEN"] and "data-gap-action" not in r.text
    assert _chart(client, c, "manager", "ENG-H").status_code == 404  # his own post
    assert _chart(client, c, "employee").status_code == 403


def _gap(client: TestClient, c: analysis_company.Company, who: str, person: str, post: str = "ENG-H",
         **data: str) -> Any:
    n = c.nominations[(post, person)]
    return _post(client, c.headers(who), f"/succession/positions/{c.posts[post].id}/nominations/{n.id}/gap-action",
                 data)


def test_hr_creates_a_development_action_from_each_gap_in_one_click(client: TestClient, db: Session,
                                                                    company: analysis_company.Company) -> None:
    c = company
    lead = str(c.skills["LEAD"].id)
    r = _gap(client, c, "hr", "Ben", gap_kind="skill", skill_id=lead)
    n = c.nominations[("ENG-H", "Ben")]
    assert r.status_code == 303 and r.headers["location"].endswith(f"#gaps-{n.id}")
    action = db.scalars(select(DevelopmentAction).where(DevelopmentAction.nomination_id == n.id)).one()
    assert (action.gap_kind, action.skill_id, action.target_level, action.owner_employee_id) == (
        GapKind.SKILL, c.skills["LEAD"].id, 4, c.people["Ana"].id)  # Ben's manager: ENG-L's holder
    assert r.headers["location"] == f"/succession/positions/{c.posts['ENG-H'].id}?acted={n.id}#gaps-{n.id}"
    page = client.get(r.headers["location"], headers=c.headers("hr")).text
    acted = re.search(r'data-acted>(.*?)</p>', page, flags=re.S)  # the message at the nominee too
    assert acted is not None and html.unescape(acted.group(1)).startswith(
        "Development action created: Raise Leadership from 3 to 4 (high importance) (owner Ana Test, due 30 Jun 2029)")
    ben = re.search(r'data-takes="E-BEN".*?</article>', page, flags=re.S)
    assert ben is not None and "data-open-action" in ben.group(0)
    assert f"skill:{lead}" not in attrs(ben.group(0), "data-gap-action")  # answered: no second button
    for data in ({"gap_kind": "experience", "target_role": "ENG/G3"}, {"gap_kind": "performance"}):
        assert _gap(client, c, "hr", "Ben", **data).status_code == 303
    assert [a.gap_kind for a in db.scalars(select(DevelopmentAction).where(
        DevelopmentAction.nomination_id == n.id).order_by(DevelopmentAction.id))] == [
        GapKind.SKILL, GapKind.EXPERIENCE, GapKind.PERFORMANCE]


@pytest.mark.parametrize(("person", "data", "status", "field", "message"), [
    ("Ben", {"gap_kind": "skill", "skill_id": "K8S"}, 422, "skill_id", "is no gap of this nominee"),
    ("Ben", {"gap_kind": "skill", "skill_id": ""}, 422, "skill_id", "named by its skill_id"),
    ("Ben", {"gap_kind": "skill", "skill_id": "abc"}, 422, "skill_id", "is not a skill's id"),
    ("Ben", {"gap_kind": "experience", "target_role": "MGT/G9"}, 422, "target_role", "no role this nominee"),
    ("Ana", {"gap_kind": "performance"}, 422, "gap_kind", "not below the post's bar"),
    ("Ben", {"gap_kind": "wishes"}, 422, "gap_kind", "gap_kind must be one of"),
    ("Ben", {"gap_kind": "skill", "skill_id": "LEAD"}, 409, "gap_kind", "already answers this gap"),
])
def test_refused_gap_actions_are_messages_at_the_nominee_that_write_nothing(
        client: TestClient, db: Session, company: analysis_company.Company, person: str, data: dict[str, str],
        status: int, field: str, message: str) -> None:
    c = company
    if status == 409:
        assert _gap(client, c, "hr", "Ben", gap_kind="skill", skill_id=str(c.skills["LEAD"].id)).status_code == 303
    sent = {k: str(c.skills[v].id) if k == "skill_id" and v in c.skills else v for k, v in data.items()}
    before = state(db)
    r = _gap(client, c, "hr", person, **sent)
    assert r.status_code == status, (data, r.text[:300])
    n = c.nominations[("ENG-H", person)]
    at = re.search(rf'data-error-form="gaps-{n.id}" data-error-field="{field}">(.*?)</p>', r.text, flags=re.S)
    assert at is not None and message in html.unescape(at.group(1)), _error(r.text)
    assert "data-lineage" in r.text and state(db) == before


def test_gap_actions_outside_the_post_or_without_the_right_are_refused(client: TestClient, db: Session,
                                                                      company: analysis_company.Company) -> None:
    c = company
    analysis_company.managers_see_plans_below(db, True)
    before = state(db)
    ben_eng_l = c.nominations[("ENG-L", "Ben")]
    path = f"/succession/positions/{c.posts['ENG-H'].id}/nominations/{ben_eng_l.id}/gap-action"
    r = _post(client, c.headers("hr"), path, {"gap_kind": "performance"})
    assert r.status_code == 404 and "Nomination" in r.text  # a nomination of another post
    r = _post(client, c.headers("hr"), "/succession/positions/999999/nominations/1/gap-action", {"gap_kind": "skill"})
    assert r.status_code == 404
    for who in ("exec", "manager", "employee"):
        assert _gap(client, c, who, "Ben", gap_kind="performance").status_code == 403, who
    logged_in(client, "s3-hr")
    r = client.post(f"/succession/positions/{c.posts['ENG-H'].id}/nominations/"
                    f"{c.nominations[('ENG-H', 'Ben')].id}/gap-action", data={"gap_kind": "performance"},
                    follow_redirects=False)
    assert r.status_code == 403 and r.headers.get("x-hcm-refused") == "csrf"
    assert state(db) == before


def test_an_unreachable_graph_leaves_the_chart_whole(client: TestClient, app: Any, db: Session,
                                                     company: analysis_company.Company) -> None:
    """A graph that does not answer (nobody listens on its port) is a notice in the suggestions panel, since when;
    the chart, what it takes and every form are there (a 200, never a 500)."""
    from graph import client as graph_client
    from graph.deps import GraphConnection, graph_connection
    from graph.server import free_port

    dead = graph_client.make_driver(f"bolt://127.0.0.1:{free_port()}", "root", "nobody-listens")
    app.dependency_overrides[graph_connection] = lambda: GraphConnection(dead, "talent")
    try:
        r = _chart(client, company, "hr")
        assert r.status_code == 200 and "data-graph-unavailable" in r.text
        assert "The talent graph is unavailable since" in r.text
        assert attrs(r.text, "data-takes") == ["E-ANA", "E-CAT", "E-BEN"] and "data-picker-search" in r.text
    finally:
        dead.close()


@pytest.mark.graph
def test_suggested_candidates_from_the_graph_with_a_nominate_button(client: TestClient, app: Any, db: Session,
                                                                    company: analysis_company.Company) -> None:
    """With the graph (the company projected by a rebuild), the panel lists Dan, the talent search's full match for
    ENG-H, with his reasons; HR nominates him through the slate's own nominate form. Executives read the panel
    without the button. Nothing is nominated by showing it."""
    from graph import client as graph_client
    from graph.deps import GraphConnection, graph_connection
    from graph.rebuild import rebuild
    from succession.models import Nomination
    from tests.graph.fixtures import DATABASE, shared_server

    server = shared_server()
    driver = graph_client.make_driver(server.uri, *server.auth)
    try:
        graph_client.ensure_schema(driver, DATABASE)
        graph_client.write(driver, DATABASE, "MATCH (n) DETACH DELETE n")
        rebuild(driver, DATABASE, session=db)
        app.dependency_overrides[graph_connection] = lambda: GraphConnection(driver, DATABASE)
        c = company
        before = factories.count(db, Nomination)
        r = _chart(client, c, "hr")
        assert r.status_code == 200 and "data-graph-unavailable" not in r.text
        assert attrs(r.text, "data-suggestion") == ["E-DAN"]
        reasons = re.search(r'data-suggestion="E-DAN">.*?<ul[^>]*data-reasons>(.*?)</ul>', r.text, flags=re.S)
        assert reasons is not None and "matches 100 % of the post&#39;s skills (Kubernetes 2/2, Leadership 4/4, " \
                                      "Python 3/3)" in reasons.group(1)
        assert attrs(r.text, "data-nominate") == ["E-DAN"] and factories.count(db, Nomination) == before
        seen = _chart(client, c, "exec").text
        assert attrs(seen, "data-suggestion") == ["E-DAN"] and "data-nominate" not in seen
        post = f"/succession/positions/{c.posts['ENG-H'].id}/nominees"
        form = re.search(rf'<form method="post" action="{post}"[^>]*data-nominate="E-DAN">(.*?)</form>', r.text,
                         flags=re.S)
        assert form is not None
        fields = dict(re.findall(r'<input type="hidden" name="(employee_id|reason)" value="([^"]*)"', form.group(1)))
        r = _post(client, c.headers("hr"), post, {**fields, "readiness": "ready_3_plus"})
        assert r.status_code == 303
        dan = db.scalars(select(Nomination).where(Nomination.employee_id == c.people["Dan"].id,
                                                  Nomination.plan_id == c.plans["ENG-H"].id)).one()
        assert dan.readiness.value == "ready_3_plus" and dan.reason is not None and dan.reason.startswith(
            "Suggested: matches 100 %")
        assert attrs(_chart(client, c, "hr").text, "data-suggestion") == []  # on the slate now: no longer suggested
    finally:
        driver.close()
