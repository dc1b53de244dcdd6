"""Succession plans: one per key post, with its ranked slate (``Nomination``), each nominee's readiness as
dated events (``ReadinessChange``), and its emergency (interim) successor.

Rules (each refusal names its rule and writes nothing; every check runs before the first write):

- A plan is for a key post. A post that is not key gets one only if HR marks it key in the same step, with a
  reason (``keyposts.mark_key``: a register decision). An inactive post gets none; a post has one plan.
- A nominee is an active employee who does not hold the post, on the slate once at a time. Rank 1 is the first
  choice; ranks stay 1..n without gaps (a nomination at rank r moves those from r down by one; a removal closes
  the gap).
- A readiness change is an event with who, when and why; the nomination keeps the current value.
- Removing a nominee closes the row (``removed_at``, who and why): the history keeps it. A person who leaves the
  company stays on the slate (shown with status ``exited``; the graph counts active people only) until HR
  removes them; nobody who has left may be nominated, change readiness or become the emergency successor.
- The emergency successor is on the slate, or off it only when HR confirms it (``confirm``, who and when
  recorded, with a reason). Removing an unconfirmed emergency successor from the slate clears the emergency.

Every change is audited (``succession.audit``) and sends the plan's ``successor`` edges (``edges.emit_plan``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from hcm.db import utcnow
from hcm.errors import Conflict, Forbidden, Invalid, NotFound
from hcm.org.models import Employee, EmployeeStatus, Position
from hcm.paging import Page, paginate
from hcm.policy import Principal, visible_employee
from succession import audit, policy
from succession.models import (
    DevelopmentAction,
    Nomination,
    Readiness,
    ReadinessChange,
    SuccessionPlan,
)
from succession.schemas import (
    ActionOut,
    AuditOut,
    EmergencyOut,
    MyNominationOut,
    NomineeOut,
    OwnActionOut,
    PersonRef,
    PlanHistory,
    PlanIn,
    PlanOut,
    PlanPatch,
    PlanSummary,
    PostRef,
    ReadinessChangeOut,
)
from succession.service import edges, keyposts

PLAN_FIELDS = ("notes", "emergency_employee_id", "emergency_confirmed_by_user_id", "emergency_confirmed_at")
NOMINATION_FIELDS = ("employee_id", "rank", "readiness", "reason", "removed_at", "removal_reason")
FIRST_READINESS_REASON = "nominated"


# --- lookups every plan service shares ----------------------------------------------------------------
def require_writer(principal: Principal) -> None:
    if not policy.may_change_plans(principal):
        raise Forbidden("only HR may change succession plans")


def plan_position(db: Session, *, principal: Principal, position_id: int) -> Position:
    """The post a request names, within the caller's plan scope (outside: the 404 of a missing post)."""
    return policy.visible_plan_position(db, principal, position_id)


def plan_of(db: Session, position: Position, *, lock: bool = False) -> SuccessionPlan:
    """The post's plan, or 404 naming the post. ``lock``: held until the transaction ends (slate changes)."""
    stmt = select(SuccessionPlan).where(SuccessionPlan.position_id == position.id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    plan = db.scalars(stmt).first()
    if plan is None:
        raise NotFound("SuccessionPlan", position.id, field="position_id")
    return plan


def slate(db: Session, plan_id: int) -> list[Nomination]:
    """The open nominations of a plan, by rank."""
    return list(db.scalars(select(Nomination).where(Nomination.plan_id == plan_id, Nomination.removed_at.is_(None))
                           .order_by(Nomination.rank, Nomination.id)))


def open_nomination(db: Session, plan: SuccessionPlan, employee_id: int) -> Nomination:
    """The plan's open nomination of this person, or 404 naming them."""
    found = db.scalars(select(Nomination).where(Nomination.plan_id == plan.id, Nomination.employee_id == employee_id,
                                                Nomination.removed_at.is_(None))).first()
    if found is None:
        raise NotFound("Nomination", employee_id, field="employee_id")
    return found


def nominee_of(db: Session, *, principal: Principal, position_id: int, employee_id: int,
               lock: bool = False) -> tuple[Position, SuccessionPlan, Nomination]:
    """Post, plan and open nomination a request names (``/positions/{id}/plan/nominees/{employee_id}``)."""
    pos = plan_position(db, principal=principal, position_id=position_id)
    plan = plan_of(db, pos, lock=lock)
    return pos, plan, open_nomination(db, plan, employee_id)


def holder_id(db: Session, position_id: int) -> int | None:
    return db.scalar(select(Employee.id).where(Employee.position_id == position_id,
                                               Employee.status == EmployeeStatus.ACTIVE).limit(1))


def _active_person(db: Session, principal: Principal, employee_id: int, *, field: str = "employee_id",
                   doing: str) -> Employee:
    person = visible_employee(db, principal, employee_id, field=field, reference=True)
    if person.status is not EmployeeStatus.ACTIVE:
        raise Invalid(f"{field}={employee_id} has left the company ({person.exit_date or 'exited'}): "
                      f"someone who has left cannot {doing}", field=field)
    return person


def _reason(reason: str | None, field: str = "reason") -> str:
    return keyposts.clean_reason(reason, field=field)


def _ext(db: Session, employee_ids: Iterable[int]) -> dict[int, str]:
    ids = list(employee_ids)
    if not ids:
        return {}
    return dict(db.execute(select(Employee.id, Employee.external_id).where(Employee.id.in_(ids))).all())


def _order(nominations: Sequence[Nomination]) -> list[int]:
    return [n.employee_id for n in sorted(nominations, key=lambda n: (n.rank, n.id))]


# --- reading ------------------------------------------------------------------------------------------
def _person(e: Employee) -> PersonRef:
    return PersonRef(id=e.id, external_id=e.external_id, name=f"{e.first_name} {e.last_name}", status=e.status)


def _post(p: Position) -> PostRef:
    return PostRef(id=p.id, code=p.code, title=p.title)


def _action_out(a: DevelopmentAction) -> ActionOut:
    return ActionOut.model_validate(a)


def plan_out(db: Session, plan: SuccessionPlan, position: Position) -> PlanOut:
    noms = slate(db, plan.id)
    people_ids = {n.employee_id for n in noms}
    hid = holder_id(db, position.id)
    for extra in (hid, plan.emergency_employee_id):
        if extra is not None:
            people_ids.add(extra)
    people = {e.id: e for e in db.scalars(select(Employee).where(Employee.id.in_(people_ids)))} if people_ids else {}
    post_ids = {e.position_id for e in people.values() if e.position_id is not None}
    posts = {p.id: p for p in db.scalars(select(Position).where(Position.id.in_(post_ids)))} if post_ids else {}
    actions: dict[int, list[ActionOut]] = {}
    if noms:
        for a in db.scalars(select(DevelopmentAction).where(DevelopmentAction.nomination_id.in_([n.id for n in noms]))
                            .order_by(DevelopmentAction.due_date.is_(None), DevelopmentAction.due_date,
                                      DevelopmentAction.id)):
            actions.setdefault(a.nomination_id, []).append(_action_out(a))
    nominees = []
    for n in noms:
        e = people[n.employee_id]
        cur = posts.get(e.position_id) if e.position_id is not None else None
        nominees.append(NomineeOut(
            nomination_id=n.id, employee=_person(e), current_position=_post(cur) if cur else None, rank=n.rank,
            readiness=n.readiness, reason=n.reason, nominated_by_user_id=n.nominated_by_user_id,
            nominated_at=n.nominated_at, is_emergency=n.employee_id == plan.emergency_employee_id,
            actions=actions.get(n.id, [])))
    emergency = None
    if plan.emergency_employee_id is not None and plan.emergency_employee_id in people:
        emergency = EmergencyOut(employee=_person(people[plan.emergency_employee_id]),
                                 on_slate=plan.emergency_employee_id in {n.employee_id for n in noms},
                                 confirmed_by_user_id=plan.emergency_confirmed_by_user_id,
                                 confirmed_at=plan.emergency_confirmed_at)
    return PlanOut(id=plan.id, position=_post(position), is_key=position.is_key,
                   holder=_person(people[hid]) if hid is not None else None, notes=plan.notes, emergency=emergency,
                   nominees=nominees, created_by_user_id=plan.created_by_user_id, created_at=plan.created_at,
                   updated_at=plan.updated_at)


def get_plan(db: Session, *, principal: Principal, position_id: int) -> PlanOut:
    pos = plan_position(db, principal=principal, position_id=position_id)
    return plan_out(db, plan_of(db, pos), pos)


def list_plans(db: Session, *, principal: Principal, department_id: int | None = None, with_plan: bool | None = None,
               page: int = 1, page_size: int = 100) -> Page[PlanSummary]:
    """The active key posts (and any post that has a plan) the caller may see plans of, by code, each with its
    plan in figures: open nominations of people still with the company, by readiness."""
    holder = (select(Employee.id.label("hid"), Employee.position_id.label("pid"))
              .where(Employee.status == EmployeeStatus.ACTIVE, Employee.position_id.is_not(None)).subquery())
    stmt = (select(Position, SuccessionPlan.id, SuccessionPlan.emergency_employee_id, holder.c.hid)
            .outerjoin(SuccessionPlan, SuccessionPlan.position_id == Position.id)
            .outerjoin(holder, holder.c.pid == Position.id)
            .where(or_(and_(Position.is_key.is_(True), Position.is_active.is_(True)), SuccessionPlan.id.is_not(None)),
                   policy.plan_filter(db, principal))
            .order_by(Position.code))
    if department_id is not None:
        stmt = stmt.where(Position.department_id == department_id)
    if with_plan is not None:
        stmt = stmt.where(SuccessionPlan.id.is_not(None) if with_plan else SuccessionPlan.id.is_(None))
    rows, total = paginate(db, stmt, page=page, page_size=page_size)
    plan_ids = [r[1] for r in rows if r[1] is not None]
    counts: dict[int, Counter[str]] = {}
    if plan_ids:
        for plan_id, readiness, n in db.execute(
                select(Nomination.plan_id, Nomination.readiness, func.count())
                .join(Employee, Employee.id == Nomination.employee_id)
                .where(Nomination.plan_id.in_(plan_ids), Nomination.removed_at.is_(None),
                       Employee.status == EmployeeStatus.ACTIVE)
                .group_by(Nomination.plan_id, Nomination.readiness)):
            counts.setdefault(plan_id, Counter())[Readiness(readiness).value] += n
    holders = {e.id: e for e in db.scalars(select(Employee).where(Employee.id.in_([r[3] for r in rows if r[3]])))}
    items = []
    for pos, plan_id, emergency_id, hid in rows:
        c = counts.get(plan_id, Counter()) if plan_id is not None else Counter()
        items.append(PlanSummary(
            position=_post(pos), department_id=pos.department_id, is_key=pos.is_key,
            holder=_person(holders[hid]) if hid is not None else None, plan_id=plan_id, nominees=sum(c.values()),
            ready_now=c[Readiness.READY_NOW.value], ready_1_2=c[Readiness.READY_1_2.value],
            ready_3_plus=c[Readiness.READY_3_PLUS.value], emergency_employee_id=emergency_id))
    return Page(items=items, total=total, page=page, page_size=page_size)


def history(db: Session, *, principal: Principal, position_id: int) -> PlanHistory:
    """A plan's readiness events (every nomination's, removed ones too) and its audit, oldest first."""
    pos = plan_position(db, principal=principal, position_id=position_id)
    plan = plan_of(db, pos)
    changes = db.execute(select(ReadinessChange, Nomination.employee_id)
                         .join(Nomination, Nomination.id == ReadinessChange.nomination_id)
                         .where(Nomination.plan_id == plan.id)
                         .order_by(ReadinessChange.changed_at, ReadinessChange.id)).all()
    return PlanHistory(
        position=_post(pos),
        readiness_changes=[ReadinessChangeOut(
            id=c.id, nomination_id=c.nomination_id, employee_id=emp, before=c.before, after=c.after, reason=c.reason,
            changed_by_user_id=c.changed_by_user_id, changed_at=c.changed_at) for c, emp in changes],
        audit=[AuditOut.model_validate(a) for a in audit.position_history(db, position_id=pos.id)])


def my_nominations(db: Session, *, principal: Principal) -> list[MyNominationOut]:
    """The slates the caller stands on (open nominations), when HR lets employees see them; otherwise the 404
    of a page that is not there. Their own readiness and actions only."""
    if not policy.can_see_own_nominations(db, principal):
        raise NotFound("Nominations", "me", field="employee")
    rows = db.execute(select(Nomination, Position)
                      .join(SuccessionPlan, SuccessionPlan.id == Nomination.plan_id)
                      .join(Position, Position.id == SuccessionPlan.position_id)
                      .where(Nomination.employee_id == principal.employee_id, Nomination.removed_at.is_(None))
                      .order_by(Position.code)).all()
    actions: dict[int, list[OwnActionOut]] = {}
    if rows:
        for a in db.scalars(select(DevelopmentAction)
                            .where(DevelopmentAction.nomination_id.in_([n.id for n, _ in rows]))
                            .order_by(DevelopmentAction.id)):
            actions.setdefault(a.nomination_id, []).append(OwnActionOut.model_validate(a))
    return [MyNominationOut(position=_post(p), readiness=n.readiness, nominated_at=n.nominated_at,
                            actions=actions.get(n.id, [])) for n, p in rows]


# --- plans --------------------------------------------------------------------------------------------
def create_plan(db: Session, *, principal: Principal, position_id: int, data: PlanIn) -> PlanOut:
    """HR opens the plan of a key post (or, with ``mark_key`` and ``key_reason``, of a post it makes key now)."""
    require_writer(principal)
    pos = plan_position(db, principal=principal, position_id=position_id)
    if db.scalar(select(SuccessionPlan.id).where(SuccessionPlan.position_id == pos.id)) is not None:
        raise Conflict(f"position {pos.code!r} already has a succession plan: one plan per post", field="position_id")
    if not pos.is_active:
        raise Invalid(f"position {pos.code!r} is inactive: an inactive post gets no succession plan",
                      field="position_id")
    if not pos.is_key:
        if not data.mark_key:
            raise Invalid(f"position {pos.code!r} is not a key post: plans are for key posts (send mark_key with a "
                          "key_reason to make it key in the same step)", field="position_id")
        keyposts.mark_key(db, principal=principal, position=pos, reason=data.key_reason, reason_field="key_reason")
    plan = SuccessionPlan(position_id=pos.id, notes=data.notes, created_by_user_id=principal.user_id)
    db.add(plan)
    db.flush()
    audit.record(db, principal=principal, entity="plan", entity_id=plan.id, position_id=pos.id, action="create",
                 before=None, after=audit.snapshot(plan, PLAN_FIELDS))
    return plan_out(db, plan, pos)


def update_plan(db: Session, *, principal: Principal, position_id: int, data: PlanPatch) -> PlanOut:
    require_writer(principal)
    pos = plan_position(db, principal=principal, position_id=position_id)
    plan = plan_of(db, pos, lock=True)
    if "notes" in data.model_fields_set and data.notes != plan.notes:
        before = audit.snapshot(plan, ("notes",))
        plan.notes = data.notes
        db.flush()
        audit.record(db, principal=principal, entity="plan", entity_id=plan.id, position_id=pos.id,
                     action="update", before=before, after=audit.snapshot(plan, ("notes",)))
    return plan_out(db, plan, pos)


def _record_order(db: Session, principal: Principal, plan: SuccessionPlan, before: list[int], after: list[int]) -> None:
    if before != after:
        audit.record(db, principal=principal, entity="plan", entity_id=plan.id, position_id=plan.position_id,
                     action="rerank", before={"order": before}, after={"order": after})


def nominate(db: Session, *, principal: Principal, position_id: int, employee_id: int, readiness: Readiness,
             rank: int | None = None, reason: str | None = None) -> PlanOut:
    """Put someone on the slate at ``rank`` (last when None), with their readiness (the first readiness event)."""
    require_writer(principal)
    pos = plan_position(db, principal=principal, position_id=position_id)
    plan = plan_of(db, pos, lock=True)
    readiness = Readiness(readiness)
    person = _active_person(db, principal, employee_id, doing="be nominated")
    if person.position_id == pos.id:
        raise Invalid(f"employee_id={employee_id} holds position {pos.code!r}: the holder cannot be nominated to "
                      "succeed themselves", field="employee_id")
    current = slate(db, plan.id)
    if any(n.employee_id == employee_id for n in current):
        raise Conflict(f"employee_id={employee_id} is already on the slate of {pos.code!r}: one nomination per "
                       "person and plan (change their rank or readiness instead)", field="employee_id")
    last = len(current) + 1
    at = last if rank is None else rank
    if not 1 <= at <= last:
        raise Invalid(f"rank must be between 1 and {last} (the slate has {len(current)} nominees)", field="rank")
    before_order = _order(current)
    for n in current:
        if n.rank >= at:
            n.rank += 1
    why = (reason or "").strip() or None
    nom = Nomination(plan_id=plan.id, employee_id=employee_id, rank=at, readiness=readiness, reason=why,
                     nominated_by_user_id=principal.user_id)
    db.add(nom)
    db.flush()
    db.add(ReadinessChange(nomination_id=nom.id, before=None, after=readiness, reason=why or FIRST_READINESS_REASON,
                           changed_by_user_id=principal.user_id))
    audit.record(db, principal=principal, entity="nomination", entity_id=nom.id, position_id=pos.id,
                 action="create", before=None, after=audit.snapshot(nom, NOMINATION_FIELDS))
    if at < last:  # those from ``at`` down moved a rank: the slate's order changed
        _record_order(db, principal, plan, before_order, _order([*current, nom]))
    plan.updated_at = utcnow()
    edges.emit_plan(db, plan)
    return plan_out(db, plan, pos)


def rerank(db: Session, *, principal: Principal, position_id: int, order: Sequence[int]) -> PlanOut:
    """Reorder the whole slate in one call: ``order`` names every nominee (employee ids) exactly once."""
    require_writer(principal)
    pos = plan_position(db, principal=principal, position_id=position_id)
    plan = plan_of(db, pos, lock=True)
    current = slate(db, plan.id)
    wanted = list(order)
    twice = sorted({e for e in wanted if wanted.count(e) > 1})
    if twice:
        raise Invalid(f"order names employee_id {', '.join(map(str, twice))} more than once", field="order")
    on = {n.employee_id for n in current}
    stray, left_out = [e for e in wanted if e not in on], sorted(on - set(wanted))
    if stray:
        raise Invalid(f"order names employee_id {', '.join(map(str, stray))}, who is not on the slate of "
                      f"{pos.code!r}", field="order")
    if left_out:
        raise Invalid(f"order leaves out employee_id {', '.join(map(str, left_out))}: name every nominee once",
                      field="order")
    before_order = _order(current)
    by_emp = {n.employee_id: n for n in current}
    for i, emp in enumerate(wanted, start=1):
        by_emp[emp].rank = i
    if before_order != wanted:
        _record_order(db, principal, plan, before_order, wanted)
        plan.updated_at = utcnow()
        edges.emit_plan(db, plan)
    return plan_out(db, plan, pos)


def change_readiness(db: Session, *, principal: Principal, position_id: int, employee_id: int,
                     readiness: Readiness, reason: str | None) -> PlanOut:
    """A dated readiness event for a nominee (who and why); the nomination takes the new value."""
    require_writer(principal)
    pos, plan, nom = nominee_of(db, principal=principal, position_id=position_id, employee_id=employee_id, lock=True)
    readiness = Readiness(readiness)
    why = _reason(reason)
    person = db.get(Employee, employee_id)
    if person is not None and person.status is not EmployeeStatus.ACTIVE:
        raise Invalid(f"employee_id={employee_id} has left the company: remove them from the slate instead",
                      field="employee_id")
    if nom.readiness is readiness:
        raise Invalid(f"readiness is already {readiness.value!r}: nothing to change", field="readiness")
    before = nom.readiness
    nom.readiness = readiness
    db.add(ReadinessChange(nomination_id=nom.id, before=before, after=readiness, reason=why,
                           changed_by_user_id=principal.user_id))
    db.flush()
    audit.record(db, principal=principal, entity="nomination", entity_id=nom.id, position_id=pos.id,
                 action="readiness", before={"readiness": before}, after={"readiness": readiness, "reason": why})
    plan.updated_at = utcnow()
    edges.emit_plan(db, plan)
    return plan_out(db, plan, pos)


def remove_nominee(db: Session, *, principal: Principal, position_id: int, employee_id: int,
                   reason: str | None) -> PlanOut:
    """Take someone off the slate: the row is closed (who, when, why), the ranks below move up by one."""
    require_writer(principal)
    pos, plan, nom = nominee_of(db, principal=principal, position_id=position_id, employee_id=employee_id, lock=True)
    why = _reason(reason)
    current = slate(db, plan.id)
    before = audit.snapshot(nom, NOMINATION_FIELDS)
    nom.removed_at, nom.removed_by_user_id, nom.removal_reason = utcnow(), principal.user_id, why
    for n in current:
        if n is not nom and n.rank > nom.rank:
            n.rank -= 1
    db.flush()
    audit.record(db, principal=principal, entity="nomination", entity_id=nom.id, position_id=pos.id,
                 action="remove", before=before, after=audit.snapshot(nom, NOMINATION_FIELDS))
    if plan.emergency_employee_id == employee_id and plan.emergency_confirmed_at is None:
        _set_emergency(db, principal, plan, None, confirmed=False,
                       reason=f"removed from the slate: {why}")
    plan.updated_at = utcnow()
    edges.emit_plan(db, plan, gone=_ext(db, [employee_id]).values())
    return plan_out(db, plan, pos)


def _set_emergency(db: Session, principal: Principal, plan: SuccessionPlan, employee_id: int | None, *,
                   confirmed: bool, reason: str | None) -> None:
    before = audit.snapshot(plan, PLAN_FIELDS[1:])
    plan.emergency_employee_id = employee_id
    plan.emergency_confirmed_by_user_id = principal.user_id if confirmed else None
    plan.emergency_confirmed_at = utcnow() if confirmed else None
    db.flush()
    after: dict[str, Any] = audit.snapshot(plan, PLAN_FIELDS[1:])
    if reason:
        after["reason"] = reason
    audit.record(db, principal=principal, entity="plan", entity_id=plan.id, position_id=plan.position_id,
                 action="emergency", before=before, after=after)


def set_emergency(db: Session, *, principal: Principal, position_id: int, employee_id: int | None,
                  confirm: bool = False, reason: str | None = None) -> PlanOut:
    """Name the emergency (interim) successor: someone on the slate, or someone off it whom HR confirms now
    (``confirm`` with a ``reason``: who and when are recorded). None clears it."""
    require_writer(principal)
    pos = plan_position(db, principal=principal, position_id=position_id)
    plan = plan_of(db, pos, lock=True)
    old = plan.emergency_employee_id
    if employee_id is None:
        if old is None:
            return plan_out(db, plan, pos)
        _set_emergency(db, principal, plan, None, confirmed=False, reason=(reason or "").strip() or None)
        plan.updated_at = utcnow()
        edges.emit_plan(db, plan, gone=_ext(db, [old]).values())
        return plan_out(db, plan, pos)
    person = _active_person(db, principal, employee_id, doing="be the emergency successor")
    if person.position_id == pos.id:
        raise Invalid(f"employee_id={employee_id} holds position {pos.code!r}: the holder cannot be their own "
                      "emergency successor", field="employee_id")
    on_slate = any(n.employee_id == employee_id for n in slate(db, plan.id))
    why = (reason or "").strip() or None
    if not on_slate:
        if not confirm:
            raise Invalid(f"employee_id={employee_id} is not on the slate of {pos.code!r}: an emergency successor "
                          "off the slate needs HR's confirmation (confirm=true with a reason)", field="employee_id")
        why = _reason(reason)
    if old == employee_id and (plan.emergency_confirmed_at is not None) == (not on_slate):
        return plan_out(db, plan, pos)  # already so
    _set_emergency(db, principal, plan, employee_id, confirmed=not on_slate, reason=why)
    plan.updated_at = utcnow()
    edges.emit_plan(db, plan, gone=_ext(db, [old]).values() if old is not None else ())
    return plan_out(db, plan, pos)
