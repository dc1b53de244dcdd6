"""Performance pages: the goals and the people at risk of a period, filtered, sorted, paged, and exported."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.errors import HcmError
from hcm.fields import Id
from hcm.io.service import MEDIA_TYPES
from hcm.policy import Principal, allow
from hcm.web.render import pager
from performance.pages.common import opt_int, period_tabs, render_page
from performance.policy import PerfPermission
from performance.service import atrisk, lookups, pickers

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/performance/periods/{period_id}/at-risk")
def at_risk_page(request: Request, period_id: Id, view: str = "goals", department: str = "", manager: str = "",
                 level: str = "", sort: str = "", order: str = "", page: str = "", format: str = "",
                 db: Session = Depends(get_db), me: Principal = Depends(allow(PerfPermission.READ))) -> Response:
    period = lookups.get_period(db, period_id)
    filters = atrisk.Filters(department_id=opt_int(department, "department"), manager_id=opt_int(manager, "manager"),
                             level=opt_int(level, "level"))
    desc = order == "desc"
    result, error, status = None, None, 200
    try:
        if format:
            data = atrisk.export(db, principal=me, period_id=period_id, view=view, filters=filters, sort=sort,
                                 desc=desc, fmt=format)
            name = f"at-risk-{view}-{period.code}.{format}"
            return Response(data, media_type=MEDIA_TYPES[format],
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
        page_no = opt_int(page, "page") or 1
        result = atrisk.at_risk(db, principal=me, period_id=period_id, view=view, filters=filters, sort=sort,
                                desc=desc, page=page_no, page_size=PAGE_SIZE)
    except HcmError as exc:
        error, status = {"message": exc.message, "field": exc.field}, exc.status_code
    params = {k: v for k, v in (("view", view), ("department", department), ("manager", manager), ("level", level))
              if v}
    return render_page(request, "performance/atrisk.html", me, status_code=status, period=period,
                       tabs=period_tabs(me, period.id), result=result, error=error, view=view, params=params,
                       sort=sort, desc=desc, filters=filters, views=atrisk.VIEWS,
                       departments=pickers.departments(db, principal=me), managers=pickers.managers(db, principal=me),
                       threshold=atrisk.PERSON_SCORE_AT_RISK_BELOW,
                       paging=pager(request, result.page, PAGE_SIZE, result.total) if result else None)
