"""The flight-risk pages in headless Chromium over a small company with fixed scores (tests/ml/factories.py): HR
opens the list from the top bar, filters it, opens a person's history (the chart), overrides a band with a reason
and finds it beside the score, then opens the model card. Screenshots go to $HCM_SCREENSHOTS (or a temporary
folder); every page must stay free of script errors, failed requests and Content-Security-Policy violations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hcm import migrate
from hcm.db import make_engine
from tests import factories
from tests.browser import live_app, log_in
from tests.ml import factories as mlf

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    url = f"sqlite:///{tmp_path_factory.mktemp('ml-browser') / 'risk.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as db:
        org = factories.small_org(db)
        world = mlf.risk_world(db, org)
        ids = {name: e.id for name, e in org.people.items()}
        version = world.active.id
        db.commit()
    engine.dispose()
    with factories.today_pinned(mlf.AS_OF), live_app(url) as base:
        yield SimpleNamespace(url=base, ids=ids, version=version)


def _people(page: Any) -> list[str]:
    return page.locator("tr[data-employee]").evaluate_all("els => els.map(e => e.dataset.employee)")


def test_hr_filters_opens_a_person_and_overrides_a_band(page: Any, live: SimpleNamespace, shots: Path) -> None:
    base = live.url
    log_in(page, base, "hr")
    page.click("header [data-nav=ml]")
    page.wait_for_url(base + "/ml/risk")
    assert _people(page) == ["X-BOB", "X-CAROL", "X-BOSS", "X-DANA", "X-CEO", "X-ALICE"]
    assert page.locator("[data-driver]").count() == 18
    page.screenshot(path=str(shots / "ml-risk.png"), full_page=True)

    form = page.locator("form[data-risk-filter]")
    form.locator("select[name=band]").select_option("high")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/ml/risk?*band=high*")
    assert _people(page) == ["X-BOB", "X-CAROL"]

    page.locator("tr[data-employee=X-BOB] a[data-person-link]").click()
    page.wait_for_url(f"{base}/ml/risk/people/{live.ids['bob']}")
    assert page.locator("[data-line-chart] circle[data-point]").count() == 3  # two versions, three dates
    latest = page.locator("article[data-score]").first
    assert latest.get_attribute("data-as-of") == "2026-11-30"
    latest.locator("select[name=band]").select_option("medium")
    latest.locator("input[name=reason]").fill("Accepted a retention offer last week")
    latest.locator("button[type=submit]").click()
    page.wait_for_url(f"**/ml/risk/people/{live.ids['bob']}#score-*")
    assert "set to Medium; the reason is kept with it" in page.locator("[data-flash]").inner_text()
    latest = page.locator("article[data-score]").first
    assert latest.locator("[data-override]").get_attribute("data-override") == "medium"
    assert latest.locator("[data-model-band]").get_attribute("data-model-band") == "high"
    assert "Accepted a retention offer last week" in latest.locator("[data-override-line]").inner_text()
    page.screenshot(path=str(shots / "ml-person.png"), full_page=True)

    page.goto(base + "/ml/risk")
    assert _people(page) == ["X-CAROL", "X-BOB", "X-BOSS", "X-DANA", "X-CEO", "X-ALICE"]  # Bob now medium

    page.click("nav.ml-tabs [data-tab=models]")
    page.locator("a[data-card-link]").first.click()
    page.wait_for_url(f"{base}/ml/models/{live.version}")
    assert page.locator("[data-xy-chart] circle").count() == 3
    assert page.locator("[data-flagged=true]").count() == 1
    page.screenshot(path=str(shots / "ml-card.png"), full_page=True)
    assert page.problems == []
