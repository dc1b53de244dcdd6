"""Reviews from the pages, on SQLite and PostgreSQL: the employee's self-assessment, the manager's rating from the
team view and the person's performance page, its approval, the status of each person's review (HR: everyone, by
department; a manager: their people), and HR's setting whether people see their own potential (pages and API).
Tried as an attacker too: another role, another person's id, no CSRF token, garbage values."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from performance.models import PerfSettings, RatingEvent, RatingKind, RatingSource, RatingStatus
from performance.pages import reviews as review_pages
from tests import factories
from tests.factories import count
from tests.performance import factories as perf
from tests.web.helpers import attrs, form_token, logged_in

API = "/api/performance"


@pytest.fixture
def plan(db, org) -> Iterator[perf.Plan]:  # type: ignore[no-untyped-def]
    p = perf.build_plan(db, org)
    with factories.today_pinned(p.today):
        yield p


def _stat(html: str, name: str) -> str:
    found = re.search(rf'data-stat="{name}"><span class="stat-value">([^<]*)<', html)
    assert found, name
    return found.group(1)


def _card(html: str) -> str:
    found = re.search(r'<section class="card error-card".*?</section>', html, re.S)
    assert found, html[:500]
    return found.group(0)


def test_each_route_declares_one_policy() -> None:
    for route in review_pages.router.routes:
        deps = route.dependant.dependencies  # type: ignore[attr-defined]
        assert len([d for d in deps if hasattr(d.call, "__policy__")]) == 1, route.path  # type: ignore[attr-defined]
    assert len(review_pages.router.routes) == 7


@pytest.mark.parametrize("username", ("hr", "exec", "manager", "employee"))
def test_who_opens_which_review_page(client, plan, as_role, org, username) -> None:  # type: ignore[no-untyped-def]
    h, pid, E = as_role(username), plan.period.id, org.people
    alice, carol = E["alice"].id, E["carol"].id
    expected = {
        f"/performance/periods/{pid}/reviews": 200 if username in ("hr", "manager") else 403,
        f"/performance/periods/{pid}/people/{alice}": 404 if username == "exec" else 200,  # exec: key posts only
        f"/performance/periods/{pid}/people/{carol}": 200 if username == "hr" else 404,
        f"/performance/periods/{pid}/people/{E['boss'].id}": 200 if username != "employee" else 404,  # a key post
        f"/performance/periods/{pid}/people/999999": 404,
        f"/performance/periods/999999/people/{alice}": 404,
        "/performance/settings": 200 if username == "hr" else 403,
    }
    for path, status in expected.items():
        r = client.get(path, headers=h)
        assert r.status_code == status, (username, path, r.text[:300])
        assert "text/html" in r.headers["content-type"]
    tabs = attrs(client.get("/performance", headers=h).text, "data-tab")
    assert ("reviews" in tabs) == (username in ("hr", "manager"))


def test_outside_ones_scope_is_the_404_of_nobody(client, plan, as_role, org, db) -> None:  # type: ignore[no-untyped-def]
    pid, carol = plan.period.id, org.people["carol"].id
    before = count(db, RatingEvent)
    for who, target in (("manager", carol), ("employee", org.people["bob"].id)):
        cards = []
        for emp in (target, 10**9):
            page = client.get(f"/performance/periods/{pid}/people/{emp}", headers=as_role(who))
            assert page.status_code == 404
            cards.append(re.sub(rf"\b{emp}\b", "ID", _card(page.text)))
            r = client.post(f"/performance/periods/{pid}/people/{emp}/ratings", data={"performance": "5"},
                            headers=as_role(who))
            assert r.status_code == 404 and "Seller" not in r.text and "Lead" not in r.text
            cards.append(re.sub(rf"\b{emp}\b", "ID", _card(r.text)))
            r = client.post(f"/performance/periods/{pid}/people/{emp}/approve", headers=as_role(who))
            assert r.status_code == 404
        assert cards[0] == cards[2] and cards[1] == cards[3], who
    assert count(db, RatingEvent) == before


def test_the_employee_self_assesses_from_the_overview(client, plan, as_role, org, db) -> None:  # type: ignore[no-untyped-def]
    h, pid, alice = as_role("employee"), plan.period.id, org.people["alice"]
    page = client.get("/performance", headers=h)
    assert "data-self-form" in page.text and "data-self-submitted" not in page.text
    assert attrs(page.text, "data-self") == ["missing"]
    before = count(db, RatingEvent)
    r = client.post(f"/performance/periods/{pid}/self-assessment", headers=h, follow_redirects=False,
                    data={"performance": "4", "competency": "3", "comment": "Closed the backlog"})
    assert r.status_code == 303 and r.headers["location"] == f"/performance?period={pid}#my-review"
    assert count(db, RatingEvent) == before + 2
    made = db.scalars(select(RatingEvent).where(RatingEvent.employee_id == alice.id,
                                                RatingEvent.source == RatingSource.SELF)).all()
    assert {(e.kind, e.value, e.status) for e in made} == {(RatingKind.PERFORMANCE, 4, RatingStatus.SUBMITTED),
                                                          (RatingKind.COMPETENCY, 3, RatingStatus.SUBMITTED)}
    page = client.get(r.headers["location"], headers=h)
    assert "Self-assessment submitted: performance 4 of 5, competency 3 of 5" in page.text
    assert "data-self-submitted" in page.text and "Closed the backlog" in page.text
    assert attrs(page.text, "data-self") == ["submitted"]
    assert dict(zip(attrs(page.text, "data-self-value"), ["4", "3"], strict=True))
    # the manager sees it in the team view, HR on the reviews page
    team = client.get("/performance", headers=as_role("manager")).text
    assert re.search(rf'data-review-status="{alice.id}">\s*<span[^>]*data-self="submitted"', team)
    hr = client.get(f"/performance/periods/{pid}/reviews", headers=as_role("hr")).text
    assert _stat(hr, "self-submitted") == "1"


@pytest.mark.parametrize(("form", "field", "words"), [
    ({"performance": "7"}, "performance", "outside the performance rating scale 1..5"),
    ({"performance": "0"}, "performance", "outside"),
    ({"performance": "abc"}, "performance", "is not a number"),
    ({"performance": "nan"}, "performance", "not a finite number"),
    ({"performance": ""}, "performance", "give your own rating"),
    ({"performance": "4", "competency": "9"}, "competency", "outside the competency rating scale"),
    ({"performance": "4", "comment": "x" * 2001}, "comment", "at most 2000 characters"),
])
def test_a_bad_self_assessment_names_the_field_and_writes_nothing(client, plan, as_role, db, form, field,  # type: ignore[no-untyped-def]
                                                                  words) -> None:
    before = count(db, RatingEvent)
    r = client.post(f"/performance/periods/{plan.period.id}/self-assessment", data=form, headers=as_role("employee"))
    assert r.status_code == 422, r.text[:300]
    assert f'data-error-field="{field}"' in r.text and f'data-field-error="{field}"' in r.text and words in r.text
    assert "data-self-form" in r.text  # the form again, on her performance page
    assert count(db, RatingEvent) == before


def test_self_assessment_rules(client, plan, as_role, db, org) -> None:  # type: ignore[no-untyped-def]
    pid = plan.period.id
    # HR has no employee record: nothing to self-assess
    r = client.post(f"/performance/periods/{pid}/self-assessment", data={"performance": "4"}, headers=as_role("hr"))
    assert r.status_code == 403 and "linked to none" in r.text
    # an executive has no rating permission at all
    r = client.post(f"/performance/periods/{pid}/self-assessment", data={"performance": "4"}, headers=as_role("exec"))
    assert r.status_code == 403
    # the period's state: a closed-for-ratings period refuses, naming it
    for to in ("review", "calibration"):
        assert client.post(f"{API}/periods/{pid}/advance", json={"to": to}, headers=as_role("hr")).status_code == 200
    before = count(db, RatingEvent)
    r = client.post(f"/performance/periods/{pid}/self-assessment", data={"performance": "4"},
                    headers=as_role("employee"))
    assert r.status_code == 409 and "in_progress or review" in r.text and count(db, RatingEvent) == before
    page = client.get("/performance", headers=as_role("employee")).text
    assert "data-self-closed" in page and "data-self-form" not in page


def test_the_manager_rates_from_the_team_view_and_approves(client, plan, as_role, db, org) -> None:  # type: ignore[no-untyped-def]
    h, pid, E = as_role("manager"), plan.period.id, org.people
    bob = E["bob"].id
    team = client.get("/performance", headers=h).text
    assert set(attrs(team, "data-team-rate")) == {str(E[n].id) for n in ("alice", "bob", "dana")}
    assert set(attrs(team, "data-person-link")) == {str(E[n].id) for n in ("alice", "bob", "dana")}
    before = count(db, RatingEvent)
    r = client.post(f"/performance/periods/{pid}/people/{bob}/ratings", headers=h, follow_redirects=False,
                    data={"performance": "5", "competency": "4", "potential": "3", "comment": "Led the rollout",
                          "back": "team", "manager": str(E["boss"].id)})
    assert r.status_code == 303, r.text[:300]
    assert r.headers["location"] == f"/performance?period={pid}&manager={E['boss'].id}#member-{bob}"
    made = db.scalars(select(RatingEvent).where(RatingEvent.id > 0, RatingEvent.employee_id == bob,
                                                RatingEvent.source == RatingSource.MANAGER)).all()
    assert count(db, RatingEvent) == before + 3
    assert {(e.kind, e.value, e.scale_max) for e in made} == {
        (RatingKind.PERFORMANCE, 5, 5), (RatingKind.COMPETENCY, 4, 5), (RatingKind.POTENTIAL, 3, 3)}
    team = client.get(r.headers["location"], headers=h).text
    assert "Rating submitted (manager): performance 5 of 5, competency 4 of 5, potential 3 of 3" in team
    assert re.search(rf'data-review-status="{bob}">.*?data-manager="submitted"', team, re.S)
    # his person page offers the approval; approving makes the ratings final
    person = client.get(f"/performance/periods/{pid}/people/{bob}", headers=h).text
    assert "data-approve-form" in person and "data-rate-form" in person
    assert set(attrs(person, "data-goal")) == {"P-BOB"}
    r = client.post(f"/performance/periods/{pid}/people/{bob}/approve", headers=h, follow_redirects=False)
    assert r.status_code == 303
    person = client.get(r.headers["location"], headers=h).text
    assert "Approved: performance 5, competency 4, potential 3" in person
    assert re.search(r'data-final="performance">5 ', person) and 'data-manager="approved"' in person
    assert "data-approve-form" not in person
    r = client.post(f"/performance/periods/{pid}/people/{bob}/approve", headers=h)
    assert r.status_code == 422 and "nothing of this person awaits approval" in r.text
    reviews = client.get(f"/performance/periods/{pid}/reviews", headers=as_role("hr")).text
    assert _stat(reviews, "manager-approved") == "4" and _stat(reviews, "manager-submitted") == "0"


@pytest.mark.parametrize(("form", "field", "words"), [
    ({"potential": "5"}, "potential", "outside the potential rating scale 1..3"),
    ({"performance": "six"}, "performance", "is not a number"),
    ({"competency": "-1"}, "competency", "outside"),
    ({}, "performance", "give at least one rating"),
    ({"performance": "3", "back": "https://evil.example"}, "back", "choose one of"),
    ({"performance": "3", "comment": "y" * 2001}, "comment", "at most 2000"),
])
def test_a_bad_rating_names_the_field_and_writes_nothing(client, plan, as_role, db, org, form, field,  # type: ignore[no-untyped-def]
                                                         words) -> None:
    before = count(db, RatingEvent)
    r = client.post(f"/performance/periods/{plan.period.id}/people/{org.people['dana'].id}/ratings", data=form,
                    headers=as_role("manager"))
    assert r.status_code == 422, r.text[:300]
    assert f'data-error-field="{field}"' in r.text and words in r.text
    assert "data-rate-form" in r.text
    assert count(db, RatingEvent) == before


def test_nobody_rates_themselves_and_employees_rate_nobody(client, plan, as_role, db, org) -> None:  # type: ignore[no-untyped-def]
    pid, E = plan.period.id, org.people
    before = count(db, RatingEvent)
    for who, emp in (("employee", E["alice"].id), ("manager", E["boss"].id)):
        r = client.post(f"/performance/periods/{pid}/people/{emp}/ratings", data={"performance": "5"},
                        headers=as_role(who))
        assert r.status_code == 403 and "nobody judges themselves" in r.text, who
        page = client.get(f"/performance/periods/{pid}/people/{emp}", headers=as_role(who)).text
        assert "data-rate-form" not in page and "data-approve-form" not in page
    # bob (an employee) sees his own page only; he neither rates nor sees alice
    r = client.post(f"/performance/periods/{pid}/people/{E['alice'].id}/ratings", data={"performance": "1"},
                    headers=as_role("bob"))
    assert r.status_code == 404
    assert client.get(f"{API}/periods/{pid}/employees/{E['alice'].id}/ratings", headers=as_role("bob")).status_code == 404
    assert count(db, RatingEvent) == before


def test_hr_rates_anyone_as_hr(client, plan, as_role, db, org) -> None:  # type: ignore[no-untyped-def]
    carol = org.people["carol"].id
    page = client.get(f"/performance/periods/{plan.period.id}/people/{carol}", headers=as_role("hr")).text
    assert "HR rating of Carol Seller" in page
    r = client.post(f"/performance/periods/{plan.period.id}/people/{carol}/ratings", headers=as_role("hr"),
                    data={"performance": "4", "back": "reviews"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/reviews")
    ev = db.scalars(select(RatingEvent).order_by(RatingEvent.id.desc())).first()
    assert ev.source is RatingSource.HR and ev.employee_id == carol and ev.rater_user_id == org.users["hr"].id


def test_the_reviews_page_counts_and_filters(client, plan, as_role, db, org) -> None:  # type: ignore[no-untyped-def]
    pid, E, hr = plan.period.id, org.people, as_role("hr")
    url = f"/performance/periods/{pid}/reviews"
    page = client.get(url, headers=hr).text
    counts = {k: _stat(page, k) for k in ("people", "self-submitted", "manager-submitted", "manager-approved",
                                          "calibrated", "final")}
    # six active people; the plan's HR-approved ratings of four of them
    assert counts == {"people": "6", "self-submitted": "0", "manager-submitted": "0", "manager-approved": "4",
                      "calibrated": "0", "final": "4"}
    assert "active people in the company" in page and "with a final performance rating" in page
    assert len(attrs(page, "data-review")) == 6
    ops = client.get(f"{url}?department={org.ops.id}", headers=hr).text
    assert _stat(ops, "people") == "4"
    assert set(attrs(ops, "data-review")) == {str(E[n].id) for n in ("boss", "alice", "bob", "dana")}
    missing = client.get(f"{url}?status=no_final", headers=hr).text
    assert set(attrs(missing, "data-review")) == {str(E[n].id) for n in ("ceo", "boss")}
    assert _stat(missing, "people") == "6"  # the counts ignore the status filter, and say so
    perf.rate(db, org.principal("manager"), plan.period, E["dana"], RatingSource.MANAGER, 3)
    waiting = client.get(f"{url}?status=awaiting_approval", headers=hr).text
    assert set(attrs(waiting, "data-review")) == {str(E["dana"].id)} and _stat(waiting, "manager-submitted") == "1"
    # a manager: the people of his reporting line, not himself
    mine = client.get(url, headers=as_role("manager")).text
    assert set(attrs(mine, "data-review")) == {str(E[n].id) for n in ("alice", "bob", "dana")}
    assert _stat(mine, "people") == "3" and "Carol" not in mine and "in my reporting line" in mine
    # garbage: 4xx naming the field, never a 500
    r = client.get(f"{url}?status=everything", headers=hr)
    assert r.status_code == 422 and "status" in r.text
    assert client.get(f"{url}?department=999999", headers=hr).status_code == 404
    r = client.get(f"{url}?department=abc", headers=hr)
    assert r.status_code == 422 and "department" in r.text
    assert client.get(f"{url}?page=0", headers=hr).status_code == 422
    assert client.get("/performance/periods/999999/reviews", headers=hr).status_code == 404


def test_the_review_forms_need_the_csrf_token(client, plan, db, org) -> None:  # type: ignore[no-untyped-def]
    pid = plan.period.id
    logged_in(client, "manager")
    dana = org.people["dana"].id
    before = count(db, RatingEvent)
    paths = (f"/performance/periods/{pid}/people/{dana}/ratings", f"/performance/periods/{pid}/self-assessment",
             f"/performance/periods/{pid}/people/{dana}/approve", "/performance/settings")
    for path in paths:
        for headers in ({}, {"Origin": "https://evil.example"}):
            r = client.post(path, data={"performance": "3", "employees_see_potential": "1"}, headers=headers,
                            follow_redirects=False)
            assert r.status_code == 403 and r.headers.get("x-hcm-refused") == "csrf", (path, headers)
    assert count(db, RatingEvent) == before
    token = form_token(client, "/performance")
    r = client.post(paths[0], data={"csrftoken": token, "performance": "3", "back": "team"},
                    headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert r.status_code == 303 and count(db, RatingEvent) == before + 1


def _potentials(client, headers, pid: int, emp: int) -> list[float]:  # type: ignore[no-untyped-def]
    r = client.get(f"{API}/periods/{pid}/employees/{emp}/ratings", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    return [f["value"] for f in body["final"] if f["kind"] == "potential"] + \
        [e["value"] for e in body["events"] if e["kind"] == "potential"]


def test_people_see_their_own_potential_only_when_hr_turns_it_on(client, plan, as_role, db, org) -> None:  # type: ignore[no-untyped-def]
    pid, alice, me = plan.period.id, org.people["alice"].id, as_role("employee")
    assert db.get(PerfSettings, 1) is None  # off by default: no row
    # a manager's potential rating of her, submitted and approved
    boss = org.principal("manager")
    ev = perf.rate(db, boss, plan.period, org.people["alice"], RatingSource.MANAGER, 2, kind=RatingKind.POTENTIAL,
                   scale_max=3)
    from performance.service import ratings

    ratings.approve_rating(db, principal=org.principal("hr"), rating_id=ev.id)
    assert _potentials(client, me, pid, alice) == []  # API
    for url in ("/performance", f"/performance/periods/{pid}/people/{alice}"):
        page = client.get(url, headers=me).text
        assert 'data-final="potential"' not in page and 'data-kind="potential"' not in page, url
        assert "potential 2" not in page
    # others see it as before
    assert _potentials(client, as_role("manager"), pid, alice) != []
    assert 'data-final="potential"' in client.get(f"/performance/periods/{pid}/people/{alice}",
                                                  headers=as_role("manager")).text
    # HR turns it on through the settings page
    c = logged_in(client, "hr")
    token = form_token(c, "/performance/settings")
    assert "Never changed" in c.get("/performance/settings").text
    r = c.post("/performance/settings", data={"csrftoken": token, "employees_see_potential": "1"},
               follow_redirects=False)
    assert r.status_code == 303
    page = c.get("/performance/settings").text
    assert "People now see their own potential" in page and "by hr." in page
    assert "checked" in page.split("data-employees-see-potential")[0][-40:]
    row = db.get(PerfSettings, 1)
    assert row is not None and row.employees_see_potential and row.updated_by_user_id == org.users["hr"].id
    c.cookies.clear()
    assert sorted(_potentials(client, me, pid, alice)) == [2, 2, 2, 3, 3]  # final; manager's and HR's, each twice
    for url in ("/performance", f"/performance/periods/{pid}/people/{alice}"):
        assert re.search(r'data-final="potential">2 ', client.get(url, headers=me).text), url
    # garbage and other roles
    c = logged_in(client, "hr")
    token = form_token(c, "/performance/settings")
    r = c.post("/performance/settings", data={"csrftoken": token, "employees_see_potential": "maybe"})
    assert r.status_code == 422 and "employees_see_potential" in r.text
    for who in ("exec", "manager", "employee"):
        r = client.post("/performance/settings", data={"employees_see_potential": ""}, headers=as_role(who))
        assert r.status_code == 403, who
    # and off again
    r = c.post("/performance/settings", data={"csrftoken": token}, follow_redirects=False)
    assert r.status_code == 303 and "no longer" in c.get("/performance/settings").text
    c.cookies.clear()
    assert _potentials(client, me, pid, alice) == []
