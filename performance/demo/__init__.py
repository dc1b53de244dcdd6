"""Demo data for total performance management, on a database already seeded by ``hcm.seed``.

    from performance.demo import seed_performance
    report = seed_performance("sqlite:///hcm.db", seed=42, as_of=date(2026, 12, 1))  # after hcm.seed.seed(...)

What it writes, deterministic by ``seed`` and ``as_of``:

- periods: last year (closed), this year (in progress; in review in December) and this year's quarters
  (past ones closed, the current one in progress, later ones in planning and empty), mixes at their defaults;
- per year, and per quarter that has begun, the cascade: 3-5 company goals; 1-2 goals for each division and
  department linked up to the company goals; a goal per business process, linked to company goals; 1-2
  goals for every occupied post linked to its department's goals; 2-4 indicators per goal (higher/lower-is-better, ranges,
  milestones, rubrics; departments mostly operational, posts mostly management). Every weight rule of
  ``performance.service.cascade`` holds: indicator weights per goal and link weights per parent add to 100;
- check-ins: month-end actuals (quarter-end for rubric levels) over the elapsed part of each
  period (the quarter under way also yesterday), drifting towards an end value set by the performance of
  whoever owns the goal; ratings, collaboration and points are the years';
- collaboration: a few dozen service items between departments, rated 1-5 by people of the consumer
  department (who get log-in-less user accounts: a rating needs a rater user);
- rating events: self, manager and peer performance ratings, potential (1..3) and competency; approved
  manager ratings and a handful of calibration adjustments with reasons in the closed year;
- points: the four standard rules and ledger entries, corrections as compensating entries;
- scores: the open periods recomputed with ``performance.service.rollup``; the past ones closed through
  ``performance.service.periods`` (review -> calibration -> closed), which freezes indicator results and
  writes ``performance_scores`` and ``performance_ratings`` outbox rows. The open periods' approved ratings
  (written in bulk, so the rating services never sent them) go out as ``performance_ratings`` rows too
  (``rollup.emit_ratings``): the graph drained from the outbox is the one a rebuild writes.

The people behind it. ``hcm.seed`` simulates a latent performance per person (AR(1) month to month) that
drove merit pay, promotions and exits but is never written. When the database is an untouched
``hcm.seed`` company, that company is rebuilt in memory from its seed (cheap: the same generator) and the
latent is used as it is, carried back and forward month by month with the same AR(1); so ratings and
goal results agree with the careers already in the database. Otherwise a latent is derived from what
the data shows (recent promotions and demotions, position in the pay band) plus noise.

Bulk rows are written with ``hcm.seed.write.Writer`` (executemany on SQLite, COPY on PostgreSQL) in the
same single transaction as the service calls; the per-row services are never called for bulk rows.
"""

from performance.demo.helpers import split_100
from performance.demo.run import PerformanceSeedReport, seed_performance

__all__ = ["PerformanceSeedReport", "seed_performance", "split_100"]
