"""The performance pages in a real headless Chromium against the app under uvicorn, on a temp SQLite file
holding the small org and a small plan (``tests.performance.factories.build_plan``): HR walks the
overview chart, the cascade tree, the 9-box and the calibration chart; the employee checks in through the
form. Screenshots go to a temp dir, or to ``$HCM_SCREENSHOTS`` when set."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import log_in
from tests.performance.factories import LivePlan, served_plan

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePlan]:
    """The app on a free loopback port over a fresh migrated SQLite file with the plan; the process-wide
    engine points at it for the server's life (also for the in-process recompute after a check-in)."""
    with served_plan(tmp_path_factory.mktemp("perf-browser-db")) as live:
        yield live


def _painted(tab: Any, canvas_id: str) -> dict[str, Any]:
    tab.wait_for_selector(f"#{canvas_id}[data-rendered=true]", state="attached")
    return dict(tab.evaluate("""(id) => {
        const c = document.getElementById(id);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) painted++;
        return {painted, width: c.width, height: c.height, chart: !!(window.Chart && window.Chart.getChart(c))};
    }""", canvas_id))


def test_hr_walks_the_cascade_nine_box_and_calibration(page: Any, live: LivePlan, shots: Any) -> None:
    log_in(page, live.url, "hr")
    page.click("header [data-nav=performance]")
    page.wait_for_url("**/performance")
    assert page.locator("header [data-nav=performance]").get_attribute("aria-current") == "page"
    assert page.locator("[data-department]").count() == 2  # the divisions; their chart is on the results page
    page.screenshot(path=str(shots / "perf-hr-overview.png"), full_page=True)

    page.click("[data-tab=cascade]")
    page.wait_for_url("**/cascade")
    tree = page.locator("#cascade-tree")
    # the first view: the company level only (HR owns no goal, so no path is opened); the rest on demand
    assert [tree.locator("[data-goal]").nth(i).get_attribute("data-goal")
            for i in range(tree.locator("[data-goal]").count())] == ["C1"]
    c1 = tree.locator("[data-goal=C1]")
    assert c1.locator(":scope > details").get_attribute("open") is None
    assert c1.locator("[data-children]").first.get_attribute("data-children") == "2"
    assert c1.locator("[data-weight]").count() == 0  # a root has no weight in a goal above

    def expand(code: str, loaded: list[str]) -> None:
        """Open a goal by its disclosure button (the summary's marker, not its link) and wait for the rows
        of its supporting goals, fetched by the page's script."""
        row = tree.locator(f"[data-goal={code}]")
        row.locator(":scope > details > summary").click(position={"x": 8, "y": 12})
        row.locator(":scope > details[data-loaded=true]").wait_for()
        kids = row.locator(":scope > details > ul > li[data-goal]")
        assert [kids.nth(i).get_attribute("data-goal") for i in range(kids.count())] == loaded

    expand("C1", ["D-OPS", "D-SAL"])
    expand("D-OPS", ["P-ALICE", "P-BOB", "P-DANA"])
    expand("D-SAL", ["P-CAROL"])
    assert tree.locator("[data-goal]").count() == 7 and tree.locator("[data-fallback]").count() == 0
    weights = tree.locator("[data-weight]")
    assert sorted(weights.nth(i).inner_text() for i in range(weights.count())) == sorted(
        ["60%", "40%", "50%", "30%", "20%", "100%"])
    assert tree.locator("[data-goal=D-OPS] [data-weight]").first.inner_text() == "60%"
    assert tree.locator("[data-goal=P-BOB] [data-weight]").first.inner_text() == "30%"
    bob = tree.locator("[data-goal=P-BOB]")
    assert bob.locator("[data-score]").first.inner_text() == "25.0"
    assert bob.locator("[data-at-risk]").is_visible()
    assert tree.locator("[data-at-risk]").count() == 1  # only Bob's goal is behind the time elapsed
    assert tree.locator("[data-goal=P-ALICE] [data-score]").first.inner_text() == "125.0"
    assert tree.locator("[data-goal=P-DANA] [data-score]").first.inner_text() == "75.0"
    assert bob.locator("[data-owner=person]").inner_text().startswith("Bob Lead")  # HR sees the person
    page.screenshot(path=str(shots / "perf-hr-cascade.png"), full_page=True)
    c1.locator(":scope > details > summary").click(position={"x": 8, "y": 12})  # closing hides the rows
    assert not bob.is_visible()
    c1.locator(":scope > details > summary").click(position={"x": 8, "y": 12})  # reopening shows them again
    assert bob.is_visible() and tree.locator("[data-goal]").count() == 7

    # search a goal by its title: the hit shows its path from the top
    page.fill("#cascade-q", "roll out")
    page.click("[data-cascade-search] button[type=submit]")
    page.wait_for_url("**/cascade?q=roll+out")
    hits = page.locator("#cascade-search [data-hit]")
    assert hits.count() == 1 and hits.first.get_attribute("data-hit") == "P-BOB"
    path = hits.first.locator("[data-path]")
    assert [path.nth(i).get_attribute("data-path") for i in range(path.count())] == ["C1", "D-OPS"]
    assert hits.first.locator("[data-score]").inner_text() == "25.0" and hits.first.locator("[data-at-risk]").is_visible()
    # and by an owner's name
    page.fill("#cascade-q", "carol")
    page.click("[data-cascade-search] button[type=submit]")
    page.wait_for_url("**/cascade?q=carol")
    hits = page.locator("#cascade-search [data-hit]")
    assert hits.count() == 1 and hits.first.get_attribute("data-hit") == "P-CAROL"
    assert hits.first.get_by_text("Carol Seller").is_visible()
    page.screenshot(path=str(shots / "perf-hr-cascade-search.png"), full_page=True)
    # a hit opens the cascade on the goal, the way down to it open
    hits.first.locator("[data-open-in-cascade]").click()
    page.wait_for_url(f"**/cascade?goal={live.goals['P-CAROL']}*")
    focus = tree.locator("[data-focus]")
    assert focus.get_attribute("data-goal") == "P-CAROL" and focus.is_visible()
    assert focus.locator("[data-weight]").inner_text() == "100%"
    assert tree.locator("[data-goal=D-SAL] > details").get_attribute("open") is not None
    assert tree.locator("[data-goal=D-OPS] > details").get_attribute("open") is None  # not on the way: closed
    # from the tree, a goal's link opens the goal
    expand("D-OPS", ["P-ALICE", "P-BOB", "P-DANA"])
    page.click("#cascade-tree [data-goal=P-BOB] a.goal-link")
    page.wait_for_url(f"**/performance/goals/{live.goals['P-BOB']}")
    assert page.locator("[data-indicator=B1]").is_visible()

    page.click("[data-tab=ninebox]")
    page.wait_for_url("**/ninebox")
    star = page.locator("[data-cell=high-high]")
    assert star.locator(".nb-count").inner_text() == "2"
    assert page.locator("[data-cell=medium-medium] .nb-count").inner_text() == "1"
    assert page.locator("[data-cell=low-low] .nb-count").inner_text() == "1"
    star.locator("summary").click()
    assert star.get_by_text("Alice Analyst").is_visible() and star.get_by_text("Carol Seller").is_visible()
    page.screenshot(path=str(shots / "perf-hr-ninebox.png"), full_page=True)

    page.click("[data-tab=calibration]")
    page.wait_for_url("**/calibration")
    assert page.locator("#calibration-chart rect[data-series=target]").count() == 5  # the SVG chart, no script
    assert page.locator("[data-table=distribution] [data-rating]").count() == 5
    page.screenshot(path=str(shots / "perf-hr-calibration.png"), full_page=True)
    assert page.problems == []


def test_employee_checks_in_through_the_form(page: Any, live: LivePlan, shots: Any) -> None:
    log_in(page, live.url, "employee")
    page.click("header [data-nav=performance]")
    page.wait_for_url("**/performance")
    mine = page.locator("[data-table=my-goals] [data-goal]")
    assert mine.count() == 1 and page.locator("[data-tab=ninebox]").count() == 0
    assert page.locator("[data-stat=my-points] .stat-value").inner_text() == "110"
    page.screenshot(path=str(shots / "perf-employee-overview.png"), full_page=True)
    page.click("[data-table=my-goals] a")
    page.wait_for_url(f"**/performance/goals/{live.goals['P-ALICE']}")

    # a bad value first: the page names the field and keeps what was typed
    a1 = page.locator("[data-indicator=A1]")
    a1.locator("input[name=actual]").fill("lots")
    a1.get_by_role("button", name="Save check-in").click()
    page.wait_for_load_state()
    assert page.locator("[data-field-error=actual]").is_visible()
    assert "is not a number" in page.locator("[data-error-field=actual]").inner_text()
    assert page.locator("[data-indicator=A1] input[name=actual]").input_value() == "lots"
    page.problems.clear()  # that 422 was the point

    # A2 is a rubric level of her own goal: it judges her, so her manager records it and she gets no form
    a2 = page.locator("[data-indicator=A2]")
    assert a2.locator("[data-live-score]").inner_text().strip() == "—"
    assert a2.locator("select[name=rubric_level]").count() == 0
    page.screenshot(path=str(shots / "perf-employee-goal.png"), full_page=True)

    page.click("[data-tab=cascade]")
    page.wait_for_url("**/cascade")
    codes = page.locator("#cascade-tree [data-goal]")
    assert {codes.nth(i).get_attribute("data-goal") for i in range(codes.count())} == {"C1", "D-OPS", "D-SAL", "P-ALICE"}
    page.screenshot(path=str(shots / "perf-employee-cascade.png"), full_page=True)
    assert page.problems == []


def test_manager_records_the_rubric_level_through_the_form(page: Any, live: LivePlan, shots: Any) -> None:
    log_in(page, live.url, "manager")
    page.goto(f"{live.url}/performance/goals/{live.goals['P-ALICE']}")
    a2 = page.locator("[data-indicator=A2]")
    assert a2.locator("[data-live-score]").inner_text().strip() == "—"
    a2.locator("select[name=rubric_level]").select_option("5")
    a2.locator("input[name=comment]").fill("Survey says: very good")
    a2.get_by_role("button", name="Save check-in").click()
    page.wait_for_url(f"**/performance/goals/{live.goals['P-ALICE']}#ind-{live.indicators['A2']}")
    flash = page.locator("[data-flash]")
    assert flash.is_visible() and "Check-in saved for A2" in flash.inner_text() and "score now 150.0" in flash.inner_text()
    a2 = page.locator("[data-indicator=A2]")
    assert a2.locator("[data-live-score]").inner_text().strip() == "150.0"
    assert a2.get_by_text("Survey says: very good").is_visible()
    page.screenshot(path=str(shots / "perf-manager-goal.png"), full_page=True)
    # the recompute runs after the commit (in-process here, a worker in production): the goal then counts
    # both indicators, (125 * 60 + 150 * 40) / 100
    deadline = time.monotonic() + 8
    while page.locator("[data-goal-score] [data-score]").inner_text() != "135.0":
        assert time.monotonic() < deadline, "the goal score was not recomputed after the check-in"
        time.sleep(0.2)
        page.reload()
    assert page.problems == []


def test_manager_team_view_and_team_nine_box(page: Any, live: LivePlan, shots: Any) -> None:
    log_in(page, live.url, "manager")
    page.click("header [data-nav=performance]")
    page.wait_for_url("**/performance")
    team = page.locator("[data-team-view]")
    assert team.locator("[data-member]").count() == 3
    assert team.locator("[data-stat=goals-at-risk] .stat-value").inner_text() == "1"
    assert int(team.locator("[data-stat=checkins-due] .stat-value").inner_text()) >= 1
    assert team.locator("[data-rating-bucket='4']").get_attribute("data-count") == "1"
    page.screenshot(path=str(shots / "perf-manager-overview.png"), full_page=True)
    page.click("[data-tab=ninebox]")
    page.wait_for_url("**/ninebox")
    counts = {c: page.locator(f"[data-cell={c}] .nb-count").inner_text() for c in ("high-high", "medium-medium", "low-low")}
    assert counts == {"high-high": "1", "medium-medium": "1", "low-low": "1"}
    assert page.get_by_text("Carol Seller").count() == 0
    assert page.problems == []
