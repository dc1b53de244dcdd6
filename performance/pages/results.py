"""Performance pages: department results (the hierarchy with roll-ups, trend and the chart with its target
line) and one department's results (score and parts, goals, sub-departments, people)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.fields import Id
from hcm.policy import Principal, allow
from hcm.web.charts import BarChart, bar_chart
from performance.pages.common import period_tabs, render_page
from performance.policy import PerfPermission
from performance.service import breakdown, department_results, lookups
from performance.service.department_results import ROLLUP_RULE, DeptNode

router = APIRouter(include_in_schema=False)


def results_chart(period_id: int, rows: list[DeptNode]) -> BarChart:
    """The top level's roll-ups as bars, with the line at 100 (on target); a bar opens its department."""
    return bar_chart([r.name for r in rows], [r.rollup for r in rows], x_title="Department (roll-up)",
                     y_title="Score", target=100, target_label="100 = on target",
                     hrefs=[f"/performance/periods/{period_id}/departments/{r.department_id}" for r in rows])


@router.get("/performance/periods/{period_id}/results")
def results_page(request: Request, period_id: Id, sort: str = "", db: Session = Depends(get_db),
                 me: Principal = Depends(allow(PerfPermission.READ))) -> Response:
    # a sort the page does not offer is the shell's 422 page, naming the field (hcm.errors.Invalid, field="sort")
    view = department_results.results_tree(db, principal=me, period_id=period_id, sort=sort)
    return render_page(request, "performance/results.html", me, view=view, period=view.period,
                       tabs=period_tabs(me, period_id), rule=ROLLUP_RULE,
                       chart=results_chart(period_id, view.chart_rows))


@router.get("/performance/periods/{period_id}/departments/{department_id}")
def department_page(request: Request, period_id: Id, department_id: Id, db: Session = Depends(get_db),
                    me: Principal = Depends(allow(PerfPermission.READ))) -> Response:
    period = lookups.get_period(db, period_id)
    view = department_results.department_view(db, principal=me, period_id=period.id, department_id=department_id)
    return render_page(request, "performance/department.html", me, view=view, period=period,
                       tabs=period_tabs(me, period.id), rule=ROLLUP_RULE,
                       breakdown=breakdown.department(db, principal=me, period_id=period.id,
                                                      department_id=department_id))
