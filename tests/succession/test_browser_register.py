"""The register, heat map, bench strength and representation pages on the demo company (hcm.seed +
performance.demo + succession.demo, as tests/succession/test_browser.py sets it up) in headless Chromium: HR
opens the register, sees the heat map, opens a cell, makes a key-post decision with a reason and finds it in the
post's decisions; an executive opens bench strength and sees the trend chart, without the HR-only tabs. Screenshots
go to $HCM_SCREENSHOTS (or a temporary folder); every page must stay free of script errors, failed requests and
Content-Security-Policy violations."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from hcm.seed import DEMO_PASSWORD
from tests.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]



def _tabs(page: Any) -> list[str]:
    return page.locator(".succ-tabs [data-tab]").evaluate_all("els => els.map(e => e.dataset.tab)")


def test_an_executive_reads_bench_strength_and_its_trend(page: Any, live: SimpleNamespace, shots: Path) -> None:
    base = live.url
    log_in(page, base, "exec", DEMO_PASSWORD)
    page.goto(base + "/succession")
    assert _tabs(page) == ["board", "pools", "bench", "what-if"]  # neither the register nor representation
    page.click(".succ-tabs [data-tab=bench]")
    page.wait_for_url(base + "/succession/bench")
    chart = page.locator("[data-trend] svg[data-line-chart]")
    assert chart.count() == 1
    for series in ("covered", "two"):
        assert chart.locator(f"[data-series={series}] circle").count() == 13  # 12 month ends and today
    assert chart.locator("[data-x-tick]").count() >= 4 and chart.locator("[data-y-tick]").count() == 5
    assert chart.locator("text.chart-axis-title").count() == 2
    box = chart.bounding_box()
    assert box is not None and box["width"] > 500 and box["height"] > 180
    figures = page.locator("[data-figures] [data-stat=covered] .stat-value").inner_text()
    last = chart.locator("[data-series=covered] circle").last.get_attribute("data-value")
    assert figures == last  # the chart ends at today's figure
    assert page.locator("[data-table=departments] [data-department]").count() >= 2
    assert page.locator("[data-table=bench-posts] [data-bench-post]").count() >= 5
    assert page.locator("main a[href^='/people/']").count() == 0  # executives get no links into people records
    text = page.locator("main").inner_text().lower()
    assert "criticality" not in text and "retire" not in text and "gender" not in text
    page.screenshot(path=str(shots / "succession-bench-executive.png"), full_page=True)
    page.select_option("select[name=basis]", "periods")
    page.click("form[data-bench-filter] button[type=submit]")
    page.wait_for_url("**basis=periods**")
    assert page.locator("[data-trend] svg[data-line-chart] [data-series=covered] circle").count() >= 2
    page.locator("[data-trend]").screenshot(path=str(shots / "succession-bench-trend-periods.png"))
    # the HR-only pages are refused to them
    r = page.goto(base + "/succession/register")
    assert r is not None and r.status == 403
    assert [p for p in page.problems if not p.startswith("403 ")] == []


def test_hr_reads_the_heat_map_opens_a_cell_and_decides(page: Any, live: SimpleNamespace, shots: Path) -> None:
    base = live.url
    log_in(page, base, "hr", DEMO_PASSWORD)
    page.goto(base + "/succession")
    assert _tabs(page) == ["board", "register", "pools", "bench", "what-if", "representation"]
    page.click(".succ-tabs [data-tab=register]")
    page.wait_for_url(base + "/succession/register")
    heat = page.locator("[data-heatmap]")
    counts = heat.locator("a.heat-cell").evaluate_all("els => els.map(e => +e.dataset.count)")
    total = int(heat.locator("[data-heat-total]").inner_text().split()[0])
    assert total >= 5 and sum(counts) == total  # every key post in exactly one cell
    assert page.locator("tbody[data-register-row]").count() == 50
    page.screenshot(path=str(shots / "succession-register.png"), full_page=False)

    # the most crowded cell lists its posts
    cells = heat.locator("a.heat-cell")
    biggest = max(range(cells.count()), key=lambda i: int(cells.nth(i).get_attribute("data-count")))
    cell = cells.nth(biggest)
    key, n = cell.get_attribute("data-cell"), int(cell.get_attribute("data-count"))
    cell.click()
    page.wait_for_url("**#cell")
    listed = page.locator(f"[data-cell-list='{key}'] [data-cell-post]")
    assert listed.count() == min(n, 50)
    assert page.locator(f"a.heat-cell[data-cell='{key}']").get_attribute("aria-current") == "true"
    page.locator("#cell").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "succession-heatmap-cell.png"), full_page=False)

    # the factors behind a score, then HR makes the most critical post that is not key a key post, with a reason
    row = page.locator("[data-register-row][data-key=false]").first
    code = row.get_attribute("data-register-row")
    row.locator("details.succ-why summary").click()
    assert row.locator("[data-table=factors] [data-factor]").count() == 8
    row.locator("form[data-decision-form] input[name=reason]").fill("Runs the only plant of its kind; browser test")
    row.screenshot(path=str(shots / "succession-register-decide.png"))
    row.locator("button[data-decide=set]").click()
    page.wait_for_url("**/succession/register**#post-*")
    assert f"({code}) is now a key post: Runs the only plant" in page.locator("[data-flash]").inner_text()
    row = page.locator(f"[data-register-row='{code}']")
    assert row.get_attribute("data-key") == "true" and row.locator("[data-key-tag]").count() == 1
    assert int(page.locator("[data-heat-total]").inner_text().split()[0]) == total + 1

    # its entry shows the decision, who made it and why
    row.locator("a[data-entry-link]").click()
    page.wait_for_url("**/succession/register/*")
    decisions = page.locator("[data-table=decisions] [data-decision]")
    assert decisions.count() == 1 and "Runs the only plant of its kind" in decisions.first.inner_text()
    assert "hr" in decisions.first.inner_text() and "Made key" in decisions.first.inner_text()
    page.screenshot(path=str(shots / "succession-register-entry.png"), full_page=True)

    # a refused decision is a message at the form (no reason: the browser's own check is bypassed here)
    page.locator("form[data-decision-form] input[name=reason]").evaluate("e => e.removeAttribute('required')")
    page.locator("form[data-decision-form] button[data-decide=confirm]").click()
    assert "reason is required" in page.locator("[data-error-form=decision]").inner_text()

    page.goto(base + "/succession/representation")
    assert page.locator("[data-group-chart]").count() == 2
    assert page.locator("[data-chosen=nominees] [data-group]").count() >= 4
    page.screenshot(path=str(shots / "succession-representation.png"), full_page=True)
    # a narrow screen: the heat map and the charts fit it (tables scroll inside their cards)
    page.set_viewport_size({"width": 390, "height": 844})
    for path, part, name in (("/succession/register", "[data-heatmap]", "succession-heatmap-narrow.png"),
                             ("/succession/bench", "[data-trend]", "succession-trend-narrow.png"),
                             ("/succession/representation", "[data-chosen]", "succession-representation-narrow.png")):
        page.goto(base + path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
        page.locator(part).screenshot(path=str(shots / name))
    # the 422 of the refused decision above was the page's own answer; nothing else failed
    assert [p for p in page.problems if "/decision" not in p] == []
