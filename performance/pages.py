"""Performance pages (server-rendered): the overview per role, the cascade tree, a goal with its check-in
form, calibration, the 9-box and the points ledger.

Thin routes: each declares its policy with one ``allow(...)``, calls the performance services (which apply
row visibility) and renders a template. A form that a service refuses re-renders its page with the
message and the field named. Nothing is written then: the form is parsed before any service call, and
the services check everything before they add a row. (No savepoint around the call on purpose: SQLAlchemy
fires ``after_commit`` when a savepoint is released, so ``hcm.tasks.enqueue_after_commit`` would send the
recompute before the request's own commit.)

Templates live in ``performance/templates/performance/`` (registered in ``performance.module``) and extend
the web shell's ``base.html``; ``hcm.web.render`` renders them in the shell's one environment.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any, cast

import pydantic
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm import clock
from hcm.deps import get_db
from hcm.errors import Forbidden, HcmError, Invalid
from hcm.fields import MAX_INT, Id
from hcm.org.models import Department, Employee
from hcm.policy import Principal, allow, is_manager, own_profile_id
from hcm.web.forms import required_whole_number, whole_number
from hcm.web.render import flash, pager, render
from performance.models import Period, PeriodState
from performance.policy import (
    PerfPermission,
    may_calibrate,
    may_choose_any_team,
    may_view_teams,
    ninebox_scopes,
    sees_company_scores,
)
from performance.schemas import CascadeNode, CheckInIn
from performance.service import calibration, cascade, landing, lookups, ninebox, points, results, rollup, team

router = APIRouter(include_in_schema=False)

SCOPES = ("team", "department", "company")
NINEBOX_PAGE_SIZE = 100  # people per page of a 9-box cell's drill-down


# --- helpers ---------------------------------------------------------------------------------------
def _render(request: Request, name: str, me: Principal, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    return render(request, name, me, section="performance", status_code=status_code, **context)


def _form_error(exc: HcmError, **extra: Any) -> dict[str, Any]:
    return {"field": exc.field, "message": exc.message, **extra}


def _tabs(me: Principal, period_id: int) -> list[dict[str, str]]:
    base = f"/performance/periods/{period_id}"
    tabs = [{"key": "overview", "label": "Overview", "href": f"/performance?period={period_id}"},
            {"key": "cascade", "label": "Cascade", "href": f"{base}/cascade"}]
    if ninebox_scopes(me):
        tabs.append({"key": "ninebox", "label": "9-box", "href": f"{base}/ninebox"})
    tabs.append({"key": "points", "label": "Points", "href": f"{base}/points"})
    if may_calibrate(me):
        tabs.append({"key": "calibration", "label": "Calibration", "href": f"{base}/calibration"})
    return tabs


def _opt_int(raw: str | None, field: str) -> int | None:
    """A whole number of the forms (an id, a count, a level; the schemas check its own range), or None."""
    return whole_number(raw, field, low=-MAX_INT)


def _req_int(raw: str | None, field: str, what: str) -> int:
    return required_whole_number(raw, field, what, low=-MAX_INT)


def _all_periods(db: Session) -> list[Period]:
    return list(db.scalars(select(Period).order_by(Period.start_date.desc(), Period.id.desc())))


def _opt_float(raw: str | None, field: str) -> float | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Invalid(f"{field}: {raw!r} is not a number", field=field) from None
    if not math.isfinite(value):
        raise Invalid(f"{field}: {raw!r} is not a finite number", field=field)
    return value


def _departments(db: Session) -> list[dict[str, Any]]:
    return [{"id": i, "name": n} for i, n in db.execute(select(Department.id, Department.name).order_by(Department.name))]


# --- overview --------------------------------------------------------------------------------------
@router.get("/performance")
def overview(request: Request, period: str = "", manager: str = "", db: Session = Depends(get_db),
             me: Principal = Depends(allow(PerfPermission.READ))) -> Response:
    all_periods = _all_periods(db)
    wanted = _opt_int(period, "period")
    today = clock.today()
    current = (lookups.get_period(db, wanted) if wanted is not None
               else landing.default_period(db, principal=me, today=today))
    ctx: dict[str, Any] = {"periods": all_periods, "period": current, "tabs": [], "company": None, "departments": [],
                           "chart": None, "managers": [], "manager_id": None, "team": None, "team_error": None,
                           "mine": None}
    if current is None:
        return _render(request, "performance/overview.html", me, **ctx)
    ctx["tabs"] = _tabs(me, current.id)
    if sees_company_scores(me):
        company = results.unit_results(db, principal=me, period_id=current.id, unit_type="company")
        ctx["company"] = company[0].score if company else None
        depts = results.unit_results(db, principal=me, period_id=current.id, unit_type="department")
        ctx["departments"] = depts
        ctx["chart"] = {"labels": [d.name for d in depts],
                        "datasets": [{"label": "Department score", "data": [d.score for d in depts]}]}
    if may_view_teams(me):
        if may_choose_any_team(me):
            ctx["managers"] = team.managers(db, principal=me)
        manager_id = _opt_int(manager, "manager")
        ctx["manager_id"] = manager_id
        if manager_id is not None or is_manager(me):
            try:
                ctx["team"] = team.team_view(db, principal=me, period_id=current.id, manager_id=manager_id,
                                             today=today)
            except HcmError as exc:
                ctx["team_error"] = exc.message
    if (own := own_profile_id(me)) is not None:
        ctx["mine"] = team.person_view(db, principal=me, period_id=current.id, employee_id=own)
    return _render(request, "performance/overview.html", me, **ctx)


# --- cascade ---------------------------------------------------------------------------------------
@router.get("/performance/periods/{period_id}/cascade")
def cascade_page(request: Request, period_id: Id, db: Session = Depends(get_db),
                 me: Principal = Depends(allow(PerfPermission.READ))) -> Response:
    period = lookups.get_period(db, period_id)
    roots = cascade.cascade_tree(db, principal=me, period_id=period_id)

    def count(nodes: list[CascadeNode]) -> int:
        return sum(1 + count(n.children) for n in nodes)

    return _render(request, "performance/cascade.html", me, period=period, tabs=_tabs(me, period.id), roots=roots,
                   nodes=count(roots))


# --- a goal and its check-ins ----------------------------------------------------------------------
def _goal_response(request: Request, db: Session, me: Principal, goal_id: int, *, error: dict[str, Any] | None = None,
                   values: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    detail = team.goal_detail(db, principal=me, goal_id=goal_id, today=clock.today())
    period = detail.period
    today = min(max(clock.today(), period.start_date), period.end_date)
    return _render(request, "performance/goal.html", me, status_code=status_code, tabs=_tabs(me, period.id),
                   error=error, values=values or {}, default_as_of=today.isoformat(), **dict(detail))


@router.get("/performance/goals/{goal_id}")
def goal_page(request: Request, goal_id: Id, db: Session = Depends(get_db),
              me: Principal = Depends(allow(PerfPermission.READ))) -> Response:
    return _goal_response(request, db, me, goal_id)


def _checkin_data(*, as_of: str, actual: str, milestones_done: str, rubric_level: str, comment: str) -> CheckInIn:
    raw_date = as_of.strip()
    if not raw_date:
        raise Invalid("as_of: give the date the value was measured at", field="as_of")
    try:
        day = date.fromisoformat(raw_date)
    except ValueError:
        raise Invalid(f"as_of: {raw_date!r} is not a date (YYYY-MM-DD)", field="as_of") from None
    try:
        return CheckInIn(as_of=day, actual=_opt_float(actual, "actual"),
                         milestones_done=_opt_int(milestones_done, "milestones_done"),
                         rubric_level=_opt_int(rubric_level, "rubric_level"), comment=comment.strip() or None)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "form"
        raise Invalid(f"{field}: {first.get('msg', 'invalid')}", field=field) from None


@router.post("/performance/indicators/{indicator_id}/checkins")
def check_in(request: Request, indicator_id: Id, as_of: str = Form(""), actual: str = Form(""),
             milestones_done: str = Form(""), rubric_level: str = Form(""), comment: str = Form(""),
             db: Session = Depends(get_db), me: Principal = Depends(allow(PerfPermission.CHECKIN))) -> Response:
    # The scope rule: an indicator of a goal one cannot see is answered like one that does not exist (looking
    # it up unscoped first would name its goal's id in the 404 and so tell that it exists).
    indicator = cascade.get_visible_indicator(db, principal=me, indicator_id=indicator_id)
    goal = cascade.get_visible_goal(db, principal=me, goal_id=indicator.goal_id)
    values = {"as_of": as_of, "actual": actual, "milestones_done": milestones_done, "rubric_level": rubric_level,
              "comment": comment}
    try:
        data = _checkin_data(as_of=as_of, actual=actual, milestones_done=milestones_done, rubric_level=rubric_level,
                             comment=comment)
        cascade.check_in(db, principal=me, indicator_id=indicator.id, data=data)
    except HcmError as exc:
        return _goal_response(request, db, me, goal.id, error=_form_error(exc, indicator_id=indicator.id),
                              values=values, status_code=exc.status_code)
    row = rollup.indicator_rows(db, period_id=goal.period_id, goal_ids=[goal.id]).get(indicator.id)
    score = "not scored yet" if row is None or row.score is None else f"score now {row.score:.1f}"
    flash(request, f"Check-in saved for {indicator.code} ({indicator.name}) as of {data.as_of.isoformat()}: {score}.")
    return RedirectResponse(f"/performance/goals/{goal.id}#ind-{indicator.id}", status_code=303)


# --- calibration -----------------------------------------------------------------------------------
def _calibration_response(request: Request, db: Session, me: Principal, period_id: int, department_id: int | None, *,
                          error: dict[str, Any] | None = None, values: dict[str, str] | None = None,
                          status_code: int = 200) -> HTMLResponse:
    period = lookups.get_period(db, period_id)
    dist = calibration.distribution(db, principal=me, period_id=period_id, department_id=department_id)
    chart = {"labels": [f"Rating {r.rating}" for r in dist.rows],
             "datasets": [{"label": "Actual share (%)", "data": [r.share if r.share is not None else 0 for r in dist.rows]},
                          {"label": "Target share (%)", "data": [r.target for r in dist.rows]}]}
    roster = team.calibration_roster(db, principal=me, period_id=period_id, department_id=department_id)
    return _render(request, "performance/calibration.html", me, status_code=status_code, period=period,
                   tabs=_tabs(me, period.id), dist=dist, chart=chart, roster=roster, departments=_departments(db),
                   department_id=department_id, error=error, values=values or {},
                   open=period.state is PeriodState.CALIBRATION)


@router.get("/performance/periods/{period_id}/calibration")
def calibration_page(request: Request, period_id: Id, department: str = "", db: Session = Depends(get_db),
                     me: Principal = Depends(allow(PerfPermission.CALIBRATE))) -> Response:
    return _calibration_response(request, db, me, period_id, _opt_int(department, "department"))


@router.post("/performance/periods/{period_id}/calibration")
def calibrate(request: Request, period_id: Id, employee_id: str = Form(""), value: str = Form(""),
              reason: str = Form(""), department: str = Form(""), db: Session = Depends(get_db),
              me: Principal = Depends(allow(PerfPermission.CALIBRATE))) -> Response:
    department_id = _opt_int(department, "department")
    values = {"employee_id": employee_id, "value": value, "reason": reason}
    try:
        emp = _req_int(employee_id, "employee_id", "the person to calibrate")
        val = _opt_float(value, "value")
        if val is None:
            raise Invalid("value: give the calibrated rating (1-5)", field="value")
        adj = calibration.calibrate(db, principal=me, period_id=period_id, employee_id=emp, value=val, reason=reason)
    except HcmError as exc:
        return _calibration_response(request, db, me, period_id, department_id, error=_form_error(exc), values=values,
                                     status_code=exc.status_code)
    before = "unrated" if adj.before is None else f"{adj.before:g}"
    flash(request, f"{adj.employee_name}: final rating {before} \u2192 {adj.after:g} (calibrated).")
    suffix = f"?department={department_id}" if department_id is not None else ""
    return RedirectResponse(f"/performance/periods/{period_id}/calibration{suffix}", status_code=303)


# --- 9-box -----------------------------------------------------------------------------------------
@router.get("/performance/periods/{period_id}/ninebox")
def ninebox_page(request: Request, period_id: Id, scope: str = "", department: str = "", cell: str = "",
                 page: str = "", db: Session = Depends(get_db),
                 me: Principal = Depends(allow(PerfPermission.READ))) -> Response:
    period = lookups.get_period(db, period_id)
    choices = ninebox_scopes(me)
    if not choices:
        raise Forbidden("the 9-box is for managers, HR and executives; your own results are on the performance overview")
    chosen = scope or choices[0]
    department_id = _opt_int(department, "department")
    box, drill, error, status = None, None, None, 200
    try:
        if chosen not in choices:
            raise Invalid(f"scope: choose one of {', '.join(choices)}", field="scope")
        box = ninebox.nine_box(db, principal=me, period_id=period_id, scope=cast(ninebox.Scope, chosen),
                               department_id=department_id)
        if cell:  # the drill-down: everyone the caller may see in one cell, a page at a time
            page_no = _opt_int(page, "page") or 1
            got = ninebox.cell_people(db, principal=me, period_id=period_id, scope=cast(ninebox.Scope, chosen),
                                      cell=cell, department_id=department_id, page=page_no,
                                      page_size=NINEBOX_PAGE_SIZE)
            drill = {"cell": cell, "label": got.label, "people": got.items, "total": got.total,
                     "paging": pager(request, page_no, NINEBOX_PAGE_SIZE, got.total)}
    except HcmError as exc:
        error, status = exc.message, exc.status_code
    return _render(request, "performance/ninebox.html", me, status_code=status, period=period, tabs=_tabs(me, period.id),
                   box=box, drill=drill, error=error, scope=chosen, scopes=choices, department_id=department_id,
                   departments=_departments(db) if "department" in choices else [])


# --- points ----------------------------------------------------------------------------------------
def _points_response(request: Request, db: Session, me: Principal, period_id: int, *, scope: str = "",
                     department_id: int | None = None, employee_id: int | None = None,
                     error: dict[str, Any] | None = None, values: dict[str, str] | None = None,
                     status_code: int = 200) -> HTMLResponse:
    period = lookups.get_period(db, period_id)
    whose = employee_id if employee_id is not None else me.employee_id
    ledger, ledger_error = None, None
    if whose is not None:
        try:
            ledger = points.ledger(db, principal=me, period_id=period_id, employee_id=whose)
        except HcmError as exc:
            ledger_error = exc.message
    chosen = scope or ("team" if me.position_id is not None else "company")
    board, board_error = None, None
    try:
        if chosen not in SCOPES:
            raise Invalid(f"scope: choose one of {', '.join(SCOPES)}", field="scope")
        board = points.leaderboard(db, principal=me, period_id=period_id, scope=chosen, department_id=department_id)
    except HcmError as exc:
        board_error = exc.message
    rule = next((r for r in points.list_rules(db, active_only=True) if r.code == points.PEER_RECOGNITION), None)
    return _render(request, "performance/points.html", me, status_code=status_code, period=period,
                   tabs=_tabs(me, period.id), ledger=ledger, ledger_error=ledger_error, board=board,
                   board_error=board_error, scope=chosen, scopes=SCOPES, department_id=department_id,
                   departments=_departments(db), rule=rule,
                   can_recognise=me.employee_id is not None and me.has(PerfPermission.POINTS_AWARD),
                   colleagues=team.colleagues(db, principal=me) if me.employee_id is not None else [],
                   open=period.state is not PeriodState.CLOSED, error=error, values=values or {})


@router.get("/performance/periods/{period_id}/points")
def points_page(request: Request, period_id: Id, scope: str = "", department: str = "", employee: str = "",
                db: Session = Depends(get_db), me: Principal = Depends(allow(PerfPermission.READ))) -> Response:
    return _points_response(request, db, me, period_id, scope=scope, department_id=_opt_int(department, "department"),
                            employee_id=_opt_int(employee, "employee"))


@router.post("/performance/periods/{period_id}/points/recognition")
def recognise(request: Request, period_id: Id, employee_id: str = Form(""), reason: str = Form(""),
              db: Session = Depends(get_db), me: Principal = Depends(allow(PerfPermission.POINTS_AWARD))) -> Response:
    values = {"employee_id": employee_id, "reason": reason}
    try:
        emp = _req_int(employee_id, "employee_id", "the colleague to recognise")
        entry = points.award(db, principal=me, period_id=period_id, employee_id=emp, reason=reason,
                             rule_code=points.PEER_RECOGNITION)
    except HcmError as exc:
        return _points_response(request, db, me, period_id, error=_form_error(exc), values=values,
                                status_code=exc.status_code)
    recipient = db.get(Employee, emp)
    name = recipient.full_name if recipient is not None else "your colleague"
    flash(request, f"Thank you! {name} received {entry.amount:+d} points for: {entry.reason}")
    return RedirectResponse(f"/performance/periods/{period_id}/points", status_code=303)
