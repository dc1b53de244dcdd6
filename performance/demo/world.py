"""The org as the database holds it (``_World``, loaded once per run) and the people's latent performance,
from the ``hcm.seed`` company when the database is one, else derived from what the data shows."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from hcm import seed as seeding
from hcm.auth.models import Role, User
from hcm.errors import Invalid
from hcm.org.models import (
    Assignment,
    BusinessProcess,
    Department,
    Employee,
    EmployeeStatus,
    Grade,
    JobFamily,
    Position,
    process_departments,
)
from performance.demo.catalog import FAMILY_GOALS, NO_DAY, PERF_RHO
from performance.demo.helpers import _code, _mi


# --- the org as the database holds it ---------------------------------------------------------------------------
@dataclass
class _World:
    as_of: date
    seeded_on: date | None
    emp_id: np.ndarray  # row -> employee id
    ext: list[str]
    hire: np.ndarray  # day ordinals
    exit: np.ndarray  # NO_DAY when active
    active: np.ndarray
    cur_pos: np.ndarray  # position id, 0 when none
    salary: np.ndarray  # NaN when unknown
    birth: np.ndarray  # NaN when unknown
    pos_dept: dict[int, int]
    pos_boss: dict[int, int | None]
    pos_grade: dict[int, int]
    pos_mid: dict[int, float]
    pos_family: dict[int, str]
    pos_title: dict[int, str]
    pos_code: dict[int, str]
    dept_parent: dict[int, int | None]
    dept_code: dict[int, str]
    dept_name: dict[int, str]
    dept_head: dict[int, int | None]
    processes: list[tuple[int, str, str, int | None, list[int]]]  # id, code, name, owner dept, departments
    a_emp: np.ndarray  # assignment rows: employee row, position id (0 on exit rows), start, end days, reason
    a_pos: np.ndarray
    a_start: np.ndarray
    a_end: np.ndarray
    a_reason: np.ndarray  # 1 promotion, -1 demotion, 0 otherwise
    user_of: dict[int, int]  # employee row -> user id
    hr_user: int | None
    hr_emp_row: int
    depth: dict[int, int] = field(default_factory=dict)
    goal_dept: dict[int, int | None] = field(default_factory=dict)
    family_of_dept: dict[int, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.emp_id)

    def employed(self, day: int) -> np.ndarray:
        return (self.hire <= day) & (self.exit > day)

    def unit_above(self, unit: int) -> int | None:
        """The goal unit above a goal unit (a department's division), None at the top."""
        parent = self.dept_parent.get(unit)
        return self.goal_dept.get(parent) if parent is not None else None

    def snapshot(self, day: int) -> dict[int, int]:
        """position id -> employee row holding it at ``day``."""
        if day >= self.as_of.toordinal():
            return {int(p): int(e) for e, p in enumerate(self.cur_pos.tolist()) if p and self.active[e]}
        if len(self.a_emp):
            cover = (self.a_start <= day) & (day < self.a_end) & (self.a_pos > 0)
            idx = np.flatnonzero(cover)
            return dict(zip(self.a_pos[idx].tolist(), self.a_emp[idx].tolist(), strict=True))
        ok = self.employed(day) & (self.cur_pos > 0)
        return {int(self.cur_pos[e]): int(e) for e in np.flatnonzero(ok)}


def _load(conn: Connection, as_of: date) -> _World:
    emps = conn.execute(select(Employee.id, Employee.external_id, Employee.hire_date, Employee.exit_date,
                               Employee.status, Employee.position_id, Employee.salary, Employee.birth_year)
                        .order_by(Employee.id)).all()
    row_of = {r.id: i for i, r in enumerate(emps)}
    emp_id = np.asarray([r.id for r in emps], dtype=np.int64)
    hire = np.asarray([r.hire_date.toordinal() for r in emps], dtype=np.int64)
    exit_ = np.asarray([r.exit_date.toordinal() if r.exit_date else NO_DAY for r in emps], dtype=np.int64)
    active = np.asarray([r.status == EmployeeStatus.ACTIVE.value or r.status == EmployeeStatus.ACTIVE for r in emps],
                        dtype=bool)
    exit_[active] = NO_DAY
    cur_pos = np.asarray([r.position_id or 0 for r in emps], dtype=np.int64)
    salary = np.asarray([float(r.salary) if r.salary is not None else np.nan for r in emps], dtype=float)
    birth = np.asarray([float(r.birth_year) if r.birth_year is not None else np.nan for r in emps], dtype=float)

    pos = conn.execute(select(Position.id, Position.code, Position.department_id, Position.reports_to_id, Position.title,
                              Grade.level, Grade.pay_mid, JobFamily.code.label("family"))
                       .outerjoin(Grade, Grade.id == Position.grade_id)
                       .outerjoin(JobFamily, JobFamily.id == Position.job_family_id)).all()
    depts = conn.execute(select(Department.id, Department.code, Department.name, Department.parent_id,
                                Department.head_position_id).order_by(Department.id)).all()
    links: dict[int, list[int]] = defaultdict(list)
    for pid, did in conn.execute(select(process_departments.c.process_id, process_departments.c.department_id)
                                 .order_by(process_departments.c.process_id, process_departments.c.department_id)):
        links[pid].append(did)
    procs = [(r.id, r.code, r.name, r.owner_department_id, links.get(r.id, []))
             for r in conn.execute(select(BusinessProcess.id, BusinessProcess.code, BusinessProcess.name,
                                          BusinessProcess.owner_department_id).order_by(BusinessProcess.id))]
    asg = conn.execute(select(Assignment.employee_id, Assignment.position_id, Assignment.start_date,
                              Assignment.end_date, Assignment.reason).order_by(Assignment.id)).all()
    reason_code = {"promotion": 1, "demotion": -1}
    users = conn.execute(select(User.id, User.username, User.employee_id, User.role).order_by(User.id)).all()
    user_of = {row_of[u.employee_id]: u.id for u in users if u.employee_id in row_of}
    hr = next((u for u in users if u.username == "hr"), None) or next(
        (u for u in users if str(u.role) in (Role.HR_ADMIN.value, str(Role.HR_ADMIN))), None)
    seeded = conn.execute(select(func.max(Department.created_at))).scalar()
    if isinstance(seeded, str):
        seeded = datetime.fromisoformat(seeded)
    w = _World(
        as_of=as_of, seeded_on=seeded.date() if seeded is not None else None,
        emp_id=emp_id, ext=[r.external_id for r in emps], hire=hire, exit=exit_, active=active, cur_pos=cur_pos,
        salary=salary, birth=birth,
        pos_dept={r.id: r.department_id for r in pos}, pos_boss={r.id: r.reports_to_id for r in pos},
        pos_grade={r.id: int(r.level or 3) for r in pos},
        pos_mid={r.id: float(r.pay_mid) if r.pay_mid is not None else np.nan for r in pos},
        pos_family={r.id: r.family or "" for r in pos}, pos_title={r.id: r.title for r in pos},
        pos_code={r.id: _code(r.code) for r in pos},
        dept_parent={r.id: r.parent_id for r in depts}, dept_code={r.id: _code(r.code) for r in depts},
        dept_name={r.id: r.name for r in depts}, dept_head={r.id: r.head_position_id for r in depts},
        processes=procs,
        a_emp=np.asarray([row_of[a.employee_id] for a in asg], dtype=np.int64),
        a_pos=np.asarray([a.position_id or 0 for a in asg], dtype=np.int64),
        a_start=np.asarray([a.start_date.toordinal() for a in asg], dtype=np.int64),
        a_end=np.asarray([a.end_date.toordinal() if a.end_date else NO_DAY for a in asg], dtype=np.int64),
        a_reason=np.asarray([reason_code.get(str(getattr(a.reason, "value", a.reason)), 0) for a in asg], dtype=np.int64),
        user_of=user_of, hr_user=hr.id if hr else None,
        hr_emp_row=row_of.get(hr.employee_id, -1) if hr and hr.employee_id else -1,
    )
    _shape_departments(w)
    return w


def _shape_departments(w: _World) -> None:
    """Depth of each department; the unit whose goals a department's posts support (the division or
    second-level department above it); the job family that names each unit's goals."""
    for d in w.dept_parent:
        k, cur = 0, w.dept_parent[d]
        while cur is not None and k < 64:
            k, cur = k + 1, w.dept_parent.get(cur)
        w.depth[d] = k
    units = {d for d, k in w.depth.items() if k in (1, 2)} or set(w.depth)
    for d in w.dept_parent:
        unit: int | None = d
        while unit is not None and unit not in units:
            unit = w.dept_parent.get(unit)
        w.goal_dept[d] = unit
    fam_count: dict[int, Counter[str]] = defaultdict(Counter)
    for p, d in w.pos_dept.items():
        g = w.goal_dept.get(d)
        if g is not None and w.pos_family[p]:
            fam_count[g][w.pos_family[p]] += 1
    for d in units:
        head = w.dept_head.get(d)
        fam = w.pos_family.get(head, "") if head else ""
        if fam not in FAMILY_GOALS:
            common = [f for f, _ in fam_count[d].most_common() if f in FAMILY_GOALS]
            fam = common[0] if common else "OPS"
        w.family_of_dept[d] = fam


# --- the latent performance -------------------------------------------------------------------------------------
def _latent(w: _World, org_seed: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, str]:
    """Per employee row: the latent performance at an anchor month, and that month (``_mi``). From the
    ``hcm.seed`` company itself when the database is one (verified row by row), else derived."""
    n_active = int(w.active.sum())
    if w.seeded_on is not None and seeding.MIN_EMPLOYEES <= n_active <= 200_000:
        try:
            co = seeding.build(n_active, seed=org_seed, as_of=w.seeded_on)
        except Invalid:
            co = None
        if co is not None and _same_people(co, w):
            h = co.history
            exit_m = np.asarray([_mi(date.fromordinal(int(d))) if d != NO_DAY else 0 for d in w.exit.tolist()])
            anchor = np.where(w.active, _mi(w.seeded_on), exit_m)
            return h.perf.astype(float), anchor, f"the org seed's own latent (hcm.seed company rebuilt from seed {org_seed})"
    # Derived: recent promotions and demotions and the position in the pay band, plus noise.
    now = w.as_of.toordinal()
    recent = w.a_start >= now - 3 * 365
    promos = np.bincount(w.a_emp[recent & (w.a_reason == 1)], minlength=w.n).astype(float)
    demos = np.bincount(w.a_emp[recent & (w.a_reason == -1)], minlength=w.n).astype(float)
    last_pos = w.cur_pos.copy()
    if len(w.a_emp):
        held = w.a_pos > 0
        last_pos[w.a_emp[held]] = np.where(last_pos[w.a_emp[held]] > 0, last_pos[w.a_emp[held]], w.a_pos[held])
    mid = np.asarray([w.pos_mid.get(int(p), np.nan) for p in last_pos.tolist()])
    cr = np.nan_to_num(w.salary / mid - 1.0, nan=0.0)
    signal = 0.9 * promos - 1.2 * demos + 6.0 * cr
    sd = float(signal.std()) or 1.0
    z = 0.55 * (signal - signal.mean()) / sd + np.sqrt(1 - 0.55**2) * rng.normal(0, 1, w.n)
    exit_m = np.asarray([_mi(date.fromordinal(int(d))) if d != NO_DAY else _mi(w.as_of) for d in w.exit.tolist()])
    return z, exit_m, "derived from promotions, demotions and pay position (no hcm.seed company to rebuild)"


def _same_people(co: Any, w: _World) -> bool:
    """Is the database exactly the company ``hcm.seed`` builds (same people, hire days, posts)?"""
    h = co.history
    return bool(h.n == w.n and np.array_equal(w.emp_id, np.arange(1, h.n + 1))
                and [co.external_id(i) for i in range(h.n)] == w.ext
                and np.array_equal(h.hire_day, w.hire) and np.array_equal(h.active, w.active)
                and np.array_equal(np.where(h.pos >= 0, h.pos + 1, 0), w.cur_pos))


def _paths(perf: np.ndarray, anchor: np.ndarray, first: int, last: int, rng: np.random.Generator) -> np.ndarray:
    """Monthly latent paths over months ``first..last`` (``_mi``), through each person's anchor value,
    with the AR(1) of the org seed (a stationary AR(1) runs the same way backwards)."""
    lo, hi = min(first, int(anchor.min())), max(last, int(anchor.max()))
    m = hi - lo + 1
    a = anchor - lo
    s = np.sqrt(1 - PERF_RHO**2)
    eps = rng.normal(0, 1, (len(perf), m))
    out = np.zeros((len(perf), m))
    for j in range(m - 1, -1, -1):
        nxt = out[:, j + 1] if j + 1 < m else np.zeros(len(perf))
        out[:, j] = np.where(a == j, perf, np.where(j < a, PERF_RHO * nxt + s * eps[:, j], 0.0))
    for j in range(1, m):
        out[:, j] = np.where(j > a, PERF_RHO * out[:, j - 1] + s * eps[:, j], out[:, j])
    return out[:, first - lo: last - lo + 1]
