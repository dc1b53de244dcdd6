"""The key-post register: every active position with its criticality, and HR's decisions to set, confirm or
withdraw a key post (docs/succession.md "Key-post register").

Criticality is the weighted mean of eight factors, each normalised to 0..1 (``WEIGHTS``; a factor that is not
known is left out and the others' weights scaled up to one):

impact
- ``level``: the post's grade level, min-max over the grade levels of the active posts (all equal: 0).
- ``span``: the active people in the post's reporting subtree (below it, any depth), ``log(1 + span) /
  log(N)`` with N the active people holding a post (N - 1 is the chief executive's span in a company of one
  reporting tree): the chief executive's post is 1, a post nobody reports to is 0.
- ``goals``: the share of the company goals carried by the goals of the post's department and the departments
  below it, in the latest period (started by the as-of date) that has company goals: each company goal counts
  ``1 / N`` (the company score is their plain mean) and passes to each supporting department goal its link
  weight (percent). The root department carries everything (1); process goals are not counted.
difficulty to replace
- ``scarcity``: per required skill, ``1 / (1 + others)`` where ``others`` are the active people other than the
  holder whose effective proficiency (the most trusted source: assessment, manager, self) is at the required
  level or above; the importance-weighted mean over the requirements (low 1, medium 2, high 3). No requirements:
  not known.
- ``time_to_fill``: the mean vacancy of the post in its assignment history (the days from a holder's last day to
  the next holder's first; an immediate successor is 0 days), ``min(1, days / TIME_TO_FILL_CAP_DAYS)``. A post
  that was never refilled takes the company's mean vacancy (the raw value says which).
vacancy risk (a vacant post has none to weigh: the three are not known)
- ``flight_risk``: the holder's predicted flight risk, once the models exist (``flight_risks``: None today).
- ``retirement``: 1 from ``RETIREMENT_AGE``, rising linearly over the ``RETIREMENT_WINDOW_YEARS`` before it
  (age = the as-of year minus the birth year); no birth year: not known.
- ``time_in_post``: years in the post (since the start of the holder's open assignment on it, else the hire
  date), ``min(1, years / TIME_IN_POST_CAP_YEARS)``: the longer in post, the nearer the next move.

Everything is read set-wise (one aggregate per factor, whatever the number of posts), then weighted in Python:
a page of the register sorted by criticality needs every post's score.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from hcm import clock
from hcm.auth.models import User
from hcm.db import get_or_404
from hcm.errors import Conflict, Invalid, NotFound
from hcm.org.models import (
    Assignment,
    Department,
    Employee,
    EmployeeSkill,
    EmployeeStatus,
    Grade,
    Importance,
    Position,
    PositionSkill,
    Skill,
    SkillSource,
)
from hcm.org.queries import department_subtree_ids
from hcm.org.rules import SOURCE_TRUST
from hcm.org.service import department_parents
from hcm.paging import Page, check_page
from hcm.policy import Principal, subtree_position_ids
from performance.models import Goal, GoalLevel, GoalLink, Period
from succession.models import KeyPostDecision, Nomination, SuccessionPlan
from succession.schemas_register import (
    Criticality,
    DecisionOut,
    Factor,
    RegisterDetail,
    RegisterRow,
    RegisterSort,
    SkillScarcity,
)
from succession.service import keyposts

WEIGHTS: dict[str, float] = {
    "level": 0.15, "span": 0.15, "goals": 0.10,  # impact 0.40
    "scarcity": 0.20, "time_to_fill": 0.10,  # difficulty to replace 0.30
    "flight_risk": 0.10, "retirement": 0.10, "time_in_post": 0.10,  # vacancy risk 0.30
}
GROUPS: dict[str, str] = {"level": "impact", "span": "impact", "goals": "impact", "scarcity": "difficulty",
                          "time_to_fill": "difficulty", "flight_risk": "vacancy_risk", "retirement": "vacancy_risk",
                          "time_in_post": "vacancy_risk"}
RETIREMENT_AGE = 65
RETIREMENT_WINDOW_YEARS = 5
TIME_TO_FILL_CAP_DAYS = 180
TIME_IN_POST_CAP_YEARS = 5
IMPORTANCE_WEIGHT = {Importance.LOW: 1, Importance.MEDIUM: 2, Importance.HIGH: 3}
SORTS: tuple[str, ...] = ("criticality", "code", "title", "level", "span", "department")


# --- shared measures (pools and bench use them too) -------------------------------------------------
def effective_levels(*, skill_ids: Any = None, active_only: bool = True) -> Any:
    """Per (employee, skill), the level of the most trusted source the person has (assessment, then manager,
    then self: docs/graph.md "Effective proficiency"), as a select of ``employee_id, skill_id, level`` (make it a
    subquery or a CTE). One grouped aggregate: the trust is the tens of ``trust * 10 + level``, so its maximum
    carries the level."""
    trust = case({source: len(SOURCE_TRUST) - i for i, source in enumerate(SOURCE_TRUST)},
                 value=EmployeeSkill.source, else_=0)
    best = func.max(trust * 10 + EmployeeSkill.level)
    stmt = select(EmployeeSkill.employee_id, EmployeeSkill.skill_id, (best % 10).label("level"))
    if active_only:
        stmt = stmt.join(Employee, and_(Employee.id == EmployeeSkill.employee_id,
                                        Employee.status == EmployeeStatus.ACTIVE))
    if skill_ids is not None:
        stmt = stmt.where(EmployeeSkill.skill_id.in_(skill_ids))
    return stmt.group_by(EmployeeSkill.employee_id, EmployeeSkill.skill_id)


def age_on(birth_year: int | None, as_of: date) -> int | None:
    """Age by the birth year alone: the age reached during the as-of year."""
    return None if birth_year is None else as_of.year - birth_year


def days_between(db: Session, start: Any, end: Any) -> Any:
    """``end - start`` in days, as an SQL expression (dates: PostgreSQL subtracts them, SQLite through julianday)."""
    if db.get_bind().dialect.name == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return cast(end - start, Float)


# --- the factors ------------------------------------------------------------------------------------
@dataclass
class PostFacts:
    """What the register reads about one post, before weighting."""

    position_id: int
    code: str
    title: str
    department_id: int
    department_name: str
    grade_level: int | None
    is_key: bool
    holder_id: int | None
    holder_name: str | None
    birth_year: int | None
    in_post_since: date | None
    decided_at: Any
    span: int = 0
    goals: float | None = None
    scarcity: float | None = None
    requirements: int = 0
    vacancy_days: float | None = None
    vacancy_observed: bool = False
    flight_risk: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def flight_risks(db: Session, employee_ids: Iterable[int]) -> dict[int, float]:
    """The hook for the models' flight risk (0..1 per employee): no model yet, so nobody has one and the factor
    is left out of every score. When ``ml/`` writes scores back, read them here (one query for the ids)."""
    return {}


def _post_rows(db: Session, where: ColumnElement[bool]) -> list[PostFacts]:
    holder = aliased(Employee)
    since = (select(Assignment.employee_id, Assignment.position_id, func.max(Assignment.start_date).label("start"))
             .where(Assignment.end_date.is_(None), Assignment.position_id.is_not(None))
             .group_by(Assignment.employee_id, Assignment.position_id).subquery("since"))
    decided = (select(KeyPostDecision.position_id, func.max(KeyPostDecision.decided_at).label("at"))
               .group_by(KeyPostDecision.position_id).subquery("decided"))
    stmt = (
        select(Position.id, Position.code, Position.title, Position.department_id, Department.name, Grade.level,
               Position.is_key, holder.id, holder.first_name, holder.last_name, holder.birth_year,
               func.coalesce(since.c.start, holder.hire_date), decided.c.at)
        .join(Department, Department.id == Position.department_id)
        .outerjoin(Grade, Grade.id == Position.grade_id)
        .outerjoin(holder, and_(holder.position_id == Position.id, holder.status == EmployeeStatus.ACTIVE))
        .outerjoin(since, and_(since.c.employee_id == holder.id, since.c.position_id == Position.id))
        .outerjoin(decided, decided.c.position_id == Position.id)
        .where(Position.is_active.is_(True), where)
    )
    out = []
    for r in db.execute(stmt):
        out.append(PostFacts(position_id=r[0], code=r[1], title=r[2], department_id=r[3], department_name=r[4],
                             grade_level=r[5], is_key=bool(r[6]), holder_id=r[7],
                             holder_name=f"{r[8]} {r[9]}" if r[7] is not None else None, birth_year=r[10],
                             in_post_since=r[11] if r[7] is not None else None, decided_at=r[12]))
    return out


def spans(db: Session) -> dict[int, int]:
    """Per position, the active people holding the posts below it (any depth): the whole reporting tree read in
    one query and summed bottom-up."""
    held = (select(Employee.position_id).where(Employee.status == EmployeeStatus.ACTIVE,
                                               Employee.position_id.is_not(None)).subquery("held"))
    rows = db.execute(select(Position.id, Position.reports_to_id, held.c.position_id)
                      .outerjoin(held, held.c.position_id == Position.id)).all()
    parent = {pid: boss for pid, boss, _ in rows}
    has = {pid: int(h is not None) for pid, _, h in rows}
    children: dict[int | None, list[int]] = defaultdict(list)
    for pid, boss in parent.items():
        children[boss if boss in parent else None].append(pid)
    order: list[int] = []
    stack = list(children[None])
    while stack:  # parents before children; a post in a reporting cycle is never reached (and stays 0)
        pid = stack.pop()
        order.append(pid)
        stack.extend(children.get(pid, ()))
    below = dict.fromkeys(parent, 0)
    for pid in reversed(order):
        boss = parent[pid]
        if boss is not None and boss in below:
            below[boss] += below[pid] + has[pid]
    return below


def span_of(db: Session, position_id: int) -> int:
    """One post's span (the active people holding the posts below it), by the recursive subtree."""
    return db.scalar(select(func.count()).select_from(Employee).where(
        Employee.status == EmployeeStatus.ACTIVE, Employee.position_id.in_(subtree_position_ids(position_id)))) or 0


def largest_span(db: Session) -> int:
    """The span the normalisation divides by: the active people holding a post, less one (the span of a chief
    executive over everyone, which a company of one reporting tree has)."""
    held = db.scalar(select(func.count()).select_from(Employee).where(
        Employee.status == EmployeeStatus.ACTIVE, Employee.position_id.is_not(None))) or 0
    return max(0, held - 1)


def goals_period(db: Session, as_of: date, period_id: int | None = None) -> Period | None:
    """The period whose cascade weighs the departments: ``period_id``, else the latest started by ``as_of``
    that has company goals."""
    if period_id is not None:
        return get_or_404(db, Period, period_id, field="period_id")
    with_goals = select(Goal.period_id).where(Goal.level == GoalLevel.COMPANY)
    return db.scalars(select(Period).where(Period.id.in_(with_goals), Period.start_date <= as_of)
                      .order_by(Period.start_date.desc(), Period.id.desc()).limit(1)).first()


def department_goal_shares(db: Session, period: Period | None) -> dict[int, float]:
    """Per department, the share (0..1) of the company goals carried by its goals and its subtree's (see the
    module's docstring). Read from the cascade's tables, read-only (performance has no public measure of it)."""
    if period is None:
        return {}
    n = db.scalar(select(func.count()).select_from(Goal)
                  .where(Goal.period_id == period.id, Goal.level == GoalLevel.COMPANY)) or 0
    if not n:
        return {}
    child, parent = aliased(Goal), aliased(Goal)
    own = dict(db.execute(
        select(child.department_id, func.sum(GoalLink.weight))
        .join(child, child.id == GoalLink.child_goal_id)
        .join(parent, parent.id == GoalLink.parent_goal_id)
        .where(parent.period_id == period.id, parent.level == GoalLevel.COMPANY, child.level == GoalLevel.DEPARTMENT,
               child.department_id.is_not(None))
        .group_by(child.department_id)).all())
    parents = department_parents(db)
    share: dict[int, float] = dict.fromkeys(parents, 0.0)
    for dept, weight in own.items():
        seen: set[int] = set()
        d: int | None = dept
        while d is not None and d in share and d not in seen:  # the department and every one above it
            seen.add(d)
            share[d] += float(weight) / 100.0 / n
            d = parents.get(d)
    return {d: min(1.0, s) for d, s in share.items()}


LEVELS = (1, 2, 3, 4, 5)
FEW_SKILLS = 30


def _holder_level(holder_id: Any, skill_id: Any) -> Any:
    """The effective level of one person in one skill (a correlated lookup on the (employee, skill, source) key)."""
    es = aliased(EmployeeSkill)
    trust = case((es.source == SkillSource.ASSESSMENT, 3), (es.source == SkillSource.MANAGER, 2), else_=1)
    return (select(func.max(trust * 10 + es.level) % 10)
            .where(es.employee_id == holder_id, es.skill_id == skill_id).scalar_subquery())


def _scarcity_rows(db: Session, where: ColumnElement[bool]) -> Any:
    """Per requirement of the posts ``where`` keeps: the active people other than the holder at the level.

    The effective levels of the required skills are aggregated once into a small table (per skill and level
    1..5: the people at that level or above), joined to the requirements; the holder's own level is a lookup.
    A few posts (one entry, a decision) require few skills: only those skills' holders are read (by the skill's
    index); many posts require most skills, and reading every skill at once is then the cheaper plan."""
    skills = list(db.scalars(select(PositionSkill.skill_id).distinct()
                             .join(Position, Position.id == PositionSkill.position_id)
                             .where(where).limit(FEW_SKILLS + 1)))
    eff = effective_levels(skill_ids=skills if len(skills) <= FEW_SKILLS else None).subquery("eff")
    per_level = (select(eff.c.skill_id, eff.c.level, func.count().label("n"))
                 .group_by(eff.c.skill_id, eff.c.level).subquery("per_level"))
    levels = union_all(*(select(literal(lv).label("level")) for lv in LEVELS)).subquery("levels")
    at_least = (select(per_level.c.skill_id, levels.c.level, func.sum(per_level.c.n).label("n"))
                .join(levels, per_level.c.level >= levels.c.level)
                .group_by(per_level.c.skill_id, levels.c.level).subquery("at_least"))
    holder = aliased(Employee)
    ps = PositionSkill
    holder_has = case((_holder_level(holder.id, ps.skill_id) >= ps.required_level, 1), else_=0)
    return (
        select(ps.position_id, ps.skill_id, ps.required_level, ps.importance,
               (func.coalesce(at_least.c.n, 0) - holder_has).label("others"))
        .join(Position, Position.id == ps.position_id)
        .outerjoin(at_least, and_(at_least.c.skill_id == ps.skill_id, at_least.c.level == ps.required_level))
        .outerjoin(holder, and_(holder.position_id == ps.position_id, holder.status == EmployeeStatus.ACTIVE))
        .where(Position.is_active.is_(True), where)
    )


def _scarcity(db: Session, where: ColumnElement[bool]) -> dict[int, tuple[float, int]]:
    """Per post: (the importance-weighted mean of 1 / (1 + others), the number of requirements)."""
    req = _scarcity_rows(db, where).subquery("req")
    w = case((req.c.importance == Importance.HIGH, 3.0), (req.c.importance == Importance.LOW, 1.0), else_=2.0)
    rows = db.execute(select(req.c.position_id, func.sum(w / (req.c.others + 1.0)) / func.sum(w), func.count())
                      .group_by(req.c.position_id))
    return {pid: (float(s), int(n)) for pid, s, n in rows}


def _vacancies(db: Session, where: ColumnElement[bool] | None) -> Any:
    """Every observed vacancy (days from one holder's end to the next holder's start on the same post)."""
    nxt = func.lead(Assignment.start_date).over(partition_by=Assignment.position_id,
                                                order_by=(Assignment.start_date, Assignment.id))
    stays = select(Assignment.position_id, Assignment.end_date, nxt.label("next_start")) \
        .where(Assignment.position_id.is_not(None))
    if where is not None:
        stays = stays.where(Assignment.position_id.in_(select(Position.id).where(where)))
    s = stays.subquery("stays")
    gap = days_between(db, s.c.end_date, s.c.next_start)
    return (select(s.c.position_id, case((gap < 0, 0.0), else_=gap).label("days"))
            .where(s.c.end_date.is_not(None), s.c.next_start.is_not(None)).subquery("vacancies"))


def _time_to_fill(db: Session, where: ColumnElement[bool]) -> dict[int, float]:
    mine = _vacancies(db, where)
    return {pid: float(d) for pid, d in db.execute(
        select(mine.c.position_id, func.avg(mine.c.days)).group_by(mine.c.position_id))}


def company_vacancy_days(db: Session) -> float | None:
    """The mean of every observed vacancy in the company (the time to fill of a post never refilled)."""
    every = _vacancies(db, None)
    company = db.scalar(select(func.avg(every.c.days)))
    return float(company) if company is not None else None


def _grade_range(db: Session) -> tuple[int | None, int | None]:
    lo, hi = db.execute(select(func.min(Grade.level), func.max(Grade.level))
                        .join(Position, Position.grade_id == Grade.id).where(Position.is_active.is_(True))).one()
    return lo, hi


def _facts(db: Session, where: ColumnElement[bool], *, as_of: date, period_id: int | None) -> tuple[
        list[PostFacts], dict[str, Any]]:
    posts = _post_rows(db, where)
    if not posts:
        return [], {}
    span = spans(db) if len(posts) > 1 else {posts[0].position_id: span_of(db, posts[0].position_id)}
    period = goals_period(db, as_of, period_id)
    shares = department_goal_shares(db, period)
    scarce = _scarcity(db, where)
    fill = _time_to_fill(db, where)
    company_fill = company_vacancy_days(db) if any(p.position_id not in fill for p in posts) else None
    risks = flight_risks(db, [p.holder_id for p in posts if p.holder_id is not None])
    for p in posts:
        p.span = span.get(p.position_id, 0)
        p.goals = shares.get(p.department_id) if shares else None
        if p.position_id in scarce:
            p.scarcity, p.requirements = scarce[p.position_id]
        p.vacancy_observed = p.position_id in fill
        p.vacancy_days = fill.get(p.position_id, company_fill)
        p.flight_risk = risks.get(p.holder_id) if p.holder_id is not None else None
    lo, hi = _grade_range(db)
    context = {"max_span": largest_span(db), "grade_min": lo, "grade_max": hi,
               "period": period.code if period is not None else None, "company_vacancy_days": company_fill}
    return posts, context


def _clamp(x: float) -> float:
    return max(0.0, min(1.0, x))


Measure = tuple[float | None, float | None]  # (the normalised value 0..1 or None, the raw measure)
FACTOR_KEYS = tuple(WEIGHTS)


def measures(p: PostFacts, context: dict[str, Any], as_of: date) -> dict[str, Measure]:
    """One post's factors, normalised (the module's docstring says how), without the words: cheap enough for
    every post of the company, so the register can sort and filter all of them before it explains one page."""
    out: dict[str, Measure] = {}
    lo, hi = context.get("grade_min"), context.get("grade_max")
    if p.grade_level is None or lo is None or hi is None:
        out["level"] = (None, None)
    else:
        out["level"] = (0.0 if hi == lo else _clamp((p.grade_level - lo) / (hi - lo)), float(p.grade_level))
    max_span = context.get("max_span") or 0
    out["span"] = (math.log1p(p.span) / math.log1p(max_span) if max_span else 0.0, float(p.span))
    out["goals"] = (None, None) if p.goals is None else (_clamp(p.goals), p.goals)
    out["scarcity"] = (None, None) if p.scarcity is None else (_clamp(p.scarcity), p.scarcity)
    out["time_to_fill"] = ((None, None) if p.vacancy_days is None else
                           (_clamp(p.vacancy_days / TIME_TO_FILL_CAP_DAYS), p.vacancy_days))
    if p.holder_id is None:
        out["flight_risk"] = out["retirement"] = out["time_in_post"] = (None, None)
        return out
    out["flight_risk"] = (None, None) if p.flight_risk is None else (_clamp(p.flight_risk), p.flight_risk)
    age = age_on(p.birth_year, as_of)
    if age is None:
        out["retirement"] = (None, None)
    else:
        left = RETIREMENT_AGE - age
        out["retirement"] = (_clamp(1 - left / RETIREMENT_WINDOW_YEARS), float(left))
    if p.in_post_since is None:
        out["time_in_post"] = (None, None)
    else:
        years = max(0.0, (as_of - p.in_post_since).days / 365.25)
        out["time_in_post"] = (_clamp(years / TIME_IN_POST_CAP_YEARS), round(years, 2))
    return out


def weighted(values: dict[str, Measure], keys: Iterable[str] = FACTOR_KEYS) -> float | None:
    """The weighted mean of the known factors among ``keys`` (None when none is known)."""
    total = acc = 0.0
    for k in keys:
        v = values[k][0]
        if v is not None:
            total += WEIGHTS[k]
            acc += WEIGHTS[k] * v
    return acc / total if total else None


def score_of(values: dict[str, Measure]) -> float | None:
    """The criticality score, 0..100 to one decimal."""
    s = weighted(values)
    return None if s is None else round(100 * s, 1)


def _note(key: str, raw: float | None, p: PostFacts, context: dict[str, Any]) -> str:
    if key == "level":
        return "no grade" if raw is None else \
            f"grade level {p.grade_level} of {context.get('grade_min')}..{context.get('grade_max')}"
    if key == "span":
        return f"{p.span} people in its reporting subtree (largest {context.get('max_span') or 0})"
    if key == "goals":
        return "no period with company goals" if raw is None else \
            f"{raw:.0%} of the company goals of {context.get('period')} through {p.department_name} and below"
    if key == "scarcity":
        return "no skill requirements" if raw is None else \
            f"mean of 1/(1 + others with the skill at level) over {p.requirements} requirement(s)"
    if key == "time_to_fill":
        if raw is None:
            return "no vacancy observed in the company"
        where = "observed on the post" if p.vacancy_observed else "company mean (never refilled)"
        return f"{raw:.0f} days to fill, {where}; {TIME_TO_FILL_CAP_DAYS} days or more = 1"
    if p.holder_id is None:
        return "vacant post"
    if key == "flight_risk":
        return "no flight-risk model yet" if raw is None else "the model's flight risk"
    if key == "retirement":
        if raw is None:
            return "birth year not known"
        return (f"{raw:.0f} year(s) to retirement age {RETIREMENT_AGE}" if raw > 0
                else f"eligible to retire (age {RETIREMENT_AGE})")
    return "start in post not known" if raw is None else \
        f"{raw:.1f} years in post; {TIME_IN_POST_CAP_YEARS} or more = 1"


def criticality_of(p: PostFacts, context: dict[str, Any], as_of: date,
                   values: dict[str, Measure] | None = None) -> Criticality:
    """One post's criticality with every factor explained."""
    values = values if values is not None else measures(p, context, as_of)
    factors = [Factor.model_validate({"key": k, "group": GROUPS[k], "weight": WEIGHTS[k],
                                      "value": None if v is None else round(v, 4), "raw": raw,
                                      "note": _note(k, raw, p, context)})
               for k, (v, raw) in values.items()]
    groups: dict[str, float | None] = {}
    for g in ("impact", "difficulty", "vacancy_risk"):
        m = group_mean(values, g)
        groups[g] = None if m is None else round(m, 4)
    return Criticality(score=score_of(values), impact=groups["impact"], difficulty=groups["difficulty"],
                       vacancy_risk=groups["vacancy_risk"], factors=factors)


def _row(p: PostFacts, crit: Criticality) -> RegisterRow:
    return RegisterRow(position_id=p.position_id, code=p.code, title=p.title, department_id=p.department_id,
                       department_name=p.department_name, grade_level=p.grade_level, is_key=p.is_key,
                       vacant=p.holder_id is None, holder_id=p.holder_id, holder_name=p.holder_name,
                       criticality=crit, decided_at=p.decided_at)


def _filter(db: Session, *, department_id: int | None, key_only: bool, q: str | None) -> ColumnElement[bool]:
    where: list[ColumnElement[bool]] = []
    if department_id is not None:
        if db.get(Department, department_id) is None:
            raise NotFound("Department", department_id, field="department_id")
        where.append(Position.department_id.in_(department_subtree_ids(department_id)))
    if key_only:
        where.append(Position.is_key.is_(True))
    if q:
        like = f"%{q.lower().replace('%', '').replace('_', '')}%"
        where.append(or_(func.lower(Position.title).like(like), func.lower(Position.code).like(like)))
    return and_(literal(True), *where)


Scored = tuple[PostFacts, dict[str, Measure], float | None]  # a post, its factors, its score


def scored_posts(db: Session, *, as_of: date, department_id: int | None = None, key_only: bool = False,
                 q: str | None = None, period_id: int | None = None) -> tuple[list[Scored], dict[str, Any]]:
    """Every active post the filter keeps with its factors and score, unsorted and unexplained (what the register
    sorts and pages, and what the heat map bands), and the company-wide measures that explain them
    (``criticality_of``)."""
    posts, context = _facts(db, _filter(db, department_id=department_id, key_only=key_only, q=q), as_of=as_of,
                            period_id=period_id)
    return [(p, v, score_of(v)) for p in posts for v in (measures(p, context, as_of),)], context


def group_mean(values: dict[str, Measure], group: str) -> float | None:
    """A group's weighted mean (``impact``, ``difficulty``, ``vacancy_risk``), 0..1; None when none is known."""
    return weighted(values, (k for k in FACTOR_KEYS if GROUPS[k] == group))


def register(db: Session, *, principal: Principal, as_of: date | None = None, department_id: int | None = None,
             key_only: bool = False, min_criticality: float | None = None, max_criticality: float | None = None,
             q: str | None = None, sort: RegisterSort = "criticality", descending: bool | None = None,
             period_id: int | None = None, page: int = 1, page_size: int = 100) -> Page[RegisterRow]:
    """One page of the register: the active posts (of a department subtree, key ones only, within a criticality
    range, matching ``q`` in code or title) with their criticality, sorted (criticality: highest first)."""
    check_page(page, page_size)
    if sort not in SORTS:
        raise Invalid(f"sort must be one of {', '.join(SORTS)}", field="sort")
    for name, v in (("min_criticality", min_criticality), ("max_criticality", max_criticality)):
        if v is not None and not 0 <= v <= 100:
            raise Invalid(f"{name} must be between 0 and 100", field=name)
    if min_criticality is not None and max_criticality is not None and min_criticality > max_criticality:
        raise Invalid("min_criticality is above max_criticality", field="min_criticality")
    as_of = as_of or clock.today()
    scored, context = scored_posts(db, as_of=as_of, department_id=department_id, key_only=key_only, q=q,
                                   period_id=period_id)
    if min_criticality is not None:
        scored = [x for x in scored if x[2] is not None and x[2] >= min_criticality]
    if max_criticality is not None:
        scored = [x for x in scored if x[2] is not None and x[2] <= max_criticality]
    desc = (sort in ("criticality", "level", "span")) if descending is None else descending
    keys: dict[str, Any] = {
        "criticality": lambda x: x[2] if x[2] is not None else -1.0,
        "code": lambda x: x[0].code, "title": lambda x: x[0].title.lower(),
        "level": lambda x: x[0].grade_level if x[0].grade_level is not None else -1,
        "span": lambda x: x[0].span, "department": lambda x: x[0].department_name.lower(),
    }
    scored.sort(key=lambda x: x[0].code)  # ties in the code's order whichever way the sort goes
    scored.sort(key=keys[sort], reverse=desc)
    first = (page - 1) * page_size
    items = [_row(p, criticality_of(p, context, as_of, v)) for p, v, _ in scored[first:first + page_size]]
    return Page[RegisterRow](items=items, total=len(scored), page=page, page_size=page_size)


def _one(db: Session, position_id: int, as_of: date, period_id: int | None) -> tuple[PostFacts, Criticality]:
    posts, context = _facts(db, Position.id == position_id, as_of=as_of, period_id=period_id)
    if not posts:
        raise NotFound("Position", position_id, field="position_id")
    return posts[0], criticality_of(posts[0], context, as_of)


def post_criticality(db: Session, *, position_id: int, as_of: date | None = None) -> Criticality:
    """One active post's criticality (what a decision records; other services may show it)."""
    return _one(db, position_id, as_of or clock.today(), None)[1]


def _skills(db: Session, position_id: int) -> list[SkillScarcity]:
    req = _scarcity_rows(db, Position.id == position_id).subquery("req")
    rows = db.execute(select(req.c.skill_id, Skill.code, Skill.name, req.c.required_level, req.c.importance,
                             req.c.others).join(Skill, Skill.id == req.c.skill_id).order_by(Skill.code))
    return [SkillScarcity(skill_id=sid, code=code, name=name, required_level=lvl, importance=imp.value,
                          others=int(others), scarcity=round(1 / (1 + int(others)), 4))
            for sid, code, name, lvl, imp, others in rows]


def decisions(db: Session, *, position_id: int) -> list[DecisionOut]:
    rows = db.execute(select(KeyPostDecision, User.username)
                      .outerjoin(User, User.id == KeyPostDecision.decided_by_user_id)
                      .where(KeyPostDecision.position_id == position_id)
                      .order_by(KeyPostDecision.decided_at.desc(), KeyPostDecision.id.desc())).all()
    return [decision_out(d, username) for d, username in rows]


def decision_out(d: KeyPostDecision, username: str | None) -> DecisionOut:
    snap = d.criticality or {}
    was_key = snap.get("was_key")
    action = "withdraw" if not d.is_key else ("confirm" if was_key else "set")
    return DecisionOut(id=d.id, position_id=d.position_id, is_key=d.is_key, action=action, reason=d.reason,
                       criticality=d.criticality, decided_by_user_id=d.decided_by_user_id, decided_by=username,
                       decided_at=d.decided_at)


def register_entry(db: Session, *, principal: Principal, position_id: int, as_of: date | None = None,
                   period_id: int | None = None) -> RegisterDetail:
    """One post of the register: its criticality, each required skill's scarcity and HR's decisions."""
    as_of = as_of or clock.today()
    facts, crit = _one(db, position_id, as_of, period_id)
    row = _row(facts, crit)
    return RegisterDetail(**row.model_dump(), skills=_skills(db, position_id),
                          decisions=decisions(db, position_id=position_id))


# --- decisions --------------------------------------------------------------------------------------
# Stand-ins for the plans engineer's ``succession.audit.record`` and ``succession.service.keyposts.decide``, which
# are not on this branch yet: the same keyword signatures and rules, so reconciling is swapping the names.
def active_successors(db: Session, position_id: int) -> int:
    return db.scalar(select(func.count()).select_from(Nomination)
                     .join(SuccessionPlan, SuccessionPlan.id == Nomination.plan_id)
                     .where(SuccessionPlan.position_id == position_id, Nomination.removed_at.is_(None))) or 0


def decide(db: Session, *, principal: Principal, position_id: int, is_key: bool, reason: str,
           as_of: date | None = None) -> DecisionOut:
    """HR sets (``is_key`` on a post that is not key), confirms (on a key post) or withdraws (``is_key`` false)
    a key post, with a reason; the decision keeps who, when and the criticality the register showed (with
    ``was_key``, so the history can tell a confirmation from a setting). Refused, with nothing written: a blank
    reason, an inactive post made key (422), withdrawing a post that is not key or whose plan still has
    successors (409: remove them first, a plan is for a key post). HR only."""
    pos = get_or_404(db, Position, position_id, lock="update", field="position_id")
    if not (reason or "").strip():
        raise Invalid("reason is required: say why", field="reason")
    if not is_key:
        if not pos.is_key:
            raise Conflict(f"position {pos.code!r} is not a key post: there is nothing to withdraw", field="is_key")
        if n := active_successors(db, pos.id):
            raise Conflict(f"position {pos.code!r} has {n} successor(s) on its plan: remove them before withdrawing "
                           "the key post", field="is_key")
    crit = post_criticality(db, position_id=pos.id, as_of=as_of) if pos.is_active else None
    snapshot: dict[str, Any] = {"was_key": bool(pos.is_key), "as_of": (as_of or clock.today()).isoformat()}
    if crit is not None:
        snapshot.update(crit.model_dump(mode="json"))
    d = keyposts.decide(db, principal=principal, position=pos, is_key=is_key, reason=reason, criticality=snapshot)
    return decision_out(d, principal.username)
