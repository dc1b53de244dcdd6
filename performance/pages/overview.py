"""Performance pages: the landing page of each role: company and department scores, a manager's team, one's own goals."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from hcm import clock
from hcm.deps import get_db
from hcm.errors import HcmError
from hcm.policy import Principal, allow, is_manager, own_profile_id
from performance.pages.common import all_periods, opt_int, period_tabs, render_page
from performance.policy import (
    PerfPermission,
    may_view_teams,
    sees_company_scores,
)
from performance.service import department_results, landing, lookups, pickers, results, reviews, tasks_panel, team

router = APIRouter(include_in_schema=False)


# --- overview --------------------------------------------------------------------------------------
@router.get("/performance")
def overview(request: Request, period: str = "", manager: str = "", db: Session = Depends(get_db),
             me: Principal = Depends(allow(PerfPermission.READ))) -> Response:
    periods = all_periods(db)
    wanted = opt_int(period, "period")
    today = clock.today()
    current = (lookups.get_period(db, wanted) if wanted is not None
               else landing.default_period(db, principal=me, today=today))
    ctx: dict[str, Any] = {"periods": periods, "period": current, "tabs": [], "company": None, "departments": [],
                           "chart": None, "managers": [], "manager_id": None, "team": None, "team_error": None,
                           "mine": None, "team_reviews": None, "my_review": None,
                           "tasks": tasks_panel.tasks(db, principal=me, today=today),
                           "may_set_up": me.has(PerfPermission.PERIODS)}
    status = 200
    if current is None:
        return render_page(request, "performance/overview.html", me, **ctx)
    ctx["tabs"] = period_tabs(me, current.id)
    if sees_company_scores(me):
        company = results.unit_results(db, principal=me, period_id=current.id, unit_type="company")
        ctx["company"] = company[0].score if company else None
        ctx["departments"] = department_results.top_level(db, principal=me, period_id=current.id)
    if may_view_teams(me):
        ctx["managers"] = pickers.managers(db, principal=me)  # HR: any manager; a manager: their line's
        manager_id = opt_int(manager, "manager")
        ctx["manager_id"] = manager_id
        if manager_id is not None or is_manager(me):
            try:
                if manager_id is not None:  # someone the viewer may see, else a 404 saying so
                    pickers.check_manager(db, principal=me, employee_id=manager_id, managing_only=False)
                ctx["team"] = team.team_view(db, principal=me, period_id=current.id, manager_id=manager_id,
                                             today=today)
            except HcmError as exc:
                ctx["team_error"] = exc.message
                status = exc.status_code if isinstance(exc, pickers.NotYours) else status
            if ctx["team"] is not None:  # the review status and the rating form of each member
                ctx["team_reviews"] = reviews.statuses(db, principal=me, period_id=current.id,
                                                       employee_ids=[m.employee_id for m in ctx["team"].members])
    if (own := own_profile_id(me)) is not None:
        ctx["mine"] = team.person_view(db, principal=me, period_id=current.id, employee_id=own)
        ctx["my_review"] = reviews.statuses(db, principal=me, period_id=current.id, employee_ids=[own])
    return render_page(request, "performance/overview.html", me, status_code=status, **ctx)

