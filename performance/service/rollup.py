"""Recompute a period's scores, set-based: indicator -> goal -> (links) -> post, employee, department,
process, company. A handful of statements whatever the size of the company (no per-row queries).

Rules
- An indicator's score comes from its latest check-in (by as_of, then id) through the formula *version*
  recorded on the indicator (see ``performance.scoring``); its progress is the share of the way from
  baseline to target, and it is at risk when that progress lags the time elapsed by more than 10 points.
- A goal's own score is the weighted average of its indicators. A goal with supporting goals also has a
  roll-up score: the link-weighted average of its children's scores. A goal measured both ways counts
  each half; a goal with only one of them uses that one.
- A post (and the employee holding it) is scored on its post goals and the employee's own goals; a
  department on its department goals; a process on its process goals. Each unit mixes its operational
  and management indicators with the period's share for its level (departments mainly operational,
  posts mainly management). A department's score then takes the collaboration ratings it received,
  with the period's collaboration weight. An employee's final score takes the competency rating with the
  period's competency weight.
- The company's score is the average of its company goals' scores (which roll up the cascade).
- A closed period is never recomputed: its results are what it was closed with.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Float, and_, case, cast, delete, func, insert, literal, null, select, text, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session, aliased

from hcm import outbox
from hcm.db import utcnow
from hcm.org.models import Employee
from hcm.policy import ANONYMITY_THRESHOLD
from performance import scoring, scoring_sql
from performance.models import (
    CheckIn,
    CollaborationRating,
    Goal,
    GoalLevel,
    GoalLink,
    GoalResult,
    Indicator,
    IndicatorClass,
    IndicatorResult,
    Period,
    PeriodState,
    RatingKind,
    ServiceItem,
    UnitResult,
)
from performance.service.periods import ensure_writable, get_period
from performance.service.ratings import latest_approved

AT_RISK_TOLERANCE = 0.1
EMIT_CHUNK = 5000


def latest_checkins(period: Period, dialect: str = "postgresql") -> Any:
    """One row per indicator with check-ins in the period: its latest check-in (by as_of, then id).

    A check-in always lies inside its period's dates (the service refuses others), so the dates narrow the
    rows to sort without a join; the caller's join to the period's indicators drops those of overlapping
    periods (a quarter inside its year). PostgreSQL: DISTINCT ON; elsewhere a row_number() window."""
    cols = (CheckIn.indicator_id, CheckIn.actual, CheckIn.milestones_done, CheckIn.rubric_level)
    in_period = CheckIn.as_of.between(period.start_date, period.end_date)
    if dialect == "postgresql":
        return (select(*cols).where(in_period).ext(distinct_on(CheckIn.indicator_id))
                .order_by(CheckIn.indicator_id, CheckIn.as_of.desc(), CheckIn.id.desc()).subquery("latest"))
    rn = func.row_number().over(partition_by=CheckIn.indicator_id, order_by=(CheckIn.as_of.desc(), CheckIn.id.desc()))
    ranked = select(*cols, rn.label("rn")).where(in_period).subquery("ranked")
    return select(ranked.c.indicator_id, ranked.c.actual, ranked.c.milestones_done, ranked.c.rubric_level) \
        .where(ranked.c.rn == 1).subquery("latest")


def _mix(op: Any, mg: Any, share: float) -> Any:
    return case((op.is_(None), mg), (mg.is_(None), op), else_=op * share + mg * (1.0 - share))


def _blend(base: Any, extra: Any, weight: float) -> Any:
    return case((extra.is_(None), base), (base.is_(None), extra), else_=base * (1.0 - weight) + extra * weight)


def indicator_scores(period: Period, dialect: str, *, goal_ids: Any = None) -> Any:
    """Every indicator of the period with its latest actual, progress and score, as a subquery computed
    inside the database (the live view of an open period). At risk: ``_lagging(progress, elapsed)``."""
    period_id = period.id
    latest = latest_checkins(period, dialect)
    score = scoring_sql.indicator_score(Indicator, latest.c.actual, latest.c.milestones_done, latest.c.rubric_level)
    prog = case(
        (Indicator.kind == "milestone", cast(latest.c.milestones_done, Float) / cast(Indicator.milestones_total, Float)),
        (Indicator.kind == "rubric", (cast(latest.c.rubric_level, Float) - 1.0) / 2.0),
        else_=scoring_sql.progress(latest.c.actual, baseline=Indicator.baseline, target=Indicator.target,
                                   direction=Indicator.direction),
    )
    stmt = (
        select(Indicator.id.label("indicator_id"), Indicator.goal_id.label("goal_id"), Indicator.weight.label("weight"),
               Indicator.klass.label("klass"), latest.c.actual.label("actual"), prog.label("progress"),
               score.label("score"), Indicator.formula.label("formula"),
               Indicator.formula_version.label("formula_version"))
        .join(Goal, Goal.id == Indicator.goal_id)
        .outerjoin(latest, latest.c.indicator_id == Indicator.id)
        .where(Goal.period_id == period_id)
    )
    if goal_ids is not None:
        stmt = stmt.where(Indicator.goal_id.in_(goal_ids))
    # OFFSET 0 fences the subquery: without it the planner inlines the (large) score expression into every
    # aggregate that mentions it (10x slower); a MATERIALIZED CTE would fence too but write a tuplestore.
    return stmt.offset(0).subquery("ind")


def indicator_rows(db: Session, *, period_id: int, today: date | None = None,
                   goal_ids: Any = None) -> dict[int, Any]:
    """Indicator scores to show: frozen ones for a closed period, live ones otherwise. Keyed by indicator id."""
    period = get_period(db, period_id)
    if period.state is PeriodState.CLOSED:
        r = IndicatorResult
        stmt = select(r.indicator_id, r.actual, r.progress, r.score, r.at_risk).where(r.period_id == period_id)
        if goal_ids is not None:
            stmt = stmt.where(r.indicator_id.in_(select(Indicator.id).where(Indicator.goal_id.in_(goal_ids))))
    else:
        elapsed = scoring.time_elapsed(period.start_date, period.end_date, today or date.today())
        ind = indicator_scores(period, db.get_bind().dialect.name, goal_ids=goal_ids)
        stmt = select(ind.c.indicator_id, ind.c.actual, ind.c.progress, ind.c.score,
                      _lagging(ind.c.progress, elapsed).label("at_risk"))
    return {row.indicator_id: row for row in db.execute(stmt)}


def recompute(db: Session, *, period_id: int, today: date | None = None, freeze: bool = False) -> dict[str, int]:
    """Recompute the period's goal and unit scores. ``freeze`` (used when the period closes) also stores
    every indicator's score, so the closed period keeps exactly what it was closed with."""
    period = ensure_writable(db, period_id)
    today = today or date.today()
    elapsed = scoring.time_elapsed(period.start_date, period.end_date, today)
    now = utcnow()
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        # The latest-check-in sort of a large company spills to disk at the default 4 MB; and the score
        # expression is large enough that JIT compiling it costs more than it saves (1.1 s of 5 s at 100k).
        db.execute(text("SET LOCAL work_mem = '256MB'"))
        db.execute(text("SET LOCAL jit = off"))
    if dialect == "sqlite":
        # SQLite plans joins from table statistics; without them the final-rating join of a large company
        # takes minutes instead of a fraction of a second. optimize analyzes only what needs it.
        db.execute(text("PRAGMA optimize"))
    ind = indicator_scores(period, dialect)
    db.execute(delete(IndicatorResult).where(IndicatorResult.period_id == period_id))
    if freeze:
        db.execute(insert(IndicatorResult).from_select(
            ["indicator_id", "period_id", "actual", "progress", "score", "at_risk", "formula", "formula_version",
             "computed_at"],
            select(ind.c.indicator_id, literal(period_id), ind.c.actual, ind.c.progress, ind.c.score,
                   _lagging(ind.c.progress, elapsed), ind.c.formula, ind.c.formula_version, literal(now))))
        r = IndicatorResult
        ind = (select(r.indicator_id, Indicator.goal_id, Indicator.weight, Indicator.klass, r.score, r.progress)
               .join(Indicator, Indicator.id == r.indicator_id).where(r.period_id == period_id).subquery("ind"))

    # goals: own scores from the indicators (one pass), then the link-weighted roll-up, level by level upwards
    db.execute(delete(GoalResult).where(GoalResult.period_id == period_id))

    def weight(value: Any, when: Any = None) -> Any:
        return func.sum(case((and_(value.is_not(None), when if when is not None else literal(True)), ind.c.weight),
                             else_=0.0))

    def wavg(value: Any, when: Any = None) -> Any:
        return func.sum(func.coalesce(value, 0.0) * case(
            (and_(value.is_not(None), when if when is not None else literal(True)), ind.c.weight), else_=0.0
        )) / func.nullif(weight(value, when), 0.0)

    is_op, is_mg = ind.c.klass == IndicatorClass.OPERATIONAL, ind.c.klass == IndicatorClass.MANAGEMENT
    own = (
        select(ind.c.goal_id, wavg(ind.c.score).label("score"), wavg(ind.c.score, is_op).label("op"),
               wavg(ind.c.score, is_mg).label("mg"), weight(ind.c.score, is_op).label("opw"),
               weight(ind.c.score, is_mg).label("mgw"), wavg(ind.c.progress).label("progress"))
        .group_by(ind.c.goal_id).subquery("own")
    )
    db.execute(insert(GoalResult).from_select(
        ["goal_id", "period_id", "level", "own_score", "rollup_score", "own_progress", "score", "operational_score",
         "management_score", "operational_weight", "management_weight", "progress", "at_risk", "computed_at"],
        select(Goal.id, literal(period_id), Goal.level, own.c.score, null(), own.c.progress, own.c.score, own.c.op,
               own.c.mg, own.c.opw, own.c.mgw, own.c.progress, _lagging(own.c.progress, elapsed), literal(now))
        .outerjoin(own, own.c.goal_id == Goal.id).where(Goal.period_id == period_id)))
    if dialect == "postgresql":
        # fresh statistics for the rows just written: the roll-up and unit queries join on them
        db.execute(text("ANALYZE perf_goal_results"))
    # Children sit at lower levels, so parents are settled from the lowest level with children upwards.
    for parents in ([GoalLevel.POST], [GoalLevel.DEPARTMENT, GoalLevel.PROCESS], [GoalLevel.COMPANY]):
        _roll_up_level(db, period_id, parents, elapsed)

    # units, from the goal results
    db.execute(delete(UnitResult).where(UnitResult.period_id == period_id))
    n_units = _unit_results(db, period, now)
    return {"units": n_units}


def _lagging(progress: Any, elapsed: float) -> Any:
    return case((and_(progress.is_not(None), literal(elapsed) - progress > AT_RISK_TOLERANCE), True), else_=False)


def _half(a: Any, b: Any) -> Any:
    """A goal measured both ways (own indicators and supporting goals) counts each half."""
    return case((a.is_(None), b), (b.is_(None), a), else_=(a + b) / 2.0)


def _roll_up_level(db: Session, period_id: int, levels: list[GoalLevel], elapsed: float) -> None:
    child = aliased(GoalResult)
    wk = case((child.score.is_not(None), GoalLink.weight), else_=0.0)
    wp = case((child.progress.is_not(None), GoalLink.weight), else_=0.0)
    rolled = (
        select(GoalLink.parent_goal_id.label("gid"),
               (func.sum(func.coalesce(child.score, 0.0) * wk) / func.nullif(func.sum(wk), 0.0)).label("score"),
               (func.sum(func.coalesce(child.progress, 0.0) * wp) / func.nullif(func.sum(wp), 0.0)).label("progress"))
        .join(child, child.goal_id == GoalLink.child_goal_id)
        .join(GoalResult, GoalResult.goal_id == GoalLink.parent_goal_id)
        .where(GoalResult.period_id == period_id, GoalResult.level.in_([lv.value for lv in levels]))
        .group_by(GoalLink.parent_goal_id)
        .subquery("rolled")
    )
    progress = _half(GoalResult.own_progress, rolled.c.progress)
    db.execute(
        update(GoalResult)
        .where(GoalResult.goal_id == rolled.c.gid)
        .values(rollup_score=rolled.c.score, score=_half(GoalResult.own_score, rolled.c.score), progress=progress,
                at_risk=_lagging(progress, elapsed))
        .execution_options(synchronize_session=False)
    )


def _class_scores(unit: Any, *levels: GoalLevel, period_id: int, holder: Any = None) -> Any:
    """Operational and management score per unit: goals' class scores averaged with the indicator
    weight behind each (equivalent to averaging all the unit's indicators of that class)."""
    g = GoalResult

    def avg(score: Any, wt: Any) -> Any:
        return func.sum(func.coalesce(score * wt, 0.0)) / func.nullif(
            func.sum(case((score.is_not(None), wt), else_=0.0)), 0.0)

    stmt = (select(unit.label("unit"), avg(g.operational_score, g.operational_weight).label("op"),
                   avg(g.management_score, g.management_weight).label("mg"))
            .join(Goal, Goal.id == g.goal_id)
            .where(g.period_id == period_id, g.level.in_([lv.value for lv in levels])))
    if holder is not None:
        stmt = stmt.outerjoin(holder, and_(Goal.level == GoalLevel.POST, holder.position_id == Goal.position_id))
    # a unit none of whose goals has a scored indicator gets no class scores (and no row)
    scored = func.sum(func.coalesce(g.operational_weight, 0.0) + func.coalesce(g.management_weight, 0.0))
    return stmt.group_by(unit).having(scored > 0).subquery()


def _unit_results(db: Session, period: Period, now: Any) -> int:
    pid = period.id
    total = 0

    # Departments: their own goals, plus the collaboration they received (process assurance).
    collab = (
        select(ServiceItem.provider_department_id.label("dept"),
               scoring_sql.rubric(func.avg(cast(CollaborationRating.score, Float))).label("score"))
        .join(CollaborationRating, CollaborationRating.service_item_id == ServiceItem.id)
        .where(CollaborationRating.period_id == pid)
        .group_by(ServiceItem.provider_department_id)
        # below the anonymity threshold a score would reveal who rated what: it does not count yet
        .having(func.count(func.distinct(CollaborationRating.rater_user_id)) >= ANONYMITY_THRESHOLD)
        .subquery("collab")
    )
    dept = _class_scores(Goal.department_id, GoalLevel.DEPARTMENT, period_id=pid)
    mixed = _mix(dept.c.op, dept.c.mg, period.dept_operational_share)
    total += _insert_units(db, select(literal(pid), literal("department"), dept.c.unit, dept.c.op, dept.c.mg,
                                      collab.c.score, null(), _blend(mixed, collab.c.score, period.collaboration_weight),
                                      literal(now)).outerjoin(collab, collab.c.dept == dept.c.unit))
    # A department that has no goals but was rated on collaboration still gets its collaboration score.
    total += _insert_units(db, select(literal(pid), literal("department"), collab.c.dept, null(), null(), collab.c.score,
                                      null(), collab.c.score, literal(now)).where(collab.c.dept.not_in(select(dept.c.unit))))

    proc = _class_scores(Goal.process_id, GoalLevel.PROCESS, period_id=pid)
    total += _insert_units(db, select(literal(pid), literal("process"), proc.c.unit, proc.c.op, proc.c.mg, null(), null(),
                                      _mix(proc.c.op, proc.c.mg, period.dept_operational_share), literal(now)))

    share = period.post_operational_share
    post = _class_scores(Goal.position_id, GoalLevel.POST, period_id=pid)
    total += _insert_units(db, select(literal(pid), literal("post"), post.c.unit, post.c.op, post.c.mg, null(), null(),
                                      _mix(post.c.op, post.c.mg, share), literal(now)))

    # Employees: a post goal belongs to the post's current holder, an employee goal to its employee.
    holder = aliased(Employee)
    person = _class_scores(func.coalesce(Goal.employee_id, holder.id), GoalLevel.POST, GoalLevel.EMPLOYEE,
                           period_id=pid, holder=holder)
    comp = latest_approved(pid, RatingKind.COMPETENCY)
    comp_score = case((comp.c.value.is_(None), null()), else_=scoring_sql.rubric(comp.c.value))
    total += _insert_units(
        db,
        select(literal(pid), literal("employee"), person.c.unit, person.c.op, person.c.mg, null(), comp_score,
               _blend(_mix(person.c.op, person.c.mg, share), comp_score, period.competency_weight), literal(now))
        .outerjoin(comp, comp.c.employee_id == person.c.unit)
        .where(person.c.unit.is_not(None)),
    )

    total = db.scalar(select(func.count()).select_from(UnitResult).where(UnitResult.period_id == pid)) or 0
    company = db.execute(
        select(func.avg(GoalResult.score))
        .where(GoalResult.period_id == pid, GoalResult.level == GoalLevel.COMPANY.value)
    ).scalar()
    if company is not None:
        db.add(UnitResult(period_id=pid, unit_type="company", unit_id=0, score=float(company), computed_at=now))
        db.flush()
        total += 1
    return total


_UNIT_COLS = ["period_id", "unit_type", "unit_id", "operational_score", "management_score", "collaboration_score",
              "competency_score", "score", "computed_at"]


def _insert_units(db: Session, rows: Any) -> int:
    db.execute(insert(UnitResult).from_select(_UNIT_COLS, rows))
    return 0  # counted once at the end (drivers do not all report rowcount for INSERT ... SELECT)


def emit_scores(db: Session, *, period_id: int, final: bool) -> int:
    """Tell the graph and the models about the employees' scores: a few outbox rows of up to
    ``EMIT_CHUNK`` employees each (not one row per person: a company-wide recompute stays cheap)."""
    period = db.get(Period, period_id)
    assert period is not None
    rows = db.execute(
        select(Employee.external_id, UnitResult.score)
        .join(UnitResult, and_(UnitResult.unit_type == "employee", UnitResult.unit_id == Employee.id))
        .where(UnitResult.period_id == period_id, UnitResult.score.is_not(None))
        .order_by(Employee.id)
    ).all()
    chunks = 0
    for i in range(0, len(rows), EMIT_CHUNK):
        part = [{"employee": ext, "score": round(float(s or 0.0), 2)} for ext, s in rows[i:i + EMIT_CHUNK]]
        outbox.emit(db, "performance_scores", f"{period.code}#{i // EMIT_CHUNK}",
                    {"period": period.code, "final": final, "scores": part})
        chunks += 1
    return chunks


