"""A whole performance period end to end in a real headless Chromium, through the pages only, each step as its
role: HR opens a new period from the last one's plan and starts it; a manager checks in on an indicator and rates a
report; an employee self-assesses; HR moves the period to review and calibration, moves two ratings with a reason
in the calibration session and closes the period. The app runs under uvicorn over a temp SQLite file with the small
org and plan (``tests.performance.factories.plan_database``); the pages' date is pinned inside the new period.
Screenshots of every step go to a temp dir, or to ``$HCM_SCREENSHOTS`` when set."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from tests.browser import log_in
from tests.performance.factories import LivePlan, served_plan

pytestmark = pytest.mark.browser
TODAY = date(2027, 3, 15)  # inside the new period FY27 (3 Feb 2027 - 2 Feb 2028)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePlan]:
    with served_plan(tmp_path_factory.mktemp("perf-flow-db"), today=TODAY) as live:
        yield live


def _as(page: Any, live: LivePlan, username: str) -> None:
    if page.locator("form.logout").count():
        page.click("form.logout button")
        page.wait_for_url("**/login**")
    log_in(page, live.url, username)


def _advance(page: Any, to: str) -> None:
    page.click(f"[data-advance={to}]")
    page.wait_for_url("**/performance/setup/periods/*")
    assert page.locator("[data-period-state]").get_attribute("data-period-state") == to


def test_a_period_from_set_up_to_closing_through_the_pages(page: Any, live: LivePlan, shots: Any) -> None:
    bob, alice, dana = (live.people[n] for n in ("bob", "alice", "dana"))

    # 1. HR opens FY27 from the last plan and starts it
    _as(page, live, "hr")
    page.click("header [data-nav=performance]")
    page.click("[data-tab=setup]")
    page.click("text=All periods")
    page.wait_for_url("**/performance/setup")
    form = page.locator("form[data-period-form]")
    form.locator("input[name=code]").fill("FY27")
    form.locator("input[name=name]").fill("Year 2027")
    form.locator("input[name=start_date]").fill("2027-02-03")
    form.locator("input[name=end_date]").fill("2028-02-02")
    form.get_by_role("button", name="Open the period").click()
    page.wait_for_url("**/performance/setup/periods/*")
    assert "7 goals, 6 links, 7 indicators copied" in page.locator("[data-flash]").inner_text()
    setup_url = page.url
    period_id = int(setup_url.rsplit("/", 1)[1])
    page.screenshot(path=str(shots / "flow-1-hr-period-opened.png"), full_page=True)
    _advance(page, "in_progress")
    page.screenshot(path=str(shots / "flow-2-hr-period-started.png"), full_page=True)

    # 2. The manager checks in on Bob's rollout milestones and rates Bob from the team view
    _as(page, live, "manager")
    page.click("header [data-nav=performance]")
    page.wait_for_url("**/performance")
    assert page.locator("[data-period-picker] option:checked").inner_text().startswith("Year 2027")
    team = page.locator("[data-team-view]")
    team.locator(f"[data-member='{bob}'] .goal-chips a").first.click()
    page.wait_for_url("**/performance/goals/*")
    b1 = page.locator("[data-indicator=B1]")
    b1.locator("input[name=milestones_done]").fill("2")
    b1.locator("input[name=comment]").fill("Two sites live")
    b1.get_by_role("button", name="Save check-in").click()
    page.wait_for_url("**/performance/goals/*")
    assert "Check-in saved for B1" in page.locator("[data-flash]").inner_text()
    assert page.locator("[data-indicator=B1]").get_by_text("Two sites live").is_visible()
    page.screenshot(path=str(shots / "flow-3-manager-checked-in.png"), full_page=True)
    page.click("header [data-nav=performance]")
    page.wait_for_url("**/performance")
    rate = page.locator(f"[data-team-rate='{bob}']")
    rate.locator("summary").click()
    rate.locator("select[name=performance]").select_option("4")
    rate.locator("select[name=competency]").select_option("4")
    rate.locator("select[name=potential]").select_option("2")
    rate.locator("textarea[name=comment]").fill("Led the rollout")
    rate.get_by_role("button", name="Submit rating").click()
    page.wait_for_url(f"**/performance?period={period_id}*#member-{bob}")
    assert "Rating submitted (manager): performance 4 of 5, competency 4 of 5, potential 2 of 3" in page.locator(
        "[data-flash]").inner_text()
    page.screenshot(path=str(shots / "flow-4-manager-rated.png"), full_page=True)

    # 3. Alice (the employee) assesses herself
    _as(page, live, "employee")
    page.click("header [data-nav=performance]")
    page.wait_for_url("**/performance")
    mine = page.locator("form[data-self-form]")
    mine.locator("select[name=performance]").select_option("4")
    mine.locator("select[name=competency]").select_option("3")
    mine.locator("textarea[name=comment]").fill("Closed the backlog")
    mine.get_by_role("button", name="Submit").click()
    page.wait_for_url("**/performance?period=*#my-review")
    assert "Self-assessment submitted: performance 4 of 5, competency 3 of 5" in page.locator(
        "[data-flash]").inner_text()
    page.screenshot(path=str(shots / "flow-5-employee-self-assessed.png"), full_page=True)

    # 4. HR moves the period to review, then calibration, and opens the session
    _as(page, live, "hr")
    page.goto(setup_url)
    _advance(page, "review")
    _advance(page, "calibration")
    page.screenshot(path=str(shots / "flow-6-hr-in-calibration.png"), full_page=True)
    page.click("[data-tab=calibration]")
    page.wait_for_url(f"**/performance/periods/{period_id}/calibration")
    assert page.locator("[data-calibration-closed]").count() == 0
    assert page.locator(f"#row-{bob} [data-manager-rating]").get_attribute("data-manager-rating") == "4"

    # 5. two ratings moved, each with its reason, in one step per row
    for person, value, reason in ((bob, "3", "In line with the department"), (dana, "4", "Backlog halved")):
        row = page.locator(f"#row-{person}")
        row.locator("select[name=value]").select_option(value)
        row.locator("input[name=reason]").fill(reason)
        row.get_by_role("button", name="Save").click()
        page.wait_for_selector(f"#row-{person} [data-final='{value}']")
    log = page.locator("[data-table=adjustments] [data-adjustment]")
    assert log.count() == 2
    assert {log.nth(i).locator("[data-after]").get_attribute("data-after") for i in range(2)} == {"3", "4"}
    assert page.locator("#calibration-log").get_by_text("Backlog halved").is_visible()
    page.screenshot(path=str(shots / "flow-7-hr-calibrated.png"), full_page=True)

    # 6. closing needs the confirmation
    page.goto(setup_url)
    page.click("[data-advance=closed]")
    page.wait_for_load_state()
    assert page.locator("[data-field-error=confirm]").is_visible()
    assert page.locator("[data-period-state]").get_attribute("data-period-state") == "calibration"
    page.problems.clear()  # that 422 was the point
    page.check("[data-confirm-close]")
    _advance(page, "closed")
    assert page.locator("[data-blocker=closed]").is_visible()
    page.screenshot(path=str(shots / "flow-8-hr-closed.png"), full_page=True)

    # the closed period keeps the calibrated ratings, read-only
    page.goto(f"{live.url}/performance/periods/{period_id}/calibration")
    assert page.locator("[data-calibration-closed]").is_visible()
    assert page.locator(f"#row-{bob} [data-final]").get_attribute("data-final") == "3"
    assert page.locator(f"#row-{alice}").count() == 1
    assert page.problems == []
