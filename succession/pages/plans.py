"""Succession pages (server-rendered): the HR director's board of key posts and their plans, a position's
succession chart (its successors coloured by readiness and their own posts' successors beneath, with the plan's
history) and, for HR, the slate editor on that chart.

Thin routes: each declares one permission with ``allow(...)``; the services apply the row rules (a post whose
plan the caller may not see is the 404 of a post that does not exist) and every plan rule. A form the service
refuses re-renders the chart with the service's message and the field it names, and the status of the refusal
(never a 500); nothing is written then, since the services check everything before they write. A form that
succeeds redirects back to the chart (post-redirect-get) with a message.

Executives see the same pages without any form; managers see the plans below them only when HR allows it
(``succession.policy.plan_filter``), employees not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from hcm import clock
from hcm.deps import get_db
from hcm.errors import HcmError, Invalid
from hcm.fields import Id, SearchText
from hcm.paging import PageNo
from hcm.policy import Principal, allow, is_hr, is_manager
from hcm.web.forms import required_whole_number, whole_number
from hcm.web.render import flash, pager, render
from succession import policy, settings
from succession.models import ActionStatus, GapKind, Readiness
from succession.pages import chart_parts
from succession.pages.forms import departments, form_date, form_model
from succession.policy import SuccPermission
from succession.schemas import ActionIn, ActionPatch, PlanIn
from succession.service import actions, board, plans

router = APIRouter(include_in_schema=False)
READ = Depends(allow(SuccPermission.PLANS_READ))
WRITE = Depends(allow(SuccPermission.PLANS_WRITE))
PAGE_SIZE = 50
POST = "/succession/positions/{position_id}"
NOMINEE = POST + "/nominees/{employee_id}"


# --- helpers ---------------------------------------------------------------------------------------
TABS: tuple[tuple[str, str, str, SuccPermission], ...] = (
    ("board", "Key posts & plans", "/succession", SuccPermission.PLANS_READ),
    # the register, bench strength and representation: succession.pages.register; pools and the what-if:
    # succession.pages.pools, succession.pages.whatif
    ("register", "Register & heat map", "/succession/register", SuccPermission.REGISTER_READ),
    ("pools", "Talent pools", "/succession/pools", SuccPermission.POOLS_READ),
    ("bench", "Bench strength", "/succession/bench", SuccPermission.BENCH),
    ("what-if", "Vacancy what-if", "/succession/what-if", SuccPermission.BENCH),
    ("representation", "Representation", "/succession/representation", SuccPermission.REPRESENTATION),
)


def tabs(me: Principal) -> list[dict[str, str]]:
    """The succession pages' tabs, each for the roles holding its page's permission (``TABS``)."""
    return [{"key": key, "label": label, "href": href} for key, label, href, perm in TABS if me.has(perm)]


def _render(request: Request, name: str, me: Principal, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    return render(request, name, me, section="succession", status_code=status_code, tabs=tabs(me),
                  readiness_labels=board.READINESS_LABELS, **context)


def _readiness(raw: str) -> Readiness:
    try:
        return Readiness(raw.strip())
    except ValueError:
        raise Invalid(f"readiness must be one of {', '.join(r.value for r in Readiness)}", field="readiness") from None


# --- the board -------------------------------------------------------------------------------------
@router.get("/succession")
def board_page(request: Request, department: str = "", coverage: str = "", sort: str = "coverage",
               page: PageNo = 1, db: Session = Depends(get_db), me: Principal = READ) -> Response:
    department_id, result, error, status = None, None, None, 200
    try:
        department_id = whole_number(department, "department")
        result = board.board(db, principal=me, department_id=department_id, coverage=coverage, sort=sort, page=page,
                             page_size=PAGE_SIZE)
    except HcmError as exc:
        error, status = exc.message, exc.status_code
    closed = is_manager(me) and not settings.managers_see_plans_below(db)
    return _render(request, "succession/board.html", me, status_code=status, result=result, error=error,
                   departments=departments(db), department_id=department_id, coverage=coverage, sort=sort,
                   sorts=board.SORTS, coverages=board.COVERAGE_FILTERS, closed_to_managers=closed,
                   paging=pager(request, page, PAGE_SIZE, result.total) if result is not None else None)


# --- a position's succession chart and the slate editor --------------------------------------------
def chart_response(request: Request, db: Session, me: Principal, position_id: int, *, q: str = "",
                    error: dict[str, Any] | None = None, values: dict[str, str] | None = None,
                    status_code: int = 200) -> HTMLResponse:
    chart = board.chart(db, principal=me, position_id=position_id)
    editing = policy.may_change_plans(me)
    parts = chart_parts.context(request, db, me, chart, editing=editing)  # what it takes, suggested candidates
    if error is not None:  # shown at its form when the page has that form, else at the top of the page
        forms = ({"add", "emergency"} | {f"nominee-{n.employee.id}" for n in chart.plan.nominees}
                 if chart.plan is not None else {"plan"}) if editing else set()
        error = {**error, "inline": error["form"] in forms | parts["gap_forms"]}
    eligible = board.eligible(db, principal=me, position_id=position_id, q=q) if editing else []
    return _render(request, "succession/position.html", me, status_code=status_code, chart=chart,
                   history=board.history(db, principal=me, position_id=position_id), editing=editing,
                   eligible=eligible, q=q, error=error, values=values or {}, today=clock.today(),
                   link_people=is_hr(me), gap_kinds=list(GapKind), statuses=list(ActionStatus),
                   readiness=list(Readiness), **parts)


@router.get(POST)
def position_page(request: Request, position_id: Id, q: SearchText = "", db: Session = Depends(get_db),
                  me: Principal = READ) -> Response:
    return chart_response(request, db, me, position_id, q=q)


def _act(request: Request, db: Session, me: Principal, position_id: int, do: Callable[[], str], *, form: str,
         anchor: str = "slate", values: dict[str, str] | None = None) -> Response:
    """Run one slate change; on a refusal, the chart again with the service's message at the form ``form``."""
    plans.plan_position(db, principal=me, position_id=position_id)  # outside the caller's scope: the 404 first
    try:
        message = do()
    except HcmError as exc:
        return chart_response(request, db, me, position_id, error={"form": form, "field": exc.field,
                                                                     "message": exc.message},
                               values=values, status_code=exc.status_code)
    flash(request, message)
    return RedirectResponse(f"/succession/positions/{position_id}#{anchor}", status_code=303)


def _name(out: Any, employee_id: int) -> str:
    n = next((n for n in out.nominees if n.employee.id == employee_id), None)
    return n.employee.name if n is not None else f"employee {employee_id}"


@router.post(POST + "/plan")
def create_plan(request: Request, position_id: Id, notes: str = Form(""), mark_key: str = Form(""),
                key_reason: str = Form(""), db: Session = Depends(get_db), me: Principal = WRITE) -> Response:
    def do() -> str:
        data = form_model(lambda: PlanIn(notes=notes.strip() or None, mark_key=bool(mark_key),
                                     key_reason=key_reason.strip() or None))
        out = plans.create_plan(db, principal=me, position_id=position_id, data=data)
        return f"Succession plan opened for {out.position.title} ({out.position.code})."

    return _act(request, db, me, position_id, do, form="plan", anchor="slate",
                values={"notes": notes, "key_reason": key_reason})


@router.post(POST + "/nominees")
def add_nominee(request: Request, position_id: Id, employee_id: str = Form(""), readiness: str = Form(""),
                rank: str = Form(""), reason: str = Form(""), db: Session = Depends(get_db),
                me: Principal = WRITE) -> Response:
    def do() -> str:
        emp = required_whole_number(employee_id, "employee_id", "the person to nominate")
        ready = _readiness(readiness)
        at = whole_number(rank, "rank")
        out = plans.nominate(db, principal=me, position_id=position_id, employee_id=emp, readiness=ready, rank=at,
                             reason=reason.strip() or None)
        nom = next(n for n in out.nominees if n.employee.id == emp)
        return f"{nom.employee.name} is on the slate at rank {nom.rank} ({board.READINESS_LABELS[ready.value]})."

    return _act(request, db, me, position_id, do, form="add",
                values={"employee_id": employee_id, "readiness": readiness, "rank": rank, "reason": reason})


@router.post(NOMINEE + "/move")
def move_nominee(request: Request, position_id: Id, employee_id: Id, direction: str = Form(""),
                 db: Session = Depends(get_db), me: Principal = WRITE) -> Response:
    def do() -> str:
        if direction not in ("up", "down"):
            raise Invalid("direction must be up or down", field="direction")
        pos = plans.plan_position(db, principal=me, position_id=position_id)
        plan = plans.plan_of(db, pos)
        order = [n.employee_id for n in plans.slate(db, plan.id)]
        if employee_id not in order:
            raise Invalid(f"employee_id={employee_id} is not on the slate of {pos.code!r}", field="employee_id")
        i = order.index(employee_id)
        j = i - 1 if direction == "up" else i + 1
        if not 0 <= j < len(order):
            raise Invalid(f"already {'first' if direction == 'up' else 'last'} on the slate", field="direction")
        order[i], order[j] = order[j], order[i]
        out = plans.rerank(db, principal=me, position_id=position_id, order=order)
        return f"{_name(out, employee_id)} is now rank {j + 1}."

    return _act(request, db, me, position_id, do, form=f"nominee-{employee_id}")


@router.post(NOMINEE + "/readiness")
def change_readiness(request: Request, position_id: Id, employee_id: Id, readiness: str = Form(""),
                     reason: str = Form(""), db: Session = Depends(get_db), me: Principal = WRITE) -> Response:
    def do() -> str:
        ready = _readiness(readiness)
        out = plans.change_readiness(db, principal=me, position_id=position_id, employee_id=employee_id,
                                     readiness=ready, reason=reason)
        return f"{_name(out, employee_id)}: {board.READINESS_LABELS[ready.value]} ({reason.strip()})."

    return _act(request, db, me, position_id, do, form=f"nominee-{employee_id}",
                values={"editor": "readiness", "readiness_reason": reason})


@router.post(NOMINEE + "/remove")
def remove_nominee(request: Request, position_id: Id, employee_id: Id, reason: str = Form(""),
                   db: Session = Depends(get_db), me: Principal = WRITE) -> Response:
    def do() -> str:
        before = plans.get_plan(db, principal=me, position_id=position_id)
        name = _name(before, employee_id)
        plans.remove_nominee(db, principal=me, position_id=position_id, employee_id=employee_id, reason=reason)
        return f"{name} was taken off the slate ({reason.strip()})."

    return _act(request, db, me, position_id, do, form=f"nominee-{employee_id}",
                values={"editor": "remove", "remove_reason": reason})


@router.post(POST + "/emergency")
def set_emergency(request: Request, position_id: Id, employee_id: str = Form(""), confirm: str = Form(""),
                  reason: str = Form(""), db: Session = Depends(get_db), me: Principal = WRITE) -> Response:
    def do() -> str:
        emp = whole_number(employee_id, "employee_id")
        out = plans.set_emergency(db, principal=me, position_id=position_id, employee_id=emp, confirm=bool(confirm),
                                  reason=reason.strip() or None)
        if out.emergency is None:
            return "The plan has no emergency successor now."
        how = "on the slate" if out.emergency.on_slate else "off the slate, confirmed by you"
        return f"{out.emergency.employee.name} is the emergency successor ({how})."

    return _act(request, db, me, position_id, do, form="emergency", anchor="emergency",
                values={"emergency_id": employee_id, "confirm": confirm, "reason": reason})


@router.post(NOMINEE + "/actions")
def add_action(request: Request, position_id: Id, employee_id: Id, title: str = Form(""), gap_kind: str = Form(""),
               skill_id: str = Form(""), target_level: str = Form(""), owner_employee_id: str = Form(""),
               due_date: str = Form(""), db: Session = Depends(get_db), me: Principal = WRITE) -> Response:
    def do() -> str:
        data = form_model(lambda: ActionIn(
            title=title.strip(), gap_kind=gap_kind or GapKind.OTHER.value, skill_id=whole_number(skill_id, "skill_id"),
            target_level=whole_number(target_level, "target_level"), owner_employee_id=whole_number(owner_employee_id,
                                                                                   "owner_employee_id"),
            due_date=form_date(due_date, "due_date")))
        out = actions.create_action(db, principal=me, position_id=position_id, employee_id=employee_id, data=data)
        return f"Development action added: {out.title}."

    return _act(request, db, me, position_id, do, form=f"nominee-{employee_id}", anchor=f"nominee-{employee_id}",
                values={"editor": "action", "title": title})


@router.post(NOMINEE + "/actions/{action_id}/status")
def action_status(request: Request, position_id: Id, employee_id: Id, action_id: Id, status: str = Form(""),
                  db: Session = Depends(get_db), me: Principal = WRITE) -> Response:
    def do() -> str:
        if status not in {s.value for s in ActionStatus}:
            raise Invalid(f"status must be one of {', '.join(s.value for s in ActionStatus)}", field="status")
        out = actions.update_action(db, principal=me, position_id=position_id, employee_id=employee_id,
                                    action_id=action_id, data=ActionPatch(status=ActionStatus(status)))
        return f"{out.title}: {out.status.value.replace('_', ' ')}."

    return _act(request, db, me, position_id, do, form=f"nominee-{employee_id}", anchor=f"nominee-{employee_id}")
