"""The web shell through the real app: log-in form, navigation per role, and the same row and field
visibility as the API (the pages call the same services). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import enum
import re
from typing import Literal

import pytest

from tests import factories
from tests.web.helpers import NAV, attrs, csrf, logged_in, login, session_of


@pytest.mark.parametrize("username", sorted(NAV))
def test_each_role_gets_its_navigation(client, org, username):  # type: ignore[no-untyped-def]
    r = login(client, username)
    assert r.status_code == 303 and r.headers["location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert set(attrs(home.text, "data-nav")) == NAV[username]
    assert attrs(home.text, "data-user") == [username]
    assert 'action="/logout"' in home.text
    for key in NAV[username]:  # every link in the navigation opens for that role
        href = re.search(rf'href="([^"]+)" data-nav="{key}"', home.text)
        assert href, key
        assert client.get(href.group(1)).status_code == 200, (username, key)


def test_anonymous_is_sent_to_the_log_in_form(client, org):  # type: ignore[no-untyped-def]
    for path in ("/", "/org", "/people", f"/people/{org.people['alice'].id}"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/"), path
    form = client.get("/login")
    assert form.status_code == 200 and 'name="password"' in form.text
    assert attrs(form.text, "data-nav") == []


def test_log_in_returns_to_next_and_log_out_ends_the_session(client, org):  # type: ignore[no-untyped-def]
    r = login(client, "hr", next_="/people?q=ali")
    assert r.status_code == 303 and r.headers["location"] == "/people?q=ali"
    assert client.get("/people?q=ali").status_code == 200
    r = client.post("/logout", headers=csrf(client), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("evil", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "http:/evil",
                                  "javascript:alert(1)", "/login"])
def test_open_redirect_next_is_ignored(client, org, evil):  # type: ignore[no-untyped-def]
    r = login(client, "employee", next_=evil)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_bad_log_in_shows_the_message_and_nothing_else(client, org):  # type: ignore[no-untyped-def]
    for username, password in (("hr", "wrong-password"), ("ghost", "wrong-password")):
        r = login(client, username, password=password)
        assert r.status_code == 401
        assert "Unknown user name or wrong password." in r.text
        assert attrs(r.text, "data-nav") == []
        assert "sid" not in session_of(client)  # the cookie holds the form's CSRF token, no session
    assert client.get("/", follow_redirects=False).status_code == 303


def test_employee_cannot_open_someone_elses_profile(client, org):  # type: ignore[no-untyped-def]
    logged_in(client, "employee")
    me = client.get("/me")
    assert me.status_code == 200 and "Alice Analyst" in me.text
    for who in ("bob", "carol", "ceo"):
        r = client.get(f"/people/{org.people[who].id}")
        assert r.status_code == 404 and 'data-status="404"' in r.text
        assert org.people[who].last_name not in r.text
    people = client.get("/people")
    assert set(attrs(people.text, "data-person")) == {"X-ALICE"}


def test_manager_sees_the_team(client, org):  # type: ignore[no-untyped-def]
    logged_in(client, "manager")
    home = client.get("/")
    assert 'data-stat="team-size"' in home.text
    assert re.search(r'data-stat="team-size"><span class="stat-value">3<', home.text)
    assert set(attrs(home.text, "data-person")) == {"X-ALICE", "X-BOB"}  # direct reports
    team = client.get("/team")
    assert team.status_code == 200
    assert set(attrs(team.text, "data-person")) == {"X-ALICE", "X-BOB", "X-DANA"}
    assert client.get(f"/people/{org.people['dana'].id}").status_code == 200
    assert client.get(f"/people/{org.people['carol'].id}").status_code == 404
    assert client.get("/key-posts").status_code == 403


def test_hr_sees_salary_and_employee_only_their_own(client, org):  # type: ignore[no-untyped-def]
    alice, bob = org.people["alice"].id, org.people["bob"].id
    logged_in(client, "hr")
    page = client.get(f"/people/{alice}")
    assert page.status_code == 200 and "data-salary" in page.text and "60,000" in page.text
    assert "data-protected" in page.text
    client.post("/logout", headers=csrf(client))
    logged_in(client, "employee")
    own = client.get(f"/people/{alice}")
    assert "data-salary" in own.text and "data-protected" not in own.text
    client.post("/logout", headers=csrf(client))
    logged_in(client, "manager")
    other = client.get(f"/people/{bob}")
    assert other.status_code == 200 and "data-salary" not in other.text and "60,000" not in other.text


def test_home_summary_and_chart_data_for_hr_and_exec(client, org):  # type: ignore[no-untyped-def]
    for username in ("hr", "exec"):
        logged_in(client, username)
        home = client.get("/")
        assert re.search(r'data-stat="headcount"><span class="stat-value">6<', home.text)
        assert re.search(r'data-stat="vacancies"><span class="stat-value">1<', home.text)
        assert 'id="division-chart-data"' in home.text and "/static/vendor/chart.umd.min.js" in home.text
        client.post("/logout", headers=csrf(client))
    logged_in(client, "employee")
    home = client.get("/")
    assert "division-chart" not in home.text and "data-self-summary" in home.text


def test_org_pages(client, org):  # type: ignore[no-untyped-def]
    logged_in(client, "employee")
    tree = client.get("/org")
    assert set(attrs(tree.text, "data-dept")) == {"CO", "OPS", "SAL"}
    assert 'data-headcount="6"' in tree.text  # the company root rolls up every department
    dept = client.get(f"/departments/{org.sales.id}")
    assert dept.status_code == 200 and set(attrs(dept.text, "data-position")) == {"SAL-H", "SAL-1"}
    assert "Carol" not in dept.text  # the holder is outside an employee's scope
    pos = client.get(f"/positions/{org.positions['team1'].id}")
    assert pos.status_code == 200 and "Alice Analyst" in pos.text and "Head of Operations" in pos.text
    assert client.get("/departments/999999").status_code == 404
    assert client.get("/positions/999999").status_code == 404
    assert client.get("/io").status_code == 403


def test_key_posts_people_search_and_paging(client, org, db):  # type: ignore[no-untyped-def]
    logged_in(client, "exec")
    keys = client.get("/key-posts")
    assert set(attrs(keys.text, "data-position")) == {"CEO", "OPS-H"} and "Bruno Boss" in keys.text
    client.post("/logout", headers=csrf(client))
    for i in range(30):
        factories.employee(db, pos=None, first="Zed", last=f"Pager{i:02d}")
    logged_in(client, "hr")
    first = client.get("/people?q=zed")
    assert len(attrs(first.text, "data-person")) == 25 and "Page 1 of 2" in first.text
    second = client.get("/people?q=zed&page=2")
    assert len(attrs(second.text, "data-person")) == 5
    assert client.get("/people?page=0").status_code == 422
    io = client.get("/io")
    assert io.status_code == 200 and "/api/io/export/" in io.text and 'enctype="multipart/form-data"' in io.text


def test_text_is_escaped(client, org, db):  # type: ignore[no-untyped-def]
    factories.employee(db, pos=None, first="<script>alert(1)</script>", last="Xss")
    logged_in(client, "hr")
    r = client.get("/people?q=xss")
    assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;" in r.text


def test_static_assets_are_served_locally(client):  # type: ignore[no-untyped-def]
    for path in ("/static/app.css", "/static/app.js", "/static/vendor/chart.umd.min.js"):
        assert client.get(path).status_code == 200, path


def test_profile_link_for_a_user_without_employee_record(client, org):  # type: ignore[no-untyped-def]
    logged_in(client, "hr")
    r = client.get("/me")
    assert r.status_code == 404 and "not linked to an employee" in r.text


class _Kind(enum.StrEnum):
    GRADES = "grades"
    SKILLS = "skills"


def test_import_export_page_follows_the_io_routes() -> None:
    from fastapi import APIRouter, FastAPI

    from hcm.io.pages import _path_choices

    r = APIRouter(prefix="/api/io")

    @r.get("/export/{kind}")
    def export(kind: _Kind) -> None: ...

    @r.post("/import/{kind}")
    def import_(kind: Literal["skills"]) -> None: ...

    app = FastAPI()
    app.include_router(r)
    assert _path_choices(app, "/api/io/export/{kind}") == ["grades", "skills"]
    assert _path_choices(app, "/api/io/import/{kind}") == ["skills"]
    assert _path_choices(app, "/api/io/nothing/{kind}") is None
