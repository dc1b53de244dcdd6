"""Reaching the real services the tests need. In CI (CI=true) a missing service fails the test;
on a laptop it skips with a message saying how to run it."""

from __future__ import annotations

import os

import pytest

PG_ADMIN_URL = os.environ.get("HCM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("HCM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

HOW = {
    "postgresql": "start PostgreSQL on 127.0.0.1:5432 with trust auth and a database `test` "
    "(or set HCM_TEST_PG_URL)",
    "redis": "start Redis on 127.0.0.1:6379 (or set HCM_TEST_REDIS_URL)",
    "graph": "install the project (`pip install -e .`), which brings the arcadedb-embedded server and its JRE",
    "chromium": "install Debian's chromium (`apt-get install -y chromium`), which `bash scripts/test` does",
}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(service: str, why: str) -> None:
    """Fail in CI, skip elsewhere."""
    msg = f"{service} is not reachable ({why}); to run these tests {HOW.get(service, 'start it')}"
    if in_ci():
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)
