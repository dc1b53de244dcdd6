"""Names, e-mail addresses and skill records of the simulated people."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from hcm.seed import names as N
from hcm.seed.history import History
from hcm.seed.org import Org

SOURCES = ("self", "manager")


def person_names(rng: np.random.Generator, hist: History, domain: str) -> tuple[list[str], list[str], list[str]]:
    """First and last names drawn by gender from the embedded lists; unique e-mail addresses."""
    n = hist.n
    female, male = tuple(dict.fromkeys(N.FEMALE)), tuple(dict.fromkeys(N.MALE))
    anyone = tuple(dict.fromkeys(N.NEUTRAL + female + male))
    first = np.empty(n, dtype=object)
    for code, pool in ((0, female), (1, male), (2, anyone), (3, anyone)):
        sel = np.flatnonzero(hist.gender == code)
        # a Zipf-like weighting: some names are common, most are rare
        w = 1.0 / np.sqrt(1.0 + np.arange(len(pool)))
        first[sel] = np.asarray(pool, dtype=object)[rng.choice(len(pool), size=len(sel), p=w / w.sum())]
    last_pool = tuple(dict.fromkeys(N.LAST))
    w = 1.0 / np.sqrt(1.0 + np.arange(len(last_pool)))
    last = np.asarray(last_pool, dtype=object)[rng.choice(len(last_pool), size=n, p=w / w.sum())]
    firsts, lasts = first.tolist(), last.tolist()
    seen: dict[str, int] = {}
    emails: list[str] = []
    clean = re.compile(r"[^a-z0-9]+")
    for f, la in zip(firsts, lasts, strict=True):
        base = f"{clean.sub('', f.lower())}.{clean.sub('', la.lower())}"
        k = seen.get(base, 0) + 1
        seen[base] = k
        emails.append(f"{base}@{domain}" if k == 1 else f"{base}{k}@{domain}")
    return firsts, lasts, emails


@dataclass
class SkillRecords:
    emp: np.ndarray
    skill: np.ndarray
    level: np.ndarray
    source: np.ndarray  # index into SOURCES
    day: np.ndarray  # assessed on (ordinal)


def employee_skills(rng: np.random.Generator, org: Org, hist: History) -> SkillRecords:
    """Skills of each person against the post they hold (or held last), matched imperfectly: most required
    skills are present, at a level around the requirement shifted by the person's latent fit; a few extra
    skills besides. Everyone has self-assessments; about half of the skills also carry the manager's rating,
    which is closer to the truth than the self-assessment (people rate themselves a little higher)."""
    n = hist.n
    post = hist.last_pos
    ptr = org.req_ptr
    counts = ptr[post + 1] - ptr[post]
    total = int(counts.sum())
    emp = np.repeat(np.arange(n), counts)
    req = np.repeat(ptr[post] - np.cumsum(counts) + counts, counts) + np.arange(total)
    fit = hist.fit[emp]
    has = rng.random(total) < 1.0 / (1.0 + np.exp(-(1.5 + 0.9 * fit)))
    true = np.rint(org.req_level[req] - 0.3 + 0.7 * fit + rng.normal(0, 0.7, total))
    emp, skill, true = emp[has], org.req_skill[req][has], true[has]
    # extra skills from the family of the post, or core skills
    n_extra = rng.integers(0, 4, n)
    x_emp = np.repeat(np.arange(n), n_extra)
    fam = org.pos_family[post][x_emp]
    x_skill = np.empty(len(x_emp), dtype=np.int64)
    use_core = rng.random(len(x_emp)) < 0.4
    core = org.core_skills
    x_skill[use_core] = core[rng.integers(0, len(core), int(use_core.sum()))]
    for fi in np.unique(fam[~use_core]):
        sel = np.flatnonzero(~use_core & (fam == fi))
        pool = org.family_skills[fi]
        x_skill[sel] = pool[rng.integers(0, len(pool), len(sel))]
    emp = np.concatenate([emp, x_emp])
    skill = np.concatenate([skill, x_skill])
    true = np.clip(np.concatenate([true, rng.integers(1, 5, len(x_emp)).astype(float)]), 1, 5)
    # one record per (employee, skill): the first one wins (requirements come first)
    key = emp * len(org.skill_code) + skill
    _, first = np.unique(key, return_index=True)
    emp, skill, true = emp[first], skill[first], true[first]
    k = len(emp)
    self_level = np.clip(np.rint(true + 0.25 + rng.normal(0, 0.55, k)), 1, 5)
    has_boss = org.pos_boss[post[emp]] >= 0
    rated = has_boss & (rng.random(k) < 0.5)
    mgr_level = np.clip(np.rint(true[rated] + rng.normal(0, 0.35, int(rated.sum()))), 1, 5)
    # Assessed on a day drawn evenly between the hire and the seed's as-of date, whether or not the person stays:
    # a record that would fall after an exit is never made. Dating records by the exit instead (say, in the
    # person's last months) would tell a point-in-time snapshot who is about to leave (the models' features,
    # ml/features.py, would learn the simulation rather than the people).
    end = hist.as_of.toordinal()
    floor = hist.hire_day
    gone = np.where(hist.active, end, hist.exit_day)
    d_self = floor[emp] + np.floor(rng.random(k) * (end - floor[emp] + 1)).astype(np.int64)
    e_m = emp[rated]
    d_mgr = floor[e_m] + np.floor(rng.random(len(e_m)) * (end - floor[e_m] + 1)).astype(np.int64)
    out_emp = np.concatenate([emp, e_m])
    out_skill = np.concatenate([skill, skill[rated]])
    source = np.concatenate([np.zeros(k, dtype=np.int64), np.ones(len(e_m), dtype=np.int64)])
    level = np.concatenate([self_level, mgr_level]).astype(np.int64)
    day = np.concatenate([d_self, d_mgr])
    made = day <= gone[out_emp]
    out_emp, out_skill, level, source, day = out_emp[made], out_skill[made], level[made], source[made], day[made]
    order = np.lexsort((source, out_skill, out_emp))
    return SkillRecords(emp=out_emp[order], skill=out_skill[order], level=level[order], source=source[order],
                        day=day[order])
