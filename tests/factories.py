"""Small, known org structures for tests: the platform's own data (departments, posts, people, users). Each
module's tests have their own factories next to them (tests/performance/factories.py). Users share one
precomputed password hash (Argon2 is deliberately slow; hashing once keeps the suite fast without weakening
the real code path)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import count

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hcm.auth.models import Role, User
from hcm.auth.security import hash_password
from hcm.org.models import (
    Assignment,
    Department,
    Employee,
    Gender,
    Grade,
    JobFamily,
    MoveReason,
    Position,
    Skill,
)
from hcm.policy import Principal

PASSWORD = "correct-horse-42"
_seq = count(1)


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


def department(db: Session, *, code: str | None = None, name: str | None = None,
               parent: Department | None = None) -> Department:
    n = next(_seq)
    d = Department(code=code or f"D{n}", name=name or f"Department {n}", parent_id=parent.id if parent else None)
    db.add(d)
    db.flush()
    return d


def grade(db: Session, *, code: str | None = None, level: int = 5) -> Grade:
    n = next(_seq)
    g = Grade(code=code or f"G{n}", name=f"Grade {level}", level=level, pay_min=Decimal(40000 + 5000 * level),
              pay_mid=Decimal(50000 + 5000 * level), pay_max=Decimal(60000 + 5000 * level))
    db.add(g)
    db.flush()
    return g


def job_family(db: Session, *, code: str | None = None) -> JobFamily:
    n = next(_seq)
    jf = JobFamily(code=code or f"JF{n}", name=f"Family {n}")
    db.add(jf)
    db.flush()
    return jf


def position(db: Session, *, dept: Department, title: str = "Specialist", code: str | None = None,
             reports_to: Position | None = None, is_key: bool = False, grade_: Grade | None = None) -> Position:
    n = next(_seq)
    p = Position(code=code or f"P{n}", title=title, department_id=dept.id, is_key=is_key,
                 reports_to_id=reports_to.id if reports_to else None, grade_id=grade_.id if grade_ else None)
    db.add(p)
    db.flush()
    return p


def employee(db: Session, *, pos: Position | None, external_id: str | None = None, first: str = "Alex",
             last: str | None = None, hired: date = date(2020, 1, 6), salary: int = 60000) -> Employee:
    n = next(_seq)
    e = Employee(external_id=external_id or f"E{n}", first_name=first, last_name=last or f"Person{n}",
                 email=f"e{n}@example.com", hire_date=hired, position_id=pos.id if pos else None,
                 salary=Decimal(salary), gender=Gender.FEMALE if n % 2 else Gender.MALE, birth_year=1980 + n % 20)
    db.add(e)
    db.flush()
    if pos is not None:
        db.add(Assignment(employee_id=e.id, position_id=pos.id, start_date=hired, reason=MoveReason.HIRE,
                          salary=Decimal(salary)))
        db.flush()
    return e


def user(db: Session, *, username: str, role: Role, emp: Employee | None = None) -> User:
    u = User(username=username, password_hash=password_hash(), role=role, employee_id=emp.id if emp else None)
    db.add(u)
    db.flush()
    return u


def skill(db: Session, *, code: str | None = None, name: str | None = None, category: str = "technical") -> Skill:
    n = next(_seq)
    s = Skill(code=code or f"S{n}", name=name or f"Skill {n}", category=category)
    db.add(s)
    db.flush()
    return s


@dataclass
class Org:
    """A small company with one person per role, used across the authorization tests.

    root (company)
      ceo_pos (key)            <- ceo  (user 'exec', executive)
        ops_head_pos (key)     <- boss (user 'manager', manager)
          team_pos_1           <- alice (user 'employee', employee)
          team_pos_2           <- bob
            deep_pos           <- dana   (in boss's subtree through bob)
        sales_head_pos         <- carol  (outside boss's subtree)
    plus user 'hr' (hr_admin) linked to nobody.
    """

    root: Department
    ops: Department
    sales: Department
    positions: dict[str, Position] = field(default_factory=dict)
    people: dict[str, Employee] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def principal(self, username: str) -> Principal:
        """The caller the services see for that user of this org (as hcm.policy builds it from a request)."""
        u = self.users[username]
        emp = next((e for e in self.people.values() if e.id == u.employee_id), None)
        return Principal(u.id, u.username, Role(u.role), u.employee_id, emp.position_id if emp else None)


def small_org(db: Session) -> Org:
    root = department(db, code="CO", name="Company")
    ops = department(db, code="OPS", name="Operations", parent=root)
    sales = department(db, code="SAL", name="Sales", parent=root)
    g = grade(db, code="GX")
    org = Org(root=root, ops=ops, sales=sales)
    P = org.positions
    P["ceo"] = position(db, dept=root, title="Chief Executive", code="CEO", is_key=True, grade_=g)
    P["ops_head"] = position(db, dept=ops, title="Head of Operations", code="OPS-H", reports_to=P["ceo"],
                             is_key=True, grade_=g)
    P["team1"] = position(db, dept=ops, title="Operations Analyst", code="OPS-1", reports_to=P["ops_head"])
    P["team2"] = position(db, dept=ops, title="Operations Lead", code="OPS-2", reports_to=P["ops_head"])
    P["deep"] = position(db, dept=ops, title="Operations Clerk", code="OPS-3", reports_to=P["team2"])
    P["sales_head"] = position(db, dept=sales, title="Head of Sales", code="SAL-H", reports_to=P["ceo"])
    P["vacant"] = position(db, dept=sales, title="Sales Rep", code="SAL-1", reports_to=P["sales_head"])
    E = org.people
    E["ceo"] = employee(db, pos=P["ceo"], external_id="X-CEO", first="Cora", last="Chief", salary=250000)
    E["boss"] = employee(db, pos=P["ops_head"], external_id="X-BOSS", first="Bruno", last="Boss", salary=150000)
    E["alice"] = employee(db, pos=P["team1"], external_id="X-ALICE", first="Alice", last="Analyst")
    E["bob"] = employee(db, pos=P["team2"], external_id="X-BOB", first="Bob", last="Lead")
    E["dana"] = employee(db, pos=P["deep"], external_id="X-DANA", first="Dana", last="Clerk")
    E["carol"] = employee(db, pos=P["sales_head"], external_id="X-CAROL", first="Carol", last="Seller")
    U = org.users
    U["hr"] = user(db, username="hr", role=Role.HR_ADMIN)
    U["exec"] = user(db, username="exec", role=Role.EXECUTIVE, emp=E["ceo"])
    U["manager"] = user(db, username="manager", role=Role.MANAGER, emp=E["boss"])
    U["employee"] = user(db, username="employee", role=Role.EMPLOYEE, emp=E["alice"])
    return org


def login(db: Session, org: Org, person: str, role: Role = Role.EMPLOYEE) -> User:
    """A login for one of the org's people, under their key as the username (``org.users[person]``)."""
    org.users[person] = user(db, username=person, role=role, emp=org.people[person])
    return org.users[person]


def count(db: Session, model: type) -> int:
    """Rows of a table, for the tests that show a refused write wrote nothing."""
    return db.scalar(select(func.count()).select_from(model)) or 0


def bearer(user: User) -> dict[str, str]:
    """API headers for a user: a signed token, issued directly (the log-in itself is tested on its own; an
    Argon2 check per request would dominate the suite's time)."""
    from hcm.auth.security import issue_token
    from hcm.settings import get_settings

    token = issue_token(user_id=user.id, role=Role(user.role).value, secret=get_settings().secret_key, ttl_minutes=30)
    return {"Authorization": f"Bearer {token}"}


def principal(db: Session, user: User) -> Principal:
    """The caller the services see for ``user`` (as hcm.policy builds it from a request); for a user of a small
    org, ``org.principal(username)``."""
    pos = db.get(Employee, user.employee_id).position_id if user.employee_id else None  # type: ignore[union-attr]
    return Principal(user.id, user.username, Role(user.role), user.employee_id, pos)


@contextmanager
def today_pinned(day: date) -> Iterator[None]:
    """``hcm.clock.today()`` is ``day`` inside (``HCM_TODAY``): for pages that open on, or show, today."""
    from hcm.settings import get_settings

    before = os.environ.get("HCM_TODAY")
    os.environ["HCM_TODAY"] = day.isoformat()
    get_settings.cache_clear()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("HCM_TODAY", None)
        else:
            os.environ["HCM_TODAY"] = before
        get_settings.cache_clear()
