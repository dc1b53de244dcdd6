"""Two requests racing for the same unique thing, on a real PostgreSQL with committed data: the service's
checks cannot see the other transaction's uncommitted row, the database's constraint stops the second one,
and the caller gets a 409 naming what collided - not a 500."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hcm import db as dbmod
from hcm import migrate
from hcm.auth.models import Role
from hcm.org import service
from hcm.org.schemas import DepartmentIn
from tests import factories
from tests.services import fresh_pg_database

pytestmark = pytest.mark.postgres

BLOCKED = 1.0  # seconds the second request is given to (wrongly) get through while the first holds the code


@pytest.fixture(scope="module")
def committed_app() -> Iterator[tuple[TestClient, dict[str, str]]]:
    from hcm.app import create_app

    with fresh_pg_database("hcm_races") as url:
        migrate.upgrade(url)
        saved = (dbmod._engine, dbmod._sessionmaker)
        dbmod.configure(url)
        try:
            with dbmod.unit_of_work() as s:
                hr = factories.user(s, username="hr-race", role=Role.HR_ADMIN)
                headers = factories.bearer(hr)
            with TestClient(create_app()) as client:
                yield client, headers
        finally:
            if dbmod._engine is not None:
                dbmod._engine.dispose()
            dbmod._engine, dbmod._sessionmaker = saved


def test_a_code_taken_by_a_concurrent_transaction_is_a_409(committed_app: tuple[TestClient, dict[str, str]]) -> None:
    client, hr = committed_app
    out: dict[str, Any] = {}
    with Session(dbmod.get_engine()) as first:
        first.begin()
        service.create_department(first, data=DepartmentIn(code="RACE", name="First"))  # flushed, not committed

        def second() -> None:
            out["response"] = client.post("/api/departments", json={"code": "RACE", "name": "Second"}, headers=hr)

        t = threading.Thread(target=second, daemon=True)
        t.start()
        t.join(BLOCKED)
        assert t.is_alive(), f"the second insert did not wait for the first: {out}"
        first.commit()
    t.join(30)
    r = out["response"]
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["error"] == "conflict" and body["field"] == "code" and "at the same time" in body["detail"]
    assert "uq_departments_code" in body["detail"]
    # the first one stands, the second wrote nothing
    names = [d["name"] for d in client.get("/api/departments", params={"q": "RACE"}, headers=hr).json()["items"]]
    assert names == ["First"]


def test_sqlite_names_the_column_too(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The embedded default has one writer at a time, so the second writer waits and then meets the rule."""
    from sqlalchemy.exc import IntegrityError

    from hcm.errors import collision
    from hcm.org.models import Department

    url = f"sqlite:///{tmp_path / 'race.db'}"
    migrate.upgrade(url)
    engine = dbmod.make_engine(url)
    try:
        with Session(engine) as s:
            s.add_all([Department(code="X", name="One"), Department(code="X", name="Two")])
            with pytest.raises(IntegrityError) as exc:
                s.flush()
        err = collision(exc.value)
        assert (err.status_code, err.field) == (409, "code") and "departments.code" in err.message
    finally:
        engine.dispose()
