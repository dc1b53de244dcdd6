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
    """Skills of each person against each post they held, assessed while they held it, matched imperfectly: most
    required skills are present, at a level around the requirement shifted by the person's latent fit; a few extra
    skills besides. Everyone has self-assessments; about half of the skills also carry the manager's rating,
    which is closer to the truth than the self-assessment (people rate themselves a little higher). A skill
    assessed in several posts keeps its latest record (``employee_skills`` holds one per person, skill and source).

    Each record is dated inside the assignment it was drawn for, so a snapshot on any day sees only what the
    person's posts up to then taught them. Drawing records against the post held *last* and dating them from the
    hire (as this once did) tells a point-in-time snapshot where the person will go: a future promotion showed in
    skills dated years before it (the readiness model learned the simulation). Likewise nothing is dated after an
    exit, so the records never tell who is about to leave."""
    end = hist.as_of.toordinal()
    held = np.flatnonzero(hist.a_pos >= 0)  # assignment rows (exit rows hold no post)
    a_emp, a_post = hist.a_emp[held], hist.a_pos[held]
    a_from = hist.a_start[held]
    a_to = np.where(hist.a_end[held] >= 0, np.minimum(hist.a_end[held], end), end)
    a_to = np.maximum(a_to, a_from)
    ptr = org.req_ptr
    counts = ptr[a_post + 1] - ptr[a_post]
    total = int(counts.sum())
    row = np.repeat(np.arange(len(held)), counts)
    req = np.repeat(ptr[a_post] - np.cumsum(counts) + counts, counts) + np.arange(total)
    fit = hist.fit[a_emp[row]]
    has = rng.random(total) < 1.0 / (1.0 + np.exp(-(1.5 + 0.9 * fit)))
    true = np.rint(org.req_level[req] - 0.3 + 0.7 * fit + rng.normal(0, 0.7, total))
    row, skill, true = row[has], org.req_skill[req][has], true[has]
    # extra skills from the family of the post, or core skills: up to three over a person's posts
    n_extra = rng.integers(0, 4, len(held)) * (rng.random(len(held)) < 1.0 / np.bincount(a_emp)[a_emp])
    x_row = np.repeat(np.arange(len(held)), n_extra)
    fam = org.pos_family[a_post[x_row]]
    x_skill = np.empty(len(x_row), dtype=np.int64)
    use_core = rng.random(len(x_row)) < 0.4
    core = org.core_skills
    x_skill[use_core] = core[rng.integers(0, len(core), int(use_core.sum()))]
    for fi in np.unique(fam[~use_core]):
        sel = np.flatnonzero(~use_core & (fam == fi))
        pool = org.family_skills[fi]
        x_skill[sel] = pool[rng.integers(0, len(pool), len(sel))]
    row = np.concatenate([row, x_row])
    skill = np.concatenate([skill, x_skill])
    true = np.clip(np.concatenate([true, rng.integers(1, 5, len(x_row)).astype(float)]), 1, 5)
    # one record per (assignment, skill): the first one wins (requirements come first)
    key = row * len(org.skill_code) + skill
    _, first = np.unique(key, return_index=True)
    row, skill, true = row[first], skill[first], true[first]
    k = len(row)
    emp = a_emp[row]
    self_level = np.clip(np.rint(true + 0.25 + rng.normal(0, 0.55, k)), 1, 5)
    has_boss = org.pos_boss[a_post[row]] >= 0
    rated = has_boss & (rng.random(k) < 0.5)
    mgr_level = np.clip(np.rint(true[rated] + rng.normal(0, 0.35, int(rated.sum()))), 1, 5)
    span = a_to[row] - a_from[row] + 1
    d_self = a_from[row] + np.floor(rng.random(k) * span).astype(np.int64)
    r_m = row[rated]
    d_mgr = a_from[r_m] + np.floor(rng.random(len(r_m)) * span[rated]).astype(np.int64)
    out_emp = np.concatenate([emp, a_emp[r_m]])
    out_skill = np.concatenate([skill, skill[rated]])
    source = np.concatenate([np.zeros(k, dtype=np.int64), np.ones(len(r_m), dtype=np.int64)])
    level = np.concatenate([self_level, mgr_level]).astype(np.int64)
    day = np.concatenate([d_self, d_mgr])
    # the latest record per (person, skill, source): the table keeps one
    order = np.lexsort((-day, source, out_skill, out_emp))
    out_emp, out_skill, level, source, day = out_emp[order], out_skill[order], level[order], source[order], day[order]
    key = (out_emp * len(org.skill_code) + out_skill) * len(SOURCES) + source
    _, latest = np.unique(key, return_index=True)
    out_emp, out_skill, level, source, day = out_emp[latest], out_skill[latest], level[latest], source[latest], day[latest]
    order = np.lexsort((source, out_skill, out_emp))
    return SkillRecords(emp=out_emp[order], skill=out_skill[order], level=level[order], source=source[order],
                        day=day[order])
