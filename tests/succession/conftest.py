"""Fixtures of the succession tests, on the small org of tests/conftest.py (data from ./factories.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy.orm import Session

from tests import factories
from tests.browser import live_app
from tests.factories import Org
from tests.succession import factories as succ


@pytest.fixture
def key_org(db: Session, org: Org) -> Org:
    """The small org with one more key post, OPS-2 (Operations Lead, in the manager's subtree)."""
    return succ.with_key_post_below_manager(db, org)


DEMO_TODAY = date(2026, 11, 27)  # the browser tests' demo company is seeded as of this day, and the app's today


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The demo company (hcm.seed + performance.demo + succession.demo, 300 people) served on a free port: one
    fresh copy per test module, so what one module's browser tests change no other module sees."""
    from hcm import migrate
    from hcm import seed as seeding
    from performance.demo import seed_performance
    from succession.demo import seed_succession

    url = f"sqlite:///{tmp_path_factory.mktemp('succ-browser') / 'demo.db'}"
    migrate.upgrade(url)
    seeding.seed(url, employees=300, seed=11, as_of=DEMO_TODAY)
    seed_performance(url, seed=11, as_of=DEMO_TODAY)
    seed_succession(url, seed=11, as_of=DEMO_TODAY)
    with factories.today_pinned(DEMO_TODAY), live_app(url) as base:
        yield SimpleNamespace(url=base)
