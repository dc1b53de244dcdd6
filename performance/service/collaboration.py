"""Process assurance: the services departments provide each other, how the consumers rate them, and
the aggregated report of what each provider received.

Rules
- HR registers service items (provider department -> consumer department, optionally within a process).
- A rating comes from the consumer side: someone whose post sits in the consumer department or below it
  (or HR), once per rater, item and period, score 1..5, while the period is in progress or in review.
- Ratings are events: a second rating of the same item in the same period is refused, never an update.
- The report is about departments, not people, and everyone may read it; it is aggregated only. Comments
  appear only as a count.
- The anonymity rule (``performance.policy.published_inputs``): every figure rests on the ratings
  ``published_ratings`` keeps -- per service item, the earliest in whole batches of ``ANONYMITY_THRESHOLD`` --
  and on nothing else. An item below the threshold shows nothing; a department's figures are those of its
  items' published ratings together, so subtracting an item from its department reveals nothing either; and
  a figure moves only when an item completes a batch, so reading, rating once and reading again shows the same
  figures (one rating is never the difference of two reads).
- The 0-150 score is ``scoring_sql.rubric`` of the average, the very expression ``units`` uses for a
  department's collaboration score over the same published ratings, which weighs
  ``period.collaboration_weight`` in the department score (results, pages, and a closed period's scores).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, cast, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hcm.errors import Conflict, Forbidden, Invalid
from hcm.org.models import BusinessProcess, Department
from hcm.policy import Principal, require_hr
from performance import scoring_sql
from performance.models import CollaborationRating, PeriodState, ServiceItem
from performance.policy import ANONYMITY_THRESHOLD, PerfPermission, may_rate_service, published_rank
from performance.schemas_collaboration import (
    CollaborationDepartmentFigures,
    CollaborationItemFigures,
    CollaborationReport,
)
from performance.service.lookups import ensure_state, ensure_writable, get_period

MAX_COMMENT = 2000
HIDDEN = f"hidden: fewer than {ANONYMITY_THRESHOLD} raters"


# --- service items ---------------------------------------------------------------------------------
def create_service_item(db: Session, *, principal: Principal, code: str, name: str, provider_department_id: int,
                        consumer_department_id: int, process_id: int | None = None,
                        description: str | None = None) -> ServiceItem:
    require_hr(principal, "register service items between departments")
    code, name = (code or "").strip(), (name or "").strip()
    if not code or len(code) > 64:
        raise Invalid("code is required (at most 64 characters)", field="code")
    if not name or len(name) > 300:
        raise Invalid("name is required (at most 300 characters)", field="name")
    for field, dept_id in (("provider_department_id", provider_department_id),
                           ("consumer_department_id", consumer_department_id)):
        if db.get(Department, dept_id) is None:
            raise Invalid(f"{field}={dept_id} does not point at an existing Department", field=field)
    if provider_department_id == consumer_department_id:
        raise Invalid("a service item links two different departments: the consumer is the provider",
                      field="consumer_department_id")
    if process_id is not None and db.get(BusinessProcess, process_id) is None:
        raise Invalid(f"process_id={process_id} does not point at an existing BusinessProcess", field="process_id")
    if db.scalar(select(ServiceItem.id).where(ServiceItem.code == code)) is not None:
        raise Conflict(f"code={code!r} is already used by another service item", field="code")
    item = ServiceItem(code=code, name=name, description=description, provider_department_id=provider_department_id,
                       consumer_department_id=consumer_department_id, process_id=process_id)
    db.add(item)
    db.flush()
    return item


def list_service_items(db: Session, *, department_id: int | None = None, provider_department_id: int | None = None,
                       consumer_department_id: int | None = None) -> list[ServiceItem]:
    """``department_id`` matches either side; the other two one side each."""
    stmt = select(ServiceItem).order_by(ServiceItem.code)
    if department_id is not None:
        stmt = stmt.where(or_(ServiceItem.provider_department_id == department_id,
                              ServiceItem.consumer_department_id == department_id))
    if provider_department_id is not None:
        stmt = stmt.where(ServiceItem.provider_department_id == provider_department_id)
    if consumer_department_id is not None:
        stmt = stmt.where(ServiceItem.consumer_department_id == consumer_department_id)
    return list(db.scalars(stmt))


# --- ratings ---------------------------------------------------------------------------------------
def rate_collaboration(db: Session, *, principal: Principal, period_id: int, service_item_id: int, score: int,
                       comment: str | None = None) -> CollaborationRating:
    period = ensure_writable(db, period_id)
    ensure_state(period, PeriodState.IN_PROGRESS, PeriodState.REVIEW, action="rating collaboration")
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise Invalid(f"score must be a whole number from 1 to 5, got {score!r}", field="score")
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT:
        raise Invalid(f"comment is longer than {MAX_COMMENT} characters", field="comment")
    item = db.get(ServiceItem, service_item_id)
    if item is None:
        raise Invalid(f"service_item_id={service_item_id} does not point at an existing service item",
                      field="service_item_id")
    if not principal.has(PerfPermission.RATE):
        raise Forbidden(f"the role {principal.role.value!r} may not rate collaboration")
    if not may_rate_service(db, principal, consumer_department_id=item.consumer_department_id):
        raise Forbidden(f"rule: service item {item.code!r} is rated by its consumer department (or HR); your post "
                        "is not in it", field="service_item_id")
    if db.scalar(select(CollaborationRating.id).where(
            CollaborationRating.period_id == period.id, CollaborationRating.service_item_id == item.id,
            CollaborationRating.rater_user_id == principal.user_id)) is not None:
        raise _once(item.code, period.code)
    rating = CollaborationRating(period_id=period.id, service_item_id=item.id, rater_user_id=principal.user_id,
                                 score=score, comment=comment)
    try:
        with db.begin_nested():  # a concurrent twin loses on the unique constraint, with the same message
            db.add(rating)
            db.flush()
    except IntegrityError as exc:
        raise _once(item.code, period.code) from exc
    return rating


def _once(item_code: str, period_code: str) -> Conflict:
    return Conflict(f"rule: one rating per rater, service item and period; you already rated {item_code!r} in "
                    f"period {period_code!r} (ratings are events, not edited)", field="service_item_id")


# --- the report ------------------------------------------------------------------------------------
def published_ratings(period_id: int) -> Any:
    """The collaboration ratings of a period that figures may rest on: per service item, the earliest (in the
    order recorded) in whole batches of ``ANONYMITY_THRESHOLD`` (``performance.policy.published_rank``).

    A subquery with ``service_item_id, provider_department_id, rater_user_id, score, comment``. Every figure
    built from collaboration ratings reads it and nothing else: the report's items and departments here, a
    department's collaboration score in ``units`` (so the results, the pages and a closed period's scores)."""
    r = CollaborationRating
    rank = func.row_number().over(partition_by=r.service_item_id, order_by=r.id)
    total = func.count().over(partition_by=r.service_item_id)
    ranked = (select(r.service_item_id, ServiceItem.provider_department_id, r.rater_user_id, r.score, r.comment,
                     rank.label("rank"), total.label("total"))
              .join(ServiceItem, ServiceItem.id == r.service_item_id)
              .where(r.period_id == period_id).subquery("ranked_collaboration"))
    return (select(ranked.c.service_item_id, ranked.c.provider_department_id, ranked.c.rater_user_id,
                   ranked.c.score, ranked.c.comment)
            .where(published_rank(ranked.c.rank, ranked.c.total)).subquery("published_collaboration"))


def _figures(n_raters: int, n_ratings: int, avg: float | None, score: float | None, comments: int) -> dict[str, Any]:
    if n_raters < ANONYMITY_THRESHOLD:
        return {"hidden": True, "note": HIDDEN, "raters": None, "ratings": None, "average": None, "score": None,
                "comments": None}
    return {"hidden": False, "note": None, "raters": n_raters, "ratings": n_ratings,
            "average": round(float(avg), 4) if avg is not None else None,
            "score": round(float(score), 4) if score is not None else None, "comments": comments}


def collaboration_report(db: Session, *, principal: Principal, period_id: int,
                         department_id: int | None = None) -> CollaborationReport:
    """Per provider department and per service item: raters, ratings, average 1..5, score 0..150 and
    comment count, over the published ratings only (the anonymity rule). ``department_id`` keeps one
    provider department."""
    period = get_period(db, period_id)
    pub = published_ratings(period_id)
    avg = func.avg(cast(pub.c.score, Float))
    figures = (func.count(func.distinct(pub.c.rater_user_id)), func.count(pub.c.score), avg, scoring_sql.rubric(avg),
               func.count(pub.c.comment))
    item_filter = [] if department_id is None else [ServiceItem.provider_department_id == department_id]

    # Items, with or without ratings (an unrated item shows as hidden rather than vanishing).
    items = db.execute(
        select(ServiceItem.id, ServiceItem.code, ServiceItem.name, ServiceItem.provider_department_id,
               ServiceItem.consumer_department_id, *figures)
        .outerjoin(pub, pub.c.service_item_id == ServiceItem.id)
        .where(*item_filter)
        .group_by(ServiceItem.id, ServiceItem.code, ServiceItem.name, ServiceItem.provider_department_id,
                  ServiceItem.consumer_department_id)
        .order_by(ServiceItem.provider_department_id, ServiceItem.code)
    ).all()
    # Departments: their items' published ratings together (what units blends into the department score).
    dept_filter = [] if department_id is None else [pub.c.provider_department_id == department_id]
    depts = {row[0]: row for row in db.execute(
        select(pub.c.provider_department_id, *figures).where(*dept_filter).group_by(pub.c.provider_department_id))}
    dept_ids = {row[3] for row in items} | set(depts)
    names = {i: (c, n) for i, c, n in db.execute(
        select(Department.id, Department.code, Department.name).where(Department.id.in_(dept_ids)))} if dept_ids else {}

    out: dict[int, CollaborationDepartmentFigures] = {}
    for dept_id in sorted(dept_ids, key=lambda d: names[d][0]):
        raters, ratings, a, s, comments = depts.get(dept_id, (dept_id, 0, 0, None, None, 0))[1:]
        out[dept_id] = CollaborationDepartmentFigures(department_id=dept_id, code=names[dept_id][0],
                                                      name=names[dept_id][1], weight=period.collaboration_weight,
                                                      **_figures(raters, ratings, a, s, comments), items=[])
    for item_id, code, name, provider, consumer, raters, ratings, a, s, comments in items:
        out[provider].items.append(CollaborationItemFigures(service_item_id=item_id, code=code, name=name,
                                                            consumer_department_id=consumer,
                                                            **_figures(raters, ratings, a, s, comments)))
    return CollaborationReport(period_id=period.id, period=period.code, collaboration_weight=period.collaboration_weight,
                               anonymity_threshold=ANONYMITY_THRESHOLD, departments=list(out.values()))
