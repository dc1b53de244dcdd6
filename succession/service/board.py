"""What the HR director's pages read (``succession.pages``), over the plans services and the same row rules:

- ``board``: the key posts the caller may see plans of, each with its holder, its successors by rank with their
  readiness, the counts by readiness, coverage (a ready-now successor who is still with the company, as
  ``graph.queries.bench_strength`` counts it) and the emergency successor; filtered by department (and below)
  and coverage, sorted, a page at a time;
- ``chart``: a position's succession chart, the post and holder, its slate, and for each successor the slate of
  the post they hold now (two levels, like a lineage chart), only where the caller may see that plan too;
- ``eligible``: the people the slate editor offers: active, in the caller's people scope, not the holder, not on
  the slate already (the services refuse anyone else anyway, with the rule);
- ``names``: users and people by id, for the plan's history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from hcm.auth.models import User
from hcm.errors import Invalid
from hcm.org.models import Department, Employee, EmployeeStatus, Grade, Position, PositionSkill, Skill
from hcm.org.queries import department_subtree_ids
from hcm.paging import paginate
from hcm.policy import Principal, employee_filter
from succession import audit, policy
from succession.models import DevelopmentAction, Nomination, Readiness, SuccessionPlan
from succession.schemas import PersonRef, PlanOut, PostRef
from succession.service import plans

Coverage = Literal["covered", "uncovered", "no_plan"]
SORTS = {"code": "Code", "title": "Title", "department": "Department", "coverage": "Weakest coverage first",
         "successors": "Most successors first"}
COVERAGE_FILTERS = {"": "All key posts", "covered": "Covered (ready-now successor)",
                    "uncovered": "Uncovered (plan, nobody ready now)", "no_plan": "No plan yet"}
ELIGIBLE_LIMIT = 30


@dataclass(frozen=True)
class Chip:
    """A successor as the board and the chart show them."""

    employee_id: int
    name: str
    external_id: str
    readiness: str
    rank: int
    active: bool


@dataclass(frozen=True)
class BoardRow:
    position: PostRef
    department: str
    department_id: int
    holder: PersonRef | None
    plan_id: int | None
    successors: list[Chip]
    ready_now: int
    ready_1_2: int
    ready_3_plus: int
    emergency: PersonRef | None
    coverage: Coverage


@dataclass(frozen=True)
class Board:
    rows: list[BoardRow]
    total: int
    page: int
    page_size: int
    counts: dict[str, int]  # over every row of the filter: key_posts, with_plan, covered, uncovered, no_plan


@dataclass(frozen=True)
class Branch:
    """What stands beneath a successor in the chart: the post they hold now and its successors."""

    position: PostRef | None
    is_key: bool
    has_plan: bool
    visible: bool  # the caller may see that post's plan
    successors: list[Chip] = field(default_factory=list)


@dataclass(frozen=True)
class Chart:
    position: PostRef
    is_key: bool
    is_active: bool
    department: str
    holder: PersonRef | None
    plan: PlanOut | None
    branches: dict[int, Branch]  # nominee employee id -> their own post's successors
    owners: dict[int, str]  # development actions' owners by employee id
    required_skills: list[tuple[int, str, int]]  # (skill id, name, level) the post requires: skill-gap actions


@dataclass(frozen=True)
class Eligible:
    id: int
    name: str
    external_id: str
    position: str | None
    grade: str | None


def _person(e: Employee) -> PersonRef:
    return PersonRef(id=e.id, external_id=e.external_id, name=f"{e.first_name} {e.last_name}", status=e.status)


def _post(p: Position) -> PostRef:
    return PostRef(id=p.id, code=p.code, title=p.title)


def _counts() -> Any:
    """Per plan: open nominations of people still with the company, in all and ready now."""
    now = func.sum(case((Nomination.readiness == Readiness.READY_NOW, 1), else_=0))
    return (select(Nomination.plan_id.label("plan_id"), func.count().label("n"), now.label("now"))
            .join(Employee, Employee.id == Nomination.employee_id)
            .where(Nomination.removed_at.is_(None), Employee.status == EmployeeStatus.ACTIVE)
            .group_by(Nomination.plan_id).subquery("succ_counts"))


def slates(db: Session, plan_ids: list[int]) -> dict[int, list[Chip]]:
    """The open nominations of these plans as chips, by rank (people who left included, marked inactive)."""
    out: dict[int, list[Chip]] = {}
    for lo in range(0, len(plan_ids), 500):
        rows = db.execute(select(Nomination.plan_id, Nomination.rank, Nomination.readiness, Employee)
                          .join(Employee, Employee.id == Nomination.employee_id)
                          .where(Nomination.plan_id.in_(plan_ids[lo: lo + 500]), Nomination.removed_at.is_(None))
                          .order_by(Nomination.plan_id, Nomination.rank, Nomination.id))
        for plan_id, rank, readiness, e in rows:
            out.setdefault(plan_id, []).append(Chip(
                e.id, f"{e.first_name} {e.last_name}", e.external_id, Readiness(readiness).value, rank,
                e.status is EmployeeStatus.ACTIVE))
    return out


def board(db: Session, *, principal: Principal, department_id: int | None = None, coverage: str = "",
          sort: str = "coverage", page: int = 1, page_size: int = 50) -> Board:
    """The key posts (and any post with a plan) whose plans the caller may see, with their plans in brief."""
    if sort not in SORTS:
        raise Invalid(f"sort must be one of {', '.join(SORTS)}", field="sort")
    if coverage not in COVERAGE_FILTERS:
        raise Invalid(f"coverage must be one of {', '.join(c for c in COVERAGE_FILTERS if c)} (or empty)",
                      field="coverage")
    counts = _counts()
    n = func.coalesce(counts.c.n, 0)
    now = func.coalesce(counts.c.now, 0)
    status = case((SuccessionPlan.id.is_(None), 0), (now == 0, 1), else_=2)  # no plan, uncovered, covered
    base = (select(Position.id.label("pid"), SuccessionPlan.id.label("plan_id"), status.label("status"),
                   n.label("n"), Department.name.label("dept"), Position.code.label("code"),
                   Position.title.label("title"))
            .join(Department, Department.id == Position.department_id)
            .outerjoin(SuccessionPlan, SuccessionPlan.position_id == Position.id)
            .outerjoin(counts, counts.c.plan_id == SuccessionPlan.id)
            .where(or_(and_(Position.is_key.is_(True), Position.is_active.is_(True)), SuccessionPlan.id.is_not(None)),
                   policy.plan_filter(db, principal)))
    if department_id is not None:
        base = base.where(Position.department_id.in_(department_subtree_ids(department_id)))
    sub = base.subquery("board")
    tally = db.execute(select(func.count(), func.sum(case((sub.c.status == 0, 1), else_=0)),
                              func.sum(case((sub.c.status == 1, 1), else_=0)),
                              func.sum(case((sub.c.status == 2, 1), else_=0))).select_from(sub)).one()
    totals = {"key_posts": int(tally[0] or 0), "no_plan": int(tally[1] or 0), "uncovered": int(tally[2] or 0),
              "covered": int(tally[3] or 0)}
    totals["with_plan"] = totals["key_posts"] - totals["no_plan"]
    stmt = select(sub.c.pid, sub.c.plan_id)
    if coverage:
        stmt = stmt.where(sub.c.status == {"no_plan": 0, "uncovered": 1, "covered": 2}[coverage])
    order = {"code": (sub.c.code,), "title": (sub.c.title, sub.c.code), "department": (sub.c.dept, sub.c.code),
             "coverage": (sub.c.status, sub.c.n, sub.c.code), "successors": (sub.c.n.desc(), sub.c.code)}[sort]
    rows, total = paginate(db, stmt.order_by(*order, sub.c.pid), page=page, page_size=page_size)
    ids = [r.pid for r in rows]
    posts = {p.id: p for p in db.scalars(select(Position).where(Position.id.in_(ids)))} if ids else {}
    depts = dict(db.execute(select(Department.id, Department.name)
                            .where(Department.id.in_({p.department_id for p in posts.values()}))).all()) if ids else {}
    holders = {e.position_id: e for e in db.scalars(select(Employee).where(
        Employee.position_id.in_(ids), Employee.status == EmployeeStatus.ACTIVE))} if ids else {}
    plan_ids = [r.plan_id for r in rows if r.plan_id is not None]
    plan_rows = {p.id: p for p in db.scalars(select(SuccessionPlan).where(SuccessionPlan.id.in_(plan_ids)))} \
        if plan_ids else {}
    chips = slates(db, plan_ids)
    emergency_ids = {p.emergency_employee_id for p in plan_rows.values() if p.emergency_employee_id is not None}
    emergencies = {e.id: e for e in db.scalars(select(Employee).where(Employee.id.in_(emergency_ids)))} \
        if emergency_ids else {}
    out = []
    for r in rows:
        pos = posts[r.pid]
        plan = plan_rows.get(r.plan_id) if r.plan_id is not None else None
        mine = chips.get(r.plan_id, []) if r.plan_id is not None else []
        active = [c for c in mine if c.active]
        by = {v.value: sum(1 for c in active if c.readiness == v.value) for v in Readiness}
        holder = holders.get(pos.id)
        em = emergencies.get(plan.emergency_employee_id) if plan is not None and plan.emergency_employee_id else None
        out.append(BoardRow(
            position=_post(pos), department=depts.get(pos.department_id, ""), department_id=pos.department_id,
            holder=_person(holder) if holder is not None else None, plan_id=r.plan_id, successors=mine,
            ready_now=by[Readiness.READY_NOW.value], ready_1_2=by[Readiness.READY_1_2.value],
            ready_3_plus=by[Readiness.READY_3_PLUS.value], emergency=_person(em) if em is not None else None,
            coverage="no_plan" if plan is None else "covered" if by[Readiness.READY_NOW.value] else "uncovered"))
    return Board(rows=out, total=total, page=page, page_size=page_size, counts=totals)


def chart(db: Session, *, principal: Principal, position_id: int) -> Chart:
    """A position's succession chart (its plan may not exist yet: ``plan`` None). Outside the caller's plan scope
    the post is the 404 of a post that does not exist."""
    pos = plans.plan_position(db, principal=principal, position_id=position_id)
    plan_row = db.scalars(select(SuccessionPlan).where(SuccessionPlan.position_id == pos.id)).first()
    plan = plans.plan_out(db, plan_row, pos) if plan_row is not None else None
    hid = plans.holder_id(db, pos.id)
    holder = db.get(Employee, hid) if hid is not None else None
    dept = db.scalar(select(Department.name).where(Department.id == pos.department_id)) or ""
    branches: dict[int, Branch] = {}
    if plan is not None:
        own = {n.employee.id: n.current_position.id for n in plan.nominees if n.current_position is not None}
        post_ids = sorted(set(own.values()))
        found = {p.id: p for p in db.scalars(select(Position).where(Position.id.in_(post_ids)))} if post_ids else {}
        their_plans = dict(db.execute(select(SuccessionPlan.position_id, SuccessionPlan.id)
                                      .where(SuccessionPlan.position_id.in_(post_ids))).all()) if post_ids else {}
        visible = set(db.scalars(select(Position.id).where(Position.id.in_(post_ids),
                                                           policy.plan_filter(db, principal)))) if post_ids else set()
        chips = slates(db, [their_plans[p] for p in post_ids if p in their_plans and p in visible])
        for n in plan.nominees:
            pid = own.get(n.employee.id)
            p = found.get(pid) if pid is not None else None
            if p is None:
                branches[n.employee.id] = Branch(None, False, False, False)
                continue
            seen = p.id in visible
            branches[n.employee.id] = Branch(_post(p), bool(p.is_key), p.id in their_plans, seen,
                                             chips.get(their_plans.get(p.id, -1), []) if seen else [])
    required = [(sid, name, lvl) for sid, name, lvl in db.execute(
        select(PositionSkill.skill_id, Skill.name, PositionSkill.required_level)
        .join(Skill, Skill.id == PositionSkill.skill_id).where(PositionSkill.position_id == pos.id)
        .order_by(Skill.name))]
    owner_ids = {a.owner_employee_id for n in (plan.nominees if plan else []) for a in n.actions
                 if a.owner_employee_id is not None}
    return Chart(position=_post(pos), is_key=bool(pos.is_key), is_active=bool(pos.is_active), department=dept,
                 holder=_person(holder) if holder is not None else None, plan=plan, branches=branches,
                 owners=people_names(db, owner_ids), required_skills=required)


def eligible(db: Session, *, principal: Principal, position_id: int, q: str = "",
             limit: int = ELIGIBLE_LIMIT) -> list[Eligible]:
    """People the slate editor offers for a post: active, in the caller's people scope, not its holder, not on
    its slate. With ``q``: names or external ids containing it; without: the people of the post's department
    and below, the highest grades first."""
    pos = plans.plan_position(db, principal=principal, position_id=position_id)
    plan_id = db.scalar(select(SuccessionPlan.id).where(SuccessionPlan.position_id == pos.id))
    on_slate = select(Nomination.employee_id).where(Nomination.plan_id == plan_id, Nomination.removed_at.is_(None))
    stmt = (select(Employee.id, Employee.first_name, Employee.last_name, Employee.external_id, Position.title,
                   Grade.code)
            .outerjoin(Position, Position.id == Employee.position_id)
            .outerjoin(Grade, Grade.id == Position.grade_id)
            .where(Employee.status == EmployeeStatus.ACTIVE, employee_filter(principal),
                   or_(Employee.position_id.is_(None), Employee.position_id != pos.id))
            .limit(limit))
    if plan_id is not None:
        stmt = stmt.where(Employee.id.not_in(on_slate))
    text = q.strip().lower()
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        full = func.lower(Employee.first_name + " " + Employee.last_name)
        stmt = stmt.where(or_(full.like(like), func.lower(Employee.external_id).like(like))).order_by(
            Employee.last_name, Employee.first_name, Employee.id)
    else:
        stmt = stmt.where(Position.department_id.in_(department_subtree_ids(pos.department_id))).order_by(
            Grade.level.desc(), Employee.last_name, Employee.first_name, Employee.id)
    return [Eligible(i, f"{f} {last}", ext, title, grade) for i, f, last, ext, title, grade in db.execute(stmt)]


def user_names(db: Session, user_ids: set[int]) -> dict[int, str]:
    ids = [u for u in user_ids if u is not None]
    return dict(db.execute(select(User.id, User.username).where(User.id.in_(ids))).all()) if ids else {}


def people_names(db: Session, employee_ids: set[int]) -> dict[int, str]:
    ids = [e for e in employee_ids if e is not None]
    if not ids:
        return {}
    return {i: f"{f} {last}" for i, f, last in db.execute(
        select(Employee.id, Employee.first_name, Employee.last_name).where(Employee.id.in_(ids)))}


# --- the plan's history ---------------------------------------------------------------------------------
READINESS_LABELS = {Readiness.READY_NOW.value: "Ready now", Readiness.READY_1_2.value: "Ready in 1\u20132 years",
                    Readiness.READY_3_PLUS.value: "Ready in 3+ years", "emergency": "Emergency (interim)"}
ACTION_LABELS = {
    ("plan", "create"): "Plan opened", ("plan", "update"): "Plan notes changed", ("plan", "rerank"): "Slate reordered",
    ("plan", "emergency"): "Emergency successor", ("nomination", "create"): "Nominated",
    ("nomination", "readiness"): "Readiness changed", ("nomination", "remove"): "Removed from the slate",
    ("action", "create"): "Development action added", ("action", "update"): "Development action changed",
    ("key_post", "set_key"): "Made a key post", ("key_post", "confirm_key"): "Confirmed as a key post",
    ("key_post", "withdraw_key"): "No longer a key post",
}
PERSON_FIELDS = ("employee_id", "emergency_employee_id", "owner_employee_id")
USER_FIELDS = ("emergency_confirmed_by_user_id",)
HIDDEN_FIELDS = ("criticality",)
FIELD_LABELS = {"employee_id": "person", "emergency_employee_id": "emergency successor",
                "emergency_confirmed_by_user_id": "confirmed by", "emergency_confirmed_at": "confirmed at",
                "owner_employee_id": "owner", "skill_id": "skill", "target_level": "level to reach",
                "target_role": "role to hold", "gap_kind": "gap", "due_date": "due", "completed_at": "completed",
                "removed_at": "removed", "removal_reason": "why removed", "is_key": "key post", "order": "order"}


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class ReadinessLine:
    at: object  # datetime
    who: str
    person: str
    before: str | None
    after: str
    reason: str


@dataclass(frozen=True)
class AuditLine:
    at: object  # datetime
    who: str
    what: str
    subject: str | None  # the person the entry is about
    changes: list[Change]
    created: bool  # a creation: ``changes`` are the values it was created with (``after`` only)


@dataclass(frozen=True)
class History:
    readiness: list[ReadinessLine]
    audit: list[AuditLine]


def _shown(value: object, key: str, people: dict[int, str], users: dict[int, str],
           skills: dict[int, str]) -> str | None:
    if value is None or value == "":
        return None
    if key == "skill_id" and isinstance(value, int):
        return skills.get(value, f"#{value}")
    if key in PERSON_FIELDS and isinstance(value, int):
        return people.get(value, f"#{value}")
    if key in USER_FIELDS and isinstance(value, int):
        return users.get(value, f"user #{value}")
    if key == "order" and isinstance(value, list):
        return ", ".join(f"{i}. {people.get(v, f'#{v}')}" for i, v in enumerate(value, start=1))
    if key == "readiness" and isinstance(value, str):
        return READINESS_LABELS.get(value, value)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        return value[:16].replace("T", " ")  # a moment: to the minute
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def history(db: Session, *, principal: Principal, position_id: int) -> History:
    """The plan's readiness events and its audit (who, when, what changed from what to what), newest first, with
    people and users named. A post without a plan has only its register decisions."""
    pos = plans.plan_position(db, principal=principal, position_id=position_id)
    has_plan = db.scalar(select(SuccessionPlan.id).where(SuccessionPlan.position_id == pos.id)) is not None
    raw = plans.history(db, principal=principal, position_id=pos.id) if has_plan else None
    entries: list[Any] = list(raw.audit) if raw is not None else audit.position_history(db, position_id=pos.id)
    changes = raw.readiness_changes if raw is not None else []
    action_ids = [a.entity_id for a in entries if a.entity == "action" and a.entity_id is not None]
    action_person = dict(db.execute(select(DevelopmentAction.id, Nomination.employee_id)
                                    .join(Nomination, Nomination.id == DevelopmentAction.nomination_id)
                                    .where(DevelopmentAction.id.in_(action_ids))).all()) if action_ids else {}
    nomination_ids = [a.entity_id for a in entries if a.entity == "nomination" and a.entity_id is not None]
    nomination_person = dict(db.execute(select(Nomination.id, Nomination.employee_id)
                                        .where(Nomination.id.in_(nomination_ids))).all()) if nomination_ids else {}
    person_ids: set[int] = {c.employee_id for c in changes} | set(action_person.values()) | set(
        nomination_person.values())
    user_ids: set[int] = {c.changed_by_user_id for c in changes if c.changed_by_user_id is not None}
    for a in entries:
        if a.user_id is not None:
            user_ids.add(a.user_id)
        for side in (a.before or {}, a.after or {}):
            for k, v in side.items():
                if k in PERSON_FIELDS and isinstance(v, int):
                    person_ids.add(v)
                elif k in USER_FIELDS and isinstance(v, int):
                    user_ids.add(v)
                elif k == "order" and isinstance(v, list):
                    person_ids.update(x for x in v if isinstance(x, int))
    people = people_names(db, person_ids)
    users = user_names(db, user_ids)
    skill_ids = {v for a in entries for side in (a.before or {}, a.after or {}) for k, v in side.items()
                 if k == "skill_id" and isinstance(v, int)}
    skills = dict(db.execute(select(Skill.id, Skill.name).where(Skill.id.in_(skill_ids))).all()) if skill_ids else {}

    def who(user_id: int | None) -> str:
        return users.get(user_id, f"user #{user_id}") if user_id is not None else "system (demo data)"

    readiness = [ReadinessLine(c.changed_at, who(c.changed_by_user_id), people.get(c.employee_id, f"#{c.employee_id}"),
                               READINESS_LABELS.get(c.before.value) if c.before is not None else None,
                               READINESS_LABELS.get(c.after.value, c.after.value), c.reason)
                 for c in reversed(changes)]
    lines = []
    for a in reversed(entries):
        before, after = a.before or {}, a.after or {}
        created = a.before is None
        keys = [k for k in dict.fromkeys([*before, *after]) if k not in HIDDEN_FIELDS
                and not (k == "employee_id" and a.entity == "nomination")]
        diff = [Change(FIELD_LABELS.get(k, k.replace("_", " ")), _shown(before.get(k), k, people, users, skills),
                       _shown(after.get(k), k, people, users, skills))
                for k in keys if before.get(k) != after.get(k)]
        if created:  # what it was created with, without the empty fields
            diff = [c for c in diff if c.after is not None]
        subject_id = (nomination_person.get(a.entity_id) if a.entity == "nomination" and a.entity_id is not None
                      else action_person.get(a.entity_id) if a.entity == "action" and a.entity_id is not None else None)
        lines.append(AuditLine(a.at, who(a.user_id), ACTION_LABELS.get((a.entity, a.action), f"{a.entity} {a.action}"),
                               people.get(subject_id) if subject_id is not None else None, diff, created))
    return History(readiness=readiness, audit=lines)
