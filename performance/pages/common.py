"""What the performance pages share: rendering in the shell, the period tabs, reading form numbers."""


from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.errors import HcmError
from hcm.fields import MAX_INT
from hcm.org.models import Department
from hcm.policy import Principal
from hcm.web.forms import required_whole_number, whole_number
from hcm.web.render import render
from performance.models import Period
from performance.policy import (
    PerfPermission,
    may_calibrate,
    may_read_department_results,
    may_view_teams,
    ninebox_scopes,
)
from performance.rules import RATING_SCALE, rating_name

SCOPES = ("team", "department", "company")


# --- helpers ---------------------------------------------------------------------------------------
def render_page(request: Request, name: str, me: Principal, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("rating_name", rating_name)  # the named 1-5 scale (performance.rules), for any page
    context.setdefault("RATING_SCALE", RATING_SCALE)
    return render(request, name, me, section="performance", status_code=status_code, **context)


def form_error(exc: HcmError, **extra: Any) -> dict[str, Any]:
    return {"field": exc.field, "message": exc.message, **extra}


def period_tabs(me: Principal, period_id: int) -> list[dict[str, str]]:
    base = f"/performance/periods/{period_id}"
    tabs = [{"key": "overview", "label": "Overview", "href": f"/performance?period={period_id}"},
            {"key": "cascade", "label": "Cascade", "href": f"{base}/cascade"}]
    if ninebox_scopes(me):
        tabs.append({"key": "ninebox", "label": "9-box", "href": f"{base}/ninebox"})
    tabs.append({"key": "points", "label": "Points", "href": f"{base}/points"})
    if may_read_department_results(me):
        tabs.append({"key": "results", "label": "Results", "href": f"{base}/results"})
    if may_view_teams(me):
        tabs.append({"key": "reviews", "label": "Reviews", "href": f"{base}/reviews"})
    tabs.append({"key": "atrisk", "label": "At risk", "href": f"{base}/at-risk"})
    if may_calibrate(me):
        tabs.append({"key": "calibration", "label": "Calibration", "href": f"{base}/calibration"})
    if me.has(PerfPermission.PERIODS):
        tabs.append({"key": "setup", "label": "Set-up", "href": f"/performance/setup/periods/{period_id}"})
    return tabs


def opt_int(raw: str | None, field: str) -> int | None:
    """A whole number of the forms (an id, a count, a level; the schemas check its own range), or None."""
    return whole_number(raw, field, low=-MAX_INT)


def req_int(raw: str | None, field: str, what: str) -> int:
    return required_whole_number(raw, field, what, low=-MAX_INT)


def all_periods(db: Session) -> list[Period]:
    return list(db.scalars(select(Period).order_by(Period.start_date.desc(), Period.id.desc())))


def departments(db: Session) -> list[dict[str, Any]]:
    return [{"id": i, "name": n} for i, n in db.execute(select(Department.id, Department.name).order_by(Department.name))]

