"""A calibration session in a real headless Chromium, through the pages only, against the app under uvicorn
over a temp SQLite file with the small org and plan (``factories.build_plan``), the period moved on to
calibration. Final performance ratings: alice 4, bob 3, dana 2, carol 5 (boss and the CEO have none); scores:
alice 125, dana 75, bob 25, the others none. HR filters by department, level and manager, sorts by score,
changes a rating with its reason in one step (``calibration.js``: the chart, counts, row and log change in
place, without a reload), and a change without a reason is refused with a message by the row."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from hcm.db import make_engine
from hcm.org.models import Employee
from performance.models import Period, PeriodState, RatingSource
from performance.service import periods
from tests.browser import log_in
from tests.performance import factories as perf
from tests.performance.factories import LivePlan, served_plan

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePlan]:
    with served_plan(tmp_path_factory.mktemp("perf-calibration-db")) as live:
        plan, org = live.plan, live.org
        # moved on once the app's engine is this file's (the recompute a state change enqueues runs in-process)
        engine = make_engine(live.db_url)
        try:
            with Session(engine) as db:
                # the manager's own rating of bob, submitted while the period was in progress
                period, bob = db.get(Period, plan.period.id), db.get(Employee, org.people["bob"].id)
                assert period is not None and bob is not None
                perf.rate(db, org.principal("manager"), period, bob, RatingSource.MANAGER, 4, reason="Rollout on track")
                for state in (PeriodState.REVIEW, PeriodState.CALIBRATION):
                    periods.advance(db, period_id=plan.period.id, to=state)
                db.commit()
        finally:
            engine.dispose()
        yield live


def _session(live: LivePlan) -> str:
    return f"{live.url}/performance/periods/{live.period_id}/calibration"


def listed(page: Any) -> list[int]:
    rows = page.locator("[data-table=session] tbody tr[data-person]")
    return [int(rows.nth(i).get_attribute("data-person")) for i in range(rows.count())]


def scores(page: Any) -> list[str]:
    cells = page.locator("[data-table=session] tbody [data-score]")
    return [cells.nth(i).get_attribute("data-score") for i in range(cells.count())]


def distribution(page: Any) -> dict[str, tuple[str, str]]:
    """Per rating: (people in the table, the chart's actual-share bar)."""
    out = {}
    for r in "12345":
        count = page.locator(f"[data-table=distribution] [data-rating='{r}']").get_attribute("data-count")
        bar = page.locator(f"#calibration-chart [data-category='{r}'] rect[data-series=actual]").get_attribute(
            "data-value")
        out[r] = (count, bar)
    return out


def stat(page: Any, name: str) -> str:
    return str(page.locator(f"#calibration-counts [data-stat={name}] .stat-value").inner_text())


def test_hr_filters_sorts_and_calibrates_in_one_step(page: Any, live: LivePlan, shots: Any) -> None:
    P = live.people
    log_in(page, live.url, "hr")
    page.click("header [data-nav=performance]")
    page.wait_for_url("**/performance")
    page.click("[data-tab=calibration]")
    page.wait_for_url(f"**/performance/periods/{live.period_id}/calibration")
    assert page.locator("[data-calibration-closed]").count() == 0
    assert set(listed(page)) == {P[n] for n in ("ceo", "boss", "alice", "bob", "dana", "carol")}
    assert stat(page, "population") == "6" and stat(page, "rated") == "4"
    page.screenshot(path=str(shots / "calibration-hr-all.png"), full_page=True)

    # filters: department (and below), grade level, direct manager; each through the filter form
    flt = page.locator("form[data-calibration-filter]")
    flt.locator("select[name=department]").select_option(label="Operations")
    flt.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(rf".*department={live.ops}.*"))
    assert set(listed(page)) == {P[n] for n in ("boss", "alice", "bob", "dana")}
    assert stat(page, "population") == "4"
    flt = page.locator("form[data-calibration-filter]")
    flt.locator("select[name=level]").select_option("5")
    flt.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*level=5.*"))
    assert listed(page) == [P["boss"]]
    # the manager picker offers the managers of the people the department and level leave (here: the CEO)
    flt = page.locator("form[data-calibration-filter]")
    managers = flt.locator("select[name=manager] option")
    assert [managers.nth(i).get_attribute("value") for i in range(managers.count())] == ["", str(P["ceo"])]
    flt.locator("select[name=level]").select_option("")
    flt.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*level=&.*"))
    flt = page.locator("form[data-calibration-filter]")
    flt.locator("select[name=manager]").select_option(str(P["boss"]))
    flt.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(rf".*manager={P['boss']}.*"))
    assert set(listed(page)) == {P["alice"], P["bob"]}
    assert page.locator("form[data-calibration-filter] select[name=department]").input_value() == str(live.ops)
    # a level on top leaves nobody: the picker still shows the manager filtered by, not "Any manager"
    flt = page.locator("form[data-calibration-filter]")
    flt.locator("select[name=level]").select_option("5")
    flt.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*level=5.*"))
    assert listed(page) == [] and stat(page, "population") == "0"
    assert page.locator("[data-nobody]").is_visible()
    assert page.locator("form[data-calibration-filter] select[name=manager]").input_value() == str(P["boss"])
    page.screenshot(path=str(shots / "calibration-hr-nobody.png"), full_page=True)

    # sort by score: ascending, then descending; people without a score last either way
    page.goto(f"{_session(live)}?department={live.ops}")
    page.locator("[data-sort=score]").click()
    page.wait_for_url(re.compile(r".*sort=score.*"))
    assert scores(page) == ["25", "75", "125", "—"]
    assert page.locator("[data-sort=score]").get_attribute("aria-sort") == "ascending"
    page.locator("[data-sort=score]").click()
    page.wait_for_url(re.compile(r".*sort=-score.*"))
    assert scores(page) == ["125", "75", "25", "—"]
    assert listed(page)[:3] == [P["alice"], P["dana"], P["bob"]]
    assert page.locator("[data-sort=score]").get_attribute("aria-sort") == "descending"
    assert f"department={live.ops}" in page.url  # the filter stays with the sort

    # one step: bob 3 -> 5 with the reason; the page is not reloaded, the chart, counts, row and log follow
    before = distribution(page)
    # of the 3 rated in Operations (alice 4, bob 3, dana 2; boss none): a third each
    assert before == {"1": ("0", "0 %"), "2": ("1", "33 %"), "3": ("1", "33 %"), "4": ("1", "33 %"),
                      "5": ("0", "0 %")}
    url = page.url
    page.evaluate("window.__notReloaded = true")
    row = page.locator(f"#row-{P['bob']}")
    assert row.locator("[data-final]").get_attribute("data-final") == "3"
    assert row.locator("[data-manager-rating]").get_attribute("data-manager-rating") == "4"  # his manager's, beside it
    row.locator("select[name=value]").select_option("5")
    row.locator("input[name=reason]").fill("Led the process rollout across both sites")
    page.screenshot(path=str(shots / "calibration-hr-before-save.png"), full_page=True)
    row.get_by_role("button", name="Save").click()
    log = page.locator("#calibration-log [data-table=adjustments] tbody tr")
    log.first.wait_for(timeout=15000)
    assert page.evaluate("window.__notReloaded === true") and page.url == url
    row = page.locator(f"#row-{P['bob']}")
    assert row.locator("[data-final]").get_attribute("data-final") == "5"
    assert "calibrated" in row.locator("[data-final]").inner_text()
    # the table and the chart's bars moved: none at 3, one at 5
    assert distribution(page) == {"1": ("0", "0 %"), "2": ("1", "33 %"), "3": ("0", "0 %"), "4": ("1", "33 %"),
                                  "5": ("1", "33 %")}
    assert stat(page, "calibrated") == "1"
    assert "Bob Lead: final rating 3" in page.locator("[data-flash]").inner_text()
    assert log.count() == 1
    entry = log.first
    assert entry.locator("[data-by]").inner_text() == "hr"
    assert entry.locator("[data-before]").get_attribute("data-before") == "3"
    assert entry.locator("[data-after]").get_attribute("data-after") == "5"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", entry.locator("td").first.inner_text())
    assert "Bob Lead" in entry.inner_text() and "Led the process rollout" in entry.inner_text()
    assert scores(page) == ["125", "75", "25", "—"]  # still the filtered, sorted view
    page.screenshot(path=str(shots / "calibration-hr-after-save.png"), full_page=True)

    # a second change, of someone else, adds to the log (newest first) without losing the first
    row = page.locator(f"#row-{P['alice']}")
    row.locator("select[name=value]").select_option("3")
    row.locator("input[name=reason]").fill("Peer feedback below the team's")
    row.get_by_role("button", name="Save").click()
    expect(page.locator("#calibration-log [data-adjustment]")).to_have_count(2, timeout=15000)
    assert page.locator("#calibration-log [data-adjustment]").first.locator("[data-after]").get_attribute(
        "data-after") == "3"
    assert page.evaluate("window.__notReloaded === true")

    # the page reloaded shows the same: nothing lived only in the script
    page.reload()
    assert page.locator(f"#row-{P['bob']} [data-final]").get_attribute("data-final") == "5"
    assert page.locator("#calibration-log [data-adjustment]").count() == 2
    # and the review status says so where HR follows the reviews
    page.click("[data-tab=reviews]")
    page.wait_for_url("**/reviews")
    bob = page.locator(f"[data-review='{P['bob']}']")
    assert bob.locator("[data-calibrated]").is_visible()
    assert bob.locator("[data-final-rating]").get_attribute("data-final-rating") == "5"
    assert page.problems == []


def test_a_change_without_a_reason_is_refused_with_a_message(page: Any, live: LivePlan, shots: Any) -> None:
    P = live.people
    log_in(page, live.url, "hr")
    page.goto(_session(live))
    logged = page.locator("#calibration-log [data-adjustment]").count()
    row = page.locator(f"#row-{P['dana']}")
    final = row.locator("[data-final]").get_attribute("data-final")
    page.evaluate("window.__notReloaded = true")

    # empty: the browser itself will not send it, and says why
    row.locator("select[name=value]").select_option("4")
    row.get_by_role("button", name="Save").click()
    reason = row.locator("input[name=reason]")
    assert reason.evaluate("e => !e.validity.valid && e.validationMessage.length > 0")
    assert page.locator("#calibration-log [data-adjustment]").count() == logged

    # blank (only spaces): the server refuses it; the row says so, keeps the choice, changes nothing
    reason.fill("   ")
    row.get_by_role("button", name="Save").click()
    message = page.locator(f"#row-{P['dana']} [data-field-error=reason]")
    message.wait_for(timeout=15000)
    assert message.is_visible() and "needs a reason" in message.inner_text()
    row = page.locator(f"#row-{P['dana']}")
    assert row.locator("input[name=reason]").get_attribute("aria-invalid") == "true"
    assert row.locator("select[name=value]").input_value() == "4"
    assert row.locator("[data-final]").get_attribute("data-final") == final
    assert page.locator("#calibration-log [data-adjustment]").count() == logged
    alert = page.locator("#calibration-error [role=alert]")
    assert alert.is_visible() and "Calibration not saved (reason)" in alert.inner_text()
    assert page.evaluate("window.__notReloaded === true")
    page.screenshot(path=str(shots / "calibration-hr-no-reason.png"), full_page=True)
    assert [p for p in page.problems if " 422 " not in f" {p} "] == []
    page.problems.clear()

    # and the same row then goes through once a reason is given
    row.locator("input[name=reason]").fill("Backlog halved since the review")
    row.locator("input[name=reason]").press("Enter")  # the keyboard's one step: Enter in the reason saves
    expect(page.locator("#calibration-log [data-adjustment]")).to_have_count(logged + 1, timeout=15000)
    assert page.locator(f"#row-{P['dana']} [data-final]").get_attribute("data-final") == "4"
    assert page.locator(f"#row-{P['dana']} [data-field-error]").count() == 0
    assert page.locator("#calibration-error [role=alert]").count() == 0
    assert "Dana Clerk: final rating 2" in page.locator("[data-flash]").inner_text()
    assert page.problems == []

    # a refused change right after a saved one leaves no stale confirmation beside its error
    row = page.locator(f"#row-{P['carol']}")
    row.locator("select[name=value]").select_option("4")
    row.locator("input[name=reason]").fill(" ")
    row.get_by_role("button", name="Save").click()
    page.locator(f"#row-{P['carol']} [data-field-error=reason]").wait_for(timeout=15000)
    assert page.locator("[data-flash]").count() == 0
    assert page.locator("#calibration-error [role=alert]").is_visible()
    assert page.locator(f"#row-{P['carol']} input[name=reason]").evaluate("e => e === document.activeElement")
    assert page.evaluate("window.__notReloaded === true")
    page.problems.clear()  # its 422 was the point
