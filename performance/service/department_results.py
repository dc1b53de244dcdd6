"""Department results of a period: the department hierarchy with each department's own score, how its
sub-departments roll up, the trend against the previous period, and one department's goals and people.

Rules (one place for each)
- A department's own score is ``units``'s: its own department goals (operational and management mixed with
  the period's department share) and the collaboration it received. It does **not** contain its
  sub-departments: a department goal is supported by post goals only (links go from a lower level up), so a
  division's score says nothing about the departments below it.
- The roll-up of a department (``ROLLUP_RULE``) is the plain average of the own scores of every department
  in its subtree that has one, itself included: each scored department counts once, whatever its size or
  depth. A department without sub-departments rolls up to its own score; one with nothing scored below it
  and no score of its own has none.
- The trend compares the roll-up with the roll-up of the same departments in the previous period of the same
  kind (the latest non-template period of that kind starting before this one); no such period: no trend.
- People of a department are the active people whose post sits in it (``people`` of a node counts the whole
  subtree). Sorting keeps the hierarchy: siblings are sorted within their parent; a missing figure sorts last
  whichever the direction.

Who: the departments ``performance.policy.results_department_roots`` gives (HR and executives all; a manager
the subtree of their own post's department). A department outside it is not found, like one that does not
exist. On a department's page the people listed are the viewer's people scope (``hcm.policy.employee_filter``);
the final performance rating shown beside each is the one ``ratings.ratings_for`` shows that viewer (the
final ratings of everyone they may see).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from hcm.db import get_or_404
from hcm.errors import Forbidden, Invalid
from hcm.org.models import Department, Employee, EmployeeStatus, Position
from hcm.org.queries import department_subtree_ids
from hcm.policy import Principal, employee_filter
from performance.models import Goal, GoalLevel, GoalResult, Period, RatingKind
from performance.policy import may_read_department_results, results_department_roots, visible_goals
from performance.service import units
from performance.service.lookups import get_period
from performance.service.ratings import latest_approved

ROLLUP_RULE = ("Roll-up: the plain average of the scores of this department and of every department below it "
               "that has a score (each scored department counts once). A department's own score does not "
               "include its sub-departments.")
SORTS = ("name", "score", "rollup", "trend", "people")
DEFAULT_SORT = "name"


# --- shapes ------------------------------------------------------------------------------------------
@dataclass
class DeptNode:
    department_id: int
    code: str
    name: str
    parent_id: int | None
    depth: int = 0
    operational: float | None = None
    management: float | None = None
    collaboration: float | None = None
    score: float | None = None  # the department's own score (units)
    rollup: float | None = None  # ROLLUP_RULE
    rolled_from: int = 0  # the scored departments behind the roll-up
    previous: float | None = None  # the roll-up of the same departments in the previous period
    own_people: int = 0
    people: int = 0  # active people in the subtree
    children: list[DeptNode] = field(default_factory=list)

    @property
    def trend(self) -> float | None:
        if self.rollup is None or self.previous is None:
            return None
        return round(self.rollup - self.previous, 1)

    def walk(self) -> Iterator[DeptNode]:
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass
class ResultsView:
    period: Period
    previous_period: Period | None
    roots: list[DeptNode]
    sort: str  # a key of SORTS, "-" first for descending
    chart_rows: list[DeptNode]  # the top level: the divisions (the children of a single root), sorted

    @property
    def rows(self) -> list[DeptNode]:
        return [n for r in self.roots for n in r.walk()]

    @property
    def scored(self) -> int:
        return sum(1 for n in self.rows if n.score is not None)


@dataclass
class GoalLine:
    goal_id: int
    code: str
    title: str
    score: float | None
    progress: float | None
    at_risk: bool


@dataclass
class PersonLine:
    employee_id: int
    name: str
    position_title: str | None
    score: float | None
    rating: float | None  # the final performance rating
    rating_scale: int | None


@dataclass
class DepartmentView:
    period: Period
    previous_period: Period | None
    node: DeptNode
    parent: DeptNode | None  # only when the viewer may read the parent's results too
    goals: list[GoalLine]
    people: list[PersonLine]  # the people of this department the viewer may see
    hidden_people: int  # the others of this department (counted, not named)


# --- the rules -----------------------------------------------------------------------------------------
def previous_period(db: Session, *, period: Period) -> Period | None:
    """The period the trend compares with: the latest non-template period of the same kind starting before."""
    return db.scalars(
        select(Period).where(Period.kind == period.kind, Period.is_template.is_(False), Period.id != period.id,
                             Period.start_date < period.start_date)
        .order_by(Period.start_date.desc(), Period.id.desc()).limit(1)).first()


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _r(v: Any) -> float | None:
    return None if v is None else round(float(v), 1)


def parse_sort(sort: str | None) -> str:
    raw = (sort or "").strip() or DEFAULT_SORT
    if raw.lstrip("-") not in SORTS:
        raise Invalid(f"sort: choose one of {', '.join(SORTS)} (a leading '-' sorts descending)", field="sort")
    return raw


def _sort(nodes: list[DeptNode], sort: str) -> None:
    """Siblings sorted within their parent, all the way down; a missing figure last in either direction."""
    key, desc = sort.lstrip("-"), sort.startswith("-")
    by_name = sorted(nodes, key=lambda n: (n.name.casefold(), n.department_id), reverse=desc)
    if key != "name":
        present = [n for n in by_name if getattr(n, key) is not None]
        missing = [n for n in by_name if getattr(n, key) is None]
        present.sort(key=lambda n: getattr(n, key), reverse=desc)
        by_name = present + missing
    nodes[:] = by_name
    for n in nodes:
        _sort(n.children, sort)


def _scope_ids(db: Session, principal: Principal, *, none_if_refused: bool = False) -> set[int] | None:
    """The departments the caller reads (None: all of them). ``none_if_refused``: someone who reads no
    department results gets an empty scope instead of the refusal (a department's page is then a 404)."""
    if none_if_refused and not may_read_department_results(principal):
        return set()
    roots = results_department_roots(principal)
    if roots is None:
        return None
    root_id: int | None = db.scalar(roots)
    if root_id is None:
        raise Forbidden("department results need a post in a department")
    subtree: Any = department_subtree_ids(root_id)
    return set(db.scalars(subtree))


def _build(db: Session, period: Period, previous: Period | None, scope: set[int] | None) -> list[DeptNode]:
    """The trees of the departments in scope, with every figure (unsorted)."""
    depts = db.execute(select(Department.id, Department.code, Department.name, Department.parent_id)
                       .order_by(Department.id)).all()
    nodes = {d.id: DeptNode(d.id, d.code, d.name, d.parent_id) for d in depts if scope is None or d.id in scope}
    ids = None if scope is None else sorted(scope)
    cur = units.scores(period, "department", ids=ids)
    for row in db.execute(select(*(cur.c[c] for c in units.COLUMNS))):
        if (n := nodes.get(row.unit_id)) is not None:
            n.operational, n.management = _r(row.operational_score), _r(row.management_score)
            n.collaboration, n.score = _r(row.collaboration_score), _r(row.score)
    before: dict[int, float] = {}
    if previous is not None:
        prev = units.scores(previous, "department", ids=ids)
        before = {u: float(s) for u, s in db.execute(select(prev.c.unit_id, prev.c.score)) if s is not None}
    headcount = select(Position.department_id, func.count(Employee.id)) \
        .join(Employee, Employee.position_id == Position.id) \
        .where(Employee.status == EmployeeStatus.ACTIVE).group_by(Position.department_id)
    for dept_id, n_people in db.execute(headcount):
        if dept_id in nodes:
            nodes[dept_id].own_people = int(n_people)
    roots: list[DeptNode] = []
    for n in nodes.values():
        parent = nodes.get(n.parent_id) if n.parent_id is not None else None
        (parent.children if parent is not None else roots).append(n)

    def settle(n: DeptNode, depth: int) -> tuple[list[float], list[float]]:
        n.depth = depth
        mine = [float(n.score)] if n.score is not None else []
        prev = [before[n.department_id]] if n.department_id in before else []
        n.people = n.own_people
        for c in n.children:
            got, was = settle(c, depth + 1)
            mine += got
            prev += was
            n.people += c.people
        n.rollup, n.rolled_from = _mean(mine), len(mine)
        n.previous = _mean(prev) if previous is not None else None
        return mine, prev

    for r in roots:
        settle(r, 0)
    return roots


def _chart_rows(roots: list[DeptNode]) -> list[DeptNode]:
    return roots[0].children if len(roots) == 1 and roots[0].children else roots


def results_tree(db: Session, *, principal: Principal, period_id: int, sort: str | None = None) -> ResultsView:
    """The department hierarchy of the period in the caller's scope, siblings sorted by ``sort``."""
    period = get_period(db, period_id)
    chosen = parse_sort(sort)
    scope = _scope_ids(db, principal)
    previous = previous_period(db, period=period)
    roots = _build(db, period, previous, scope)
    _sort(roots, chosen)
    return ResultsView(period=period, previous_period=previous, roots=roots, sort=chosen,
                       chart_rows=_chart_rows(roots))


def top_level(db: Session, *, principal: Principal, period_id: int) -> list[DeptNode]:
    """The overview's short summary: the top level of the hierarchy (the divisions), best roll-up first."""
    return results_tree(db, principal=principal, period_id=period_id, sort="-rollup").chart_rows


def department_view(db: Session, *, principal: Principal, period_id: int, department_id: int) -> DepartmentView:
    """One department's results: its score and parts, roll-up and trend, goals, sub-departments and people."""
    period = get_period(db, period_id)
    scope = _scope_ids(db, principal, none_if_refused=True)
    get_or_404(db, Department, department_id,
               visible=None if scope is None else Department.id.in_(sorted(scope) or [-1]))
    previous = previous_period(db, period=period)
    roots = _build(db, period, previous, scope)
    _sort(roots, "name")
    found = {n.department_id: n for r in roots for n in r.walk()}
    node = found[department_id]
    parent = found.get(node.parent_id) if node.parent_id is not None else None

    goals = [GoalLine(gid, code, title, _r(score), None if prog is None else float(prog), bool(risk))
             for gid, code, title, score, prog, risk in db.execute(
                 select(Goal.id, Goal.code, Goal.title, GoalResult.score, GoalResult.progress, GoalResult.at_risk)
                 .outerjoin(GoalResult, GoalResult.goal_id == Goal.id)
                 .where(Goal.period_id == period.id, Goal.level == GoalLevel.DEPARTMENT,
                        Goal.department_id == department_id, visible_goals(principal))
                 .order_by(Goal.title, Goal.id))]

    members = select(Employee.id).join(Position, Position.id == Employee.position_id) \
        .where(Position.department_id == department_id, Employee.status == EmployeeStatus.ACTIVE)
    seen = members.where(employee_filter(principal))
    person_scores = units.scores(period, "employee", ids=seen)
    final = latest_approved(period.id, RatingKind.PERFORMANCE, employee_ids=seen)
    rows = db.execute(
        select(Employee.id, Employee.first_name + literal(" ") + Employee.last_name, Position.title,
               person_scores.c.score, final.c.value, final.c.scale_max)
        .join(Position, Position.id == Employee.position_id)
        .outerjoin(person_scores, person_scores.c.unit_id == Employee.id)
        .outerjoin(final, final.c.employee_id == Employee.id)
        .where(Employee.id.in_(seen))
        .order_by(Employee.last_name, Employee.first_name, Employee.id)).all()
    people = [PersonLine(eid, str(name), title, _r(score), None if rating is None else float(rating), scale)
              for eid, name, title, score, rating, scale in rows]
    return DepartmentView(period=period, previous_period=previous, node=node, parent=parent, goals=goals,
                          people=people, hidden_people=max(0, node.own_people - len(people)))
