"""Fixtures of the flight-risk page and API tests: the small org with fixed scores (tests/ml/factories.py)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.factories import Org
from tests.ml import factories as mlf


@pytest.fixture
def risk(db: Session, org: Org) -> mlf.Risk:
    return mlf.risk_world(db, org)
