"""The demo's rows, as the plan services would have left them over the past years: plans, nominations (a few
already removed, with reasons), readiness events with reasons, emergency successors (on the slate, or off it
with HR's confirmation), development actions (done, under way, overdue) and talent pools with members; every
change with its audit entry (who, when, before, after, as ``succession.audit`` snapshots them). Values are in
the stored form ``hcm.seed.write.Writer`` takes: ISO dates and timestamps, enum values, JSON text."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from hcm.db import jsonable
from hcm.seed.write import Row
from succession.demo.slates import NOW, R3, R12, READINESS, Slate
from succession.demo.world import World
from succession.service.actions import ACTION_FIELDS
from succession.service.plans import FIRST_READINESS_REASON, NOMINATION_FIELDS, PLAN_FIELDS

COLUMNS: dict[str, tuple[str, ...]] = {
    "succ_plans": ("id", "position_id", "notes", "emergency_employee_id", "emergency_confirmed_by_user_id",
                   "emergency_confirmed_at", "created_by_user_id", "created_at", "updated_at"),
    "succ_nominations": ("id", "plan_id", "employee_id", "rank", "readiness", "reason", "nominated_by_user_id",
                         "nominated_at", "removed_at", "removed_by_user_id", "removal_reason"),
    "succ_readiness_changes": ("id", "nomination_id", "before", "after", "reason", "changed_by_user_id",
                               "changed_at"),
    "succ_development_actions": ("id", "nomination_id", "title", "gap_kind", "skill_id", "target_level",
                                 "target_role", "owner_employee_id", "due_date", "status", "created_by_user_id",
                                 "created_at", "completed_at"),
    "succ_pools": ("id", "code", "name", "description", "criteria", "created_by_user_id", "created_at",
                   "updated_at"),
    "succ_pool_members": ("id", "pool_id", "employee_id", "reason", "added_by_user_id", "added_at", "removed_at",
                          "removed_by_user_id", "removal_reason"),
    "succ_audit": ("entity", "entity_id", "position_id", "action", "before", "after", "user_id", "at"),
}
TABLES = tuple(COLUMNS)

IMPROVED = ("Completed the leadership programme", "Acted for the holder for three months",
            "Took over a larger team and delivered", "Led the budget cycle of the unit on their own",
            "Strong review with the division head: ready sooner than planned", "Finished the rotation abroad")
SLOWED = ("Moved to a new role: needs time to settle in", "Development plan slipped; reviewed with the division head",
          "Asked to slow down for personal reasons", "Mixed results in the last review")
REMOVED = ("Moved to another division", "Declined the relocation the post needs", "Prefers the expert track",
           "Promoted into another post; no longer a fit for this slate")
INTERIM = ("Acted for the holder during their leave last year", "Knows the team and the clients; interim only",
           "The department's deputy by its own rules")
NOTES = ("Reviewed with the division head.", "External search advised if the post opens within a year.",
         "Slate confirmed at the talent review.", None, None, None)
OTHER_ACTIONS = ("Mentoring by the post's holder", "Executive leadership programme",
                 "Shadow the holder in the quarterly business reviews", "Lead a cross-functional project")
EMPTY_NOTE = "No internal candidate yet: an external search is planned if the post opens."


def _iso(d: date) -> str:
    return d.isoformat()


def _ts(d: date, minute: int) -> str:
    return f"{d.isoformat()} {minute // 60:02d}:{minute % 60:02d}:00.000000"


def _snap(fields: tuple[str, ...], **values: Any) -> dict[str, Any]:
    """An audit snapshot with exactly the fields the service snapshots (``succession.audit.snapshot``)."""
    if set(values) != set(fields):
        raise ValueError(f"snapshot fields {sorted(values)} are not {sorted(fields)}")
    return {f: values[f] for f in fields}


def _j(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(jsonable(value), sort_keys=True)


class Draws:
    """Scalar draws from one numpy generator, buffered (a numpy call per scalar is slow)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self._u: list[float] = []

    def u(self) -> float:
        if not self._u:
            self._u = self.rng.random(4096).tolist()[::-1]
        return self._u.pop()

    def between(self, lo: int, hi: int) -> int:
        return lo + min(int(self.u() * (hi - lo + 1)), hi - lo)

    def pick(self, seq: tuple[Any, ...] | list[Any]) -> Any:
        return seq[self.between(0, len(seq) - 1)]

    def minute(self) -> int:
        return self.between(8 * 60, 18 * 60)


@dataclass
class Rows:
    tables: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    next_id: dict[str, int] = field(default_factory=dict)

    def take(self, table: str) -> int:
        i = self.next_id[table]
        self.next_id[table] = i + 1
        return i

    def add(self, table: str, row: Row) -> None:
        self.tables[table].append(row)

    def audit(self, entity: str, entity_id: int, position_id: int | None, action: str,
              before: dict[str, Any] | None, after: dict[str, Any] | None, user: int | None, at: str) -> None:
        self.add("succ_audit", (entity, entity_id, position_id, action, _j(before), _j(after), user, at))


class Builder:
    def __init__(self, w: World, rng: np.random.Generator, first_ids: dict[str, int]) -> None:
        self.w = w
        self.d = Draws(rng)
        self.r = Rows(next_id=dict(first_ids))
        self.hr = w.hr_user
        self.today = w.as_of
        self.removed = 0
        self.interims = 0
        self.skills: dict[int, dict[int, int]] = {}  # nominee -> skill -> effective level (set by the run)
        self.reports: dict[int, list[int]] = defaultdict(list)  # post -> the posts reporting to it
        for p in sorted(w.posts.values(), key=lambda p: p.id):
            if p.boss is not None:
                self.reports[p.boss].append(p.id)

    # --- dates --------------------------------------------------------------------------------------------
    def ago(self, lo: int, hi: int) -> date:
        return self.today - timedelta(days=self.d.between(lo, hi))

    def after(self, d: date, lo: int, latest: date) -> date:
        """A day from ``d + lo`` up to ``latest`` (``latest`` itself when that is earlier)."""
        first = d + timedelta(days=lo)
        if first >= latest:
            return latest
        return first + timedelta(days=self.d.between(0, (latest - first).days))

    # --- plans --------------------------------------------------------------------------------------------
    def plan(self, s: Slate, *, removal: bool = False, interim: bool = False) -> None:
        """The plan of one slate; ``removal``: someone stood on it once and was taken off; ``interim``: HR confirmed
        an emergency successor off the slate."""
        w, r, hr = self.w, self.r, self.hr
        pid = r.take("succ_plans")
        created = self.ago(200, 1000)
        notes = EMPTY_NOTE if not s.noms else self.d.pick(NOTES)
        r.audit("plan", pid, s.post.id, "create", None,
                _snap(PLAN_FIELDS, notes=notes, emergency_employee_id=None, emergency_confirmed_by_user_id=None,
                      emergency_confirmed_at=None), hr, _ts(created, self.d.minute()))
        last = self.today - timedelta(days=1)
        day = created
        latest_event = _ts(created, 12 * 60)
        on_slate: list[tuple[int, int, int, date]] = []  # (nomination id, employee, rank, nominated on)
        for rank, n in enumerate(s.noms, start=1):
            person = w.people[n.emp]
            day = max(self.after(day, 5, last - timedelta(days=30)), min(person.hire + timedelta(days=60), last))
            nid = r.take("succ_nominations")
            history = self.history(n.readiness, day, last)
            first = history[0][1]
            reason = self.reason(s, n)
            at = _ts(day, self.d.minute())
            r.add("succ_nominations", (nid, pid, n.emp, rank, READINESS[n.readiness], reason, hr, at, None, None,
                                       None))
            r.audit("nomination", nid, s.post.id, "create", None,
                    _snap(NOMINATION_FIELDS, employee_id=n.emp, rank=rank, readiness=READINESS[first], reason=reason,
                          removed_at=None, removal_reason=None), hr, at)
            r.add("succ_readiness_changes", (r.take("succ_readiness_changes"), nid, None, READINESS[first],
                                             reason or FIRST_READINESS_REASON, hr, at))
            for (was, now, why), when in zip(history[1:], self.change_days(day, last, len(history) - 1), strict=True):
                t = _ts(when, self.d.minute())
                r.add("succ_readiness_changes", (r.take("succ_readiness_changes"), nid, READINESS[was],
                                                 READINESS[now], why, hr, t))
                r.audit("nomination", nid, s.post.id, "readiness", {"readiness": READINESS[was]},
                        {"readiness": READINESS[now], "reason": why}, hr, t)
                latest_event = max(latest_event, t)
            latest_event = max(latest_event, at)
            on_slate.append((nid, n.emp, rank, day))
            self.actions(s, nid, n.emp, n.readiness, day)
        if removal and on_slate and len(s.eligible) > len(on_slate):
            latest_event = max(latest_event, self.removal(s, pid, created, {e for _, e, _, _ in on_slate}))
        emergency, confirmed_at, reason = self.emergency(s, on_slate, created, interim)
        if emergency is not None:
            t = confirmed_at or _ts(self.after(max(d for *_, d in on_slate) if on_slate else created, 1, last),
                                    self.d.minute())
            after: dict[str, Any] = _snap(
                PLAN_FIELDS[1:], emergency_employee_id=emergency,
                emergency_confirmed_by_user_id=hr if confirmed_at else None,
                emergency_confirmed_at=confirmed_at.replace(" ", "T") if confirmed_at else None)
            if reason:
                after["reason"] = reason
            r.audit("plan", pid, s.post.id, "emergency",
                    _snap(PLAN_FIELDS[1:], emergency_employee_id=None, emergency_confirmed_by_user_id=None,
                          emergency_confirmed_at=None), after, hr, t)
            latest_event = max(latest_event, t)
        r.add("succ_plans", (pid, s.post.id, notes, emergency, hr if confirmed_at else None, confirmed_at, hr,
                             _ts(created, 9 * 60), latest_event))

    def reason(self, s: Slate, n: Any) -> str | None:
        w = self.w
        rating = w.rating.get(n.emp)
        rated = f"rated {rating:g} in {w.rating_period}" if rating is not None and w.rating_period else None
        post = w.posts.get(w.people[n.emp].post or -1)
        if n.inside:
            text = "Next in line in the department"
        elif post is not None and post.family is not None and post.family == s.post.family:
            text = "Same job family, another department"
        elif post is not None and post.family is not None:
            text = f"Lateral from {w.family_name.get(post.family, 'a related family')}"
        else:
            text = "Broad experience"
        if self.d.u() < 0.15:
            return None  # HR left no reason: the first readiness event says "nominated"
        return f"{text}; {rated}" if rated else text

    def history(self, current: int, start: date, last: date) -> list[tuple[int, int, str]]:
        """[(first readiness, -, -), (before, after, why), ...] ending at ``current``: most nominees kept their
        first readiness; some moved once or twice, mostly forward."""
        steps = 0
        if (last - start).days > 90:
            u = self.d.u()
            steps = 2 if u < 0.1 else 1 if u < 0.42 else 0
        chain = [current]
        for _ in range(steps):
            now = chain[0]
            slower = now + 1 if now < R3 else None  # it improved from there
            faster = now - 1 if now > NOW else None  # it slipped from there
            prev = slower if slower is not None and (faster is None or self.d.u() < 0.8) else faster
            chain.insert(0, prev)  # type: ignore[arg-type]
        out: list[tuple[int, int, str]] = [(chain[0], chain[0], "")]
        for before, after in itertools.pairwise(chain):
            out.append((before, after, self.d.pick(IMPROVED if after < before else SLOWED)))
        return out

    def change_days(self, start: date, last: date, k: int) -> list[date]:
        return sorted(self.after(start, 20, last) for _ in range(k))

    def removal(self, s: Slate, pid: int, created: date, on: set[int]) -> str:
        """Someone who stood on the slate once and was taken off it, with the reason."""
        r, hr = self.r, self.hr
        others = [e for e in s.eligible if e not in on]
        emp = others[self.d.between(0, len(others) - 1)]
        nid = r.take("succ_nominations")
        rank = len(on) + 1
        start = self.after(created, 1, self.today - timedelta(days=120))
        end = self.after(start, 30, self.today - timedelta(days=10))
        why = self.d.pick(REMOVED)
        readiness = READINESS[self.d.between(R12, R3)]
        at, gone = _ts(start, self.d.minute()), _ts(end, self.d.minute())
        r.add("succ_nominations", (nid, pid, emp, rank, readiness, None, hr, at, gone, hr, why))
        r.add("succ_readiness_changes", (r.take("succ_readiness_changes"), nid, None, readiness,
                                         FIRST_READINESS_REASON, hr, at))
        snap = _snap(NOMINATION_FIELDS, employee_id=emp, rank=rank, readiness=readiness, reason=None, removed_at=None,
                     removal_reason=None)
        r.audit("nomination", nid, s.post.id, "create", None, snap, hr, at)
        r.audit("nomination", nid, s.post.id, "remove", snap,
                {**snap, "removed_at": gone.replace(" ", "T"), "removal_reason": why}, hr, gone)
        self.removed += 1
        return gone

    def emergency(self, s: Slate, on: list[tuple[int, int, int, date]], created: date,
                  interim: bool) -> tuple[int | None, str | None, str | None]:
        """(emergency successor, HR's confirmation time for one off the slate, reason). A vacant post always
        has one when it has a slate; the ``interim`` posts one HR confirmed off the slate."""
        if interim:
            who = self.interim(s, {e for _, e, _, _ in on})
            if who is not None:
                self.interims += 1
                when = _ts(self.after(created, 10, self.today - timedelta(days=2)), self.d.minute())
                return who, when, self.d.pick(INTERIM)
        ready = [e for (_, e, _, _), n in zip(on, s.noms, strict=True) if n.readiness == NOW]
        if on and (s.holder is None or self.d.u() < 0.4):
            return (ready[0] if ready else on[0][1]), None, None
        return None, None, None

    def interim(self, s: Slate, on: set[int]) -> int | None:
        """A peer of the holder (a post reporting to the same post) or someone in the department, off the slate."""
        w = self.w
        siblings = self.reports.get(s.post.boss, []) if s.post.boss is not None else []
        peers = sorted(w.holder[p] for p in siblings if p != s.post.id and p in w.holder)
        pool = [e for e in peers if e not in on and e != s.holder] or [e for e in s.eligible if e not in on]
        return pool[self.d.between(0, len(pool) - 1)] if pool else None

    # --- development actions ------------------------------------------------------------------------------
    def actions(self, s: Slate, nid: int, emp: int, readiness: int, since: date) -> None:
        u = self.d.u()
        k = (0 if u < 0.7 else 1) if readiness == NOW else (0 if u < 0.15 else 1 if u < 0.5 else 2 if u < 0.85 else 3)
        if not k:
            return
        w, r, hr = self.w, self.r, self.hr
        owner = s.holder if s.holder is not None else None
        if owner is None or self.d.u() < 0.3:  # or the nominee's own manager
            mine = w.posts.get(w.people[emp].post or -1)
            boss = w.holder.get(mine.boss) if mine is not None and mine.boss is not None else None
            owner = boss if boss is not None and boss != emp else owner
        kinds = ["skill", "experience", "performance", "other"]
        for _ in range(k):
            kind = kinds.pop(self.d.between(0, len(kinds) - 1))
            title, skill, level, role = self.gap(s, emp, kind)
            if title is None:
                kind, title = "other", self.d.pick(OTHER_ACTIONS)
            created = self.after(since, 3, self.today - timedelta(days=20))
            due = created + timedelta(days=self.d.between(45, 420))
            status, completed = self.progress(created, due)
            aid = r.take("succ_development_actions")
            at = _ts(created, self.d.minute())
            r.add("succ_development_actions", (aid, nid, title, kind, skill, level, role, owner, _iso(due), status,
                                               hr, at, completed))
            snap = _snap(ACTION_FIELDS, title=title, gap_kind=kind, skill_id=skill, target_level=level, target_role=role,
                         owner_employee_id=owner, due_date=_iso(due), status="planned", completed_at=None)
            r.audit("action", aid, s.post.id, "create", None, snap, hr, at)
            if status != "planned":
                t = completed or _ts(self.after(created, 5, self.today - timedelta(days=1)), self.d.minute())
                r.audit("action", aid, s.post.id, "update", snap,
                        {**snap, "status": status, "completed_at": completed.replace(" ", "T") if completed else None},
                        hr, t)

    def gap(self, s: Slate, emp: int, kind: str) -> tuple[str | None, int | None, int | None, str | None]:
        w = self.w
        if kind == "skill":
            have = self.skills.get(emp, {})
            gaps = [(sid, lvl) for sid, lvl, _ in w.requires.get(s.post.id, []) if have.get(sid, 0) < lvl]
            if not gaps:
                return None, None, None, None
            sid, lvl = gaps[self.d.between(0, len(gaps) - 1)]
            return f"Build {w.skill_name.get(sid, 'the skill')} to level {lvl}", sid, lvl, None
        if kind == "experience":
            fam, grade = s.post.family_code, w.grade_code.get(max(s.post.level - 1, 1))
            if fam is None or grade is None or s.post.family is None:
                return None, None, None, None
            return (f"Six months in {w.family_name.get(s.post.family, fam)} at "
                    f"{w.grade_name.get(max(s.post.level - 1, 1), grade)} level"), None, None, f"{fam}/{grade}"
        if kind == "performance":
            return f"Deliver the {self.today.year} goals at target or above", None, None, None
        return self.d.pick(OTHER_ACTIONS), None, None, None

    def progress(self, created: date, due: date) -> tuple[str, str | None]:
        """(status, completed at): most past-due actions are done, some are overdue; later ones under way."""
        u = self.d.u()
        last = self.today - timedelta(days=1)
        if due < self.today:
            if u < 0.55:
                return "done", _ts(self.after(created, 10, min(due, last)), self.d.minute())
            return ("in_progress" if u < 0.75 else "planned" if u < 0.95 else "cancelled"), None
        if u < 0.1 and created < last:
            return "done", _ts(self.after(created, 1, last), self.d.minute())
        return ("in_progress" if u < 0.5 else "planned"), None

    # --- pools --------------------------------------------------------------------------------------------
    def pools(self, pools: list[tuple[str, str, str, dict[str, Any], list[tuple[int, str]]]]) -> dict[str, int]:
        """Each pool with its members (employee, reason); a few who were in it and left, with the reason."""
        r, hr = self.r, self.hr
        sizes: dict[str, int] = {}
        for code, name, description, criteria, members in pools:
            pool_id = r.take("succ_pools")
            created = self.ago(420, 700)
            at = _ts(created, 10 * 60)
            r.add("succ_pools", (pool_id, code, name, description, _j(criteria), hr, at, at))
            r.audit("pool", pool_id, None, "create", None,
                    {"code": code, "name": name, "description": description, "criteria": criteria}, hr, at)
            for i, (emp, why) in enumerate(members):
                mid = r.take("succ_pool_members")
                added = _ts(self.after(created, 1, self.today - timedelta(days=5)), self.d.minute())
                gone, gone_why = None, None
                if i % 9 == 4:  # one in nine went on: left the pool, with the reason
                    gone = _ts(self.today - timedelta(days=self.d.between(3, 60)), self.d.minute())
                    gone_why = "Promoted into a key post" if i % 2 else "Left the pool at their own request"
                    gone = max(gone, added)
                r.add("succ_pool_members", (mid, pool_id, emp, why, hr, added, gone, hr if gone else None,
                                            gone_why))
                snap = {"employee_id": emp, "reason": why, "removed_at": None, "removal_reason": None}
                r.audit("pool_member", mid, None, "create", None, snap, hr, added)
                if gone:
                    r.audit("pool_member", mid, None, "remove", snap,
                            {**snap, "removed_at": gone.replace(" ", "T"), "removal_reason": gone_why}, hr, gone)
            sizes[code] = len(members)
        return sizes
