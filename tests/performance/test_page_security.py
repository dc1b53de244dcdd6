"""The performance pages tried as an attacker would, on SQLite and PostgreSQL, with a browser's cookie session
(logged in through the form, as a person's browser is):

- every POST form of the performance pages (taken from the pages' router, so a form added tomorrow is covered)
  is refused without the CSRF token, or with a forged one, from any origin, and writes nothing; with the
  page's token the same request reaches its route;
- an employee holding a valid token still cannot rate someone else, approve, change HR's settings or
  calibrate; a manager cannot calibrate or change settings;
- someone outside the caller's scope is answered exactly like someone who does not exist (status and page),
  for the person page, the rating form and the approval;
- an employee never sees another person's rating nor anyone's potential (her own included, while HR's
  setting is off) on any performance page she can open: every GET page route, crawled with every id."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from performance.models import (
    CheckIn,
    Goal,
    GoalLink,
    Indicator,
    PerfSettings,
    Period,
    PointsEntry,
    RatingEvent,
    RatingKind,
    RatingSource,
)
from performance.pages import router as pages
from tests import factories
from tests.factories import Org, count
from tests.performance import factories as perf
from tests.web.helpers import form_token, logged_in

ME = "http://testserver"
NOBODY = 10**9
SECRET = "SECRET-"  # in the reason of every rating the employee must not see


@pytest.fixture
def plan(db: Session, org: Org) -> Iterator[perf.Plan]:
    """The small plan, plus ratings the employee (alice) must never see, each with a ``SECRET-`` reason: a
    manager's submitted ratings of bob and dana, HR's of carol; and the manager's potential of alice herself,
    hidden from her while HR's setting is off (its reason says ``OWN-POTENTIAL-``)."""
    p = perf.build_plan(db, org)
    boss, hr, E = org.principal("manager"), org.principal("hr"), org.people
    perf.rate(db, boss, p.period, E["bob"], RatingSource.MANAGER, 4, reason=f"{SECRET}bob-performance")
    perf.rate(db, boss, p.period, E["dana"], RatingSource.MANAGER, 1, reason=f"{SECRET}dana-performance")
    perf.rate(db, boss, p.period, E["dana"], RatingSource.MANAGER, 1, kind=RatingKind.POTENTIAL, scale_max=3,
              reason=f"{SECRET}dana-potential")
    perf.rate(db, hr, p.period, E["carol"], RatingSource.HR, 2, reason=f"{SECRET}carol-performance")
    perf.rate(db, boss, p.period, E["alice"], RatingSource.MANAGER, 2, kind=RatingKind.POTENTIAL, scale_max=3,
              reason="OWN-POTENTIAL-of-alice")
    db.flush()
    with factories.today_pinned(p.today):
        yield p


def refused_csrf(r: Any) -> bool:
    return bool(r.status_code == 403 and r.headers.get("x-hcm-refused") == "csrf")


def writes(db: Session) -> tuple[int, ...]:
    return (count(db, RatingEvent), count(db, CheckIn), count(db, PointsEntry), count(db, PerfSettings),
            count(db, Period), count(db, Goal), count(db, Indicator), count(db, GoalLink))


def post_forms(plan: perf.Plan, org: Org) -> dict[str, dict[str, str]]:
    """Each POST route of the performance pages, its path filled in, with a form that would be taken."""
    pid, E = plan.period.id, org.people
    fill = {"period_id": str(pid), "employee_id": str(E["dana"].id), "indicator_id": str(plan.indicators["A1"].id),
            "goal_id": str(plan.goals["P-ALICE"].id)}
    forms: dict[str, dict[str, str]] = {}
    for route in pages.routes:
        if "POST" not in route.methods:  # type: ignore[attr-defined]
            continue
        path = re.sub(r"\{(\w+)\}", lambda m: fill[m.group(1)], route.path)  # type: ignore[attr-defined]
        forms[path] = {}
    known = {
        f"/performance/periods/{pid}/calibration": {"employee_id": str(E["dana"].id), "value": "3", "reason": "x"},
        f"/performance/periods/{pid}/self-assessment": {"performance": "4", "comment": "mine"},
        f"/performance/periods/{pid}/people/{E['dana'].id}/ratings": {"performance": "3", "back": "person"},
        f"/performance/periods/{pid}/people/{E['dana'].id}/approve": {},
        "/performance/settings": {"employees_see_potential": "1"},
        f"/performance/indicators/{plan.indicators['A1'].id}/checkins": {
            "as_of": plan.today.isoformat(), "actual": "111"},
        f"/performance/periods/{pid}/points/recognition": {"employee_id": str(E["bob"].id), "reason": "Great"},
    }
    assert set(known) <= set(forms), set(known) - set(forms)  # the forms the issue names are all there
    for path in forms:
        forms[path] = known.get(path, {})
    return forms


@pytest.mark.parametrize("username", ["hr", "manager", "employee"])
def test_every_performance_form_needs_the_csrf_token(client: TestClient, plan: perf.Plan, org: Org, db: Session,
                                                     username: str) -> None:
    forms = post_forms(plan, org)
    logged_in(client, username)
    token = form_token(client, "/performance")
    before = writes(db)
    for path, data in forms.items():
        for headers in ({}, {"Origin": ME}, {"Origin": "https://evil.example"}, {"Referer": f"{ME}/performance"},
                        {"Sec-Fetch-Site": "cross-site"}):
            r = client.post(path, data=data, headers=headers, follow_redirects=False)
            assert refused_csrf(r), (username, path, headers, r.status_code)
            r = client.post(path, data={**data, "csrftoken": "forged"}, headers=headers, follow_redirects=False)
            assert refused_csrf(r), (username, path, headers, "forged")
            r = client.post(path, data=data, headers={**headers, "X-CSRFToken": token + "x"}, follow_redirects=False)
            assert refused_csrf(r), (username, path, headers, "forged header")
        # the page's own token, from another site: still refused
        r = client.post(path, data={**data, "csrftoken": token}, headers={"Origin": "https://evil.example"},
                        follow_redirects=False)
        assert refused_csrf(r), (username, path, "evil origin with the token")
    assert writes(db) == before
    # the other half, so the check above can fail: with the token from the app's own origin each form reaches
    # its route (which then decides, by the rules: a 303 or a 4xx with a message, never the CSRF refusal)
    for path, data in forms.items():
        r = client.post(path, data={**data, "csrftoken": token}, headers={"Origin": ME}, follow_redirects=False)
        assert not refused_csrf(r) and r.status_code < 500, (username, path, r.status_code, r.text[:300])


def _post(client: TestClient, token: str, path: str, data: dict[str, str] | None = None) -> Any:
    return client.post(path, data={**(data or {}), "csrftoken": token}, headers={"Origin": ME},
                       follow_redirects=False)


def test_an_employee_with_a_valid_token_cannot_rate_approve_change_settings_or_calibrate(
        client: TestClient, plan: perf.Plan, org: Org, db: Session) -> None:
    pid, E = plan.period.id, org.people
    logged_in(client, "employee")
    token = form_token(client, "/performance")
    before = writes(db)
    pending = db.scalars(select(RatingEvent).where(RatingEvent.employee_id == E["alice"].id,
                                                   RatingEvent.source == RatingSource.MANAGER)).all()
    assert pending  # the manager's potential of her awaits approval
    for other in ("bob", "dana", "carol", "boss", "ceo"):
        r = _post(client, token, f"/performance/periods/{pid}/people/{E[other].id}/ratings",
                  {"performance": "5", "potential": "3", "back": "person"})
        assert r.status_code == 404, (other, r.status_code)  # out of her sight: the 404 of nobody
        r = _post(client, token, f"/performance/periods/{pid}/people/{E[other].id}/approve")
        assert r.status_code == 404, (other, r.status_code)
    r = _post(client, token, f"/performance/periods/{pid}/people/{E['alice'].id}/ratings", {"performance": "5"})
    assert r.status_code == 403 and "rating" in r.text.lower()  # nobody rates themselves
    r = _post(client, token, f"/performance/periods/{pid}/people/{E['alice'].id}/approve")
    assert r.status_code == 403  # nor approves their own rating
    r = _post(client, token, "/performance/settings", {"employees_see_potential": "1"})
    assert r.status_code == 403
    assert client.get("/performance/settings").status_code == 403
    r = _post(client, token, f"/performance/periods/{pid}/calibration",
              {"employee_id": str(E["bob"].id), "value": "1", "reason": "I said so"})
    assert r.status_code == 403
    assert client.get(f"/performance/periods/{pid}/calibration").status_code == 403
    assert client.get(f"/performance/periods/{pid}/reviews").status_code == 403
    assert writes(db) == before
    db.expire_all()
    assert all(e.status.value == "submitted" for e in pending)
    assert db.get(PerfSettings, 1) is None  # still the default: off


def test_a_manager_cannot_calibrate_or_change_settings(client: TestClient, plan: perf.Plan, org: Org,
                                                       db: Session) -> None:
    pid = plan.period.id
    logged_in(client, "manager")
    token = form_token(client, "/performance")
    before = writes(db)
    assert _post(client, token, "/performance/settings", {"employees_see_potential": "1"}).status_code == 403
    r = _post(client, token, f"/performance/periods/{pid}/calibration",
              {"employee_id": str(org.people["dana"].id), "value": "5", "reason": "my team"})
    assert r.status_code == 403
    assert writes(db) == before


def _same_page(a: Any, b: Any, a_id: int, b_id: int) -> None:
    """Two answers the same for the status and, once each asked-for id is blanked out, byte for byte."""
    assert a.status_code == b.status_code == 404
    assert a.headers["content-type"] == b.headers["content-type"]
    def blank(text: str) -> str:  # the same on both sides, so a small id in the page's markup cancels out
        return re.sub(rf"\b({a_id}|{b_id})\b", "ID", text)

    assert blank(a.text) == blank(b.text)


@pytest.mark.parametrize(("username", "outside"), [
    ("manager", ("carol", "ceo")),  # carol beside him and the CEO above him: neither in his subtree
    ("employee", ("bob", "dana", "carol", "boss", "ceo")),
    ("exec", ("alice", "bob", "dana", "carol")),  # an executive sees the key posts only
])
def test_outside_the_scope_is_answered_like_nobody(client: TestClient, plan: perf.Plan, org: Org, db: Session,
                                                   username: str, outside: tuple[str, ...]) -> None:
    pid = plan.period.id
    logged_in(client, username)
    token = form_token(client, "/performance")
    before = writes(db)
    for who in outside:
        emp = org.people[who].id
        page, none = (client.get(f"/performance/periods/{pid}/people/{e}") for e in (emp, NOBODY))
        _same_page(page, none, emp, NOBODY)
        assert org.people[who].last_name not in page.text
        if username == "exec":
            continue  # an executive has no rating form at all (the next test's 403 of the policy)
        rated, rated_none = (_post(client, token, f"/performance/periods/{pid}/people/{e}/ratings",
                                   {"performance": "5", "back": "person"}) for e in (emp, NOBODY))
        _same_page(rated, rated_none, emp, NOBODY)
        approved, approved_none = (_post(client, token, f"/performance/periods/{pid}/people/{e}/approve")
                                   for e in (emp, NOBODY))
        _same_page(approved, approved_none, emp, NOBODY)
    assert writes(db) == before


def test_the_manager_rates_inside_his_subtree(client: TestClient, plan: perf.Plan, org: Org, db: Session) -> None:
    """The other half of the test above: the same form is taken for dana, two levels down his line."""
    pid, dana = plan.period.id, org.people["dana"].id
    logged_in(client, "manager")
    token = form_token(client, "/performance")
    before = count(db, RatingEvent)
    r = _post(client, token, f"/performance/periods/{pid}/people/{dana}/ratings", {"performance": "3", "back": "person"})
    assert r.status_code == 303 and count(db, RatingEvent) == before + 1


# --- what an employee reads -------------------------------------------------------------------------
POTENTIAL_MARKS = (
    re.compile(r'data-(final|kind)="potential"'),
    re.compile(r'data-aggregate="[a-z_]+-potential"'),
    re.compile(r'name="potential"'),
    re.compile(r"\bof 3\b"),  # a value on the potential scale, as the pages print one ("2 of 3")
    re.compile(r"potential\s+\d", re.I),  # "potential 2 of 3" in a confirmation or a latest-rating line
    re.compile(r"data-cell="),  # the 9-box
    re.compile(r"OWN-POTENTIAL-"),  # the reason of the manager's potential rating of her
)
OTHERS_MARKS = (
    re.compile(re.escape(SECRET)),
    re.compile(r"data-team-view|data-review=|data-rate-form|data-team-rate|data-approve-form|data-manager-rating"),
)


def _crawl(client: TestClient, plan: perf.Plan, org: Org) -> dict[str, Any]:
    """Every GET page route of the performance pages with every id of its kind filled in (and the query
    parameters that pick a person), as the logged-in client: {url: response}."""
    ids = {"period_id": [plan.period.id], "goal_id": [g.id for g in plan.goals.values()],
           "employee_id": [e.id for e in org.people.values()],
           "department_id": [org.root.id, org.ops.id, org.sales.id],
           "indicator_id": [i.id for i in plan.indicators.values()]}
    people = [e.id for e in org.people.values()]
    seen: dict[str, Any] = {}
    for route in pages.routes:
        if "GET" not in route.methods:  # type: ignore[attr-defined]
            continue
        paths = [route.path]  # type: ignore[attr-defined]
        for name in re.findall(r"\{(\w+)\}", route.path):  # type: ignore[attr-defined]
            paths = [p.replace("{" + name + "}", str(v)) for p in paths for v in ids[name]]
        queries = {"/performance": ["", f"?period={plan.period.id}"] + [f"?manager={e}" for e in people],
                   "/performance/periods/{period_id}/points": [""] + [f"?employee={e}" for e in people]
                   + ["?scope=company", "?scope=team"],
                   "/performance/periods/{period_id}/at-risk": ["", "?view=people", "?format=csv"]}
        for path in paths:
            for q in queries.get(route.path, [""]):  # type: ignore[attr-defined]
                seen[path + q] = client.get(path + q)
    return seen


@pytest.mark.parametrize("setting", ["off", "on"])
def test_an_employee_never_sees_another_persons_rating_or_anyone_s_potential(
        client: TestClient, plan: perf.Plan, org: Org, db: Session, as_role: Any, setting: str) -> None:
    if setting == "on":  # HR lets people see their own potential: still nobody else's
        from performance.service import settings

        settings.update(db, principal=org.principal("hr"), employees_see_potential=True)
        db.flush()
    logged_in(client, "employee")
    crawled = _crawl(client, plan, org)
    opened = {url: r for url, r in crawled.items() if r.status_code == 200}
    assert all(r.status_code < 500 for r in crawled.values()), [u for u, r in crawled.items() if r.status_code >= 500]
    pid, alice = plan.period.id, org.people["alice"].id
    for must in ("/performance", f"/performance/periods/{pid}/cascade", f"/performance/goals/{plan.goals['P-ALICE'].id}",
                 f"/performance/periods/{pid}/points", f"/performance/periods/{pid}/people/{alice}"):
        assert must in opened, must  # the crawl reached the pages she reads
    for url, r in opened.items():
        for mark in OTHERS_MARKS:
            assert not mark.search(r.text), (url, mark.pattern)
        own = url == f"/performance/periods/{pid}/people/{alice}" or url.startswith("/performance?") \
            or url == "/performance"
        for mark in POTENTIAL_MARKS:
            found = mark.search(r.text)
            if setting == "on" and own and found and mark.pattern != "data-cell=":
                continue  # her own potential, now that HR shows it
            assert not found, (url, mark.pattern, r.text[max(0, found.start() - 200):found.end() + 100] if found else "")
    if setting == "on":  # and it is really there: the check above is not vacuous
        page = opened[f"/performance/periods/{pid}/people/{alice}"].text
        assert re.search(r'data-final="potential">3 ', page)
    # the marks can fire: her manager reads what she may not
    mgr = client.get(f"/performance/periods/{pid}/people/{org.people['dana'].id}", headers=as_role("manager")).text
    assert f"{SECRET}dana-performance" in mgr and 'data-kind="potential"' in mgr and "of 3" in mgr
    # the other people's pages are the 404 of nobody
    for who in ("bob", "dana", "carol", "boss", "ceo"):
        assert crawled[f"/performance/periods/{pid}/people/{org.people[who].id}"].status_code == 404
