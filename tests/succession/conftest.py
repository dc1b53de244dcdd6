"""Fixtures of the succession tests, on the small org of tests/conftest.py (data from ./factories.py)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.factories import Org
from tests.succession import factories as succ


@pytest.fixture
def key_org(db: Session, org: Org) -> Org:
    """The small org with one more key post, OPS-2 (Operations Lead, in the manager's subtree)."""
    return succ.with_key_post_below_manager(db, org)
