"""Succession data for tests, on the small org of tests/factories.py (``small_org``).

CEO* <- Cora (exec)
  OPS-H* <- Bruno (manager)
    OPS-1 <- Alice (employee)
    OPS-2 (* in ``with_key_post_below_manager``) <- Bob
      OPS-3 <- Dana
  SAL-H <- Carol
    SAL-1 (vacant)
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from succession.models import SuccessionSettings
from tests.factories import Org


def with_key_post_below_manager(db: Session, org: Org) -> Org:
    org.positions["team2"].is_key = True
    db.flush()
    return org


def set_visibility(db: Session, *, managers: bool = False, employees: bool = False) -> SuccessionSettings:
    """HR's visibility settings, written directly (the service is tested on its own)."""
    row = db.get(SuccessionSettings, 1)
    if row is None:
        row = SuccessionSettings(id=1)
        db.add(row)
    row.managers_see_plans_below = managers
    row.employees_see_own_nominations = employees
    db.flush()
    return row
