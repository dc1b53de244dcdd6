"""The periods and the goal cascade: company, department, process and post goals with their indicators and
links, every weight rule of ``performance.service.cascade`` kept."""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date

import numpy as np

from hcm.seed.write import Row
from performance import scoring
from performance.demo.base import _Planned, _SeederBase
from performance.demo.catalog import (
    _T,
    COMPANY_GOALS,
    FAMILY_GOALS,
    INDICATOR_SPLITS,
    MANAGEMENT,
    MANAGER_MANAGEMENT,
    MILESTONE,
    PROCESS_DEFAULT,
    PROCESS_GOALS,
    Q_HI,
    Q_LO,
    Q_RANGE,
    RUBRIC,
    cadence_of,
)
from performance.demo.helpers import _mi, _Stream, _ts, split_100
from performance.models import Cadence, Direction, GoalLevel, IndicatorClass, IndicatorKind, Period, PeriodKind
from performance.service import periods as period_service
from performance.service.cascade import default_formula


class _Plan(_SeederBase):
    # --- periods ---------------------------------------------------------------------------------------------------
    def create_periods(self) -> list[Period]:
        s, y = self.session, self.as_of.year
        made = [period_service.create_period(s, code=f"FY{y - 1}", name=f"Year {y - 1}", kind=PeriodKind.ANNUAL,
                                             start_date=date(y - 1, 1, 1), end_date=date(y, 1, 1)),
                period_service.create_period(s, code=f"FY{y}", name=f"Year {y}", kind=PeriodKind.ANNUAL,
                                             start_date=date(y, 1, 1), end_date=date(y + 1, 1, 1))]
        for q in range(4):
            start, end = date(y, 3 * q + 1, 1), (date(y, 3 * q + 4, 1) if q < 3 else date(y + 1, 1, 1))
            made.append(period_service.create_period(s, code=f"FY{y}-Q{q + 1}", name=f"Q{q + 1} {y}",
                                                     kind=PeriodKind.QUARTER, start_date=start, end_date=end,
                                                     parent_id=made[1].id))
        self.tick("performance goals", 0, 1)
        return made

    def annual(self, p: Period, *, closed: bool, quarter: bool = False) -> _Planned:
        """What a period's data follows: who held each post, how each person performed over it, and each goal
        unit's result. A year's units carry their character over from the year before; a quarter's units
        are much like their year's."""
        w = self.w
        start, end = p.start_date.toordinal(), p.end_date.toordinal()
        cutoff = end - 1 if closed else self.as_of.toordinal() - 1
        snap = end - 1 if closed else self.as_of.toordinal()
        holders = w.snapshot(snap)
        m0 = _mi(p.start_date) - self.month0
        m1 = min(_mi(date.fromordinal(max(cutoff, start))), _mi(p.end_date) - 1) - self.month0
        mean = self.paths[:, m0: m1 + 1].mean(axis=1)
        pop = w.employed(snap)
        mu, sd = float(mean[pop].mean()) if pop.any() else 0.0, float(mean[pop].std()) if pop.sum() > 1 else 1.0
        z = (mean - mu) / (sd or 1.0)
        # A unit's results: its own persistent character (carried over from last year) plus its people.
        rng = self.rng["quarter plan" if quarter else "plan"]
        keep, fresh = (0.85, float(np.sqrt(1 - 0.85**2))) if quarter else (0.7, float(np.sqrt(1 - 0.49)))
        units = sorted(d for d in w.depth if w.goal_dept.get(d) == d)
        prev = self.unit_char
        char = {d: (keep * prev[d] + fresh * float(rng.normal(0, 0.45)) if d in prev
                    else float(rng.normal(0, 0.45))) for d in units}
        if not quarter:
            self.unit_char = char
        sums: dict[int, list[float]] = defaultdict(list)
        for pos_id, e in holders.items():
            g = w.goal_dept.get(w.pos_dept.get(pos_id, -1))
            while g is not None:  # the department and the division above it
                sums[g].append(float(z[e]))
                g = w.unit_above(g)
        effect = {d: char[d] + 1.2 * (float(np.mean(sums[d])) if sums[d] else 0.0) for d in units}
        return _Planned(period_id=p.id, code=p.code, year=p.start_date.year, start=start, end=end, cutoff=cutoff,
                        closed=closed, holders=holders, z=z, dept_effect=effect)

    # --- the cascade ---------------------------------------------------------------------------------------------------
    def plan(self) -> None:
        goal_cols = ("id", "period_id", "code", "title", "description", "level", "department_id", "process_id",
                     "position_id", "employee_id", "owner_employee_id", "created_at")
        ind_cols = ("id", "goal_id", "code", "name", "kind", "direction", "klass", "unit", "baseline", "threshold",
                    "target", "stretch", "target_low", "target_high", "threshold_low", "threshold_high",
                    "milestones_total", "weight", "owner_employee_id", "formula", "formula_version", "cadence")
        goals: list[Row] = []
        links: list[Row] = []
        inds: list[Row] = []
        self.ind_meta = []
        self.not_monthly = set()
        self.stream = _Stream(self.rng["plan"])
        for ai, a in enumerate(self.annuals):
            self.plan_period(ai, a, goals, links, inds)
        self.stream = _Stream(self.rng["quarter plan"])
        for ai, a in enumerate(self.quarters, start=len(self.annuals)):  # after the years: their ids stay put
            self.plan_period(ai, a, goals, links, inds)
        total = len(goals) + len(links) + len(inds)
        done = self.write("perf_goals", goal_cols, goals, "performance goals", 0, total)
        done = self.write("perf_goal_links", ("parent_goal_id", "child_goal_id", "weight"), links, "performance goals",
                          done, total)
        self.write("perf_indicators", ind_cols, inds, "performance goals", done, total)

    def plan_period(self, ai: int, a: _Planned, goals: list[Row], links: list[Row], inds: list[Row]) -> None:
        w, r = self.w, self.stream
        created = _ts(a.start - 20 if a.start - 20 < self.as_of.toordinal() else a.start, 9 * 60)
        eid = w.emp_id
        ceo_pos = next((p for p, b in w.pos_boss.items() if b is None), None)
        ceo = int(eid[a.holders[ceo_pos]]) if ceo_pos in a.holders else None

        def holder_id(pos: int | None) -> int | None:
            return int(eid[a.holders[pos]]) if pos is not None and pos in a.holders else None

        def goal(code: str, title: str, desc: str | None, level: GoalLevel, *, dept: int | None = None,
                 proc: int | None = None, pos: int | None = None, owner: int | None = None) -> int:
            gid = self.ids.take("perf_goals")
            goals.append((gid, a.period_id, code, title[:300], desc, level.value, dept, proc, pos, None, owner, created))
            return gid

        def indicators(gid: int, picks: list[tuple[_T, IndicatorClass]], driver: float) -> None:
            split = list(r.pick(INDICATOR_SPLITS[len(picks)]))
            weights = r.shuffled(split)
            for k, ((t, klass), wt) in enumerate(zip(picks, weights, strict=True)):
                iid = self.ids.take("perf_indicators")
                row, bounds, dec = self.indicator_row(iid, gid, f"K{k + 1}", t, klass, float(wt), r)
                inds.append(row)
                if cadence_of(t) is not Cadence.MONTHLY:
                    self.not_monthly.add(iid)
                self.ind_meta.append((ai, iid, t.shape, driver + 0.25 * r.z(), bounds, dec, t.unit))

        def pick(pools: list[tuple[Sequence[_T], IndicatorClass, float]], k: int) -> list[tuple[_T, IndicatorClass]]:
            """k distinct templates; each drawn from a pool chosen with the given probabilities."""
            out: list[tuple[_T, IndicatorClass]] = []
            seen: set[str] = set()
            cum = np.cumsum([p for _, _, p in pools]).tolist()
            for _ in range(k * 6):
                if len(out) == k:
                    break
                u = r.u() * cum[-1]
                pool, klass, _ = pools[next(i for i, c in enumerate(cum) if u < c or i == len(cum) - 1)]
                t = r.pick(pool)
                if t.name not in seen:
                    seen.add(t.name)
                    out.append((t, klass))
            return out

        # company
        n_company = r.between(3, 5)
        themes = r.sample(range(len(COMPANY_GOALS)), n_company)
        company_perf = 0.15 + float(np.mean(list(a.dept_effect.values()) or [0.0])) * 0.5 + 0.25 * r.z()
        company: list[int] = []
        for k, th in enumerate(themes):
            title, desc, pool = COMPANY_GOALS[th]
            gid = goal(f"CO-{k + 1}", title, desc, GoalLevel.COMPANY, owner=ceo)
            company.append(gid)
            m = min(len(pool), r.between(2, 4))
            indicators(gid, [(pool[j], IndicatorClass.OPERATIONAL if pool[j].shape != RUBRIC else IndicatorClass.MANAGEMENT)
                             for j in r.sample(range(len(pool)), m)], company_perf)
        company_children: dict[int, list[tuple[int, float]]] = defaultdict(list)
        rr = r.shuffled(range(len(company)))
        turn = [0]

        def link_company(child: int, raw: float) -> None:
            first = company[rr[turn[0] % len(rr)]]
            turn[0] += 1
            company_children[first].append((child, raw))
            if len(company) > 1 and r.u() < 0.3:
                other = r.pick([c for c in company if c != first])
                company_children[other].append((child, raw))

        # departments: divisions and second-level departments
        headcount: Counter[int] = Counter()
        for pos_id in a.holders:
            g = w.goal_dept.get(w.pos_dept.get(pos_id, -1))
            while g is not None:
                headcount[g] += 1
                g = w.unit_above(g)
        dept_goals: dict[int, list[int]] = {}
        for d in sorted(a.dept_effect):
            fam = w.family_of_dept.get(d, "OPS")
            titles, pool = FAMILY_GOALS[fam]
            k_goals = 1 if r.u() < 0.45 else 2
            mine = []
            for k in range(k_goals):
                gid = goal(f"D-{w.dept_code[d]}-{k + 1}", titles[k], f"{w.dept_name[d]}: {titles[k].lower()}.",
                           GoalLevel.DEPARTMENT, dept=d, owner=holder_id(w.dept_head.get(d)))
                mine.append(gid)
                picks = pick([(pool, IndicatorClass.OPERATIONAL, 0.8), (MANAGER_MANAGEMENT, IndicatorClass.MANAGEMENT, 0.2)],
                             r.between(2, 4))
                indicators(gid, picks, a.dept_effect[d])
                link_company(gid, (headcount[d] + 5) ** 0.7 * (0.7 + 0.6 * r.u()))
            dept_goals[d] = mine

        # processes
        med = float(np.median([r for kids in company_children.values() for _, r in kids] or [1.0]))
        for pid, pcode, pname, owner_dept, pdepts in w.processes:
            title, pool = PROCESS_GOALS.get(pcode, PROCESS_DEFAULT)
            gid = goal(f"PR-{pcode}-1", title, f"{pname}: the process across departments.", GoalLevel.PROCESS, proc=pid,
                       owner=holder_id(w.dept_head.get(owner_dept)) if owner_dept else None)
            m = min(len(pool), r.between(2, 3))
            effect = float(np.mean([a.dept_effect.get(w.goal_dept.get(d) or -1, 0.0) for d in pdepts] or [0.0]))
            indicators(gid, [(pool[j], IndicatorClass.MANAGEMENT if pool[j].shape == RUBRIC else IndicatorClass.OPERATIONAL)
                             for j in r.sample(range(len(pool)), m)],
                       effect + 0.3 * r.z())
            link_company(gid, 1.5 * med * (0.8 + 0.4 * r.u()))

        # posts: every occupied one, linked to its department's goals (the CEO's office to the company's)
        kids_of: dict[int, int] = Counter(b for b in w.pos_boss.values() if b is not None)
        dept_children: dict[int, list[tuple[int, float]]] = defaultdict(list)
        for pos_id in sorted(a.holders):
            e = a.holders[pos_id]
            unit = w.goal_dept.get(w.pos_dept.get(pos_id, -1))
            fam = w.pos_family.get(pos_id) or (w.family_of_dept.get(unit, "OPS") if unit is not None else "EXE")
            fam = fam if fam in FAMILY_GOALS else "OPS"
            manager = kids_of.get(pos_id, 0) > 0
            driver = 0.85 * float(a.z[e]) + 0.3 * (a.dept_effect.get(unit, 0.0) if unit is not None else 0.0)
            title = w.pos_title.get(pos_id, "the post")
            n_goals = 1 if r.u() < 0.5 else 2
            grade = w.pos_grade.get(pos_id, 3)
            raw = float(grade) ** 1.5 * (0.7 + 0.6 * r.u())
            mgmt = (*MANAGEMENT, *MANAGER_MANAGEMENT) if manager else MANAGEMENT
            for k in range(n_goals):
                if k == 0:
                    gt = f"Lead {w.dept_name.get(w.pos_dept[pos_id], 'the team')} to its targets" if manager \
                        else f"Deliver the {title} objectives"
                    picks = pick([(FAMILY_GOALS[fam][1], IndicatorClass.OPERATIONAL, 0.45),
                                  (mgmt, IndicatorClass.MANAGEMENT, 0.55)], r.between(2, 4))
                else:
                    gt = "Develop the team" if manager else "Grow skills and ways of working"
                    picks = pick([(mgmt, IndicatorClass.MANAGEMENT, 1.0)], r.between(2, 3))
                gid = goal(f"P-{w.pos_code[pos_id]}-{k + 1}", gt, None, GoalLevel.POST, pos=pos_id, owner=int(eid[e]))
                indicators(gid, picks, driver)
                if unit is None:
                    link_company(gid, raw)
                    continue
                parents = dept_goals[unit]
                first = parents[(pos_id + k) % len(parents)]
                dept_children[first].append((gid, raw))
                if len(parents) > 1 and r.u() < 0.15:
                    dept_children[parents[(pos_id + k + 1) % len(parents)]].append((gid, raw))
        for parent, kids in (*company_children.items(), *dept_children.items()):
            for (child, _), wt in zip(kids, split_100([r for _, r in kids]), strict=True):
                links.append((parent, child, wt))

    def indicator_row(self, iid: int, gid: int, code: str, t: _T, klass: IndicatorClass, weight: float,
                      r: _Stream) -> tuple[Row, tuple[float, ...], int]:
        kind = {Q_HI: IndicatorKind.QUANTITATIVE, Q_LO: IndicatorKind.QUANTITATIVE, Q_RANGE: IndicatorKind.QUANTITATIVE,
                MILESTONE: IndicatorKind.MILESTONE, RUBRIC: IndicatorKind.RUBRIC}[t.shape]
        direction = {Q_LO: Direction.LOWER, Q_RANGE: Direction.RANGE}.get(t.shape, Direction.HIGHER)
        formula = default_formula(kind, direction)
        version = scoring.latest_version(formula)
        b = thr = tgt = st = tl = th = thl = thh = None
        mtotal = None
        bounds: tuple[float, ...] = ()
        if t.shape in (Q_HI, Q_LO, Q_RANGE):
            j = 0.97 + 0.06 * r.u()
            if t.unit == "%" and max(t.bounds) * j > 100:
                j = 1.0
            bounds = tuple(round(v * j, t.dec) for v in t.bounds)
            try:
                self.check_bounds(t.shape, bounds)
            except ValueError:
                bounds = t.bounds
                self.check_bounds(t.shape, bounds)
            if t.shape == Q_RANGE:
                thl, tl, th, thh = bounds
            else:
                b, thr, tgt, st = bounds
        elif t.shape == MILESTONE:
            mtotal = r.between(int(t.bounds[0]), int(t.bounds[1]))
            bounds = (float(mtotal),)
        row = (iid, gid, code, t.name, kind.value, direction.value, klass.value, t.unit, b, thr, tgt, st, tl, th, thl,
               thh, mtotal, weight, None, formula, version, cadence_of(t).value)
        return row, bounds, t.dec

    @staticmethod
    @functools.cache
    def check_bounds(shape: int, bounds: tuple[float, ...]) -> None:
        if shape == Q_RANGE:
            thl, tl, th, thh = bounds
            scoring.validate_bounds("range", None, None, None, target_low=tl, target_high=th, threshold_low=thl,
                                    threshold_high=thh)
        else:
            b, t, g, s = bounds
            d = "higher_is_better" if shape == Q_HI else "lower_is_better"
            scoring.validate_bounds(d, t, g, s)
            if (g - b) * (1 if shape == Q_HI else -1) <= 0:
                raise ValueError("the target must lie beyond the baseline")
