"""Who stands on which slate in the demo: for each key post, 1-4 people of the grades below, drawn from the post's
department subtree and from the same or related job families elsewhere, good performers and high potentials more
likely; their readiness from how far below the post they stand and how well they perform. Then a couple of people
are made the only ready-now successor of several posts (single points of failure). Pure: no database."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from succession.demo.world import Post, World

NOW, R12, R3 = 0, 1, 2  # indexes into READINESS
READINESS = ("ready_now", "ready_1_2", "ready_3_plus")
TIERS = 3  # the grades below a post that supply its successors: the nearest present grade, the next, the one after
# readiness by tier (how far below the post), before performance moves it
TIER_READINESS = ((0.42, 0.40, 0.18), (0.15, 0.45, 0.40), (0.05, 0.30, 0.65))
TIER_WEIGHT = (1.0, 0.35, 0.1)
OUTSIDE_SUBTREE = 0.35  # a same- or related-family person from another department
SAME_FAMILY = 1.3
REPEAT = 0.3  # each slate a person already stands on makes another less likely
SLATE_SIZES, SLATE_P = (1, 2, 3, 4), (0.18, 0.34, 0.30, 0.18)
FAMILY_CAP = 400  # people scored per (grade, family) group outside the subtree
NO_PLAN_SHARE = 0.1  # key posts left without a plan, so the board shows them uncovered


@dataclass
class Nom:
    emp: int
    readiness: int
    weight: float
    tier: int
    inside: bool  # in the post's department subtree


@dataclass
class Slate:
    post: Post
    holder: int | None
    noms: list[Nom]
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # the candidates the draw weighed
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # employee id per candidate row
    spof: bool = False  # a single point of failure's post: its only ready-now successor stands on others too

    @property
    def eligible(self) -> list[int]:
        """The employees the draw weighed (for interims and past removals)."""
        return self.ids[self.rows].tolist() if len(self.rows) else []


class Candidates:
    """The people who may succeed a post, found fast: per grade level, people sorted by their department's place
    in the department tree (a subtree is one slice), and per (level, family)."""

    def __init__(self, w: World, rng: np.random.Generator) -> None:
        self.w = w
        self.rng = rng
        rows = [p for p in w.people.values() if p.post is not None and w.posts.get(p.post) is not None
                and w.posts[p.post].level > 0]
        self.ids = np.asarray([p.id for p in rows], dtype=np.int64)
        post = [w.posts[p.post] for p in rows]  # type: ignore[index]
        self.level = np.asarray([q.level for q in post], dtype=np.int64)
        self.family = np.asarray([q.family if q.family is not None else -1 for q in post], dtype=np.int64)
        self.tin = np.asarray([w.tin[q.dept] for q in post], dtype=np.int64)
        rating = np.asarray([w.rating.get(p.id, 3.0) for p in rows])
        pot = np.asarray([w.potential.get(p.id, 0.5) for p in rows])
        self.rating = rating
        self.base = np.exp(0.9 * (rating - 3.0) + 0.8 * (pot - 0.5))
        self.slates = np.zeros(len(rows), dtype=np.int64)
        self.row_of = {int(e): i for i, e in enumerate(self.ids.tolist())}
        self.by_level: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for lvl in sorted(set(self.level.tolist())):
            idx = np.flatnonzero(self.level == lvl)
            idx = idx[np.argsort(self.tin[idx], kind="stable")]
            self.by_level[lvl] = (idx, self.tin[idx])
        groups: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, (lvl, fam) in enumerate(zip(self.level.tolist(), self.family.tolist(), strict=True)):
            groups[(lvl, fam)].append(i)
        self.by_family = {k: np.asarray(v, dtype=np.int64) for k, v in groups.items()}

    def levels_below(self, level: int) -> list[int]:
        return [lvl for lvl in sorted(self.by_level, reverse=True) if level - 5 <= lvl < level][:TIERS]

    def pool(self, post: Post, holder: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, tier, inside) of everyone who may stand on the post's slate."""
        w = self.w
        lo_t, hi_t = w.tin[post.dept], w.tout[post.dept]
        fams = [] if post.family is None else [post.family, *sorted(w.related.get(post.family, ()))]
        parts: list[np.ndarray] = []
        tiers: list[np.ndarray] = []
        inside: list[np.ndarray] = []
        for tier, lvl in enumerate(self.levels_below(post.level)):
            idx, tins = self.by_level[lvl]
            sub = idx[np.searchsorted(tins, lo_t, "left"): np.searchsorted(tins, hi_t, "right")]
            parts.append(sub)
            tiers.append(np.full(len(sub), tier))
            inside.append(np.ones(len(sub), dtype=bool))
            for fam in fams:
                grp = self.by_family.get((lvl, fam))
                if grp is None:
                    continue
                grp = grp[(self.tin[grp] < lo_t) | (self.tin[grp] > hi_t)]
                if len(grp) > FAMILY_CAP:
                    grp = np.sort(self.rng.choice(grp, FAMILY_CAP, replace=False))
                parts.append(grp)
                tiers.append(np.full(len(grp), tier))
                inside.append(np.zeros(len(grp), dtype=bool))
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0, dtype=bool)
        rows, tier_a, inside_a = np.concatenate(parts), np.concatenate(tiers), np.concatenate(inside)
        if holder is not None and holder in self.row_of:
            keep = rows != self.row_of[holder]
            rows, tier_a, inside_a = rows[keep], tier_a[keep], inside_a[keep]
        return rows, tier_a, inside_a

    def readiness(self, row: int, tier: int) -> int:
        r = float(self.rating[row])
        p = np.asarray(TIER_READINESS[tier]) * np.exp(np.array([0.5, 0.0, -0.4]) * (r - 3.0))
        return int(self.rng.choice(3, p=p / p.sum()))

    def draw(self, post: Post, holder: int | None) -> Slate:
        rows, tier, inside = self.pool(post, holder)
        slate = Slate(post, holder, [], rows, self.ids)
        if len(rows) == 0:
            return slate
        fam = post.family if post.family is not None else -2
        weight = (self.base[rows] * np.asarray(TIER_WEIGHT)[tier] * np.where(inside, 1.0, OUTSIDE_SUBTREE)
                  * np.where(self.family[rows] == fam, SAME_FAMILY, 1.0) * REPEAT ** self.slates[rows])
        k = min(int(self.rng.choice(SLATE_SIZES, p=SLATE_P)), len(rows))
        keys = np.log(weight) + self.rng.gumbel(size=len(rows))  # weighted draw without replacement
        for j in np.argsort(-keys, kind="stable")[:k].tolist():
            row = int(rows[j])
            self.slates[row] += 1
            slate.noms.append(Nom(int(self.ids[row]), self.readiness(row, int(tier[j])), float(weight[j]),
                                  int(tier[j]), bool(inside[j])))
        return slate


def _single_points_of_failure(c: Candidates, slates: list[Slate], how_many: int) -> None:
    """Make ``how_many`` strong people the only ready-now successor of two or three posts each."""
    staffed = [i for i, s in enumerate(slates) if s.noms and len(s.rows)]
    if not staffed:
        return
    rows = np.concatenate([slates[i].rows for i in staffed])
    where = np.concatenate([np.full(len(slates[i].rows), i) for i in staffed])
    strong = c.rating[rows] >= 4.0
    if strong.any():
        rows, where = rows[strong], where[strong]
    people, counts = np.unique(rows, return_counts=True)
    order = np.lexsort((c.ids[people], -counts, -c.rating[people]))
    taken: set[int] = set()
    chosen = 0
    for row in people[order].tolist():
        if chosen >= how_many:
            break
        emp = int(c.ids[row])
        free = [i for i in sorted(set(where[rows == row].tolist())) if i not in taken]
        if len(free) < 2:
            continue
        picks = free[:3] if len(free) >= 3 and chosen % 2 == 0 else free[:2]
        for i in picks:
            s = slates[i]
            taken.add(i)
            s.spof = True
            for n in s.noms:
                if n.readiness == NOW and n.emp != emp:
                    n.readiness = R12
            mine = next((n for n in s.noms if n.emp == emp), None)
            if mine is not None:
                mine.readiness = NOW
            else:
                nom = Nom(emp, NOW, float(c.base[row]), 0, True)
                if len(s.noms) >= SLATE_SIZES[-1]:
                    s.noms[-1] = nom
                else:
                    s.noms.append(nom)
        chosen += 1


def build_slates(w: World, rng: np.random.Generator) -> tuple[list[Slate], list[Post]]:
    """(the slates of the posts that get a plan, the key posts left without one)."""
    c = Candidates(w, rng)
    posts = w.key_posts()
    top = posts[:1]  # the chief executive's post always has a plan
    rest = posts[1:]
    n_none = min(len(rest), max(2 if len(posts) >= 10 else 0, round(NO_PLAN_SHARE * len(posts))))
    without = set(rng.choice(len(rest), n_none, replace=False).tolist()) if n_none else set()
    planned = top + [p for i, p in enumerate(rest) if i not in without]
    slates = [c.draw(p, w.holder.get(p.id)) for p in planned]
    _single_points_of_failure(c, slates, 2 if len(slates) < 60 else 3)
    for s in slates:  # ready-now first, then the stronger candidate
        s.noms.sort(key=lambda n: (n.readiness, -n.weight, n.emp))
    return slates, [p for i, p in enumerate(rest) if i in without]
