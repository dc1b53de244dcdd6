"""Collaboration: service items between departments, rated 1-5 by people of the consumer department, who get
log-in-less user accounts (a rating needs a rater user)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sqlalchemy import select

from hcm.auth.models import Role, User
from hcm.seed.write import Row
from performance.demo.base import _Planned, _SeederBase
from performance.demo.catalog import COLLAB_COMMENTS, NO_LOGIN_HASH, SERVICES
from performance.demo.helpers import _Stream, _ts


class _Collaboration(_SeederBase):
    # --- users for raters ----------------------------------------------------------------------------------------------
    def ensure_users(self, emp_rows: Iterable[int], manager_pos: set[int]) -> None:
        """Log-in-less accounts for people who rate collaboration (a rating belongs to a user)."""
        w = self.w
        need = sorted({e for e in emp_rows if e not in w.user_of})
        if not need:
            return
        taken = set(self.conn.execute(select(User.username)).scalars())
        rows: list[Row] = []
        ts = _ts(self.as_of.toordinal(), 0)
        for e in need:
            name = w.ext[e].lower()
            if name in taken:
                name = f"{name}-{int(w.emp_id[e])}"
            uid = self.ids.take("users")
            role = Role.MANAGER if int(w.cur_pos[e]) in manager_pos else Role.EMPLOYEE
            rows.append((uid, name, NO_LOGIN_HASH, role.value, int(w.emp_id[e]), False, ts))
            w.user_of[e] = uid
        self.write("users", ("id", "username", "password_hash", "role", "employee_id", "is_active", "created_at"), rows,
                   "collaboration")
        self.new_users += len(rows)

    # --- collaboration -------------------------------------------------------------------------------------------------
    def collaboration(self) -> None:
        w, r = self.w, _Stream(self.rng["collab"])
        units = sorted(d for d in self.annuals[0].dept_effect if w.depth.get(d) in (1, 2))
        if len(units) < 2:
            return
        division = {d: (d if w.depth[d] == 1 else (w.dept_parent[d] or d)) for d in units}
        proc_of: dict[frozenset[int], int] = {}
        for pid, _, _, _, pdepts in w.processes:
            divs = sorted({division[u] for u in (w.goal_dept.get(d) for d in pdepts) if u is not None and u in division})
            for x in divs:
                for y in divs:
                    if x != y:
                        proc_of.setdefault(frozenset((x, y)), pid)
        providers = [d for d in units if w.family_of_dept.get(d) in SERVICES]
        n_items = int(np.clip(round(12 + 0.012 * w.n), 24, 60))
        items: list[Row] = []
        item_meta: list[tuple[int, int, int]] = []  # id, provider, consumer
        seen: set[tuple[int, int, str]] = set()
        for _ in range(n_items * 20):
            if len(items) >= n_items or not providers:
                break
            prov, cons = r.pick(providers), r.pick(units)
            name = r.pick(SERVICES[w.family_of_dept[prov]])
            if division[cons] == division[prov] or (prov, cons, name) in seen:
                continue
            seen.add((prov, cons, name))
            sid = self.ids.take("perf_service_items")
            items.append((sid, f"SI-{sid:04d}", name, f"{w.dept_name[prov]} for {w.dept_name[cons]}", prov, cons,
                          proc_of.get(frozenset((division[prov], division[cons])))))
            item_meta.append((sid, prov, cons))
        self.write("perf_service_items", ("id", "code", "name", "description", "provider_department_id",
                                          "consumer_department_id", "process_id"), items, "collaboration")
        # raters: three to six people of the consumer department (the same few answer for their department)
        now = self.as_of.toordinal()
        picks: list[tuple[_Planned, int, int, int, int, list[int]]] = []  # period, from, to, item, provider, raters
        for a in self.annuals:
            if a.closed:
                lo, hi = a.end - 45, a.end - 10
            elif now - a.start > 150:
                lo, hi = max(a.start, now - 60), now - 1
            else:
                continue
            # people on the same post all through the round: on the consumer side whenever they rate
            first, end = w.snapshot(lo), w.snapshot(hi)
            members = self.members({p: e for p, e in first.items() if end.get(p) == e})
            pool_of: dict[int, list[int]] = {}
            for sid, prov, cons in item_meta:
                if cons not in pool_of:
                    people = members.get(cons, [])
                    pool_of[cons] = r.sample(people, r.between(4, 8))
                picks.append((a, lo, hi, sid, prov, r.sample(pool_of[cons], r.between(3, 6))))
        manager_pos = {b for b in w.pos_boss.values() if b is not None}
        self.ensure_users([e for *_, raters in picks for e in raters], manager_pos)
        rows: list[Row] = []
        for a, lo, hi, sid, prov, raters in picks:
            quality = a.dept_effect.get(prov, 0.0)
            for e in raters:
                score = int(np.clip(round(3.4 + 0.9 * quality + 0.75 * r.z()), 1, 5))
                comment = r.pick(COLLAB_COMMENTS[score]) if r.u() < 0.25 else None
                rows.append((self.ids.take("perf_collaboration_ratings"), a.period_id, sid, w.user_of[e], score, comment,
                             _ts(r.between(lo, hi), r.between(8 * 60, 18 * 60 - 1))))
        self.write("perf_collaboration_ratings", ("id", "period_id", "service_item_id", "rater_user_id", "score",
                                                  "comment", "created_at"), rows, "collaboration")
