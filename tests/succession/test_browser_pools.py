"""Talent pools, the vacancy what-if and "what it takes" on the demo company (hcm.seed + performance.demo +
succession.demo, as tests/succession/test_browser.py builds it) in headless Chromium: HR creates a pool through the
criteria form (a refused range first: the message names the field and what was typed stays) and adds an eligible
person with a reason; HR runs a what-if of two departures and reads the chains; HR turns a nominee's gap into a
development action in one click. Screenshots go to $HCM_SCREENSHOTS (or a temporary folder); every page must stay
free of script errors, failed requests and Content-Security-Policy violations."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from hcm.seed import DEMO_PASSWORD
from tests.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]



def test_hr_creates_a_pool_and_adds_an_eligible_person(page: Any, live: SimpleNamespace, shots: Path) -> None:
    base = live.url
    log_in(page, base, "hr", DEMO_PASSWORD)
    page.goto(base + "/succession")
    page.click("nav.succ-tabs [data-tab=pools]")
    page.wait_for_url(base + "/succession/pools")
    assert page.locator("tr[data-pool]").count() == 3  # the demo's pools
    page.screenshot(path=str(shots / "succession-pools.png"), full_page=True)
    page.click("[data-new-pool]")
    page.wait_for_url(base + "/succession/pools/new")

    form = page.locator("form[data-pool-form]")
    form.locator("input[name=code]").fill("BRW-READY")
    form.locator("input[name=name]").fill("Ready for a bigger role")
    form.locator("input[name=description]").fill("Strong two years and a high potential")
    form.locator("input[name=perf_min_rating]").fill("3.5")
    form.locator("input[name=perf_periods]").fill("2")
    form.locator("select[name=pot_band]").select_option("high")
    form.locator("input[name=grade_min]").fill("5")
    form.locator("input[name=grade_max]").fill("2")  # the wrong way round: refused, naming the field
    form.locator("button[type=submit]").click()
    error = page.locator("[data-error-field]")
    assert error.get_attribute("data-error-field") == "criteria.grade_levels.min_level"
    assert "Lowest grade level" in error.inner_text() and "above max_level 2" in error.inner_text()
    assert form.locator("input[name=code]").input_value() == "BRW-READY"  # what was typed stays
    assert form.locator("input[name=perf_min_rating]").input_value() == "3.5"
    assert form.locator("input[name=grade_min]").get_attribute("aria-invalid") == "true"
    page.screenshot(path=str(shots / "succession-pool-form-refused.png"), full_page=True)
    assert [p for p in page.problems if p.startswith("422 ")] == page.problems and len(page.problems) == 1
    page.problems.clear()

    form.locator("input[name=grade_min]").fill("")
    form.locator("input[name=grade_max]").fill("")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/succession/pools/*")
    assert "Ready for a bigger role (BRW-READY) created" in page.locator("[data-flash]").inner_text()
    criteria = page.locator("[data-criteria] li").all_inner_texts()
    assert criteria[0].startswith("Performance: over the last 2 closed annual periods, on average a final rating of "
                                  "at least 3.5") and criteria[1].startswith("Potential: high")
    eligible = page.locator("tr[data-eligible]")
    assert eligible.count() >= 3
    first = eligible.first
    person = first.get_attribute("data-eligible")
    name = first.locator("td").first.inner_text().strip()
    first.locator("input[name=reason]").fill("Led the plant migration; ready for a head-of role")
    first.locator("button[type=submit]").click()
    page.wait_for_url("**/succession/pools/*#members")
    assert f"{name} is in the pool (Led the plant migration; ready for a head-of role)." in page.locator(
        "[data-flash]").inner_text()
    member = page.locator(f"tr[data-member='{person}']")
    assert member.count() == 1 and "Led the plant migration" in member.inner_text()
    assert member.get_attribute("data-flagged") == "no" and "Meets the criteria" in member.inner_text()
    assert page.locator(f"tr[data-eligible='{person}']").count() == 0
    page.screenshot(path=str(shots / "succession-pool.png"), full_page=True)
    assert page.problems == []


def test_hr_runs_a_what_if_of_two_departures(page: Any, live: SimpleNamespace, shots: Path) -> None:
    base = live.url
    log_in(page, base, "hr", DEMO_PASSWORD)
    page.goto(base + "/succession")
    page.click("nav.succ-tabs [data-tab=what-if]")
    page.wait_for_url(base + "/succession/what-if")
    picks = page.locator("[data-picks] [data-pick]")
    assert picks.count() >= 10  # the key posts' holders, highest grade first
    # the two leavers: the chief executive (a chain of three posts on the demo) and the next one offered after
    # the chief people and revenue officers
    chosen = [picks.nth(i).get_attribute("data-pick") for i in (0, 3)]
    for who in chosen:
        page.locator(f"[data-picks] [data-pick='{who}'] input").check()
    page.locator("select[name=depth]").select_option("3")

    # on submit the form says it is running (the page stays while the answer comes)
    page.evaluate("""() => document.querySelector('form[data-whatif-form]').addEventListener('submit',
                        e => e.preventDefault())""")
    page.click("button[data-run]")
    assert page.locator("button[data-run]").inner_text() == "Running…"
    assert page.locator("[data-running]").is_visible()
    assert page.locator("form[data-whatif-form]").get_attribute("aria-busy") == "true"
    page.screenshot(path=str(shots / "succession-whatif-running.png"))

    page.goto(base + "/succession/what-if?" + "&".join(f"employee_id={w}" for w in chosen))
    assert page.locator("[data-chosen] [data-pick] input:checked").count() == 2
    page.locator("select[name=depth]").select_option("3")
    page.click("button[data-run]")
    page.wait_for_selector("[data-result]")
    chains = page.locator("[data-chain]")
    assert chains.count() == 2
    steps = page.locator("[data-chain] [data-step]")
    assert steps.count() >= 2
    assert page.locator("[data-chain] [data-step='1']").count() == 2  # each leaver's own post opens first
    assert page.locator("[data-chain]").first.locator("[data-step]").count() >= 2  # a chain of posts in turn
    shown = set(steps.evaluate_all("els => els.map(e => e.dataset.readiness)"))
    assert shown <= {"ready_now", "ready_1_2", "ready_3_plus", "uncovered"}
    opened = int(page.locator("[data-stat=opened] .stat-value").inner_text())
    assert opened == steps.count() + page.locator("[data-beyond]").count()
    page.screenshot(path=str(shots / "succession-whatif.png"), full_page=True)
    page.set_viewport_size({"width": 420, "height": 900})
    page.locator("#result").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "succession-whatif-narrow.png"), full_page=False)
    assert page.problems == []


def test_hr_creates_a_development_action_from_a_gap(page: Any, live: SimpleNamespace, shots: Path) -> None:
    base = live.url
    log_in(page, base, "hr", DEMO_PASSWORD)
    page.goto(base + "/succession?coverage=covered&sort=successors")
    links = page.locator("tr[data-coverage] a[data-chart-link]").evaluate_all("els => els.map(e => e.href)")
    for href in links[:15]:  # the first chart with a gap still open to act on
        page.goto(href)
        if page.locator("form[data-gap-action]").count():
            break
    else:
        pytest.fail("no chart of the demo has a gap to act on")
    chart = page.url.split("#")[0]
    assert page.locator("[data-takes]").count() >= 1
    assert "talent graph is unavailable since" in page.locator("#suggestions").inner_text()  # switched off here
    page.locator("#what-it-takes").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "succession-what-it-takes.png"), full_page=False)
    page.locator("#suggestions").screenshot(path=str(shots / "succession-suggestions-graph-off.png"))

    form = page.locator("form[data-gap-action]").first
    key = form.get_attribute("data-gap-action")
    article = page.locator("[data-takes]", has=page.locator(f"form[data-gap-action='{key}']")).first
    who = article.get_attribute("data-takes")
    actions_before = page.locator(f"[data-nominee='{who}'] [data-action]").count()
    form.locator("button").click()
    page.wait_for_url(chart + "?acted=*#gaps-*")
    assert page.locator("[data-acted]").inner_text().startswith("Development action created:")  # in view
    assert page.locator("[data-flash]").inner_text().startswith("Development action created:")
    mine = page.locator(f"[data-takes='{who}']")
    assert mine.locator(f"form[data-gap-action='{key}']").count() == 0  # answered: no second button
    assert mine.locator("[data-open-action]").count() >= 1
    assert page.locator(f"[data-nominee='{who}'] [data-action]").count() == actions_before + 1
    assert page.locator("[data-table=audit]").inner_text().count("Development action added") >= 1
    page.screenshot(path=str(shots / "succession-gap-action-top.png"), clip={"x": 0, "y": 0, "width": 1280,
                                                                                "height": 700})
    mine.screenshot(path=str(shots / "succession-gap-action-nominee.png"))
    page.screenshot(path=str(shots / "succession-gap-action.png"), full_page=True)
    assert page.problems == []
