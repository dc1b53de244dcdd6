"""How a score is made: the breakdown of a person's, a goal's and a department's score of a period into the parts
it is computed from, so every figure on the pages can be traced.

Each breakdown lists the indicators behind the score with their weight, score and contribution (the points of
the score they bring), the parts the score mixes (operational and management with the period's shares,
competency for a person, collaboration for a department, a goal's own indicators and supporting goals), and the
sum of the contributions beside the stored score.

Nothing here computes a score a second way:
- the score shown is the stored one, read with ``units.scores`` (a person, a department) or the goal's result row
  (``rollup``), and the class, competency and collaboration scores come from the same rows;
- indicator scores are ``rollup.indicator_rows`` (live for an open period, frozen for a closed one);
- how much each part counts (its factor) is evaluated by the very SQL expressions the scores are computed with
  (``units.mix``, ``units.blend``, ``rollup._half``), fed 1 for the part and 0 for the others (all three are
  linear in each part), so a change of rule there changes the breakdown too.
A part's contribution is its score times its factor; an indicator's is its score times its weight over the scored
weight of its class (or of the goal), times that factor. When the sum of the contributions differs from the
stored score (it should not: a check-in since the last recompute, a period closed with other figures), a
"difference" row says by how much instead of hiding it.

Visibility is the score's own: a person outside the caller's people scope, a goal they may not see, a
department whose results they do not read are the 404 of nothing (``visible_employee``,
``cascade.get_visible_goal``, the department results' scope). Supporting goals the caller may not see are one
row without names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Float, literal, select
from sqlalchemy.orm import Session

from hcm.db import get_or_404
from hcm.org.models import Department
from hcm.policy import Principal, visible_employee
from performance.models import (
    Goal,
    GoalLevel,
    GoalLink,
    GoalResult,
    Indicator,
    IndicatorClass,
    Period,
    PeriodState,
    RatingKind,
)
from performance.policy import visible_goals
from performance.rules import rating_name
from performance.service import cascade, rollup, units
from performance.service.department_results import _scope_ids
from performance.service.lookups import get_period
from performance.service.ratings import latest_approved

Kind = Literal["employee", "goal", "department"]
TOLERANCE = 0.05  # the pages show one decimal: parts that agree to it show no difference row
CLASSES = (IndicatorClass.OPERATIONAL.value, IndicatorClass.MANAGEMENT.value)


@dataclass(frozen=True)
class IndicatorPart:
    """One indicator behind the score: ``share`` is its weight over the scored weight of its class (of the
    goal's own score, for a goal); ``contribution`` the points of the score it brings (None: not scored yet,
    it does not count)."""

    indicator_id: int
    code: str
    name: str
    goal_id: int
    goal_code: str
    goal_title: str
    klass: str
    weight: float
    progress: float | None
    score: float | None
    share: float | None
    contribution: float | None


@dataclass(frozen=True)
class Part:
    """A part the score mixes: ``setting`` is the period's nominal share or weight (0.3 operational), ``factor``
    how much the part counts here (1 when it is the only one), ``contribution`` = score x factor."""

    key: str  # operational, management, competency, collaboration, own, supporting
    label: str
    score: float | None
    setting: float | None
    factor: float | None
    contribution: float | None
    note: str = ""


@dataclass(frozen=True)
class SupportPart:
    """A supporting goal of a goal (its link weight, score and contribution); ``hidden`` > 0: that many goals
    the caller may not see, together (no names)."""

    goal_id: int | None
    code: str
    title: str
    weight: float
    score: float | None
    share: float | None
    contribution: float | None
    hidden: int = 0


@dataclass(frozen=True)
class GoalLine:
    """A goal of a person, with its own score (its indicators by their own weights) and what the same
    indicators make with the person's mix of operational and management (``mixed``)."""

    goal_id: int
    code: str
    title: str
    level: str
    score: float | None
    own_score: float | None
    operational: float | None
    management: float | None
    mixed: float | None


@dataclass(frozen=True)
class Breakdown:
    kind: Kind
    subject_id: int
    name: str
    period_id: int
    frozen: bool  # a closed period: every figure is the one it was closed with
    score: float | None  # the stored score (what every other page shows)
    parts: list[Part]
    indicators: list[IndicatorPart]
    total: float | None  # the sum of the contributions
    difference: float | None  # score - total, when they disagree (else None)
    computed_at: datetime | None
    rule: str
    supporting: list[SupportPart] = field(default_factory=list)
    goals: list[GoalLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    mix_label: str = ""


# --- the factors, by the scoring expressions themselves ---------------------------------------------
def _lit(v: float | None) -> Any:
    return units._none() if v is None else literal(float(v), Float)


def _evaluate(db: Session, *exprs: Any) -> list[float | None]:
    """Values of SQL expressions over literals (the scoring rules evaluated where they are defined)."""
    if not exprs:
        return []
    row = db.execute(select(*(e.label(f"v{n}") for n, e in enumerate(exprs)))).one()
    return [None if v is None else float(v) for v in row]


def _one_hot(present: list[bool]) -> list[list[float | None]]:
    """For each present part, the inputs with 1 for it, 0 for the other present ones, NULL for missing ones."""
    return [[(1.0 if j == i else 0.0) if p else None for j, p in enumerate(present)] for i in range(len(present))]


def _mixed_factors(db: Session, op: bool, mg: bool, share: float, extra: bool, weight: float,
                   blend: Any = units.blend) -> tuple[float | None, float | None, float | None]:
    """How much the operational, management and extra (competency, collaboration) parts count in
    ``blend(mix(op, mg, share), extra, weight)``; None for a missing part. Neither class: the score is the
    extra alone (a department rated on collaboration only)."""
    exprs = []
    for o, m, x in _one_hot([op, mg, extra]):
        base = units.mix(_lit(o), _lit(m), share) if (op or mg) else _lit(None)
        exprs.append(blend(base, _lit(x), weight))
    f_op, f_mg, f_x = _evaluate(db, *exprs)
    return (f_op if op else None), (f_mg if mg else None), (f_x if extra else None)


def _mix_value(db: Session, pairs: list[tuple[float | None, float | None]], share: float) -> list[float | None]:
    return _evaluate(db, *(units.mix(_lit(o), _lit(m), share) for o, m in pairs))


# --- shared pieces ---------------------------------------------------------------------------------
def _f(v: Any) -> float | None:
    return None if v is None else float(v)


def _mul(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a * b


def _sum(values: list[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return sum(got) if got else None


def _difference(score: float | None, total: float | None) -> float | None:
    if score is None and total is None:
        return None
    if score is None or total is None:
        return (score or 0.0) - (total or 0.0)
    d = score - total
    return d if abs(d) >= TOLERANCE else None


def _indicators(db: Session, period: Period, goals: list[Goal]) -> list[tuple[Indicator, Goal, Any]]:
    """The goals' indicators with their score rows (``rollup.indicator_rows``: live or frozen)."""
    if not goals:
        return []
    by_id = {g.id: g for g in goals}
    inds = list(db.scalars(select(Indicator).where(Indicator.goal_id.in_(list(by_id)))
                           .order_by(Indicator.goal_id, Indicator.code)))
    rows = rollup.indicator_rows(db, period_id=period.id, goal_ids=list(by_id))
    order = {g.id: n for n, g in enumerate(goals)}
    inds.sort(key=lambda i: (order[i.goal_id], i.code))
    return [(i, by_id[i.goal_id], rows.get(i.id)) for i in inds]


def _class_parts(items: list[tuple[Indicator, Goal, Any]], factors: dict[str, float | None]) -> list[IndicatorPart]:
    """Each indicator's share of its class's scored weight and its contribution with the class's factor."""
    scored = {k: sum(float(i.weight) for i, _g, r in items
                     if i.klass.value == k and r is not None and r.score is not None) for k in CLASSES}
    out = []
    for i, g, r in items:
        s = None if r is None else _f(r.score)
        k = i.klass.value
        share = float(i.weight) / scored[k] if s is not None and scored[k] > 0 else None
        out.append(IndicatorPart(i.id, i.code, i.name, g.id, g.code, g.title, k, float(i.weight),
                                 None if r is None else _f(r.progress), s, share,
                                 _mul(_mul(s, share), factors.get(k))))
    return out


def _class_score(parts: list[IndicatorPart], klass: str) -> float | None:
    return _sum([_mul(p.score, p.share) for p in parts if p.klass == klass])


def _pct(v: float) -> str:
    return f"{v * 100:.0f}%"


def _computed_at(db: Session, goal_ids: list[int]) -> datetime | None:
    if not goal_ids:
        return None
    value: datetime | None = db.scalar(select(GoalResult.computed_at).where(GoalResult.goal_id.in_(goal_ids))
                                       .order_by(GoalResult.computed_at.desc()).limit(1))
    return value


def _stored(db: Session, period: Period, unit_type: str, unit_id: int) -> Any:
    sub = units.scores(period, unit_type, ids=[unit_id])
    return db.execute(select(*(sub.c[c] for c in units.COLUMNS))).first()


def _finish(kind: Kind, subject_id: int, name: str, period: Period, score: float | None, parts: list[Part],
            indicators: list[IndicatorPart], computed_at: datetime | None, rule: str, **extra: Any) -> Breakdown:
    total = _sum([p.contribution for p in parts])
    notes: list[str] = list(extra.pop("notes", []))
    diff = _difference(score, total)
    if diff is not None:
        notes.append("The parts do not add up to the stored score: "
                     + ("the period was closed with these figures (they never change)." if period.state is
                        PeriodState.CLOSED else "check-ins or ratings since the last recompute"
                        + (f" ({computed_at:%d %b %Y %H:%M} UTC)" if computed_at else "")
                        + " are in the parts but not yet in the score."))
    return Breakdown(kind=kind, subject_id=subject_id, name=name, period_id=period.id,
                     frozen=period.state is PeriodState.CLOSED, score=score, parts=parts, indicators=indicators,
                     total=total, difference=diff, computed_at=computed_at, rule=rule, notes=notes, **extra)


def _class_rows(parts: list[IndicatorPart], stored_op: float | None, stored_mg: float | None, share: float,
                factors: tuple[float | None, float | None]) -> list[Part]:
    rows = []
    for key, stored, setting, factor in (("operational", stored_op, share, factors[0]),
                                         ("management", stored_mg, 1.0 - share, factors[1])):
        has = any(p.klass == key for p in parts)
        if not has and stored is None:
            continue
        score = _class_score(parts, key)
        note = ("no scored indicator yet: the other class counts alone" if score is None else
                f"the {key} indicators averaged by their weights")
        rows.append(Part(key, f"{key.capitalize()} indicators", score if score is not None else stored, setting,
                         factor, _mul(score, factor), note))
    return rows


# --- a person ----------------------------------------------------------------------------------------
def person(db: Session, *, principal: Principal, period_id: int, employee_id: int) -> Breakdown:
    """A person's score: their current post's goals and their own goals, class by class with the period's post
    mix, then their final competency rating with the competency weight."""
    period = get_period(db, period_id)
    emp = visible_employee(db, principal, employee_id)
    stored = _stored(db, period, "employee", employee_id)
    goals = list(db.scalars(select(Goal).where(Goal.period_id == period.id,
                                               Goal.id.in_(units.employee_goal_ids([employee_id])),
                                               Goal.level.in_([GoalLevel.POST, GoalLevel.EMPLOYEE]))
                            .order_by(Goal.level, Goal.code)))
    items = _indicators(db, period, goals)
    comp = db.execute(select(latest_approved(period.id, RatingKind.COMPETENCY, employee_ids=[employee_id]))).first()
    comp_score = None if stored is None else _f(stored.competency_score)
    op = any(i.klass is IndicatorClass.OPERATIONAL and r is not None and r.score is not None for i, _g, r in items)
    mg = any(i.klass is IndicatorClass.MANAGEMENT and r is not None and r.score is not None for i, _g, r in items)
    share, cw = period.post_operational_share, period.competency_weight
    # a person none of whose indicators is scored has no score, competency or not (units._class_scores)
    f_op, f_mg, f_c = _mixed_factors(db, op, mg, share, comp_score is not None and (op or mg), cw)
    ind_parts = _class_parts(items, {"operational": f_op, "management": f_mg})
    parts = _class_rows(ind_parts, None if stored is None else _f(stored.operational_score),
                        None if stored is None else _f(stored.management_score), share, (f_op, f_mg))
    notes = []
    if comp is not None:
        rating = f"final competency rating {rating_name(comp.value)} of {comp.scale_max}"
        counted = comp_score is not None and (op or mg)
        parts.append(Part("competency", "Competency", comp_score, cw, f_c if counted else None,
                          _mul(comp_score, f_c) if counted else None,
                          f"{rating}, on the score scale (3 = 100)" + ("" if counted else
                                                                         "; not counted until an indicator is scored")))
    else:
        notes.append(f"No final competency rating yet: once approved it counts {_pct(cw)} of the score.")
    perf = db.execute(select(latest_approved(period.id, RatingKind.PERFORMANCE, employee_ids=[employee_id]))).first()
    if perf is not None:
        notes.append(f"The final performance rating, {rating_name(perf.value)} of {perf.scale_max} "
                     f"({perf.source.value.replace('_', ' ')}), is a judgement of the period by the manager or in "
                     f"calibration: it is not computed from this score, and the two may disagree.")
    # the goals: each one's own score beside what its indicators make with this person's mix
    results = {r.goal_id: r for r in db.scalars(select(GoalResult).where(GoalResult.goal_id.in_([g.id for g in goals])))}
    mixed = _mix_value(db, [(_f(results[g.id].operational_score) if g.id in results else None,
                             _f(results[g.id].management_score) if g.id in results else None) for g in goals], share)
    lines = [GoalLine(g.id, g.code, g.title, g.level.value, _f(results[g.id].score) if g.id in results else None,
                      _f(results[g.id].own_score) if g.id in results else None,
                      _f(results[g.id].operational_score) if g.id in results else None,
                      _f(results[g.id].management_score) if g.id in results else None, m)
             for g, m in zip(goals, mixed, strict=True)]
    if any(g.rollup_score is not None for g in results.values()):
        notes.append("A goal's score also counts the goals supporting it; a person's score counts only the goals' "
                     "own indicators.")
    rule = (f"A person's score mixes the operational and management indicators of their goals with the period's "
            f"post mix ({_pct(share)} operational / {_pct(1 - share)} management; one class alone counts fully), "
            f"then the final competency rating counts {_pct(cw)}. Indicators count by their weight within their "
            f"class, so a goal's own score (its indicators by their own weights) can differ from what it brings.")
    return _finish("employee", employee_id, emp.full_name, period, None if stored is None else _f(stored.score),
                   parts, ind_parts, _computed_at(db, [g.id for g in goals]), rule, goals=lines, notes=notes,
                   mix_label=f"post mix {_pct(share)} operational / {_pct(1 - share)} management")


# --- a department --------------------------------------------------------------------------------------
def department(db: Session, *, principal: Principal, period_id: int, department_id: int) -> Breakdown:
    """A department's own score: its department goals' indicators class by class with the period's department
    mix, then the collaboration it received (published ratings only) with the collaboration weight."""
    period = get_period(db, period_id)
    scope = _scope_ids(db, principal, none_if_refused=True)
    dept = get_or_404(db, Department, department_id,
                      visible=None if scope is None else Department.id.in_(sorted(scope) or [-1]))
    stored = _stored(db, period, "department", department_id)
    goals = list(db.scalars(select(Goal).where(Goal.period_id == period.id, Goal.level == GoalLevel.DEPARTMENT,
                                               Goal.department_id == department_id).order_by(Goal.code)))
    items = _indicators(db, period, goals)
    collab = None if stored is None else _f(stored.collaboration_score)
    op = any(i.klass is IndicatorClass.OPERATIONAL and r is not None and r.score is not None for i, _g, r in items)
    mg = any(i.klass is IndicatorClass.MANAGEMENT and r is not None and r.score is not None for i, _g, r in items)
    share, cw = period.dept_operational_share, period.collaboration_weight
    f_op, f_mg, f_c = _mixed_factors(db, op, mg, share, collab is not None, cw)
    ind_parts = _class_parts(items, {"operational": f_op, "management": f_mg})
    parts = _class_rows(ind_parts, None if stored is None else _f(stored.operational_score),
                        None if stored is None else _f(stored.management_score), share, (f_op, f_mg))
    notes = []
    if collab is not None:
        parts.append(Part("collaboration", "Collaboration received", collab, cw, f_c, _mul(collab, f_c),
                          "the published ratings of its service items (1-5, on the score scale: 3 = 100)"))
    else:
        notes.append(f"No collaboration score (fewer published ratings than the anonymity threshold): once rated "
                     f"it counts {_pct(cw)} of the score.")
    rule = (f"A department's own score mixes the operational and management indicators of its department goals "
            f"with the period's department mix ({_pct(share)} operational / {_pct(1 - share)} management; one "
            f"class alone counts fully), then the collaboration it received counts {_pct(cw)}. Its goals' "
            f"supporting goals and its sub-departments do not count in it (they are in the roll-up).")
    return _finish("department", department_id, dept.name, period, None if stored is None else _f(stored.score),
                   parts, ind_parts, _computed_at(db, [g.id for g in goals]), rule, notes=notes,
                   mix_label=f"department mix {_pct(share)} operational / {_pct(1 - share)} management")


# --- a goal ----------------------------------------------------------------------------------------------
def _owner_share(period: Period, level: GoalLevel) -> float | None:
    if level in (GoalLevel.POST, GoalLevel.EMPLOYEE):
        return period.post_operational_share
    if level in (GoalLevel.DEPARTMENT, GoalLevel.PROCESS):
        return period.dept_operational_share
    return None  # the company's score is the average of its goals' scores


def goal(db: Session, *, principal: Principal, goal_id: int) -> Breakdown:
    """A goal's score: its own indicators by their weights, and its supporting goals by their link weights,
    half each when it has both. Also what its indicators make in its owner's score (the owner's mix)."""
    g = cascade.get_visible_goal(db, principal=principal, goal_id=goal_id)
    period = get_period(db, g.period_id)
    result = db.get(GoalResult, g.id)
    items = _indicators(db, period, [g])
    scored_w = sum(float(i.weight) for i, _g, r in items if r is not None and r.score is not None)
    links = db.execute(select(Goal.id, Goal.code, Goal.title, GoalLink.weight, GoalResult.score,
                              visible_goals(principal).label("visible"))
                       .join(GoalLink, GoalLink.child_goal_id == Goal.id)
                       .outerjoin(GoalResult, GoalResult.goal_id == Goal.id)
                       .where(GoalLink.parent_goal_id == g.id)
                       .order_by(GoalLink.weight.desc(), Goal.code)).all()
    link_w = sum(float(w) for _i, _c, _t, w, s, _v in links if s is not None)
    own, sup = scored_w > 0, link_w > 0
    f_own, f_sup = (_evaluate(db, rollup._half(_lit(1.0 if own else None), _lit(0.0 if sup else None)),
                              rollup._half(_lit(0.0 if own else None), _lit(1.0 if sup else None)))
                    if own or sup else (None, None))
    ind_parts = []
    for i, _g, r in items:
        s = None if r is None else _f(r.score)
        share = float(i.weight) / scored_w if s is not None and own else None
        ind_parts.append(IndicatorPart(i.id, i.code, i.name, g.id, g.code, g.title, i.klass.value, float(i.weight),
                                       None if r is None else _f(r.progress), s, share,
                                       _mul(_mul(s, share), f_own if own else None)))
    supporting: list[SupportPart] = []
    hidden = [(float(w), _f(s)) for _i, _c, _t, w, s, v in links if not v]
    for gid, code, title, w, s, visible in links:
        if not visible:
            continue
        share = float(w) / link_w if s is not None and sup else None
        supporting.append(SupportPart(gid, code, title, float(w), _f(s), share,
                                      _mul(_mul(_f(s), share), f_sup if sup else None)))
    if hidden:
        contrib = _sum([_mul(_mul(s, w / link_w), f_sup) if s is not None and sup else None for w, s in hidden])
        supporting.append(SupportPart(None, "", "Goals you may not see", sum(w for w, _s in hidden), None, None,
                                      contrib, hidden=len(hidden)))
    own_score = _sum([_mul(p.score, p.share) for p in ind_parts]) if own else None
    sup_score = _sum([_mul(s, float(w) / link_w) for _i, _c, _t, w, s, _v in links if s is not None]) if sup else None
    parts = []
    if items or own:
        parts.append(Part("own", "Own indicators", own_score, None, f_own, _mul(own_score, f_own),
                          "its indicators averaged by their weights" if own else "no indicator scored yet"))
    if links:
        parts.append(Part("supporting", "Supporting goals", sup_score, None, f_sup, _mul(sup_score, f_sup),
                          "the supporting goals' scores averaged by their link weights" if sup
                          else "no supporting goal scored yet"))
    notes = []
    owner = _owner_share(period, g.level)
    mix_label = ""
    if owner is not None and result is not None and (result.operational_score is not None
                                                      or result.management_score is not None):
        op_s, mg_s = _f(result.operational_score), _f(result.management_score)
        (mixed,) = _mix_value(db, [(op_s, mg_s)], owner)
        whose = "its owner's" if g.level in (GoalLevel.POST, GoalLevel.EMPLOYEE) else "its unit's"
        mix_label = f"{_pct(owner)} operational / {_pct(1 - owner)} management"
        parts_text = ", ".join(f"{k} {v:.1f}" for k, v in (("operational", op_s), ("management", mg_s))
                               if v is not None)
        notes.append(f"In {whose} score these indicators count class by class with the {mix_label} mix of the "
                     f"period: {parts_text} make {mixed:.1f}" + (" (only one class is scored: it counts fully)"
                                                                 if op_s is None or mg_s is None else "")
                     + (". That is why a person's score can differ from their goal's." if whose == "its owner's"
                        else ". That is why a department's own score can differ from its goals'."))
    rule = ("A goal's score is its own indicators averaged by their weights; a goal with supporting goals also "
            "averages their scores by the link weights, and counts each half. Indicators or goals not scored "
            "yet do not count.")
    return _finish("goal", g.id, g.title, period, None if result is None else _f(result.score), parts, ind_parts,
                   None if result is None else result.computed_at, rule, supporting=supporting, notes=notes,
                   mix_label=mix_label)
