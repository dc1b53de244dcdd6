"""Performance pages: setting a period up (HR). The periods with their state; a new period (empty, from a previous
period's plan or from a template: what the copy did, leavers skipped, owners cleared); a period's plan with what
blocks its next state and the button that moves it on (closing needs a confirmation); marking it, or saving it, as
a template. The cascade edited from the pages: a goal's own fields, its indicators (added, edited, their weights
together), the goals supporting it (linked, re-weighted, unlinked). The plan checks show live
(``/static/setup.js`` asks ``/performance/setup/check``, which says the rules of ``performance.service.plan_checks``)
and the same checks refuse the save, naming the field (422), before anything is written."""

from __future__ import annotations

import enum
import re
from datetime import date
from typing import Any, TypeVar

import pydantic
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.errors import HcmError, Invalid, NotFound
from hcm.fields import Id
from hcm.policy import Principal, allow, is_hr
from hcm.web.forms import number
from hcm.web.render import flash, pager
from performance.models import (
    PERIOD_FLOW,
    Cadence,
    Direction,
    GoalLevel,
    IndicatorClass,
    IndicatorKind,
    Period,
    PeriodKind,
    PeriodState,
)
from performance.pages.common import form_error, opt_int, period_tabs, render_page
from performance.policy import PerfPermission
from performance.schemas import ChildrenIn, GoalIn, GoalPatch, IndicatorIn, LinkIn
from performance.schemas_setup import CopyResult, IndicatorPatch
from performance.service import cascade, lookups, periods, plan_checks, setup

router = APIRouter(include_in_schema=False)
HOME = "/performance/setup"
GOALS_SHOWN = 200  # plan goals per page of a period's set-up
E = TypeVar("E", bound=enum.Enum)
STATE_LABEL = {s: s.value.replace("_", " ") for s in PeriodState}
UNIT_FIELD = {GoalLevel.DEPARTMENT: "department_id", GoalLevel.PROCESS: "process_id", GoalLevel.POST: "position_id",
              GoalLevel.EMPLOYEE: "employee_id"}
BOUND_FIELDS = ("threshold", "target", "stretch", "target_low", "target_high", "threshold_low", "threshold_high")
INDICATOR_TEXT = ("code", "name", "unit", "formula")
INDICATOR_NUMBERS = ("baseline", *BOUND_FIELDS)


# --- reading the forms -----------------------------------------------------------------------------
def _text(raw: str, field: str, what: str) -> str:
    value = raw.strip()
    if not value:
        raise Invalid(f"{field}: give {what}", field=field)
    return value


def _choice(raw: str, kind: type[E], field: str) -> E:
    value = raw.strip()
    for member in kind:
        if member.value == value:
            return member
    raise Invalid(f"{field}: choose one of {', '.join(str(m.value) for m in kind)}", field=field)


def _day(raw: str, field: str) -> date:
    text = raw.strip()
    if not text:
        raise Invalid(f"{field}: give a date (YYYY-MM-DD)", field=field)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{field}: {text!r} is not a date (YYYY-MM-DD)", field=field) from None


def _named_field(message: str, default: str) -> str:
    """The indicator field a rule's message names first (whole words: ``threshold`` is not ``threshold_low``)."""
    found = [(m.start(), f) for f in ("milestones_total", *BOUND_FIELDS)
             if (m := re.search(rf"\b{f}\b", message)) is not None]
    return min(found)[1] if found else default


def _model(schema: type[pydantic.BaseModel], /, **values: Any) -> Any:
    """The schema the API takes, built from the form: its first complaint is a 422 naming the field."""
    try:
        return schema(**values)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "form"
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        if field == "form":  # a rule over several fields: the indicator's shape names its field in words
            field = _named_field(message, "kind")
        raise Invalid(f"{field}: {message}", field=field) from None


def _share(raw: str, field: str, default: float) -> float:
    value = number(raw, field)
    return default if value is None else value


def _period_ids(db: Session) -> set[int]:
    return set(db.scalars(select(Period.id)))


def copy_message(p: Period, copied: CopyResult | None) -> str:
    if copied is None:
        return f"Period {p.name} ({p.code}) opened in planning, with an empty plan."
    said = (f"Period {p.name} ({p.code}) opened in planning with the plan of period #{copied.source_period_id}: "
            f"{copied.goals} goals, {copied.links} links, {copied.indicators} indicators copied (no check-ins, "
            "results or ratings).")
    if copied.skipped:
        said += " Left out: " + "; ".join(f"{s.what} {s.code} ({s.reason})" for s in copied.skipped[:10])
        said += f" and {len(copied.skipped) - 10} more." if len(copied.skipped) > 10 else "."
    if copied.cleared_owners:
        said += " Without an owner now: " + "; ".join(f"{s.what} {s.code}" for s in copied.cleared_owners[:10])
        said += f" and {len(copied.cleared_owners) - 10} more." if len(copied.cleared_owners) > 10 else "."
    return said


# --- the periods -----------------------------------------------------------------------------------
def _home(request: Request, db: Session, me: Principal, *, error: dict[str, Any] | None = None,
          values: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    rows = setup.list_periods(db, principal=me)
    return render_page(request, "performance/setup.html", me, status_code=status_code, rows=rows,
                       kinds=list(PeriodKind), state_label=STATE_LABEL, error=error, values=values or {},
                       last=next((r["period"] for r in rows if not r["period"].is_template and r["goals"]), None))


@router.get(HOME)
def setup_home(request: Request, db: Session = Depends(get_db),
               me: Principal = Depends(allow(PerfPermission.PERIODS))) -> Response:
    return _home(request, db, me)


@router.post(f"{HOME}/periods")
def create_period(request: Request, code: str = Form(""), name: str = Form(""), kind: str = Form(""),
                  start_date: str = Form(""), end_date: str = Form(""), parent_id: str = Form(""),
                  source_period_id: str = Form(""), dept_operational_share: str = Form(""),
                  post_operational_share: str = Form(""), collaboration_weight: str = Form(""),
                  competency_weight: str = Form(""), db: Session = Depends(get_db),
                  me: Principal = Depends(allow(PerfPermission.PERIODS))) -> Response:
    values = {"code": code, "name": name, "kind": kind, "start_date": start_date, "end_date": end_date,
              "parent_id": parent_id, "source_period_id": source_period_id,
              "dept_operational_share": dept_operational_share, "post_operational_share": post_operational_share,
              "collaboration_weight": collaboration_weight, "competency_weight": competency_weight}
    try:
        code_v = _text(code, "code", "the period's code")
        if len(code_v) > 32:
            raise Invalid("code: at most 32 characters", field="code")
        name_v = _text(name, "name", "the period's name")
        if len(name_v) > 100:
            raise Invalid("name: at most 100 characters", field="name")
        kind_v = _choice(kind, PeriodKind, "kind")
        start, end = _day(start_date, "start_date"), _day(end_date, "end_date")
        known = _period_ids(db)
        parent = opt_int(parent_id, "parent_id")
        source = opt_int(source_period_id, "source_period_id")
        for field, pid in (("parent_id", parent), ("source_period_id", source)):
            if pid is not None and pid not in known:
                raise Invalid(f"{field}: period #{pid} does not exist", field=field)
        shares = {"dept_operational_share": _share(dept_operational_share, "dept_operational_share", 0.8),
                  "post_operational_share": _share(post_operational_share, "post_operational_share", 0.3),
                  "collaboration_weight": _share(collaboration_weight, "collaboration_weight", 0.1),
                  "competency_weight": _share(competency_weight, "competency_weight", 0.3)}
        p, copied = setup.start_period(db, principal=me, code=code_v, name=name_v, kind=kind_v, start_date=start,
                                       end_date=end, source_period_id=source, parent_id=parent, **shares)
    except HcmError as exc:
        return _home(request, db, me, error=form_error(exc, form="period"), values=values,
                     status_code=exc.status_code)
    flash(request, copy_message(p, copied))
    return RedirectResponse(f"{HOME}/periods/{p.id}", status_code=303)


def _period_page(request: Request, db: Session, me: Principal, period_id: int, *, page: int = 1,
                 error: dict[str, Any] | None = None, values: dict[str, str] | None = None,
                 status_code: int = 200) -> HTMLResponse:
    period = lookups.get_period(db, period_id)
    total = setup.plan_size(db, principal=me, period_id=period.id)
    shown = setup.plan_goals(db, principal=me, period_id=period.id, offset=(page - 1) * GOALS_SHOWN,
                             limit=GOALS_SHOWN)
    nxt = periods.next_state(period)
    return render_page(
        request, "performance/setup_period.html", me, status_code=status_code, period=period,
        tabs=period_tabs(me, period.id), goals=shown, paging=pager(request, page, GOALS_SHOWN, total),
        blockers=periods.blockers(db, period_id=period.id), next_state=nxt, state_label=STATE_LABEL,
        flow=PERIOD_FLOW, error=error, values=values or {})


@router.get(HOME + "/periods/{period_id}")
def period_setup(request: Request, period_id: Id, page: str = "", db: Session = Depends(get_db),
                 me: Principal = Depends(allow(PerfPermission.PERIODS))) -> Response:
    return _period_page(request, db, me, period_id, page=opt_int(page, "page") or 1)


@router.post(HOME + "/periods/{period_id}/advance")
def advance(request: Request, period_id: Id, to: str = Form(""), confirm: str = Form(""),
            db: Session = Depends(get_db), me: Principal = Depends(allow(PerfPermission.PERIODS))) -> Response:
    period = lookups.get_period(db, period_id)
    try:
        target = _choice(to, PeriodState, "to")
        if target is PeriodState.CLOSED and confirm.strip() != "yes":
            raise Invalid("confirm: closing freezes every score and rating of the period for good; tick the "
                          "confirmation to close it", field="confirm")
        periods.advance(db, period_id=period.id, to=target)
    except NotFound:
        raise
    except HcmError as exc:
        return _period_page(request, db, me, period.id, error=form_error(exc, form="advance"),
                            status_code=exc.status_code)
    flash(request, f"{period.name} is now {STATE_LABEL[target]}.")
    return RedirectResponse(f"{HOME}/periods/{period.id}", status_code=303)


@router.post(HOME + "/periods/{period_id}/template")
def mark_template(request: Request, period_id: Id, is_template: str = Form(""), db: Session = Depends(get_db),
                  me: Principal = Depends(allow(PerfPermission.PERIODS))) -> Response:
    period = lookups.get_period(db, period_id)
    try:
        if is_template not in ("0", "1"):
            raise Invalid("is_template: 1 (a template) or 0 (a period to run)", field="is_template")
        setup.set_template(db, principal=me, period_id=period.id, is_template=is_template == "1")
    except NotFound:
        raise
    except HcmError as exc:
        return _period_page(request, db, me, period.id, error=form_error(exc, form="template"),
                            status_code=exc.status_code)
    flash(request, f"{period.name} is now a template: periods start from its plan; it never runs."
          if period.is_template else f"{period.name} is no longer a template: it can be started.")
    return RedirectResponse(f"{HOME}/periods/{period.id}", status_code=303)


@router.post(HOME + "/periods/{period_id}/save-template")
def save_template(request: Request, period_id: Id, code: str = Form(""), name: str = Form(""),
                  db: Session = Depends(get_db), me: Principal = Depends(allow(PerfPermission.PERIODS))) -> Response:
    period = lookups.get_period(db, period_id)
    values = {"code": code, "name": name}
    try:
        code_v = _text(code, "code", "the template's code")
        name_v = _text(name, "name", "the template's name")
        if len(code_v) > 32 or len(name_v) > 100:
            field = "code" if len(code_v) > 32 else "name"
            raise Invalid(f"{field}: too long", field=field)
        tpl, copied = setup.save_as_template(db, principal=me, source_period_id=period.id, code=code_v, name=name_v)
    except HcmError as exc:
        return _period_page(request, db, me, period.id, error=form_error(exc, form="save-template"), values=values,
                            status_code=exc.status_code)
    flash(request, f"Template {tpl.name} ({tpl.code}) saved from {period.name}: {copied.goals} goals, "
                   f"{copied.links} links, {copied.indicators} indicators.")
    return RedirectResponse(f"{HOME}/periods/{tpl.id}", status_code=303)


# --- goals -----------------------------------------------------------------------------------------
def _new_goal_page(request: Request, db: Session, me: Principal, period_id: int, *,
                   error: dict[str, Any] | None = None, values: dict[str, str] | None = None,
                   status_code: int = 200) -> HTMLResponse:
    """The form of a new goal: on its own page, as it offers every unit, post and person (thousands of options)."""
    period = lookups.get_period(db, period_id)
    return render_page(request, "performance/setup_new_goal.html", me, status_code=status_code, period=period,
                       tabs=period_tabs(me, period.id), levels=list(GoalLevel),
                       units=setup.unit_choices(db, principal=me), owners=setup.owner_choices(db, principal=me),
                       error=error, values=values or {})


@router.get(HOME + "/periods/{period_id}/new-goal")
def new_goal(request: Request, period_id: Id, db: Session = Depends(get_db),
             me: Principal = Depends(allow(PerfPermission.PERIODS))) -> Response:
    return _new_goal_page(request, db, me, period_id)


@router.post(HOME + "/periods/{period_id}/goals")
def create_goal(request: Request, period_id: Id, code: str = Form(""), title: str = Form(""),
                description: str = Form(""), level: str = Form(""), department_id: str = Form(""),
                process_id: str = Form(""), position_id: str = Form(""), employee_id: str = Form(""),
                owner_employee_id: str = Form(""), db: Session = Depends(get_db),
                me: Principal = Depends(allow(PerfPermission.PLAN))) -> Response:
    period = lookups.get_period(db, period_id)
    raw = {"department_id": department_id, "process_id": process_id, "position_id": position_id,
           "employee_id": employee_id}
    values = {"code": code, "title": title, "description": description, "level": level,
              "owner_employee_id": owner_employee_id, **raw}
    try:
        lv = _choice(level, GoalLevel, "level")
        wanted = {UNIT_FIELD[lv]} if lv in UNIT_FIELD else set()
        if lv is GoalLevel.EMPLOYEE:
            wanted.add("position_id")
        units = {f: opt_int(v, f) for f, v in raw.items() if f in wanted}
        data = _model(GoalIn, code=code.strip(), title=title.strip(), description=description.strip() or None,
                      level=lv, owner_employee_id=opt_int(owner_employee_id, "owner_employee_id"), **units)
        goal = cascade.create_goal(db, principal=me, period_id=period.id, data=data)
    except NotFound:
        raise
    except HcmError as exc:
        if not is_hr(me):
            raise
        return _new_goal_page(request, db, me, period.id, error=form_error(exc, form="goal"), values=values,
                              status_code=exc.status_code)
    flash(request, f"Goal {goal.code} \u201c{goal.title}\u201d added to {period.name}.")
    return RedirectResponse(f"{HOME}/goals/{goal.id}", status_code=303)


def _goal_page(request: Request, db: Session, me: Principal, goal_id: int, *, error: dict[str, Any] | None = None,
               values: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    ed = setup.goal_editor(db, principal=me, goal_id=goal_id)
    return render_page(
        request, "performance/setup_goal.html", me, status_code=status_code, tabs=period_tabs(me, ed["period"].id),
        owner_choices=setup.owner_choices(db, principal=me), kinds=list(IndicatorKind), directions=list(Direction),
        classes=list(IndicatorClass), cadences=list(Cadence), error=error, values=values or {},
        new_indicator=indicator_form(None, values if values and error and error.get("form") == "indicator" else {}),
        **ed)


@router.get(HOME + "/goals/{goal_id}")
def goal_setup(request: Request, goal_id: Id, db: Session = Depends(get_db),
               me: Principal = Depends(allow(PerfPermission.PLAN))) -> Response:
    return _goal_page(request, db, me, goal_id)


@router.post(HOME + "/goals/{goal_id}")
def update_goal(request: Request, goal_id: Id, title: str = Form(""), description: str = Form(""),
                owner_employee_id: str = Form(""), db: Session = Depends(get_db),
                me: Principal = Depends(allow(PerfPermission.PLAN))) -> Response:
    goal = cascade.get_visible_goal(db, principal=me, goal_id=goal_id)
    values = {"title": title, "description": description, "owner_employee_id": owner_employee_id}
    try:
        data = _model(GoalPatch, title=title.strip(), description=description.strip() or None,
                      owner_employee_id=opt_int(owner_employee_id, "owner_employee_id"))
        cascade.update_goal(db, principal=me, goal_id=goal.id, data=data)
    except NotFound:
        raise
    except HcmError as exc:
        return _goal_page(request, db, me, goal.id, error=form_error(exc, form="goal"), values=values,
                          status_code=exc.status_code)
    flash(request, f"Goal {goal.code} saved.")
    return RedirectResponse(f"{HOME}/goals/{goal.id}", status_code=303)


@router.post(HOME + "/goals/{goal_id}/children")
async def set_children(request: Request, goal_id: Id, db: Session = Depends(get_db),
                       me: Principal = Depends(allow(PerfPermission.PLAN))) -> Response:
    """The goals supporting this one, as one form: each linked goal's weight (``weight_<id>``; ``unlink_<id>``
    drops it) and one goal to add (``add_child``, ``add_weight``). The new set must add to 100."""
    goal = cascade.get_visible_goal(db, principal=me, goal_id=goal_id)
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrftoken"}
    try:
        links: list[LinkIn] = []
        for key in sorted(k for k in values if k.startswith("weight_")):
            child = opt_int(key.removeprefix("weight_"), key)
            if child is None or values.get(f"unlink_{child}"):
                continue
            w = number(values[key], key)
            if w is None:
                raise Invalid(f"{key}: give the weight of the linked goal, or tick unlink", field=key)
            links.append(_model(LinkIn, child_goal_id=child, weight=w))
        new = opt_int(values.get("add_child"), "add_child")
        if new is not None:
            w = number(values.get("add_weight"), "add_weight")
            if w is None:
                raise Invalid("add_weight: give the weight of the goal to link", field="add_weight")
            try:
                links.append(LinkIn(child_goal_id=new, weight=w))
            except pydantic.ValidationError:
                raise Invalid("add_weight: a weight is more than 0 and at most 100", field="add_weight") from None
        plan_checks.enforce_weights((lk.weight for lk in links), field="children",
                                    what=f"the goals supporting {goal.code}")
        cascade.set_children(db, principal=me, parent_goal_id=goal.id, data=ChildrenIn(children=links))
    except NotFound:
        raise
    except HcmError as exc:
        return _goal_page(request, db, me, goal.id, error=form_error(exc, form="children"), values=values,
                          status_code=exc.status_code)
    flash(request, f"Supporting goals of {goal.code} saved: {len(links)} linked.")
    return RedirectResponse(f"{HOME}/goals/{goal.id}#children", status_code=303)


# --- indicators ------------------------------------------------------------------------------------
INDICATOR_FORM = (*INDICATOR_TEXT, *INDICATOR_NUMBERS, "milestones_total", "owner_employee_id", "kind", "direction",
                  "klass", "cadence", "weight")
NEW_INDICATOR = {"kind": "quantitative", "direction": "higher_is_better", "klass": "operational", "cadence": "monthly"}


def indicator_form(ind: Any, typed: dict[str, str]) -> dict[str, str]:
    """Every field of an indicator form as text: what was typed, over the indicator's current values (a new one:
    the defaults)."""
    out: dict[str, str] = {}
    for f in INDICATOR_FORM:
        cur = getattr(ind, f, None) if ind is not None else NEW_INDICATOR.get(f)
        if isinstance(cur, enum.Enum):
            cur = cur.value
        elif isinstance(cur, float):
            cur = f"{cur:g}"
        out[f] = typed.get(f, "" if cur is None else str(cur))
    return out


def _indicator_values(form: dict[str, str], *, partial: bool) -> dict[str, Any]:
    """The indicator fields of a form, read: text, numbers (empty = none), the choices, the owner."""
    out: dict[str, Any] = {}
    for f in INDICATOR_TEXT:
        v = form.get(f, "").strip()
        if v or not partial or f in ("unit", "formula"):
            out[f] = v or None if f in ("unit", "formula") else v
    for f in INDICATOR_NUMBERS:
        out[f] = number(form.get(f), f)
    out["milestones_total"] = opt_int(form.get("milestones_total"), "milestones_total")
    out["owner_employee_id"] = opt_int(form.get("owner_employee_id"), "owner_employee_id")
    for f, kind in (("kind", IndicatorKind), ("direction", Direction), ("klass", IndicatorClass),
                    ("cadence", Cadence)):
        if form.get(f, "").strip() or not partial:
            out[f] = _choice(form.get(f, ""), kind, f)
    weight = number(form.get("weight"), "weight")
    if weight is None:
        raise Invalid("weight: give the indicator's weight in its goal (more than 0, at most 100)", field="weight")
    out["weight"] = weight
    return out


@router.post(HOME + "/goals/{goal_id}/indicators")
async def create_indicator(request: Request, goal_id: Id, db: Session = Depends(get_db),
                           me: Principal = Depends(allow(PerfPermission.PLAN))) -> Response:
    goal = cascade.get_visible_goal(db, principal=me, goal_id=goal_id)
    form = {k: str(v) for k, v in (await request.form()).items() if k != "csrftoken"}
    try:
        data = _model(IndicatorIn, **_indicator_values(form, partial=False))
        ind = cascade.create_indicator(db, principal=me, goal_id=goal.id, data=data)
    except NotFound:
        raise
    except HcmError as exc:
        return _goal_page(request, db, me, goal.id, error=form_error(exc, form="indicator"), values=form,
                          status_code=exc.status_code)
    flash(request, f"Indicator {ind.code} added to goal {goal.code} (weight {ind.weight:g}).")
    return RedirectResponse(f"{HOME}/goals/{goal.id}#indicators", status_code=303)


@router.post(HOME + "/goals/{goal_id}/indicator-weights")
async def indicator_weights(request: Request, goal_id: Id, db: Session = Depends(get_db),
                            me: Principal = Depends(allow(PerfPermission.PLAN))) -> Response:
    """Every indicator weight of the goal at once (``weight_<indicator id>``): they must add to 100."""
    ed = setup.goal_editor(db, principal=me, goal_id=goal_id)
    goal = ed["goal"]
    form = {k: str(v) for k, v in (await request.form()).items() if k != "csrftoken"}
    try:
        new: dict[int, float] = {}
        for ind in ed["indicators"]:
            key = f"weight_{ind.id}"
            w = number(form.get(key), key)
            if w is None:
                raise Invalid(f"{key}: give the weight of indicator {ind.code}", field=key)
            if not 0 < w <= 100:
                raise Invalid(f"{key}: a weight is more than 0 and at most 100", field=key)
            new[ind.id] = w
        plan_checks.enforce_weights(new.values(), field="weights", what=f"the indicators of {goal.code}")
        for ind_id, w in new.items():
            cascade.update_indicator(db, principal=me, indicator_id=ind_id, data=IndicatorPatch(weight=w))
    except NotFound:
        raise
    except HcmError as exc:
        return _goal_page(request, db, me, goal.id, error=form_error(exc, form="weights"), values=form,
                          status_code=exc.status_code)
    flash(request, f"Indicator weights of {goal.code} saved: " + ", ".join(
        f"{i.code} {new[i.id]:g}" for i in ed["indicators"]) + ".")
    return RedirectResponse(f"{HOME}/goals/{goal.id}#indicators", status_code=303)


def _indicator_page(request: Request, db: Session, me: Principal, indicator_id: int, *,
                    error: dict[str, Any] | None = None, values: dict[str, str] | None = None,
                    status_code: int = 200) -> HTMLResponse:
    ed = setup.indicator_editor(db, principal=me, indicator_id=indicator_id)
    return render_page(
        request, "performance/setup_indicator.html", me, status_code=status_code,
        tabs=period_tabs(me, ed["period"].id), owner_choices=setup.owner_choices(db, principal=me),
        kinds=list(IndicatorKind), directions=list(Direction), classes=list(IndicatorClass), cadences=list(Cadence),
        error=error, values=values or {}, v=indicator_form(ed["indicator"], values or {}), **ed)


@router.get(HOME + "/indicators/{indicator_id}")
def indicator_setup(request: Request, indicator_id: Id, db: Session = Depends(get_db),
                    me: Principal = Depends(allow(PerfPermission.PLAN))) -> Response:
    return _indicator_page(request, db, me, indicator_id)


@router.post(HOME + "/indicators/{indicator_id}")
async def update_indicator(request: Request, indicator_id: Id, db: Session = Depends(get_db),
                           me: Principal = Depends(allow(PerfPermission.PLAN))) -> Response:
    ind = cascade.get_visible_indicator(db, principal=me, indicator_id=indicator_id)
    form = {k: str(v) for k, v in (await request.form()).items() if k != "csrftoken"}
    try:
        data = _model(IndicatorPatch, **_indicator_values(form, partial=True))
        cascade.update_indicator(db, principal=me, indicator_id=ind.id, data=data)
    except NotFound:
        raise
    except HcmError as exc:
        return _indicator_page(request, db, me, ind.id, error=form_error(exc, form="indicator"), values=form,
                               status_code=exc.status_code)
    flash(request, f"Indicator {ind.code} saved.")
    return RedirectResponse(f"{HOME}/goals/{ind.goal_id}#indicators", status_code=303)


# --- the live check --------------------------------------------------------------------------------
@router.get(HOME + "/check")
def check(request: Request, me: Principal = Depends(allow(PerfPermission.PLAN))) -> Response:
    """What the plan checks say of the values being typed (JSON for ``setup.js``): ``w`` (repeated) are weights
    that must add to 100 (``what`` names them); ``direction`` and the bounds are an indicator's scale."""
    q = request.query_params
    try:
        out: dict[str, Any] = {}
        if "w" in q:
            ws = [number(v, "w") for v in q.getlist("w")]
            out["weights"] = plan_checks.weights([w for w in ws if w is not None], field=q.get("field") or "weights",
                                                 what=q.get("what") or "these weights").as_dict()
        if q.get("direction"):
            direction = _choice(q["direction"], Direction, "direction")
            out["bounds"] = plan_checks.bounds(direction, **{f: number(q.get(f), f) for f in BOUND_FIELDS}
                                               ).as_dict()
    except Invalid as exc:
        return JSONResponse({"error": "invalid", "field": exc.field, "message": exc.message}, status_code=422)
    return JSONResponse(out)
