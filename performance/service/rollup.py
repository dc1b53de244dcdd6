"""Recompute a period's scores, set-based: indicator -> goal -> (links) -> goal results, in one INSERT ...
SELECT whatever the size of the company (no per-row queries). Unit scores (departments, processes, posts,
employees, the company) are aggregates of the goal results: see ``performance.service.units``.

Rules
- An indicator's score comes from its latest check-in (by as_of, then id) through the formula *version*
  recorded on the indicator (see ``performance.scoring``); its progress is the share of the way from
  baseline to target, and it is at risk when that progress lags the time elapsed by more than 10 points.
- A goal's own score is the weighted average of its indicators. A goal with supporting goals also has a
  roll-up score: the link-weighted average of its children's scores. A goal measured both ways counts
  each half; a goal with only one of them uses that one.
- Each goal result keeps its operational and management scores and the indicator weight behind each,
  which is what units mix with their level's share.
- A closed period is never recomputed: its results are what it was closed with.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Float, and_, case, cast, delete, func, insert, literal, null, or_, select, text, union_all
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hcm import outbox
from hcm.db import utcnow
from hcm.org.models import Employee
from performance import scoring, scoring_sql
from performance.models import (
    CheckIn,
    Goal,
    GoalLevel,
    GoalLink,
    GoalResult,
    Indicator,
    IndicatorClass,
    IndicatorResult,
    Period,
    PeriodState,
    RatingEvent,
    RatingKind,
    RatingStatus,
    UnitResult,
)
from performance.scoring_sql import weight_of, weighted_mean
from performance.service import units
from performance.service.lookups import ensure_writable, get_period
from performance.service.ratings import latest_approved

AT_RISK_TOLERANCE = 0.1
EMIT_CHUNK = 5000
RECOMPUTE_LOCK = 0x7065_7266  # advisory lock namespace ("perf") of a period's recompute


def latest_checkins(period: Period, dialect: str = "postgresql", *, goal_ids: Any = None) -> Any:
    """One row per indicator with check-ins in the period: its latest check-in (by as_of, then id).

    A check-in always lies inside its period's dates (the service refuses others), so the dates narrow the
    rows to sort without a join; the caller's join to the period's indicators drops those of overlapping
    periods (a quarter inside its year). ``goal_ids`` narrows it to those goals' indicators (a page about a
    few goals then sorts their check-ins, not the whole company's). PostgreSQL: DISTINCT ON; elsewhere a
    row_number() window."""
    cols = (CheckIn.indicator_id, CheckIn.actual, CheckIn.milestones_done, CheckIn.rubric_level)
    in_period: ColumnElement[bool] = CheckIn.as_of.between(period.start_date, period.end_date)
    if goal_ids is not None:
        in_period = and_(in_period, CheckIn.indicator_id.in_(select(Indicator.id).where(Indicator.goal_id.in_(goal_ids))))
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
    latest = latest_checkins(period, dialect, goal_ids=goal_ids)
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
    """Recompute the period's goal results: one INSERT ... SELECT scores every indicator, aggregates each
    goal and rolls the scores up the links, rank by rank. Unit scores are read from these rows
    (``performance.service.units``). ``freeze`` (used when the period closes) also stores every indicator's
    and every unit's score, so the closed period keeps exactly what it was closed with."""
    period = ensure_writable(db, period_id)
    today = today or date.today()
    elapsed = scoring.time_elapsed(period.start_date, period.end_date, today)
    now = utcnow()
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        # One recompute of a period at a time (two workers may each have one queued): the second waits for
        # the first to commit and then reads what it wrote, instead of failing on the same result rows.
        # Taken after the period's share lock (ensure_writable), in the order closing takes them too.
        db.execute(text("SELECT pg_advisory_xact_lock(:ns, :period)"), {"ns": RECOMPUTE_LOCK, "period": period_id})
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

    db.execute(delete(GoalResult).where(GoalResult.period_id == period_id))
    db.execute(insert(GoalResult).from_select(_GOAL_COLS, _goal_results(period_id, ind, elapsed, now)))
    # counted, not the INSERT's rowcount: Python's sqlite3 reports none for a statement that opens with WITH
    counts = {"goals": db.scalar(select(func.count()).where(GoalResult.period_id == period_id)) or 0}
    if freeze:
        counts["units"] = units.freeze(db, period=period, now=now)
    else:
        db.execute(delete(UnitResult).where(UnitResult.period_id == period_id))  # an open period reads them live
    return counts


def _lagging(progress: Any, elapsed: float) -> Any:
    return case((and_(progress.is_not(None), literal(elapsed) - progress > AT_RISK_TOLERANCE), True), else_=False)


def _half(a: Any, b: Any) -> Any:
    """A goal measured both ways (own indicators and supporting goals) counts each half."""
    return case((a.is_(None), b), (b.is_(None), a), else_=(a + b) / 2.0)


# Links go from a lower level up (performance.service.cascade), so scores are settled rank by rank from the
# bottom: a goal's supporting goals are all settled before it.
RANKS = ((GoalLevel.EMPLOYEE,), (GoalLevel.POST,), (GoalLevel.DEPARTMENT, GoalLevel.PROCESS), (GoalLevel.COMPANY,))
_GOAL_COLS = ["goal_id", "period_id", "level", "own_score", "rollup_score", "own_progress", "score", "operational_score",
              "management_score", "operational_weight", "management_weight", "progress", "at_risk", "computed_at"]


def _goal_results(period_id: int, ind: Any, elapsed: float, now: Any) -> Any:
    """Every goal of the period with its result row (``_GOAL_COLS``), as one statement."""

    w = ind.c.weight
    is_op, is_mg = ind.c.klass == IndicatorClass.OPERATIONAL, ind.c.klass == IndicatorClass.MANAGEMENT
    own = (
        select(ind.c.goal_id, weighted_mean(ind.c.score, w).label("score"),
               weighted_mean(ind.c.score, w, is_op).label("op"), weighted_mean(ind.c.score, w, is_mg).label("mg"),
               weight_of(ind.c.score, w, is_op).label("opw"), weight_of(ind.c.score, w, is_mg).label("mgw"),
               weighted_mean(ind.c.progress, w).label("progress"))
        .group_by(ind.c.goal_id).subquery("own")
    )
    # every goal with its own (indicator) results; read once per rank, so computed once (MATERIALIZED)
    g = (select(Goal.id.label("goal_id"), Goal.level.label("level"), own.c.score.label("own_score"),
                own.c.progress.label("own_progress"), own.c.op, own.c.mg, own.c.opw, own.c.mgw)
         .outerjoin(own, own.c.goal_id == Goal.id).where(Goal.period_id == period_id)
         .cte("g").prefix_with("MATERIALIZED"))
    settled: list[Any] = []
    for n, levels in enumerate(RANKS):
        mine = g.c.level.in_(levels)
        if not settled:  # the bottom rank has no supporting goals
            rollup_score: Any = cast(null(), Float)
            score, progress, rolled = g.c.own_score, g.c.own_progress, None
        else:
            below = union_all(*(select(s.c.goal_id, s.c.score, s.c.progress) for s in settled)).subquery(f"below{n}")
            rolled = (
                select(GoalLink.parent_goal_id.label("gid"),
                       weighted_mean(below.c.score, GoalLink.weight).label("score"),
                       weighted_mean(below.c.progress, GoalLink.weight).label("progress"))
                .join(below, below.c.goal_id == GoalLink.child_goal_id)
                .where(GoalLink.parent_goal_id.in_(select(g.c.goal_id).where(mine)))  # only this rank's links
                .group_by(GoalLink.parent_goal_id).subquery(f"rolled{n}"))
            rollup_score = rolled.c.score
            score, progress = _half(g.c.own_score, rolled.c.score), _half(g.c.own_progress, rolled.c.progress)
        part = select(g.c.goal_id, literal(period_id).label("period_id"), g.c.level, g.c.own_score,
                      rollup_score.label("rollup_score"), g.c.own_progress, score.label("score"), g.c.op, g.c.mg,
                      g.c.opw, g.c.mgw, progress.label("progress"), _lagging(progress, elapsed).label("at_risk"),
                      literal(now).label("computed_at")).where(mine)
        if rolled is not None:
            part = part.outerjoin(rolled, rolled.c.gid == g.c.goal_id)
        settled.append(part.cte(f"rank{n}"))
    return union_all(*(select(s) for s in settled))


def refresh(db: Session, *, period_id: int, final: bool = False, today: date | None = None) -> dict[str, int]:
    """Recompute the period's scores as of ``today``, then send the employees' scores on to the graph and the
    models: what a check-in's task, a requested recompute and closing a period all do. ``final`` is the period
    closing: its scores are frozen as of its last day (whatever ``today``) and sent as final."""
    if final:
        today = get_period(db, period_id).end_date
    counts = recompute(db, period_id=period_id, today=today, freeze=final)
    emit_scores(db, period_id=period_id, final=final)
    return counts


def emit_scores(db: Session, *, period_id: int, final: bool, employee_id: int | None = None) -> int:
    """Tell the graph and the models about the employees' scores: a few outbox rows of up to
    ``EMIT_CHUNK`` employees each (not one row per person: a company-wide recompute stays cheap). With
    ``employee_id``, only that person's score (their competency rating changed it), in a row of its own."""
    period = db.get(Period, period_id)
    assert period is not None
    ids = None if employee_id is None else [employee_id]
    scores = units.scores(period, "employee", ids=ids)
    rows = db.execute(
        select(Employee.external_id, scores.c.score)
        .join(scores, scores.c.unit_id == Employee.id)
        .where(scores.c.score.is_not(None))
        .order_by(Employee.id)
    ).all()
    items = [score_item(ext, s) for ext, s in rows]
    return emit_period(db, "performance_scores", period, "scores", items, final=final,
                       person=None if employee_id is None else _external_id(db, employee_id))


def score_item(external_id: str, score: float | None) -> dict[str, Any]:
    """One employee's entry of a ``performance_scores`` event (what ``performance.graph`` reproduces)."""
    return {"employee": external_id, "score": round(float(score or 0.0), 2)}


def emit_ratings(db: Session, *, period_id: int, employee_id: int | None = None) -> int:
    """Tell the graph about the final performance rating and the potential of a period (the latest approved
    event of each kind): for everyone rated when the period closes, for one person when an approved event
    changes theirs. Only people with at least one of the two are sent."""
    period = db.get(Period, period_id)
    assert period is not None
    ids = None if employee_id is None else [employee_id]
    perf = latest_approved(period_id, RatingKind.PERFORMANCE, employee_ids=ids)
    pot = latest_approved(period_id, RatingKind.POTENTIAL, employee_ids=ids)
    rows = db.execute(
        select(Employee.external_id, perf.c.value, pot.c.value)
        .outerjoin(perf, perf.c.employee_id == Employee.id)
        .outerjoin(pot, pot.c.employee_id == Employee.id)
        .where(or_(perf.c.value.is_not(None), pot.c.value.is_not(None)),
               *(() if employee_id is None else (Employee.id == employee_id,)))
        .order_by(Employee.id)
    ).all()
    items = [rating_item(ext, f, p) for ext, f, p in rows]
    return emit_period(db, "performance_ratings", period, "ratings", items,
                       person=None if employee_id is None else _external_id(db, employee_id))


def rating_item(external_id: str, final_rating: float | None, potential: float | None) -> dict[str, Any]:
    """One employee's entry of a ``performance_ratings`` event."""
    return {"employee": external_id, "final_rating": final_rating, "potential": potential}


def rating_written(db: Session, event: RatingEvent) -> int:
    """Every rating event written (``performance.service.ratings``, ``.calibration``) comes here, flushed:
    an approved one is the person's new final rating of its kind. Performance and potential are what the
    graph shows; competency moves the person's score of an open period (``units``), so that is sent again.
    Submitted events change neither."""
    if event.status is not RatingStatus.APPROVED:
        return 0
    if event.kind is RatingKind.COMPETENCY:
        return emit_scores(db, period_id=event.period_id, final=False, employee_id=event.employee_id)
    return emit_ratings(db, period_id=event.period_id, employee_id=event.employee_id)


def emit_period(db: Session, topic: str, period: Period, field: str, items: list[dict[str, Any]], *,
                final: bool | None = None, person: str | None = None) -> int:
    """The one way a period's per-employee results reach the outbox: ``items`` in rows of up to ``EMIT_CHUNK``
    keyed ``<period>#<chunk>``, each carrying the period's code and end date (and ``final`` for scores).

    One person's change (``person``, their external id) is a row of its own keyed ``<period>|<person>``: the
    drain keeps only the newest event per key within a batch, so it must never share a key with another
    person's change or with a chunk of everyone. Returns the number of rows; nothing to send, none."""
    head: dict[str, Any] = {"period": period.code, "period_end": period.end_date.isoformat()}
    if final is not None:
        head["final"] = final
    if person is not None:
        if not items:
            return 0
        outbox.emit(db, topic, f"{period.code}|{person}", {**head, field: items})
        return 1
    chunks = 0
    for i in range(0, len(items), EMIT_CHUNK):
        outbox.emit(db, topic, f"{period.code}#{i // EMIT_CHUNK}", {**head, field: items[i:i + EMIT_CHUNK]})
        chunks += 1
    return chunks


def _external_id(db: Session, employee_id: int) -> str:
    ext = db.scalar(select(Employee.external_id).where(Employee.id == employee_id))
    assert ext is not None
    return ext
