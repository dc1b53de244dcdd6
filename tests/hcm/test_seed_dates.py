"""The seed on a spread of as-of dates (month ends, a leap day, year ends): exactly the requested number of
active people, nothing dated after the as-of day, one holder per post at any time, careers that add up, the
same rows for the same date. What the history looks like depends on the calendar (month lengths, where the
five-year window starts), so a promise that holds on one day is checked here on many."""

from __future__ import annotations

import itertools
import shutil
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from hcm import migrate
from hcm import seed as seeding
from hcm.db import Base, make_engine

DATES = (date(2026, 12, 1), date(2027, 1, 31), date(2027, 2, 28), date(2028, 2, 29), date(2027, 5, 20),
         date(2027, 12, 31), date(2028, 12, 31), date(2026, 6, 30), date(2028, 3, 1), date(2029, 1, 1))
EMPLOYEES = 60  # the size and seed of the CLI round trip, which came out one person over on some of these days
SEED = 7
TABLES = ("departments", "positions", "employees", "assignments", "employee_skills", "users", "outbox")


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated, empty SQLite file; each test seeds a copy (migrating once per date would cost more than
    the seeding)."""
    path = tmp_path_factory.mktemp("seed-dates") / "empty.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


def _fresh(migrated: Path, tmp_path: Path, name: str) -> Engine:
    path = tmp_path / name
    shutil.copyfile(migrated, path)
    return make_engine(f"sqlite:///{path}")


def _dump(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for name in TABLES:
            table = Base.metadata.tables[name]
            cols = [c for c in table.columns if (name, c.name) != ("users", "password_hash")]  # salted
            out[name] = [dict(r._mapping) for r in conn.execute(select(*cols).order_by(*table.primary_key.columns))]
    return out


@pytest.mark.parametrize("as_of", DATES, ids=[d.isoformat() for d in DATES])
@pytest.mark.parametrize("employees", [10, 60, 120])
def test_exactly_the_requested_headcount_on_any_day(as_of: date, employees: int) -> None:
    for seed in (1, 3, 7, 42):
        co = seeding.build(employees, seed=seed, as_of=as_of)
        h = co.history
        assert int(h.active.sum()) == employees, (seed, as_of)
        assert h.as_of == as_of and h.start == date(as_of.year - 5, as_of.month, 1)
        held = h.pos[h.active]
        assert len(set(held.tolist())) == employees and (held >= 0).all()
        holder = np.full(co.org.n_positions, -1)
        holder[held] = np.flatnonzero(h.active)
        assert holder[0] >= 0 and holder[co.org.hr_head] >= 0  # the CEO and the HR director: demo log-ins
        assert all(e >= 0 for _, _, e in co.users), (seed, as_of)


@pytest.mark.parametrize("as_of", DATES, ids=[d.isoformat() for d in DATES])
def test_the_written_company_is_consistent_on_any_day(migrated: Path, tmp_path: Path, as_of: date) -> None:
    engine = _fresh(migrated, tmp_path, "seed.db")
    try:
        report = seeding.seed(engine, employees=EMPLOYEES, seed=SEED, as_of=as_of)
        rows = _dump(engine)
    finally:
        engine.dispose()
    assert report.as_of == as_of and report.active_employees == EMPLOYEES
    emps, asg = rows["employees"], rows["assignments"]
    active = [e for e in emps if e["status"] == "active"]
    assert len(active) == EMPLOYEES
    assert len({e["position_id"] for e in active}) == EMPLOYEES and all(e["exit_date"] is None for e in active)
    # nothing happens after the as-of day
    assert all(e["hire_date"] <= as_of and (e["exit_date"] is None or e["exit_date"] <= as_of) for e in emps)
    assert all(a["start_date"] <= as_of and (a["end_date"] is None or a["end_date"] <= as_of) for a in asg)
    assert all(s["assessed_on"] <= as_of for s in rows["employee_skills"])
    assert {str(d["created_at"]) for d in rows["departments"]} == {f"{as_of.isoformat()} 00:00:00"}
    # careers: a hire first, contiguous, the open row on the post held, an exit row last for leavers
    by_emp: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in sorted(asg, key=lambda a: (a["employee_id"], a["start_date"], a["id"])):
        by_emp[a["employee_id"]].append(a)
    assert set(by_emp) == {e["id"] for e in emps}
    for e in emps:
        career = by_emp[e["id"]]
        assert career[0]["reason"] == "hire" and career[0]["start_date"] == e["hire_date"]
        assert all(p["end_date"] == n["start_date"] for p, n in itertools.pairwise(career))
        last = career[-1]
        if e["status"] == "active":
            assert last["end_date"] is None and last["position_id"] == e["position_id"]
        else:
            assert last["reason"].startswith("exit") and last["start_date"] == last["end_date"] == e["exit_date"]
    assert Counter(a["employee_id"] for a in asg if a["end_date"] is None) == Counter(e["id"] for e in active)
    # one holder per post at any time
    stays: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for a in asg:
        if a["position_id"] is not None:
            stays[a["position_id"]].append((a["start_date"], a["end_date"] or as_of))
    for spans in stays.values():
        spans.sort()
        assert all(x[1] <= y[0] for x, y in itertools.pairwise(spans))
    users = {u["username"]: u["employee_id"] for u in rows["users"]}
    holds = {e["id"]: e["position_id"] for e in active}
    assert set(users) == {"hr", "exec", "manager", "employee"} and all(holds.get(e) for e in users.values())


def test_same_as_of_same_rows_and_another_day_differs(migrated: Path, tmp_path: Path) -> None:
    dumps = []
    for name, as_of in (("a.db", DATES[0]), ("b.db", DATES[0]), ("c.db", DATES[1])):
        engine = _fresh(migrated, tmp_path, name)
        try:
            seeding.seed(engine, employees=EMPLOYEES, seed=SEED, as_of=as_of)
            dumps.append(_dump(engine))
        finally:
            engine.dispose()
    assert dumps[0] == dumps[1]
    assert dumps[0]["assignments"] != dumps[2]["assignments"]
