"""Migrations build the schema from empty on SQLite and PostgreSQL, match the models, and go back down."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from hcm import migrate
from hcm.db import Base, make_engine
from tests.services import PG_ADMIN_URL, missing


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"hcm_mig_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        missing("postgresql", str(exc).splitlines()[0])
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_empty_matches_models_and_downgrades(empty_url: str) -> None:
    migrate.load_models()
    engine = make_engine(empty_url)
    assert not inspect(engine).get_table_names()
    migrate.upgrade(empty_url)
    assert migrate.is_current(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    fks = {fk["referred_table"] for fk in inspect(engine).get_foreign_keys("departments")}
    assert fks == {"departments", "positions"}  # the circular key is really there
    migrate.downgrade(empty_url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(empty_url)
    assert migrate.is_current(engine)
    engine.dispose()
