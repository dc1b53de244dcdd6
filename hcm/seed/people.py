"""Names, e-mail addresses and skill records of the simulated people."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from hcm.seed import names as N
from hcm.seed.history import History
from hcm.seed.org import Org

SOURCES = ("self", "manager")
ASSESSED_WITHIN = 730  # days: a post's skills are assessed within its first two years


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

    Each record is dated inside the assignment it was drawn for, in its first two years, so a snapshot on any day
    sees only what the person's posts up to then taught them, and nothing of when those posts end. Drawing records
    against the post held *last* and dating them from the hire (as this once did) showed a future promotion in
    skills dated years before it (the readiness model learned the simulation); spreading them over an assignment's
    actual span showed who would soon move or leave. Nothing is dated after an exit."""
    end = hist.as_of.toordinal()
    held = np.flatnonzero(hist.a_pos >= 0)  # assignment rows (exit rows hold no post)
    a_emp, a_post = hist.a_emp[held], hist.a_pos[held]
    a_from = hist.a_start[held]
    # the last day a record of the assignment can bear: its end (a move or an exit), else the seed's as-of date
    a_to = np.where(hist.a_end[held] >= 0, np.minimum(hist.a_end[held], end), end)
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
    # Dated at a draw over the first ASSESSED_WITHIN days of the assignment, whenever it ends, and dropped when that
    # falls after its end: how densely a person was assessed before a day then says nothing about when their post
    # ends (spreading the records over the assignment's actual span told a snapshot who would soon move or leave).
    d_self = a_from[row] + np.floor(rng.random(k) * ASSESSED_WITHIN).astype(np.int64)
    r_m = row[rated]
    d_mgr = a_from[r_m] + np.floor(rng.random(len(r_m)) * ASSESSED_WITHIN).astype(np.int64)
    out_emp = np.concatenate([emp, a_emp[r_m]])
    out_skill = np.concatenate([skill, skill[rated]])
    source = np.concatenate([np.zeros(k, dtype=np.int64), np.ones(len(r_m), dtype=np.int64)])
    level = np.concatenate([self_level, mgr_level]).astype(np.int64)
    day = np.concatenate([d_self, d_mgr])
    last = np.concatenate([a_to[row], a_to[r_m]])
    made = day <= last
    out_emp, out_skill, level, source, day = out_emp[made], out_skill[made], level[made], source[made], day[made]
    # the latest record per (person, skill, source): the table keeps one
    order = np.lexsort((-day, source, out_skill, out_emp))
    out_emp, out_skill, level, source, day = out_emp[order], out_skill[order], level[order], source[order], day[order]
    key = (out_emp * len(org.skill_code) + out_skill) * len(SOURCES) + source
    _, latest = np.unique(key, return_index=True)
    out_emp, out_skill, level, source, day = out_emp[latest], out_skill[latest], level[latest], source[latest], day[latest]
    order = np.lexsort((source, out_skill, out_emp))
    return SkillRecords(emp=out_emp[order], skill=out_skill[order], level=level[order], source=source[order],
                        day=day[order])
