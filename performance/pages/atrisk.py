"""Performance pages: the goals and the people at risk of a period, filtered, sorted, paged, and exported."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.errors import HcmError
from hcm.fields import Id
from hcm.io.service import MEDIA_TYPES
from hcm.policy import Principal, allow
from hcm.web.render import pager
from performance.pages.common import form_error, opt_int, period_tabs, render_page
from performance.policy import PerfPermission
from performance.service import atrisk, lookups, pickers

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/performance/periods/{period_id}/at-risk")
def at_risk_page(request: Request, period_id: Id, view: str = "goals", department: str = "", manager: str = "",
                 level: str = "", sort: str = "", order: str = "", page: str = "", format: str = "",
                 db: Session = Depends(get_db), me: Principal = Depends(allow(PerfPermission.READ))) -> Response:
    period = lookups.get_period(db, period_id)
    desc = order == "desc"
    departments, managers = pickers.departments(db, principal=me), pickers.managers(db, principal=me)
    result, error, status = None, None, 200
    filters = atrisk.Filters()
    try:
        filters = atrisk.Filters(department_id=opt_int(department, "department"),
                                 manager_id=opt_int(manager, "manager"), level=opt_int(level, "level"))
        if format:  # the same rows as the page, all of them, with the same filters, order and visibility
            data = atrisk.export(db, principal=me, period_id=period_id, view=view, filters=filters, sort=sort,
                                 desc=desc, fmt=format)
            name = f"at-risk-{view}-{period.code}.{format}"
            return Response(data, media_type=MEDIA_TYPES[format],
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
        page_no = opt_int(page, "page") or 1
        result = atrisk.at_risk(db, principal=me, period_id=period_id, view=view, filters=filters, sort=sort,
                                desc=desc, page=page_no, page_size=PAGE_SIZE)
    except HcmError as exc:
        error, status = form_error(exc), exc.status_code
    params = {k: v for k, v in (("view", view), ("department", department), ("manager", manager), ("level", level))
              if v}
    chosen: dict[str, Any] = {
        "department": next((d.name for d in departments if d.id == filters.department_id), None),
        "manager": next((m.name for m in managers if m.employee_id == filters.manager_id), None),
        "level": filters.level}
    return render_page(request, "performance/atrisk.html", me, status_code=status, period=period,
                       tabs=period_tabs(me, period.id), result=result, error=error,
                       view=view if view in atrisk.VIEWS else "goals", params=params, sort=sort, desc=desc,
                       filters=filters, chosen=chosen, views=atrisk.VIEWS, departments=departments,
                       managers=managers, threshold=atrisk.PERSON_SCORE_AT_RISK_BELOW,
                       values={"department": department, "manager": manager, "level": level},
                       paging=pager(request, result.page, PAGE_SIZE, result.total) if result else None)
