"""Check-ins in a real headless Chromium, through the pages only, on the known plan with the pages' date pinned
to the plan's day 200 (21 August 2026): the manager saves a check-in from his team view's list of check-ins
due and from a goal page opened from that list, the employee saves one on her goal's page; each time the
confirmation is on screen where the person is (the form's page, via its safe ``next``), the check-in's history
names who made it and when, and a bad value shows the error naming the field. Screenshots go to a temp dir, or
to ``$HCM_SCREENSHOTS`` when set."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import log_in
from tests.performance.factories import LivePlan, served_plan

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePlan]:
    with served_plan(tmp_path_factory.mktemp("perf-checkin-db")) as live:
        yield live


def _on_screen(page: Any, selector: str) -> bool:
    """The element is inside the viewport as the page now stands (scrolled where it is); a pixel's slack for the
    sub-pixel offsets a scroll to an anchor leaves (-0.375 px seen)."""
    return bool(page.evaluate("""(sel) => {
        const el = document.querySelector(sel);
        if (!el) return false;
        const r = el.getBoundingClientRect();
        return r.height > 0 && r.top >= -1 && r.bottom <= window.innerHeight + 1;
    }""", selector))


def _history(page: Any, code: str) -> list[str]:
    rows = page.locator(f"[data-indicator={code}] [data-table=checkins] [data-checkin]")
    return [" ".join(rows.nth(i).inner_text().split()) for i in range(rows.count())]


def test_the_manager_checks_in_from_his_team_view_and_stays_there(page: Any, live: LivePlan, shots: Any) -> None:
    log_in(page, live.url, "manager")
    page.click("header [data-nav=performance]")
    page.wait_for_url("**/performance")
    team = page.locator("[data-team-view]")
    b1 = live.indicators["B1"]
    row = team.locator(f"[data-due='{b1}']")
    assert row.is_visible() and "Roll out the new process" in row.inner_text()  # the goal by its title
    assert row.locator("[data-due-date]").get_attribute("data-due-date") == "2026-05-31"
    before = int(team.locator("[data-stat=checkins-due] .stat-value").inner_text())
    row.scroll_into_view_if_needed()
    # a bad value first: the page names the field, nothing saved
    row.locator("input[name=as_of]").fill("2026-08-21")
    row.locator("input[name=milestones_done]").evaluate("el => el.removeAttribute('max')")  # past the browser's check
    row.locator("input[name=milestones_done]").fill("9")
    row.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    error = page.locator("[data-error-field=milestones_done]")
    assert error.is_visible() and "milestones_done" in error.inner_text()
    assert _on_screen(page, "[data-error-field=milestones_done]")
    assert page.locator("[data-field-error=milestones_done]").is_visible()
    page.screenshot(path=str(shots / "perf-manager-checkin-error.png"))
    page.problems.clear()  # that 422 was the point
    assert page.locator("[data-back]").get_attribute("href") == "/performance"  # still on the way back

    # then a good one, from the team view again: back on the team view with the confirmation on screen
    page.goto(f"{live.url}/performance")
    row = page.locator(f"[data-team-view] [data-due='{b1}']")
    row.scroll_into_view_if_needed()
    row.locator("input[name=as_of]").fill("2026-08-21")
    row.locator("input[name=milestones_done]").fill("2")
    row.get_by_role("button", name="Save").click()
    page.wait_for_url("**/performance*")
    assert page.url.split(live.url)[1].startswith("/performance") and "/goals/" not in page.url
    flash = page.locator("[data-flash]")
    assert flash.is_visible() and "Check-in saved for B1" in flash.inner_text()
    assert "as of 2026-08-21" in flash.inner_text() and "score now 50.0" in flash.inner_text()
    assert _on_screen(page, "[data-flash]")
    page.screenshot(path=str(shots / "perf-manager-checkin-saved.png"))
    team = page.locator("[data-team-view]")
    assert team.locator(f"[data-due='{b1}']").count() == 0  # August covered: not due any more
    assert int(team.locator("[data-stat=checkins-due] .stat-value").inner_text()) == before - 1

    # the history on the goal's page names him and when
    page.goto(f"{live.url}/performance/goals/{live.goals['P-BOB']}")
    history = _history(page, "B1")
    assert history[0].startswith("21 Aug 2026 2 / 4") and "Bruno Boss" in history[0] and "UTC" in history[0]
    assert page.locator("[data-indicator=B1] [data-checkin-by]").first.inner_text().startswith("Bruno Boss")
    assert page.problems == []


def test_a_goal_page_opened_from_the_due_list_brings_the_manager_back(page: Any, live: LivePlan, shots: Any) -> None:
    log_in(page, live.url, "manager")
    page.goto(f"{live.url}/performance")
    a2 = live.indicators["A2"]
    link = page.locator(f"[data-team-view] [data-due='{a2}'] a[data-due-goal]")
    assert link.get_attribute("href") == f"/performance/goals/{live.goals['P-ALICE']}?next=/performance#ind-{a2}"
    link.click()
    page.wait_for_url(f"{live.url}/performance/goals/{live.goals['P-ALICE']}?next=/performance#ind-{a2}")
    assert _on_screen(page, f"#ind-{a2}")  # opened at the indicator due
    form = page.locator("[data-checkin-form=A2]")
    form.locator("select[name=rubric_level]").select_option("4")
    form.locator("input[name=comment]").fill("Good survey")
    form.get_by_role("button", name="Save check-in").click()
    page.wait_for_url(f"{live.url}/performance")  # back where he came from, not the goal page
    flash = page.locator("[data-flash]")
    assert flash.is_visible() and "Check-in saved for A2" in flash.inner_text() and _on_screen(page, "[data-flash]")
    assert page.locator(f"[data-team-view] [data-due='{a2}']").count() == 0
    page.goto(f"{live.url}/performance/goals/{live.goals['P-ALICE']}")
    history = _history(page, "A2")
    assert len(history) == 1 and "level 4" in history[0] and "Good survey" in history[0] and "Bruno Boss" in history[0]
    assert page.problems == []


def test_the_employee_checks_in_on_her_goal_page(page: Any, live: LivePlan, shots: Any) -> None:
    log_in(page, live.url, "employee")
    page.goto(f"{live.url}/performance/goals/{live.goals['P-ALICE']}")
    a1 = page.locator("[data-indicator=A1]")
    before = _history(page, "A1")
    # a bad value: the error names the field, next to the form, and what she typed stays
    a1.locator("input[name=actual]").fill("a lot")
    a1.get_by_role("button", name="Save check-in").click()
    page.wait_for_load_state()
    assert page.locator("[data-indicator=A1] [data-field-error=actual]").is_visible()
    assert "actual" in page.locator("[data-indicator=A1] [data-error-field=actual]").inner_text()
    assert page.locator("[data-indicator=A1] input[name=actual]").input_value() == "a lot"
    assert _history(page, "A1") == before
    page.problems.clear()
    # a date outside the period: the error names as_of
    a1 = page.locator("[data-indicator=A1]")
    a1.locator("input[name=actual]").fill("112")
    a1.locator("input[name=as_of]").evaluate("el => { el.removeAttribute('min'); el.removeAttribute('max'); }")
    a1.locator("input[name=as_of]").fill("2030-01-01")
    a1.get_by_role("button", name="Save check-in").click()
    page.wait_for_load_state()
    assert page.locator("[data-indicator=A1] [data-field-error=as_of]").is_visible()
    page.problems.clear()
    # the good one
    a1 = page.locator("[data-indicator=A1]")
    a1.locator("input[name=as_of]").fill("2026-08-20")
    a1.locator("input[name=actual]").fill("112")
    a1.locator("input[name=comment]").fill("Mid-month count")
    a1.get_by_role("button", name="Save check-in").click()
    page.wait_for_url(f"**/performance/goals/{live.goals['P-ALICE']}#ind-{live.indicators['A1']}")
    flash = page.locator("[data-flash]")
    assert flash.is_visible() and "Check-in saved for A1" in flash.inner_text()
    assert _on_screen(page, "[data-flash]")  # where she is: at the indicator she checked in
    page.screenshot(path=str(shots / "perf-employee-checkin-saved.png"))
    assert page.locator("[data-indicator=A1] [data-flash]").is_visible() and page.locator("[data-flash]").count() == 1
    page.reload()  # shown once
    assert page.locator("[data-flash]").count() == 0
    history = _history(page, "A1")
    assert len(history) == len(before) + 1
    assert history[0].startswith("20 Aug 2026 112") and "Mid-month count" in history[0]
    assert "Alice Analyst" in history[0] and "UTC" in history[0]
    assert page.problems == []
