"""Fixtures of the performance tests, on the small org of tests/conftest.py (data from ./factories.py)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from performance.models import Period
from tests.factories import Org
from tests.performance import factories as perf


@pytest.fixture
def period(db: Session) -> Period:
    """FY26, the year 2026, in progress and without goals."""
    return perf.period(db)


@pytest.fixture
def plan(db: Session, org: Org) -> perf.Plan:
    """The small known plan (``factories.build_plan``): cascade, check-ins, scores, ratings, points."""
    return perf.build_plan(db, org)
