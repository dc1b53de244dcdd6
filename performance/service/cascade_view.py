"""The cascade page, built for a large plan: the top of the cascade first, the goals below opened on demand,
and a search over goals and owners.

The first view holds the goals at the top of the cascade (the goals the viewer sees that support no goal
they see: the company's) and, for someone with goals of their own (a manager's or employee's post goals,
their employee goals, the goals they own), the path from the top down to them with each step's supporting
goals listed, so they land on what is theirs. Opened on a goal (``focus``: a search hit, the no-script way
of expanding), the page shows the path down to it and its supporting goals. Every other goal is one row
away: ``children`` answers a goal's supporting goals.

Nothing here reads the whole tree: each view is a handful of queries over the rows it shows (the goals, their
results, indicator and supporting-goal counts, unit names, owners), whatever the size of the plan.

Scope: the goals are those ``performance.policy.visible_goals`` lets the viewer see, as in
``cascade.cascade_tree``; a goal id outside it answers like one that does not exist. Owners are named when the
viewer sees the person (``hcm.policy.employee_filter``), else shown by their post's title; the search matches
only the names of people the viewer sees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hcm.errors import Invalid, NotFound
from hcm.org.models import Department, Employee, Position
from hcm.policy import Principal, employee_filter, is_hr
from performance.models import Goal, GoalLevel, GoalLink, GoalResult, Indicator, Period
from performance.policy import visible_goals
from performance.schemas_cascade import CascadeHit, CascadeOwner, CascadeRow, CascadeSearch, PathStep
from performance.service.cascade import _unit_names, get_visible_goal
from performance.service.lookups import get_period

ORDER = {GoalLevel.COMPANY: 0, GoalLevel.DEPARTMENT: 1, GoalLevel.PROCESS: 2, GoalLevel.POST: 3, GoalLevel.EMPLOYEE: 4}
PAGE_SIZE = 25
MAX_QUERY = 100
MAX_OWN = 20  # own goals whose path the first view opens (a department head owning many goals: the first 20)
MAX_LISTED = 5000  # a viewer seeing up to this many goals has the top of their cascade found from the list
MAX_DEPTH = 12  # a path is never longer (links go from lower levels up: five levels; guards a bad link)


@dataclass
class CascadePage:
    period: Period
    roots: list[CascadeRow]
    goals: int  # goals of the period the viewer may see
    own: int  # the viewer's own goals in the period
    focus: CascadeRow | None = None
    path: list[PathStep] = field(default_factory=list)  # to the focused goal, from the top
    search: CascadeSearch | None = None


def _level_order() -> ColumnElement[int]:
    """Company first, employees last, on both backends (an enum orders by name on one, by value on the other)."""
    return case({lv: n for lv, n in ORDER.items()}, value=Goal.level)


# --- scope -----------------------------------------------------------------------------------------
def _visible_ids(principal: Principal, period_id: int) -> Select[Any]:
    """The ids of the period's goals the viewer sees, as a subquery that never correlates with an outer goal."""
    return select(Goal.id).where(Goal.period_id == period_id, visible_goals(principal)).correlate(None)


def _supporting(db: Session, principal: Principal, period_id: int,
                parent_ids: Iterable[int]) -> dict[int, list[tuple[int, float]]]:
    """The visible goals supporting each of ``parent_ids`` with their link weights, heaviest first."""
    ids = list(set(parent_ids))
    out: dict[int, list[tuple[int, float]]] = defaultdict(list)
    if not ids:
        return out
    rows = db.execute(select(GoalLink.parent_goal_id, Goal.id, GoalLink.weight)
                      .join(Goal, Goal.id == GoalLink.child_goal_id)
                      .where(GoalLink.parent_goal_id.in_(ids), Goal.period_id == period_id, visible_goals(principal))
                      .order_by(GoalLink.parent_goal_id, GoalLink.weight.desc(), Goal.code))
    for parent, child, weight in rows:
        out[parent].append((child, float(weight)))
    return out


def _paths(db: Session, principal: Principal, period_id: int, goal_ids: Iterable[int]) -> dict[int, list[int]]:
    """For each goal, the ids of the goals above it from the top of the cascade down to its parent (one
    path: through the heaviest visible link at each step, then the lowest id). One query per level."""
    up: dict[int, int] = {}
    frontier = set(goal_ids)
    seen = set(frontier)
    for _ in range(MAX_DEPTH):
        if not frontier:
            break
        rows = db.execute(select(GoalLink.child_goal_id, GoalLink.parent_goal_id, GoalLink.weight)
                          .where(GoalLink.child_goal_id.in_(frontier),
                                 GoalLink.parent_goal_id.in_(_visible_ids(principal, period_id)))
                          .order_by(GoalLink.child_goal_id, GoalLink.weight.desc(), GoalLink.parent_goal_id))
        nxt: set[int] = set()
        for child, parent, _w in rows:
            if child not in up:
                up[child] = parent
                if parent not in seen:
                    seen.add(parent)
                    nxt.add(parent)
        frontier = nxt
    out: dict[int, list[int]] = {}
    for gid in goal_ids:
        path: list[int] = []
        here = gid
        while here in up and len(path) < MAX_DEPTH and up[here] not in path and up[here] != gid:
            here = up[here]
            path.append(here)
        out[gid] = path[::-1]
    return out


# --- rows ------------------------------------------------------------------------------------------
def _owners(db: Session, principal: Principal, goals: list[Goal],
            units: dict[int, str]) -> dict[int, CascadeOwner]:
    """Who answers for each goal: its owner, else the person of an employee goal, the holder of a post goal's
    post, the holder of a department's head post; named if the viewer sees them, else by their post's title."""
    heads: dict[int, int | None] = {}
    dept_ids = {g.department_id for g in goals if g.level is GoalLevel.DEPARTMENT and g.department_id is not None}
    if dept_ids:
        heads = dict(db.execute(select(Department.id, Department.head_position_id)
                                .where(Department.id.in_(dept_ids))).all())
    post_of: dict[int, int] = {}  # goal -> the post whose holder answers for it (no owner named)
    for g in goals:
        if g.owner_employee_id is None and g.employee_id is None:
            post = g.position_id if g.level is GoalLevel.POST else heads.get(g.department_id or 0)
            if post is not None:
                post_of[g.id] = post
    posts = set(post_of.values())
    holders = dict(db.execute(select(Employee.position_id, Employee.id).where(Employee.position_id.in_(posts))).all()) \
        if posts else {}
    person_of = {g.id: g.owner_employee_id or g.employee_id or holders.get(post_of.get(g.id, 0)) for g in goals}
    people = {p for p in person_of.values() if p is not None}
    info: dict[int, tuple[str, str | None]] = {}
    seen: set[int] = set()
    if people:
        for eid, first, last, post_title in db.execute(
                select(Employee.id, Employee.first_name, Employee.last_name, Position.title)
                .outerjoin(Position, Position.id == Employee.position_id).where(Employee.id.in_(people))):
            info[eid] = (f"{first} {last}", post_title)
        seen = set(db.scalars(select(Employee.id).where(Employee.id.in_(people), employee_filter(principal))))
    titles = dict(db.execute(select(Position.id, Position.title).where(Position.id.in_(posts))).all()) if posts else {}
    out: dict[int, CascadeOwner] = {}
    for g in goals:
        pid = person_of[g.id]
        name, held = info.get(pid, ("", None)) if pid is not None else ("", None)
        title: str | None = held or titles.get(post_of.get(g.id, 0))
        if pid is not None and pid in seen:
            out[g.id] = CascadeOwner(name=name, person=True, post=title, employee_id=pid)
        elif title:
            out[g.id] = CascadeOwner(name=title, person=False, post=title, employee_id=None)
        else:
            out[g.id] = CascadeOwner(name=units.get(g.id) or "Company", person=False, post=None, employee_id=None)
    return out


def _rows(db: Session, principal: Principal, period_id: int, goal_ids: Iterable[int], *,
          own: set[int] | None = None) -> dict[int, CascadeRow]:
    """The rows of ``goal_ids`` (already known to be visible), without weights or nested rows: six queries or
    so, whatever their number."""
    ids = list(dict.fromkeys(goal_ids))
    if not ids:
        return {}
    goals = list(db.scalars(select(Goal).where(Goal.id.in_(ids))))
    results = {r.goal_id: r for r in db.scalars(select(GoalResult).where(GoalResult.goal_id.in_(ids)))}
    indicators = dict(db.execute(select(Indicator.goal_id, func.count(Indicator.id))
                                 .where(Indicator.goal_id.in_(ids)).group_by(Indicator.goal_id)).all())
    kids = dict(db.execute(select(GoalLink.parent_goal_id, func.count())
                           .join(Goal, Goal.id == GoalLink.child_goal_id)
                           .where(GoalLink.parent_goal_id.in_(ids), Goal.period_id == period_id,
                                  visible_goals(principal))
                           .group_by(GoalLink.parent_goal_id)).all())
    units = _unit_names(db, goals)
    owners = _owners(db, principal, goals, units)
    own = own or set()
    out: dict[int, CascadeRow] = {}
    for g in goals:
        r = results.get(g.id)
        out[g.id] = CascadeRow(
            id=g.id, code=g.code, title=g.title, level=g.level, unit=units.get(g.id), weight=None,
            indicators=int(indicators.get(g.id, 0)),
            score=None if r is None or r.score is None else round(r.score, 1),
            progress=None if r is None or r.progress is None else round(r.progress, 3),
            at_risk=bool(r and r.at_risk), owner=owners[g.id], children=int(kids.get(g.id, 0)), own=g.id in own)
    return out


def _own_goals(db: Session, principal: Principal, period_id: int) -> list[int]:
    mine = []
    if principal.position_id is not None:
        mine.append(and_(Goal.level == GoalLevel.POST, Goal.position_id == principal.position_id))
    if principal.employee_id is not None:
        mine += [Goal.employee_id == principal.employee_id, Goal.owner_employee_id == principal.employee_id]
    if not mine:
        return []
    return list(db.scalars(select(Goal.id).where(Goal.period_id == period_id, visible_goals(principal), or_(*mine))
                           .order_by(_level_order(), Goal.code).limit(MAX_OWN)))


def _roots(db: Session, principal: Principal, period_id: int) -> list[int]:
    """The goals the viewer sees that support no goal they see (one pass over the period's links, not one per goal).

    Someone who sees part of the plan (a manager: a few hundred of 150,000 goals) gets the goals they see first,
    then the links among them by id: the database cannot tell from the scope's conditions how few they are and
    would otherwise read every link. HR, who sees every goal, gets one anti-join."""
    if not is_hr(principal):
        seen = db.execute(select(Goal.id, Goal.level, Goal.code)
                          .where(Goal.period_id == period_id, visible_goals(principal))
                          .limit(MAX_LISTED + 1)).all()
        if len(seen) <= MAX_LISTED:
            ids = [gid for gid, _lv, _c in seen]
            supported = set(db.scalars(select(GoalLink.child_goal_id).where(GoalLink.child_goal_id.in_(ids),
                                                                            GoalLink.parent_goal_id.in_(ids))))
            return [gid for gid, _lv, _c in sorted(seen, key=lambda x: (ORDER[x[1]], x[2])) if gid not in supported]
    supported_q = (select(GoalLink.child_goal_id)
                   .where(GoalLink.child_goal_id == Goal.id,
                          GoalLink.parent_goal_id.in_(_visible_ids(principal, period_id)))
                   .exists())
    goals = db.execute(select(Goal.id, Goal.level, Goal.code)
                       .where(Goal.period_id == period_id, visible_goals(principal), ~supported_q)).all()
    return [gid for gid, _lv, _c in sorted(goals, key=lambda x: (ORDER[x[1]], x[2]))]


# --- the page --------------------------------------------------------------------------------------
def cascade_page(db: Session, *, principal: Principal, period_id: int, focus_goal_id: int | None = None,
                 q: str | None = None, page: int = 1) -> CascadePage:
    """The cascade page of a period: the top of the cascade with the path to the viewer's own goals opened
    (module docstring), or to ``focus_goal_id`` and its supporting goals; with ``q``, the search's hits."""
    period = get_period(db, period_id)
    focus = None
    if focus_goal_id is not None:
        focus = get_visible_goal(db, principal=principal, goal_id=focus_goal_id)
        if focus.period_id != period_id:
            raise NotFound("Goal", focus_goal_id)
    search = cascade_search(db, principal=principal, period_id=period_id, q=q, page=page) if q else None
    own = _own_goals(db, principal, period_id)
    targets = [focus.id] if focus is not None else own
    paths = _paths(db, principal, period_id, targets)
    opened = {gid for path in paths.values() for gid in path}
    if focus is not None:
        opened.add(focus.id)
    roots = _roots(db, principal, period_id)
    below = _supporting(db, principal, period_id, opened)
    rows = _rows(db, principal, period_id, [*roots, *(c for kids in below.values() for c, _ in kids)], own=set(own))

    def build(gid: int, weight: float | None, trail: tuple[int, ...]) -> CascadeRow:
        row = rows[gid].model_copy(update={"weight": weight, "focus": focus is not None and gid == focus.id})
        if gid in opened and gid not in trail and len(trail) < MAX_DEPTH:
            row.rows = [build(c, w, (*trail, gid)) for c, w in below.get(gid, [])]
        return row

    tree = [build(gid, None, ()) for gid in roots]
    total = db.scalar(select(func.count()).select_from(Goal).where(Goal.period_id == period_id,
                                                                   visible_goals(principal))) or 0
    path: list[PathStep] = []
    if focus is not None:
        steps = {g.id: g for g in db.scalars(select(Goal).where(Goal.id.in_(paths[focus.id])))}
        path = [PathStep(id=i, code=steps[i].code, title=steps[i].title) for i in paths[focus.id] if i in steps]
    focus_row = rows.get(focus.id) if focus is not None else None
    if focus is not None and focus_row is None:
        focus_row = _rows(db, principal, period_id, [focus.id])[focus.id]
    return CascadePage(period=period, roots=tree, goals=int(total), own=len(own), focus=focus_row, path=path,
                       search=search)


def cascade_children(db: Session, *, principal: Principal, period_id: int, goal_id: int) -> list[CascadeRow]:
    """The visible goals supporting ``goal_id`` (a goal of ``period_id`` the viewer sees, else not found),
    heaviest link first, each with its link weight."""
    goal = get_visible_goal(db, principal=principal, goal_id=goal_id)
    if goal.period_id != period_id:
        raise NotFound("Goal", goal_id)
    kids = _supporting(db, principal, period_id, [goal.id]).get(goal.id, [])
    rows = _rows(db, principal, period_id, [c for c, _ in kids], own=set(_own_goals(db, principal, period_id)))
    return [rows[c].model_copy(update={"weight": w}) for c, w in kids]


def cascade_search(db: Session, *, principal: Principal, period_id: int, q: str | None,
                   page: int = 1, page_size: int = PAGE_SIZE) -> CascadeSearch:
    """The visible goals of the period whose title or code holds ``q``, or whose owner (as ``_owners`` names
    them) is a person the viewer sees whose name holds it; by level and code, ``page_size`` a page, each with
    its path from the top of the cascade."""
    get_period(db, period_id)
    text = " ".join((q or "").split())
    if len(text) > MAX_QUERY:
        raise Invalid(f"q: search for at most {MAX_QUERY} characters", field="q")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        # a NUL ends SQLite's LIKE pattern there (matching every goal) and PostgreSQL refuses it
        raise Invalid("q: search for plain text (no control characters)", field="q")
    if page < 1:
        raise Invalid("page: pages count from 1", field="page")
    if not text:
        return CascadeSearch(q="", hits=[], total=0, page=1, page_size=page_size)
    # the people named, found once (a CTE the statement reads four times: PostgreSQL materialises it)
    people = (select(Employee.id, Employee.position_id)
              .where(employee_filter(principal),
                     (Employee.first_name + " " + Employee.last_name).icontains(text, autoescape=True))
              .cte("named_people"))
    named = select(people.c.id)
    named_posts = select(people.c.position_id).where(people.c.position_id.is_not(None))
    headed = select(Department.id).where(Department.head_position_id.in_(named_posts))
    by_owner = or_(Goal.owner_employee_id.in_(named),
                   and_(Goal.owner_employee_id.is_(None),
                        or_(Goal.employee_id.in_(named),
                            and_(Goal.employee_id.is_(None), Goal.level == GoalLevel.POST,
                                 Goal.position_id.in_(named_posts)),
                            and_(Goal.level == GoalLevel.DEPARTMENT, Goal.department_id.in_(headed)))))
    match = and_(Goal.period_id == period_id, visible_goals(principal),
                 or_(Goal.title.icontains(text, autoescape=True), Goal.code.icontains(text, autoescape=True), by_owner))
    # the page and the number of hits in one statement (the count a window over the matches); a page past the
    # last has no row to carry it, so only then is it counted apart
    got = db.execute(select(Goal.id, func.count().over()).where(match).order_by(_level_order(), Goal.code, Goal.id)
                     .offset((page - 1) * page_size).limit(page_size)).all()
    found = [gid for gid, _n in got]
    total = got[0][1] if got else (db.scalar(select(func.count()).select_from(Goal).where(match)) or 0)
    rows = _rows(db, principal, period_id, found)
    paths = _paths(db, principal, period_id, found)
    steps = {g.id: g for g in db.scalars(select(Goal).where(Goal.id.in_({i for p in paths.values() for i in p})))}
    hits = [CascadeHit(row=rows[g], path=[PathStep(id=i, code=steps[i].code, title=steps[i].title)
                                          for i in paths[g] if i in steps]) for g in found if g in rows]
    return CascadeSearch(q=text, hits=hits, total=int(total), page=page, page_size=page_size)
