"""The period set-up in a real headless Chromium (the app under uvicorn over a temp SQLite file with the small org
and plan): HR opens a new period from the last one's plan, edits an indicator weight and sees the live plan check go
red and green (and the save refused while it is red), checks an indicator's scale as she types, adds a goal and moves
the period on to in progress. Screenshots go to a temp dir, or to ``$HCM_SCREENSHOTS`` when set."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import log_in
from tests.performance.factories import LivePlan, served_plan

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePlan]:
    with served_plan(tmp_path_factory.mktemp("perf-setup-db")) as live:
        yield live


def _check(page: Any, panel: str, state: str, words: str) -> None:
    """Wait for the live check's answer: the panel in ``state`` saying ``words``."""
    page.wait_for_selector(f"#{panel}[data-check-state={state}]:has-text({words!r})")


def test_hr_opens_a_period_from_the_last_one_edits_a_weight_and_starts_it(page: Any, live: LivePlan, shots: Any) -> None:
    log_in(page, live.url, "hr")
    page.goto(f"{live.url}/performance?period={live.period_id}")
    page.click("[data-tab=setup]")
    page.wait_for_url(f"**/performance/setup/periods/{live.period_id}")
    assert page.locator("[data-tab=setup]").get_attribute("aria-current") == "page"
    page.click("text=All periods")
    page.wait_for_url("**/performance/setup")

    form = page.locator("form[data-period-form]")
    form.locator("input[name=code]").fill("FY27")
    form.locator("input[name=name]").fill("Year 2027")
    form.locator("input[name=start_date]").fill("2027-02-03")
    form.locator("input[name=end_date]").fill("2028-02-02")
    assert "the plan of Year FY-T" in form.locator("select[name=source_period_id] option:checked").inner_text()
    page.screenshot(path=str(shots / "setup-new-period.png"), full_page=True)
    form.get_by_role("button", name="Open the period").click()
    page.wait_for_url("**/performance/setup/periods/*")
    flash = page.locator("[data-flash]").inner_text()
    assert "Year 2027 (FY27) opened in planning" in flash and "7 goals, 6 links, 7 indicators copied" in flash
    assert page.locator("[data-plan-goal]").count() == 7
    assert page.locator("[data-period-state]").get_attribute("data-period-state") == "planning"
    assert page.locator("[data-no-blockers]").is_visible()

    # P-ALICE's indicator weights: 60 + 40. Typing 50 turns the live check red, 60 green again.
    page.click("[data-plan-goal=P-ALICE] a")
    page.wait_for_url("**/performance/setup/goals/*")
    _check(page, "indicator-weight-check", "ok", "add to 100")
    a1 = page.locator("[data-setup-indicator=A1] input[data-weight-input]")
    a1.fill("50")
    _check(page, "indicator-weight-check", "bad", "add to 90, not 100")
    page.screenshot(path=str(shots / "setup-weights-red.png"), full_page=True)
    # saved while red: refused, the field named, what was typed kept
    page.get_by_role("button", name="Save the weights").click()
    page.wait_for_load_state()
    assert page.locator("[data-error-field=weights]").is_visible()
    assert page.locator("[data-setup-indicator=A1] input[data-weight-input]").input_value() == "50"
    page.problems.clear()  # that 422 was the point
    page.locator("[data-setup-indicator=A1] input[data-weight-input]").fill("60")
    _check(page, "indicator-weight-check", "ok", "add to 100")
    page.screenshot(path=str(shots / "setup-weights-green.png"), full_page=True)
    page.get_by_role("button", name="Save the weights").click()
    page.wait_for_url("**/performance/setup/goals/*#indicators")
    assert "A1 60, A2 40" in page.locator("[data-flash]").inner_text()

    # a new indicator's scale is checked as it is typed
    page.click("[data-add-indicator] summary")
    new = page.locator("form[data-indicator-form]")
    new.locator("input[name=threshold]").fill("120")
    new.locator("input[name=target]").fill("100")
    _check(page, "new-indicator-bounds", "bad", "threshold (120) must be below target (100)")
    new.locator("input[name=target]").fill("150")
    _check(page, "new-indicator-bounds", "ok", "The bounds are in order.")

    # a new company goal, from its own page
    page.click("text=The plan of Year 2027")
    page.wait_for_url("**/performance/setup/periods/*")
    page.click("[data-add-goal]")
    page.wait_for_url("**/new-goal")
    goal = page.locator("form[data-goal-form]")
    goal.locator("input[name=code]").fill("C2")
    goal.locator("input[name=title]").fill("Keep our customers")
    goal.locator("select[name=level]").select_option("company")
    goal.get_by_role("button", name="Add the goal").click()
    page.wait_for_url("**/performance/setup/goals/*")
    assert "Goal C2 \u201cKeep our customers\u201d added to Year 2027" in page.locator("[data-flash]").inner_text()

    # back to the plan: nothing blocks; start it
    page.click("text=The plan of Year 2027")
    page.wait_for_url("**/performance/setup/periods/*")
    assert page.locator("[data-plan-goal]").count() == 8
    page.click("[data-advance=in_progress]")
    page.wait_for_url("**/performance/setup/periods/*")
    assert page.locator("[data-period-state]").get_attribute("data-period-state") == "in_progress"
    assert "Year 2027 is now in progress" in page.locator("[data-flash]").inner_text()
    assert page.locator("[data-advance=review]").is_visible()
    page.screenshot(path=str(shots / "setup-started.png"), full_page=True)
    assert page.problems == []
