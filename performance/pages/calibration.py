"""Performance pages: the calibration of final ratings against the period's target distribution."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.errors import HcmError, Invalid
from hcm.fields import Id
from hcm.policy import Principal, allow
from hcm.web.render import flash
from performance.models import PeriodState
from performance.pages.common import departments, form_error, opt_float, opt_int, period_tabs, render_page, req_int
from performance.policy import (
    PerfPermission,
)
from performance.service import calibration, lookups, team

router = APIRouter(include_in_schema=False)


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
    return render_page(request, "performance/calibration.html", me, status_code=status_code, period=period,
                   tabs=period_tabs(me, period.id), dist=dist, chart=chart, roster=roster, departments=departments(db),
                   department_id=department_id, error=error, values=values or {},
                   open=period.state is PeriodState.CALIBRATION)


@router.get("/performance/periods/{period_id}/calibration")
def calibration_page(request: Request, period_id: Id, department: str = "", db: Session = Depends(get_db),
                     me: Principal = Depends(allow(PerfPermission.CALIBRATE))) -> Response:
    return _calibration_response(request, db, me, period_id, opt_int(department, "department"))


@router.post("/performance/periods/{period_id}/calibration")
def calibrate(request: Request, period_id: Id, employee_id: str = Form(""), value: str = Form(""),
              reason: str = Form(""), department: str = Form(""), db: Session = Depends(get_db),
              me: Principal = Depends(allow(PerfPermission.CALIBRATE))) -> Response:
    department_id = opt_int(department, "department")
    values = {"employee_id": employee_id, "value": value, "reason": reason}
    try:
        emp = req_int(employee_id, "employee_id", "the person to calibrate")
        val = opt_float(value, "value")
        if val is None:
            raise Invalid("value: give the calibrated rating (1-5)", field="value")
        adj = calibration.calibrate(db, principal=me, period_id=period_id, employee_id=emp, value=val, reason=reason)
    except HcmError as exc:
        return _calibration_response(request, db, me, period_id, department_id, error=form_error(exc), values=values,
                                     status_code=exc.status_code)
    before = "unrated" if adj.before is None else f"{adj.before:g}"
    flash(request, f"{adj.employee_name}: final rating {before} \u2192 {adj.after:g} (calibrated).")
    suffix = f"?department={department_id}" if department_id is not None else ""
    return RedirectResponse(f"/performance/periods/{period_id}/calibration{suffix}", status_code=303)

