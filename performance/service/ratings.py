"""Individual ratings with multi-rater input: dated, append-only events with provenance.

Rules
- A rating is an event; nothing is ever edited. Approval appends an APPROVED copy of the submitted event
  (same value, kind, source and rater; the reason names the approver and the event approved), and a
  calibration adjustment appends an APPROVED CALIBRATION event (``performance.service.calibration``).
- The final rating of a kind is the latest approved event (by ``created_at``, then ``id``):
  ``latest_approved`` is the one definition (roll-up and calibration use it too).
- Who rates whom, by source: SELF the person themselves; MANAGER HR or a manager whose reporting subtree
  holds the person; PEER a colleague in the same department, never the person rated; CROSS_DEPARTMENT an
  employee of another department that works with the person's (a service item between the two departments);
  HR an HR admin; CALIBRATION only through calibration
  (``performance.policy.check_rater``, with who approves and who sees only final ratings).
- Self, manager, peer, cross-department and HR ratings are given while the period is in progress or in
  review; every rating is created SUBMITTED. Manager and HR ratings are approved (HR, or for manager
  ratings the person's manager); self, peer and cross-department ratings are input, never final.
- Performance and competency ratings use the 1..5 scale (the distribution and the competency score assume
  it); potential uses 1..3 or 1..5.
- Peer and cross-department ratings are only shown aggregated (count of raters, mean of each rater's latest
  value), under the anonymity rule (``performance.policy.published_inputs``): the aggregate rests on the
  earliest raters in whole batches of ``ANONYMITY_THRESHOLD``, each with their latest value as of the rating
  that completed the last batch. Below the threshold nothing is shown, and between two batches nothing moves
  (neither a new rater nor a changed mind), so two reads never differ by one rating.
- Who may be named at all is ``performance.policy.rateable`` (the scope rule): anyone else is the 422 of an
  id that names nobody, checked before any other rule. Nobody gives a manager or HR rating of themselves, nor
  approves or calibrates one (the self-judgement rule, ``performance.policy.refuse_self_judgement``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from hcm.db import get_or_404
from hcm.errors import Conflict, Forbidden, Invalid
from hcm.org.models import Employee
from hcm.policy import Principal, employee_filter, visible_employee
from performance.models import PeriodState, RatingEvent, RatingKind, RatingSource, RatingStatus
from performance.policy import (
    ANONYMITY_THRESHOLD,
    check_rater,
    may_approve,
    published_inputs,
    rateable,
    refuse_self_judgement,
    sees_final_ratings_only,
)
from performance.schemas import RatingIn, RatingOut
from performance.schemas_ratings import FinalRating, RatingAggregate, RatingsView
from performance.service.lookups import ensure_state, ensure_writable, get_period
from performance.service.settings import hides_potential

RATING_STATES = (PeriodState.IN_PROGRESS, PeriodState.REVIEW)
SCALES: dict[RatingKind, tuple[int, ...]] = {
    RatingKind.PERFORMANCE: (5,),
    RatingKind.COMPETENCY: (5,),
    RatingKind.POTENTIAL: (3, 5),
}
APPROVABLE = (RatingSource.MANAGER, RatingSource.HR)
SHOWN_ONE_BY_ONE = (RatingSource.SELF, RatingSource.MANAGER, RatingSource.HR, RatingSource.CALIBRATION)
ANONYMOUS = (RatingSource.PEER, RatingSource.CROSS_DEPARTMENT)


# --- the final-rating rule -------------------------------------------------------------------------
def latest_approved(period_id: int, kind: RatingKind, *, employee_ids: Any = None) -> Any:
    """Per employee, the latest approved rating event of a kind: the final rating of the period.

    A subquery with ``employee_id, value, scale_max, source, id`` (window function, SQLite and PostgreSQL).
    ``employee_ids`` (a list or a select of ids) narrows it before ranking.
    """
    rn = func.row_number().over(partition_by=RatingEvent.employee_id,
                                order_by=(RatingEvent.created_at.desc(), RatingEvent.id.desc()))
    ranked = select(RatingEvent.employee_id, RatingEvent.value, RatingEvent.scale_max, RatingEvent.source,
                    RatingEvent.id, rn.label("rn")) \
        .where(RatingEvent.period_id == period_id, RatingEvent.kind == kind, RatingEvent.status == RatingStatus.APPROVED)
    if employee_ids is not None:
        ranked = ranked.where(RatingEvent.employee_id.in_(employee_ids))
    sub = ranked.subquery()
    return select(sub.c.employee_id, sub.c.value, sub.c.scale_max, sub.c.source, sub.c.id) \
        .where(sub.c.rn == 1).subquery(f"final_{kind.value}")


def final_rating(db: Session, *, period_id: int, employee_id: int,
                 kind: RatingKind = RatingKind.PERFORMANCE) -> RatingEvent | None:
    fin = latest_approved(period_id, kind, employee_ids=[employee_id])
    event_id = db.scalar(select(fin.c.id))
    return db.get(RatingEvent, event_id) if event_id is not None else None


# --- checks shared with calibration ----------------------------------------------------------------
def check_scale(kind: RatingKind, value: float, scale_max: int) -> None:
    allowed = SCALES[kind]
    if scale_max not in allowed:
        scales = " or ".join(f"1..{s}" for s in allowed)
        raise Invalid(f"scale_max={scale_max} is not a scale for {kind.value} ratings: they use {scales}",
                      field="scale_max")
    if not 1 <= value <= scale_max:
        raise Invalid(f"value {value:g} is outside the {kind.value} rating scale 1..{scale_max}", field="value")


def rated_person(db: Session, principal: Principal, employee_id: int) -> Employee:
    """The person a rating or a calibration names (``employee_id`` in its body), if the caller may rate them:
    anyone else is the 422 of an id that names nobody (the scope rule)."""
    return visible_employee(db, principal, employee_id, among=rateable(principal), field="employee_id", reference=True)


# --- writes ----------------------------------------------------------------------------------------
def submit_rating(db: Session, *, principal: Principal, period_id: int, data: RatingIn) -> RatingEvent:
    period = ensure_writable(db, period_id)
    if data.source is RatingSource.CALIBRATION:
        check_rater(db, principal, source=data.source, employee_id=data.employee_id)
    ensure_state(period, *RATING_STATES, action=f"a {data.source.value} rating")
    rated_person(db, principal, data.employee_id)
    check_scale(data.kind, data.value, data.scale_max)
    check_rater(db, principal, source=data.source, employee_id=data.employee_id)
    ev = RatingEvent(period_id=period.id, employee_id=data.employee_id, kind=data.kind, source=data.source,
                     value=data.value, scale_max=data.scale_max, rater_employee_id=principal.employee_id,
                     rater_user_id=principal.user_id, reason=(data.reason or "").strip() or None,
                     status=RatingStatus.SUBMITTED)
    db.add(ev)
    db.flush()
    announce(db, ev)
    return ev


def get_rating(db: Session, rating_id: int, *, principal: Principal | None = None) -> RatingEvent:
    """A rating event; with ``principal``, only one about a person in their people scope (anyone else's is not
    found, like a rating that does not exist)."""
    visible = None if principal is None else RatingEvent.employee_id.in_(
        select(Employee.id).where(employee_filter(principal)))
    return get_or_404(db, RatingEvent, rating_id, entity="Rating", visible=visible)


def approve_rating(db: Session, *, principal: Principal, rating_id: int) -> RatingEvent:
    """Append an APPROVED copy of a submitted manager or HR rating (the submitted event stays as it was).
    Only the latest submission of a rater can be approved, and only once; never by the person rated."""
    ev = get_rating(db, rating_id, principal=principal)
    period = ensure_writable(db, ev.period_id)
    ensure_state(period, *RATING_STATES, action="approving a rating")
    if ev.status is RatingStatus.APPROVED:
        raise Conflict(f"rating #{ev.id} is itself an approved event", field="rating_id")
    if ev.source not in APPROVABLE:
        raise Invalid(f"a {ev.source.value} rating is input to the review and is never approved; "
                      "only manager and HR ratings are", field="rating_id")
    refuse_self_judgement(principal, employee_id=ev.employee_id, what="approving a rating", field="rating_id")
    if not may_approve(db, principal, source=ev.source, employee_id=ev.employee_id):
        raise Forbidden(f"a {ev.source.value} rating is approved by HR"
                        + (" or the person's manager" if ev.source is RatingSource.MANAGER else ""))
    same_rater = (RatingEvent.rater_user_id.is_(None) if ev.rater_user_id is None
                  else RatingEvent.rater_user_id == ev.rater_user_id)
    after = or_(RatingEvent.created_at > ev.created_at,
                and_(RatingEvent.created_at == ev.created_at, RatingEvent.id > ev.id))
    later = db.scalar(
        select(RatingEvent.id).where(
            RatingEvent.period_id == ev.period_id, RatingEvent.employee_id == ev.employee_id,
            RatingEvent.kind == ev.kind, RatingEvent.source == ev.source, same_rater, after,
        ).order_by(RatingEvent.id).limit(1)
    )
    if later is not None:
        raise Conflict(f"rating #{ev.id} was already approved or superseded by the same rater's event #{later}",
                       field="rating_id")
    note = f"approval of rating #{ev.id} by {principal.username}"
    copy = RatingEvent(period_id=ev.period_id, employee_id=ev.employee_id, kind=ev.kind, source=ev.source,
                       value=ev.value, scale_max=ev.scale_max, rater_employee_id=ev.rater_employee_id,
                       rater_user_id=ev.rater_user_id, reason=f"{note}: {ev.reason}" if ev.reason else note,
                       status=RatingStatus.APPROVED)
    db.add(copy)
    db.flush()
    announce(db, copy)
    return copy


def announce(db: Session, event: RatingEvent) -> None:
    """Every rating event written goes through here once flushed (calibration's too): an approved one
    changes what the talent graph shows (``performance.service.rollup.rating_written``)."""
    # rollup imports this module (latest_approved, through units): imported here, not at the top
    from performance.service import rollup

    rollup.rating_written(db, event)


# --- reads -----------------------------------------------------------------------------------------
def finals(db: Session, *, period_id: int, employee_id: int) -> list[FinalRating]:
    out = []
    for kind in RatingKind:
        ev = final_rating(db, period_id=period_id, employee_id=employee_id, kind=kind)
        if ev is not None:
            out.append(FinalRating(kind=ev.kind, value=ev.value, scale_max=ev.scale_max, source=ev.source,
                                   event_id=ev.id))
    return out


def aggregate(events: list[RatingEvent]) -> list[RatingAggregate]:
    """Peer / cross-department events -> one aggregate per (kind, source, scale) under the anonymity rule
    (``performance.policy.published_inputs``): the raters in the order of their first rating, the earliest
    in whole batches of ``ANONYMITY_THRESHOLD``, each counted once with their latest value as of the rating
    that completed the last batch. Below the threshold neither count nor mean is given."""
    groups: dict[tuple[RatingKind, RatingSource, int], list[RatingEvent]] = defaultdict(list)
    for ev in sorted(events, key=lambda e: e.id):
        groups[(ev.kind, ev.source, ev.scale_max)].append(ev)
    out = []
    for (kind, source, scale), evs in sorted(groups.items(), key=lambda kv: (kv[0][0].value, kv[0][1].value, kv[0][2])):
        first_seen: dict[Any, int] = {}  # rater -> position of their first event in evs
        for i, ev in enumerate(evs):
            first_seen.setdefault(_rater(ev), i)
        n = published_inputs(len(first_seen))
        if n == 0:
            out.append(RatingAggregate(kind=kind, source=source, scale_max=scale, shown=False, raters=None, mean=None,
                                       note=f"hidden (n < {ANONYMITY_THRESHOLD})"))
            continue
        cut = sorted(first_seen.values())[n - 1]  # the event that completed the last whole batch
        latest: dict[Any, float] = {}
        for ev in evs[:cut + 1]:
            latest[_rater(ev)] = ev.value
        mean = round(sum(latest.values()) / n, 2)
        out.append(RatingAggregate(kind=kind, source=source, scale_max=scale, shown=True, raters=n, mean=mean))
    return out


def _rater(ev: RatingEvent) -> Any:
    return ev.rater_user_id if ev.rater_user_id is not None else ("employee", ev.rater_employee_id)


def ratings_for(db: Session, *, principal: Principal, period_id: int, employee_id: int) -> RatingsView:
    """The person sees their own, a manager their subtree, HR everyone; an executive sees only the final
    ratings of key-post holders. Anyone else gets the 404 of a person that does not exist. A person's own
    potential is left out unless HR shows it (``settings.hides_potential``, the one place of that rule)."""
    get_period(db, period_id)
    visible_employee(db, principal, employee_id)
    shown = ([k for k in RatingKind if k is not RatingKind.POTENTIAL]
             if hides_potential(db, principal, employee_id=employee_id) else list(RatingKind))
    fin = [f for f in finals(db, period_id=period_id, employee_id=employee_id) if f.kind in shown]
    if sees_final_ratings_only(principal, employee_id=employee_id):
        return RatingsView(period_id=period_id, employee_id=employee_id, view="final_only", final=fin, events=[],
                           aggregates=[])
    events = list(db.scalars(select(RatingEvent).where(RatingEvent.period_id == period_id,
                                                       RatingEvent.employee_id == employee_id,
                                                       RatingEvent.kind.in_(shown))
                             .order_by(RatingEvent.created_at, RatingEvent.id)))
    return RatingsView(
        period_id=period_id, employee_id=employee_id, view="full", final=fin,
        events=[RatingOut.model_validate(e) for e in events if e.source in SHOWN_ONE_BY_ONE],
        aggregates=aggregate([e for e in events if e.source in ANONYMOUS]),
    )
