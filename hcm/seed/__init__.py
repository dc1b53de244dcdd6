"""Demo data: a realistic synthetic company with five years of career history, deterministic by seed.

    from hcm import seed
    report = seed.seed("sqlite:///hcm.db", employees=2000, seed=42, as_of=date(2026, 12, 1))  # an empty, migrated db
    company = seed.build(2000, seed=42, as_of=date(2026, 12, 1))       # the same company, in memory only

Exactly ``employees`` people are active on ``as_of``, the day the five years of history end; the same seed and
as-of date give the same rows.

Log in as ``hr``, ``exec``, ``manager`` or ``employee`` with ``DEMO_PASSWORD``. How the history is simulated
(and which causes drive promotions and exits) is described in ``hcm.seed.history``.
"""

from hcm.seed.core import (
    DEMO_PASSWORD,
    DEMO_USERS,
    MAX_EMPLOYEES,
    MIN_EMPLOYEES,
    Company,
    DemoUser,
    SeedReport,
    build,
    seed,
)
from hcm.seed.history import BAND_INFLATION, YEARS

__all__ = [
    "BAND_INFLATION",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "MAX_EMPLOYEES",
    "MIN_EMPLOYEES",
    "YEARS",
    "Company",
    "DemoUser",
    "SeedReport",
    "build",
    "seed",
]
