"""Suggested candidates for a key post, with their reasons; nobody is ever nominated by this
(docs/succession.md "Suggested candidates").

Two sources, then one ranking:
- **Talent search** (``graph.queries.talent_search``): active people by their proficiency-aware match to the
  post's requirements (``PositionSkill``), the graph's rule (docs/graph.md "Proficiency-aware match").
- **Career steps** (``graph.careers.career_steps``, the graph's CAREER_STEP rows derived from the database):
  active people whose post's role has a step to the post's role, with how many people took it. Their match is
  worked out with the same rule (``graph.queries.common``) from the database when the search did not return them.
- Once a readiness model exists it answers through the extension point ``succession.readiness``: a module's
  registration ``provides={"succession.readiness": ("pkg.mod:predict",)}`` with
  ``predict(db, *, position_id, employee_ids) -> {employee_id: readiness}``; its answer is shown as a reason and
  ranks people it calls ready now first. Without one, nothing changes.

Ranked by (predicted ready now first, when a model answers), match, then the career step's ``observed``, then
the external id. Left out: the post's holder, people already on its slate, people who have left.

The talent search needs the graph: when it is unreachable the answer is ``GraphUnavailable`` (503, with since when),
not a shorter list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neo4j import Driver
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from graph import availability, queries
from graph.queries.common import MAX_LIMIT, Requirement, gap_of, levels_in_db, match_of
from graph.queries.results import TalentMatch
from hcm import modules
from hcm.db import get_or_404
from hcm.errors import Invalid, NotFound
from hcm.org.events import role_key
from hcm.org.models import Employee, EmployeeStatus, Grade, JobFamily, Position
from hcm.policy import Principal
from succession.models import Nomination, SuccessionPlan
from succession.policy import plan_filter
from succession.schemas_analysis import (
    StepReason,
    SuggestedSkill,
    Suggestion,
    SuggestionsOut,
)
from succession.service.board import READINESS_LABELS
from succession.service.taking import CareerGraph, person_out, position_roles, post_out, requirements_of

DEFAULT_LIMIT = 20
READINESS_POINT = "succession.readiness"

ReadinessModel = Callable[..., dict[int, str]]


def readiness_models() -> list[ReadinessModel]:
    """The readiness models the installed modules provide (``READINESS_POINT``); none today."""
    return list(modules.provided(READINESS_POINT))


def _search(driver: Driver, database: str, requirements: list[Requirement], limit: int) -> list[TalentMatch]:
    """The talent search over the post's requirements. A skill the graph does not know yet (its projection is
    behind the database) is left out of the search rather than failing it."""
    wanted = list(requirements)
    while wanted:
        try:
            return queries.talent_search(driver, database, skills=[(r.skill, r.level, r.importance) for r in wanted],
                                         limit=limit)
        except NotFound as exc:
            if exc.entity != "Skill":
                raise
            wanted = [r for r in wanted if r.skill != exc.key]
    return []


def _stepping(db: Session, roles_in: dict[str, Any], exclude: set[int]) -> dict[int, tuple[Employee, str]]:
    """Active people on an active post whose role is one of ``roles_in`` (the sources of a step to the post's
    role): employee id -> (the person, their role)."""
    if not roles_in:
        return {}
    pairs = [tuple(role.split("/", 1)) for role in roles_in]
    rows = db.execute(select(Employee, JobFamily.code, Grade.code)
                      .join(Position, Position.id == Employee.position_id)
                      .join(JobFamily, JobFamily.id == Position.job_family_id).join(Grade, Grade.id == Position.grade_id)
                      .where(Employee.status == EmployeeStatus.ACTIVE, Position.is_active.is_(True),
                             or_(*(and_(JobFamily.code == f, Grade.code == g) for f, g in pairs)))).all()
    out = {}
    for e, family, grade in rows:
        role = role_key(family, grade)
        if role in roles_in and e.id not in exclude:
            out[e.id] = (e, role)
    return out


def _percent(x: float) -> str:
    return f"{round(x * 100)} %"


def suggestions(db: Session, *, principal: Principal, position_id: int, driver: Driver | None, database: str,
                limit: int = DEFAULT_LIMIT) -> SuggestionsOut:
    """Suggested successors for the post: people to consider, each with their reasons (the module docstring).

    ``driver`` None: the graph is switched off, which is ``GraphUnavailable`` like a graph that is down (after the
    post is found: a bad request is a 4xx whatever the graph's state)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be a whole number between 1 and {MAX_LIMIT}", field="limit")
    post = get_or_404(db, Position, position_id, visible=plan_filter(db, principal), field="position_id")
    if driver is None:
        raise availability.mark_down("the talent graph is switched off (HCM_GRAPH__ENABLED=false)")
    post_role = position_roles(db, [post.id]).get(post.id)
    requirements = [req for _, req in requirements_of(db, post.id)]

    exclude = set(db.scalars(select(Nomination.employee_id).join(SuccessionPlan, SuccessionPlan.id == Nomination.plan_id)
                             .where(SuccessionPlan.position_id == post.id, Nomination.removed_at.is_(None))))
    exclude |= set(db.scalars(select(Employee.id).where(Employee.position_id == post.id)))
    # The search is asked for more than ``limit``: the people it returns who must be left out take no place.
    found = _search(driver, database, requirements, min(MAX_LIMIT, limit + len(exclude))) if requirements else []

    steps = {s.source: s for s in CareerGraph.from_db(db).into(post_role)} if post_role else {}
    stepping = _stepping(db, steps, exclude)
    by_key = {m.employee.key: m for m in found}
    people = {e.external_id: e for e in db.scalars(select(Employee).where(
        Employee.external_id.in_(list(by_key)), Employee.status == EmployeeStatus.ACTIVE))} if by_key else {}
    for e, _ in stepping.values():
        people[e.external_id] = e
    people = {k: e for k, e in people.items() if e.id not in exclude}

    levels = levels_in_db(db, [e.id for k, e in people.items() if k not in by_key],
                          skill_codes=[r.skill for r in requirements])
    posts = {p.id: p for p in db.scalars(select(Position).where(Position.id.in_(
        [e.position_id for e in people.values() if e.position_id is not None])))} if people else {}
    roles = position_roles(db, posts)

    predicted: dict[int, str] = {}
    models = readiness_models()
    for model in models:
        predicted = model(db, position_id=post.id, employee_ids=sorted(e.id for e in people.values()))
        if predicted:
            break

    out: list[tuple[tuple[Any, ...], Suggestion]] = []
    for key, e in people.items():
        match = by_key.get(key)
        if match is not None:
            gaps = list(match.skills)
            score = match.match
        else:
            gaps = [gap_of(r, levels.get(e.id, {}).get(r.skill)) for r in requirements]
            score = round(match_of(gaps), 6)
        step = steps.get(stepping[e.id][1]) if e.id in stepping else None
        reasons = []
        if requirements:
            met = [f"{g.name or g.skill} {g.have or 0}/{g.need}" for g in gaps if g.have]
            reasons.append(f"matches {_percent(score)} of the post's skills"
                           + (f" ({', '.join(met)})" if met else ""))
        if step is not None:
            reasons.append(f"their role {step.source} has a career step to {step.target}: "
                           + (f"taken {step.observed} times" if step.observed else
                              "allowed by the job architecture, nobody has taken it yet")
                           + (f" (median {step.median_months:g} months in the role)" if step.median_months else ""))
        readiness = predicted.get(e.id)
        if readiness is not None:
            reasons.append(f"predicted readiness: {READINESS_LABELS.get(readiness, readiness).lower()}")
        pos = posts.get(e.position_id) if e.position_id is not None else None
        suggestion = Suggestion(
            employee=person_out(e), position=post_out(pos, roles.get(pos.id)) if pos is not None else None,
            match=score if requirements else None,
            skills=[SuggestedSkill(code=g.skill, name=g.name, required_level=g.need, importance=g.importance,
                                   level=g.have, gap=g.gap) for g in gaps],
            step=StepReason(from_role=step.source, to_role=step.target, kind=step.kind, observed=step.observed,
                            median_months=step.median_months) if step is not None else None,
            predicted_readiness=readiness, reasons=reasons)
        order = (readiness != "ready_now", -score, -step.observed if step is not None else 1, key)
        out.append((order, suggestion))
    out.sort(key=lambda x: x[0])
    return SuggestionsOut(position=post_out(post, post_role), requirements=len(requirements),
                          suggestions=[s for _, s in out[:limit]], predicted_readiness=bool(predicted))

