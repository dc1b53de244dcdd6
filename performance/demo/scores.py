"""Scores: the open periods recomputed with ``performance.service.rollup`` (and their approved ratings sent, as
the rating services would have); the past ones closed through ``performance.service.periods`` (review ->
calibration -> closed). The years' employee scores are reported."""

from __future__ import annotations

from sqlalchemy import func, select

from performance.demo.base import _SeederBase
from performance.models import Period, PeriodKind, PeriodState
from performance.service import periods as period_service
from performance.service import rollup, units


class _Scores(_SeederBase):
    # --- scores ---------------------------------------------------------------------------------------------------------
    def scores(self, periods: list[Period]) -> dict[str, tuple[int, float]]:
        s, as_of = self.session, self.as_of
        self.tick("scores", 0, len(periods))
        out: dict[str, tuple[int, float]] = {}
        for i, p in enumerate(periods):
            if p.end_date <= as_of:  # a past period: review, calibration, then closed (frozen, outbox)
                for to in (PeriodState.REVIEW, PeriodState.CALIBRATION, PeriodState.CLOSED):
                    period_service.advance(s, period_id=p.id, to=to)
            elif p.start_date <= as_of:  # the running ones (in progress since their plan was written)
                if p.kind is PeriodKind.ANNUAL and as_of.month == 12:  # the year's review begins in December
                    period_service.advance(s, period_id=p.id, to=PeriodState.REVIEW)
                rollup.refresh(s, period_id=p.id, today=as_of)
                # The approved ratings were written in bulk, past ``rollup.rating_written``, which sends each
                # person's to the graph as it is approved: send them here (a closed period's go out as it closes),
                # or the drained graph keeps last year's where a rebuild shows this year's.
                rollup.emit_ratings(s, period_id=p.id)
            if p.kind is PeriodKind.ANNUAL:
                people = units.scores(p, "employee")
                n, mean = s.execute(select(func.count(), func.avg(people.c.score))).one()
                out[p.code] = (int(n), round(float(mean or 0.0), 2))
            self.tick("scores", i + 1, len(periods))
        return out
