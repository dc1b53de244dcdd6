"""Performance pages: reviews. The status of each person's review (HR: everyone, a manager: their reporting
subtree), a person's performance page (goals, ratings by source, the review status, the rating forms), the
self-assessment and the manager's rating forms (also on the overview: its own section and its team view),
their approval, and HR's setting whether employees see their own potential."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.errors import HcmError, Invalid, NotFound
from hcm.fields import Id
from hcm.policy import Principal, allow
from hcm.web.forms import number, whole_number
from hcm.web.render import flash, pager
from performance.pages.common import form_error, opt_int, period_tabs, render_page
from performance.policy import PerfPermission
from performance.service import breakdown, lookups, pickers, reviews, settings

router = APIRouter(include_in_schema=False)
BACK = ("team", "person", "reviews")  # where a rating form sends its writer back (nowhere else: no open redirect)


def _g(v: float) -> str:
    return f"{v:g}"


# --- the reviews list -------------------------------------------------------------------------------------
@router.get("/performance/periods/{period_id}/reviews")
def reviews_page(request: Request, period_id: Id, department: str = "", status: str = "", page: str = "",
                 db: Session = Depends(get_db), me: Principal = Depends(allow(PerfPermission.READ))) -> Response:
    department_id = opt_int(department, "department")
    number = whole_number(page, "page") or 1
    found = reviews.review_list(db, principal=me, period_id=period_id, department_id=department_id,
                                status=status or None, page=number)
    return render_page(request, "performance/reviews.html", me, period=found.period,
                       tabs=period_tabs(me, found.period.id), found=found, departments=pickers.departments(db, principal=me),
                       filters=reviews.STATUS_FILTERS, may_change_settings=me.has(PerfPermission.PERIODS),
                       paging=pager(request, found.page, found.page_size, found.listed))


# --- a person's performance page --------------------------------------------------------------------------
def _person_response(request: Request, db: Session, me: Principal, period_id: int, employee_id: int, *,
                     error: dict[str, Any] | None = None, values: dict[str, str] | None = None,
                     status_code: int = 200) -> HTMLResponse:
    found = reviews.person_review(db, principal=me, period_id=period_id, employee_id=employee_id)
    period = lookups.get_period(db, period_id)
    return render_page(request, "performance/person.html", me, status_code=status_code, period=period,
                       tabs=period_tabs(me, period.id), found=found, p=found.person, review=found.review,
                       reviews_open=found.open, error=error, values=values or {},
                       breakdown=breakdown.person(db, principal=me, period_id=period.id, employee_id=employee_id))


@router.get("/performance/periods/{period_id}/people/{employee_id}")
def person_page(request: Request, period_id: Id, employee_id: Id, db: Session = Depends(get_db),
                me: Principal = Depends(allow(PerfPermission.READ))) -> Response:
    return _person_response(request, db, me, period_id, employee_id)


# --- the forms ----------------------------------------------------------------------------------------------
@router.post("/performance/periods/{period_id}/self-assessment")
def self_assessment(request: Request, period_id: Id, performance: str = Form(""), competency: str = Form(""),
                    comment: str = Form(""), db: Session = Depends(get_db),
                    me: Principal = Depends(allow(PerfPermission.RATE))) -> Response:
    values = {"performance": performance, "competency": competency, "comment": comment, "form": "self"}
    try:
        events = reviews.self_assess(db, principal=me, period_id=period_id,
                                     performance=number(performance, "performance"),
                                     competency=number(competency, "competency"), comment=comment)
    except NotFound:
        raise
    except HcmError as exc:
        if me.employee_id is None:
            raise
        return _person_response(request, db, me, period_id, me.employee_id, error=form_error(exc, form="self"),
                                values=values, status_code=exc.status_code)
    said = ", ".join(f"{e.kind.value} {_g(e.value)} of {e.scale_max}" for e in events)
    flash(request, f"Self-assessment submitted: {said}. Your manager sees it beside their own rating.")
    return RedirectResponse(f"/performance?period={period_id}#my-review", status_code=303)


def _back(back: str, period_id: int, employee_id: int, manager: int | None) -> str:
    if back == "team":
        suffix = f"&manager={manager}" if manager is not None else ""
        return f"/performance?period={period_id}{suffix}#member-{employee_id}"
    if back == "reviews":
        return f"/performance/periods/{period_id}/reviews"
    return f"/performance/periods/{period_id}/people/{employee_id}"


@router.post("/performance/periods/{period_id}/people/{employee_id}/ratings")
def rate(request: Request, period_id: Id, employee_id: Id, performance: str = Form(""), competency: str = Form(""),
         potential: str = Form(""), comment: str = Form(""), back: str = Form("person"), manager: str = Form(""),
         db: Session = Depends(get_db), me: Principal = Depends(allow(PerfPermission.RATE))) -> Response:
    values = {"performance": performance, "competency": competency, "potential": potential, "comment": comment,
              "form": "rate"}
    try:
        if back not in BACK:
            raise Invalid(f"back: choose one of {', '.join(BACK)}", field="back")
        manager_id = opt_int(manager, "manager")
        events = reviews.rate(db, principal=me, period_id=period_id, employee_id=employee_id,
                              performance=number(performance, "performance"),
                              competency=number(competency, "competency"),
                              potential=number(potential, "potential"), comment=comment)
    except NotFound:
        raise  # outside the caller's scope: the 404 of nobody, not a page about them
    except HcmError as exc:
        return _person_response(request, db, me, period_id, employee_id, error=form_error(exc, form="rate"),
                                values=values, status_code=exc.status_code)
    said = ", ".join(f"{e.kind.value} {_g(e.value)} of {e.scale_max}" for e in events)
    flash(request, f"Rating submitted ({events[0].source.value}): {said}. It counts once approved.")
    return RedirectResponse(_back(back, period_id, employee_id, manager_id), status_code=303)


@router.post("/performance/periods/{period_id}/people/{employee_id}/approve")
def approve(request: Request, period_id: Id, employee_id: Id, db: Session = Depends(get_db),
            me: Principal = Depends(allow(PerfPermission.RATE))) -> Response:
    try:
        events = reviews.approve(db, principal=me, period_id=period_id, employee_id=employee_id)
    except NotFound:
        raise
    except HcmError as exc:
        return _person_response(request, db, me, period_id, employee_id, error=form_error(exc, form="approve"),
                                status_code=exc.status_code)
    said = ", ".join(f"{e.kind.value} {_g(e.value)}" for e in events)
    flash(request, f"Approved: {said}. These are now the final ratings.")
    return RedirectResponse(f"/performance/periods/{period_id}/people/{employee_id}", status_code=303)


# --- HR's settings ------------------------------------------------------------------------------------------
@router.get("/performance/settings")
def settings_page(request: Request, db: Session = Depends(get_db),
                  me: Principal = Depends(allow(PerfPermission.PERIODS))) -> Response:
    return render_page(request, "performance/reviews_settings.html", me, current=settings.view(db))


@router.post("/performance/settings")
def save_settings(request: Request, employees_see_potential: str = Form(""), db: Session = Depends(get_db),
                  me: Principal = Depends(allow(PerfPermission.PERIODS))) -> Response:
    value = employees_see_potential.strip().lower()
    if value not in ("", "0", "1", "on", "off", "true", "false"):
        raise Invalid(f"employees_see_potential: {employees_see_potential!r} is neither on nor off",
                      field="employees_see_potential")
    on = value in ("1", "on", "true")
    settings.update(db, principal=me, employees_see_potential=on)
    flash(request, "People now see their own potential rating." if on
          else "People no longer see their own potential rating.")
    return RedirectResponse("/performance/settings", status_code=303)
