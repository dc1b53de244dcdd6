"""Performance pages: the goal cascade of a period, a goal with its indicators and the check-in form."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pydantic
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from hcm import clock
from hcm.deps import get_db
from hcm.errors import HcmError, Invalid
from hcm.fields import Id
from hcm.policy import Principal, allow
from hcm.web.forms import number
from hcm.web.render import flash, pager
from performance.pages.common import form_error, opt_int, period_tabs, render_page
from performance.policy import (
    PerfPermission,
    may_plan,
)
from performance.schemas import CheckInIn
from performance.service import breakdown, cascade, cascade_view, rollup, team

router = APIRouter(include_in_schema=False)


# --- cascade ---------------------------------------------------------------------------------------
@router.get("/performance/periods/{period_id}/cascade")
def cascade_page(request: Request, period_id: Id, goal: str = "", q: str = "", page: str = "",
                 db: Session = Depends(get_db), me: Principal = Depends(allow(PerfPermission.READ))) -> Response:
    """The top of the cascade (and the way to one's own goals), or opened on ``goal``; ``q`` searches goals
    and owners (``performance.service.cascade_view``)."""
    focus = opt_int(goal, "goal")
    try:
        number = opt_int(page, "page") or 1
        view = cascade_view.cascade_page(db, principal=me, period_id=period_id, focus_goal_id=focus, q=q,
                                         page=number)
        error = None
    except Invalid as exc:  # the search's own fields: the page without the search, the field named
        if exc.field not in ("q", "page"):
            raise
        view = cascade_view.cascade_page(db, principal=me, period_id=period_id, focus_goal_id=focus)
        error = form_error(exc)
    pages = pager(request, view.search.page, view.search.page_size, view.search.total) if view.search else None
    return render_page(request, "performance/cascade.html", me, status_code=422 if error else 200,
                       period=view.period, tabs=period_tabs(me, period_id), view=view, q=q, error=error, pages=pages)


@router.get("/performance/periods/{period_id}/cascade/{goal_id}/children")
def cascade_children(request: Request, period_id: Id, goal_id: Id, db: Session = Depends(get_db),
                     me: Principal = Depends(allow(PerfPermission.READ))) -> Response:
    """The rows of the goals supporting a goal, as HTML for the page's script to put in place."""
    nodes = cascade_view.cascade_children(db, principal=me, period_id=period_id, goal_id=goal_id)
    return render_page(request, "performance/cascade_children.html", me, nodes=nodes, period_id=period_id)


# --- a goal and its check-ins ----------------------------------------------------------------------
def safe_next(target: str | None) -> str | None:
    """Where a check-in form sends the person back to (the page the form was on): a path of this site's
    performance pages only (``/performance``, ``/performance?...``, ``/performance/...``), never a scheme, a
    host, a protocol-relative ``//`` or a control character; anything else is None (the goal's page)."""
    target = (target or "").strip()
    if not target or len(target) > 2000 or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    if parts.path != "/performance" and not parts.path.startswith("/performance/"):
        return None
    return target


# The indicator whose check-in was just saved (set with the flash when the redirect goes to its goal's page): the
# goal page shows the confirmation in that indicator's card, where the page opens (``#ind-N``), not at its top.
SAVED_AT = "checkin_saved_at"


def _goal_response(request: Request, db: Session, me: Principal, goal_id: int, *, error: dict[str, Any] | None = None,
                   values: dict[str, str] | None = None, status_code: int = 200,
                   next_url: str | None = None) -> HTMLResponse:
    detail = team.goal_detail(db, principal=me, goal_id=goal_id, today=clock.today())
    period = detail.period
    today = min(max(clock.today(), period.start_date), period.end_date)
    saved_at = request.session.pop(SAVED_AT, None)
    flash_at = saved_at if any(row.indicator.id == saved_at for row in detail.indicators) else None
    goal = detail.goal
    may_edit = may_plan(db, me, level=goal.level, position_id=goal.position_id, employee_id=goal.employee_id)
    return render_page(request, "performance/goal.html", me, status_code=status_code, tabs=period_tabs(me, period.id),
                       error=error, values=values or {}, default_as_of=today.isoformat(), next_url=next_url,
                       flash_at=flash_at, breakdown=breakdown.goal(db, principal=me, goal_id=goal_id),
                       may_edit=may_edit, **dict(detail))


@router.get("/performance/goals/{goal_id}")
def goal_page(request: Request, goal_id: Id, next: str = "", db: Session = Depends(get_db),
              me: Principal = Depends(allow(PerfPermission.READ))) -> Response:
    return _goal_response(request, db, me, goal_id, next_url=safe_next(next))


def _checkin_data(*, as_of: str, actual: str, milestones_done: str, rubric_level: str, comment: str) -> CheckInIn:
    raw_date = as_of.strip()
    if not raw_date:
        raise Invalid("as_of: give the date the value was measured at", field="as_of")
    try:
        day = date.fromisoformat(raw_date)
    except ValueError:
        raise Invalid(f"as_of: {raw_date!r} is not a date (YYYY-MM-DD)", field="as_of") from None
    try:
        return CheckInIn(as_of=day, actual=number(actual, "actual"),
                         milestones_done=opt_int(milestones_done, "milestones_done"),
                         rubric_level=opt_int(rubric_level, "rubric_level"), comment=comment.strip() or None)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "form"
        raise Invalid(f"{field}: {first.get('msg', 'invalid')}", field=field) from None


@router.post("/performance/indicators/{indicator_id}/checkins")
def check_in(request: Request, indicator_id: Id, as_of: str = Form(""), actual: str = Form(""),
             milestones_done: str = Form(""), rubric_level: str = Form(""), comment: str = Form(""),
             next: str = Form(""), db: Session = Depends(get_db),
             me: Principal = Depends(allow(PerfPermission.CHECKIN))) -> Response:
    # The scope rule: an indicator of a goal one cannot see is answered like one that does not exist (looking
    # it up unscoped first would name its goal's id in the 404 and so tell that it exists).
    indicator = cascade.get_visible_indicator(db, principal=me, indicator_id=indicator_id)
    goal = cascade.get_visible_goal(db, principal=me, goal_id=indicator.goal_id)
    values = {"as_of": as_of, "actual": actual, "milestones_done": milestones_done, "rubric_level": rubric_level,
              "comment": comment}
    back = safe_next(next)  # the page the form was on: the confirmation is shown there
    try:
        data = _checkin_data(as_of=as_of, actual=actual, milestones_done=milestones_done, rubric_level=rubric_level,
                             comment=comment)
        cascade.check_in(db, principal=me, indicator_id=indicator.id, data=data)
    except HcmError as exc:
        return _goal_response(request, db, me, goal.id, error=form_error(exc, indicator_id=indicator.id),
                              values=values, status_code=exc.status_code, next_url=back)
    row = rollup.indicator_rows(db, period_id=goal.period_id, goal_ids=[goal.id]).get(indicator.id)
    score = "not scored yet" if row is None or row.score is None else f"score now {row.score:.1f}"
    flash(request, f"Check-in saved for {indicator.code} ({indicator.name}, goal \u201c{goal.title}\u201d) "
                   f"as of {data.as_of.isoformat()}: {score}.")
    if back:  # the page the form was on shows the confirmation at its top, where it opens
        request.session.pop(SAVED_AT, None)
        return RedirectResponse(back, status_code=303)
    request.session[SAVED_AT] = indicator.id
    return RedirectResponse(f"/performance/goals/{goal.id}#ind-{indicator.id}", status_code=303)

