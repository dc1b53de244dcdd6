"""The performance pages on the real demo company (hcm.seed + performance.demo), in headless Chromium:
what a person opening `hcm demo` sees - the cascade tree with weights and scores, and the 9-box."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from hcm.seed import DEMO_PASSWORD
from tests import factories
from tests.browser import live_app, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The demo company served by the app (the name ``live`` is what the shared ``page`` fixture expects)."""
    from datetime import date

    from hcm import migrate
    from hcm import seed as seeding
    from performance.demo import seed_performance

    url = f"sqlite:///{tmp_path_factory.mktemp('perf-demo') / 'demo.db'}"
    migrate.upgrade(url)
    today = date(2026, 11, 27)
    seeding.seed(url, employees=300, seed=11, as_of=today)
    seed_performance(url, seed=11, as_of=today)
    with factories.today_pinned(today), live_app(url) as base:  # the pages' today is the data's
        yield SimpleNamespace(url=base)


def test_hr_sees_a_live_cascade_and_nine_box_on_demo_data(page: Any, live: SimpleNamespace, shots: Any) -> None:
    demo_url = live.url
    log_in(page, demo_url, "hr", DEMO_PASSWORD)
    page.goto(demo_url + "/performance")
    assert "in progress" in page.locator("[data-period-state]").first.inner_text().lower()
    page.click("[data-tab=cascade]")
    page.wait_for_url("**/cascade")
    text = page.locator("main").inner_text()
    assert "Company" in text and "%" in text  # link weights shown
    scores = page.locator("[data-score]").all_inner_texts()
    numeric = [s for s in scores if s.strip().replace(".", "", 1).isdigit()]
    assert len(numeric) >= 5, scores[:20]  # real scores, not placeholders
    page.screenshot(path=str(shots / "demo-hr-cascade.png"), full_page=False)
    page.goto(page.url.replace("/cascade", "/ninebox") + "?scope=company")
    cells = page.locator("[data-cell]")
    assert cells.count() == 9
    counts = [int(c.get_attribute("data-count") or 0) for c in cells.all()]
    assert sum(counts) > 50  # the demo company is placed on the grid
    page.screenshot(path=str(shots / "demo-hr-ninebox.png"), full_page=True)
    # the core cell holds more people than a cell lists: its names open on a click, the rest one link away
    biggest = max(cells.all(), key=lambda c: int(c.get_attribute("data-count") or 0))
    n = int(biggest.get_attribute("data-count") or 0)
    assert n > 50, counts
    biggest.locator("summary").click()
    assert biggest.locator("[data-person-id]").count() == 50
    biggest.locator("[data-drill]").click()
    page.wait_for_url("**cell=*")
    drill = page.locator("[data-drill-list]")
    assert f": {n} people" in drill.locator("h2").inner_text()
    assert drill.locator("[data-person-id]").count() == min(n, 100)
    if n > 100:
        drill.locator("a[rel=next]").click()
        page.wait_for_url("**page=2*")
        assert page.locator("[data-drill-list] [data-person-id]").count() == min(n - 100, 100)
    page.screenshot(path=str(shots / "demo-hr-ninebox-drill.png"), full_page=True)
    assert page.problems == []
