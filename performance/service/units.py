"""Scores of units (departments, processes, posts, employees, the company) for a period.

An open period's unit scores are computed on read from its goal results (``perf_goal_results``, written by
each recompute): a unit's score is a small aggregate over its goals' rows, so a recompute writes one row
per goal and not another two per person, and a unit's score always reflects its current holder and the
latest approved competency rating. A closed period reads the rows written when it closed
(``perf_unit_results``): they never change again.

Rules (one place for each)
- Each unit mixes its operational and management scores with the period's share for its level
  (departments and processes mainly operational, posts and people mainly management). A class score is
  the goals' class scores averaged with the indicator weight behind each (the same as averaging all the
  unit's indicators of that class).
- A department's score then takes the collaboration it received (process assurance) with the period's
  collaboration weight, over the published ratings only (``collaboration.published_ratings``: the
  anonymity rule, whole batches of ``ANONYMITY_THRESHOLD`` per service item). A department with no goals
  that was rated on collaboration gets its collaboration score.
- A post is scored on its post goals; an employee on the goals of the post they hold now and their own
  employee goals, then the competency rating (the final one: latest approved) with the period's
  competency weight.
- The company's score is the average of its company goals' scores (which roll up the cascade).

Every function returns a subquery with the columns of ``COLUMNS``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Float, and_, case, cast, delete, func, insert, literal, null, select, union
from sqlalchemy.orm import Session, aliased

from hcm.errors import Invalid
from hcm.org.models import Employee
from performance import scoring_sql
from performance.models import (
    Goal,
    GoalLevel,
    GoalResult,
    Period,
    PeriodState,
    RatingKind,
    UnitResult,
)
from performance.policy import ANONYMITY_THRESHOLD
from performance.scoring_sql import weighted_mean
from performance.service import collaboration
from performance.service.ratings import latest_approved

UNIT_TYPES = ("company", "department", "process", "post", "employee")
COLUMNS = ("unit_id", "operational_score", "management_score", "collaboration_score", "competency_score", "score")

Ids = Sequence[int] | Any  # a list of ids or a select of them


def scores(period: Period, unit_type: str, *, ids: Ids | None = None) -> Any:
    """The period's scores of one unit type: frozen for a closed period, live otherwise. ``ids`` narrows
    to some units (a team): the live query then reads only their goals."""
    check_unit_type(unit_type)
    if period.state is PeriodState.CLOSED:
        return frozen(period.id, unit_type, ids=ids)
    return live(period, unit_type, ids=ids)


def check_unit_type(unit_type: str) -> None:
    if unit_type not in UNIT_TYPES:
        raise Invalid(f"unit_type must be one of {', '.join(UNIT_TYPES)}", field="unit_type")


def frozen(period_id: int, unit_type: str, *, ids: Ids | None = None) -> Any:
    u = UnitResult
    stmt = select(u.unit_id, u.operational_score, u.management_score, u.collaboration_score, u.competency_score,
                  u.score).where(u.period_id == period_id, u.unit_type == unit_type)
    if ids is not None:
        stmt = stmt.where(u.unit_id.in_(ids))
    return stmt.subquery(f"{unit_type}_scores")


def live(period: Period, unit_type: str, *, ids: Ids | None = None) -> Any:
    build = {"company": _company, "department": _departments, "process": _processes, "post": _posts,
             "employee": _employees}[unit_type]
    return build(period, ids).subquery(f"{unit_type}_scores")


def freeze(db: Session, *, period: Period, now: datetime) -> int:
    """Write every unit's score of the period (when it closes): what it was closed with stays."""
    db.execute(delete(UnitResult).where(UnitResult.period_id == period.id))
    for unit_type in UNIT_TYPES:
        sub = live(period, unit_type)
        db.execute(insert(UnitResult).from_select(
            ["period_id", "unit_type", "unit_id", *COLUMNS[1:], "computed_at"],
            select(literal(period.id), literal(unit_type), *(sub.c[c] for c in COLUMNS), literal(now))))
    return db.scalar(select(func.count()).select_from(UnitResult).where(UnitResult.period_id == period.id)) or 0


# --- the live queries ------------------------------------------------------------------------------
def _none() -> Any:
    """A NULL score (typed: PostgreSQL takes an untyped NULL in a subquery for text)."""
    return cast(null(), Float)


def mix(op: Any, mg: Any, share: float) -> Any:
    """Operational and management scores mixed with the operational ``share`` (one missing: the other)."""
    return case((op.is_(None), mg), (mg.is_(None), op), else_=op * share + mg * (1.0 - share))


def blend(base: Any, extra: Any, weight: float) -> Any:
    return case((extra.is_(None), base), (base.is_(None), extra), else_=base * (1.0 - weight) + extra * weight)


def _class_scores(unit: Any, *levels: GoalLevel, period_id: int, holder: Any = None, goal_ids: Any = None) -> Any:
    """Operational and management score per unit, from the goal results of the given levels."""
    g = GoalResult
    stmt = (select(unit.label("unit"), weighted_mean(g.operational_score, g.operational_weight).label("op"),
                   weighted_mean(g.management_score, g.management_weight).label("mg"))
            .join(Goal, Goal.id == g.goal_id)
            .where(g.period_id == period_id, g.level.in_([lv.value for lv in levels])))
    if holder is not None:
        stmt = stmt.outerjoin(holder, and_(Goal.level == GoalLevel.POST, holder.position_id == Goal.position_id))
    if goal_ids is not None:
        stmt = stmt.where(g.goal_id.in_(goal_ids))
    # a unit none of whose goals has a scored indicator gets no class scores (and no row)
    scored = func.sum(func.coalesce(g.operational_weight, 0.0) + func.coalesce(g.management_weight, 0.0))
    return stmt.group_by(unit).having(scored > 0).subquery()


def _goals_of(column: str, ids: Ids | None) -> Any:
    """Ids of the goals of some units (an index lookup, so a team's scores do not aggregate the company)."""
    if ids is None:
        return None
    g = aliased(Goal)
    return select(g.id).where(getattr(g, column).in_(ids))


def employee_goal_ids(ids: Ids) -> Any:
    """Ids of the goals that count toward some people's scores: their own employee goals and the post goals
    of the posts they hold now (also what ``performance.service.breakdown`` lists)."""
    g, e = aliased(Goal), aliased(Employee)
    return union(_goals_of("employee_id", ids),
                 select(g.id).join(e, e.position_id == g.position_id).where(e.id.in_(ids), g.level == GoalLevel.POST))


def _departments(period: Period, ids: Ids | None) -> Any:
    # the anonymity rule: only the published ratings count (whole batches per service item), so a new rating
    # never moves the score by itself (collaboration.published_ratings)
    pub = collaboration.published_ratings(period.id)
    collab_q = (
        select(pub.c.provider_department_id.label("dept"),
               scoring_sql.rubric(func.avg(cast(pub.c.score, Float))).label("score"))
        .group_by(pub.c.provider_department_id)
        .having(func.count(func.distinct(pub.c.rater_user_id)) >= ANONYMITY_THRESHOLD)
    )
    if ids is not None:
        collab_q = collab_q.where(pub.c.provider_department_id.in_(ids))
    collab = collab_q.subquery("collab")
    dept = _class_scores(Goal.department_id, GoalLevel.DEPARTMENT, period_id=period.id,
                         goal_ids=_goals_of("department_id", ids))
    mixed = mix(dept.c.op, dept.c.mg, period.dept_operational_share)
    with_goals = select(*_unit_row(dept, blend(mixed, collab.c.score, period.collaboration_weight),
                                   collaboration=collab.c.score)).outerjoin(collab, collab.c.dept == dept.c.unit)
    # a department that has no goals but was rated on collaboration still gets its collaboration score
    only_rated = select(collab.c.dept, _none(), _none(), collab.c.score, _none(), collab.c.score) \
        .where(collab.c.dept.not_in(select(dept.c.unit)))
    return union(with_goals, only_rated)


def _unit_row(cls: Any, score: Any, *, collaboration: Any = None, competency: Any = None) -> list[Any]:
    """The ``COLUMNS`` of a unit from its class scores (``_class_scores``) and its final score."""
    return [cls.c.unit.label("unit_id"), cls.c.op.label("operational_score"), cls.c.mg.label("management_score"),
            (_none() if collaboration is None else collaboration).label("collaboration_score"),
            (_none() if competency is None else competency).label("competency_score"), score.label("score")]


def _mixed_only(period: Period, ids: Ids | None, column: str, level: GoalLevel, share: float) -> Any:
    """A unit scored on its own goals alone (a process, a post): the class scores mixed with ``share``."""
    cls = _class_scores(getattr(Goal, column), level, period_id=period.id, goal_ids=_goals_of(column, ids))
    return select(*_unit_row(cls, mix(cls.c.op, cls.c.mg, share)))


def _processes(period: Period, ids: Ids | None) -> Any:
    return _mixed_only(period, ids, "process_id", GoalLevel.PROCESS, period.dept_operational_share)


def _posts(period: Period, ids: Ids | None) -> Any:
    return _mixed_only(period, ids, "position_id", GoalLevel.POST, period.post_operational_share)


def _employees(period: Period, ids: Ids | None) -> Any:
    # A post goal belongs to the post's current holder, an employee goal to its employee.
    holder = aliased(Employee)
    goal_ids = None if ids is None else employee_goal_ids(ids)
    person = _class_scores(func.coalesce(Goal.employee_id, holder.id), GoalLevel.POST, GoalLevel.EMPLOYEE,
                           period_id=period.id, holder=holder, goal_ids=goal_ids)
    comp = latest_approved(period.id, RatingKind.COMPETENCY, employee_ids=ids)
    comp_score = case((comp.c.value.is_(None), _none()), else_=scoring_sql.rubric(comp.c.value))
    mixed = mix(person.c.op, person.c.mg, period.post_operational_share)
    return (select(*_unit_row(person, blend(mixed, comp_score, period.competency_weight), competency=comp_score))
            .outerjoin(comp, comp.c.employee_id == person.c.unit)
            .where(person.c.unit.is_not(None)))


def _company(period: Period, ids: Ids | None) -> Any:
    score = (select(func.avg(GoalResult.score))
             .where(GoalResult.period_id == period.id, GoalResult.level == GoalLevel.COMPANY.value)
             .scalar_subquery())
    stmt = select(literal(0).label("unit_id"), _none().label("operational_score"), _none().label("management_score"),
                  _none().label("collaboration_score"), _none().label("competency_score"), score.label("score")) \
        .where(score.is_not(None))
    if ids is not None:
        stmt = stmt.where(literal(0).in_(ids))
    return stmt
