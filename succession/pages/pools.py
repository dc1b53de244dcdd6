"""Talent pool pages (server-rendered): the pools, a pool with its entry criteria in words, its members with the
reason they entered (flagged when they no longer meet the criteria), the people who meet the criteria but are not
in it yet, and for HR the forms that create a pool, edit its criteria, add someone with a reason and remove a
member with a reason (docs/succession.md "Pages").

Thin routes over ``succession.service.pools`` (every rule is the service's): each declares one permission with
``allow(...)`` (HR and executives read, HR writes). A form the service refuses renders its page again with the
message naming the field, the values typed kept and the refusal's status; nothing is written then. A form that
succeeds redirects (post-redirect-get) with a message.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pydantic
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.errors import HcmError, Invalid
from hcm.fields import Id, SearchText
from hcm.org.models import Department, Skill
from hcm.paging import PageNo
from hcm.policy import Principal, allow, is_hr
from hcm.web.render import flash, render
from performance.models import PeriodKind
from succession.pages.plans import tabs
from succession.policy import SuccPermission
from succession.schemas_register import CriteriaCheck, MemberIn, MemberRemoveIn, PoolCriteria, PoolIn, PoolPatch
from succession.service import people, pools

router = APIRouter(include_in_schema=False)
READ = Depends(allow(SuccPermission.POOLS_READ))
WRITE = Depends(allow(SuccPermission.POOLS_WRITE))
MEMBERS_PAGE = 50
ELIGIBLE_PAGE = 25
SKILL_ROWS = 3  # empty skill rows the criteria form offers beyond those the pool has
POOL = "/succession/pools/{pool_id}"

# Each criterion's field (as the API and the service name it) -> the form's input, and its label in messages.
INPUTS = {
    "code": ("code", "Code"), "name": ("name", "Name"), "description": ("description", "Description"),
    "criteria.performance": ("perf_min_rating", "Performance"),
    "criteria.performance.periods": ("perf_periods", "Periods to read"),
    "criteria.performance.kind": ("perf_kind", "Kind of period"),
    "criteria.performance.min_rating": ("perf_min_rating", "Lowest mean rating"),
    "criteria.performance.min_score": ("perf_min_score", "Lowest mean score"),
    "criteria.performance.each": ("perf_each", "Every period"),
    "criteria.potential": ("pot_band", "Potential"),
    "criteria.potential.min_band": ("pot_band", "Lowest potential band"),
    "criteria.potential.kind": ("pot_kind", "Kind of period (potential)"),
    "criteria.grade_levels": ("grade_min", "Grade levels"),
    "criteria.grade_levels.min_level": ("grade_min", "Lowest grade level"),
    "criteria.grade_levels.max_level": ("grade_max", "Highest grade level"),
    "criteria.department_id": ("department_id", "Department"),
    "criteria.skills": ("skill_id", "Skills"),
}
KIND_WORDS = {PeriodKind.ANNUAL: "annual", PeriodKind.QUARTER: "quarterly"}


# --- helpers ----------------------------------------------------------------------------------------
def _render(request: Request, name: str, me: Principal, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    return render(request, name, me, section="succession", status_code=status_code, tabs=tabs(me),
                  link_people=is_hr(me), **context)


def _pager(request: Request, key: str, page: int, size: int, total: int, anchor: str) -> dict[str, Any]:
    pages = max(1, math.ceil(total / size))

    def link(n: int) -> str:
        return "?" + urlencode({**request.query_params, key: n}) + anchor

    return {"page": page, "pages": pages, "total": total,
            "prev": link(page - 1) if page > 1 else None, "next": link(page + 1) if page < pages else None}


def _model(make: Callable[[], Any], prefix: str = "") -> Any:
    """A pydantic model from a form: its first validation error as the service's kind of refusal (the field
    named as the API names it, e.g. ``criteria.skills[1].min_level``)."""
    try:
        return make()
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(p) for p in first.get("loc", ())]
        name = prefix
        for part in loc:
            name = f"{name}[{part}]" if part.isdigit() else (f"{name}.{part}" if name else part)
        raise Invalid(f"{first.get('msg', 'invalid')}", field=name or "form") from None


def _number(raw: str, field: str, *, whole: bool = False) -> float | int | None:
    text = raw.strip()
    if not text:
        return None
    try:
        value: float | int = int(text) if whole else float(text)
    except ValueError:
        raise Invalid(f"{text!r} is not a {'whole number' if whole else 'number'}", field=field) from None
    if not math.isfinite(value):
        raise Invalid(f"{text!r} is not a number", field=field)
    return value


@dataclass
class CriteriaForm:
    """What the criteria form sent, as typed (to show it again), and which skill row each listed skill came from."""

    values: dict[str, Any] = field(default_factory=dict)
    skill_rows: list[tuple[str, str]] = field(default_factory=list)
    row_of: list[int] = field(default_factory=list)  # criteria.skills[i] is the form's row row_of[i]


def _criteria(form: CriteriaForm) -> PoolCriteria:
    """The form's criteria in the service's shape; a criterion left empty is no criterion."""
    v = form.values
    out: dict[str, Any] = {}
    perf = {"periods": _number(v["perf_periods"], "criteria.performance.periods", whole=True),
            "min_rating": _number(v["perf_min_rating"], "criteria.performance.min_rating"),
            "min_score": _number(v["perf_min_score"], "criteria.performance.min_score")}
    if any(x is not None for x in perf.values()) or v["perf_each"]:
        out["performance"] = {**{k: x for k, x in perf.items() if x is not None}, "kind": v["perf_kind"] or "annual",
                              "each": bool(v["perf_each"])}
    if v["pot_band"]:
        out["potential"] = {"min_band": v["pot_band"], "kind": v["pot_kind"] or "annual"}
    skills: list[dict[str, Any]] = []
    for row, (sid, level) in enumerate(form.skill_rows):
        if not sid.strip() and not level.strip():
            continue
        i = len(skills)
        form.row_of.append(row)
        skill_id = _number(sid, f"criteria.skills[{i}].skill_id", whole=True)
        if skill_id is None:
            raise Invalid("choose the skill of this row (or clear its level)", field=f"criteria.skills[{i}].skill_id")
        min_level = _number(level, f"criteria.skills[{i}].min_level", whole=True)
        if min_level is None:
            raise Invalid("give the lowest level (1-5) of this skill", field=f"criteria.skills[{i}].min_level")
        skills.append({"skill_id": skill_id, "min_level": min_level})
    if skills:
        out["skills"] = skills
    grades = {"min_level": _number(v["grade_min"], "criteria.grade_levels.min_level", whole=True),
              "max_level": _number(v["grade_max"], "criteria.grade_levels.max_level", whole=True)}
    if any(x is not None for x in grades.values()):
        out["grade_levels"] = {k: x for k, x in grades.items() if x is not None}
    dept = _number(v["department_id"], "criteria.department_id", whole=True)
    if dept is not None:
        out["department_id"] = dept
    return _model(lambda: PoolCriteria.model_validate(out), "criteria")  # type: ignore[no-any-return]


def _form_of(pool: Any) -> CriteriaForm:
    """A pool's stored criteria as the form shows them."""
    c: PoolCriteria = pool.criteria
    p, pot, g = c.performance, c.potential, c.grade_levels

    def s(x: object) -> str:
        return "" if x is None else f"{x:g}" if isinstance(x, float) else str(x)

    values = {"code": pool.code, "name": pool.name, "description": pool.description or "",
              "perf_periods": s(p.periods) if p else "", "perf_kind": p.kind.value if p else "annual",
              "perf_min_rating": s(p.min_rating) if p else "", "perf_min_score": s(p.min_score) if p else "",
              "perf_each": "1" if p and p.each else "", "pot_band": pot.min_band if pot else "",
              "pot_kind": pot.kind.value if pot else "annual", "grade_min": s(g.min_level) if g else "",
              "grade_max": s(g.max_level) if g else "", "department_id": s(c.department_id)}
    return CriteriaForm(values, [(str(x.skill_id), str(x.min_level)) for x in c.skills])


def _error(exc: HcmError, form: CriteriaForm | None = None) -> dict[str, Any]:
    """The refusal as the page shows it: the message, the field, the input it marks, and a label in words."""
    name = exc.field or ""
    target, label = INPUTS.get(name, (name, name))
    row = None
    if name.startswith("criteria.skills["):
        i = int(name.split("[", 1)[1].split("]", 1)[0])
        row = form.row_of[i] if form is not None and i < len(form.row_of) else None
        target = "skill_level" if name.endswith("min_level") else "skill_id"
        label = f"Skill row {row + 1 if row is not None else i + 1}" + (" level" if target == "skill_level" else "")
    return {"field": name or None, "input": target, "row": row, "label": label, "message": exc.message}


def _options(db: Session) -> dict[str, Any]:
    return {"skills": [{"id": i, "name": n, "code": c} for i, n, c in
                       db.execute(select(Skill.id, Skill.name, Skill.code).order_by(Skill.name, Skill.code))],
            "departments": [{"id": i, "name": n} for i, n in
                            db.execute(select(Department.id, Department.name).order_by(Department.name))],
            "kinds": [(k.value, KIND_WORDS[k]) for k in PeriodKind]}


# --- criteria and checks in words ---------------------------------------------------------------------
def _names(db: Session, criteria: PoolCriteria) -> tuple[dict[int, str], str | None]:
    ids = [s.skill_id for s in criteria.skills]
    skills = dict(db.execute(select(Skill.id, Skill.name).where(Skill.id.in_(ids))).all()) if ids else {}
    dept = db.get(Department, criteria.department_id) if criteria.department_id is not None else None
    return skills, dept.name if dept is not None else None


def _num(x: float) -> str:
    return f"{x:g}"


def describe(db: Session, criteria: PoolCriteria, periods_used: list[str] | None = None) -> list[str]:
    """The entry criteria in words, one line each (none: the pool holds HR's picks alone)."""
    skills, dept = _names(db, criteria)
    lines = []
    p = criteria.performance
    if p is not None:
        over = (f"the last closed {KIND_WORDS[p.kind]} period" if p.periods == 1
                else f"the last {p.periods} closed {KIND_WORDS[p.kind]} periods")
        bars = [b for b in (f"a final rating of at least {_num(p.min_rating)}" if p.min_rating is not None else None,
                            f"a final score of at least {_num(p.min_score)}" if p.min_score is not None else None) if b]
        how = (f"rated in every one of {over}, each with " if p.each else f"over {over}, on average ")
        used = (f" (reads {', '.join(periods_used)}" + (f"; only {len(periods_used)} closed so far" if
                                                         len(periods_used) < p.periods else "") + ")"
                if periods_used else " (no such period has closed yet: nobody meets it)")
        lines.append(f"Performance: {how}{' and '.join(bars)}{used}")
    pot = criteria.potential
    if pot is not None:
        lines.append(f"Potential: {pot.min_band}{' or above' if pot.min_band == 'medium' else ''} in the latest closed "
                     f"{KIND_WORDS[pot.kind]} period")
    for s in criteria.skills:
        lines.append(f"Skill: {skills.get(s.skill_id, f'skill #{s.skill_id}')} at level {s.min_level} or above")
    g = criteria.grade_levels
    if g is not None:
        if g.min_level is not None and g.max_level is not None:
            lines.append(f"Grade level between {g.min_level} and {g.max_level}")
        elif g.min_level is not None:
            lines.append(f"Grade level {g.min_level} or above")
        else:
            lines.append(f"Grade level {g.max_level} or below")
    if criteria.department_id is not None:
        lines.append(f"Works in {dept or f'department #{criteria.department_id}'} or a department below it")
    return lines


def failing_words(db: Session, criteria: PoolCriteria, check: CriteriaCheck | None) -> list[str]:
    """Why a member does not meet the criteria (``check.failing``), each with the measure behind it."""
    if check is None or not check.failing:
        return []
    skills, dept = _names(db, criteria)
    out = []
    for name in check.failing:
        if name == "status":
            out.append("has left the company")
        elif name == "performance" and criteria.performance is not None:
            p = criteria.performance
            got = [f"mean rating {_num(check.performance_rating)}" if check.performance_rating is not None else None,
                   f"mean score {_num(check.performance_score)}" if check.performance_score is not None else None]
            shown = ", ".join(x for x in got if x) or "not rated"
            need = " and ".join(x for x in (f"rating {_num(p.min_rating)}" if p.min_rating is not None else None,
                                            f"score {_num(p.min_score)}" if p.min_score is not None else None) if x)
            out.append(f"performance: {shown} over {check.rated_periods} period(s) (needs {need}"
                       f"{' in each' if p.each else ''})")
        elif name == "potential" and criteria.potential is not None:
            out.append(f"potential: {check.potential_band or 'not rated'} (needs {criteria.potential.min_band})")
        elif name.startswith("skills[") and criteria.skills:
            i = int(name[7:-1])
            s = criteria.skills[i] if i < len(criteria.skills) else None
            if s is not None:
                levels = list(check.skill_levels.values())  # in the order of the criteria's skills
                level = levels[i] if i < len(levels) else None
                out.append(f"{skills.get(s.skill_id, f'skill #{s.skill_id}')}: "
                           f"{'level ' + str(level) if level is not None else 'no level'} (needs {s.min_level})")
        elif name == "grade_levels" and criteria.grade_levels is not None:
            g = criteria.grade_levels
            need = (f"{g.min_level}-{g.max_level}" if g.min_level is not None and g.max_level is not None
                    else f"{g.min_level} or above" if g.min_level is not None else f"{g.max_level} or below")
            out.append(f"grade level {check.grade_level if check.grade_level is not None else 'none'} (needs {need})")
        elif name == "department_id":
            out.append(f"not in {dept or 'the department'} or below")
        else:
            out.append(name)
    return out


def measures(check: CriteriaCheck | None) -> str:
    """The measures behind a check, short: for the eligible list."""
    if check is None:
        return ""
    parts = []
    if check.performance_rating is not None:
        parts.append(f"rating {_num(check.performance_rating)}")
    if check.performance_score is not None:
        parts.append(f"score {_num(check.performance_score)}")
    if check.potential_band:
        parts.append(f"potential {check.potential_band}")
    parts += [f"{code} {level}" for code, level in check.skill_levels.items() if level is not None]
    if check.grade_level is not None:
        parts.append(f"grade {check.grade_level}")
    return " · ".join(parts)


# --- the pools -----------------------------------------------------------------------------------------
@router.get("/succession/pools")
def pools_page(request: Request, db: Session = Depends(get_db), me: Principal = READ) -> Response:
    items = pools.list_pools(db, principal=me)
    return _render(request, "succession/pools.html", me, pools=items, editing=me.has(SuccPermission.POOLS_WRITE),
                   words={p.id: describe(db, p.criteria) for p in items})


def _criteria_page(request: Request, db: Session, me: Principal, *, form: CriteriaForm, pool: Any = None,
                   error: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    rows = list(form.skill_rows) + [("", "")] * SKILL_ROWS
    return _render(request, "succession/pool_form.html", me, status_code=status_code, pool=pool, values=form.values,
                   skill_rows=rows, error=error, **_options(db))


EMPTY = {"code": "", "name": "", "description": "", "perf_periods": "", "perf_kind": "annual", "perf_min_rating": "",
         "perf_min_score": "", "perf_each": "", "pot_band": "", "pot_kind": "annual", "grade_min": "", "grade_max": "",
         "department_id": ""}


@router.get("/succession/pools/new")
def new_pool_page(request: Request, db: Session = Depends(get_db), me: Principal = WRITE) -> Response:
    return _criteria_page(request, db, me, form=CriteriaForm(dict(EMPTY)))


def sent_form(name: str = Form(""), description: str = Form(""), perf_periods: str = Form(""),
              perf_kind: str = Form(""), perf_min_rating: str = Form(""), perf_min_score: str = Form(""),
              perf_each: str = Form(""), pot_band: str = Form(""), pot_kind: str = Form(""), grade_min: str = Form(""),
              grade_max: str = Form(""), department_id: str = Form(""), skill_id: list[str] = Form([]),
              skill_level: list[str] = Form([])) -> CriteriaForm:
    """The criteria form's fields as typed (a dependency of the create and edit routes; the code is theirs)."""
    values = {"code": "", "name": name, "description": description, "perf_periods": perf_periods,
              "perf_kind": perf_kind, "perf_min_rating": perf_min_rating, "perf_min_score": perf_min_score,
              "perf_each": perf_each, "pot_band": pot_band, "pot_kind": pot_kind, "grade_min": grade_min,
              "grade_max": grade_max, "department_id": department_id}
    levels = list(skill_level) + [""] * max(0, len(skill_id) - len(skill_level))
    rows = [(s, lv) for s, lv in zip(skill_id, levels, strict=False)]
    while rows and rows[-1] == ("", ""):  # the form's empty rows come back empty: not the pool's
        rows.pop()
    return CriteriaForm(values, rows)


SENT = Depends(sent_form)


@router.post("/succession/pools")
def create_pool(request: Request, code: str = Form(""), form: CriteriaForm = SENT, db: Session = Depends(get_db),
                me: Principal = WRITE) -> Response:
    form.values["code"] = code
    v = form.values
    try:
        criteria = _criteria(form)
        data = _model(lambda: PoolIn(code=code.strip(), name=v["name"].strip(),
                                     description=v["description"].strip() or None, criteria=criteria))
        out = pools.create_pool(db, principal=me, data=data)
    except HcmError as exc:
        return _criteria_page(request, db, me, form=form, error=_error(exc, form), status_code=exc.status_code)
    flash(request, f"Talent pool {out.name} ({out.code}) created: {out.eligible} people meet its criteria.")
    return RedirectResponse(f"/succession/pools/{out.id}", status_code=303)


@router.get(POOL + "/edit")
def edit_pool_page(request: Request, pool_id: Id, db: Session = Depends(get_db), me: Principal = WRITE) -> Response:
    pool = pools.pool_detail(db, principal=me, pool_id=pool_id)
    return _criteria_page(request, db, me, form=_form_of(pool), pool=pool)


@router.post(POOL)
def update_pool(request: Request, pool_id: Id, form: CriteriaForm = SENT, db: Session = Depends(get_db),
                me: Principal = WRITE) -> Response:
    pool = pools.pool_detail(db, principal=me, pool_id=pool_id)  # a pool that does not exist: the 404 first
    form.values["code"] = pool.code
    v = form.values
    try:
        criteria = _criteria(form)
        data = _model(lambda: PoolPatch(name=v["name"].strip(), description=v["description"].strip() or None,
                                        criteria=criteria))
        out = pools.update_pool(db, principal=me, pool_id=pool_id, data=data)
    except HcmError as exc:
        return _criteria_page(request, db, me, form=form, pool=pool, error=_error(exc, form),
                              status_code=exc.status_code)
    flash(request, f"Talent pool {out.name} saved: {out.eligible} people meet its criteria and are not in it, "
                   f"{out.flagged} member(s) no longer meet them.")
    return RedirectResponse(f"/succession/pools/{out.id}", status_code=303)


# --- one pool ------------------------------------------------------------------------------------------
def _pool_response(request: Request, db: Session, me: Principal, pool_id: int, *, page: int = 1,
                   eligible_page: int = 1, q: str = "", error: dict[str, Any] | None = None,
                   values: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    detail = pools.pool_detail(db, principal=me, pool_id=pool_id)
    current = pools.members(db, principal=me, pool_id=pool_id, page=page, page_size=MEMBERS_PAGE)
    past = [m for m in pools.members(db, principal=me, pool_id=pool_id, include_removed=True, page=1,
                                     page_size=MEMBERS_PAGE).items if m.removed_at is not None]
    eligible = pools.eligible(db, principal=me, pool_id=pool_id, page=eligible_page, page_size=ELIGIBLE_PAGE)
    editing = me.has(SuccPermission.POOLS_WRITE)
    in_pool = {m.employee_id for m in current.items}
    picks = people.search(db, principal=me, q=q, exclude=in_pool) if editing and q.strip() else []
    if error is not None:  # shown at its form when the page has that form, else at the top of the page
        forms = ({"add"} | {f"member-{m.employee_id}" for m in current.items}
                 | {f"eligible-{e.employee_id}" for e in eligible.items}) if editing else set()
        error = {**error, "inline": error["form"] in forms}
    return _render(
        request, "succession/pool.html", me, status_code=status_code, pool=detail,
        words=describe(db, detail.criteria, detail.periods_used), members=current, past=past, eligible=eligible,
        failing={m.employee_id: failing_words(db, detail.criteria, m.check) for m in current.items},
        measures={e.employee_id: measures(e.check) for e in eligible.items}, editing=editing, q=q, picks=picks,
        error=error, values=values or {},
        members_paging=_pager(request, "page", page, MEMBERS_PAGE, current.total, "#members"),
        eligible_paging=_pager(request, "eligible_page", eligible_page, ELIGIBLE_PAGE, eligible.total, "#eligible"))


@router.get(POOL)
def pool_page(request: Request, pool_id: Id, page: PageNo = 1, eligible_page: PageNo = 1, q: SearchText = "",
              db: Session = Depends(get_db), me: Principal = READ) -> Response:
    return _pool_response(request, db, me, pool_id, page=page, eligible_page=eligible_page, q=q)


def _member_id(raw: str) -> int:
    text = raw.strip()
    if not text:
        raise Invalid("choose the person to add", field="employee_id")
    value = _number(text, "employee_id", whole=True)
    assert isinstance(value, int)
    return value


@router.post(POOL + "/members")
def add_member(request: Request, pool_id: Id, employee_id: str = Form(""), reason: str = Form(""), form: str = Form("add"),
               q: SearchText = Form(""), db: Session = Depends(get_db), me: Principal = WRITE) -> Response:
    pools.get_pool(db, pool_id)  # a pool that does not exist: the 404 first
    try:
        emp = _member_id(employee_id)
        data = _model(lambda: MemberIn(employee_id=emp, reason=reason))
        out = pools.add_member(db, principal=me, pool_id=pool_id, data=data)
    except HcmError as exc:
        where = form if form in ("add", f"eligible-{employee_id.strip()}") else "add"
        return _pool_response(request, db, me, pool_id, q=q if where == "add" else "",
                              error={"form": where, "field": exc.field, "message": exc.message},
                              values={"employee_id": employee_id, "reason": reason}, status_code=exc.status_code)
    flash(request, f"{out.name} is in the pool ({out.reason}).")
    return RedirectResponse(f"/succession/pools/{pool_id}#members", status_code=303)


@router.post(POOL + "/members/{employee_id}/remove")
def remove_member(request: Request, pool_id: Id, employee_id: Id, reason: str = Form(""), db: Session = Depends(get_db),
                  me: Principal = WRITE) -> Response:
    pools.get_pool(db, pool_id)
    try:
        data = _model(lambda: MemberRemoveIn(reason=reason))
        out = pools.remove_member(db, principal=me, pool_id=pool_id, employee_id=employee_id, reason=data.reason)
    except HcmError as exc:
        return _pool_response(request, db, me, pool_id, error={"form": f"member-{employee_id}", "field": exc.field,
                                                               "message": exc.message},
                              values={"reason": reason}, status_code=exc.status_code)
    flash(request, f"{out.name} left the pool ({out.removal_reason}).")
    return RedirectResponse(f"/succession/pools/{pool_id}#members", status_code=303)
