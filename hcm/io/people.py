"""Imports of people: employees (the current state, with the history rows a change implies), assignments
(the full career history of the employees in the file) and proficiencies (employee skills)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hcm.io.base import (
    Ctx,
    ImportReport,
    Spec,
    bulk_insert,
    bulk_update,
    check_new_key,
    emit_bulk,
    first_rows,
    key_ids,
    load,
    plan_upsert,
    same,
    unique_values,
    write_plan,
)
from hcm.io.parse import EMAIL_RE, Cells
from hcm.org import events
from hcm.org.models import (
    Assignment,
    Employee,
    EmployeeSkill,
    EmployeeStatus,
    Gender,
    Grade,
    MoveReason,
    Position,
    Skill,
    SkillSource,
)

UNSET: Any = object()
ACTIVE, EXITED = EmployeeStatus.ACTIVE, EmployeeStatus.EXITED
EXITS = (MoveReason.EXIT_VOLUNTARY, MoveReason.EXIT_INVOLUNTARY)
DAY = timedelta(days=1)

EMPLOYEES = Spec(
    ("external_id", "first_name", "last_name", "email", "hire_date", "position_code", "salary", "gender", "birth_year",
     "status", "exit_date", "exit_reason"),
    ("external_id", "first_name", "last_name", "hire_date"),
)
ASSIGNMENTS = Spec(
    ("employee_external_id", "position_code", "start_date", "end_date", "reason", "salary", "note"),
    ("employee_external_id", "position_code", "start_date", "reason"),
)
PROFICIENCIES = Spec(
    ("employee_external_id", "skill_code", "level", "source", "assessed_on"),
    ("employee_external_id", "skill_code", "level", "source", "assessed_on"),
)


@dataclass(frozen=True)
class Post:
    id: int
    code: str
    active: bool
    level: int | None


def _posts(db: Session) -> dict[str, Post]:
    rows = db.execute(select(Position.id, Position.code, Position.is_active, Grade.level)
                      .outerjoin(Grade, Grade.id == Position.grade_id)).all()
    return {code: Post(i, code, active, level) for i, code, active, level in rows}


def _move_reason(old: Post | None, new: Post) -> MoveReason:
    if old is None or old.level is None or new.level is None or old.level == new.level:
        return MoveReason.LATERAL
    return MoveReason.PROMOTION if new.level > old.level else MoveReason.DEMOTION


def _holders(rows: list[tuple[Cells, str, int | None]], in_file: set[str], db_holder: dict[str, int | None],
             code_of: dict[int, str]) -> None:
    """One holder per post after the import: the file's people plus the database's people not in the file."""
    taken: dict[int, tuple[str, Cells | None]] = {}
    for ext, pid in db_holder.items():
        if pid is not None and ext not in in_file:
            taken[pid] = (ext, None)
    for c, ext, pid in rows:
        if pid is None:
            continue
        other = taken.setdefault(pid, (ext, c))
        if other[0] == ext:
            continue
        if other[1] is not None:
            c.error("position_code", f"position {code_of[pid]!r} would be held by two employees in this file: "
                                     f"{other[0]!r} (row {other[1].row}) and {ext!r}")
        else:
            c.error("position_code", f"position {code_of[pid]!r} is held by employee {other[0]!r}, who is not in "
                                     "this file; move them first")


def _emit_employees(db: Session, people: dict[str, dict[str, Any]], code_of: dict[int, str]) -> None:
    emit_bulk(db, (events.employee(ext, name=f"{p['first_name']} {p['last_name']}", status=p["status"].value,
                                   position=code_of.get(p["position_id"]) if p["position_id"] else None)
                   for ext, p in people.items()))


# --- employees -----------------------------------------------------------------------------------
@dataclass
class _Emp:
    c: Cells
    ext: str
    f: dict[str, Any]
    pos: Any  # position code, None (no post) or UNSET (column absent)
    status: EmployeeStatus | None
    exit_date: Any
    exit_reason: MoveReason | None
    final: dict[str, Any] = field(default_factory=dict)


def import_employees(ctx: Ctx) -> ImportReport:
    db = ctx.db
    attrs = ["first_name", "last_name", "email", "hire_date", "position_id", "status", "exit_date", "salary", "gender",
             "birth_year"]
    existing = load(db, Employee.external_id, attrs)
    posts = _posts(db)
    code_of = {p.id: p.code for p in posts.values()}
    post_by_id = {p.id: p for p in posts.values()}
    open_asg: dict[int, tuple[int, date, int | None]] = {}
    for aid, eid, start, pid in db.execute(select(Assignment.id, Assignment.employee_id, Assignment.start_date,
                                                  Assignment.position_id).where(Assignment.end_date.is_(None))
                                           .order_by(Assignment.start_date, Assignment.id)).all():
        open_asg[eid] = (aid, start, pid)
    with_history = set(db.scalars(select(Assignment.employee_id).distinct()).all())

    items: list[_Emp] = []
    for c in ctx.records():
        ext = c.code("external_id", required=True)
        f: dict[str, Any] = {"first_name": c.text("first_name", required=True, max_len=100),
                             "last_name": c.text("last_name", required=True, max_len=100),
                             "hire_date": c.date("hire_date", required=True)}
        if c.has("email"):
            f["email"] = c.text("email", max_len=200, pattern=EMAIL_RE, what="email address")
        if c.has("salary"):
            f["salary"] = c.decimal("salary")
        if c.has("gender"):
            f["gender"] = c.choice("gender", Gender)
        if c.has("birth_year"):
            f["birth_year"] = c.integer("birth_year", lo=1900, hi=2100)
        pos = UNSET
        if c.has("position_code"):
            pos = c.code("position_code")
            if pos is not None and pos not in posts:
                c.error("position_code", f"unknown position {pos!r}")
        status = c.choice("status", EmployeeStatus) if c.has("status") else None
        exit_date = c.date("exit_date") if c.has("exit_date") else UNSET
        exit_reason = c.choice("exit_reason", MoveReason, allowed=EXITS) if c.has("exit_reason") else None
        if ext is not None:
            check_new_key(c, "external_id", ext, existing)
            items.append(_Emp(c, ext, f, pos, status, exit_date, exit_reason))
    first_rows(((e.c.row, e.ext) for e in items), ctx.errors, "external_id", "external_id")

    closes: list[dict[str, Any]] = []
    history: list[tuple[str, dict[str, Any]]] = []
    for e in items:
        if e.c.ok:
            _plan_employee(ctx, e, existing.get(e.ext), posts, post_by_id, open_asg, with_history, closes, history)
    ok = [e for e in items if e.c.ok]
    _holders([(e.c, e.ext, e.final["position_id"]) for e in ok], {e.ext for e in items},
             {k: v["position_id"] for k, v in existing.items()}, code_of)
    if ctx.has("email"):
        unique_values(((e.c.row, e.ext, e.f["email"]) for e in ok), {k: v["email"] for k, v in existing.items()},
                      ctx.errors, "email")
    ctx.errors.raise_if_any(ctx.kind)

    defaults = {"email": None, "salary": None, "gender": None, "birth_year": None}
    plan = plan_upsert(existing, "external_id", ((e.ext, {**e.f, **e.final}) for e in items), defaults)
    write_plan(db, Employee, plan, unique=["position_id", "email"])
    ids = key_ids(db, Employee.external_id) if plan.inserts else {k: v["id"] for k, v in existing.items()}
    bulk_update(db, Assignment, closes)
    bulk_insert(db, Assignment, [{"employee_id": ids[ext], "note": None, **row} for ext, row in history])
    by_ext = {e.ext: e for e in items}
    _emit_employees(db, {k: {**defaults, **existing.get(k, {}), **by_ext[k].f, **by_ext[k].final}
                         for k in plan.changed_keys}, code_of)
    return ImportReport(ctx.kind, len(ctx.sheet.records), len(plan.inserts), len(plan.updates), plan.unchanged)


def _plan_employee(ctx: Ctx, e: _Emp, old: dict[str, Any] | None, posts: dict[str, Post], post_by_id: dict[int, Post],
                   open_asg: dict[int, tuple[int, date, int | None]], with_history: set[int],
                   closes: list[dict[str, Any]], history: list[tuple[str, dict[str, Any]]]) -> None:
    """Work out the row's final status / post / exit and the history rows that change implies."""
    c, f = e.c, e.f
    exit_on: Any = e.exit_date if e.exit_date is not UNSET else (old["exit_date"] if old else None)
    if e.status is not None:
        status = e.status
    elif e.exit_date is not UNSET or old is None:
        status = EXITED if exit_on else ACTIVE
    else:
        status = old["status"]
    if e.pos is not UNSET:
        post = posts.get(e.pos) if e.pos else None
    elif status is EXITED:
        post = None  # leaving vacates the post, whether or not the file has a position_code column
    else:
        post = post_by_id.get(old["position_id"]) if old and old["position_id"] else None
    old_post = post_by_id.get(old["position_id"]) if old and old["position_id"] else None
    hired: date = f["hire_date"]
    if status is EXITED and exit_on is None:
        c.error("exit_date", "required when the status is exited")
    if status is ACTIVE and exit_on is not None:
        c.error("exit_date", f"an active employee has no exit_date ({exit_on}); clear it or set the status to exited")
    if status is EXITED and post is not None:
        c.error("position_code", "an employee who has left holds no position; leave position_code empty")
    if exit_on is not None and exit_on < hired:
        c.error("exit_date", f"{exit_on} is before the hire date {hired}")
    if post is not None and post is not old_post and not post.active:
        c.error("position_code", f"position {post.code!r} is inactive")
    e.final = {"position_id": post.id if post else None, "status": status, "exit_date": exit_on}
    if not c.ok:
        return
    salary: Decimal | None = f["salary"] if "salary" in f else (old["salary"] if old else None)

    def add(pid: int | None, start: date, reason: MoveReason, end: date | None = None) -> None:
        history.append((e.ext, {"position_id": pid, "start_date": start, "end_date": end, "reason": reason,
                                "salary": salary}))

    if old is None:
        if status is ACTIVE and post is not None:
            add(post.id, hired, MoveReason.HIRE)
        elif status is EXITED and e.exit_reason is not None:
            add(None, exit_on, e.exit_reason, exit_on)
        return
    current = open_asg.get(old["id"])
    if old["status"] is EXITED and status is EXITED:
        if exit_on != old["exit_date"]:
            c.error("exit_date", f"the exit on {old['exit_date']} is corrected through the assignments import, "
                                 "which holds the exit's history row")
    elif old["status"] is ACTIVE and status is EXITED:
        if e.exit_reason is None:
            c.error("exit_reason", "required when an employee leaves: exit_voluntary or exit_involuntary")
        elif current is not None and exit_on < current[1]:
            c.error("exit_date", f"{exit_on} is before the start of the current assignment ({current[1]})")
        else:
            if current is not None:
                closes.append({"id": current[0], "end_date": exit_on})
            add(None, exit_on, e.exit_reason, exit_on)
    elif old["status"] is EXITED and status is ACTIVE:
        if old["exit_date"] is not None and hired <= old["exit_date"]:
            c.error("hire_date", f"a rehire needs the new hire_date, after the exit on {old['exit_date']}")
        elif post is not None:
            if current is not None:
                closes.append({"id": current[0], "end_date": max(current[1], hired - DAY)})
            add(post.id, hired, MoveReason.HIRE)
    elif post is not old_post:
        if current is not None:
            if ctx.as_of <= current[1]:
                c.error("position_code", f"the change would take effect on {ctx.as_of}, which is not after the current "
                                         f"assignment began ({current[1]}); record it through the assignments import")
                return
            closes.append({"id": current[0], "end_date": ctx.as_of - DAY})
            if post is not None:
                add(post.id, ctx.as_of, _move_reason(post_by_id.get(current[2]) if current[2] else None, post))
        elif post is not None:
            if old["id"] not in with_history:
                add(post.id, hired, MoveReason.HIRE)
            else:
                add(post.id, ctx.as_of, _move_reason(old_post, post))


# --- assignments ---------------------------------------------------------------------------------
@dataclass
class _Step:
    c: Cells
    ext: str
    pid: int | None
    start: date
    end: date | None
    reason: MoveReason
    f: dict[str, Any]


def import_assignments(ctx: Ctx) -> ImportReport:
    db = ctx.db
    people = load(db, Employee.external_id, ["first_name", "last_name", "position_id", "status", "exit_date"])
    posts = _posts(db)
    code_of = {p.id: p.code for p in posts.values()}
    steps: list[_Step] = []
    mentioned: set[str] = set()
    for c in ctx.records():
        ext = c.code("employee_external_id", required=True)
        mentioned.add(ext or "")
        pcode = c.code("position_code")
        start = c.date("start_date", required=True)
        end = c.date("end_date") if c.has("end_date") else None
        reason = c.choice("reason", MoveReason, required=True)
        f: dict[str, Any] = {}
        if c.has("salary"):
            f["salary"] = c.decimal("salary")
        if c.has("note"):
            f["note"] = c.text("note", max_len=500)
        if ext is not None and ext not in people:
            c.error("employee_external_id", f"unknown employee {ext!r} (employees are created by the employees import)")
        if pcode is not None and pcode not in posts:
            c.error("position_code", f"unknown position {pcode!r}")
        if reason is not None and reason.is_exit:
            if pcode is not None:
                c.error("position_code", "an exit has no position; leave position_code empty")
            if end is not None and start is not None and end != start:
                c.error("end_date", f"an exit ends on the day it starts ({start})")
            end = start
        elif reason is not None and pcode is None:
            c.error("position_code", f"a {reason.value} needs a position_code")
        if start is not None and end is not None and end < start:
            c.error("end_date", f"{end} is before start_date {start}")
        if c.ok and ext is not None and start is not None and reason is not None:
            steps.append(_Step(c, ext, posts[pcode].id if pcode else None, start, end, reason, f))
    first_rows(((s.c.row, (s.ext, s.start)) for s in steps), ctx.errors, "start_date",
               "assignment (employee / start_date)")

    per_emp: dict[str, list[_Step]] = defaultdict(list)
    for s in steps:
        per_emp[s.ext].append(s)
    derived: dict[str, dict[str, Any]] = {}
    for ext, rows in per_emp.items():
        rows.sort(key=lambda s: s.start)
        for a, b in pairwise(rows):
            if a.start == b.start:
                continue  # reported as a duplicate
            if a.end is None:
                b.c.error("start_date", f"overlaps the assignment on row {a.c.row}, which has no end_date")
            elif a.end > b.start or (a.end == b.start and not b.reason.is_exit):
                b.c.error("start_date", f"overlaps the assignment on row {a.c.row} ({a.start} to {a.end})")
        last = rows[-1]
        if last.reason.is_exit:
            derived[ext] = {"position_id": None, "status": EXITED, "exit_date": last.start}
        else:
            derived[ext] = {"position_id": last.pid if last.end is None else None, "status": ACTIVE, "exit_date": None}
        pid = derived[ext]["position_id"]
        if pid is not None and pid != people[ext]["position_id"] and not posts[code_of[pid]].active:
            last.c.error("position_code", f"position {code_of[pid]!r} is inactive")
    _holders([(rows[-1].c, ext, derived[ext]["position_id"]) for ext, rows in per_emp.items()], mentioned,
             {k: v["position_id"] for k, v in people.items()}, code_of)
    ctx.errors.raise_if_any(ctx.kind)

    emp_ids = {people[ext]["id"] for ext in per_emp}
    history: dict[int, dict[date, dict[str, Any]]] = defaultdict(dict)
    for aid, eid, pid, start, end, reason, salary, note in db.execute(
        select(Assignment.id, Assignment.employee_id, Assignment.position_id, Assignment.start_date,
               Assignment.end_date, Assignment.reason, Assignment.salary, Assignment.note)
    ).all():
        if eid in emp_ids:
            history[eid][start] = {"id": aid, "position_id": pid, "end_date": end, "reason": reason, "salary": salary,
                                   "note": note}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    drop: list[int] = []
    unchanged = 0
    for ext, rows in per_emp.items():
        eid = people[ext]["id"]
        old = history.get(eid, {})
        for s in rows:
            target = {"position_id": s.pid, "end_date": s.end, "reason": s.reason, **s.f}
            was = old.pop(s.start, None)
            if was is None:
                inserts.append({"employee_id": eid, "start_date": s.start, "salary": None, "note": None, **target})
            elif diff := {k: v for k, v in target.items() if not same(was[k], v)}:
                updates.append({"id": was["id"], **diff})
            else:
                unchanged += 1
        drop.extend(a["id"] for a in old.values())
    for i in range(0, len(drop), 1000):
        db.execute(delete(Assignment).where(Assignment.id.in_(drop[i:i + 1000])))
    bulk_update(db, Assignment, updates)
    bulk_insert(db, Assignment, inserts)

    # The history decides the current post and status of the people it covers.
    moved = {ext: d for ext, d in derived.items() if any(people[ext][k] != v for k, v in d.items())}
    bulk_update(db, Employee, [{"id": people[ext]["id"], "position_id": None} for ext, d in moved.items()
                               if people[ext]["position_id"] not in (None, d["position_id"])])
    bulk_update(db, Employee, [{"id": people[ext]["id"], **d} for ext, d in moved.items()])
    _emit_employees(db, {ext: {**people[ext], **d} for ext, d in moved.items()}, code_of)
    if inserts or updates or drop:  # the graph derives its career steps from the history again
        emit_bulk(db, [events.career_history(next(iter(sorted(mentioned))))])
    return ImportReport(ctx.kind, len(ctx.sheet.records), len(inserts), len(updates), unchanged, len(drop))


# --- proficiencies -------------------------------------------------------------------------------
def import_proficiencies(ctx: Ctx) -> ImportReport:
    db = ctx.db
    emps, skills = key_ids(db, Employee.external_id), key_ids(db, Skill.code)
    existing = {
        (e, s, src): {"id": i, "level": lvl, "assessed_on": on}
        for i, e, s, src, lvl, on in db.execute(
            select(EmployeeSkill.id, Employee.external_id, Skill.code, EmployeeSkill.source, EmployeeSkill.level,
                   EmployeeSkill.assessed_on)
            .join(Employee, Employee.id == EmployeeSkill.employee_id).join(Skill, Skill.id == EmployeeSkill.skill_id)
        ).all()
    }
    items: list[tuple[int, tuple[str, str, SkillSource], dict[str, Any]]] = []
    for c in ctx.records():
        ext = c.code("employee_external_id", required=True)
        skill = c.code("skill_code", required=True)
        f: dict[str, Any] = {"level": c.integer("level", required=True, lo=1, hi=5),
                             "assessed_on": c.date("assessed_on", required=True)}
        source = c.choice("source", SkillSource, required=True)
        if ext is not None and ext not in emps:
            c.error("employee_external_id", f"unknown employee {ext!r}")
        if skill is not None and skill not in skills:
            c.error("skill_code", f"unknown skill {skill!r}")
        if not (c.ok and ext and skill and source):
            continue
        old = existing.get((ext, skill, source))
        if old is not None and f["assessed_on"] < old["assessed_on"]:
            c.error("assessed_on", f"a newer {source.value} assessment exists (from {old['assessed_on']})")
        else:
            items.append((c.row, (ext, skill, source), f))
    first_rows(((r, k) for r, k, _ in items), ctx.errors, "skill_code", "assessment (employee / skill / source)")
    ctx.errors.raise_if_any(ctx.kind)
    plan = plan_upsert(existing, "_key", ((k, f) for _, k, f in items), {})
    for row in plan.inserts:
        e, s, src = row.pop("_key")
        row |= {"employee_id": emps[e], "skill_id": skills[s], "source": src}
    bulk_insert(db, EmployeeSkill, plan.inserts)
    bulk_update(db, EmployeeSkill, plan.updates)
    level = {k: f["level"] for _, k, f in items}
    emit_bulk(db, (events.employee_skill(e, s, level=level[(e, s, src)], source=src.value)
                   for e, s, src in plan.changed_keys))
    return ImportReport(ctx.kind, len(ctx.sheet.records), len(plan.inserts), len(plan.updates), plan.unchanged)
