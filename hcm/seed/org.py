"""The company's structure: department tree, positions with reporting lines, grades, key posts, the skills
catalog and what each post requires. Everything here is fixed for the five simulated years; only who holds
which post changes (see ``history``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hcm.seed import catalog as C

MAX_DEPT_LEVEL = 4  # root 0, divisions 1, departments 2, units 3, teams 4; deeper managers stay in their team
KEY_SHARE = 0.05
IMPORTANCE = ("low", "medium", "high")


@dataclass
class Org:
    company: str
    domain: str
    divisions: list[C.DivisionKind]
    div_dept: np.ndarray  # department index of each division
    # departments: index i is id i+1, preorder (parents first)
    dept_code: list[str]
    dept_name: list[str]
    dept_parent: np.ndarray  # -1 for the root
    dept_level: np.ndarray
    dept_div: np.ndarray  # index into ``divisions``; -1 for the root
    dept_head: np.ndarray  # position index
    # positions: index i is id i+1, preorder (a boss always comes before the posts reporting to it)
    pos_title: list[str]
    pos_dept: np.ndarray
    pos_grade: np.ndarray  # grade level 1..10 (grade id == level)
    pos_family: np.ndarray  # index into catalog.FAMILIES
    pos_boss: np.ndarray  # -1 for the CEO
    pos_div: np.ndarray  # -1 for the CEO's office
    pos_depth: np.ndarray
    pos_size: np.ndarray  # headcount of the subtree including the post itself
    pos_role: np.ndarray  # index into ``roles`` for individual contributors, -1 for managers
    pos_key: np.ndarray
    roles: list[tuple[int, str]]  # (family index, role noun)
    # skills catalog
    skill_code: list[str]
    skill_name: list[str]
    skill_category: list[str]
    family_skills: list[np.ndarray]  # skill indices per family
    leadership_skills: np.ndarray
    core_skills: np.ndarray
    # requirements, sorted by position: rows req_ptr[p]:req_ptr[p+1] belong to position p
    req_ptr: np.ndarray
    req_skill: np.ndarray
    req_level: np.ndarray
    req_importance: np.ndarray  # index into IMPORTANCE
    processes: list[tuple[str, str, str, int, list[int]]] = field(default_factory=list)

    @property
    def n_positions(self) -> int:
        return len(self.pos_title)

    @property
    def hr_head(self) -> int:
        return int(self.dept_head[self.div_dept[next(i for i, d in enumerate(self.divisions) if d.code == "HR")]])

    def children(self) -> tuple[np.ndarray, np.ndarray]:
        """CSR of direct reports: ``kids[ptr[p]:ptr[p+1]]`` report to ``p``."""
        boss = self.pos_boss
        has = np.flatnonzero(boss >= 0)
        order = has[np.argsort(boss[has], kind="stable")]
        ptr = np.zeros(self.n_positions + 1, dtype=np.int64)
        np.add.at(ptr, boss[has] + 1, 1)
        return np.cumsum(ptr), order


def _manager_grade(size: int) -> int:
    if size >= 1500:
        return 8
    if size >= 200:
        return 7
    if size >= 25:
        return 6
    return 5


class _Builder:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.d_code: list[str] = []
        self.d_name: list[str] = []
        self.d_parent: list[int] = []
        self.d_level: list[int] = []
        self.d_div: list[int] = []
        self.d_head: list[int] = []
        self.p_title: list[str] = []
        self.p_dept: list[int] = []
        self.p_grade: list[int] = []
        self.p_fam: list[int] = []
        self.p_boss: list[int] = []
        self.p_div: list[int] = []
        self.p_depth: list[int] = []
        self.p_size: list[int] = []
        self.p_role: list[int] = []
        self.roles: list[tuple[int, str]] = [(fi, r) for fi, f in enumerate(C.FAMILIES) for r in f.roles]
        self.role_index = {(fi, r): i for i, (fi, r) in enumerate(self.roles)}
        # Within a family the first roles are the common ones.
        self.role_weights = []
        for f in C.FAMILIES:
            w = 1.0 / (1.0 + np.arange(len(f.roles)))
            self.role_weights.append(w / w.sum())
        # cumulative distributions: rng.random() + searchsorted is much cheaper than rng.choice(p=...) per team
        self.grade_cdf = [np.cumsum(f.ic_grades) / sum(f.ic_grades) for f in C.FAMILIES]
        self.role_cdf = [np.cumsum(w) for w in self.role_weights]
        self.role_first = [self.role_index[(fi, f.roles[0])] for fi, f in enumerate(C.FAMILIES)]
        self.div_dept: list[int] = []

    def dept(self, code: str, name: str, parent: int, level: int, div: int) -> int:
        self.d_code.append(code)
        self.d_name.append(name)
        self.d_parent.append(parent)
        self.d_level.append(level)
        self.d_div.append(div)
        self.d_head.append(-1)
        return len(self.d_code) - 1

    def pos(self, title: str, dept: int, grade: int, fam: int, boss: int, div: int, size: int, role: int) -> int:
        self.p_title.append(title)
        self.p_dept.append(dept)
        self.p_grade.append(grade)
        self.p_fam.append(fam)
        self.p_boss.append(boss)
        self.p_div.append(div)
        self.p_depth.append(0 if boss < 0 else self.p_depth[boss] + 1)
        self.p_size.append(size)
        self.p_role.append(role)
        return len(self.p_title) - 1

    def draw(self, cdf: np.ndarray, n: int) -> np.ndarray:
        return np.minimum(np.searchsorted(cdf, self.rng.random(n), side="right"), len(cdf) - 1)

    def pick_role(self, fam: int) -> int:
        return self.role_first[fam] + int(self.draw(self.role_cdf[fam], 1)[0])

    def team(self, mgr: int, n: int, dept: int, div: int, fam: int, role: int | None) -> None:
        """``n`` individual contributors reporting to ``mgr``: most share the team's role."""
        rng = self.rng
        team_role = role if role is not None else self.pick_role(fam)
        cap = max(1, self.p_grade[mgr] - 1)
        grades = np.minimum(self.draw(self.grade_cdf[fam], n) + 1, cap).tolist()
        others = (self.draw(self.role_cdf[fam], n) + self.role_first[fam]).tolist()
        same = (rng.random(n) < 0.8).tolist()
        for g, other, keep in zip(grades, others, same, strict=True):
            r = team_role if keep else other
            self.pos(C.SENIORITY[g] + self.roles[r][1], dept, g, fam, mgr, div, 1, r)

    def grow(self, mgr: int, rest: int, dept: int, level: int, div: int, fam: int, role: int | None) -> None:
        """Fill the subtree under ``mgr`` with ``rest`` more posts: a flat team when small, else 5-9 direct
        reports, most of them heads of sub-units (which become departments down to MAX_DEPT_LEVEL)."""
        rng = self.rng
        if rest <= 0:
            return
        span = int(rng.integers(5, 10))
        if rest <= span + 2:
            self.team(mgr, rest, dept, div, fam, role)
            return
        # k sub-units of at least 6 posts plus some direct reports; prefer a span of at least 5
        for k in range(min(span, rest // 6), 0, -1):
            direct = min(span - k, rest - 6 * k)
            if k + direct >= 5 or k == 1:
                break
        sizes = 6 + rng.multinomial(rest - direct - 6 * k, rng.dirichlet(np.full(k, 1.5)))
        if direct:
            self.team(mgr, direct, dept, div, fam, role)
        kind = C.DIVISIONS_BY_CODE[self.d_code[self.div_dept[div]]] if div >= 0 else None
        new_dept = level < MAX_DEPT_LEVEL
        names = self.unit_names(dept, level, k) if new_dept else []
        fam_codes = [c for c, _ in kind.families] if kind else []
        fam_p = np.asarray([w for _, w in kind.families]) if kind else None
        for j, size in enumerate(sizes.tolist()):
            sub_fam = fam
            if level == 1 and kind is not None:
                sub_fam = C.FAMILY_INDEX[fam_codes[int(rng.choice(len(fam_codes), p=fam_p))]]
            grade = min(_manager_grade(size), self.p_grade[mgr] - 1)
            if new_dept:
                d = self.dept(f"{self.d_code[dept]}-{j + 1:02d}", names[j], dept, level + 1, div)
                title = (("Director, {}" if grade >= 8 else "Head of {}") if level == 1
                         else "{} Manager" if level == 2 else "Team Lead, {}").format(names[j])
                h = self.pos(title, d, grade, sub_fam, mgr, div, size, -1)
                self.d_head[d] = h
                self.grow(h, size - 1, d, level + 1, div, sub_fam, None)
            else:
                sub_role = self.pick_role(sub_fam)
                noun = self.roles[sub_role][1] + "s"
                title = ("Manager, {}" if grade >= 6 else "Team Lead, {}").format(noun)
                h = self.pos(title, dept, grade, sub_fam, mgr, div, size, -1)
                self.grow(h, size - 1, dept, level, div, sub_fam, sub_role)

    def unit_names(self, parent: int, level: int, k: int) -> list[str]:
        rng = self.rng
        if level == 1:
            areas = list(C.DIVISIONS_BY_CODE[self.d_code[parent]].areas)
            rng.shuffle(areas)
            segs = list(C.SEGMENTS)
            return [areas[j % len(areas)] + ("" if j < len(areas) else f" {segs[j // len(areas) - 1]}")
                    for j in range(k)]
        if level == 2:
            segs = list(C.SEGMENTS)
            rng.shuffle(segs)
            return [f"{self.d_name[parent]} {segs[j % len(segs)]}" for j in range(k)]
        teams = rng.choice(len(C.TEAM_NAMES), size=k, replace=False)
        return [f"Team {C.TEAM_NAMES[t]}" for t in teams]


def build_org(rng: np.random.Generator, n_positions: int) -> Org:
    b = _Builder(rng)
    company, domain = C.COMPANIES[int(rng.integers(len(C.COMPANIES)))]
    exe = C.FAMILY_INDEX["EXE"]
    root = b.dept("HQ", company, -1, 0, -1)
    ceo = b.pos("Chief Executive Officer", root, 10, exe, -1, -1, n_positions, -1)
    b.d_head[root] = ceo
    staff: list[tuple[str, int, str]] = []
    if n_positions >= 40:
        staff = [("Chief of Staff", 8 if n_positions >= 2000 else 7, "Chief of Staff"),
                 ("Executive Assistant to the CEO", 4, "Executive Assistant")]
    if n_positions >= 2000:
        staff.append(("Strategy Analyst", 5, "Strategy Analyst"))
    for title, grade, role in staff:
        b.pos(title, root, grade, exe, ceo, -1, 1, b.role_index[(exe, role)])

    rest = n_positions - 1 - len(staff)
    n_div = int(rng.integers(6, 11))
    n_div = max(1, min(n_div, rest // 5))
    optional = np.arange(C.CORE_DIVISIONS, len(C.DIVISIONS))
    chosen = list(range(min(n_div, C.CORE_DIVISIONS)))
    if n_div > C.CORE_DIVISIONS:
        chosen += sorted(rng.choice(optional, size=n_div - C.CORE_DIVISIONS, replace=False).tolist())
    kinds = [C.DIVISIONS[i] for i in chosen]
    w = np.asarray([k.weight for k in kinds]) * rng.lognormal(0.0, 0.2, size=len(kinds))
    share = w / w.sum() * (rest - len(kinds))
    alloc = np.floor(share).astype(int)
    alloc[np.argsort(-(share - alloc), kind="stable")[: (rest - len(kinds)) - alloc.sum()]] += 1
    alloc += 1  # every division has at least its head

    for di, (kind, size) in enumerate(zip(kinds, alloc.tolist(), strict=True)):
        d = b.dept(kind.code, kind.name, root, 1, di)
        b.div_dept.append(d)
        fam = C.FAMILY_INDEX[kind.families[0][0]]
        h = b.pos(kind.head_title, d, 9, fam, ceo, di, size, -1)
        b.d_head[d] = h
        left = size - 1
        if size >= 60:
            if kind.code != "HR":
                hr = C.FAMILY_INDEX["HR"]
                b.pos("HR Business Partner", d, 6, hr, h, di, 1, b.role_index[(hr, "HR Business Partner")])
                left -= 1
            if kind.code != "FIN":
                fin = C.FAMILY_INDEX["FIN"]
                b.pos("Finance Business Partner", d, 6, fin, h, di, 1, b.role_index[(fin, "Financial Analyst")])
                left -= 1
        b.grow(h, left, d, 1, di, fam, None)

    org = Org(
        company=company, domain=domain, divisions=kinds, div_dept=np.asarray(b.div_dept, dtype=np.int64),
        dept_code=b.d_code, dept_name=b.d_name, dept_parent=np.asarray(b.d_parent, dtype=np.int64),
        dept_level=np.asarray(b.d_level, dtype=np.int64), dept_div=np.asarray(b.d_div, dtype=np.int64),
        dept_head=np.asarray(b.d_head, dtype=np.int64),
        pos_title=b.p_title, pos_dept=np.asarray(b.p_dept, dtype=np.int64),
        pos_grade=np.asarray(b.p_grade, dtype=np.int64), pos_family=np.asarray(b.p_fam, dtype=np.int64),
        pos_boss=np.asarray(b.p_boss, dtype=np.int64), pos_div=np.asarray(b.p_div, dtype=np.int64),
        pos_depth=np.asarray(b.p_depth, dtype=np.int64), pos_size=np.asarray(b.p_size, dtype=np.int64),
        pos_role=np.asarray(b.p_role, dtype=np.int64), pos_key=np.zeros(len(b.p_title), dtype=bool),
        roles=b.roles,
        skill_code=[], skill_name=[], skill_category=[], family_skills=[],
        leadership_skills=np.zeros(0, dtype=np.int64), core_skills=np.zeros(0, dtype=np.int64),
        req_ptr=np.zeros(1, dtype=np.int64), req_skill=np.zeros(0, dtype=np.int64),
        req_level=np.zeros(0, dtype=np.int64), req_importance=np.zeros(0, dtype=np.int64),
    )
    assert len(org.pos_title) == n_positions, (len(org.pos_title), n_positions)
    _mark_key_posts(rng, org)
    _skills_catalog(org)
    _requirements(rng, org)
    _processes(rng, org)
    return org


def _mark_key_posts(rng: np.random.Generator, org: Org) -> None:
    """CEO and division heads, then the largest departments' heads and some senior specialists: ~5%."""
    key = org.pos_key
    key[(org.pos_boss < 0) | (org.pos_grade == 9)] = True
    want = max(int(key.sum()), round(KEY_SHARE * org.n_positions)) - int(key.sum())
    if want <= 0:
        return
    n_spec = round(want * 0.3)
    # specialists inside the line organisation (not the staff posts next to the CEO and division heads)
    staff = (org.pos_boss >= 0) & (org.pos_grade[np.maximum(org.pos_boss, 0)] >= 9)
    specialists = np.flatnonzero((org.pos_role >= 0) & (org.pos_grade >= 5) & ~key & ~staff)
    if len(specialists):
        critical = np.isin(org.pos_family[specialists], [C.FAMILY_INDEX[c] for c in ("ENG", "RND", "LEG", "IT", "FIN")])
        p = (1.0 + critical + (org.pos_grade[specialists] - 5)).astype(float)
        n_spec = min(n_spec, len(specialists))
        key[rng.choice(specialists, size=n_spec, replace=False, p=p / p.sum())] = True
    managers = np.flatnonzero((org.pos_role < 0) & ~key)
    order = managers[np.lexsort((managers, -org.pos_grade[managers], -org.pos_size[managers]))]
    key[order[: max(0, want - n_spec)]] = True


def _skills_catalog(org: Org) -> None:
    codes, names, cats = org.skill_code, org.skill_name, org.skill_category

    def add(prefix: str, category: str, items: tuple[str, ...]) -> np.ndarray:
        start = len(codes)
        for name in items:
            codes.append(f"{prefix}.{C.slug(name)}")
            names.append(name)
            cats.append(category)
        return np.arange(start, len(codes), dtype=np.int64)

    org.family_skills = [add(f.code, f.name, f.skills) for f in C.FAMILIES]
    org.leadership_skills = add("LEAD", "Leadership", C.LEADERSHIP_SKILLS)
    org.core_skills = add("CORE", "Core", C.CORE_SKILLS)
    assert len(set(codes)) == len(codes)


def _top_k(rng: np.random.Generator, rows: np.ndarray, pool: np.ndarray, weights: np.ndarray,
           k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row pick ``k[i]`` distinct skills of ``pool`` with probability ~ weights (Gumbel top-k).
    Returns (row, skill, rank)."""
    if len(rows) == 0 or len(pool) == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e, e
    k = np.minimum(k, len(pool))
    kmax = int(k.max())
    keys = np.log(weights)[None, :] + rng.gumbel(size=(len(rows), len(pool)))
    top = np.argsort(-keys, axis=1)[:, :kmax]
    rank = np.broadcast_to(np.arange(kmax), top.shape)
    keep = rank < k[:, None]
    return np.broadcast_to(rows[:, None], top.shape)[keep], pool[top[keep]], rank[keep]


def _requirements(rng: np.random.Generator, org: Org) -> None:
    """3-8 skills per post: the role's own (a role profile makes posts of one role alike), leadership for
    managers, a core skill now and then; required level grows with the grade."""
    n = org.n_positions
    grade, fam, role = org.pos_grade, org.pos_family, org.pos_role
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []  # pos, skill, rank, lvl, imp

    def levels(base: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.clip(base + rng.choice([-1, 0, 0, 0, 1], size=len(base)), 1, 5)
        return out

    def importance(rank: np.ndarray, p: tuple[float, float, float]) -> np.ndarray:
        imp = rng.choice(3, size=len(rank), p=p)
        imp[rank == 0] = 2
        return imp

    ic_base = np.asarray([0, 2, 2, 3, 3, 4, 4, 4, 4, 5, 5])
    mgr_base = np.asarray([0, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4])
    lead_base = np.asarray([0, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5])
    is_ic = role >= 0
    # role profiles: a Dirichlet weighting of the family's skills per role, a broad one for managers
    profiles: dict[int, np.ndarray] = {}
    for r, (fi, _) in enumerate(org.roles):
        profiles[r] = rng.dirichlet(np.full(len(org.family_skills[fi]), 0.7)) + 1e-9
    for r in range(len(org.roles)):
        rows = np.flatnonzero(role == r)
        fi = org.roles[r][0]
        p, s, rk = _top_k(rng, rows, org.family_skills[fi], profiles[r], rng.integers(3, 7, size=len(rows)))
        parts.append((p, s, rk, levels(ic_base[grade[p]]), importance(rk, (0.3, 0.5, 0.2))))
    for fi in range(len(C.FAMILIES)):
        rows = np.flatnonzero(~is_ic & (fam == fi))
        pool = org.family_skills[fi]
        p, s, rk = _top_k(rng, rows, pool, np.ones(len(pool)), rng.integers(2, 4, size=len(rows)))
        parts.append((p, s, rk, levels(mgr_base[grade[p]]), importance(rk, (0.3, 0.5, 0.2))))
    mgr = np.flatnonzero(~is_ic)
    lead = org.leadership_skills
    p, s, rk = _top_k(rng, mgr, lead, np.ones(len(lead)), rng.integers(2, 4, size=len(mgr)))
    parts.append((p, s, rk + 3, levels(lead_base[grade[p]]), importance(rk, (0.4, 0.45, 0.15))))
    execs = np.flatnonzero(~is_ic & (grade >= 8) & (fam != C.FAMILY_INDEX["EXE"]))
    pool = org.family_skills[C.FAMILY_INDEX["EXE"]]
    p, s, rk = _top_k(rng, execs, pool, np.ones(len(pool)), np.ones(len(execs), dtype=np.int64))
    parts.append((p, s, rk + 6, np.full(len(p), 4), importance(rk + 1, (0.3, 0.5, 0.2))))
    ics = np.flatnonzero(is_ic & (rng.random(n) < 0.35))
    core = org.core_skills
    p, s, rk = _top_k(rng, ics, core, np.ones(len(core)), np.ones(len(ics), dtype=np.int64))
    parts.append((p, s, rk + 7, np.where(grade[p] <= 2, 2, 3), importance(rk + 1, (0.1, 0.5, 0.4))))

    pos = np.concatenate([x[0] for x in parts])
    skill = np.concatenate([x[1] for x in parts])
    rank = np.concatenate([x[2] for x in parts])
    lvl = np.concatenate([x[3] for x in parts])
    imp = np.concatenate([x[4] for x in parts])
    order = np.lexsort((rank, pos))
    org.req_skill, org.req_level, org.req_importance = skill[order], lvl[order].astype(np.int64), imp[order]
    org.req_ptr = np.concatenate([[0], np.cumsum(np.bincount(pos, minlength=n))]).astype(np.int64)


def _processes(rng: np.random.Generator, org: Org) -> None:
    """Business processes across divisions: each links the divisions involved and one of their departments."""
    by_code = {k.code: i for i, k in enumerate(org.divisions)}
    div_dept = org.div_dept.tolist()
    parent = org.dept_parent
    for proc in C.PROCESSES:
        divs = [by_code[c] for c in proc.divisions if c in by_code]
        if len(divs) < 2:
            continue
        owner = div_dept[by_code.get(proc.owner, divs[0])]
        depts: list[int] = []
        for di in divs:
            depts.append(div_dept[di])
            subs = np.flatnonzero(parent == div_dept[di])
            if len(subs):
                depts.append(int(rng.choice(subs)))
        org.processes.append((proc.code, proc.name, proc.description, owner, depts))
