"""Setting a period up (HR): a new period, started empty, from a previous period's goal plan or from a template;
a period's plan saved as a template; what the set-up pages list (the plan's goals with their weight sums, the
people and units a form may name, the goals a goal's links may choose from).

The copy (``copy_plan``) takes the plan only: goals of every level with their unit and owner, the links between
them with their weights, and the indicators with everything that defines them (kind, direction, class, unit,
baseline, bounds, milestones, weight, owner, formula, cadence). Never check-ins, results or ratings. Codes stay
the same (they are unique per period). People who have left (not active):

- an employee goal of a person who has left is not copied (nor the links to it): it was theirs alone;
- a goal or indicator whose *owner* has left is copied without an owner (the goal still belongs to its unit or
  post; HR names a new owner), and the result lists it.

A dropped link leaves its parent's weights short of 100: ``cascade.plan_problems`` shows it and the period cannot
start until it is fixed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hcm.errors import Conflict, Forbidden, Invalid
from hcm.org.models import BusinessProcess, Department, Employee, EmployeeStatus, Position
from hcm.org.queries import department_subtree_ids
from hcm.policy import Principal, require_hr
from performance import scoring
from performance.models import Goal, GoalLevel, GoalLink, Indicator, Period, PeriodKind, PeriodState
from performance.policy import goal_owners, may_plan, visible_goals
from performance.schemas_setup import CopyResult, Skipped
from performance.service import periods
from performance.service.cascade import _unit_names, get_visible_goal, get_visible_indicator
from performance.service.lookups import ensure_state, ensure_writable, get_period

_GOAL_FIELDS = ("code", "title", "description", "level", "department_id", "process_id", "position_id", "employee_id",
                "owner_employee_id")
_INDICATOR_FIELDS = ("code", "name", "kind", "direction", "klass", "unit", "baseline", "threshold", "target", "stretch",
                     "target_low", "target_high", "threshold_low", "threshold_high", "milestones_total", "weight",
                     "owner_employee_id", "formula", "cadence")
RANK = {GoalLevel.COMPANY: 0, GoalLevel.DEPARTMENT: 1, GoalLevel.PROCESS: 1, GoalLevel.POST: 2, GoalLevel.EMPLOYEE: 3}
CANDIDATES_SHOWN = 300  # goals a link form offers at most (the next level down, within the parent's department)


# --- periods ---------------------------------------------------------------------------------------
def list_periods(db: Session, *, principal: Principal) -> list[dict[str, Any]]:
    """Every period, newest first, with its number of goals."""
    require_hr(principal, "set periods up")
    counts = dict(db.execute(select(Goal.period_id, func.count(Goal.id)).group_by(Goal.period_id)).all())
    rows = db.scalars(select(Period).order_by(Period.start_date.desc(), Period.id.desc()))
    return [{"period": p, "goals": counts.get(p.id, 0)} for p in rows]


def start_period(db: Session, *, principal: Principal, code: str, name: str, kind: PeriodKind, start_date: date,
                 end_date: date, source_period_id: int | None = None, parent_id: int | None = None,
                 **settings: Any) -> tuple[Period, CopyResult | None]:
    """A new period in planning, empty or with the goal plan of ``source_period_id`` (a previous period or a
    template) copied into it."""
    require_hr(principal, "open a period")
    if source_period_id is not None:
        get_period(db, source_period_id)  # an unknown source is refused before anything is written
    p = periods.create_period(db, code=code, name=name, kind=kind, start_date=start_date, end_date=end_date,
                              parent_id=parent_id, **settings)
    copied = None
    if source_period_id is not None:
        copied = copy_plan(db, principal=principal, source_period_id=source_period_id, target_period_id=p.id)
    return p, copied


def save_as_template(db: Session, *, principal: Principal, source_period_id: int, code: str,
                     name: str) -> tuple[Period, CopyResult]:
    """A new template period (same dates and mix as the source) holding a copy of the source's goal plan."""
    require_hr(principal, "save a plan as a template")
    src = get_period(db, source_period_id)
    p = periods.create_period(db, code=code, name=name, kind=src.kind, start_date=src.start_date,
                              end_date=src.end_date, dept_operational_share=src.dept_operational_share,
                              post_operational_share=src.post_operational_share,
                              collaboration_weight=src.collaboration_weight, competency_weight=src.competency_weight,
                              target_distribution=dict(src.target_distribution))
    p.is_template = True
    db.flush()
    return p, copy_plan(db, principal=principal, source_period_id=src.id, target_period_id=p.id)


def set_template(db: Session, *, principal: Principal, period_id: int, is_template: bool) -> Period:
    """Mark (or unmark) a period in planning as a template: a plan to start periods from, never started."""
    require_hr(principal, "mark a period as a template")
    p = ensure_writable(db, period_id, for_update=True)
    ensure_state(p, PeriodState.PLANNING, action="marking a period as a template")
    p.is_template = is_template
    db.flush()
    return p


# --- the copy --------------------------------------------------------------------------------------
def copy_plan(db: Session, *, principal: Principal, source_period_id: int, target_period_id: int) -> CopyResult:
    """Copy the goal plan of the source period into the target (in planning, without goals of its own)."""
    require_hr(principal, "copy a goal plan")
    if source_period_id == target_period_id:
        raise Invalid("a period cannot be started from its own plan", field="source_period_id")
    src = get_period(db, source_period_id)
    target = ensure_writable(db, target_period_id)
    ensure_state(target, PeriodState.PLANNING, action="copying a goal plan")
    if db.execute(select(Goal.id).where(Goal.period_id == target.id).limit(1)).first():
        raise Conflict(f"period {target.code!r} already has goals: a plan is copied into an empty period only",
                       field="source_period_id")
    goals = list(db.scalars(select(Goal).where(Goal.period_id == src.id).order_by(Goal.id)))
    indicators = list(db.scalars(select(Indicator).join(Goal, Goal.id == Indicator.goal_id)
                                 .where(Goal.period_id == src.id).order_by(Indicator.id)))
    people = {g.employee_id for g in goals} | {g.owner_employee_id for g in goals} | {
        i.owner_employee_id for i in indicators}
    people.discard(None)
    active = set(db.scalars(select(Employee.id).where(Employee.id.in_(people),
                                                      Employee.status == EmployeeStatus.ACTIVE))) if people else set()
    skipped: list[Skipped] = []
    cleared: list[Skipped] = []
    new_id: dict[int, int] = {}
    code_of = {g.id: g.code for g in goals}
    for g in goals:
        if g.level is GoalLevel.EMPLOYEE and g.employee_id not in active:
            skipped.append(Skipped(what="goal", code=g.code, reason="the employee it belongs to has left"))
            continue
        values = {f: getattr(g, f) for f in _GOAL_FIELDS}
        if g.owner_employee_id is not None and g.owner_employee_id not in active:
            values["owner_employee_id"] = None
            cleared.append(Skipped(what="goal", code=g.code, reason="its owner has left: copied without an owner"))
        copy = Goal(period_id=target.id, **values)
        db.add(copy)
        db.flush()
        new_id[g.id] = copy.id
    links = 0
    rows = db.execute(select(GoalLink).join(Goal, Goal.id == GoalLink.parent_goal_id)
                      .where(Goal.period_id == src.id)).scalars()
    for link in rows:
        parent, child = new_id.get(link.parent_goal_id), new_id.get(link.child_goal_id)
        if parent is None or child is None:
            continue  # a link to a goal left out; its parent's weights now say so in the plan problems
        db.add(GoalLink(parent_goal_id=parent, child_goal_id=child, weight=link.weight))
        links += 1
    n_ind = 0
    for ind in indicators:
        goal_id = new_id.get(ind.goal_id)
        if goal_id is None:
            continue
        values = {f: getattr(ind, f) for f in _INDICATOR_FIELDS}
        if ind.owner_employee_id is not None and ind.owner_employee_id not in active:
            values["owner_employee_id"] = None
            cleared.append(Skipped(what="indicator", code=f"{code_of[ind.goal_id]}/{ind.code}",
                                   reason="its owner has left: copied without an owner"))
        try:  # a new period scores with the formula's current version
            version = scoring.latest_version(ind.formula)
        except KeyError:
            version = ind.formula_version
        db.add(Indicator(goal_id=goal_id, formula_version=version, **values))
        n_ind += 1
    db.flush()
    return CopyResult(source_period_id=src.id, target_period_id=target.id, goals=len(new_id), links=links,
                      indicators=n_ind, skipped=skipped, cleared_owners=cleared)


# --- what the set-up pages list --------------------------------------------------------------------
def person_name(e: Employee) -> str:
    return f"{e.first_name} {e.last_name}"


def plan_goals(db: Session, *, principal: Principal, period_id: int, offset: int = 0,
               limit: int | None = None) -> list[dict[str, Any]]:
    """The plan's goals in level and code order (``limit`` of them from ``offset``: a page), each with its unit,
    owner, indicator weights and link weights."""
    require_hr(principal, "set a plan up")
    goals = list(db.scalars(select(Goal).where(Goal.period_id == period_id, visible_goals(principal))
                            .order_by(case(RANK, value=Goal.level), Goal.level, Goal.code, Goal.id)
                            .offset(offset).limit(limit)))
    ids = [g.id for g in goals]
    ind = {gid: (n, float(w or 0)) for gid, n, w in db.execute(
        select(Indicator.goal_id, func.count(Indicator.id), func.sum(Indicator.weight))
        .where(Indicator.goal_id.in_(ids)).group_by(Indicator.goal_id))} if ids else {}
    kids = {gid: (n, float(w or 0)) for gid, n, w in db.execute(
        select(GoalLink.parent_goal_id, func.count(), func.sum(GoalLink.weight))
        .where(GoalLink.parent_goal_id.in_(ids)).group_by(GoalLink.parent_goal_id))} if ids else {}
    owners = _names(db, {g.owner_employee_id for g in goals})
    units = _unit_names(db, goals)
    return [{"goal": g, "unit": units.get(g.id), "owner": owners.get(g.owner_employee_id),
             "indicators": ind.get(g.id, (0, 0.0))[0], "indicator_weight": ind.get(g.id, (0, 0.0))[1],
             "children": kids.get(g.id, (0, 0.0))[0], "child_weight": kids.get(g.id, (0, 0.0))[1]} for g in goals]


def plan_size(db: Session, *, principal: Principal, period_id: int) -> int:
    """How many goals the plan has (what ``plan_goals`` pages through)."""
    require_hr(principal, "set a plan up")
    return db.scalar(select(func.count(Goal.id)).where(Goal.period_id == period_id, visible_goals(principal))) or 0


def _names(db: Session, ids: set[int | None]) -> dict[int | None, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {e.id: person_name(e) for e in db.scalars(select(Employee).where(Employee.id.in_(wanted)))}


def owner_choices(db: Session, *, principal: Principal) -> list[dict[str, Any]]:
    """Whom a goal or indicator form offers as its owner: the active people the viewer may see."""
    rows = db.execute(select(Employee.id, Employee.first_name, Employee.last_name)
                      .where(goal_owners(principal), Employee.status == EmployeeStatus.ACTIVE)
                      .order_by(Employee.last_name, Employee.first_name, Employee.id))
    return [{"id": i, "name": f"{f} {ln}"} for i, f, ln in rows]


def unit_choices(db: Session, *, principal: Principal) -> dict[str, list[dict[str, Any]]]:
    """What a new goal may belong to, per level: departments, processes, posts, and the active people seen."""
    require_hr(principal, "set a plan up")
    return {
        "department_id": [{"id": i, "name": n} for i, n in db.execute(
            select(Department.id, Department.name).order_by(Department.name))],
        "process_id": [{"id": i, "name": n} for i, n in db.execute(
            select(BusinessProcess.id, BusinessProcess.name).order_by(BusinessProcess.name))],
        "position_id": [{"id": i, "name": f"{t} ({c})"} for i, t, c in db.execute(
            select(Position.id, Position.title, Position.code).order_by(Position.title, Position.code))],
        "employee_id": owner_choices(db, principal=principal),
    }


def _may_plan(db: Session, principal: Principal, goal: Goal) -> None:
    if not may_plan(db, principal, level=goal.level, position_id=goal.position_id, employee_id=goal.employee_id):
        raise Forbidden(f"the role {principal.role.value!r} may not plan {goal.level.value} goal {goal.code!r}")


def goal_editor(db: Session, *, principal: Principal, goal_id: int) -> dict[str, Any]:
    """A goal as its set-up page shows it: the goal, its period, its indicators, the goals supporting it with their
    weights, and the goals a link may add (the next level down; below a department goal, within its department).
    HR plans every goal; a manager the post and employee goals of his subtree (``may_plan``); a goal the caller does
    not see is not found."""
    goal = get_visible_goal(db, principal=principal, goal_id=goal_id)
    _may_plan(db, principal, goal)
    period = get_period(db, goal.period_id)
    indicators = list(db.scalars(select(Indicator).where(Indicator.goal_id == goal.id).order_by(Indicator.code)))
    links = list(db.execute(select(Goal, GoalLink.weight).join(GoalLink, GoalLink.child_goal_id == Goal.id)
                            .where(GoalLink.parent_goal_id == goal.id).order_by(Goal.code)).tuples())
    parents = list(db.execute(select(Goal, GoalLink.weight).join(GoalLink, GoalLink.parent_goal_id == Goal.id)
                              .where(GoalLink.child_goal_id == goal.id).order_by(Goal.code)).tuples())
    linked = {g.id for g, _ in links}
    below = [lv for lv, r in RANK.items() if r == RANK[goal.level] + 1]
    candidates: list[Goal] = []
    truncated = False
    if below:
        stmt = select(Goal).where(Goal.period_id == goal.period_id, Goal.level.in_(below), Goal.id.not_in(linked or {0}),
                                  visible_goals(principal))
        if goal.level is GoalLevel.DEPARTMENT and goal.department_id is not None:
            stmt = stmt.where(Goal.position_id.in_(select(Position.id).where(
                Position.department_id.in_(department_subtree_ids(goal.department_id)))))
        candidates = list(db.scalars(stmt.order_by(Goal.code).limit(CANDIDATES_SHOWN + 1)))
        truncated = len(candidates) > CANDIDATES_SHOWN
        candidates = candidates[:CANDIDATES_SHOWN]
    units = _unit_names(db, [goal, *candidates, *(g for g, _ in links)])
    owners = _names(db, {goal.owner_employee_id} | {i.owner_employee_id for i in indicators})
    weights: dict[int, float] = defaultdict(float)
    for i in indicators:
        weights[goal.id] += i.weight
    return {"goal": goal, "period": period, "unit": units.get(goal.id), "indicators": indicators, "owners": owners,
            "links": [{"goal": g, "weight": w, "unit": units.get(g.id)} for g, w in links],
            "parents": [{"goal": g, "weight": w} for g, w in parents],
            "candidates": [{"goal": g, "unit": units.get(g.id)} for g in candidates], "truncated": truncated,
            "indicator_weight": weights[goal.id]}


def indicator_editor(db: Session, *, principal: Principal, indicator_id: int) -> dict[str, Any]:
    """An indicator with its goal and the weights of the goal's other indicators (what its own must complete)."""
    ind = get_visible_indicator(db, principal=principal, indicator_id=indicator_id)
    goal = get_visible_goal(db, principal=principal, goal_id=ind.goal_id)
    _may_plan(db, principal, goal)
    others = db.scalar(select(func.sum(Indicator.weight)).where(Indicator.goal_id == goal.id, Indicator.id != ind.id))
    return {"indicator": ind, "goal": goal, "period": get_period(db, goal.period_id), "other_weight": float(others or 0)}
