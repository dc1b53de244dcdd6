"""Demo data: a realistic synthetic company with five years of career history, deterministic by seed.

    from hcm import seed
    report = seed.seed("sqlite:///hcm.db", employees=2000, seed=42)   # into an empty, migrated database
    company = seed.build(2000, seed=42)                                # the same company, in memory only

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
