"""Points: the standard rules and ledger entries (HR's awards, peer recognition within the limit), corrections
as compensating entries."""

from __future__ import annotations

from collections import Counter
from datetime import date

import numpy as np

from hcm.seed.write import Row
from performance.demo.base import _Planned, _SeederBase
from performance.demo.catalog import CORRECTIONS, POINTS_RULES
from performance.demo.helpers import _month_end, _Stream, _ts
from performance.service.points import PEER_RECOGNITION, PEER_RECOGNITION_LIMIT


class _Points(_SeederBase):
    # --- points ---------------------------------------------------------------------------------------------------------
    def write_points_rules(self) -> None:
        rows: list[Row] = []
        self.rule_id = {}
        for code, name, amount in POINTS_RULES:
            rid = self.ids.take("perf_points_rules")
            self.rule_id[code] = rid
            rows.append((rid, code, name, amount, True))
        self.write("perf_points_rules", ("id", "code", "name", "amount", "active"), rows, "points", 0, 0)

    def points(self) -> None:
        self.write_points_rules()
        w, r = self.w, _Stream(self.rng["points"])
        now = self.as_of.toordinal()
        amount = {code: amt for code, _, amt in POINTS_RULES}
        rows: list[Row] = []
        cols = ("id", "period_id", "employee_id", "rule_id", "amount", "reason", "corrects_entry_id",
                "created_by_user_id", "created_at")
        hr, hr_row = w.hr_user, w.hr_emp_row

        def active_on(e: int, day: int) -> bool:
            return bool(w.hire[e] <= day < w.exit[e])

        for a in self.annuals:
            last = min(a.end + 30 if a.closed else now, now) - 1  # the closed year takes entries until its review
            if last <= a.start:
                continue
            awards: list[Row] = []  # HR's awards (what corrections may correct)

            def award(e: int, code: str, reason: str, day: int, by: int | None, a: _Planned = a,
                      awards: list[Row] = awards) -> None:
                if not active_on(e, day) or (by == hr and e == hr_row):  # active people only; nobody awards themselves
                    return
                rows.append((self.ids.take("perf_points_ledger"), a.period_id, int(w.emp_id[e]), self.rule_id[code],
                             amount[code], reason, None, by, _ts(day, r.between(8 * 60, 18 * 60 - 1))))
                if by == hr:
                    awards.append(rows[-1])

            people = sorted(set(a.holders.values()))
            # goals achieved: the top of the year at the closed year's review; the top of each past quarter this year
            moments = ([(a.end + 20, 0.3)] if a.closed else
                       [(_month_end(a.year, 3 * k).toordinal() + 12, 0.15) for k in (1, 2, 3)
                        if _month_end(a.year, 3 * k).toordinal() + 12 < now])
            zs = np.asarray([a.z[e] for e in people])
            for day, share in moments:
                cut = float(np.quantile(zs + 0.3 * self.rng["points"].normal(0, 1, len(zs)), 1 - share)) if len(zs) else 0
                for e in people:
                    if float(a.z[e]) + 0.3 * r.z() >= cut:
                        award(e, "GOAL_ACHIEVED", "Goals of the period achieved", min(day, last), hr)
            for e in people:
                for _ in range(int(r.u() < 0.45) + int(r.u() < 0.15)):
                    award(e, "TRAINING_COMPLETED", "Training course completed", r.between(a.start, last), hr)
                if r.u() < 0.02 + 0.03 * max(float(a.z[e]), 0.0):
                    award(e, "INNOVATION", "Improvement idea implemented", r.between(a.start, last), hr)
            # peer recognition from colleagues with an account, within the limit per giver and period
            given: Counter[int] = Counter()
            for _unit, team in sorted(self.members(a.holders).items()):
                for giver in (e for e in team if e in w.user_of and e != hr_row):
                    for _ in range(r.between(0, 3)):
                        e, day = r.pick(team), r.between(a.start, last)
                        if e != giver and active_on(giver, day) and active_on(e, day) \
                                and given[giver] < PEER_RECOGNITION_LIMIT:
                            given[giver] += 1
                            award(e, PEER_RECOGNITION, "Thank you for the help", day, w.user_of[giver])
            # a few corrections by HR: compensating entries pointing at the original, never edits
            for i in r.sample(range(len(awards)), max(3, len(awards) // 100)):
                orig = awards[i]
                amt = int(orig[4])
                fix = -amt if r.u() < 0.6 or amt < 20 else -(amt // 2)
                day = min(date.fromisoformat(str(orig[8])[:10]).toordinal() + r.between(3, 20), last)
                rows.append((self.ids.take("perf_points_ledger"), a.period_id, orig[2], orig[3], fix,
                             r.pick(CORRECTIONS), orig[0], hr, _ts(day, r.between(8 * 60, 18 * 60 - 1))))
        self.write("perf_points_ledger", cols, rows, "points")
