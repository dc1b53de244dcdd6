"""Performance pages: the 9-box of performance against potential, with a cell's people a page at a time."""

from __future__ import annotations

from typing import cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.errors import Forbidden, HcmError, Invalid
from hcm.fields import Id
from hcm.policy import Principal, allow
from hcm.web.render import pager
from performance.pages.common import opt_int, period_tabs, render_page
from performance.policy import (
    PerfPermission,
    ninebox_scopes,
)
from performance.service import lookups, ninebox, pickers

router = APIRouter(include_in_schema=False)
NINEBOX_PAGE_SIZE = 100  # people per page of a 9-box cell's drill-down


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
    department_id = opt_int(department, "department")
    box, drill, error, status = None, None, None, 200
    try:
        if chosen not in choices:
            raise Invalid(f"scope: choose one of {', '.join(choices)}", field="scope")
        if department_id is not None and chosen == "department":  # one the viewer may see, else a 404 saying so
            pickers.check_department(db, principal=me, department_id=department_id)
        box = ninebox.nine_box(db, principal=me, period_id=period_id, scope=cast(ninebox.Scope, chosen),
                               department_id=department_id)
        if cell:  # the drill-down: everyone the caller may see in one cell, a page at a time
            page_no = opt_int(page, "page") or 1
            got = ninebox.cell_people(db, principal=me, period_id=period_id, scope=cast(ninebox.Scope, chosen),
                                      cell=cell, department_id=department_id, page=page_no,
                                      page_size=NINEBOX_PAGE_SIZE)
            drill = {"cell": cell, "label": got.label, "people": got.items, "total": got.total,
                     "paging": pager(request, page_no, NINEBOX_PAGE_SIZE, got.total)}
    except HcmError as exc:
        error, status = exc.message, exc.status_code
    offered = pickers.departments(db, principal=me) if "department" in choices else []
    return render_page(request, "performance/ninebox.html", me, status_code=status, period=period,
                       tabs=period_tabs(me, period.id),
                   box=box, drill=drill, error=error, scope=chosen, scopes=choices, department_id=department_id,
                   departments=offered, axes=ninebox.AXES,
                   department_name=next((d.name for d in offered if d.id == department_id), None))

