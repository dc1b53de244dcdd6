"""A real headless Chromium against the real app served by uvicorn: log-in form, navigation per role,
the org tree, a profile, and the home chart actually drawn. Screenshots per role go to a temp dir (or to
``$HCM_SCREENSHOTS`` when set, to look at them)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hcm.org.models import EmployeeSkill, PositionSkill, SkillSource
from tests import factories
from tests.browser import live_app, log_in
from tests.web.helpers import NAV

pytestmark = pytest.mark.browser

@dataclass
class Live:
    url: str
    people: dict[str, int]


def _seed(url: str) -> dict[str, int]:
    from hcm.db import make_engine

    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            org = factories.small_org(db)
            python = factories.skill(db, code="PY", name="Python")
            sql = factories.skill(db, code="SQL", name="SQL")
            alice = org.people["alice"]
            db.add_all([
                EmployeeSkill(employee_id=alice.id, skill_id=python.id, level=4, source=SkillSource.SELF,
                              assessed_on=date(2025, 3, 1)),
                EmployeeSkill(employee_id=alice.id, skill_id=python.id, level=3, source=SkillSource.MANAGER,
                              assessed_on=date(2025, 3, 5)),
                EmployeeSkill(employee_id=alice.id, skill_id=sql.id, level=2, source=SkillSource.SELF,
                              assessed_on=date(2025, 3, 1)),
                PositionSkill(position_id=org.positions["team1"].id, skill_id=python.id, required_level=4),
            ])
            db.commit()
            return {k: e.id for k, e in org.people.items()}
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The app on a free loopback port, over a fresh migrated SQLite file with the small org."""
    from hcm import migrate

    url = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'web.db'}"
    migrate.upgrade(url)
    people = _seed(url)
    with live_app(url) as base:
        yield Live(base, people)


def _chart_pixels(page: Any) -> dict[str, Any]:
    page.wait_for_selector("#division-chart[data-rendered=true]", state="attached")
    return dict(page.evaluate("""() => {
        const c = document.getElementById('division-chart');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) painted++;
        return {painted, width: c.width, height: c.height, chart: !!(window.Chart && window.Chart.getChart(c))};
    }"""))


@pytest.mark.parametrize("username", ["hr", "exec", "manager", "employee"])
def test_role_journey(page: Any, live: Live, shots: Path, username: str) -> None:
    log_in(page, live.url, username)

    links = page.locator("header [data-nav]")
    assert {links.nth(i).get_attribute("data-nav") for i in range(links.count())} == NAV[username]
    assert all(links.nth(i).is_visible() for i in range(links.count()))
    assert page.locator("header [data-user]").inner_text() == username
    assert page.get_by_role("button", name="Log out").is_visible()

    if username in ("hr", "exec"):
        drawn = _chart_pixels(page)
        assert drawn["chart"] and drawn["width"] > 200 and drawn["height"] > 100
        assert drawn["painted"] > 2000, drawn  # bars, axes and labels, not an empty canvas
        assert page.locator('[data-stat="headcount"] .stat-value').inner_text() == "6"
    else:
        assert page.locator("canvas").count() == 0
        assert page.locator("[data-self-summary]").is_visible()
    page.screenshot(path=str(shots / f"{username}-home.png"), full_page=True)

    page.click("header [data-nav=org]")
    page.wait_for_url("**/org")
    ops = page.locator("[data-dept=OPS] .tree-name").first
    assert ops.is_visible()
    page.click("[data-tree=collapse]")
    assert not ops.is_visible()
    page.click("[data-tree=expand]")
    assert ops.is_visible()
    assert page.locator("[data-dept=CO] .tree-count").first.get_attribute("data-headcount") == "6"
    page.screenshot(path=str(shots / f"{username}-org.png"), full_page=True)

    if username in ("manager", "employee"):
        page.click("header [data-nav=profile]")
    elif username == "hr":
        page.click("header [data-nav=people]")
        page.click("text=Alice Analyst")
    else:
        page.click("header [data-nav=key-posts]")
        page.click("text=Bruno Boss")
    page.wait_for_url("**/people/*")
    expected = {"hr": "Alice Analyst", "exec": "Bruno Boss", "manager": "Bruno Boss", "employee": "Alice Analyst"}
    assert expected[username] in page.locator("h1").inner_text()
    assert page.locator("[data-timeline] li").count() >= 1
    salary_visible = page.locator("[data-salary]").count() == 1
    assert salary_visible == (username != "exec")  # pay: HR and oneself, not an executive looking at a key holder
    if expected[username] == "Alice Analyst":
        assert page.locator("[data-skill=PY] .level").count() == 2
    page.screenshot(path=str(shots / f"{username}-profile.png"), full_page=True)

    if username == "hr":
        page.click("header [data-nav=io]")
        page.wait_for_url("**/io")
        assert page.locator("form.upload").count() >= 1 and page.locator("[data-export]").count() >= 2
        page.screenshot(path=str(shots / "hr-io.png"), full_page=True)

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    assert page.problems == []


def test_narrow_screen_and_other_profiles_hidden(page: Any, live: Live, shots: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live.url, "employee")
    resp = page.goto(f"{live.url}/people/{live.people['carol']}")
    assert resp.status == 404 and page.locator("[data-status='404']").is_visible()
    page.problems.clear()  # that 404 was the point
    page.goto(live.url + "/me")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, "the profile overflows a phone-sized screen"
    page.screenshot(path=str(shots / "employee-profile-narrow.png"), full_page=True)
    assert page.problems == []


def test_hr_imports_a_file_through_the_upload_form(page: Any, live: Live) -> None:
    """The import form posts multipart with the session cookie from app.js: it carries the CSRF token."""
    log_in(page, live.url, "hr")
    page.goto(live.url + "/io")
    form = page.locator("form[data-import=grades]")
    form.locator("input[type=file]").set_input_files(files=[{
        "name": "grades.csv", "mimeType": "text/csv",
        "buffer": b"code,name,level,pay_min,pay_mid,pay_max\nG-UP,Uploaded grade,7,1000,2000,3000\n"}])
    form.locator("button[type=submit]").click()
    result = form.locator(".upload-result")
    result.filter(has_text="Imported").wait_for()
    assert "1 new" in result.inner_text() or "inserted: 1" in result.inner_text(), result.inner_text()
    assert page.problems == []


def test_main_pages_run_under_the_content_security_policy(page: Any, live: Live) -> None:
    """Every main page, with its charts and scripts, under the real policy: nothing blocked, nothing broken."""
    log_in(page, live.url, "hr")
    seen = []
    for path in ("/", "/org", "/people", f"/people/{live.people['alice']}", "/positions", "/key-posts", "/skills",
                 "/io", "/performance"):
        resp = page.goto(live.url + path)
        assert resp.status == 200, path
        csp = resp.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and resp.headers["cache-control"] == "no-store"
        page.wait_for_load_state("networkidle")
        seen.append(path)
    page.goto(live.url + "/")
    assert _chart_pixels(page)["chart"]  # the chart script ran under the policy
    assert page.evaluate("() => document.querySelector('meta[name=csrf-token]').content").strip()
    # a probe: an inline script the policy must block, reported like any violation would be
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
                             document.body.appendChild(s); }""")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__ran") is None
    assert [p for p in page.problems if p.startswith("CSP")], "the probe was not reported: the check sees nothing"
    page.problems.clear()
    assert len(seen) == 9
