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

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Float, and_, case, cast, delete, func, insert, literal, select
from sqlalchemy.orm import Session, aliased

from hcm import outbox
from hcm.db import utcnow
from hcm.org.models import Employee
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
    RatingEvent,
    RatingKind,
    RatingStatus,
    ServiceItem,
    UnitResult,
)
from performance.service.periods import ensure_writable

AT_RISK_TOLERANCE = 0.1
EMIT_CHUNK = 5000


def latest_checkins(period_id: int) -> Any:
    """One row per indicator of the period: its latest check-in (window function, SQLite and PostgreSQL)."""
    rn = func.row_number().over(partition_by=CheckIn.indicator_id, order_by=(CheckIn.as_of.desc(), CheckIn.id.desc()))
    ranked = (
        select(CheckIn.indicator_id, CheckIn.actual, CheckIn.milestones_done, CheckIn.rubric_level, rn.label("rn"))
        .join(Indicator, Indicator.id == CheckIn.indicator_id)
        .join(Goal, Goal.id == Indicator.goal_id)
        .where(Goal.period_id == period_id)
        .subquery("ranked")
    )
    return select(ranked.c.indicator_id, ranked.c.actual, ranked.c.milestones_done, ranked.c.rubric_level) \
        .where(ranked.c.rn == 1).subquery("latest")


def _mix(op: Any, mg: Any, share: float) -> Any:
    return case((op.is_(None), mg), (mg.is_(None), op), else_=op * share + mg * (1.0 - share))


def _blend(base: Any, extra: Any, weight: float) -> Any:
    return case((extra.is_(None), base), (base.is_(None), extra), else_=base * (1.0 - weight) + extra * weight)


def recompute(db: Session, *, period_id: int, today: date | None = None) -> dict[str, int]:
    period = ensure_writable(db, period_id)
    today = today or date.today()
    elapsed = scoring.time_elapsed(period.start_date, period.end_date, today)
    now = utcnow()
    latest = latest_checkins(period_id)

    # 1. indicators
    score = scoring_sql.indicator_score(Indicator, latest.c.actual, latest.c.milestones_done, latest.c.rubric_level)
    prog = case(
        (Indicator.kind == "milestone", cast(latest.c.milestones_done, Float) / cast(Indicator.milestones_total, Float)),
        (Indicator.kind == "rubric", (cast(latest.c.rubric_level, Float) - 1.0) / 2.0),
        else_=scoring_sql.progress(latest.c.actual, baseline=Indicator.baseline, target=Indicator.target,
                                   direction=Indicator.direction),
    )
    ind_rows = (
        select(Indicator.id, literal(period_id), latest.c.actual, prog, score,
               case((and_(prog.is_not(None), literal(elapsed) - prog > AT_RISK_TOLERANCE), True), else_=False),
               Indicator.formula, Indicator.formula_version, literal(now))
        .join(Goal, Goal.id == Indicator.goal_id)
        .outerjoin(latest, latest.c.indicator_id == Indicator.id)
        .where(Goal.period_id == period_id)
    )
    db.execute(delete(IndicatorResult).where(IndicatorResult.period_id == period_id))
    db.execute(insert(IndicatorResult).from_select(
        ["indicator_id", "period_id", "actual", "progress", "score", "at_risk", "formula", "formula_version",
         "computed_at"], ind_rows))

    # 2. goals: own scores (SQL aggregate), then the roll-up through the weighted links (in memory, by level)
    r = IndicatorResult
    w = Indicator.weight
    op_w = case((and_(Indicator.klass == IndicatorClass.OPERATIONAL, r.score.is_not(None)), w), else_=0.0)
    mg_w = case((and_(Indicator.klass == IndicatorClass.MANAGEMENT, r.score.is_not(None)), w), else_=0.0)
    all_w = case((r.score.is_not(None), w), else_=0.0)
    pr_w = case((r.progress.is_not(None), w), else_=0.0)
    own = db.execute(
        select(Indicator.goal_id,
               func.sum(func.coalesce(r.score, 0.0) * all_w) / func.nullif(func.sum(all_w), 0.0),
               func.sum(func.coalesce(r.score, 0.0) * op_w) / func.nullif(func.sum(op_w), 0.0),
               func.sum(func.coalesce(r.score, 0.0) * mg_w) / func.nullif(func.sum(mg_w), 0.0),
               func.sum(func.coalesce(r.progress, 0.0) * pr_w) / func.nullif(func.sum(pr_w), 0.0))
        .join(r, r.indicator_id == Indicator.id)
        .where(r.period_id == period_id)
        .group_by(Indicator.goal_id)
    ).all()
    goals = db.execute(select(Goal.id, Goal.level).where(Goal.period_id == period_id)).all()
    links = db.execute(
        select(GoalLink.parent_goal_id, GoalLink.child_goal_id, GoalLink.weight)
        .join(Goal, Goal.id == GoalLink.parent_goal_id).where(Goal.period_id == period_id)
    ).all()
    goal_rows = _roll_up(goals, own, links, now=now, period_id=period_id, elapsed=elapsed)
    db.execute(delete(GoalResult).where(GoalResult.period_id == period_id))
    if goal_rows:
        db.execute(insert(GoalResult), goal_rows)

    # 3. units
    db.execute(delete(UnitResult).where(UnitResult.period_id == period_id))
    n_units = _unit_results(db, period, now)
    return {"indicators": len(own), "goals": len(goal_rows), "units": n_units}


def _roll_up(goals: list[Any], own: list[Any], links: list[Any], *, now: Any, period_id: int,
             elapsed: float) -> list[dict[str, Any]]:
    own_by = {g: (s, o, m, p) for g, s, o, m, p in own}
    children: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for parent, child, weight in links:
        children[parent].append((child, float(weight)))
    rank = {GoalLevel.EMPLOYEE: 0, GoalLevel.POST: 1, GoalLevel.PROCESS: 2, GoalLevel.DEPARTMENT: 2,
            GoalLevel.COMPANY: 3}
    score: dict[int, float | None] = {}
    prog: dict[int, float | None] = {}
    out = []
    # Children always sit at a lower level, so one pass from the bottom level up suffices.
    for gid, _level in sorted(goals, key=lambda g: rank[GoalLevel(g[1])]):
        s, o, m, p = own_by.get(gid, (None, None, None, None))
        kids = children.get(gid, [])
        rolled = scoring.weighted_average((score[c], wt) for c, wt in kids if score.get(c) is not None) if kids else None
        rolled_p = scoring.weighted_average((prog[c], wt) for c, wt in kids if prog.get(c) is not None) if kids else None
        score[gid] = _half(s, rolled)
        prog[gid] = _half(p, rolled_p)
        out.append({"goal_id": gid, "period_id": period_id, "score": score[gid], "operational_score": o,
                    "management_score": m, "progress": prog[gid],
                    "at_risk": prog[gid] is not None and scoring.at_risk(min(prog[gid], 1.5), elapsed,
                                                                          tolerance=AT_RISK_TOLERANCE),
                    "computed_at": now})
    return out


def _half(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return (a + b) / 2.0


def _unit_results(db: Session, period: Period, now: Any) -> int:
    pid = period.id
    r = IndicatorResult
    w = Indicator.weight

    def sums(klass: IndicatorClass) -> Any:
        wk = case((and_(Indicator.klass == klass, r.score.is_not(None)), w), else_=0.0)
        return func.sum(func.coalesce(r.score, 0.0) * wk) / func.nullif(func.sum(wk), 0.0)

    total = 0

    # Departments and processes: their own goals; departments add the collaboration they received.
    collab = (
        select(ServiceItem.provider_department_id.label("dept"),
               scoring_sql.rubric(func.avg(cast(CollaborationRating.score, Float))).label("score"))
        .join(CollaborationRating, CollaborationRating.service_item_id == ServiceItem.id)
        .where(CollaborationRating.period_id == pid)
        .group_by(ServiceItem.provider_department_id)
        .subquery("collab")
    )
    dept = (
        select(Goal.department_id.label("unit"), sums(IndicatorClass.OPERATIONAL).label("op"),
               sums(IndicatorClass.MANAGEMENT).label("mg"))
        .join(Indicator, Indicator.goal_id == Goal.id).join(r, r.indicator_id == Indicator.id)
        .where(Goal.period_id == pid, Goal.level == GoalLevel.DEPARTMENT)
        .group_by(Goal.department_id).subquery("dept")
    )
    mixed = _mix(dept.c.op, dept.c.mg, period.dept_operational_share)
    rows = select(literal(pid), literal("department"), dept.c.unit, dept.c.op, dept.c.mg, collab.c.score, None,
                  _blend(mixed, collab.c.score, period.collaboration_weight), literal(now)) \
        .outerjoin(collab, collab.c.dept == dept.c.unit)
    total += _insert_units(db, rows)
    # A department that has no goals but was rated on collaboration still gets its collaboration score.
    rated_only = select(literal(pid), literal("department"), collab.c.dept, None, None, collab.c.score, None,
                        collab.c.score, literal(now)).where(collab.c.dept.not_in(select(dept.c.unit)))
    total += _insert_units(db, rated_only)

    proc = (
        select(Goal.process_id.label("unit"), sums(IndicatorClass.OPERATIONAL).label("op"),
               sums(IndicatorClass.MANAGEMENT).label("mg"))
        .join(Indicator, Indicator.goal_id == Goal.id).join(r, r.indicator_id == Indicator.id)
        .where(Goal.period_id == pid, Goal.level == GoalLevel.PROCESS)
        .group_by(Goal.process_id).subquery("proc")
    )
    total += _insert_units(db, select(literal(pid), literal("process"), proc.c.unit, proc.c.op, proc.c.mg, None, None,
                                      _mix(proc.c.op, proc.c.mg, period.dept_operational_share), literal(now)))

    # Posts: post goals. Employees: their post's goals plus their own employee goals, and competency.
    post = (
        select(Goal.position_id.label("unit"), sums(IndicatorClass.OPERATIONAL).label("op"),
               sums(IndicatorClass.MANAGEMENT).label("mg"))
        .join(Indicator, Indicator.goal_id == Goal.id).join(r, r.indicator_id == Indicator.id)
        .where(Goal.period_id == pid, Goal.level == GoalLevel.POST)
        .group_by(Goal.position_id).subquery("post")
    )
    share = period.post_operational_share
    total += _insert_units(db, select(literal(pid), literal("post"), post.c.unit, post.c.op, post.c.mg, None, None,
                                      _mix(post.c.op, post.c.mg, share), literal(now)))

    # Whose goals: a post goal belongs to the post's current holder; an employee goal to its employee.
    holder = aliased(Employee)
    person = func.coalesce(Goal.employee_id, holder.id).label("person")
    per_person = (
        select(person, sums(IndicatorClass.OPERATIONAL).label("op"), sums(IndicatorClass.MANAGEMENT).label("mg"))
        .join(Indicator, Indicator.goal_id == Goal.id).join(r, r.indicator_id == Indicator.id)
        .outerjoin(holder, and_(Goal.level == GoalLevel.POST, holder.position_id == Goal.position_id))
        .where(Goal.period_id == pid, Goal.level.in_([GoalLevel.POST, GoalLevel.EMPLOYEE]))
        .group_by(person).subquery("person")
    )
    comp = _latest_approved(pid, RatingKind.COMPETENCY)
    indiv = _mix(per_person.c.op, per_person.c.mg, share)
    comp_score = scoring_sql.rubric(comp.c.value)
    total += _insert_units(
        db,
        select(literal(pid), literal("employee"), per_person.c.person, per_person.c.op, per_person.c.mg, None,
               case((comp.c.value.is_(None), None), else_=comp_score),
               _blend(indiv, case((comp.c.value.is_(None), None), else_=comp_score), period.competency_weight),
               literal(now))
        .outerjoin(comp, comp.c.employee_id == per_person.c.person)
        .where(per_person.c.person.is_not(None)),
    )

    company = db.execute(
        select(func.avg(GoalResult.score)).join(Goal, Goal.id == GoalResult.goal_id)
        .where(Goal.period_id == pid, Goal.level == GoalLevel.COMPANY)
    ).scalar()
    if company is not None:
        db.add(UnitResult(period_id=pid, unit_type="company", unit_id=0, score=float(company), computed_at=now))
        db.flush()
        total += 1
    return total


_UNIT_COLS = ["period_id", "unit_type", "unit_id", "operational_score", "management_score", "collaboration_score",
              "competency_score", "score", "computed_at"]


def _insert_units(db: Session, rows: Any) -> int:
    result = db.execute(insert(UnitResult).from_select(_UNIT_COLS, rows))
    return int(result.rowcount or 0)


def _latest_approved(period_id: int, kind: RatingKind) -> Any:
    """Latest approved rating event of a kind per employee (the final rating of the period)."""
    rn = func.row_number().over(partition_by=RatingEvent.employee_id,
                                order_by=(RatingEvent.created_at.desc(), RatingEvent.id.desc()))
    ranked = (select(RatingEvent.employee_id, RatingEvent.value, rn.label("rn"))
              .where(RatingEvent.period_id == period_id, RatingEvent.kind == kind,
                     RatingEvent.status == RatingStatus.APPROVED).subquery())
    return select(ranked.c.employee_id, ranked.c.value).where(ranked.c.rn == 1).subquery(f"final_{kind.value}")


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
        part = [{"employee": ext, "score": round(float(s), 2)} for ext, s in rows[i:i + EMIT_CHUNK]]
        outbox.emit(db, "performance_scores", f"{period.code}#{i // EMIT_CHUNK}",
                    {"period": period.code, "final": final, "scores": part})
        chunks += 1
    return chunks


