"""Reviews in a real headless Chromium, through the pages only, against the app under uvicorn over a temp
SQLite file with the small org and plan (``factories.build_plan``: the period in progress, HR's approved final
ratings for alice 4, bob 3, dana 2, carol 5, and their potentials). The manager rates a report from the team
view and from the person's page and sees the review's status change, then approves; the employee
self-assesses and sees her status; her own potential stays hidden until HR turns the setting on through the
settings page. Screenshots go to a temp dir, or to ``$HCM_SCREENSHOTS`` when set."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import log_in
from tests.performance.factories import LivePlan, served_plan

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePlan]:
    with served_plan(tmp_path_factory.mktemp("perf-reviews-db")) as live:
        yield live


def as_user(page: Any, live: LivePlan, username: str) -> None:
    """Sign out (drop the cookies) and log in as ``username`` through the form."""
    page.context.clear_cookies()
    log_in(page, live.url, username)


def chips(scope: Any) -> dict[str, str | None]:
    """The review status chips inside ``scope``: self, manager and final."""
    return {"self": scope.locator("[data-self]").first.get_attribute("data-self"),
            "manager": scope.locator("[data-manager]").first.get_attribute("data-manager"),
            "final": scope.locator("[data-final-rating]").first.get_attribute("data-final-rating")}


def test_manager_rates_from_the_team_view_and_the_person_page_then_approves(page: Any, live: LivePlan, shots: Any) -> None:
    alice, bob = live.people["alice"], live.people["bob"]
    as_user(page, live, "manager")
    page.click("header [data-nav=performance]")
    page.wait_for_url("**/performance")
    row = page.locator(f"[data-team-view] [data-member='{alice}']")
    # HR's approved rating is the latest judge rating: approved, final 4
    assert chips(row) == {"self": "missing", "manager": "approved", "final": "4"}
    cell = row.locator(f"[data-team-rate='{alice}']")
    cell.locator("summary").click()
    form = cell.locator(f"form[data-rate-form='{alice}']")
    assert form.locator("select[name=performance]").is_visible()
    form.locator("select[name=performance]").select_option("5")
    form.locator("select[name=competency]").select_option("4")
    form.locator("select[name=potential]").select_option("2")
    form.locator("textarea[name=comment]").fill("Cleared the ticket backlog")
    page.screenshot(path=str(shots / "reviews-manager-team-form.png"), full_page=True)
    form.get_by_role("button", name="Submit rating").click()
    page.wait_for_url(re.compile(rf".*/performance\?period={live.period_id}&manager=\d+#member-{alice}$"))
    flash = page.locator("[data-flash]")
    assert "Rating submitted (manager): performance 5 of 5, competency 4 of 5, potential 2 of 3" in flash.inner_text()
    row = page.locator(f"[data-team-view] [data-member='{alice}']")
    # a manager's new rating awaits approval; the final stays HR's 4 until it is approved
    assert chips(row) == {"self": "missing", "manager": "submitted", "final": "4"}
    assert row.locator("[data-team-rate] summary").inner_text() == "Change rating"
    page.screenshot(path=str(shots / "reviews-manager-team-rated.png"), full_page=True)

    # bob from his performance page, reached from the team view's link
    page.locator(f"[data-person-link='{bob}']").click()
    page.wait_for_url(f"**/performance/periods/{live.period_id}/people/{bob}")
    status = page.locator("section[aria-labelledby=status-h]")
    assert chips(status) == {"self": "missing", "manager": "approved", "final": "3"}
    assert page.locator("[data-approve-form]").count() == 0  # nothing awaits approval
    form = page.locator(f"#rate form[data-rate-form='{bob}']")
    assert form.locator("select[name=performance]").input_value() == "3"  # the latest judge rating, preselected
    form.locator("select[name=performance]").select_option("4")
    form.locator("select[name=competency]").select_option("3")
    form.locator("select[name=potential]").select_option("3")
    form.get_by_role("button", name="Submit rating").click()
    page.wait_for_url(f"**/performance/periods/{live.period_id}/people/{bob}")
    assert "Rating submitted (manager): performance 4 of 5, competency 3 of 5, potential 3 of 3" in \
        page.locator("[data-flash]").inner_text()
    status = page.locator("section[aria-labelledby=status-h]")
    assert chips(status) == {"self": "missing", "manager": "submitted", "final": "3"}
    events = page.locator("[data-table=rating-events] [data-source=manager]")
    assert events.count() == 3  # performance, competency, potential: each submitted
    table = page.locator("[data-table=rating-events]")
    assert table.evaluate("t => t.getBoundingClientRect().right <= t.closest('.card').getBoundingClientRect().right")
    page.screenshot(path=str(shots / "reviews-manager-person-rated.png"), full_page=True)

    # bob reports to the manager directly: the manager approves, and the new ratings become final
    approve = page.locator("[data-approve-form] button")
    assert "3 kinds" in approve.inner_text()
    approve.click()
    page.wait_for_url(f"**/performance/periods/{live.period_id}/people/{bob}")
    assert "These are now the final ratings" in page.locator("[data-flash]").inner_text()
    status = page.locator("section[aria-labelledby=status-h]")
    assert chips(status) == {"self": "missing", "manager": "approved", "final": "4"}
    assert page.locator("[data-person-finals] [data-final=performance]").inner_text().startswith("4 ")
    assert page.locator("[data-person-finals] [data-final=potential]").inner_text().startswith("3 ")
    assert page.locator("[data-approve-form]").count() == 0

    # a rating refused by the rules shows the field's error on the same page and writes nothing
    form = page.locator(f"#rate form[data-rate-form='{bob}']")
    for name in ("performance", "competency", "potential"):
        form.locator(f"select[name={name}]").select_option("")
    form.get_by_role("button", name="Submit rating").click()
    page.wait_for_load_state()
    assert page.locator("[role=alert]").first.is_visible()
    assert "give at least one rating" in page.locator("main").inner_text()
    page.problems.clear()  # that 422 was the point

    # the reviews page counts it: HR's list and the manager's agree on bob's status
    page.goto(f"{live.url}/performance/periods/{live.period_id}/reviews")
    assert chips(page.locator(f"[data-review='{bob}']")) == {"self": "missing", "manager": "approved", "final": "4"}
    assert chips(page.locator(f"[data-review='{alice}']"))["manager"] == "submitted"
    assert page.locator(f"[data-review='{live.people['carol']}']").count() == 0  # outside his line
    page.screenshot(path=str(shots / "reviews-manager-list.png"), full_page=True)
    assert page.problems == []


def _potential_shown(page: Any) -> bool:
    return (page.locator("[data-final=potential]").count() + page.locator("[data-kind=potential]").count()) > 0


def test_employee_self_assesses_and_sees_her_potential_only_once_hr_allows_it(page: Any, live: LivePlan,
                                                                             shots: Any) -> None:
    alice = live.people["alice"]
    as_user(page, live, "employee")
    page.click("header [data-nav=performance]")
    page.wait_for_url("**/performance")
    mine = page.locator("#my-review")
    assert chips(mine)["self"] == "missing"
    form = mine.locator("form[data-self-form]")
    form.locator("select[name=performance]").select_option("4")
    form.locator("select[name=competency]").select_option("3")
    form.locator("textarea[name=comment]").fill("Closed the backlog, two weeks early")
    form.get_by_role("button", name="Submit self-assessment").click()
    page.wait_for_url(f"**/performance?period={live.period_id}#my-review")
    assert "Self-assessment submitted: performance 4 of 5, competency 3 of 5" in \
        page.locator("[data-flash]").inner_text()
    mine = page.locator("#my-review")
    assert chips(mine)["self"] == "submitted"
    assert mine.locator("[data-self-value=performance]").inner_text() == "4"
    assert mine.locator("[data-self-value=competency]").inner_text() == "3"
    assert mine.get_by_text("Closed the backlog, two weeks early").is_visible()
    assert mine.get_by_role("button", name="Submit again").is_visible()
    assert mine.locator("select[name=performance]").input_value() == "4"  # the form starts from what she gave
    assert mine.locator("select[name=competency]").input_value() == "3"
    page.screenshot(path=str(shots / "reviews-employee-self.png"), full_page=True)

    # the setting is off: her own potential is on neither page
    assert not _potential_shown(page)
    page.goto(f"{live.url}/performance/periods/{live.period_id}/people/{alice}")
    assert chips(page.locator("section[aria-labelledby=status-h]"))["self"] == "submitted"
    assert page.locator("[data-person-finals] [data-final=performance]").is_visible()
    assert not _potential_shown(page)
    assert page.locator("#rate").count() == 0  # nobody rates themselves
    page.screenshot(path=str(shots / "reviews-employee-person-no-potential.png"), full_page=True)

    # HR turns it on through the settings page, reached from the reviews page
    as_user(page, live, "hr")
    page.goto(f"{live.url}/performance/periods/{live.period_id}/reviews")
    assert chips(page.locator(f"[data-review='{alice}']"))["self"] == "submitted"
    page.locator("[data-reviews-filter] a", has_text="Settings").click()
    page.wait_for_url("**/performance/settings")
    box = page.locator("[data-employees-see-potential]")
    assert not box.is_checked()
    assert "Never changed" in page.locator("[data-updated]").inner_text()
    box.check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/performance/settings")
    assert "People now see their own potential rating" in page.locator("[data-flash]").inner_text()
    assert page.locator("[data-employees-see-potential]").is_checked()
    assert "by hr." in page.locator("[data-updated]").inner_text()
    page.screenshot(path=str(shots / "reviews-hr-settings-on.png"), full_page=True)

    as_user(page, live, "employee")
    page.goto(f"{live.url}/performance/periods/{live.period_id}/people/{alice}")
    shown = page.locator("[data-person-finals] [data-final=potential]")
    assert shown.is_visible() and shown.inner_text().startswith("3 ")  # HR's final potential of her
    page.goto(f"{live.url}/performance")
    assert page.locator("[data-final=potential]").first.is_visible()
    page.screenshot(path=str(shots / "reviews-employee-potential-shown.png"), full_page=True)

    # and off again: hidden again
    as_user(page, live, "hr")
    page.goto(f"{live.url}/performance/settings")
    page.locator("[data-employees-see-potential]").uncheck()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/performance/settings")
    assert "no longer see" in page.locator("[data-flash]").inner_text()
    as_user(page, live, "employee")
    page.goto(f"{live.url}/performance/periods/{live.period_id}/people/{alice}")
    assert not _potential_shown(page)
    assert page.problems == []
