"""Demo data for succession, on a database seeded by ``hcm.seed`` (and performance's demo, which runs before):

    from succession.demo import seed_succession
    report = seed_succession("sqlite:///hcm.db", seed=42, as_of=date(2026, 12, 1))  # after hcm.seed and performance

What it writes, deterministic by ``seed`` and ``as_of``, every row as the plan services would have written it:

- a plan for most key posts (the chief executive's always; about one in ten left without, so the board shows
  uncovered posts), each with 1-4 nominees of the grades below: people in the post's department subtree, and in
  the same or related job families elsewhere, good performers and high potentials (performance's final ratings
  and potential of the last closed year) more likely; nobody holds the post they stand for, nobody has left,
  nobody stands twice on a slate, ranks are 1..n (ready-now first);
- readiness spread by how far below the post a nominee stands and how they perform, with a dated history: most
  kept their first readiness, some moved once or twice (mostly forward), each change with who and why;
- a few nominations already removed, with the reason; an emergency successor on some plans (always on a vacant
  post with a slate), a few confirmed by HR off the slate;
- development actions per nominee (skill gaps against the post's requirements, experience, performance,
  mentoring), owned by the post's holder or the nominee's manager, some done, some overdue as of ``as_of``;
- a couple of people who are the only ready-now successor of two or three posts (single points of failure);
- three talent pools with entry criteria and members (with the reason they entered; a few who left the pool);
- the audit of every one of those changes (by the demo's HR user), and the ``successor`` outbox events of every
  open nomination and off-slate interim, so the talent graph gets its SUCCESSOR_FOR edges when the outbox drains.

Bulk rows are written with ``hcm.seed.write.Writer`` in one transaction; no per-row service call.
"""

from succession.demo.run import POOLS, SuccessionSeedReport, seed_succession

__all__ = ["POOLS", "SuccessionSeedReport", "seed_succession"]
