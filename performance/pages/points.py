"""Performance pages: the points ledger, the leaderboard and peer recognition."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.errors import HcmError, Invalid
from hcm.fields import Id
from hcm.org.models import Employee
from hcm.policy import Principal, allow
from hcm.web.render import flash
from performance.models import PeriodState
from performance.pages.common import SCOPES, form_error, opt_int, period_tabs, render_page, req_int
from performance.policy import (
    PerfPermission,
)
from performance.service import lookups, pickers, points, team

router = APIRouter(include_in_schema=False)


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
    offered = pickers.departments(db, principal=me)
    try:
        if chosen not in SCOPES:
            raise Invalid(f"scope: choose one of {', '.join(SCOPES)}", field="scope")
        if department_id is not None and chosen == "department":  # one the viewer may see, else a 404 saying so
            pickers.check_department(db, principal=me, department_id=department_id)
        board = points.leaderboard(db, principal=me, period_id=period_id, scope=chosen, department_id=department_id)
    except pickers.NotYours as exc:
        board_error, status_code = exc.message, exc.status_code
    except HcmError as exc:
        board_error = exc.message
    board_department = board.department_id if board is not None else None
    rule = next((r for r in points.list_rules(db, active_only=True) if r.code == points.PEER_RECOGNITION), None)
    return render_page(request, "performance/points.html", me, status_code=status_code, period=period,
                   tabs=period_tabs(me, period.id), ledger=ledger, ledger_error=ledger_error, board=board,
                   board_error=board_error, scope=chosen, scopes=SCOPES, department_id=department_id,
                   departments=offered, rule=rule,
                   board_department=next((d.name for d in offered if d.id == board_department), None),
                   can_recognise=me.employee_id is not None and me.has(PerfPermission.POINTS_AWARD),
                   colleagues=team.colleagues(db, principal=me) if me.employee_id is not None else [],
                   open=period.state is not PeriodState.CLOSED, error=error, values=values or {})


@router.get("/performance/periods/{period_id}/points")
def points_page(request: Request, period_id: Id, scope: str = "", department: str = "", employee: str = "",
                db: Session = Depends(get_db), me: Principal = Depends(allow(PerfPermission.READ))) -> Response:
    return _points_response(request, db, me, period_id, scope=scope, department_id=opt_int(department, "department"),
                            employee_id=opt_int(employee, "employee"))


@router.post("/performance/periods/{period_id}/points/recognition")
def recognise(request: Request, period_id: Id, employee_id: str = Form(""), reason: str = Form(""),
              db: Session = Depends(get_db), me: Principal = Depends(allow(PerfPermission.POINTS_AWARD))) -> Response:
    values = {"employee_id": employee_id, "reason": reason}
    try:
        emp = req_int(employee_id, "employee_id", "the colleague to recognise")
        entry = points.award(db, principal=me, period_id=period_id, employee_id=emp, reason=reason,
                             rule_code=points.PEER_RECOGNITION)
    except HcmError as exc:
        return _points_response(request, db, me, period_id, error=form_error(exc), values=values,
                                status_code=exc.status_code)
    recipient = db.get(Employee, emp)
    name = recipient.full_name if recipient is not None else "your colleague"
    flash(request, f"Thank you! {name} received {entry.amount:+d} points for: {entry.reason}")
    return RedirectResponse(f"/performance/periods/{period_id}/points", status_code=303)
