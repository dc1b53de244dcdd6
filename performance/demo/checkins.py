"""Check-ins: month-end actuals (quarter-end rubric levels) over the elapsed part of each period (the years and
the quarters that have begun), drifting towards an end value set by the performance of whoever owns the goal."""

from __future__ import annotations

from collections import Counter
from datetime import date

import numpy as np

from hcm.seed.write import Row
from performance.demo.base import _Planned, _SeederBase
from performance.demo.catalog import CHUNK, COMMENTS_HIGH, COMMENTS_LOW, COMMENTS_OK, MILESTONE, Q_HI, Q_LO, Q_RANGE, RUBRIC
from performance.demo.helpers import _iso, _month_end, _ts


class _CheckIns(_SeederBase):
    # --- check-ins -----------------------------------------------------------------------------------------------------
    def checkins(self) -> None:
        meta = self.ind_meta
        n_years = sum(1 for m in meta if m[0] < len(self.annuals))  # the years' indicators come first
        periods = [*self.annuals, *self.quarters]
        dates = [self.checkin_dates(a, quarter=k >= len(self.annuals)) for k, a in enumerate(periods)]
        per_period = Counter(m[0] for m in meta)
        total = sum(per_period[k] * len(d) for k, d in enumerate(dates))
        done = self.checkins_of(meta[:n_years], periods, dates, self.rng["checkins"], 0, total)
        self.checkins_of(meta[n_years:], periods, dates, self.rng["quarter checkins"], done, total)
        self.tick("check-ins", total, total)

    def checkin_dates(self, a: _Planned, *, quarter: bool) -> list[tuple[int, float]]:
        """(day, share of the period elapsed) of each check-in round: every month end so far. A quarter in
        progress also has one yesterday: its first month would otherwise show nothing."""
        days = [d for d in (_month_end(a.year, mth).toordinal() for mth in range(1, 13)) if a.start <= d <= a.cutoff]
        if quarter and not a.closed and a.cutoff >= a.start and a.cutoff not in days:
            days.append(a.cutoff)
        return [(d, (d + 1 - a.start) / (a.end - a.start)) for d in days]

    def checkins_of(self, meta: list[tuple[int, int, int, float, tuple[float, ...], int, str | None]],
                    periods: list[_Planned], dates: list[list[tuple[int, float]]], rng: np.random.Generator,
                    done: int, total: int) -> int:
        cols = ("id", "indicator_id", "as_of", "actual", "milestones_done", "rubric_level", "comment", "author_user_id",
                "created_at")
        now = self.as_of.toordinal()
        n = len(meta)
        ai_arr = np.asarray([m[0] for m in meta], dtype=np.int64)
        iid = np.asarray([m[1] for m in meta], dtype=np.int64)
        shape = np.asarray([m[2] for m in meta], dtype=np.int64)
        q = np.asarray([m[3] for m in meta], dtype=float)
        dec = np.asarray([m[5] for m in meta], dtype=np.int64)
        pct = np.asarray([m[6] == "%" for m in meta], dtype=bool)
        monthly = np.asarray([m[1] not in self.not_monthly for m in meta], dtype=bool)
        b, g, centre, half = np.zeros(n), np.ones(n), np.zeros(n), np.ones(n)
        mtotal = np.ones(n, dtype=np.int64)
        for i, m in enumerate(meta):
            bd = m[4]
            if m[2] in (Q_HI, Q_LO):
                b[i], g[i] = bd[0], bd[2]
            elif m[2] == Q_RANGE:
                centre[i], half[i] = (bd[1] + bd[2]) / 2, max((bd[2] - bd[1]) / 2, 0.5)
            elif m[2] == MILESTONE:
                mtotal[i] = int(bd[0])
        # Where each indicator ends the period (share of the way from baseline to target), driven by its owner.
        f_end = 1.04 + 0.2 * q + rng.normal(0, 0.13, n)
        gamma = rng.uniform(0.7, 1.15, n)  # some indicators move early, some late
        rub_base = 3.2 + 0.8 * q + rng.normal(0, 0.5, n)
        done_end = np.floor(mtotal * np.clip(0.9 + 0.2 * q + rng.normal(0, 0.15, n), 0.0, 1.0) + 0.5).astype(np.int64)
        dev = rng.normal(0, 1, n) * np.exp(-0.4 * q) * 1.1  # ranges: good owners stay near the middle of the band
        comments = (*COMMENTS_LOW, *COMMENTS_OK, *COMMENTS_HIGH)
        for ai in sorted(set(ai_arr.tolist())):
            a, sel = periods[ai], np.flatnonzero(ai_arr == ai)
            parts: list[tuple[np.ndarray, ...]] = []
            for k, (day, e) in enumerate(dates[ai]):
                final = a.closed and k == len(dates[ai]) - 1
                keep = rng.random(len(sel)) >= (0.0 if final else 0.05)  # a few months go unreported
                # indicators not reported monthly (quarterly ones, and interim readings of those measured at
                # period end) are checked in at quarter ends
                keep &= monthly[sel] | (date.fromordinal(day).month % 3 == 0)
                s = sel[keep]
                cnt = len(s)
                f = f_end[s] * e ** gamma[s] + rng.normal(0, 0.08, cnt) * np.sqrt(e * (1 - e))
                actual = np.where(shape[s] == Q_RANGE,
                                  centre[s] + half[s] * (dev[s] + rng.normal(0, 0.3, cnt) * (1 - 0.5 * e)),
                                  b[s] + f * (g[s] - b[s]))
                actual = np.maximum(actual, 0.0)
                actual = np.where(pct[s], np.minimum(actual, 100.0), actual)
                d = dec[s]
                actual = np.where(d == 0, np.round(actual), np.where(d == 1, np.round(actual, 1), np.round(actual, 2)))
                md = np.minimum(np.floor(done_end[s] * e ** gamma[s] + 0.5), mtotal[s]).astype(np.int64)
                rl = np.clip(np.rint(rub_base[s] + rng.normal(0, 0.3, cnt)), 1, 5).astype(np.int64)
                lag = f - e
                tone = np.where(lag < -0.1, 0, np.where(lag > 0.1, 2, 1))
                said = np.where(rng.random(cnt) < 0.08, tone * 4 + rng.integers(0, 4, cnt), -1)
                created = np.minimum(day + rng.integers(1, 6, cnt), now)
                parts.append((s, np.full(cnt, day), actual, md, rl, said, created, rng.integers(8 * 60, 18 * 60, cnt)))
            if not parts:
                continue
            cols_ = [np.concatenate(c) for c in zip(*parts, strict=True)]
            # ids in (indicator, date) order: the table and its (indicator_id, as_of, id) index fill in order
            order = np.lexsort((cols_[1], iid[cols_[0]]))
            s, day_, actual, md, rl, said, created, minute = (c[order] for c in cols_)
            sh = shape[s]
            first_id = self.ids.take("perf_checkins", len(s))
            act = actual.astype(object)
            act[sh > Q_RANGE] = None
            md_ = md.astype(object)
            md_[sh != MILESTONE] = None
            rl_ = rl.astype(object)
            rl_[sh != RUBRIC] = None
            for lo in range(0, len(s), CHUNK * 5):
                hi = min(len(s), lo + CHUNK * 5)
                rows: list[Row] = list(zip(
                    range(first_id + lo, first_id + hi), iid[s[lo:hi]].tolist(), [_iso(x) for x in day_[lo:hi].tolist()],
                    act[lo:hi].tolist(), md_[lo:hi].tolist(), rl_[lo:hi].tolist(),
                    [comments[x] if x >= 0 else None for x in said[lo:hi].tolist()], [None] * (hi - lo),
                    [_ts(c, m) for c, m in zip(created[lo:hi].tolist(), minute[lo:hi].tolist(), strict=True)], strict=True))
                done = self.write("perf_checkins", cols, rows, "check-ins", done, total)
        return done
