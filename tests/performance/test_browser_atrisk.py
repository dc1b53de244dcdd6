"""The at-risk page in headless Chromium against the app under uvicorn, on the small plan
(``tests.performance.factories.build_plan``: Bob's post goal is the one goal at risk, 25 % against 55 %
elapsed; Bob (25) and Dana (75, under 80) are the people at risk): HR opens it from the period's tabs,
filters by department, sorts the people, and downloads the CSV and the XLSX the page links to; the manager
of Operations is offered only his department. Screenshots go to a temp dir, or to ``$HCM_SCREENSHOTS``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.browser import log_in
from tests.performance.factories import LivePlan, served_plan

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePlan]:
    with served_plan(tmp_path_factory.mktemp("atrisk-browser-db")) as live:
        yield live


def _names(page: Any) -> list[str]:
    cells = page.locator("[data-person-row] td:first-child")
    return [cells.nth(i).inner_text() for i in range(cells.count())]


def test_hr_filters_sorts_and_exports_the_people_at_risk(page: Any, live: LivePlan, shots: Any) -> None:
    log_in(page, live.url, "hr")
    page.goto(f"{live.url}/performance?period={live.period_id}")
    page.click("[data-tab=atrisk]")
    page.wait_for_url("**/at-risk")
    assert page.locator("[data-goal-row]").count() == 1
    assert page.locator("[data-goal-row] td").first.inner_text() == "Roll out the new process"

    # the people, only Operations (the picker offers the tree: Company, then its departments indented)
    page.click("[data-view=people]")
    page.wait_for_url("**view=people**")
    page.select_option("select[data-picker=department]", str(live.ops))
    page.click("[data-at-risk-filters] button[type=submit]")
    page.wait_for_url(f"**department={live.ops}**")
    assert page.locator("#list-h").inner_text() == "2 people at risk in Operations (and below)"
    assert _names(page) == ["Bob Lead", "Dana Clerk"]  # the lowest score first

    # sort by name, then the other way (the server sorts; the filter stays)
    page.click("[data-sort=name]")
    page.wait_for_url("**sort=name**")
    assert _names(page) == ["Bob Lead", "Dana Clerk"]
    page.click("[data-sort=name]")
    page.wait_for_url("**order=desc**")
    assert _names(page) == ["Dana Clerk", "Bob Lead"]
    assert page.locator("th[aria-sort=descending] [data-sort=name]").count() == 1
    page.screenshot(path=str(shots / "perf-hr-at-risk-people.png"), full_page=True)

    # the downloads: the same rows in the same order
    with page.expect_download() as got:
        page.click("[data-export=csv]")
    with open(got.value.path(), encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert got.value.suggested_filename == "at-risk-people-FY-T.csv"
    assert rows == [["Person", "Position", "Department", "Manager", "Grade level", "Score (100 = on target)",
                     "Goals at risk"],
                    ["Dana Clerk", "Operations Clerk", "Operations", "Bob Lead", "", "75.0", "0"],
                    ["Bob Lead", "Operations Lead", "Operations", "Bruno Boss", "", "25.0", "1"]]
    with page.expect_download() as got:
        page.click("[data-export=xlsx]")
    assert got.value.suggested_filename == "at-risk-people-FY-T.xlsx"
    with open(got.value.path(), "rb") as f:  # the saved download has no extension: openpyxl reads the bytes
        sheet = load_workbook(io.BytesIO(f.read()), read_only=True).active
    assert [r[0] for r in sheet.iter_rows(values_only=True)] == ["Person", "Dana Clerk", "Bob Lead"]  # type: ignore[union-attr]
    assert page.problems == []


def test_the_manager_is_offered_only_his_department_and_told_when_outside(page: Any, live: LivePlan, shots: Any) -> None:
    log_in(page, live.url, "manager")
    page.goto(f"{live.url}/performance/periods/{live.period_id}/at-risk")
    options = page.locator("select[data-picker=department] option")
    assert [options.nth(i).inner_text() for i in range(options.count())] == ["All I may see", "Operations"]
    page.screenshot(path=str(shots / "perf-manager-at-risk.png"), full_page=True)
    page.goto(f"{live.url}/performance/periods/{live.period_id}/at-risk?department={live.sales}")
    assert "outside what you may see" in page.locator("[data-error=at-risk]").inner_text()
    assert page.locator("[data-goal-row]").count() == 0
    page.screenshot(path=str(shots / "perf-manager-at-risk-outside.png"), full_page=True)
    # the overview's manager picker: his line's managers; choosing Bob opens Bob's team
    page.goto(f"{live.url}/performance?period={live.period_id}")
    picker = page.locator("select[data-manager-picker] option")
    assert [picker.nth(i).inner_text() for i in range(picker.count())] == [
        "Choose…", "Bruno Boss — Head of Operations", "Bob Lead — Operations Lead"]
    page.select_option("select[data-manager-picker]", label="Bob Lead — Operations Lead")
    page.click("section[aria-labelledby=pick-h] button[type=submit]")
    page.wait_for_url("**manager=**")
    assert page.locator("#team-h").inner_text() == "Team of Bob Lead"
    page.screenshot(path=str(shots / "perf-manager-overview-bob.png"), full_page=True)
    assert page.problems == [f"404 {live.url}/performance/periods/{live.period_id}/at-risk?department={live.sales}"]
