"""Talent search: active people ranked by their proficiency-aware match to a set of skill requirements
(docs/graph.md "Proficiency-aware match", "Effective proficiency" and "Queries")."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, LiteralString

from neo4j import Driver, ManagedTransaction

from graph.queries.common import (
    IMPORTANCE_WEIGHT,
    MAX_LEVEL,
    MIN_LEVEL,
    Requirement,
    as_float,
    as_int,
    as_str,
    assess,
    check_limit,
    effective_levels,
    position_ref,
    rows,
    run_read,
)
from graph.queries.results import PersonRef, TalentMatch
from hcm.errors import Invalid, NotFound

MAX_SKILLS = 50
DEFAULT_LIMIT = 20
# How many HAS_SKILL edges reading one person's skills costs, for choosing where a search by department starts
# (the company's mean is about 13.5). Only the speed depends on it: both starts give the same answer.
EDGES_PER_PERSON = 15

# The skills asked for, with how many HAS_SKILL edges each has (its degree: what starting from it reads).
SKILLS_CYPHER: LiteralString = (
    "UNWIND $skills AS skill_key "
    "MATCH (s:Skill {key: skill_key}) "
    "RETURN s.key AS skill, s.name AS name, COUNT { (s)<-[:HAS_SKILL]-() } AS edges"
)

# How many posts the departments hold, counted up to $cap (beyond it, starting from the skills is cheaper).
DEPARTMENT_POSTS_CYPHER: LiteralString = (
    "MATCH (d:Department) WHERE d.key IN $departments "
    "MATCH (d)<-[:IN]-(p:Position) "
    "WITH p LIMIT $cap "
    "RETURN count(p) AS posts"
)

# The department and every department under it (PART_OF, any depth).
DEPARTMENT_SUBTREE_CYPHER: LiteralString = (
    "MATCH (root:Department {key: $department}) "
    "OPTIONAL MATCH (root)<-[:PART_OF*1..]-(d:Department) "
    "RETURN root.key AS root, collect(DISTINCT d.key) AS below"
)

# From the Skill nodes (found by key through their index) to the people who have them: only the holders of at
# least one required skill are ever read, and the people filter that needs nothing but the person (status, score)
# applies to the edges as they are read. Per (person, skill) the effective level is the most trusted source's:
# min(trust * 10 + level) % 10 with trust 0 assessment, 1 manager, 2 self, 3 anything else (levels are 1..5).
# Per person, ``met`` is the importance-weighted sum of min(have, need) / need over the skills they have; the
# skills they lack add 0, so ranking by ``met`` is ranking by the match (met / the sum of all the weights).
# Scores are compared rounded to 1e-6, so one person's floating-point sum in another order ties as it should.
_TALENT_MET: LiteralString = (
    "UNWIND $requirements AS req "
    "MATCH (s:Skill {key: req.skill})<-[h:HAS_SKILL]-(e:Employee) "
    "WHERE e.status = 'active' AND ($min_score IS NULL OR e.perf_score >= $min_score) "
    "WITH e, req.level AS need, req.weight AS w, min(CASE h.source WHEN 'assessment' THEN 0 WHEN 'manager' THEN 10 "
    "WHEN 'self' THEN 20 ELSE 30 END + toInteger(h.level)) % 10 AS have "
    "WITH e, sum(w * toFloat(CASE WHEN have < need THEN have ELSE need END) / need) AS met "
)
_TALENT_RANKED: LiteralString = (
    "WITH e, met, p, d, r, e.key AS ek, round(met * 1000000.0) AS score "
    "ORDER BY score DESC, ek "
    "LIMIT $limit "
    "RETURN ek AS employee, e.name AS name, e.perf_score AS perf_score, p.key AS position, p.title AS title, "
    "d.key AS department, r.key AS role, r.level AS grade_level"
)
# Without a filter on the post: rank first, then look up the posts of the people kept.
TALENT_SEARCH_CYPHER: LiteralString = (
    _TALENT_MET
    + "WITH e, met, e.key AS ek, round(met * 1000000.0) AS score "
    "ORDER BY score DESC, ek "
    "LIMIT $limit "
    "OPTIONAL MATCH (e)-[:HOLDS]->(p:Position) "
    "OPTIONAL MATCH (p)-[:IN]->(d:Department) "
    "OPTIONAL MATCH (p)-[:OF_ROLE]->(r:Role) "
    "WITH e, met, p, d, r "
    + _TALENT_RANKED
)
# With a filter on the post (its department subtree, the grade level of its role): people without a post cannot
# pass it, and everyone found is checked before the ranking.
TALENT_SEARCH_BY_POST_CYPHER: LiteralString = (
    _TALENT_MET
    + "MATCH (e)-[:HOLDS]->(p:Position) "
    "OPTIONAL MATCH (p)-[:IN]->(d:Department) "
    "OPTIONAL MATCH (p)-[:OF_ROLE]->(r:Role) "
    "WITH e, met, p, d, r "
    "WHERE ($departments IS NULL OR d.key IN $departments) "
    "AND ($min_level IS NULL OR r.level >= $min_level) "
    "AND ($max_level IS NULL OR r.level <= $max_level) "
    + _TALENT_RANKED
)
# A department small next to the skills' holders: start from its posts and read its people's skills instead.
# The same rule as above, grouped by skill key ($needs and $weights by skill key).
TALENT_SEARCH_IN_DEPARTMENTS_CYPHER: LiteralString = (
    "MATCH (d:Department) WHERE d.key IN $departments "
    "MATCH (d)<-[:IN]-(p:Position)<-[:HOLDS]-(e:Employee) "
    "WHERE e.status = 'active' AND ($min_score IS NULL OR e.perf_score >= $min_score) "
    "OPTIONAL MATCH (p)-[:OF_ROLE]->(r:Role) "
    "WITH e, p, d, r "
    "WHERE ($min_level IS NULL OR r.level >= $min_level) AND ($max_level IS NULL OR r.level <= $max_level) "
    "MATCH (e)-[h:HAS_SKILL]->(s:Skill) WHERE s.key IN $skills "
    "WITH e, p, d, r, s.key AS skill, min(CASE h.source WHEN 'assessment' THEN 0 WHEN 'manager' THEN 10 "
    "WHEN 'self' THEN 20 ELSE 30 END + toInteger(h.level)) % 10 AS have "
    "WITH e, p, d, r, $needs[skill] AS need, $weights[skill] AS w, have "
    "WITH e, p, d, r, sum(w * toFloat(CASE WHEN have < need THEN have ELSE need END) / need) AS met "
    + _TALENT_RANKED
)
# The levels the people kept have in the skills asked, every source (the effective level is picked in Python,
# by the same rule).
TALENT_LEVELS_CYPHER: LiteralString = (
    "UNWIND $employees AS employee_key "
    "MATCH (e:Employee {key: employee_key})-[h:HAS_SKILL]->(s:Skill) "
    "WHERE s.key IN $skills "
    "RETURN e.key AS employee, s.key AS skill, h.source AS source, h.level AS level"
)

SkillNeed = tuple[str, int, str]  # (skill key, level 1..5, importance low/medium/high)


def _requirements(skills: Sequence[SkillNeed]) -> list[tuple[str, int, str]]:
    if not skills:
        raise Invalid("name at least one skill to search for", field="skills")
    if len(skills) > MAX_SKILLS:
        raise Invalid(f"search for {MAX_SKILLS} skills at most", field="skills")
    seen: set[str] = set()
    out = []
    for i, item in enumerate(skills):
        try:
            skill, level, importance = item
        except (TypeError, ValueError):
            raise Invalid(f"skills[{i}] must be (skill, level, importance)", field="skills") from None
        if not isinstance(skill, str) or not skill:
            raise Invalid(f"skills[{i}]: the skill must be a skill code", field="skills")
        if isinstance(level, bool) or not isinstance(level, int) or not MIN_LEVEL <= level <= MAX_LEVEL:
            raise Invalid(f"skills[{i}]: the level must be {MIN_LEVEL}..{MAX_LEVEL}", field="skills")
        if importance not in IMPORTANCE_WEIGHT:
            raise Invalid(f"skills[{i}]: the importance must be one of {', '.join(IMPORTANCE_WEIGHT)}", field="skills")
        if skill in seen:
            raise Invalid(f"skills[{i}]: the skill {skill!r} is named twice", field="skills")
        seen.add(skill)
        out.append((skill, level, str(importance)))
    return out


def _optional_level(value: int | None, field: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise Invalid(f"{field} must be a whole number", field=field)


def _department_first(tx: ManagedTransaction, departments: list[str], skills: list[dict[str, Any]]) -> bool:
    """Whether reading the departments' people's skills costs less than reading the skills' holders."""
    edges = sum(as_int(r["edges"]) or 0 for r in skills)
    cap = edges // EDGES_PER_PERSON + 1
    posts = as_int(rows(tx, DEPARTMENT_POSTS_CYPHER, departments=departments, cap=cap)[0]["posts"]) or 0
    return posts < cap


def talent_search(driver: Driver, database: str, *, skills: Sequence[SkillNeed], department: str | None = None,
                  min_grade_level: int | None = None, max_grade_level: int | None = None,
                  min_score: float | None = None, limit: int = DEFAULT_LIMIT) -> list[TalentMatch]:
    """Active people with at least one of ``skills``, best match first (then by key), at most ``limit``.

    ``department``: only people whose post is in it or below it. ``min_grade_level``/``max_grade_level``: the
    grade level of their post's role. ``min_score``: their performance score (people without one are left out)."""
    wanted = _requirements(skills)
    check_limit(limit)
    _optional_level(min_grade_level, "min_grade_level")
    _optional_level(max_grade_level, "max_grade_level")
    if min_grade_level is not None and max_grade_level is not None and min_grade_level > max_grade_level:
        raise Invalid("min_grade_level is above max_grade_level", field="min_grade_level")
    if min_score is not None and (isinstance(min_score, bool) or not isinstance(min_score, int | float)
                                  or not math.isfinite(min_score)):
        raise Invalid("min_score must be a finite number", field="min_score")

    def work(tx: ManagedTransaction) -> tuple[NotFound | None, dict[str, str | None], list[dict[str, Any]]]:
        found_skills = rows(tx, SKILLS_CYPHER, skills=[s for s, _, _ in wanted])
        names = {r["skill"]: as_str(r["name"]) for r in found_skills}
        missing = next((s for s, _, _ in wanted if s not in names), None)
        if missing is not None:
            return NotFound("Skill", missing, field="skills"), names, []
        departments: list[str] | None = None
        if department is not None:
            tree = rows(tx, DEPARTMENT_SUBTREE_CYPHER, department=department)
            if not tree:
                return NotFound("Department", department, field="department"), names, []
            departments = [tree[0]["root"], *[k for k in tree[0]["below"] if isinstance(k, str)]]
        params: dict[str, Any] = {
            "limit": limit, "departments": departments, "min_level": min_grade_level, "max_level": max_grade_level,
            "min_score": None if min_score is None else float(min_score),
            "requirements": [{"skill": s, "level": lvl, "weight": IMPORTANCE_WEIGHT[imp]} for s, lvl, imp in wanted]}
        if departments is not None and _department_first(tx, departments, found_skills):
            found = rows(tx, TALENT_SEARCH_IN_DEPARTMENTS_CYPHER, **params, skills=list(names),
                         needs={s: lvl for s, lvl, _ in wanted}, weights={s: IMPORTANCE_WEIGHT[i] for s, _, i in wanted})
        else:
            by_post = departments is not None or min_grade_level is not None or max_grade_level is not None
            found = rows(tx, TALENT_SEARCH_BY_POST_CYPHER if by_post else TALENT_SEARCH_CYPHER, **params)
        levels: dict[str, list[dict[str, Any]]] = {r["employee"]: [] for r in found}
        if found:
            for r in rows(tx, TALENT_LEVELS_CYPHER, employees=list(levels), skills=list(names)):
                levels[r["employee"]].append(r)
        return None, names, [{**r, "levels": effective_levels(levels[r["employee"]])} for r in found]

    missing, names, found = run_read(driver, database, work)
    if missing is not None:
        raise missing
    requirements = [Requirement(s, names.get(s), lvl, imp) for s, lvl, imp in wanted]
    out = []
    for r in found:
        gaps, total_gap, match = assess(requirements, r["levels"])
        out.append(TalentMatch(
            employee=PersonRef(key=r["employee"], name=as_str(r["name"])),
            position=position_ref(r["position"], r["title"]), department=as_str(r["department"]),
            role=as_str(r["role"]), grade_level=as_int(r["grade_level"]), perf_score=as_float(r["perf_score"]),
            match=round(match, 6), total_gap=total_gap, skills=gaps))
    return out
