"""Rating events: self, manager and peer performance ratings, potential and competency, HR's approvals, and a
handful of calibration adjustments with reasons in the closed year."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np

from hcm.seed.write import Row
from performance.demo.base import _Planned, _SeederBase
from performance.demo.catalog import CALIBRATION_DOWN, CALIBRATION_UP
from performance.demo.helpers import _Stream, _ts
from performance.models import RatingKind, RatingSource, RatingStatus


class _Ratings(_SeederBase):
    # --- ratings --------------------------------------------------------------------------------------------------------
    def ratings(self) -> None:
        w, r = self.w, _Stream(self.rng["ratings"])
        now = self.as_of.toordinal()
        rows: list[Row] = []
        cols = ("id", "period_id", "employee_id", "kind", "source", "value", "scale_max", "rater_employee_id",
                "rater_user_id", "reason", "status", "created_at")
        perf, pot, comp = RatingKind.PERFORMANCE, RatingKind.POTENTIAL, RatingKind.COMPETENCY
        submitted, approved = RatingStatus.SUBMITTED, RatingStatus.APPROVED

        def event(a: _Planned, e: int, kind: RatingKind, source: RatingSource, value: int, window: tuple[int, int], *,
                  rater: int | None, scale: int = 5, status: RatingStatus = submitted, reason: str | None = None,
                  rater_user: int | None = None) -> int:
            rid = self.ids.take("perf_rating_events")
            day = min(r.between(*window), now)
            user = rater_user if rater_user is not None else (w.user_of.get(rater) if rater is not None else None)
            rows.append((rid, a.period_id, int(w.emp_id[e]), kind.value, source.value, float(value), scale,
                         int(w.emp_id[rater]) if rater is not None else None, user, reason, status.value,
                         _ts(day, r.between(8 * 60, 18 * 60 - 1))))
            return rid

        def rate(value: float) -> int:
            return min(5, max(1, round(value)))

        self.final_rating = {}
        for a in self.annuals:
            if a.closed:  # the year-end review in January, HR's approvals at its end, calibration in February
                win = {"self": (a.end + 2, a.end + 14), "manager": (a.end + 8, a.end + 24),
                       "approve": (a.end + 25, a.end + 30), "calibrate": (a.end + 38, a.end + 45)}
            elif self.as_of.month == 12:  # this year's review has begun
                win = {"self": (now - 20, now - 1), "manager": (now - 15, now - 1),
                       "approve": (now - 3, now - 1)}
            elif now - a.start > 215:  # the mid-year conversation and talent review have taken place
                win = {"self": (a.start + 180, a.start + 195), "manager": (a.start + 188, a.start + 205),
                       "approve": (a.start + 206, a.start + 212)}
            else:
                continue
            pos_of = {e: p for p, e in a.holders.items()}

            def reviewed(e: int, a: _Planned = a) -> bool:
                # closed year: joined in time to be reviewed and still here at the review
                return not a.closed or (w.hire[e] <= a.end - 90 and w.exit[e] > a.end + 30)

            def boss_of(e: int, a: _Planned = a, pos_of: dict[int, int] = pos_of) -> int | None:
                p = w.pos_boss.get(pos_of[e])
                while p is not None:  # a vacant boss post: the next one up rates
                    if p in a.holders:
                        return a.holders[p]
                    p = w.pos_boss.get(p)
                return None

            by_dept: dict[int, list[int]] = defaultdict(list)
            for e in sorted(pos_of):
                by_dept[w.pos_dept.get(pos_of[e], -1)].append(e)
                if not reviewed(e):
                    continue
                z = float(a.z[e])
                leaning = 3.15 + 0.8 * z + 0.45 * r.z()
                if r.u() < 0.9:
                    event(a, e, perf, RatingSource.SELF, rate(leaning + 0.35 + 0.55 * r.z()), win["self"], rater=e)
                boss = boss_of(e)
                if boss is None or r.u() < 0.05:
                    continue
                mgr = rate(leaning)
                rid = event(a, e, perf, RatingSource.MANAGER, mgr, win["manager"], rater=boss)
                if a.closed or (self.as_of.month == 12 and r.u() < 0.5):
                    event(a, e, perf, RatingSource.MANAGER, mgr, win["approve"], rater=boss, status=approved,
                          reason=f"approval of rating #{rid} by hr")
                    self.final_rating[(a.period_id, e)] = mgr
                grade = w.pos_grade.get(pos_of[e], 3)
                age = a.year - w.birth[e] if not np.isnan(w.birth[e]) else 40.0
                lean = 0.6 * z + 0.35 * float(np.clip((40 - age) / 10, -1.5, 1.5)) + 0.08 * (grade - 4) + 0.7 * r.z()
                potential = 1 if lean < -0.6 else 3 if lean > 0.75 else 2
                rid = event(a, e, pot, RatingSource.MANAGER, potential, win["manager"], rater=boss, scale=3)
                event(a, e, pot, RatingSource.MANAGER, potential, win["approve"], rater=boss, scale=3, status=approved,
                      reason=f"approval of rating #{rid} by hr")
                if a.closed:
                    competency = rate(3.1 + 0.55 * z + 0.6 * r.z())
                    rid = event(a, e, comp, RatingSource.MANAGER, competency, win["manager"], rater=boss)
                    event(a, e, comp, RatingSource.MANAGER, competency, win["approve"], rater=boss, status=approved,
                          reason=f"approval of rating #{rid} by hr")
            # peers: three to five colleagues of the same department, for some people
            share = 0.15 if a.closed else 0.08
            for _dept, team in sorted(by_dept.items()):
                here = [e for e in team if reviewed(e)]
                if len(here) < 4:
                    continue
                for e in here:
                    if r.u() >= share:
                        continue
                    for peer in r.sample([x for x in here if x != e], r.between(3, 5)):
                        event(a, e, perf, RatingSource.PEER, rate(3.2 + 0.6 * float(a.z[e]) + 0.7 * r.z()), win["self"],
                              rater=peer)
            if a.closed:
                self.calibrate(a, event, win["calibrate"], r)
        self.write("perf_rating_events", cols, rows, "ratings")

    def calibrate(self, a: _Planned, event: Callable[..., int], window: tuple[int, int], r: _Stream) -> None:
        """A handful of final ratings the results do not support move one step, each with its reason."""
        w = self.w
        rated = sorted((e, v) for (pid, e), v in self.final_rating.items() if pid == a.period_id)
        implied = {e: int(np.clip(round(3.0 + 0.9 * float(a.z[e])), 1, 5)) for e, _ in rated}
        down = [(e, v) for e, v in rated if v >= 4 and v - implied[e] >= 1]
        up = [(e, v) for e, v in rated if v <= 2 and implied[e] - v >= 1]
        handful = max(3, min(25, len(rated) // 150))
        n_up = min(len(up), max(1, handful // 3))
        chosen = [(down[i][0], down[i][1], -1) for i in r.sample(range(len(down)), handful - n_up)]
        chosen += [(up[i][0], up[i][1], 1) for i in r.sample(range(len(up)), n_up)]
        for e, v, step in sorted(chosen):
            event(a, e, RatingKind.PERFORMANCE, RatingSource.CALIBRATION, v + step, window,
                  rater=w.hr_emp_row if w.hr_emp_row >= 0 else None, rater_user=w.hr_user, status=RatingStatus.APPROVED,
                  reason=r.pick(CALIBRATION_UP if step > 0 else CALIBRATION_DOWN))
            self.final_rating[(a.period_id, e)] = v + step
