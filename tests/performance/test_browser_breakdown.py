"""'How this score is made' in a real headless Chromium (the app under uvicorn on a temp SQLite file with the
small plan, ``tests.performance.factories.build_plan``, plus a management check-in and a competency rating for
Alice so every part shows): Alice reads her own score's breakdown, then the breakdown of her department's goal
where the goals she may not see are one unnamed row. Screenshots go to a temp dir, or ``$HCM_SCREENSHOTS``.

Alice by hand: A1 125 (operational, 60), A2 level 2 -> 50 (management, 40); her goal P-ALICE 0.6 x 125 + 0.4 x 50
= 95.0; her score mixes the classes 30 / 70: 0.3 x 125 + 0.7 x 50 = 72.5, then competency 4 -> 125 counts 30 %:
0.7 x 72.5 + 0.3 x 125 = 88.25.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hcm import migrate
from hcm.db import make_engine
from performance.models import RatingKind
from performance.service import rollup
from tests import factories
from tests.browser import live_app, log_in
from tests.performance import factories as perf

pytestmark = pytest.mark.browser


@dataclass
class Live:
    url: str
    period_id: int
    alice: int
    goals: dict[str, int]


def _database(folder: Path) -> tuple[str, perf.Plan, factories.Org]:
    url = f"sqlite:///{folder / 'plan.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            org = factories.small_org(db)
            plan = perf.build_plan(db, org)
            hr = org.principal("hr")
            perf.check_in(db, hr, plan.indicators["A2"], plan.start + timedelta(days=198), rubric_level=2)
            perf.final(db, hr, plan.period, org.people["alice"], 4, kind=RatingKind.COMPETENCY)
            rollup.recompute(db, period_id=plan.period.id, today=plan.today)
            db.commit()
    finally:
        engine.dispose()
    return url, plan, org


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    url, plan, org = _database(tmp_path_factory.mktemp("perf-breakdown-db"))
    with factories.today_pinned(plan.today), live_app(url) as base:
        yield Live(base, plan.period.id, org.people["alice"].id, {k: g.id for k, g in plan.goals.items()})


def _num(text: str) -> float:
    return float(text.strip())


def test_alice_reads_how_her_score_is_made(page: Any, live: Live, shots: Any) -> None:
    log_in(page, live.url, "employee")
    page.goto(f"{live.url}/performance/periods/{live.period_id}/people/{live.alice}")
    section = page.locator("[data-breakdown=employee]")
    assert section.is_visible()
    assert page.locator("[data-stat=person-score] [data-score]").inner_text() == "88.2"  # 88.25, one decimal
    parts = {k: _num(section.locator(f"[data-part={k}] [data-contribution]").inner_text())
             for k in ("operational", "management", "competency")}
    assert parts == pytest.approx({"operational": 26.25, "management": 24.5, "competency": 37.5}, abs=0.01)
    assert _num(section.locator("[data-breakdown-total] [data-total]").inner_text()) == pytest.approx(88.25)
    assert section.locator("[data-breakdown-difference]").count() == 0
    # the goal's own score beside what the same indicators make with her mix
    goal_row = section.locator("[data-breakdown-goal=P-ALICE]")
    assert goal_row.locator("td").nth(1).inner_text().strip() == "95.0"
    assert goal_row.locator("[data-mixed]").get_attribute("data-mixed") == "72.5"
    assert "4 Exceeds expectations" in section.locator("[data-part=competency]").inner_text()
    section.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "perf-breakdown-person.png"), full_page=True)
    section.screenshot(path=str(shots / "perf-breakdown-person-section.png"))

    page.goto(f"{live.url}/performance/goals/{live.goals['D-OPS']}")
    goal = page.locator("[data-breakdown=goal]")
    assert goal.locator("[data-breakdown-supporting=P-ALICE]").is_visible()
    assert "2 supporting goals you may not see" in goal.locator("[data-breakdown-supporting=hidden]").inner_text()
    goal.screenshot(path=str(shots / "perf-breakdown-goal-section.png"))
    assert page.problems == []
