"""The goal & indicator cascade: company -> department (and process) -> post -> employee goals, linked
with weights; indicators on each goal; check-ins during the period.

Who plans what: HR plans every level; a manager plans post and employee goals for posts in their
reporting subtree. Check-ins come from HR, the indicator's or goal's owner, the person the goal belongs
to, or a manager above them -- except a rubric level of one's own post or employee goal, which judges the
person and is recorded by their manager or HR (the self-judgement rule). These rules, and which goals someone
sees, are ``performance.policy``'s.

The scope rule: a goal or indicator id a request names is looked up within the goals the caller sees
(``get_visible_goal``, ``get_visible_indicator``), and an employee a body names (the employee of an employee
goal, the owner of a goal or indicator) within the people the planner sees (``performance.policy.goal_owners``):
anything else answers as an id that names nothing, before any other rule.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pydantic
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hcm.db import get_or_404
from hcm.errors import Conflict, Forbidden, Invalid, NotFound
from hcm.org.models import BusinessProcess, Department, Employee, Position
from hcm.policy import Principal, require_hr, visible_employee
from performance import rules, scoring
from performance.models import (
    CheckIn,
    Direction,
    Goal,
    GoalLevel,
    GoalLink,
    GoalResult,
    Indicator,
    IndicatorKind,
    PeriodState,
)
from performance.policy import goal_owners, judges_holder, may_check_in, may_plan, self_judgement, visible_goals
from performance.schemas import CascadeNode, CheckInIn, ChildrenIn, GoalIn, GoalPatch, IndicatorIn, PlanProblem
from performance.service.lookups import ensure_state, ensure_writable, get_period
from performance.tasks import recompute_after_commit

# What each level's goal must point at.
_LEVEL_TARGET = {
    GoalLevel.COMPANY: None,
    GoalLevel.DEPARTMENT: "department_id",
    GoalLevel.PROCESS: "process_id",
    GoalLevel.POST: "position_id",
    GoalLevel.EMPLOYEE: "employee_id",
}
_TARGET_MODEL = {"department_id": Department, "process_id": BusinessProcess, "position_id": Position,
                 "employee_id": Employee}
# A link goes from a lower level up to a higher one (process goals support company goals, like departments).
_RANK = {GoalLevel.COMPANY: 0, GoalLevel.DEPARTMENT: 1, GoalLevel.PROCESS: 1, GoalLevel.POST: 2,
         GoalLevel.EMPLOYEE: 3}


def get_goal(db: Session, goal_id: int) -> Goal:
    return get_or_404(db, Goal, goal_id)


def get_indicator(db: Session, indicator_id: int) -> Indicator:
    return get_or_404(db, Indicator, indicator_id)


def get_visible_indicator(db: Session, *, principal: Principal, indicator_id: int) -> Indicator:
    """An indicator of a goal the caller sees; any other is not found, like one that does not exist."""
    return get_or_404(db, Indicator, indicator_id,
                      visible=Indicator.goal_id.in_(select(Goal.id).where(visible_goals(principal))))


def _person_ref(db: Session, principal: Principal, employee_id: int | None, field: str) -> None:
    """An employee a goal or indicator names in its body: someone the planner sees, or the 422 of nobody."""
    if employee_id is not None:
        visible_employee(db, principal, employee_id, among=goal_owners(principal), field=field, reference=True)


# --- planning rights -------------------------------------------------------------------------------
def _check_plan_rights(db: Session, principal: Principal, goal: Goal) -> None:
    if not may_plan(db, principal, level=goal.level, position_id=goal.position_id, employee_id=goal.employee_id):
        raise Forbidden(f"the role {principal.role.value!r} may not plan {goal.level.value} goal {goal.code!r}")


# --- goals -----------------------------------------------------------------------------------------
def create_goal(db: Session, *, principal: Principal, period_id: int, data: GoalIn) -> Goal:
    period = ensure_writable(db, period_id)
    ensure_state(period, PeriodState.PLANNING, PeriodState.IN_PROGRESS, action="adding a goal")
    _person_ref(db, principal, data.employee_id, "employee_id")
    _person_ref(db, principal, data.owner_employee_id, "owner_employee_id")
    target_field = _LEVEL_TARGET[data.level]
    for f in _TARGET_MODEL:
        value = getattr(data, f)
        if f == target_field:
            if value is None:
                raise Invalid(f"a {data.level.value} goal needs {f}", field=f)
            if db.get(_TARGET_MODEL[f], value) is None:
                raise Invalid(f"{f}={value} does not point at an existing {_TARGET_MODEL[f].__name__}", field=f)
        elif value is not None and not (f == "position_id" and data.level is GoalLevel.EMPLOYEE):
            raise Invalid(f"a {data.level.value} goal does not take {f}", field=f)
    if not may_plan(db, principal, level=data.level, position_id=data.position_id, employee_id=data.employee_id):
        raise Forbidden(f"the role {principal.role.value!r} may not plan {data.level.value} goals here")
    if db.scalar(select(Goal.id).where(Goal.period_id == period_id, Goal.code == data.code)) is not None:
        raise Conflict(f"code={data.code!r} is already used by another goal of period {period.code!r}", field="code")
    goal = Goal(period_id=period_id, **data.model_dump())
    db.add(goal)
    db.flush()
    return goal


def update_goal(db: Session, *, principal: Principal, goal_id: int, data: GoalPatch) -> Goal:
    goal = get_visible_goal(db, principal=principal, goal_id=goal_id)
    if "owner_employee_id" in data.model_fields_set:
        _person_ref(db, principal, data.owner_employee_id, "owner_employee_id")
    ensure_writable(db, goal.period_id)
    _check_plan_rights(db, principal, goal)
    for k, v in data.model_dump(exclude_unset=True).items():
        setattr(goal, k, v)
    db.flush()
    return goal


def delete_goal(db: Session, *, principal: Principal, goal_id: int) -> None:
    goal = get_visible_goal(db, principal=principal, goal_id=goal_id)
    period = ensure_writable(db, goal.period_id)
    ensure_state(period, PeriodState.PLANNING, action="deleting a goal")
    _check_plan_rights(db, principal, goal)
    if db.execute(select(GoalLink.child_goal_id).where(GoalLink.parent_goal_id == goal.id).limit(1)).first():
        raise Conflict(f"goal {goal.code!r} has supporting goals; unlink them first")
    parents = db.scalars(select(GoalLink.parent_goal_id).where(GoalLink.child_goal_id == goal.id)).all()
    if parents:
        raise Conflict(f"goal {goal.code!r} supports goals {sorted(parents)}; re-weight their children first")
    db.delete(goal)
    db.flush()


def set_children(db: Session, *, principal: Principal, parent_goal_id: int, data: ChildrenIn) -> list[GoalLink]:
    """Replace the complete set of goals supporting ``parent_goal_id``. Weights must add to 100; the
    links must not close a cycle; children belong to the same period and sit at a lower level."""
    parent = get_visible_goal(db, principal=principal, goal_id=parent_goal_id)
    ensure_writable(db, parent.period_id)
    if parent.level in (GoalLevel.POST, GoalLevel.EMPLOYEE):
        _check_plan_rights(db, principal, parent)
    else:
        require_hr(principal, "link goals at company, department or process level")
    ids = [c.child_goal_id for c in data.children]
    if len(set(ids)) != len(ids):
        raise Invalid("a child goal is listed twice", field="children")
    if data.children and not rules.weights_add_to_100(c.weight for c in data.children):
        total = sum(c.weight for c in data.children)
        raise Invalid(f"weights of the children of goal {parent.code!r} add to {total:g}, not 100", field="children")
    children = {g.id: g for g in db.scalars(select(Goal).where(Goal.id.in_(ids), visible_goals(principal)))} if ids else {}
    for i, cid in enumerate(ids):
        child = children.get(cid)
        if child is None:
            raise Invalid(f"child_goal_id={cid} does not point at an existing Goal", field=f"children[{i}].child_goal_id")
        if child.period_id != parent.period_id:
            raise Invalid(f"goal {child.code!r} belongs to another period", field=f"children[{i}].child_goal_id")
        if cid == parent.id:
            raise Invalid(f"goal {parent.code!r} cannot support itself (a cycle)", field=f"children[{i}].child_goal_id")
        if _RANK[child.level] <= _RANK[parent.level]:
            raise Invalid(f"a {child.level.value} goal cannot support a {parent.level.value} goal "
                          "(links go from lower levels up)", field=f"children[{i}].child_goal_id")
    # Cycle check on the whole link graph of the period, with this parent's links replaced.
    edges: dict[int, list[int]] = defaultdict(list)
    rows = db.execute(select(GoalLink.parent_goal_id, GoalLink.child_goal_id)
                      .join(Goal, Goal.id == GoalLink.parent_goal_id).where(Goal.period_id == parent.period_id))
    for p, c in rows:
        if p != parent.id:
            edges[p].append(c)
    for i, cid in enumerate(ids):
        if rules.reaches(edges, cid, parent.id):
            raise Invalid(f"linking goal {children[cid].code!r} under {parent.code!r} would close a cycle",
                          field=f"children[{i}].child_goal_id")
    db.execute(delete(GoalLink).where(GoalLink.parent_goal_id == parent.id))
    links = [GoalLink(parent_goal_id=parent.id, child_goal_id=c.child_goal_id, weight=c.weight) for c in data.children]
    db.add_all(links)
    db.flush()
    return links


# --- indicators ------------------------------------------------------------------------------------
def default_formula(kind: IndicatorKind, direction: Direction) -> str:
    if kind is IndicatorKind.MILESTONE:
        return "milestone"
    if kind is IndicatorKind.RUBRIC:
        return "rubric"
    return "range" if direction is Direction.RANGE else "linear"


def _validate_indicator(data: IndicatorIn) -> None:
    if data.kind is not IndicatorKind.QUANTITATIVE:
        return
    try:
        scoring.validate_bounds(
            data.direction.value, data.threshold, data.target, data.stretch,
            target_low=data.target_low, target_high=data.target_high,
            threshold_low=data.threshold_low, threshold_high=data.threshold_high,
        )
    except ValueError as exc:
        msg = str(exc)
        field = next((f for f in ("threshold_low", "threshold_high", "target_low", "target_high", "threshold",
                                  "stretch", "target") if f in msg), "threshold")
        raise Invalid(msg, field=field) from exc


def create_indicator(db: Session, *, principal: Principal, goal_id: int, data: IndicatorIn) -> Indicator:
    goal = get_visible_goal(db, principal=principal, goal_id=goal_id)
    _person_ref(db, principal, data.owner_employee_id, "owner_employee_id")
    period = ensure_writable(db, goal.period_id)
    ensure_state(period, PeriodState.PLANNING, PeriodState.IN_PROGRESS, action="adding an indicator")
    _check_plan_rights(db, principal, goal)
    _validate_indicator(data)
    formula = data.formula or default_formula(data.kind, data.direction)
    try:
        version = scoring.latest_version(formula)
    except KeyError as exc:
        raise Invalid(f"unknown formula {formula!r}", field="formula") from exc
    if db.scalar(select(Indicator.id).where(Indicator.goal_id == goal.id, Indicator.code == data.code)) is not None:
        raise Conflict(f"code={data.code!r} is already used by another indicator of goal {goal.code!r}", field="code")
    values = data.model_dump(exclude={"formula"})
    ind = Indicator(goal_id=goal.id, formula=formula, formula_version=version, **values)
    db.add(ind)
    db.flush()
    return ind


def update_indicator(db: Session, *, principal: Principal, indicator_id: int, data: Any) -> Indicator:
    """Change an indicator (``performance.schemas_setup.IndicatorPatch``: only the fields sent). The result is
    checked as a new indicator would be (its shape, the order of its bounds, its formula, its code unique in its
    goal), while the period is in planning or in progress. Once it has check-ins its kind stays. The formula
    follows a new kind or direction unless one is given; an edit of a period in progress recomputes it."""
    from performance.schemas_setup import IndicatorSetupIn  # the shapes of the set-up, beside this module's own

    ind = get_visible_indicator(db, principal=principal, indicator_id=indicator_id)
    goal = get_goal(db, ind.goal_id)
    sent = data.model_dump(exclude_unset=True)
    if "owner_employee_id" in sent:
        _person_ref(db, principal, sent["owner_employee_id"], "owner_employee_id")
    period = ensure_writable(db, goal.period_id)
    ensure_state(period, PeriodState.PLANNING, PeriodState.IN_PROGRESS, action="changing an indicator")
    _check_plan_rights(db, principal, goal)
    fields = [f for f in IndicatorSetupIn.model_fields if f != "formula"]
    merged = {f: getattr(ind, f) for f in fields} | {k: v for k, v in sent.items() if k != "formula"}
    shape_changed = any(k in sent and sent[k] != getattr(ind, k) for k in ("kind", "direction"))
    formula = sent.get("formula") or (default_formula(merged["kind"], merged["direction"]) if shape_changed
                                      else ind.formula)
    try:
        checked = IndicatorSetupIn(**merged, formula=formula)
    except pydantic.ValidationError as exc:  # the model's own rules (a quantitative indicator needs its bounds, ...)
        msg = str(exc.errors()[0].get("msg", exc))
        field = next((f for f in ("milestones_total", "target_low", "target_high", "threshold_low", "threshold_high",
                                  "threshold", "target") if f in msg), "kind")
        raise Invalid(msg.removeprefix("Value error, "), field=field) from None
    _validate_indicator(checked)
    if "kind" in sent and sent["kind"] is not ind.kind and db.execute(
            select(CheckIn.id).where(CheckIn.indicator_id == ind.id).limit(1)).first():
        raise Conflict(f"indicator {ind.code!r} has check-ins: its kind stays {ind.kind.value}", field="kind")
    try:
        version = scoring.latest_version(formula) if formula != ind.formula else ind.formula_version
    except KeyError as exc:
        raise Invalid(f"unknown formula {formula!r}", field="formula") from exc
    if checked.code != ind.code and db.scalar(select(Indicator.id).where(
            Indicator.goal_id == goal.id, Indicator.code == checked.code)) is not None:
        raise Conflict(f"code={checked.code!r} is already used by another indicator of goal {goal.code!r}", field="code")
    for k, v in checked.model_dump(exclude={"formula"}).items():
        setattr(ind, k, v)
    ind.formula, ind.formula_version = formula, version
    db.flush()
    if period.state is PeriodState.IN_PROGRESS:
        recompute_after_commit(db, period.id)
    return ind


def plan_problems(db: Session, *, period_id: int) -> list[PlanProblem]:
    """What stops a period from starting: indicator weights per goal and link weights per parent."""
    problems: list[PlanProblem] = []
    rows = db.execute(
        select(Goal.id, Goal.code, func.sum(Indicator.weight), func.count(Indicator.id))
        .join(Indicator, Indicator.goal_id == Goal.id).where(Goal.period_id == period_id).group_by(Goal.id, Goal.code)
    )
    for gid, code, total, _n in rows:
        if not rules.weights_add_to_100([float(total)]):
            problems.append(PlanProblem(goal_id=gid, goal=code, rule="indicator weights of a goal add to 100",
                                        total=float(total)))
    links = db.execute(
        select(Goal.id, Goal.code, func.sum(GoalLink.weight))
        .join(GoalLink, GoalLink.parent_goal_id == Goal.id).where(Goal.period_id == period_id).group_by(Goal.id, Goal.code)
    )
    for gid, code, total in links:
        if not rules.weights_add_to_100([float(total)]):
            problems.append(PlanProblem(goal_id=gid, goal=code, rule="weights of the children of a goal add to 100",
                                        total=float(total)))
    return problems


# --- check-ins -------------------------------------------------------------------------------------
def check_in(db: Session, *, principal: Principal, indicator_id: int, data: CheckInIn) -> CheckIn:
    ind = get_visible_indicator(db, principal=principal, indicator_id=indicator_id)
    goal = get_goal(db, ind.goal_id)
    period = ensure_writable(db, goal.period_id)
    ensure_state(period, PeriodState.IN_PROGRESS, PeriodState.REVIEW, action="a check-in")
    if judges_holder(db, principal, indicator=ind, goal=goal):
        raise self_judgement(f"the rubric level of indicator {ind.code!r}", field="indicator_id")
    if not may_check_in(db, principal, indicator=ind, goal=goal):
        raise Forbidden(f"the role {principal.role.value!r} may not check in on indicator {ind.code!r}")
    if not period.start_date <= data.as_of <= period.end_date:
        raise Invalid(f"as_of {data.as_of} is outside the period {period.code!r} "
                      f"({period.start_date} .. {period.end_date})", field="as_of")
    if ind.kind is IndicatorKind.QUANTITATIVE and data.actual is None:
        raise Invalid(f"indicator {ind.code!r} is quantitative: give an actual value", field="actual")
    if ind.kind is IndicatorKind.MILESTONE:
        if data.milestones_done is None:
            raise Invalid(f"indicator {ind.code!r} counts milestones: give milestones_done", field="milestones_done")
        if data.milestones_done > (ind.milestones_total or 0):
            raise Invalid(f"milestones_done {data.milestones_done} is more than the {ind.milestones_total} planned",
                          field="milestones_done")
    if ind.kind is IndicatorKind.RUBRIC and data.rubric_level is None:
        raise Invalid(f"indicator {ind.code!r} is rated on a rubric: give rubric_level 1-5", field="rubric_level")
    ci = CheckIn(indicator_id=ind.id, author_user_id=principal.user_id, **data.model_dump())
    db.add(ci)
    db.flush()
    recompute_after_commit(db, period.id)
    return ci


def list_goals(db: Session, *, principal: Principal, period_id: int, level: GoalLevel | None = None,
               department_id: int | None = None, position_id: int | None = None) -> list[Goal]:
    get_period(db, period_id)
    stmt = (select(Goal).where(Goal.period_id == period_id, visible_goals(principal))
            .order_by(Goal.level, Goal.code))
    if level is not None:
        stmt = stmt.where(Goal.level == level)
    if department_id is not None:
        stmt = stmt.where(Goal.department_id == department_id)
    if position_id is not None:
        stmt = stmt.where(Goal.position_id == position_id)
    return list(db.scalars(stmt))


def cascade_tree(db: Session, *, principal: Principal, period_id: int) -> list[CascadeNode]:
    """The cascade from company to post (and employee) goals with link weights, scores and progress.
    A goal supporting two parents appears under both (the cascade is a weighted graph, not a tree)."""
    goals = {g.id: g for g in list_goals(db, principal=principal, period_id=period_id)}
    results = {r.goal_id: r for r in db.scalars(select(GoalResult).where(GoalResult.period_id == period_id))}
    kids: dict[int, list[tuple[int, float]]] = defaultdict(list)
    has_parent: set[int] = set()
    for p, c, w in db.execute(select(GoalLink.parent_goal_id, GoalLink.child_goal_id, GoalLink.weight)
                              .where(GoalLink.parent_goal_id.in_(goals))):
        if c in goals:
            kids[p].append((c, float(w)))
            has_parent.add(c)
    names = _unit_names(db, goals.values())
    counts = dict(db.execute(select(Indicator.goal_id, func.count(Indicator.id))
                             .where(Indicator.goal_id.in_(goals)).group_by(Indicator.goal_id)).all())

    def node(gid: int, weight: float | None, depth: int) -> CascadeNode:
        g, r = goals[gid], results.get(gid)
        return CascadeNode(
            id=g.id, code=g.code, title=g.title, level=g.level, unit=names.get(gid),
            weight=weight, indicators=counts.get(gid, 0),
            score=None if r is None or r.score is None else round(r.score, 1),
            progress=None if r is None or r.progress is None else round(r.progress, 3),
            at_risk=bool(r and r.at_risk),
            children=[node(c, w, depth + 1) for c, w in sorted(kids.get(gid, []), key=lambda x: -x[1])]
            if depth < 8 else [],
        )

    order = {GoalLevel.COMPANY: 0, GoalLevel.DEPARTMENT: 1, GoalLevel.PROCESS: 2, GoalLevel.POST: 3, GoalLevel.EMPLOYEE: 4}
    roots = sorted((g for g in goals.values() if g.id not in has_parent), key=lambda g: (order[g.level], g.code))
    return [node(g.id, None, 0) for g in roots]


def _unit_names(db: Session, goals: Any) -> dict[int, str]:
    """Display name of the unit each goal belongs to, in four queries at most."""
    goals = list(goals)
    out: dict[int, str] = {}
    for field, model, label in (("department_id", Department, Department.name),
                                ("process_id", BusinessProcess, BusinessProcess.name),
                                ("position_id", Position, Position.title),
                                ("employee_id", Employee, Employee.first_name + " " + Employee.last_name)):
        ids = {getattr(g, field) for g in goals if getattr(g, field) is not None}
        if not ids:
            continue
        m = dict(db.execute(select(model.id, label).where(model.id.in_(ids))).all())
        for g in goals:
            v = getattr(g, field)
            if v is not None and g.id not in out:
                out[g.id] = m.get(v, "")
    for g in goals:
        out.setdefault(g.id, "Company")
    return out


def get_visible_goal(db: Session, *, principal: Principal, goal_id: int) -> Goal:
    goal = db.scalars(select(Goal).where(Goal.id == goal_id, visible_goals(principal))).first()
    if goal is None:
        raise NotFound("Goal", goal_id)
    return goal
