"""The succession pages on the demo company (hcm.seed + performance.demo + succession.demo) in headless Chromium:
HR opens the board, a position's succession chart, and edits its slate through the forms (add, move up, change
readiness with a reason and find it in the history, remove); an executive sees the same chart without a single
edit control. Screenshots go to $HCM_SCREENSHOTS (or a temporary folder); every page must stay free of script
errors, failed requests and Content-Security-Policy violations."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from hcm.seed import DEMO_PASSWORD
from tests.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]



def _successors(page: Any) -> list[str]:
    return page.locator("[data-lineage] [data-successor]").evaluate_all("els => els.map(e => e.dataset.successor)")


def _open_a_plan(page: Any, base: str) -> str:
    """From the board to the chart of the first covered post with a slate of two or more; its URL."""
    page.goto(base + "/succession?coverage=covered&sort=successors")
    page.locator("tr[data-coverage=covered] a[data-chart-link]").first.click()
    page.wait_for_url("**/succession/positions/*")
    return page.url.split("#")[0]


def test_hr_works_a_slate_on_the_chart(page: Any, live: SimpleNamespace, shots: Path) -> None:
    base = live.url
    log_in(page, base, "hr", DEMO_PASSWORD)
    page.click("header [data-nav=succession]")
    page.wait_for_url(base + "/succession")
    rows = page.locator("tr[data-position]")
    assert rows.count() >= 10
    coverage = set(rows.evaluate_all("els => els.map(e => e.dataset.coverage)"))
    assert {"no_plan", "uncovered"} <= coverage  # weakest first: the posts that need HR's attention
    assert page.locator("td .succ-chip").count() >= 5
    page.screenshot(path=str(shots / "succession-board.png"), full_page=True)

    chart = _open_a_plan(page, base)
    before = _successors(page)
    assert len(before) >= 2 and page.locator("[data-lineage] .ln-root").count() == 1
    assert page.locator("[data-below]").count() == len(page.locator("[data-lineage] [data-rank]").all())
    page.screenshot(path=str(shots / "succession-chart.png"), full_page=True)

    # add the first person the picker offers, at the end of the slate
    add = page.locator("form[data-add-form]")
    picked = add.locator("select[name=employee_id] option").first
    name = picked.inner_text().split(" · ")[0]
    ext = picked.inner_text().split(" · ")[1]
    add.locator("select[name=employee_id]").select_option(index=0)
    add.locator("select[name=readiness]").select_option("ready_3_plus")
    add.locator("input[name=reason]").fill("Strong project lead; browser test")
    add.locator("button[type=submit]").click()
    page.wait_for_url(chart + "#slate")
    assert f"{name} is on the slate at rank {len(before) + 1}" in page.locator("[data-flash]").inner_text()
    assert _successors(page) == [*before, ext]

    # move them up one place
    page.locator(f"[data-nominee='{ext}'] button[data-move=up]").click()
    page.wait_for_url(chart + "#slate")
    assert _successors(page) == [*before[:-1], ext, before[-1]]

    # their readiness changes, with the reason, and the history shows the line
    me = page.locator(f"[data-nominee='{ext}']")
    me.locator("details[data-editor=readiness] summary").click()
    me.locator("form[data-readiness-form] select[name=readiness]").select_option("ready_1_2")
    me.locator("form[data-readiness-form] input[name=reason]").fill("Led the plant migration")
    me.locator("form[data-readiness-form] button[type=submit]").click()
    page.wait_for_url(chart + "#slate")
    first = page.locator("[data-table=readiness-history] [data-history-line]").first.inner_text()
    assert name in first and "Ready in 3+ years" in first and "Ready in 1\u20132 years" in first
    assert "Led the plant migration" in first
    assert page.locator(f"[data-lineage] [data-successor='{ext}']").get_attribute("data-readiness") == "ready_1_2"
    page.locator("#history").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "succession-history.png"), full_page=False)

    # and someone else leaves the slate, with the reason
    gone = before[0]
    who = page.locator(f"[data-nominee='{gone}']")
    who.locator("details[data-editor=remove] summary").click()
    who.locator("form[data-remove-form] input[name=reason]").fill("Moved to another division")
    who.locator("form[data-remove-form] button[type=submit]").click()
    page.wait_for_url(chart + "#slate")
    assert gone not in _successors(page)
    assert "taken off the slate" in page.locator("[data-flash]").inner_text()
    assert page.locator("[data-table=audit]").inner_text().count("Removed from the slate") >= 1
    page.screenshot(path=str(shots / "succession-edited.png"), full_page=True)
    assert page.problems == []


def test_an_executive_sees_the_chart_without_edit_controls(page: Any, live: SimpleNamespace, shots: Path) -> None:
    base = live.url
    log_in(page, base, "exec", DEMO_PASSWORD)
    page.click("header [data-nav=succession]")
    page.wait_for_url(base + "/succession")
    _open_a_plan(page, base)
    assert len(_successors(page)) >= 1
    assert page.locator("main form[method=post]").count() == 0
    assert page.locator("main [data-move], main details[data-editor], main form[data-add-form]").count() == 0
    assert page.locator("[data-table=readiness-history] [data-history-line]").count() >= 1
    page.screenshot(path=str(shots / "succession-chart-executive.png"), full_page=True)
    assert page.problems == []
