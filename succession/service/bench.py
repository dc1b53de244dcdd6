"""Bench strength: per key post, per department (subtree) and for the company, now and as of past dates
(docs/succession.md "Bench strength").

- A key post is an active position flagged key. Its successors are the open nominations of its plan
  (``Nomination.removed_at`` NULL) whose nominee is active, counted per readiness; it is covered when at least
  one is ready now.
- The figures of a set of key posts: how many, the share covered (a ready-now successor) and the share with two
  successors or more; the people on ``min_slates`` slates or more; the single points of failure, people who are
  the only ready-now successor of two key posts or more.
- The trend: the same figures at the end of past days, from the history. At the end of day D a nomination is
  open when it was nominated before D+1 and not removed by then; its readiness is the latest readiness change
  before D+1 (before the first change: that change's ``before``, else the current readiness); its nominee
  counts when they had not left by D (no exit date after D: an exit on D has left). A post is key at D by the
  latest register decision made before D+1; before its first decision, by what that decision found (a
  decision that set a post found it not key), and a post HR never decided on by its current flag.
  The days: the last ``months`` month ends before the as-of date, or the end dates of the last closed
  performance periods, and the as-of date itself.

Every figure is a few set-wise statements whatever the number of key posts (no query per post).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from hcm import clock
from hcm.errors import Invalid, NotFound
from hcm.org.models import Department, Employee, EmployeeStatus, Position
from hcm.org.queries import department_subtree_ids
from hcm.org.service import department_parents
from hcm.paging import Page, paginate
from hcm.policy import Principal
from performance.models import Period, PeriodState
from succession.models import KeyPostDecision, Nomination, Readiness, ReadinessChange, SuccessionPlan
from succession.schemas_register import (
    BenchFigures,
    BenchOut,
    DepartmentBench,
    KeyPostBench,
    PostRef,
    SlatePerson,
    Successor,
    TrendOut,
    TrendPoint,
)

MIN_SLATES = 3  # "on many slates": this many key posts' slates or more
SINGLE_POINT_POSTS = 2  # the only ready-now successor of this many key posts or more
MAX_TREND_POINTS = 36


# --- the current bench --------------------------------------------------------------------------------
def _check_department(db: Session, department_id: int | None) -> None:
    if department_id is not None and db.get(Department, department_id) is None:
        raise NotFound("Department", department_id, field="department_id")


def key_posts(department_id: int | None = None) -> ColumnElement[bool]:
    """The key posts (a WHERE over ``Position``), of a department subtree."""
    where = and_(Position.is_key.is_(True), Position.is_active.is_(True))
    if department_id is not None:
        where = and_(where, Position.department_id.in_(department_subtree_ids(department_id)))
    return where


def open_nominations() -> Any:
    """The open nominations of active nominees: ``position_id, employee_id, readiness, rank``."""
    n = Nomination
    return (select(SuccessionPlan.position_id, n.employee_id, n.readiness, n.rank)
            .join(SuccessionPlan, SuccessionPlan.id == n.plan_id)
            .join(Employee, and_(Employee.id == n.employee_id, Employee.status == EmployeeStatus.ACTIVE))
            .where(n.removed_at.is_(None)))


def _counts(noms: Any) -> Any:
    s = noms.subquery("noms")

    def of(r: Readiness) -> Any:
        return func.sum(case((s.c.readiness == r, 1), else_=0))

    return (select(s.c.position_id, of(Readiness.READY_NOW).label("ready_now"), of(Readiness.READY_1_2).label("r12"),
                   of(Readiness.READY_3_PLUS).label("r3"), func.count().label("n"))
            .group_by(s.c.position_id).subquery("counts"))


def _post_stmt(department_id: int | None, *, uncovered_only: bool = False) -> Any:
    c = _counts(open_nominations())
    holder = aliased(Employee)
    ready = func.coalesce(c.c.ready_now, 0)
    stmt = (select(Position.id, Position.code, Position.title, Position.department_id, Department.name, holder.id,
                   holder.first_name, holder.last_name, ready.label("ready_now"), func.coalesce(c.c.r12, 0),
                   func.coalesce(c.c.r3, 0), func.coalesce(c.c.n, 0).label("n"))
            .join(Department, Department.id == Position.department_id)
            .outerjoin(holder, and_(holder.position_id == Position.id, holder.status == EmployeeStatus.ACTIVE))
            .outerjoin(c, c.c.position_id == Position.id)
            .where(key_posts(department_id)))
    return stmt.where(ready == 0) if uncovered_only else stmt


def _post_out(r: Any) -> KeyPostBench:
    pid, code, title, dept_id, dept, hid, first, last, now, r12, r3, n = r
    return KeyPostBench(position_id=pid, code=code, title=title, department_id=dept_id, department_name=dept,
                        holder_id=hid, holder_name=f"{first} {last}" if hid is not None else None, vacant=hid is None,
                        ready_now=int(now), ready_1_2=int(r12), ready_3_plus=int(r3), successors=int(n),
                        covered=int(now) > 0, two_plus=int(n) >= 2)


def key_post_bench(db: Session, *, principal: Principal, department_id: int | None = None,
                   uncovered_only: bool = False, page: int = 1, page_size: int = 100) -> Page[KeyPostBench]:
    """A page of the key posts (of a department subtree; only the uncovered ones), by code, with their successors
    counted per readiness."""
    _check_department(db, department_id)
    stmt = _post_stmt(department_id, uncovered_only=uncovered_only)
    rows, total = paginate(db, stmt.order_by(Position.code, Position.id), page=page, page_size=page_size)
    return Page[KeyPostBench](items=[_post_out(r) for r in rows], total=total, page=page, page_size=page_size)


READINESS_RANK = {Readiness.READY_NOW: 0, Readiness.READY_1_2: 1, Readiness.READY_3_PLUS: 2}


def one_key_post(db: Session, *, principal: Principal, position_id: int) -> KeyPostBench:
    """One key post with its slate (ready now first, then by rank). A post that is not key is not found."""
    row = db.execute(_post_stmt(None).where(Position.id == position_id)).first()
    if row is None:
        raise NotFound("Key post", position_id, field="position_id")
    out = _post_out(row)
    s = open_nominations().where(SuccessionPlan.position_id == position_id).subquery("slate")
    post = aliased(Position)
    person = aliased(Employee)
    rows = db.execute(select(s.c.employee_id, person.first_name, person.last_name, s.c.readiness, s.c.rank, post.title)
                      .join(person, person.id == s.c.employee_id)
                      .outerjoin(post, post.id == person.position_id)).all()
    out.slate = sorted((Successor(employee_id=e, name=f"{f} {la}", readiness=r, rank=rank, position_title=t)
                        for e, f, la, r, rank, t in rows),
                       key=lambda x: (READINESS_RANK[x.readiness], x.rank, x.employee_id))
    return out


@dataclass
class _Post:
    position_id: int
    department_id: int
    ready_now: int
    successors: int
    only_ready: int | None  # the one ready-now successor, when there is exactly one


def figures(posts: Iterable[_Post]) -> BenchFigures:
    """The bench figures of a set of key posts."""
    posts = list(posts)
    n = len(posts)
    covered = sum(1 for p in posts if p.ready_now > 0)
    two = sum(1 for p in posts if p.successors >= 2)
    only: dict[int, int] = defaultdict(int)
    for p in posts:
        if p.only_ready is not None:
            only[p.only_ready] += 1
    return BenchFigures(key_posts=n, covered=covered, covered_share=round(covered / n, 4) if n else None,
                        two_plus=two, two_plus_share=round(two / n, 4) if n else None, uncovered=n - covered,
                        single_points=sum(1 for c in only.values() if c >= SINGLE_POINT_POSTS))


def _children_of(db: Session, department_id: int | None) -> tuple[list[int], dict[int, int]]:
    """The departments one level below ``department_id`` (below the root(s) without one; a lone root's
    children), and for every department in their subtrees, which of them it is under."""
    parents = department_parents(db)
    kids: dict[int | None, list[int]] = defaultdict(list)
    for d, p in parents.items():
        kids[p].append(d)
    if department_id is None:
        roots = kids[None]
        top = kids[roots[0]] if len(roots) == 1 else roots
    else:
        top = kids.get(department_id, [])
    under: dict[int, int] = {}
    for t in top:
        stack = [t]
        while stack:
            d = stack.pop()
            if d in under:
                continue
            under[d] = t
            stack.extend(kids.get(d, ()))
    return sorted(top), under


def bench(db: Session, *, principal: Principal, department_id: int | None = None,
          min_slates: int = MIN_SLATES) -> BenchOut:
    """The company's (or a department subtree's) bench now: the figures, each department below, the people on
    many slates and the single points of failure."""
    _check_department(db, department_id)
    if not 1 <= min_slates <= 100:
        raise Invalid("min_slates must be between 1 and 100", field="min_slates")
    kp = key_posts(department_id)  # one subtree CTE, used twice
    noms = open_nominations().where(SuccessionPlan.position_id.in_(select(Position.id).where(kp)))
    ns = noms.subquery("noms")
    c = _counts(noms)
    only = (select(ns.c.position_id, func.max(ns.c.employee_id).label("only"))
            .where(ns.c.readiness == Readiness.READY_NOW).group_by(ns.c.position_id)
            .having(func.count() == 1).subquery("only"))
    rows = db.execute(select(Position.id, Position.department_id, func.coalesce(c.c.ready_now, 0),
                             func.coalesce(c.c.n, 0), only.c.only)
                      .outerjoin(c, c.c.position_id == Position.id)
                      .outerjoin(only, only.c.position_id == Position.id)
                      .where(kp)).all()
    posts = [_Post(pid, dept, int(now), int(n), o) for pid, dept, now, n, o in rows]
    top, under = _children_of(db, department_id)
    depts = {d.id: d for d in db.scalars(select(Department).where(Department.id.in_(top)))} if top else {}
    by_dept: dict[int, list[_Post]] = defaultdict(list)
    for p in posts:
        if p.department_id in under:
            by_dept[under[p.department_id]].append(p)
    departments = [DepartmentBench(department_id=d, code=depts[d].code, name=depts[d].name,
                                   figures=figures(by_dept.get(d, []))) for d in top if d in depts]
    # the people on the slates of these key posts: how many slates, how many of them ready now, which posts
    person = aliased(Employee)
    post = aliased(Position)
    held = aliased(Position)
    slate_rows = db.execute(select(ns.c.employee_id, person.first_name, person.last_name, held.title, ns.c.readiness,
                                   post.id, post.code, post.title)
                            .join(person, person.id == ns.c.employee_id)
                            .join(post, post.id == ns.c.position_id)
                            .outerjoin(held, held.id == person.position_id)
                            .order_by(ns.c.employee_id, post.code)).all()
    # plain tuples while counting (thousands of nominees); answer objects only for the people listed
    who: dict[int, tuple[str, str | None]] = {}
    slates_of: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    ready_count: dict[int, int] = defaultdict(int)
    only_posts: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    only_of = {p.position_id: p.only_ready for p in posts}
    for e, first, last, title, readiness, pid, code, ptitle in slate_rows:
        who.setdefault(e, (f"{first} {last}", title))
        ref = (pid, code, ptitle)
        slates_of[e].append(ref)
        if readiness == Readiness.READY_NOW:
            ready_count[e] += 1
            if only_of.get(pid) == e:
                only_posts[e].append(ref)

    def listed(e: int, refs: list[tuple[int, str, str]]) -> SlatePerson:
        return SlatePerson(employee_id=e, name=who[e][0], position_title=who[e][1], slates=len(slates_of[e]),
                           ready_now=ready_count[e],
                           posts=[PostRef(position_id=pid, code=code, title=t) for pid, code, t in refs])

    many = sorted((listed(e, refs) for e, refs in slates_of.items() if len(refs) >= min_slates),
                  key=lambda p: (-p.slates, p.name, p.employee_id))
    single = sorted((listed(e, refs) for e, refs in only_posts.items() if len(refs) >= SINGLE_POINT_POSTS),
                    key=lambda p: (-len(p.posts), p.name, p.employee_id))
    return BenchOut(department_id=department_id, figures=figures(posts), departments=departments,
                    min_slates=min_slates, many_slates=many, single_points=single)


# --- the trend ------------------------------------------------------------------------------------------
def _month_ends(as_of: date, months: int) -> list[tuple[date, str]]:
    out = []
    y, m = as_of.year, as_of.month
    for _ in range(months):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        out.append((date(y, m, calendar.monthrange(y, m)[1]), f"{y:04d}-{m:02d}"))
    return sorted(out)


def _period_ends(db: Session, as_of: date, n: int) -> list[tuple[date, str]]:
    rows = db.execute(select(Period.end_date, Period.code).where(Period.state == PeriodState.CLOSED,
                                                                 Period.end_date < as_of)
                      .order_by(Period.end_date.desc(), Period.id.desc())).all()
    seen: dict[date, str] = {}
    for end, code in rows:
        if end not in seen:
            if len(seen) >= n:
                break
            seen[end] = code
        else:
            seen[end] = f"{seen[end]}, {code}"
    return sorted(seen.items())


def key_posts_on(db: Session, days: list[date], department_id: int | None) -> list[set[int]]:
    """For each day, the ids of the posts that were key at its end (the module's docstring: the register's
    decisions, else the current flag), among the active posts (of a department subtree). Reads the posts flagged
    key now and the decisions (both a few thousand rows, not every post)."""
    d = KeyPostDecision
    active: ColumnElement[bool] = Position.is_active.is_(True)
    if department_id is not None:
        active = and_(active, Position.department_id.in_(department_subtree_ids(department_id)))
    decided = select(d.position_id)
    flagged = set(db.scalars(select(Position.id).where(active, Position.is_key.is_(True),
                                                       Position.id.not_in(decided))))
    was_key = d.criticality["was_key"].as_boolean()
    rows = db.execute(select(d.position_id, d.is_key, d.decided_at, was_key)
                      .join(Position, Position.id == d.position_id).where(active)
                      .order_by(d.position_id, d.decided_at, d.id)).all()
    history: dict[int, list[tuple[datetime, bool, bool | None]]] = defaultdict(list)
    for pid, is_key, at, was in rows:
        history[pid].append((at, bool(is_key), was))
    out = []
    for day in days:
        end = datetime.combine(day + timedelta(days=1), time())
        keys = set(flagged)  # never decided on: their current flag
        for pid, events in history.items():
            state: bool | None = None
            for at, is_key, _ in events:
                if at < end:
                    state = is_key
                else:
                    break
            if state is None:  # before the first decision: what it found
                _, first_key, first_was = events[0]
                state = first_was if first_was is not None else not first_key
            if state:
                keys.add(pid)
        out.append(keys)
    return out


DaySlates = tuple[dict[int, int], dict[int, list[int]]]  # per post: its successors; its ready-now successors


def _posts_on(db: Session, days: list[date], department_id: int | None) -> list[DaySlates]:
    """For each day, per post (active, of the department subtree) with an open nomination at its end: the
    successors and the one ready-now successor. Two set-wise reads, whatever the number of days (the nominations
    of those posts that were open at some point before the last day, with their nominees' exits, and those
    nominations' readiness events), then each day is replayed in memory: a few rows per key post, where one
    statement per day, or correlated lookups per day and nomination, cost far more."""
    if not days:
        return []
    last = datetime.combine(max(days) + timedelta(days=1), time())
    first = datetime.combine(min(days) + timedelta(days=1), time())
    scope = select(Position.id).where(Position.is_active.is_(True))
    if department_id is not None:
        scope = scope.where(Position.department_id.in_(department_subtree_ids(department_id)))
    n = Nomination
    noms = (select(n.id, SuccessionPlan.position_id, n.employee_id, n.readiness, n.nominated_at, n.removed_at,
                   Employee.exit_date, Employee.status)
            .join(SuccessionPlan, SuccessionPlan.id == n.plan_id)
            .join(Employee, Employee.id == n.employee_id)
            .where(SuccessionPlan.position_id.in_(scope), n.nominated_at < last,
                   or_(n.removed_at.is_(None), n.removed_at >= first)))
    rows = db.execute(noms).all()
    if not rows:
        return [({}, {}) for _ in days]
    wanted = noms.with_only_columns(n.id).subquery("wanted")
    events: dict[int, list[tuple[datetime, Readiness | None, Readiness]]] = defaultdict(list)
    for nid, at, before, after in db.execute(
            select(ReadinessChange.nomination_id, ReadinessChange.changed_at, ReadinessChange.before,
                   ReadinessChange.after).where(ReadinessChange.nomination_id.in_(select(wanted.c.id)))
            .order_by(ReadinessChange.nomination_id, ReadinessChange.changed_at, ReadinessChange.id)):
        events[nid].append((at, before, after))
    out: list[DaySlates] = []
    for day in days:
        end = datetime.combine(day + timedelta(days=1), time())
        ready: dict[int, list[int]] = defaultdict(list)
        total: dict[int, int] = defaultdict(int)
        for nid, pid, emp, current, nominated, removed, exit_date, status in rows:
            if nominated >= end or (removed is not None and removed < end):
                continue
            if (exit_date is not None and exit_date <= day) or (exit_date is None and status != EmployeeStatus.ACTIVE):
                continue
            total[pid] += 1
            if _readiness_at(events.get(nid, ()), end, current) == Readiness.READY_NOW:
                ready[pid].append(emp)
        out.append((total, ready))
    return out


def _readiness_at(events: Iterable[tuple[datetime, Readiness | None, Readiness]], end: datetime,
                  current: Readiness) -> Readiness:
    """A nomination's readiness before ``end``: its latest event before then; before its first event, what that
    event changed from (or to, for the event of the nomination itself); without events, its current readiness."""
    state: Readiness | None = None
    for at, before, after in events:
        if at < end:
            state = after
        else:
            return state if state is not None else (before or after)
    return state if state is not None else current


def figures_on(db: Session, days: list[date], department_id: int | None = None) -> list[BenchFigures]:
    """The bench figures at the end of each day, from the history (the module's docstring)."""
    keys = key_posts_on(db, days, department_id)
    slates = _posts_on(db, days, department_id)
    out = []
    for day_keys, (total, ready) in zip(keys, slates, strict=True):
        n = len(day_keys)
        covered = sum(1 for p in day_keys if ready.get(p))
        two = sum(1 for p in day_keys if total.get(p, 0) >= 2)
        only: dict[int, int] = defaultdict(int)
        for p in day_keys:
            r = ready.get(p)
            if r is not None and len(r) == 1:
                only[r[0]] += 1
        out.append(BenchFigures(key_posts=n, covered=covered, covered_share=round(covered / n, 4) if n else None,
                                two_plus=two, two_plus_share=round(two / n, 4) if n else None, uncovered=n - covered,
                                single_points=sum(1 for c in only.values() if c >= SINGLE_POINT_POSTS)))
    return out


def trend(db: Session, *, principal: Principal, basis: Literal["months", "periods"] = "months", points: int = 12,
          as_of: date | None = None, department_id: int | None = None) -> TrendOut:
    """The figures at each of the last ``points`` month ends (or closed periods' ends) and at the as-of date."""
    _check_department(db, department_id)
    if basis not in ("months", "periods"):
        raise Invalid("basis must be months or periods", field="basis")
    if not 1 <= points <= MAX_TREND_POINTS:
        raise Invalid(f"points must be between 1 and {MAX_TREND_POINTS}", field="points")
    as_of = as_of or clock.today()
    past = _month_ends(as_of, points) if basis == "months" else _period_ends(db, as_of, points)
    days = [*past, (as_of, as_of.isoformat())]
    figs = figures_on(db, [d for d, _ in days], department_id)
    return TrendOut(basis=basis, department_id=department_id,
                    points=[TrendPoint(as_of=d, label=label, figures=f) for (d, label), f in zip(days, figs, strict=True)])

