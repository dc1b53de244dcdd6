"""Performance's part of the talent graph, read from the tables (``hcm graph rebuild`` writes it, ``hcm graph
check`` compares it): the Employee properties of ``docs/graph.md`` that the drain sets from the
``performance_scores`` and ``performance_ratings`` events (``performance.service.rollup``).

The rows are exactly what the drain leaves after applying every event, so the rule is the drain's: per employee,
the period with the latest end date among those that sent them something; between two periods that end on the
same day (a year and its last quarter), the one that sent last. What was sent, read from the tables:

- scores: a period sent its employees' scores if it has goal results (only a recompute writes them, and every
  recompute outside the tests is ``rollup.refresh``, which sends them) - the scores ``units.scores`` gives now
  (frozen once closed; for an open period live on the last recompute's goal results), final once the period is
  closed. It sent them at its last recompute, and a person's again at each approved competency rating after it.
- ratings: a period sent a person's final rating and potential (the latest approved event of each kind) at each
  approved performance or potential event, and everyone's again when it closed.

What the drain cannot know stays out of both: a live score that moved without a recompute (a new post holder,
say) is shown as it was last sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from graph.snapshot import PropertySet, Row, Sources
from hcm.org.models import Employee
from performance.models import GoalResult, Period, PeriodState, RatingEvent, RatingKind, RatingStatus
from performance.service import units
from performance.service.ratings import latest_approved
from performance.service.rollup import rating_item, score_item

Rank = tuple[date, datetime, int]  # (period end, when it was sent, period id): the highest is what the graph shows
_EPOCH = datetime.min


def _latest_approved_at(period_id: int, *kinds: RatingKind) -> Any:
    """Per employee, when the latest approved event of these kinds was written (it was sent then)."""
    return (select(RatingEvent.employee_id, func.max(RatingEvent.created_at).label("at"))
            .where(RatingEvent.period_id == period_id, RatingEvent.status == RatingStatus.APPROVED,
                   RatingEvent.kind.in_(kinds))
            .group_by(RatingEvent.employee_id).subquery(f"approved_at_{'_'.join(k.value for k in kinds)}"))


def _keep(best: dict[int, tuple[Rank, Row]], emp_id: int, rank: Rank, row: Row) -> None:
    if emp_id not in best or best[emp_id][0] < rank:
        best[emp_id] = (rank, row)


def _scores(s: Session) -> Iterator[Row]:
    best: dict[int, tuple[Rank, Row]] = {}
    recomputed = s.execute(select(Period, func.max(GoalResult.computed_at))
                           .join(GoalResult, GoalResult.period_id == Period.id).group_by(Period.id)
                           .order_by(Period.id)).all()
    for period, recomputed_at in recomputed:
        scores = units.scores(period, "employee")
        competency = _latest_approved_at(period.id, RatingKind.COMPETENCY)
        end, final = period.end_date.isoformat(), period.state is PeriodState.CLOSED
        for emp_id, ext, score, competency_at in s.execute(
                select(Employee.id, Employee.external_id, scores.c.score, competency.c.at)
                .join(scores, scores.c.unit_id == Employee.id)
                .outerjoin(competency, competency.c.employee_id == Employee.id)
                .where(scores.c.score.is_not(None))):
            sent = max(recomputed_at or _EPOCH, competency_at or _EPOCH)
            item = score_item(ext, score)
            _keep(best, emp_id, (period.end_date, sent, period.id), {"key": ext, "props": {
                "perf_score": item["score"], "perf_period": period.code, "perf_period_end": end,
                "perf_final": final}})
    for emp_id in sorted(best):
        yield best[emp_id][1]


def _ratings(s: Session) -> Iterator[Row]:
    best: dict[int, tuple[Rank, Row]] = {}
    rated = s.scalars(select(Period).where(Period.id.in_(
        select(RatingEvent.period_id).where(RatingEvent.status == RatingStatus.APPROVED,
                                            RatingEvent.kind.in_((RatingKind.PERFORMANCE, RatingKind.POTENTIAL)))))
                      .order_by(Period.id)).all()
    for period in rated:
        perf = latest_approved(period.id, RatingKind.PERFORMANCE)
        pot = latest_approved(period.id, RatingKind.POTENTIAL)
        sent_at = _latest_approved_at(period.id, RatingKind.PERFORMANCE, RatingKind.POTENTIAL)
        closed_at = period.closed_at if period.state is PeriodState.CLOSED else None
        end = period.end_date.isoformat()
        for emp_id, ext, final_rating, potential, at in s.execute(
                select(Employee.id, Employee.external_id, perf.c.value, pot.c.value, sent_at.c.at)
                .join(sent_at, sent_at.c.employee_id == Employee.id)
                .outerjoin(perf, perf.c.employee_id == Employee.id)
                .outerjoin(pot, pot.c.employee_id == Employee.id)):
            item = rating_item(ext, final_rating, potential)
            sent = max(at or _EPOCH, closed_at or _EPOCH)
            _keep(best, emp_id, (period.end_date, sent, period.id), {"key": ext, "props": {
                "final_rating": item["final_rating"], "potential": item["potential"], "rating_period": period.code,
                "rating_period_end": end}})
    for emp_id in sorted(best):
        yield best[emp_id][1]


def _count_scores(s: Session) -> int:
    return sum(1 for _ in _scores(s))


def _count_ratings(s: Session) -> int:
    return sum(1 for _ in _ratings(s))


SOURCES = Sources(properties=(
    PropertySet("Employee", ("perf_score", "perf_period", "perf_period_end", "perf_final"), _scores, _count_scores,
                "UNWIND $rows AS r MATCH (n:Employee {key: r.key}) SET n += r.props"),
    PropertySet("Employee", ("final_rating", "potential", "rating_period", "rating_period_end"), _ratings,
                _count_ratings, "UNWIND $rows AS r MATCH (n:Employee {key: r.key}) SET n += r.props"),
))
