"""``build`` makes the synthetic company in memory; ``seed`` writes it into an empty, migrated database."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from hcm.auth.models import Role, User
from hcm.auth.security import hash_password
from hcm.db import make_engine
from hcm.errors import Conflict, Invalid
from hcm.org import events
from hcm.org.models import BusinessProcess, Department, Employee, Grade, JobFamily, Position, Skill
from hcm.seed import catalog as C
from hcm.seed.history import GENDERS, REASONS, History, simulate
from hcm.seed.org import IMPORTANCE, Org, build_org
from hcm.seed.people import SOURCES, SkillRecords, employee_skills, person_names
from hcm.seed.write import Row, Writer, chunked, iso_days

DEMO_PASSWORD = "demo-password"
DEMO_USERS: tuple[tuple[str, Role], ...] = (
    ("hr", Role.HR_ADMIN),
    ("exec", Role.EXECUTIVE),
    ("manager", Role.MANAGER),
    ("employee", Role.EMPLOYEE),
)
VACANCY_SHARE = 0.035  # posts left open at the end
MIN_EMPLOYEES = 10
MAX_EMPLOYEES = 1_000_000
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    employee_external_id: str | None
    employee_name: str | None
    position_title: str | None


@dataclass
class Company:
    """The whole synthetic company in memory (what ``seed`` writes)."""

    seed: int
    org: Org
    history: History
    first_names: list[str]
    last_names: list[str]
    emails: list[str]
    skills: SkillRecords
    users: list[tuple[str, Role, int]]  # (username, role, employee index or -1)

    def external_id(self, i: int) -> str:
        return f"E{i + 1:06d}"


@dataclass(frozen=True)
class SeedReport:
    company: str
    seed: int
    start: date
    as_of: date
    rows: dict[str, int]
    active_employees: int
    exited_employees: int
    positions: int
    vacant_positions: int
    key_positions: int
    departments: int
    divisions: int
    voluntary_turnover: tuple[float, ...]  # per simulated year
    users: tuple[DemoUser, ...]
    password: str
    seconds: float

    def __str__(self) -> str:
        turnover = ", ".join(f"{t:.1%}" for t in self.voluntary_turnover)
        logins = "; ".join(f"{u.username} ({u.role}{', ' + u.employee_name if u.employee_name else ''})"
                           for u in self.users)
        return (f"{self.company}: {self.active_employees:,} active employees (+{self.exited_employees:,} exited) on "
                f"{self.positions:,} positions ({self.vacant_positions:,} vacant, {self.key_positions:,} key) in "
                f"{self.departments:,} departments and {self.divisions} divisions; history {self.start} .. "
                f"{self.as_of} ({self.rows.get('assignments', 0):,} assignments, voluntary turnover {turnover}); "
                f"{sum(self.rows.values()):,} rows in {self.seconds:.1f} s. Log-ins (password "
                f"{self.password!r}): {logins}")


def _rngs(seed: int) -> list[np.random.Generator]:
    # One stream per stage: a change in one stage does not reshuffle the others.
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)]


def build(employees: int, *, as_of: date, seed: int = 42, progress: Progress | None = None) -> Company:
    """The synthetic company in memory as it stands on ``as_of`` (its history ends that day), deterministic by
    (employees, seed, as_of)."""
    if not MIN_EMPLOYEES <= employees <= MAX_EMPLOYEES:
        raise Invalid(f"employees must be between {MIN_EMPLOYEES} and {MAX_EMPLOYEES:,}, not {employees}",
                      field="employees")
    r_org, r_hist, r_names, r_skills = _rngs(seed)
    n_positions = max(employees + 1, round(employees / (1 - VACANCY_SHARE)))
    if progress is not None:
        progress("org structure", 0, 1)
    org = build_org(r_org, n_positions)
    if progress is not None:
        progress("org structure", 1, 1)
    hist = simulate(r_hist, org, employees=employees, as_of=as_of,
                    progress=(lambda d, t: progress("five years of history", d, t)) if progress else None)
    if progress is not None:
        progress("people and skills", 0, 1)
    first, last, emails = person_names(r_names, hist, org.domain)
    skills = employee_skills(r_skills, org, hist)
    if progress is not None:
        progress("people and skills", 1, 1)
    return Company(seed=seed, org=org, history=hist, first_names=first, last_names=last, emails=emails,
                   skills=skills, users=_demo_users(org, hist))


def _demo_users(org: Org, hist: History) -> list[tuple[str, Role, int]]:
    """hr -> the HR director, exec -> the CEO, manager -> a manager of a team with sub-teams, employee -> an
    individual contributor two levels below that manager (or the nearest there is)."""
    P = org.n_positions
    holder = np.full(P, -1, dtype=np.int64)
    act = np.flatnonzero(hist.active)
    holder[hist.pos[act]] = act
    ptr, kids = org.children()
    n_kids = np.diff(ptr)
    is_mgr = n_kids > 0
    # a manager with at least one manager below: a team of several levels
    has_sub = np.zeros(P, dtype=bool)
    np.logical_or.at(has_sub, org.pos_boss[is_mgr & (org.pos_boss >= 0)], True)
    ceo, hr = 0, org.hr_head
    base = (holder >= 0) & (org.pos_boss >= 0) & (np.arange(P) != hr)
    cands = np.zeros(0, dtype=np.int64)
    # best a middle manager with sub-teams; in a tiny company whoever manages anyone
    for ok in (base & has_sub & (org.pos_grade < 9), base & has_sub, base & is_mgr, (holder >= 0) & is_mgr):
        cands = np.flatnonzero(ok)
        if len(cands):
            break
    manager = -1
    employee = -1
    if len(cands):
        # about forty people below is a team one can look at on one page
        score = np.abs(np.log(org.pos_size[cands] / 40.0))
        mpos = int(cands[np.lexsort((cands, score))[0]])
        manager = int(holder[mpos])
        level1 = kids[ptr[mpos]: ptr[mpos + 1]]
        level2 = np.concatenate([kids[ptr[k]: ptr[k + 1]] for k in level1]) if len(level1) else level1
        for layer in (level2, level1):
            ics = layer[(n_kids[layer] == 0) & (holder[layer] >= 0)]
            if len(ics):
                employee = int(holder[int(ics.min())])
                break
    return [("hr", Role.HR_ADMIN, int(holder[hr])), ("exec", Role.EXECUTIVE, int(holder[ceo])),
            ("manager", Role.MANAGER, manager), ("employee", Role.EMPLOYEE, employee)]


# --- writing --------------------------------------------------------------------------------------------------
def _check_empty(conn: Connection) -> None:
    try:
        n = int(conn.execute(select(func.count()).select_from(Employee)).scalar_one())
    except (OperationalError, ProgrammingError) as exc:
        raise Invalid("the database has no schema yet: run `hcm db upgrade` before seeding") from exc
    if n:
        raise Conflict(f"database already has {n:,} employees; seed needs an empty database")
    for model in (Department, Position, Skill, JobFamily, Grade, BusinessProcess):
        if conn.execute(select(model.id).limit(1)).first() is not None:
            raise Conflict(f"database already has {model.__tablename__}; seed needs an empty database")
    taken = conn.execute(select(User.username).where(User.username.in_([u for u, _ in DEMO_USERS]))).scalars().all()
    if taken:
        raise Conflict(f"demo user {taken[0]!r} already exists; seed needs an empty database")


def _j(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _write(conn: Connection, co: Company, *, password_hash: str, progress: Progress | None) -> dict[str, int]:
    org, h, sk = co.org, co.history, co.skills
    ts = f"{h.as_of.isoformat()} 00:00:00.000000"  # deterministic: rows are stamped with the as-of day
    P, D, n = org.n_positions, len(org.dept_code), h.n
    n_req = len(org.req_skill)
    n_asg = len(h.a_emp)
    n_sk = len(sk.emp)
    proc_links = sorted({(pi + 1, d + 1) for pi, p in enumerate(org.processes) for d in p[4]})
    users = [(u, r, e) for u, r, e in co.users]
    n_out = D + len(C.FAMILIES) + len(org.skill_code) + P + n + n_req + n_sk + 1
    total = (D + len(C.FAMILIES) + len(C.RELATED_FAMILIES) + len(C.GRADES) + P + len(org.processes) + len(proc_links)
             + len(org.skill_code) + n_req + n + n_asg + n_sk + len(users) + n_out)
    w = Writer(conn, total=total, progress=progress)
    w.drop_foreign_keys(("departments", "positions", "business_processes", "process_departments", "position_skills",
                         "employees", "assignments", "employee_skills", "users"))

    dept_code = org.dept_code
    pos_code = [f"P{i + 1:06d}" for i in range(P)]
    ext = [co.external_id(i) for i in range(n)]
    parent = org.dept_parent.tolist()
    w.rows("departments", ("id", "code", "name", "parent_id", "created_at", "updated_at"),
           [[(i + 1, dept_code[i], org.dept_name[i], parent[i] + 1 if parent[i] >= 0 else None, ts, ts)
             for i in range(D)]])
    w.rows("job_families", ("id", "code", "name"), [[(i + 1, f.code, f.name) for i, f in enumerate(C.FAMILIES)]])
    fam_id = {f.code: i + 1 for i, f in enumerate(C.FAMILIES)}
    w.rows("job_family_relations", ("family_id", "related_id"),
           [[tuple(sorted((fam_id[a], fam_id[b]))) for a, b in C.RELATED_FAMILIES]])
    w.rows("grades", ("id", "code", "name", "level", "pay_min", "pay_mid", "pay_max"),
           [[(lvl, code, name, lvl, *C.band(lvl)) for lvl, (code, name, _) in enumerate(C.GRADES, start=1)]])
    pd_, pg, pf, pb, pk = (org.pos_dept.tolist(), org.pos_grade.tolist(), org.pos_family.tolist(),
                           org.pos_boss.tolist(), org.pos_key.tolist())
    w.rows("positions", ("id", "code", "title", "department_id", "grade_id", "job_family_id", "reports_to_id",
                         "is_key", "is_active", "created_at", "updated_at"),
           chunked(P, lambda lo, hi: [(i + 1, pos_code[i], org.pos_title[i], pd_[i] + 1, pg[i], pf[i] + 1,
                                       pb[i] + 1 if pb[i] >= 0 else None, pk[i], True, ts, ts) for i in range(lo, hi)]))
    w.update("departments", "head_position_id", [(int(org.dept_head[i]) + 1, i + 1) for i in range(D)])
    w.rows("business_processes", ("id", "code", "name", "description", "owner_department_id"),
           [[(i + 1, code, name, desc, owner + 1) for i, (code, name, desc, owner, _) in enumerate(org.processes)]])
    w.rows("process_departments", ("process_id", "department_id"), [proc_links])
    w.rows("skills", ("id", "code", "name", "category"),
           [[(i + 1, org.skill_code[i], org.skill_name[i], org.skill_category[i]) for i in range(len(org.skill_code))]])
    req_pos = np.repeat(np.arange(P), np.diff(org.req_ptr))
    rp, rs, rl, ri = req_pos.tolist(), org.req_skill.tolist(), org.req_level.tolist(), org.req_importance.tolist()
    w.rows("position_skills", ("id", "position_id", "skill_id", "required_level", "importance"),
           chunked(n_req, lambda lo, hi: [(j + 1, rp[j] + 1, rs[j] + 1, rl[j], IMPORTANCE[ri[j]]) for j in range(lo, hi)]))

    hire, exit_ = iso_days(h.hire_day), iso_days(h.exit_day)
    cur = h.pos.tolist()
    status = ["active" if a else "exited" for a in h.active.tolist()]
    salary, gender, born = h.salary.tolist(), h.gender.tolist(), h.birth_year.tolist()
    first, last, email = co.first_names, co.last_names, co.emails
    w.rows("employees", ("id", "external_id", "first_name", "last_name", "email", "hire_date", "position_id",
                         "status", "exit_date", "salary", "gender", "birth_year", "created_at", "updated_at"),
           chunked(n, lambda lo, hi: [(i + 1, ext[i], first[i], last[i], email[i], hire[i],
                                       cur[i] + 1 if cur[i] >= 0 else None, status[i], exit_[i], salary[i],
                                       GENDERS[gender[i]], born[i], ts, ts) for i in range(lo, hi)]))
    a_start, a_end = iso_days(h.a_start), iso_days(h.a_end)
    ae, ap, ar = h.a_emp.tolist(), h.a_pos.tolist(), h.a_reason.tolist()
    asal = [None if s != s else s for s in h.a_salary.tolist()]  # NaN (exit rows) -> NULL
    w.rows("assignments", ("id", "employee_id", "position_id", "start_date", "end_date", "reason", "salary",
                           "created_at"),
           chunked(n_asg, lambda lo, hi: [(j + 1, ae[j] + 1, ap[j] + 1 if ap[j] >= 0 else None, a_start[j], a_end[j],
                                           REASONS[ar[j]], asal[j], ts) for j in range(lo, hi)]))
    se, ss, sl, so = sk.emp.tolist(), sk.skill.tolist(), sk.level.tolist(), sk.source.tolist()
    sd = iso_days(sk.day)
    w.rows("employee_skills", ("id", "employee_id", "skill_id", "level", "source", "assessed_on"),
           chunked(n_sk, lambda lo, hi: [(j + 1, se[j] + 1, ss[j] + 1, sl[j], SOURCES[so[j]], sd[j])
                                         for j in range(lo, hi)]))
    w.rows("users", ("username", "password_hash", "role", "employee_id", "is_active", "created_at"),
           [[(u, password_hash, r.value, e + 1 if e >= 0 else None, True, ts) for u, r, e in users]])

    # The outbox: one event per row the talent graph projects, in dependency order, built by hcm.org.events
    # like every other writer of these topics.
    cols = ("topic", "key", "op", "payload", "created_at", "attempts")

    def ev(event: tuple[str, str, dict[str, object]]) -> Row:
        topic, key, payload = event
        return (topic, key, "upsert", _j(payload), ts, 0)

    w.rows("outbox", cols, [[ev(events.department(dept_code[i], name=org.dept_name[i],
                                                  parent=dept_code[parent[i]] if parent[i] >= 0 else None))
                             for i in range(D)]])
    w.rows("outbox", cols, [[ev(events.skill(org.skill_code[i], name=org.skill_name[i], category=org.skill_category[i]))
                             for i in range(len(org.skill_code))]])
    related: dict[str, list[str]] = {f.code: [] for f in C.FAMILIES}
    for a, b in C.RELATED_FAMILIES:
        related[a].append(b)
        related[b].append(a)
    w.rows("outbox", cols, [[ev(events.job_family(f.code, name=f.name, related=related[f.code])) for f in C.FAMILIES]])
    fam_code = [f.code for f in C.FAMILIES]
    grade_code = [code for code, _, _ in C.GRADES]
    w.rows("outbox", cols, chunked(P, lambda lo, hi: [ev(events.position(
        pos_code[i], title=org.pos_title[i], department=dept_code[pd_[i]],
        reports_to=pos_code[pb[i]] if pb[i] >= 0 else None, is_key=pk[i], active=True, family=fam_code[pf[i]],
        grade=grade_code[pg[i] - 1], grade_level=pg[i])) for i in range(lo, hi)]))
    w.rows("outbox", cols, chunked(n, lambda lo, hi: [ev(events.employee(
        ext[i], name=f"{first[i]} {last[i]}", status=status[i], position=pos_code[cur[i]] if cur[i] >= 0 else None))
        for i in range(lo, hi)]))
    w.rows("outbox", cols, chunked(n_req, lambda lo, hi: [ev(events.requirement(
        pos_code[rp[j]], org.skill_code[rs[j]], level=rl[j], importance=IMPORTANCE[ri[j]])) for j in range(lo, hi)]))
    w.rows("outbox", cols, chunked(n_sk, lambda lo, hi: [ev(events.employee_skill(
        ext[se[j]], org.skill_code[ss[j]], level=sl[j], source=SOURCES[so[j]])) for j in range(lo, hi)]))
    # the history is in: the graph derives its career steps from it
    w.rows("outbox", cols, [[ev(events.career_history("seed"))]])
    w.restore_foreign_keys()
    w.finish(("departments", "job_families", "grades", "positions", "business_processes", "skills", "position_skills",
              "employees", "assignments", "employee_skills", "users", "outbox"))
    return w.counts


def seed(engine_or_url: Engine | str, *, employees: int, as_of: date, seed: int = 42,
         progress: Progress | None = None) -> SeedReport:
    """Build a synthetic company of exactly ``employees`` active people on ``as_of`` (its history ends that day;
    deterministic by ``seed`` and ``as_of``) into an empty, migrated database, in one transaction. Raises
    ``Conflict`` when the database already holds org data. ``progress(phase, done, total)`` is called as phases
    advance."""
    started = time.perf_counter()
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        with engine.connect() as conn:
            _check_empty(conn)
        co = build(employees, as_of=as_of, seed=seed, progress=progress)
        password_hash = hash_password(DEMO_PASSWORD)  # once: Argon2 is slow on purpose
        with engine.begin() as conn:
            _check_empty(conn)
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:  # a bigger page cache for this connection while the indexes fill, then back to the default
                conn.exec_driver_sql("PRAGMA cache_size=-262144")
            try:
                counts = _write(conn, co, password_hash=password_hash, progress=progress)
            finally:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA cache_size=-2000")
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:  # fold the big write-ahead log back into the file
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        if isinstance(engine_or_url, str):
            engine.dispose()
    org, h = co.org, co.history
    holder_title = {int(e): org.pos_title[int(h.pos[e])] for _, _, e in co.users if e >= 0}
    return SeedReport(
        company=org.company, seed=seed, start=h.start, as_of=h.as_of, rows=counts,
        active_employees=int(h.active.sum()), exited_employees=int((~h.active).sum()),
        positions=org.n_positions, vacant_positions=org.n_positions - int(h.active.sum()),
        key_positions=int(org.pos_key.sum()), departments=len(org.dept_code), divisions=len(org.divisions),
        voluntary_turnover=tuple(round(t, 4) for t in h.voluntary_turnover),
        users=tuple(DemoUser(u, r.value, co.external_id(e) if e >= 0 else None,
                             f"{co.first_names[e]} {co.last_names[e]}" if e >= 0 else None, holder_title.get(e))
                    for u, r, e in co.users),
        password=DEMO_PASSWORD, seconds=round(time.perf_counter() - started, 2),
    )
