"""Performance pages: a calibration session. HR sees the people in scope in one table (filter by department
subtree, grade level and manager; sort by any column, ``sort=-score`` descending), and changes a final rating
with its reason in one step per row: a form post that works without script (303 back to the same view), which
``/static/calibration.js`` sends with fetch and whose answer it swaps into the page in place (the row, the
counts, the chart, the log). The table stays, read-only, when the period is not in calibration."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.errors import HcmError, Invalid
from hcm.fields import Id
from hcm.org.models import Employee
from hcm.policy import Principal, allow
from hcm.web.charts import column_chart
from hcm.web.forms import number
from hcm.web.render import flash
from performance.pages.common import departments, form_error, opt_int, period_tabs, render_page, req_int
from performance.policy import PerfPermission
from performance.rules import RATING_SCALE, rating_name
from performance.schemas_calibration import CalibrationSession, Choice, SessionFilters
from performance.service import calibration, lookups

router = APIRouter(include_in_schema=False)

VIEW_PARAMS = ("department", "level", "manager", "sort", "page")


def _view(request: Request) -> dict[str, str]:
    """The view the page was asked for (its filters, sort and page), to come back to after a change."""
    q = request.query_params
    return {k: q[k] for k in VIEW_PARAMS if q.get(k)}


def _chart(s: CalibrationSession) -> Any:
    rows = s.distribution
    return column_chart([str(r.rating) for r in rows],
                        [("actual", "Actual share", [None if r.share is None else r.share / 100 for r in rows]),
                         ("target", "Target share", [r.target / 100 for r in rows])],
                        sublabels=[RATING_SCALE[r.rating] for r in rows], x_title="Final performance rating",
                        y_title="Share of the rated people")


def _managers(db: Session, s: CalibrationSession) -> list[Choice]:
    """The manager picker: the managers of the people the department and level leave, and the manager the view
    is filtered by even when those leave none of theirs (else the picker would say "Any manager" while the
    table is filtered by one)."""
    chosen = s.filters.manager_id
    if chosen is None or any(m.id == chosen for m in s.managers):
        return s.managers
    person = db.get(Employee, chosen)  # the session checked it exists
    return [Choice(id=chosen, name=person.full_name if person is not None else f"#{chosen}"), *s.managers]


def _page(request: Request, db: Session, me: Principal, period_id: int, *, error: dict[str, Any] | None = None,
          values: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    view = _view(request)
    try:
        filters = SessionFilters(department_id=opt_int(view.get("department"), "department"),
                                 level=opt_int(view.get("level"), "level"),
                                 manager_id=opt_int(view.get("manager"), "manager"))
        page = opt_int(view.get("page"), "page") or 1
        s = calibration.session(db, principal=me, period_id=period_id, filters=filters,
                                sort=view.get("sort") or calibration.DEFAULT_SORT, page=page)
    except Invalid:
        if error is not None:  # a bad view under a bad form: show the form's error on the plain view
            s = calibration.session(db, principal=me, period_id=period_id)
        else:
            raise
    period = lookups.get_period(db, period_id)
    managers = _managers(db, s)
    base = f"/performance/periods/{period_id}/calibration"
    keep = {k: v for k, v in view.items() if k != "sort"}

    def sort_href(key: str) -> str:
        now = s.sort
        return base + "?" + urlencode({**keep, "sort": f"-{key}" if now == key else key})

    pages = max(1, -(-s.total // s.page_size))
    return render_page(
        request, "performance/calibration.html", me, status_code=status_code, period=period,
        tabs=period_tabs(me, period.id), s=s, chart=_chart(s), departments=departments(db), scale=RATING_SCALE,
        rating_name=rating_name, sort_href=sort_href, managers=managers,
        action=base + ("?" + urlencode(view) if view else ""),
        pages=pages, page_href=lambda n: base + "?" + urlencode({**view, "page": n}),
        error=error, values=values or {})


@router.get("/performance/periods/{period_id}/calibration")
def calibration_page(request: Request, period_id: Id, db: Session = Depends(get_db),
                     me: Principal = Depends(allow(PerfPermission.CALIBRATE))) -> Response:
    return _page(request, db, me, period_id)


@router.post("/performance/periods/{period_id}/calibration")
def calibrate(request: Request, period_id: Id, employee_id: str = Form(""), value: str = Form(""),
              reason: str = Form(""), department: str = Form(""), db: Session = Depends(get_db),
              me: Principal = Depends(allow(PerfPermission.CALIBRATE))) -> Response:
    values = {"employee_id": employee_id, "value": value, "reason": reason}
    try:
        emp = req_int(employee_id, "employee_id", "the person to calibrate")
        val = number(value, "value")
        if val is None:
            raise Invalid("value: choose the new rating (1-5)", field="value")
        adj = calibration.calibrate(db, principal=me, period_id=period_id, employee_id=emp, value=val, reason=reason)
    except HcmError as exc:
        return _page(request, db, me, period_id, error=form_error(exc, employee_id=employee_id), values=values,
                     status_code=exc.status_code)
    flash(request, f"{adj.employee_name}: final rating {rating_name(adj.before) if adj.before is not None else 'unrated'}"
                   f" \u2192 {rating_name(adj.after)} (calibrated).")
    view = _view(request)
    if department and "department" not in view:  # the department of a form posted without the view in its address
        view = {"department": department, **view}
    suffix = "?" + urlencode(view) if view else ""
    return RedirectResponse(f"/performance/periods/{period_id}/calibration{suffix}", status_code=303)
