"""Reaching the real services the tests need. In CI (CI=true) a missing service fails the test;
on a laptop it skips with a message saying how to run it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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


@contextmanager
def fresh_pg_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the admin server for the duration of the block (its URL), dropped
    afterwards even if connections are still open. Unreachable server: ``missing('postgresql', ...)``."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure here means "no usable server"
        admin.dispose()
        missing("postgresql", str(exc).splitlines()[0])
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
