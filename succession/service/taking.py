"""What it takes: for each nominee on a key post's slate, what stands between them and ready-now, and a development
action made from any of those gaps in one click (docs/succession.md "What it takes").

- **Skills**: the post's requirements (``PositionSkill``) against the nominee's effective proficiency, the talent
  graph's rule and function (``graph.queries.common.effective_levels``: assessment, then manager, then self) and
  its gap and match (``gap_of``, ``match_of``), read here from the database.
- **Experience**: the roles (job family x grade) on the best path of career steps from the nominee's role to the
  post's, that they have never held. The steps are ``graph.careers.career_steps(session)``, derived from the
  database (the very rows the graph's CAREER_STEP edges are written from), so this works when the graph is down;
  the path is ``graph.queries.best_paths`` (the graph's path rule without a person: the best-trodden path, then
  the fewest steps).
- **Performance**: the post's bar (``BAR_RATING``, ``BAR_SCORE``) against the latest final performance rating
  (``performance.service.ratings.latest_approved``) and the latest computed score (``performance.service.units``)
  of the periods ended by the day asked.
- **Estimate**: the steps' median months along the path, less the time already spent in the current role.
"""

from __future__ import annotations

import statistics
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from graph.careers import DAYS_PER_MONTH, career_steps
from graph.queries import MAX_PATH_STEPS, best_paths
from graph.queries.careers import Step as PathStep
from graph.queries.common import Requirement, effective_levels, gap_of, match_of
from hcm.clock import today
from hcm.db import get_or_404
from hcm.errors import Conflict, Invalid
from hcm.org.events import role_key
from hcm.org.models import (
    Assignment,
    Employee,
    EmployeeSkill,
    EmployeeStatus,
    Grade,
    JobFamily,
    Position,
    PositionSkill,
    Skill,
    job_family_relations,
)
from hcm.outbox import OutboxEvent
from hcm.policy import Principal
from performance.models import Period, RatingKind
from performance.service import units
from performance.service.calibration import rating_bucket
from performance.service.ninebox import SCORE_MEDIUM_FROM
from performance.service.ratings import latest_approved
from succession.models import (
    ActionStatus,
    DevelopmentAction,
    GapKind,
    Nomination,
    SuccessionPlan,
)
from succession.policy import plan_filter
from succession.schemas import ActionIn, ActionOut
from succession.schemas_analysis import (
    ActionDraft,
    CandidateOut,
    EstimateOut,
    ExperienceOut,
    PathStepOut,
    PerformanceOut,
    PersonOut,
    PostOut,
    RoleGapOut,
    SkillGapOut,
    WhatItTakesOut,
)
from succession.service import actions

# The post's performance bar: "meets" on the 1..5 scale (the final rating rounded half up, as calibration and the
# 9-box count it), and a computed score no lower than the 9-box's "medium" band (100 = on target).
BAR_RATING = 3
BAR_SCORE = SCORE_MEDIUM_FROM
# A step nobody has taken yet has no median: it counts as the median of the observed steps' medians, or this
# many months when nobody has taken any step at all.
DEFAULT_STEP_MONTHS = 24.0
# A development action is due when the estimate says the nominee is ready, but never sooner than this, and this
# far ahead when there is no estimate.
MIN_ACTION_MONTHS = 3.0
NO_ESTIMATE_MONTHS = 12.0
MAX_MANAGER_LEVELS = 50  # posts walked up to find someone holding one (a vacant boss post is skipped)


# --- shared with the suggestions -----------------------------------------------------------------------
def post_out(post: Position, role: str | None) -> PostOut:
    return PostOut(id=post.id, code=post.code, title=post.title, is_key=bool(post.is_key), role=role)


def person_out(e: Employee) -> PersonOut:
    return PersonOut(id=e.id, external_id=e.external_id, name=e.full_name)


def position_roles(db: Session, position_ids: Iterable[int]) -> dict[int, str]:
    """position id -> its role key (job family x grade), for the posts that have both."""
    wanted = sorted(set(position_ids))
    out: dict[int, str] = {}
    for lo in range(0, len(wanted), 5000):
        for pid, family, grade in db.execute(
                select(Position.id, JobFamily.code, Grade.code)
                .join(JobFamily, JobFamily.id == Position.job_family_id).join(Grade, Grade.id == Position.grade_id)
                .where(Position.id.in_(wanted[lo:lo + 5000]))):
            key = role_key(family, grade)
            if key is not None:
                out[pid] = key
    return out


@dataclass(frozen=True)
class CareerGraph:
    """The career steps (``graph.careers.career_steps``) ready for the path search."""

    steps: list[PathStep]
    fallback_months: float  # what a step without a median counts

    @classmethod
    def derive(cls, db: Session) -> CareerGraph:
        steps = [PathStep(s.source, s.target, s.kind, s.observed, s.median_months) for s in career_steps(db)]
        medians = [s.median_months for s in steps if s.median_months is not None]
        return cls(steps, round(statistics.median(medians), 1) if medians else DEFAULT_STEP_MONTHS)

    @classmethod
    def from_db(cls, db: Session) -> CareerGraph:
        """``derive``, kept per database while what it is derived from stays the same (``career_inputs``):
        deriving reads every assignment (seconds at 100,000 employees); the fingerprint costs a few aggregates."""
        key = str(db.get_bind().engine.url)
        mark = career_inputs(db)
        with _cache_lock:
            cached = _cache.get(key)
        if cached is not None and cached[0] == mark:
            return cached[1]
        graph = cls.derive(db)
        with _cache_lock:
            _cache[key] = (mark, graph)
        return graph

    def into(self, role: str) -> list[PathStep]:
        """The steps that lead to ``role`` (one per source role)."""
        return [s for s in self.steps if s.target == role and s.source != role]


_cache: dict[str, tuple[tuple[Any, ...], CareerGraph]] = {}
_cache_lock = threading.Lock()
CAREER_TOPICS = ("career_history", "position", "job_family", "grade")


def career_inputs(db: Session) -> tuple[Any, ...]:
    """A fingerprint of everything ``career_steps`` reads, from a few cheap aggregates: the assignments (added, never
    edited, but by an import that replaces a history, which emits ``career_history`` like every change of one), the
    posts' families and grades, the grades' levels, the families and their relations, and the newest outbox event
    of the topics that announce a change of any of them. The newest rows' own times (``utcnow``) are part of it,
    so a row rolled back and written again under the same id still changes it."""
    newest = select(func.max(Assignment.id)).scalar_subquery()
    a = db.execute(select(func.count(), func.max(Assignment.id),
                          select(Assignment.created_at).where(Assignment.id == newest).scalar_subquery())).one()
    p = db.execute(select(func.count(), func.max(Position.id), func.max(Position.updated_at))).one()
    g = db.execute(select(func.count(), func.max(Grade.id), func.sum(Grade.level))).one()
    f = db.execute(select(func.count(), func.max(JobFamily.id))).one()
    rel = job_family_relations.c
    r = db.execute(select(func.count(), func.sum(rel.family_id), func.sum(rel.related_id))).one()
    o = db.execute(select(OutboxEvent.id, OutboxEvent.created_at).where(OutboxEvent.topic.in_(CAREER_TOPICS))
                   .order_by(OutboxEvent.id.desc()).limit(1)).first()
    return (*a, *p, *g, *f, *r, *(o or (None, None)))


def requirements_of(db: Session, position_id: int) -> list[tuple[int, Requirement]]:
    """The post's required skills as (skill id, the graph's ``Requirement`` with the skill's code), by code."""
    rows = db.execute(select(Skill.id, Skill.code, Skill.name, PositionSkill.required_level, PositionSkill.importance)
                      .join(Skill, Skill.id == PositionSkill.skill_id)
                      .where(PositionSkill.position_id == position_id).order_by(Skill.code))
    return [(sid, Requirement(code, name, level, str(importance))) for sid, code, name, level, importance in rows]


# --- the nominees' facts ---------------------------------------------------------------------------------
@dataclass
class _History:
    roles_held: set[str] = field(default_factory=set)
    role: str | None = None  # the role of the stay that is open now
    since: date | None = None  # the first day in that role


def _histories(db: Session, employee_ids: list[int]) -> dict[int, _History]:
    """Per person, the roles they have held and since when they have been in their current one (the stay in a
    role starts at its first day, however many posts of it they held: the career steps' own counting)."""
    out: dict[int, _History] = {e: _History() for e in employee_ids}
    rows = db.execute(
        select(Assignment.employee_id, Assignment.start_date, JobFamily.code, Grade.code)
        .outerjoin(Position, Position.id == Assignment.position_id)
        .outerjoin(JobFamily, JobFamily.id == Position.job_family_id)
        .outerjoin(Grade, Grade.id == Position.grade_id)
        .where(Assignment.employee_id.in_(employee_ids))
        .order_by(Assignment.employee_id, Assignment.start_date, Assignment.id))
    for emp, start, family, grade in rows:
        h = out[emp]
        role = role_key(family, grade)
        if role is not None:
            h.roles_held.add(role)
        if role != h.role:  # an exit, or a post without a role, ends the stay in a role too
            h.role, h.since = role, start if role is not None else None
    return out


def _levels(db: Session, employee_ids: list[int], skill_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per person, skill code -> effective level (the graph's rule, over every source the database holds)."""
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if skill_ids:
        for emp, code, source, level in db.execute(
                select(EmployeeSkill.employee_id, Skill.code, EmployeeSkill.source, EmployeeSkill.level)
                .join(Skill, Skill.id == EmployeeSkill.skill_id)
                .where(EmployeeSkill.employee_id.in_(employee_ids), EmployeeSkill.skill_id.in_(skill_ids))):
            rows[emp].append({"skill": code, "source": str(source), "level": level})
    return {e: effective_levels(rows[e]) for e in employee_ids}


def latest_performance(db: Session, employee_ids: list[int], as_of: date) -> dict[int, dict[str, Any]]:
    """Per person, the final performance rating and the computed score of the latest period ended by ``as_of``
    that has one for them (a year before its own last quarter when both end that day), with the periods' codes."""
    out: dict[int, dict[str, Any]] = {e: {"rating": None, "rating_period": None, "score": None, "score_period": None}
                                      for e in employee_ids}
    periods = db.scalars(select(Period).where(Period.end_date <= as_of)
                         .order_by(Period.end_date.desc(), Period.start_date, Period.id)).all()
    rated: set[int] = set()
    scored: set[int] = set()
    for period in periods:
        if len(rated) < len(employee_ids):
            wanted = [e for e in employee_ids if e not in rated]
            fin = latest_approved(period.id, RatingKind.PERFORMANCE, employee_ids=wanted)
            for emp, value in db.execute(select(fin.c.employee_id, fin.c.value)):
                out[emp].update(rating=float(value), rating_period=period.code)
                rated.add(emp)
        if len(scored) < len(employee_ids):
            wanted = [e for e in employee_ids if e not in scored]
            sub = units.scores(period, "employee", ids=wanted)
            for emp, score in db.execute(select(sub.c.unit_id, sub.c.score).where(sub.c.score.is_not(None))):
                if emp in out and emp not in scored:
                    out[emp].update(score=round(float(score), 2), score_period=period.code)
                    scored.add(emp)
        if len(rated) == len(scored) == len(employee_ids):
            break
    return out


def managers_of(db: Session, position_ids: Iterable[int]) -> dict[int, Employee | None]:
    """position id -> the holder of the nearest post above it that someone (active) holds, or None."""
    boss_of = aliased(Position)
    out: dict[int, Employee | None] = {}
    frontier: dict[int, int] = {}  # start post -> the post whose boss is looked at next
    for pid in set(position_ids):
        frontier[pid] = pid
    for _ in range(MAX_MANAGER_LEVELS):
        if not frontier:
            break
        rows = db.execute(select(Position.id, boss_of.id, Employee)
                          .join(boss_of, boss_of.id == Position.reports_to_id)
                          .outerjoin(Employee, and_(Employee.position_id == boss_of.id,
                                                    Employee.status == EmployeeStatus.ACTIVE))
                          .where(Position.id.in_(set(frontier.values())))).all()
        up = {pid: (boss, holder) for pid, boss, holder in rows}
        nxt: dict[int, int] = {}
        for start, at in frontier.items():
            if at not in up:
                out[start] = None  # the top: nobody above
                continue
            boss, holder = up[at]
            if holder is not None:
                out[start] = holder
            else:
                nxt[start] = boss
        frontier = nxt
    for start in frontier:
        out[start] = None
    return out


# --- the answer ------------------------------------------------------------------------------------------
def _months(days: int) -> float:
    return days / DAYS_PER_MONTH


def _due(as_of: date, months: float | None) -> date:
    m = NO_ESTIMATE_MONTHS if months is None else max(MIN_ACTION_MONTHS, months)
    return as_of + timedelta(days=round(m * DAYS_PER_MONTH))


@dataclass
class _Context:
    """What every nominee of one post is measured against, read once."""

    post: Position
    post_role: str | None
    requirements: list[tuple[int, Requirement]]
    careers: CareerGraph
    as_of: date


def _context(db: Session, post: Position, as_of: date) -> _Context:
    return _Context(post=post, post_role=position_roles(db, [post.id]).get(post.id),
                    requirements=requirements_of(db, post.id), careers=CareerGraph.from_db(db), as_of=as_of)


def _experience(ctx: _Context, history: _History, current_role: str | None, months_in_role: float | None,
                owner: int | None) -> tuple[ExperienceOut, EstimateOut]:
    target = ctx.post_role
    held = sorted(history.roles_held | ({current_role} if current_role else set()))

    def none(note: str, reachable: bool | None) -> tuple[ExperienceOut, EstimateOut]:
        return (ExperienceOut(current_role=current_role, target_role=target, roles_held=held, reachable=reachable,
                              path=[], missing=[], note=note),
                EstimateOut(months=None, ready_by=None, months_in_role=months_in_role, estimated_steps=0))

    if target is None:
        return none("the post has no role (job family and grade): no career steps lead to it", None)
    if current_role is None:
        return none("the nominee holds no post with a role: no career steps start from them", None)
    path: tuple[PathStep, ...] = ()
    if current_role != target:
        found = best_paths(current_role, target, ctx.careers.steps, max_steps=MAX_PATH_STEPS, limit=1)
        if not found:
            return none(f"no path of at most {MAX_PATH_STEPS} career steps leads from {current_role} to {target}",
                        False)
        path = found[0]
    steps: list[PathStepOut] = []
    missing: list[RoleGapOut] = []
    total = 0.0
    estimated = 0
    for i, s in enumerate(path):
        base = s.median_months
        if base is None:
            base = ctx.careers.fallback_months
            estimated += 1
        if i == 0:
            months = max(0.0, base - (months_in_role or 0.0))
        elif s.source in history.roles_held:
            months = 0.0  # experience they already have
        else:
            months = base
        months = round(months, 1)
        total += months
        steps.append(PathStepOut(from_role=s.source, to_role=s.target, kind=s.kind, observed=s.observed,
                                 median_months=s.median_months, months=months))
        if s.target != target and s.target not in history.roles_held:
            due = round(total, 1)
            missing.append(RoleGapOut(role=s.target, observed=s.observed, due_in_months=due, action=ActionDraft(
                title=f"Gain experience as {s.target} (the step from {s.source} was taken {s.observed} times)",
                gap_kind=GapKind.EXPERIENCE, skill_id=None, target_level=None, target_role=s.target,
                owner_employee_id=owner, due_date=_due(ctx.as_of, due))))
    total = round(total, 1)
    return (ExperienceOut(current_role=current_role, target_role=target, roles_held=held, reachable=True,
                          path=steps, missing=missing, note=None),
            EstimateOut(months=total, ready_by=ctx.as_of + timedelta(days=round(total * DAYS_PER_MONTH)),
                        months_in_role=months_in_role, estimated_steps=estimated))


def _performance(facts: dict[str, Any], owner: int | None, due: date) -> PerformanceOut:
    rating, score = facts["rating"], facts["score"]
    below = []
    if rating is not None and rating_bucket(rating) < BAR_RATING:
        below.append(f"the latest final rating {rating:g} ({facts['rating_period']}) is below {BAR_RATING}")
    if score is not None and score < BAR_SCORE:
        below.append(f"the latest score {score:g} ({facts['score_period']}) is below {BAR_SCORE:g}")
    meets = None if rating is None and score is None else not below
    action = None
    if below:
        action = ActionDraft(title="Lift performance to the post's bar: " + "; ".join(below),
                             gap_kind=GapKind.PERFORMANCE, skill_id=None, target_level=None, target_role=None,
                             owner_employee_id=owner, due_date=due)
    return PerformanceOut(rating=rating, rating_period=facts["rating_period"], score=score,
                          score_period=facts["score_period"], bar_rating=BAR_RATING, bar_score=BAR_SCORE,
                          meets_bar=meets, below=below, action=action)


def _candidates(db: Session, ctx: _Context, nominations: list[Nomination]) -> list[CandidateOut]:
    if not nominations:
        return []
    ids = [n.employee_id for n in nominations]
    people = {e.id: e for e in db.scalars(select(Employee).where(Employee.id.in_(ids)))}
    held = [p for p in (people[i].position_id for i in ids) if p is not None]
    posts = {p.id: p for p in db.scalars(select(Position).where(Position.id.in_(held)))} if held else {}
    roles = position_roles(db, held)
    managers = managers_of(db, held)
    histories = _histories(db, ids)
    levels = _levels(db, ids, [sid for sid, _ in ctx.requirements])
    perf = latest_performance(db, ids, ctx.as_of)
    out = []
    for n in nominations:
        e = people[n.employee_id]
        pos = posts.get(e.position_id) if e.position_id is not None else None
        current_role = roles.get(pos.id) if pos is not None else None
        manager = managers.get(pos.id) if pos is not None else None
        owner = manager.id if manager is not None else None
        history = histories[e.id]
        in_role = (round(_months((ctx.as_of - history.since).days), 1)
                   if history.since is not None and history.role == current_role and current_role is not None
                   else None)
        experience, estimate = _experience(ctx, history, current_role, in_role, owner)
        due = _due(ctx.as_of, estimate.months)
        gaps = [(sid, gap_of(req, levels[e.id].get(req.skill))) for sid, req in ctx.requirements]
        skills = [SkillGapOut(
            skill_id=sid, code=g.skill, name=g.name or g.skill, required_level=g.need, importance=g.importance,
            level=g.have, gap=g.gap, action=ActionDraft(
                title=f"Raise {g.name or g.skill} from {g.have or 0} to {g.need} ({g.importance} importance)",
                gap_kind=GapKind.SKILL, skill_id=sid, target_level=g.need, target_role=None,
                owner_employee_id=owner, due_date=due)) for sid, g in gaps if g.gap > 0]
        performance = _performance(perf[e.id], owner, due)
        out.append(CandidateOut(
            nomination_id=n.id, rank=n.rank, readiness=n.readiness, employee=person_out(e),
            position=post_out(pos, current_role) if pos is not None else None,
            manager=person_out(manager) if manager is not None else None,
            match=round(match_of([g for _, g in gaps]), 6), skills=skills, experience=experience,
            performance=performance, estimate=estimate,
            gaps=len(skills) + len(experience.missing) + (1 if performance.action is not None else 0)))
    return out


def _active_nominations(db: Session, position_id: int) -> list[Nomination]:
    """The slate: the active nominations of the post's plan whose nominee has not left, by rank."""
    return list(db.scalars(
        select(Nomination).join(SuccessionPlan, SuccessionPlan.id == Nomination.plan_id)
        .join(Employee, Employee.id == Nomination.employee_id)
        .where(SuccessionPlan.position_id == position_id, Nomination.removed_at.is_(None),
               Employee.status == EmployeeStatus.ACTIVE)
        .order_by(Nomination.rank, Nomination.id)))


def what_it_takes(db: Session, *, principal: Principal, position_id: int, as_of: date | None = None) -> WhatItTakesOut:
    """Every nominee on the post's slate with what stands between them and ready-now. A post without a plan has
    nobody on its slate. The post must be among the plans the caller sees (``plan_filter``): else 404."""
    post = get_or_404(db, Position, position_id, visible=plan_filter(db, principal), field="position_id")
    day = as_of or today()
    ctx = _context(db, post, day)
    return WhatItTakesOut(position=post_out(post, ctx.post_role), as_of=day, requirements=len(ctx.requirements),
                          candidates=_candidates(db, ctx, _active_nominations(db, post.id)))


def _nomination(db: Session, principal: Principal, nomination_id: int) -> tuple[Nomination, Position]:
    visible = Nomination.plan_id.in_(select(SuccessionPlan.id).where(
        SuccessionPlan.position_id.in_(select(Position.id).where(plan_filter(db, principal)))))
    nomination = get_or_404(db, Nomination, nomination_id, visible=visible, field="nomination_id")
    if nomination.removed_at is not None:
        raise Conflict(f"nomination_id={nomination_id} was removed from its slate: it has no gaps to act on",
                       field="nomination_id")
    plan = db.get(SuccessionPlan, nomination.plan_id)
    assert plan is not None
    post = db.get(Position, plan.position_id)
    assert post is not None
    return nomination, post


def nominee_what_it_takes(db: Session, *, principal: Principal, nomination_id: int,
                          as_of: date | None = None) -> CandidateOut:
    """One nominee's "what it takes" (the nomination must be active and its nominee not have left)."""
    nomination, post = _nomination(db, principal, nomination_id)
    person = db.get(Employee, nomination.employee_id)
    if person is None or person.status is not EmployeeStatus.ACTIVE:
        raise Conflict(f"nomination_id={nomination_id}: the nominee has left", field="nomination_id")
    return _candidates(db, _context(db, post, as_of or today()), [nomination])[0]


def _draft(candidate: CandidateOut, gap_kind: str, skill_id: int | None, target_role: str | None) -> ActionDraft:
    if gap_kind == GapKind.SKILL:
        if skill_id is None:
            raise Invalid("a skill gap is named by its skill_id", field="skill_id")
        found = next((g for g in candidate.skills if g.skill_id == skill_id), None)
        if found is None:
            raise Invalid(f"skill_id={skill_id} is no gap of this nominee: the post does not require it or they "
                          "meet the level", field="skill_id")
        return found.action
    if gap_kind == GapKind.EXPERIENCE:
        if target_role is None:
            raise Invalid("an experience gap is named by its target_role", field="target_role")
        role = next((g for g in candidate.experience.missing if g.role == target_role), None)
        if role is None:
            raise Invalid(f"target_role={target_role!r} is no role this nominee still lacks on the way to the post",
                          field="target_role")
        return role.action
    if gap_kind == GapKind.PERFORMANCE:
        if candidate.performance.action is None:
            raise Invalid("the nominee's performance is not below the post's bar", field="gap_kind")
        return candidate.performance.action
    raise Invalid("gap_kind must be skill, experience or performance", field="gap_kind")


def create_action_from_gap(db: Session, *, principal: Principal, nomination_id: int, gap_kind: str,
                           skill_id: int | None = None, target_role: str | None = None,
                           as_of: date | None = None) -> ActionOut:
    """A development action made from one gap of the nominee's "what it takes", as its draft says (title, kind,
    skill and target level or role, the nominee's manager as owner, due when the estimate says they are ready).

    The gap is worked out again here, not taken from the caller: a gap that is not (or no longer) there is a 422
    naming the field; an open action (planned or in progress) that answers the same gap is a 409."""
    candidate = nominee_what_it_takes(db, principal=principal, nomination_id=nomination_id, as_of=as_of)
    draft = _draft(candidate, gap_kind, skill_id, target_role)
    nomination, post = _nomination(db, principal, nomination_id)
    same = db.scalar(select(DevelopmentAction.id).where(
        DevelopmentAction.nomination_id == nomination.id, DevelopmentAction.gap_kind == draft.gap_kind,
        DevelopmentAction.status.in_((ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)),
        DevelopmentAction.skill_id.is_(None) if draft.skill_id is None else DevelopmentAction.skill_id == draft.skill_id,
        DevelopmentAction.target_role.is_(None) if draft.target_role is None
        else DevelopmentAction.target_role == draft.target_role))
    if same is not None:
        raise Conflict(f"development action {same} already answers this gap and is still open", field="gap_kind")
    return actions.create_action(db, principal=principal, position_id=post.id, employee_id=nomination.employee_id,
                                 data=ActionIn(**draft.model_dump()))
