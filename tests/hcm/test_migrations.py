"""Migrations build the schema from empty on SQLite and PostgreSQL, match the models, and go back down."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from hcm import migrate
from hcm.db import Base, make_engine
from tests.services import fresh_pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    with fresh_pg_database("hcm_mig") as url:
        yield url


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
