"""Performance facts as point-in-time model features (the ``ml.features`` extension point of ``ml/``), and the
9-box cell the risk pages filter by (the ``ml.facets`` point).

A period's results count from 90 days after its end (``KNOWN_AFTER``): by then it has been reviewed and
calibrated, so a snapshot for an earlier as-of date never sees a score or a rating that was not known yet. Only
annual periods count; quarters are parts of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ml.facets import Facet
from performance.models import Period, PeriodKind, PointsEntry, RatingKind, UnitResult
from performance.service.ratings import latest_approved

KNOWN_AFTER = timedelta(days=90)
COLUMNS = ("last_score", "score_trend", "final_rating", "potential", "points_last", "collaboration_received")


def _known_periods(db: Session, as_of: date) -> list[int]:
    """Annual periods whose results were known on ``as_of``, the latest first."""
    return list(db.scalars(select(Period.id).where(Period.kind == PeriodKind.ANNUAL,
                                                   Period.end_date <= as_of - KNOWN_AFTER)
                           .order_by(Period.end_date.desc())))


def features(db: Session, as_of: date, employee_ids: list[int]) -> pd.DataFrame:
    out = pd.DataFrame(index=pd.Index(employee_ids, name="employee_id"), columns=list(COLUMNS), dtype=float)
    periods = _known_periods(db, as_of)
    if not periods or not employee_ids:
        return out
    last = periods[0]
    scores = dict(db.execute(select(UnitResult.unit_id, UnitResult.score).where(
        UnitResult.period_id == last, UnitResult.unit_type == "employee")).all())
    collab = dict(db.execute(select(UnitResult.unit_id, UnitResult.collaboration_score).where(
        UnitResult.period_id == last, UnitResult.unit_type == "employee")).all())
    out["last_score"] = pd.Series(scores, dtype=float).reindex(employee_ids).to_numpy()
    out["collaboration_received"] = pd.Series(collab, dtype=float).reindex(employee_ids).to_numpy()
    if len(periods) > 1:
        before = dict(db.execute(select(UnitResult.unit_id, UnitResult.score).where(
            UnitResult.period_id == periods[1], UnitResult.unit_type == "employee")).all())
        out["score_trend"] = out["last_score"] - pd.Series(before, dtype=float).reindex(employee_ids).to_numpy()
    for kind, col in ((RatingKind.PERFORMANCE, "final_rating"), (RatingKind.POTENTIAL, "potential")):
        fin = latest_approved(last, kind)
        rows = db.execute(select(fin.c.employee_id, fin.c.value * 5.0 / fin.c.scale_max)).all()
        out[col] = pd.Series(dict(rows), dtype=float).reindex(employee_ids).to_numpy()  # on a 1..5 scale
    points = dict(db.execute(select(PointsEntry.employee_id, func.sum(PointsEntry.amount))
                             .where(PointsEntry.period_id == last).group_by(PointsEntry.employee_id)).all())
    out["points_last"] = pd.Series(points, dtype=float).reindex(employee_ids).fillna(0).to_numpy()
    return out


# --- the 9-box cell as a facet of the risk pages (the ``ml.facets`` point) ------------------------------
def _nine_box_choices() -> dict[str, str]:
    from performance.service.ninebox import BANDS, LABELS

    return {f"{p}-{q}": f"{LABELS[(p, q)]} (performance {p}, potential {q})"
            for q in reversed(BANDS) for p in reversed(BANDS)}


def nine_box_cells(db: Session, employee_ids: Sequence[int]) -> dict[int, str]:
    """Each person's 9-box cell (``performance-potential``, e.g. ``high-high``) in the latest closed annual
    period, by the 9-box's own rules (``performance.service.ninebox``); someone not placed there is absent."""
    from performance.models import PeriodState
    from performance.service.ninebox import performance_band, potential_band

    period = db.scalar(select(Period.id).where(Period.kind == PeriodKind.ANNUAL, Period.state == PeriodState.CLOSED)
                       .order_by(Period.end_date.desc()).limit(1))
    ids = list(employee_ids)
    if period is None or not ids:
        return {}
    scores = dict(db.execute(select(UnitResult.unit_id, UnitResult.score).where(
        UnitResult.period_id == period, UnitResult.unit_type == "employee", UnitResult.unit_id.in_(ids))).all())
    perf = latest_approved(period, RatingKind.PERFORMANCE, employee_ids=ids)
    pot = latest_approved(period, RatingKind.POTENTIAL, employee_ids=ids)
    ratings = {r[0]: r[1] for r in db.execute(select(perf.c.employee_id, perf.c.value))}
    potentials = {r[0]: (r[1], r[2]) for r in db.execute(select(pot.c.employee_id, pot.c.value, pot.c.scale_max))}
    out: dict[int, str] = {}
    for emp in ids:
        p_band, _ = performance_band(ratings.get(emp), scores.get(emp))
        value, scale = potentials.get(emp, (None, None))
        q_band = potential_band(value, scale)
        if p_band is not None and q_band is not None:
            out[emp] = f"{p_band}-{q_band}"
    return out


FACETS = (Facet(key="nine_box", label="9-box cell", choices=_nine_box_choices(), values=nine_box_cells),)
