"""The one-click development action of a post's chart: HR turns one gap of a nominee's "what it takes" (a skill
below the level, a role not yet held, performance below the bar) into a development action through
``succession.service.taking.create_action_from_gap``, which works the gap out again and drafts the action (title,
owner, due date). A refusal (the gap is not there: 422; an open action answers it already: 409) renders the chart
again with the message at that nominee's gaps and the refusal's status; nothing is written then.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.errors import HcmError, Invalid, NotFound
from hcm.fields import MAX_INT, Id
from hcm.policy import Principal, allow
from hcm.web.render import flash
from succession.models import Nomination, SuccessionPlan
from succession.pages import plans as plan_pages
from succession.pages.chart_parts import gap_form
from succession.policy import SuccPermission
from succession.service import board, plans, taking

router = APIRouter(include_in_schema=False)
WRITE = Depends(allow(SuccPermission.PLANS_WRITE))
GAP_KINDS = ("skill", "experience", "performance")


def _skill(raw: str) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_INT:
        raise Invalid(f"skill_id: {text!r} is not a skill's id", field="skill_id")
    return int(text)


@router.post("/succession/positions/{position_id}/nominations/{nomination_id}/gap-action")
def action_from_gap(request: Request, position_id: Id, nomination_id: Id, gap_kind: str = Form(""),
                    skill_id: str = Form(""), target_role: str = Form(""), db: Session = Depends(get_db),
                    me: Principal = WRITE) -> Response:
    plans.plan_position(db, principal=me, position_id=position_id)  # outside the caller's plans: the 404 first
    on_post = db.scalar(select(Nomination.id).join(SuccessionPlan, SuccessionPlan.id == Nomination.plan_id)
                        .where(Nomination.id == nomination_id, SuccessionPlan.position_id == position_id))
    if on_post is None:
        raise NotFound("Nomination", nomination_id, field="nomination_id")
    try:
        if gap_kind not in GAP_KINDS:
            raise Invalid(f"gap_kind must be one of {', '.join(GAP_KINDS)}", field="gap_kind")
        skill = _skill(skill_id) if gap_kind == "skill" else None
        role = target_role.strip() or None if gap_kind == "experience" else None
        if role is not None and len(role) > 129:
            raise Invalid("target_role: not a role key", field="target_role")
        out = taking.create_action_from_gap(db, principal=me, nomination_id=nomination_id, gap_kind=gap_kind,
                                            skill_id=skill, target_role=role)
    except HcmError as exc:
        return plan_pages.chart_response(request, db, me, position_id,
                                          error={"form": gap_form(nomination_id), "field": exc.field,
                                                 "message": exc.message}, status_code=exc.status_code)
    owner = board.people_names(db, {out.owner_employee_id}).get(out.owner_employee_id) \
        if out.owner_employee_id is not None else None
    flash(request, f"Development action created: {out.title}"
                   + (f" (owner {owner}" if owner else " (no owner yet")
                   + (f", due {out.due_date:%d %b %Y})." if out.due_date else ")."))
    return RedirectResponse(f"/succession/positions/{position_id}?acted={nomination_id}#gaps-{nomination_id}",
                            status_code=303)
