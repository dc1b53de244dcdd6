"""Five years of careers, simulated month by month on fixed posts.

A causal model, so that models trained later on the data find real signal (and no column gives it away):

- every person carries latent traits that are never written to the database: a performance score (persistent,
  AR(1) month to month), a skill fit to the current post (drops on a step up, grows with time in the post and
  faster for strong performers), and a personal propensity to leave;
- pay: hired around the band midpoint, a merit rise every April that grows with (noisily observed) performance
  and shrinks with the position in the band, bands move up ``BAND_INFLATION`` a year, promotions pay 6-12 %;
- voluntary exits: a monthly logistic hazard, higher when underpaid (low compa-ratio), in the first two years,
  when stuck in a post for years without promotion, after the manager changed or while the manager's post is
  vacant, under a weak manager, with poor skill fit, for younger people and at retirement age, for strong
  performers who are underpaid; the intercept is re-calibrated every month to a yearly turnover target drawn
  in 9.5-12.5 % (with seasonality), so the level is plausible whatever the mix;
- involuntary exits: low performance and poor fit, plus one restructuring wave;
- vacancies (from exits and moves) are filled after a delay, inside the company first for senior posts: the
  best-scoring ready candidate one grade below in the same division and family gets the promotion (score =
  performance + fit + time in post + noise), with some lateral moves and a few demotions; otherwise an
  external hire. Moves leave vacancies behind, so vacancy chains appear on their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np

from hcm.seed import catalog as C
from hcm.seed.org import Org

YEARS = 5
MONTHS = 12 * YEARS
BAND_INFLATION = 0.03  # band midpoints a year ago were 3 % lower
PERF_RHO = 0.8 ** (1 / 12)  # performance keeps 80 % of its deviation over a year
HIRE, PROMOTION, LATERAL, DEMOTION, EXIT_VOLUNTARY, EXIT_INVOLUNTARY = range(6)
REASONS = ("hire", "promotion", "lateral", "demotion", "exit_voluntary", "exit_involuntary")
GENDERS = ("female", "male", "other", "undisclosed")
VOLUNTARY_RANGE = (0.095, 0.125)  # yearly voluntary turnover targets are drawn from this range
INVOLUNTARY_RATE = 0.02
# monthly share of a vacancy that gets filled, by grade (1..10); internal share of those fills, by grade
FILL_P = np.asarray([0, 0.42, 0.42, 0.4, 0.4, 0.38, 0.38, 0.38, 0.5, 0.6, 0.7])
INTERNAL_P = np.asarray([0, 0.0, 0.35, 0.45, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.7])
SEASON = np.asarray([1.15, 1.05, 1.1, 1.05, 1.0, 0.95, 1.0, 1.0, 1.1, 0.95, 0.85, 0.8])
SEASON = SEASON / SEASON.mean()


@dataclass
class History:
    """The simulated people and their assignment rows. Days are proleptic ordinals (``date.toordinal``)."""

    start: date
    as_of: date  # the history ends on this day: "now" for everything written
    n: int  # employees; index i is id i+1
    pos: np.ndarray  # current position (-1 when exited)
    last_pos: np.ndarray  # the position held last (the current one, or the one left on exit)
    active: np.ndarray
    hire_day: np.ndarray
    exit_day: np.ndarray  # -1 when active
    exit_reason: np.ndarray  # -1 when active, else EXIT_VOLUNTARY / EXIT_INVOLUNTARY
    birth_year: np.ndarray
    gender: np.ndarray  # index into GENDERS
    salary: np.ndarray  # current, or at exit
    perf: np.ndarray  # latent, never written: kept for tests of the causal model
    fit: np.ndarray  # latent, never written: drives the skill records
    # assignments sorted by (employee, start): index j is id j+1
    a_emp: np.ndarray
    a_pos: np.ndarray  # -1 on exit rows
    a_start: np.ndarray
    a_end: np.ndarray  # -1 when open
    a_reason: np.ndarray
    a_salary: np.ndarray  # NaN on exit rows
    voluntary_turnover: list[float]  # per simulated year: voluntary exits / average headcount


class _Pool:
    """Candidates for one kind of move, bucketed by a key and ordered best-first inside each bucket."""

    def __init__(self, emps: np.ndarray, keys: np.ndarray, score: np.ndarray) -> None:
        order = np.argsort(-score, kind="stable")
        emps, keys = emps[order], keys[order]
        order = np.argsort(keys, kind="stable")
        self.emps: list[int] = emps[order].tolist()
        self.keys = keys[order]
        self.next: dict[int, int] = {}

    def take(self, key: int, moved_m: np.ndarray, m: int) -> int:
        i = self.next.get(key)
        if i is None:
            i = int(np.searchsorted(self.keys, key, side="left"))
        n = len(self.emps)
        while i < n and self.keys[i] == key:
            e = self.emps[i]
            i += 1
            if moved_m[e] != m:
                self.next[key] = i
                return e
        self.next[key] = i
        return -1


def _calibrate(x: np.ndarray, target: float) -> np.ndarray:
    """Monthly probabilities sigmoid(x + c) with c chosen so that their mean is ``target``."""
    if len(x) == 0:
        return x
    c = float(np.log(target / (1 - target)) - np.median(x))
    for _ in range(30):
        s = 1.0 / (1.0 + np.exp(-(x + c)))
        g = s.mean() - target
        if abs(g) < 1e-7:
            break
        c -= g / max(float((s * (1 - s)).mean()), 1e-9)
    return 1.0 / (1.0 + np.exp(-(x + c)))


def _year_of(days: np.ndarray) -> np.ndarray:
    """Calendar years of proleptic ordinals."""
    dt = np.datetime64("0001-01-01", "D") + (np.asarray(days, dtype=np.int64) - 1)
    return dt.astype("datetime64[Y]").astype(np.int64) + 1970


def _month_starts(as_of: date) -> list[date]:
    y0, m0 = as_of.year - YEARS, as_of.month - 1
    return [date(y0 + (m0 + k) // 12, (m0 + k) % 12 + 1, 1) for k in range(MONTHS + 2)]


class _Sim:
    def __init__(self, rng: np.random.Generator, org: Org, employees: int, as_of: date) -> None:
        self.rng, self.org, self.as_of = rng, org, as_of
        self.target_active = employees
        P = org.n_positions
        self.grade, self.fam, self.boss, self.div = org.pos_grade, org.pos_family, org.pos_boss, org.pos_div
        bands = np.asarray([(0.0, 1.0, 1.0)] + [C.band(g) for g in range(1, 11)])
        self.band_min, self.band_mid, self.band_max = bands[:, 0], bands[:, 1], bands[:, 2]
        self.fam_bias = np.asarray([f.exit_bias for f in C.FAMILIES])
        self.p_female = np.asarray([f.p_female for f in C.FAMILIES])
        self.kid_ptr, self.kids = org.children()
        self.holder = np.full(P, -1, dtype=np.int64)
        self.vacant_since = np.full(P, -1, dtype=np.int64)  # month the post became vacant
        self.vacated_day = np.zeros(P, dtype=np.int64)
        self.mgr_change = np.full(P, -1000, dtype=np.int64)  # month the boss post last changed hands
        self.starts = _month_starts(as_of)
        self.day0 = self.starts[0].toordinal()
        self.n = 0
        cap = int(employees * (1.1 + 0.2 * YEARS)) + 64
        self.a: dict[str, np.ndarray] = {}
        self.defaults: dict[str, object] = {}
        self.pools: dict[tuple[int, int], _Pool] = {}
        for name, dtype, fill in (
            ("pos", np.int64, -1), ("last_pos", np.int64, -1), ("active", bool, False), ("hire_day", np.int64, 0),
            ("hire_m", np.int64, 0), ("post_m", np.int64, 0), ("moved_m", np.int64, -1000),
            ("exit_day", np.int64, -1), ("exit_reason", np.int64, -1), ("birth_year", np.int64, 0),
            ("gender", np.int64, 0), ("perf", float, 0.0), ("fit", float, 0.0), ("prop", float, 0.0),
            ("salary", float, 0.0),
        ):
            self.a[name] = np.full(cap, fill, dtype=dtype)
            self.defaults[name] = fill
        self.log: list[tuple[np.ndarray, ...]] = []  # (emp, pos, day, reason, salary)
        self.moves: list[tuple[int, int, int, int, float]] = []
        self.touched: list[int] = []
        self.vol_exits = np.zeros(YEARS + 1)
        self.headcount = np.zeros(YEARS + 1)

    # --- helpers ------------------------------------------------------------------------------------
    def band_factor(self, m: int) -> float:
        return float((1 + BAND_INFLATION) ** ((m - MONTHS) / 12))

    def _reserve(self, k: int) -> np.ndarray:
        need = self.n + k
        cap = len(self.a["pos"])
        if need > cap:
            new = max(need, int(cap * 1.5))
            for name, arr in self.a.items():
                grown = np.full(new, self.defaults[name], dtype=arr.dtype)
                grown[:cap] = arr
                self.a[name] = grown
        ids = np.arange(self.n, need)
        self.n = need
        return ids

    def _children(self, positions: np.ndarray) -> np.ndarray:
        if len(positions) == 0:
            return positions
        starts, ends = self.kid_ptr[positions], self.kid_ptr[positions + 1]
        counts = ends - starts
        total = int(counts.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        offsets = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(total)
        return self.kids[offsets]

    def _people(self, positions: np.ndarray, day: np.ndarray, m: int) -> np.ndarray:
        """New people on ``positions``; ``day`` is their hire day (before the window for the initial staff)."""
        rng, a = self.rng, self.a
        k = len(positions)
        ids = self._reserve(k)
        g = self.grade[positions]
        f = self.fam[positions]
        age = np.clip(rng.normal(23.0 + 2.7 * g, 7.0), 19, 63)
        years = _year_of(day)
        r = rng.random(k)
        pf = self.p_female[f]
        gender = np.where(r < 0.97 * pf, 0, np.where(r < 0.97, 1, np.where(r < 0.975, 2, 3)))
        a["pos"][ids] = positions
        a["last_pos"][ids] = positions
        a["active"][ids] = True
        a["hire_day"][ids] = day
        a["hire_m"][ids] = np.floor((day - self.day0) / 30.4375).astype(np.int64)
        a["post_m"][ids] = a["hire_m"][ids]
        a["birth_year"][ids] = years - np.round(age).astype(np.int64)
        a["gender"][ids] = gender
        a["perf"][ids] = rng.normal(0, 1, k)
        a["fit"][ids] = rng.normal(-0.15, 0.7, k)
        a["prop"][ids] = rng.normal(0, 0.5, k)
        fac = self.band_factor(max(m, 0))
        cr = np.clip(rng.normal(0.97, 0.06, k), 0.84, 1.16)
        a["salary"][ids] = np.clip(self.band_mid[g] * fac * cr, self.band_min[g] * fac, self.band_max[g] * fac)
        self.holder[positions] = ids
        return ids

    # --- the initial company --------------------------------------------------------------------------
    def initial(self) -> None:
        rng, org, a = self.rng, self.org, self.a
        P = org.n_positions
        vacant = max(0, P - self.target_active)
        candidates = np.flatnonzero(~org.pos_key)
        empty = rng.choice(candidates, size=min(vacant, len(candidates)), replace=False)
        filled = np.setdiff1d(np.arange(P), empty)
        g = self.grade[filled]
        # tenure at the start of the window: mostly a few years, a long tail of veterans
        tenure = rng.gamma(1.3, 3.4, len(filled)) + 0.05 * g
        age = np.clip(rng.normal(27.0 + 2.7 * g, 9.0), 19, 64)
        tenure = np.minimum(tenure, np.maximum(age - 19.5, 0.1))
        day = self.day0 - np.maximum(1, np.round(tenure * 365.25)).astype(np.int64)
        ids = self._people(filled, day, 0)
        a["birth_year"][ids] = self.starts[0].year - np.round(age).astype(np.int64)
        # veterans fit their posts better and have moved up the band
        a["fit"][ids] = rng.normal(0.2, 0.7, len(ids)) + 0.04 * np.minimum(tenure, 8)
        cr = np.clip(rng.normal(0.97 + 0.04 * a["perf"][ids] + 0.005 * np.minimum(tenure, 10), 0.07), 0.82, 1.18)
        fac = self.band_factor(0)
        a["salary"][ids] = np.clip(self.band_mid[g] * fac * cr, self.band_min[g] * fac, self.band_max[g] * fac)
        self.vacant_since[empty] = -1
        self.vacated_day[empty] = self.day0 - 1
        self.log.append((ids, filled, day, np.full(len(ids), HIRE), a["salary"][ids].copy()))

    # --- one month ------------------------------------------------------------------------------------
    def month(self, m: int, vol_target: float, inv_target: float) -> None:
        rng, a = self.rng, self.a
        lo = self.starts[m].toordinal()
        hi = min(self.starts[m + 1].toordinal() - 1, self.as_of.toordinal())
        ndays = hi - lo + 1
        fac = self.band_factor(m)
        act = np.flatnonzero(a["active"][: self.n])
        p = a["pos"][act]
        g = self.grade[p]
        # latent dynamics
        a["perf"][act] = PERF_RHO * a["perf"][act] + np.sqrt(1 - PERF_RHO**2) * rng.normal(0, 1, len(act))
        a["fit"][act] = np.minimum(a["fit"][act] + 0.012 + 0.006 * a["perf"][act], 2.0)
        perf, fit = a["perf"][act], a["fit"][act]
        if self.starts[m].month == 4:  # merit round
            cr = a["salary"][act] / (self.band_mid[g] * fac)
            rise = 0.03 + 0.015 * (perf + rng.normal(0, 0.5, len(act))) - 0.06 * (cr - 1) + rng.normal(0, 0.006, len(act))
            rise = np.where(a["hire_m"][act] < m - 3, np.clip(rise, 0.0, 0.12), 0.0)
            a["salary"][act] *= 1 + rise
        a["salary"][act] = np.clip(a["salary"][act], self.band_min[g] * fac, self.band_max[g] * fac)

        # exits
        cr = a["salary"][act] / (self.band_mid[g] * fac)
        tenure = m - a["hire_m"][act]
        tip = (m - a["post_m"][act]) / 12.0
        bp = self.boss[p]
        bh = np.where(bp >= 0, self.holder[np.maximum(bp, 0)], -1)
        boss_vacant = (bp >= 0) & (bh < 0)
        boss_perf = np.where(bh >= 0, a["perf"][np.maximum(bh, 0)], 0.0)
        mgr_recent = (m - self.mgr_change[p]) <= 6
        age = self.starts[m].year - a["birth_year"][act]
        x = (-3.5 * (cr - 1)
             + np.select([tenure < 3, tenure < 24, tenure < 60, tenure < 120], [-0.2, 0.45, 0.1, -0.15], -0.4)
             + np.minimum(0.2 * np.maximum(tip - 2.5, 0), 0.6)
             + 0.12 * perf + 0.3 * perf * (cr < 0.95)
             + 0.55 * mgr_recent + 0.3 * boss_vacant - 0.2 * boss_perf
             - 0.35 * fit
             + np.select([age >= 65, age >= 62, age < 28, age < 35, age >= 50], [3.5, 1.6, 0.3, 0.15, -0.3], 0.0)
             + a["prop"][act] + self.fam_bias[self.fam[p]] - 1.0 * (bp < 0))
        h_vol = _calibrate(x, vol_target)
        y = -1.4 * perf - 0.25 * fit + 0.4 * (tenure < 12)
        h_inv = _calibrate(y, inv_target)
        u = rng.random(len(act))
        vol = u < h_vol
        inv = ~vol & (u < h_vol + h_inv)
        year = min(m // 12, YEARS)
        self.vol_exits[year] += vol.sum()
        self.headcount[year] += len(act) / 12
        leaving = vol | inv
        ex = act[leaving]
        if len(ex):
            day = lo + rng.integers(0, ndays, len(ex))
            reason = np.where(vol[leaving], EXIT_VOLUNTARY, EXIT_INVOLUNTARY)
            ps = a["pos"][ex]
            self.log.append((ex, np.full(len(ex), -1), day, reason, np.full(len(ex), np.nan)))
            a["active"][ex] = False
            a["pos"][ex] = -1
            a["last_pos"][ex] = ps
            a["exit_day"][ex] = day
            a["exit_reason"][ex] = reason
            self.holder[ps] = -1
            self.vacant_since[ps] = m
            self.vacated_day[ps] = day
            self.mgr_change[self._children(ps)] = m

        # vacancies
        vac_all = np.flatnonzero(self.holder < 0)
        target_vac = max(1, self.org.n_positions - self.target_active)
        steer = float(np.clip(len(vac_all) / target_vac, 0.5, 2.5))
        elig = vac_all[self.vacant_since[vac_all] < m]
        fill = elig[rng.random(len(elig)) < np.minimum(FILL_P[self.grade[elig]] * steer, 0.95)]
        fill = fill[np.argsort(-self.grade[fill], kind="stable")]
        internal = rng.random(len(fill)) < INTERNAL_P[self.grade[fill]]
        days = lo + rng.integers(0, ndays, len(fill))
        external: list[int] = []
        ext_days: list[int] = []
        self.pools = {}
        modes = rng.choice(3, size=len(fill), p=[0.78, 0.19, 0.03])
        for v, is_int, d, mode in zip(fill.tolist(), internal.tolist(), days.tolist(), modes.tolist(), strict=True):
            if is_int and self._internal(v, d, m, mode, fac) >= 0:
                continue
            external.append(v)
            ext_days.append(d)
        # the headcount budget: no external hire beyond the requested number of active employees
        budget = self.target_active - int(a["active"][: self.n].sum())
        if len(external) > budget:
            del external[max(budget, 0):], ext_days[max(budget, 0):]
        if m == MONTHS:
            self._final(m, lo, hi, external, ext_days)
        if external:
            ids = self._people(np.asarray(external, dtype=np.int64), np.asarray(ext_days, dtype=np.int64), m)
            self.touched.extend(external)
            self.log.append((ids, np.asarray(external), np.asarray(ext_days), np.full(len(ids), HIRE),
                             a["salary"][ids].copy()))
        if self.touched:
            self.mgr_change[self._children(np.asarray(self.touched, dtype=np.int64))] = m
            self.touched.clear()

    def _pool(self, mode: int, keytype: int, m: int) -> _Pool:
        pool = self.pools.get((mode, keytype))
        if pool is not None:
            return pool
        rng, a = self.rng, self.a
        act = np.flatnonzero(a["active"][: self.n] & (a["moved_m"][: self.n] < m))
        p = a["pos"][act]
        tip = (m - a["post_m"][act]) / 12.0
        perf, fit = a["perf"][act], a["fit"][act]
        if mode == 0:  # promotion: one grade up, ready after 9 months in the post
            ok = tip >= 0.75
            score = perf + 0.45 * fit + 0.2 * np.minimum(tip, 4) + rng.normal(0, 0.55, len(act))
            g = self.grade[p] + 1
        elif mode == 1:  # lateral: people long in a post or not fitting it look for a change
            ok = tip >= 1.0
            score = 0.3 * np.minimum(tip, 5) - 0.4 * fit + rng.normal(0, 1.0, len(act))
            g = self.grade[p]
        else:  # demotion: weak performers step down
            ok = (perf < -0.5) & (tip >= 0.5)
            score = -perf + rng.normal(0, 0.5, len(act))
            g = self.grade[p] - 1
        keys = np.broadcast_to(self._key(keytype, self.div[p][ok], self.fam[p][ok], g[ok]), (int(ok.sum()),))
        pool = _Pool(act[ok], keys, score[ok])
        self.pools[(mode, keytype)] = pool
        return pool

    @staticmethod
    def _key(keytype: int, div: np.ndarray | int, fam: np.ndarray | int, g: np.ndarray | int) -> np.ndarray | int:
        d = div + 1
        if keytype == 0:  # same division and family
            return (d * 64 + fam) * 16 + g
        if keytype == 1:  # same family anywhere
            return fam * 16 + g
        if keytype == 2:  # same division, any family
            return d * 16 + g
        return g  # anyone of that grade

    def _internal(self, v: int, day: int, m: int, mode: int, fac: float) -> int:
        """Fill vacancy ``v`` with someone from inside; the post they leave (now vacant), or -1 when nobody fits."""
        a = self.a
        g = int(self.grade[v])
        if g == 1 and mode == 0:
            mode = 1
        if g >= 9 and mode == 2:
            mode = 0
        keytypes: tuple[int, ...]
        if g >= 10:
            keytypes = (3,)
        elif g == 9:
            keytypes = (2, 3)
        elif g == 8:
            keytypes = (0, 2)
        else:
            keytypes = (0, 1)
        e = -1
        for kt in keytypes:
            key = int(self._key(kt, int(self.div[v]), int(self.fam[v]), g))
            e = self._pool(mode, kt, m).take(key, a["moved_m"], m)
            if e >= 0:
                break
        if e < 0:
            return -1
        return self._move(e, v, day, m, mode, fac)

    def _step_up(self, v: int, m: int) -> int:
        """When nobody is ready for vacancy ``v`` (a small company): the most senior person below its grade who
        has not moved this month, the stronger performer first; -1 when there is nobody."""
        a = self.a
        act = np.flatnonzero(a["active"][: self.n] & (a["moved_m"][: self.n] < m))
        act = act[self.grade[a["pos"][act]] < self.grade[v]]
        if len(act) == 0:
            return -1
        return int(act[np.lexsort((act, -a["perf"][act], -self.grade[a["pos"][act]]))[0]])

    def _move(self, e: int, v: int, day: int, m: int, mode: int, fac: float) -> int:
        """Move ``e`` onto vacancy ``v`` (mode 0 promotion, 1 lateral, 2 demotion); the post they leave."""
        a = self.a
        g = int(self.grade[v])
        rng = self.rng
        old = int(a["pos"][e])
        sal = float(a["salary"][e])
        lo_b, hi_b = self.band_min[g] * fac, self.band_max[g] * fac
        if mode == 0:
            sal = max(sal * (1 + rng.uniform(0.06, 0.12)), lo_b * rng.uniform(1.0, 1.06))
            a["fit"][e] -= 0.5
            reason = PROMOTION
        elif mode == 1:
            sal = sal * rng.uniform(1.0, 1.03)
            a["fit"][e] = 0.5 * a["fit"][e] + rng.normal(-0.2, 0.4)
            reason = LATERAL
        else:
            a["fit"][e] += 0.3
            reason = DEMOTION
        sal = min(max(sal, lo_b), hi_b)
        a["salary"][e] = sal
        a["pos"][e] = v
        a["last_pos"][e] = v
        a["post_m"][e] = m
        a["moved_m"][e] = m
        self.holder[old] = -1
        self.vacant_since[old] = m
        self.vacated_day[old] = day
        self.holder[v] = e
        self.moves.append((e, v, day, reason, sal))
        self.touched.extend((old, v))
        return old

    def _final(self, m: int, lo: int, hi: int, external: list[int], ext_days: list[int]) -> None:
        """Last month: the headcount ends at exactly the target, and senior posts are never left empty (the demo
        logs in as the CEO and the HR director).

        A senior vacancy is filled from outside while the headcount allows (giving up a junior external hire
        planned this month if need be), else from inside: a promotion from one grade below keeps the headcount
        and moves the vacancy down, to a junior post that may stay open. (Filling every senior vacancy from
        outside overshot the target by one whenever the company had already reached it with a senior post
        open; which day the history ends on decides whether that happens, so it failed on some dates only.)
        Junior vacancies are then filled from outside up to the target."""
        rng = self.rng
        planned = set(external)
        vac = [v for v in np.flatnonzero(self.holder < 0).tolist() if v not in planned]
        queue = [v for v in vac if self.grade[v] >= 8]
        rest = [v for v in vac if self.grade[v] < 8]
        active = int(self.a["active"][: self.n].sum()) + len(external)
        senior: list[int] = []
        while queue:
            v = queue.pop(0)
            if active >= self.target_active and any(self.grade[x] < 8 for x in external):
                j = max(i for i, x in enumerate(external) if self.grade[x] < 8)  # leave the last one open instead
                del external[j], ext_days[j]
                active -= 1
            if active < self.target_active:
                senior.append(v)
                active += 1
                continue
            start = max(lo, int(self.vacated_day[v]))
            day, fac = start + int(rng.integers(0, hi - start + 1)), self.band_factor(m)
            left = self._internal(v, day, m, 0, fac)
            if left < 0 and (e := self._step_up(v, m)) >= 0:
                left = self._move(e, v, day, m, 0, fac)
            if left >= 0 and self.grade[left] >= 8:
                queue.append(left)
        need = max(0, self.target_active - active)
        rest = rng.permutation(np.asarray(rest))[:need].tolist() if rest and need else []
        for v in senior + rest:
            start = max(lo, int(self.vacated_day[v]))
            external.append(v)
            ext_days.append(start + int(rng.integers(0, hi - start + 1)))

    # --- the result -------------------------------------------------------------------------------------
    def result(self) -> History:
        a, n = self.a, self.n
        if self.moves:
            mv = np.asarray(self.moves, dtype=float)
            self.log.append((mv[:, 0].astype(np.int64), mv[:, 1].astype(np.int64), mv[:, 2].astype(np.int64),
                             mv[:, 3].astype(np.int64), mv[:, 4]))
        emp = np.concatenate([x[0] for x in self.log]).astype(np.int64)
        pos = np.concatenate([x[1] for x in self.log]).astype(np.int64)
        start = np.concatenate([x[2] for x in self.log]).astype(np.int64)
        reason = np.concatenate([x[3] for x in self.log]).astype(np.int64)
        salary = np.concatenate([x[4] for x in self.log]).astype(float)
        # one event per person per month and exits last, so (employee, day, exit-or-not) orders a career
        order = np.lexsort((reason >= EXIT_VOLUNTARY, start, emp))
        emp, pos, start, reason, salary = emp[order], pos[order], start[order], reason[order], salary[order]
        end = np.full(len(emp), -1, dtype=np.int64)
        same = emp[1:] == emp[:-1]
        end[:-1][same] = start[1:][same]
        is_exit = reason >= EXIT_VOLUNTARY
        end[is_exit] = start[is_exit]
        hc = np.maximum(self.headcount, 1)
        turnover = (self.vol_exits / hc)[:YEARS].tolist()
        return History(
            start=self.starts[0], as_of=self.as_of, n=n,
            pos=a["pos"][:n].copy(), last_pos=a["last_pos"][:n].copy(), active=a["active"][:n].copy(),
            hire_day=a["hire_day"][:n].copy(), exit_day=a["exit_day"][:n].copy(),
            exit_reason=a["exit_reason"][:n].copy(), birth_year=a["birth_year"][:n].copy(),
            gender=a["gender"][:n].copy(), salary=np.round(a["salary"][:n], -1), perf=a["perf"][:n].copy(),
            fit=a["fit"][:n].copy(),
            a_emp=emp, a_pos=pos, a_start=start, a_end=end, a_reason=reason, a_salary=np.round(salary, -1),
            voluntary_turnover=turnover,
        )


def simulate(rng: np.random.Generator, org: Org, *, employees: int, as_of: date,
             progress: Callable[[int, int], None] | None = None) -> History:
    sim = _Sim(rng, org, employees, as_of)
    sim.initial()
    vol_year = rng.uniform(*VOLUNTARY_RANGE, size=YEARS + 1)
    restructuring = 12 * int(rng.integers(1, 4)) + int(rng.integers(0, 10))
    for m in range(MONTHS + 1):
        season = SEASON[sim.starts[m].month - 1]
        vol = vol_year[min(m // 12, YEARS)] / 12 * season
        inv = INVOLUNTARY_RATE / 12 * (5.0 if m in (restructuring, restructuring + 1) else 1.0)
        sim.month(m, vol, inv)
        if progress is not None:
            progress(m + 1, MONTHS + 1)
    return sim.result()
