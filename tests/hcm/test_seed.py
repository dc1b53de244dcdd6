"""The demo-data generator: structure, current-state and history consistency, determinism, both backends,
and the causal signal a model should find (measured from the generated data, on fixed seeds)."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from hcm import migrate
from hcm import seed as seeding
from hcm.auth.models import User
from hcm.auth.security import verify_password
from hcm.db import Base, make_engine
from hcm.errors import Conflict, Invalid
from hcm.org.models import (
    Assignment,
    Department,
    Employee,
    EmployeeSkill,
    Grade,
    JobFamily,
    Position,
    PositionSkill,
)
from hcm.outbox import OutboxEvent
from hcm.seed.history import EXIT_VOLUNTARY, PROMOTION
from tests.services import fresh_pg_database

TODAY = date(2026, 6, 15)
SMALL = 600  # determinism and the PostgreSQL round trip
MEDIUM = 4000  # structure and signal: large enough that the causal effects are clear on a fixed seed
TABLES = ("departments", "business_processes", "process_departments", "job_families", "grades", "positions",
          "skills", "position_skills", "employees", "assignments", "employee_skills", "users", "outbox")


def _fresh_sqlite(tmp: Path, name: str) -> str:
    url = f"sqlite:///{tmp / name}"
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="module")
def tmp_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("seed")


@pytest.fixture(scope="module")
def medium(tmp_dir: Path) -> Iterator[tuple[Engine, seeding.SeedReport, list[tuple[str, int, int]]]]:
    url = _fresh_sqlite(tmp_dir, "medium.db")
    calls: list[tuple[str, int, int]] = []
    report = seeding.seed(url, employees=MEDIUM, seed=7, as_of=TODAY,
                          progress=lambda phase, done, total: calls.append((phase, done, total)))
    engine = make_engine(url)
    yield engine, report, calls
    engine.dispose()


@pytest.fixture(scope="module")
def db(medium: tuple[Engine, seeding.SeedReport, Any]) -> Iterator[Session]:
    with Session(medium[0]) as s:
        yield s


def _dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name in TABLES:
            table = Base.metadata.tables[name]
            cols = [c for c in table.columns if (name, c.name) != ("users", "password_hash")]
            pk = list(table.primary_key.columns)
            out[name] = [tuple(r) for r in conn.execute(select(*cols).order_by(*pk))]
    return out


# --- structure --------------------------------------------------------------------------------------------
def test_report_and_progress(medium: tuple[Engine, seeding.SeedReport, list[tuple[str, int, int]]]) -> None:
    _, report, calls = medium
    assert report.active_employees == MEDIUM
    assert report.exited_employees > 0.3 * MEDIUM  # five years of turnover
    assert report.rows["employees"] == report.active_employees + report.exited_employees
    assert {u.username for u in report.users} == {"hr", "exec", "manager", "employee"}
    assert report.password == seeding.DEMO_PASSWORD
    assert "active employees" in str(report)
    phases = [c[0] for c in calls]
    assert phases[0] == "org structure" and phases[-1] == "writing rows"
    last = calls[-1]
    assert last[1] == last[2] == sum(report.rows.values())


def test_department_tree(db: Session) -> None:
    rows = db.execute(select(Department.id, Department.parent_id, Department.head_position_id)).all()
    parent = {r.id: r.parent_id for r in rows}
    roots = [d for d, p in parent.items() if p is None]
    assert len(roots) == 1
    divisions = [d for d, p in parent.items() if p == roots[0]]
    assert 6 <= len(divisions) <= 10
    for d in parent:  # every department reaches the root within four levels
        depth, cur = 0, d
        while parent[cur] is not None:
            cur, depth = parent[cur], depth + 1
            assert depth <= 4
        assert cur == roots[0]
    # every department has a head, and the head's post sits in that department
    heads = dict(db.execute(select(Position.id, Position.department_id)).all())
    assert all(r.head_position_id is not None and heads[r.head_position_id] == r.id for r in rows)
    # processes span departments of several divisions
    procs = db.execute(text("SELECT process_id, COUNT(*) FROM process_departments GROUP BY process_id")).all()
    assert len(procs) >= 4 and all(n >= 2 for _, n in procs)


def test_position_tree_and_key_posts(db: Session) -> None:
    rows = db.execute(select(Position.id, Position.reports_to_id, Position.is_key, Position.grade_id)).all()
    boss = {r.id: r.reports_to_id for r in rows}
    grade = {r.id: r.grade_id for r in rows}
    roots = [p for p, b in boss.items() if b is None]
    assert len(roots) == 1
    for p in boss:  # acyclic: every chain ends at the CEO's post, and grades fall down the chain
        seen, cur = set(), p
        while boss[cur] is not None:
            assert cur not in seen
            seen.add(cur)
            assert grade[boss[cur]] > grade[cur]
            cur = boss[cur]
        assert cur == roots[0]
    spans = Counter(b for b in boss.values() if b is not None)
    assert 4.5 <= np.mean(list(spans.values())) <= 10
    key = [r.id for r in rows if r.is_key]
    assert 0.04 <= len(key) / len(rows) <= 0.06
    assert roots[0] in key
    assert all(p in key for p, b in boss.items() if b == roots[0] and grade[p] == 9)  # division heads
    reqs = Counter(db.execute(select(PositionSkill.position_id)).scalars())
    assert len(reqs) == len(rows) and min(reqs.values()) >= 3 and max(reqs.values()) <= 8


def test_current_state(db: Session) -> None:
    emps = db.execute(select(Employee.id, Employee.status, Employee.position_id, Employee.exit_date,
                             Employee.salary, Employee.hire_date, Position.grade_id)
                      .outerjoin(Position, Position.id == Employee.position_id)).all()
    active = [e for e in emps if e.status == "active"]
    assert len(active) == MEDIUM
    assert all(e.position_id is not None and e.exit_date is None for e in active)
    assert len({e.position_id for e in active}) == len(active)
    exited = [e for e in emps if e.status == "exited"]
    assert all(e.position_id is None and e.exit_date is not None and e.exit_date <= TODAY for e in exited)
    n_pos = db.execute(select(func.count(Position.id))).scalar_one()
    assert 0.01 <= (n_pos - len(active)) / n_pos <= 0.08  # a few per cent of posts are vacant
    bands = {g.id: (g.pay_min, g.pay_max) for g in db.scalars(select(Grade))}
    assert all(bands[e.grade_id][0] <= e.salary <= bands[e.grade_id][1] for e in active)
    # open assignments: exactly one per active employee, on the post they hold; none for people who left
    open_rows = db.execute(select(Assignment.employee_id, Assignment.position_id).where(Assignment.end_date.is_(None))).all()
    assert Counter(r.employee_id for r in open_rows) == Counter({e.id: 1 for e in active})
    held = {e.id: e.position_id for e in active}
    assert all(held[r.employee_id] == r.position_id for r in open_rows)


def test_history(db: Session) -> None:
    emps = {e.id: e for e in db.execute(select(Employee.id, Employee.status, Employee.hire_date, Employee.exit_date))}
    rows = db.execute(select(Assignment.employee_id, Assignment.position_id, Assignment.start_date, Assignment.end_date,
                             Assignment.reason).order_by(Assignment.employee_id, Assignment.start_date, Assignment.id)).all()
    by_emp: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        by_emp[r.employee_id].append(r)
    assert set(by_emp) == set(emps)
    window_start = date(TODAY.year - 5, TODAY.month, 1)
    for emp_id, career in by_emp.items():
        e = emps[emp_id]
        assert career[0].reason == "hire" and career[0].start_date == e.hire_date
        assert sum(r.reason == "hire" for r in career) == 1
        for prev, nxt in itertools.pairwise(career):  # contiguous, never overlapping
            assert prev.end_date is not None and prev.end_date == nxt.start_date
        assert all(r.end_date is None or r.start_date <= r.end_date <= TODAY for r in career)
        assert all(r.start_date >= window_start for r in career[1:])
        assert not any(r.reason.startswith("exit") for r in career[:-1])
        last = career[-1]
        if e.status == "exited":
            assert last.reason.startswith("exit") and last.position_id is None
            assert last.start_date == last.end_date == e.exit_date
        else:
            assert last.end_date is None and last.position_id is not None
    # one holder per post at any time
    stays: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for r in rows:
        if r.position_id is not None:
            stays[r.position_id].append((r.start_date, r.end_date or TODAY))
    for spans in stays.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    moves = Counter(r.reason for r in rows)
    assert all(moves[k] > 0 for k in ("promotion", "lateral", "demotion", "exit_voluntary", "exit_involuntary"))


def test_turnover_is_plausible(db: Session, medium: tuple[Engine, seeding.SeedReport, Any]) -> None:
    assert all(0.07 <= t <= 0.15 for t in medium[1].voluntary_turnover)
    year_ago = TODAY - timedelta(days=365)
    left = db.execute(select(func.count(Assignment.id)).where(Assignment.reason == "exit_voluntary",
                                                              Assignment.start_date > year_ago)).scalar_one()
    assert 0.08 <= left / MEDIUM <= 0.14


def test_people_and_skills(db: Session) -> None:
    emps = db.execute(select(Employee.first_name, Employee.email, Employee.gender, Employee.birth_year,
                             Employee.hire_date)).all()
    assert len({e.email for e in emps}) == len(emps)
    genders = Counter(e.gender for e in emps)
    assert 0.25 <= genders["female"] / len(emps) <= 0.6 and genders["male"] > genders["other"] > 0
    assert all(16 <= e.hire_date.year - e.birth_year <= 66 for e in emps)
    assert len({e.first_name for e in emps}) > 100
    # skills: self-assessed for everyone, the manager's rating for many; matched imperfectly to the post
    src = Counter(s.value for s in db.execute(select(EmployeeSkill.source)).scalars())
    assert src["self"] > src["manager"] > 0.3 * src["self"]
    rows = db.execute(text(
        "SELECT ps.required_level, es.level FROM employees e "
        "JOIN position_skills ps ON ps.position_id = e.position_id "
        "LEFT JOIN employee_skills es ON es.employee_id = e.id AND es.skill_id = ps.skill_id AND es.source = 'self' "
        "WHERE e.status = 'active'")).all()
    met = np.mean([lvl is not None and lvl >= req for req, lvl in rows])
    missing_ = np.mean([lvl is None for _, lvl in rows])
    above = np.mean([lvl is not None and lvl > req for req, lvl in rows])
    assert 0.4 <= met <= 0.9 and 0.05 <= missing_ <= 0.35 and above > 0.1


def test_demo_users(db: Session, medium: tuple[Engine, seeding.SeedReport, Any]) -> None:
    users = {u.username: u for u in db.scalars(select(User))}
    assert {u: users[u].role.value for u in users} == {"hr": "hr_admin", "exec": "executive", "manager": "manager",
                                                       "employee": "employee"}
    assert verify_password(seeding.DEMO_PASSWORD, users["hr"].password_hash)
    assert len({u.password_hash for u in users.values()}) == 1  # hashed once
    pos = {e.id: e.position_id for e in db.execute(select(Employee.id, Employee.position_id))}
    boss = dict(db.execute(select(Position.id, Position.reports_to_id)).all())
    titles = dict(db.execute(select(Position.id, Position.title)).all())
    assert all(users[u].employee_id is not None and pos[users[u].employee_id] is not None for u in users)
    assert boss[pos[users["exec"].employee_id]] is None
    assert titles[pos[users["hr"].employee_id]] == "Chief People Officer"
    mgr_pos = pos[users["manager"].employee_id]
    chain, cur = [], pos[users["employee"].employee_id]
    while cur is not None and cur != mgr_pos:
        cur = boss[cur]
        chain.append(cur)
    assert cur == mgr_pos  # the employee is in the manager's subtree
    reports = [p for p, b in boss.items() if b == mgr_pos]
    assert any(b in reports for b in boss.values())  # the manager's team has several levels
    report = medium[1]
    assert {u.username: u.employee_name is not None for u in report.users} == dict.fromkeys(users, True)


def test_outbox_mirrors_the_projected_rows(db: Session) -> None:
    topics = dict(db.execute(select(OutboxEvent.topic, func.count()).group_by(OutboxEvent.topic)).all())
    assert topics == {
        "department": db.scalar(select(func.count(Department.id))),
        "position": db.scalar(select(func.count(Position.id))),
        "employee": db.scalar(select(func.count(Employee.id))),
        "skill": db.scalar(select(func.count()).select_from(Base.metadata.tables["skills"])),
        "requirement": db.scalar(select(func.count(PositionSkill.id))),
        "employee_skill": db.scalar(select(func.count(EmployeeSkill.id))),
        "job_family": db.scalar(select(func.count(JobFamily.id))),
        "career_history": 1,  # the history is written once: one refresh of the derived career steps
    }
    first = {t: db.scalars(select(OutboxEvent).where(OutboxEvent.topic == t).order_by(OutboxEvent.id).limit(1)).one()
             for t in topics}
    assert first["department"].payload == {"name": first["department"].payload["name"], "parent": None}
    assert set(first["position"].payload) == {"title", "department", "reports_to", "is_key", "active", "role",
                                              "role_family", "role_grade", "role_level"}
    assert first["position"].payload["role"] == (f"{first['position'].payload['role_family']}/"
                                                 f"{first['position'].payload['role_grade']}")
    assert set(first["employee"].payload) == {"name", "status", "position"}
    es = first["employee_skill"]
    assert es.key == f"{es.payload['employee']}|{es.payload['skill']}" and es.payload["source"] in ("self", "manager")
    req = first["requirement"]
    assert req.key == f"{req.payload['position']}|{req.payload['skill']}" and 1 <= req.payload["level"] <= 5
    assert db.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.processed_at.is_not(None))) == 0


# --- signal: what the flight-risk and readiness models should be able to learn --------------------------------
def test_underpaid_people_leave_more(db: Session) -> None:
    """Compa-ratio (salary / band midpoint of the grade held, at exit for leavers, deflated by the yearly band
    drift) against voluntary exits in the last two years."""
    horizon = TODAY - timedelta(days=730)
    rows = db.execute(text(
        "SELECT e.status, e.salary, e.exit_date, g.pay_mid, x.reason FROM employees e "
        "JOIN assignments a ON a.employee_id = e.id AND a.position_id IS NOT NULL "
        "  AND (a.end_date IS NULL OR a.end_date = e.exit_date) "
        "JOIN positions p ON p.id = a.position_id JOIN grades g ON g.id = p.grade_id "
        "LEFT JOIN assignments x ON x.employee_id = e.id AND x.position_id IS NULL")).all()
    cr, left = [], []
    for status, salary, exit_date, mid, reason in rows:
        if status == "active":
            cr.append(float(salary) / float(mid))
            left.append(False)
        elif reason == "exit_voluntary" and date.fromisoformat(str(exit_date)) > horizon:
            years_back = (TODAY - date.fromisoformat(str(exit_date))).days / 365.25
            cr.append(float(salary) / (float(mid) / (1 + seeding.BAND_INFLATION) ** years_back))
            left.append(True)
    assert len(cr) > MEDIUM
    cr_a, left_a = np.asarray(cr), np.asarray(left)
    lo, hi = np.quantile(cr_a, [1 / 3, 2 / 3])
    low_rate, high_rate = left_a[cr_a < lo].mean(), left_a[cr_a >= hi].mean()
    assert low_rate > 1.4 * high_rate, (low_rate, high_rate)


def test_newcomers_and_poor_fits_leave_more(db: Session) -> None:
    horizon = TODAY - timedelta(days=730)
    emps = db.execute(select(Employee.id, Employee.status, Employee.hire_date, Employee.exit_date)).all()
    vol = set(db.scalars(select(Assignment.employee_id).where(Assignment.reason == "exit_voluntary")))
    leavers = [e for e in emps if e.id in vol and e.exit_date > horizon]
    stayers = [e for e in emps if e.status == "active"]
    short = np.mean([(e.exit_date - e.hire_date).days < 730 for e in leavers])
    base = np.mean([(TODAY - e.hire_date).days < 730 for e in stayers])
    assert short > base + 0.05, (short, base)
    # skill gap against the post held (last post for leavers): missing skills count as level 0
    gap: dict[int, float] = dict(db.execute(text(
        "SELECT x.employee_id, AVG(CASE WHEN COALESCE(es.level, 0) < ps.required_level "
        "THEN COALESCE(es.level, 0) - ps.required_level ELSE 0 END) FROM ("
        "  SELECT a.employee_id, a.position_id FROM assignments a JOIN employees e ON e.id = a.employee_id "
        "  WHERE a.position_id IS NOT NULL AND (a.end_date IS NULL OR a.end_date = e.exit_date)) x "
        "JOIN position_skills ps ON ps.position_id = x.position_id "
        "LEFT JOIN employee_skills es ON es.employee_id = x.employee_id AND es.skill_id = ps.skill_id "
        "AND es.source = 'self' GROUP BY x.employee_id")).all())
    assert np.mean([gap[e.id] for e in leavers]) < np.mean([gap[e.id] for e in stayers]) - 0.05


def test_high_performers_get_promoted() -> None:
    """Performance is latent (never written); the in-memory company of the same seed exposes it."""
    co = seeding.build(MEDIUM, seed=7, as_of=TODAY)
    h = co.history
    promotions = np.bincount(h.a_emp[h.a_reason == PROMOTION], minlength=h.n)
    base = h.active & (h.hire_day < h.start.toordinal())  # present for all five years
    lo, hi = np.quantile(h.perf[base], [1 / 3, 2 / 3])
    low, high = promotions[base][h.perf[base] < lo].mean(), promotions[base][h.perf[base] >= hi].mean()
    assert high > 2.5 * low, (low, high)
    # and voluntary leavers were not the strongest performers left behind by underpay alone: both sides exist
    vol = (~h.active) & (h.exit_reason == EXIT_VOLUNTARY)
    assert vol.sum() > 0.4 * MEDIUM


# --- determinism, guards, PostgreSQL --------------------------------------------------------------------------
def test_same_seed_same_rows_and_other_seed_differs(tmp_dir: Path) -> None:
    a, b, c = (make_engine(_fresh_sqlite(tmp_dir, f"det-{x}.db")) for x in "abc")
    try:
        seeding.seed(a, employees=SMALL, seed=3, as_of=TODAY)
        seeding.seed(b, employees=SMALL, seed=3, as_of=TODAY)
        seeding.seed(c, employees=SMALL, seed=4, as_of=TODAY)
        da, db_, dc = _dump(a), _dump(b), _dump(c)
        assert da == db_
        assert da["employees"] != dc["employees"] and da["positions"] != dc["positions"]
        with pytest.raises(Conflict, match=f"already has {len(da['employees']):,} employees"):
            seeding.seed(a, employees=SMALL, seed=3, as_of=TODAY)
    finally:
        for e in (a, b, c):
            e.dispose()


def test_bad_sizes_and_unmigrated_databases_are_refused(tmp_dir: Path) -> None:
    with pytest.raises(Invalid, match="employees must be between"):
        seeding.build(5, as_of=TODAY)
    with pytest.raises(Invalid, match="hcm db upgrade"):
        seeding.seed(f"sqlite:///{tmp_dir / 'empty.db'}", employees=SMALL, as_of=TODAY)


def test_tiny_company_still_has_every_demo_user() -> None:
    co = seeding.build(seeding.MIN_EMPLOYEES, seed=1, as_of=TODAY)
    assert int(co.history.active.sum()) == seeding.MIN_EMPLOYEES
    assert [u for u, _, e in co.users if e < 0] == []


def test_postgresql_gets_the_same_company(tmp_dir: Path) -> None:
    pg = lite = None
    with fresh_pg_database("hcm_seed") as url:
        try:
            migrate.upgrade(url)
            pg = make_engine(url)
            lite = make_engine(_fresh_sqlite(tmp_dir, "pg-twin.db"))
            fks = ("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                   "FROM pg_constraint WHERE contype = 'f'")
            with pg.connect() as conn:
                before = sorted(conn.execute(text(fks)).all())
            seeding.seed(pg, employees=SMALL, seed=5, as_of=TODAY)
            with pg.connect() as conn:  # the foreign keys dropped for the bulk load are all back
                assert sorted(conn.execute(text(fks)).all()) == before
            seeding.seed(lite, employees=SMALL, seed=5, as_of=TODAY)
            assert _dump(pg) == _dump(lite)
            with Session(pg) as s:  # the id sequences moved past the seeded rows
                s.add(Department(code="NEW", name="Created after seeding", parent_id=1))
                s.flush()
                s.rollback()
            with pytest.raises(Conflict):
                seeding.seed(pg, employees=SMALL, seed=5, as_of=TODAY)
        finally:
            for e in (pg, lite):
                if e is not None:
                    e.dispose()
