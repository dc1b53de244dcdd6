"""The flight-risk pages' and API's logic: who is at risk (the latest score of each person from the active
version, with its drivers in plain words and HR's override beside the model's band), a person's history, the model
versions and their cards, and HR's band override (with a reason, audited; the score itself is never changed).

Every person is looked up through ``ml.policy`` (``risk_filter`` / ``visible_at_risk``): outside the caller's
risk scope is a 404 like nobody. Keyword-only functions; they flush, never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic_core import PydanticCustomError
from sqlalchemy import BindParameter, Select, bindparam, case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hcm.auth.models import User
from hcm.db import get_or_404
from hcm.errors import Forbidden, Invalid
from hcm.fields import MAX_TEXT, plain_text
from hcm.org.models import Department, Employee, EmployeeStatus, Position
from hcm.org.queries import department_subtree_ids
from hcm.paging import check_page, paginate
from hcm.policy import Principal, is_manager
from ml import audit, facets, policy, registry
from ml import drivers as ml_drivers
from ml.models import BandOverride, ModelVersion, Score
from ml.schemas import (
    CardOut,
    DriverOut,
    OverrideOut,
    PersonRef,
    PersonRisk,
    RiskPage,
    RiskRow,
    ScoreOut,
    VersionOut,
    VersionRef,
)

KIND = "flight-risk"
BANDS = ("low", "medium", "high")
BAND_LABELS = {"low": "Low", "medium": "Medium", "high": "High"}


# --- small parts -------------------------------------------------------------------------------------
def check_band(value: str | None, *, field: str = "band", required: bool = False) -> str | None:
    """A band a request names: low, medium or high (422 naming the field otherwise)."""
    text = (value or "").strip()
    if not text:
        if required:
            raise Invalid(f"{field} is required: one of {', '.join(BANDS)}", field=field)
        return None
    if text not in BANDS:
        raise Invalid(f"{field} must be one of {', '.join(BANDS)}, not {text!r}", field=field)
    return text


def drivers_of(raw: Sequence[dict[str, Any]] | None) -> list[DriverOut]:
    """A score's drivers (``ml.drivers``) as the pages say them (the plain-word text the explanation wrote)."""
    out = []
    for d in raw or []:
        feature = str(d.get("feature", ""))
        contribution = float(d.get("contribution") or 0.0)
        direction = str(d.get("direction") or ("raises" if contribution >= 0 else "lowers"))
        text = str(d.get("text") or d.get("phrase") or f"{feature.replace('_', ' ')}: {direction} risk")
        out.append(DriverOut(feature=feature, text=text, direction=direction, contribution=contribution))
    return out


def _latest_override() -> Any:
    """Per score, the override in force (the latest): score_id, id."""
    rn = func.row_number().over(partition_by=BandOverride.score_id,
                                order_by=(BandOverride.created_at.desc(), BandOverride.id.desc()))
    ranked = select(BandOverride.score_id, BandOverride.id, BandOverride.band, rn.label("rn")).subquery()
    return select(ranked.c.score_id, ranked.c.id, ranked.c.band).where(ranked.c.rn == 1).subquery("override_now")


def _latest_scores(version_id: int) -> Any:
    """Per person, their latest score from one version: score id, employee id."""
    rn = func.row_number().over(partition_by=Score.employee_id, order_by=(Score.as_of.desc(), Score.id.desc()))
    ranked = select(Score.id, Score.employee_id, rn.label("rn")).where(Score.version_id == version_id).subquery()
    return select(ranked.c.id, ranked.c.employee_id).where(ranked.c.rn == 1).subquery("latest_score")


def _overrides(db: Session, score_ids: Sequence[int]) -> dict[int, list[OverrideOut]]:
    if not score_ids:
        return {}
    rows = db.execute(select(BandOverride, User.username).outerjoin(User, User.id == BandOverride.user_id)
                      .where(BandOverride.score_id.in_(list(score_ids)))
                      .order_by(BandOverride.created_at, BandOverride.id)).all()
    out: dict[int, list[OverrideOut]] = {}
    for o, username in rows:
        out.setdefault(o.score_id, []).append(OverrideOut(id=o.id, score_id=o.score_id, band=o.band, reason=o.reason,
                                                          by=username, at=o.created_at))
    return out


def _person(e: Employee, department: str | None, post: str | None) -> PersonRef:
    return PersonRef(id=e.id, external_id=e.external_id, name=f"{e.first_name} {e.last_name}", department=department,
                     post=post)


def active_version(db: Session) -> ModelVersion | None:
    return registry.active(db, KIND)


# --- who is at risk ----------------------------------------------------------------------------------
def _rows(db: Session, principal: Principal, version_id: int,
          department_id: int | None) -> tuple[Select[Any], ColumnElement[Any]]:
    """The latest score of each person in scope (with the person, department, post), and the band in force."""
    latest, now = _latest_scores(version_id), _latest_override()
    stmt = (select(Score, Employee, Department.name, Position.title, now.c.band)
            .join(latest, latest.c.id == Score.id)
            .join(Employee, Employee.id == Score.employee_id)
            .outerjoin(Position, Position.id == Employee.position_id)
            .outerjoin(Department, Department.id == Position.department_id)
            .outerjoin(now, now.c.score_id == Score.id)
            .where(Employee.status == EmployeeStatus.ACTIVE, policy.risk_filter(db, principal)))
    if department_id is not None:
        stmt = stmt.where(Position.department_id.in_(department_subtree_ids(department_id)))
    return stmt, func.coalesce(now.c.band, Score.band)


def at_risk(db: Session, *, principal: Principal, department_id: int | None = None, key_post: str | None = None,
            nine_box: str | None = None, band: str | None = None, page: int = 1, page_size: int = 50) -> RiskPage:
    """The latest score of each person in the caller's risk scope from the active flight-risk version, highest
    risk first (by the band in force, then the probability), filtered by department (and below), band (the band
    in force: HR's override, else the model's) and the facets the modules provide (key post, 9-box cell)."""
    check_page(page, page_size)
    chosen_band = check_band(band)
    available = facets.installed()
    wanted = facets.check(available, {"key_post": key_post, "nine_box": nine_box})
    if department_id is not None:
        get_or_404(db, Department, department_id, field="department_id")
    if not policy.risk_open(db, principal):
        raise Forbidden("HR has not opened flight risk to managers" if is_manager(principal)
                        else "flight risk is for HR and executives")
    version = active_version(db)
    if version is None:
        return RiskPage(items=[], total=0, page=page, page_size=page_size, version=None)
    stmt, shown = _rows(db, principal, version.id, department_id)
    if chosen_band is not None:
        stmt = stmt.where(shown == chosen_band)
    if wanted:  # the facets know people by id: who in the rows so far has the wanted values
        ids = list(db.scalars(stmt.with_only_columns(Score.employee_id)))
        keep = set(ids)
        for key, value in wanted.items():
            got = facets.values_of(available[key], db, ids)
            keep &= {e for e, v in got.items() if v == value}
        # the ids written into the statement (whole numbers, so safe), not one parameter each: any number of them
        kept: BindParameter[int] = bindparam("kept", sorted(keep), expanding=True, literal_execute=True)
        stmt = stmt.where(Score.employee_id.in_(kept) if keep else Score.id.is_(None))
    band_rank = case((shown == "high", 2), (shown == "medium", 1), else_=0)
    stmt = stmt.order_by(band_rank.desc(), Score.probability.desc(), Employee.last_name, Employee.first_name,
                         Employee.id)
    rows, total = paginate(db, stmt, page=page, page_size=page_size)
    ids = [r[1].id for r in rows]
    known = {key: facets.values_of(f, db, ids) for key, f in available.items()}
    overrides = _overrides(db, [r[0].id for r in rows])
    explained = ml_drivers.drivers(db, [r[0] for r in rows])
    items = []
    for score, emp, dept, post, _ in rows:
        now = overrides.get(score.id, [])
        current = now[-1] if now else None
        items.append(RiskRow(score_id=score.id, employee=_person(emp, dept, post), as_of=score.as_of,
                             version=version.label, probability=score.probability, band=score.band, override=current,
                             band_shown=current.band if current else score.band, drivers=drivers_of(explained[score.id]),
                             facets={k: v[emp.id] for k, v in known.items() if emp.id in v}))
    return RiskPage(items=items, total=total, page=page, page_size=page_size, version=VersionRef.model_validate(version))


# --- one person's history ------------------------------------------------------------------------------
def person_history(db: Session, *, principal: Principal, employee_id: int) -> PersonRisk:
    """Every flight-risk score of a person, oldest first, each with its version, drivers and HR's overrides."""
    emp = policy.visible_at_risk(db, principal, employee_id)
    dept, post = (None, None)
    if emp.position_id is not None:
        found = db.execute(select(Department.name, Position.title).join(Position, Position.department_id == Department.id)
                           .where(Position.id == emp.position_id)).first()
        if found is not None:
            dept, post = found[0], found[1]
    rows = db.execute(select(Score, ModelVersion.label).join(ModelVersion, ModelVersion.id == Score.version_id)
                      .where(Score.employee_id == emp.id, ModelVersion.kind == KIND)
                      .order_by(Score.as_of, Score.id)).all()
    overrides = _overrides(db, [s.id for s, _ in rows])
    explained = ml_drivers.drivers(db, [s for s, _ in rows])
    scores = []
    for s, label in rows:
        mine = overrides.get(s.id, [])
        scores.append(ScoreOut(score_id=s.id, as_of=s.as_of, version=label, version_id=s.version_id,
                               probability=s.probability, band=s.band, band_shown=mine[-1].band if mine else s.band,
                               drivers=drivers_of(explained[s.id]), overrides=mine))
    return PersonRisk(employee=_person(emp, dept, post), scores=scores)


# --- the versions and their cards ----------------------------------------------------------------------
def versions(db: Session) -> list[VersionOut]:
    """Every flight-risk version, the newest first."""
    rows = db.scalars(select(ModelVersion).where(ModelVersion.kind == KIND)
                      .order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc()))
    return [VersionOut.model_validate(v) for v in rows]


def model_card(db: Session, *, version_id: int) -> CardOut:
    """A flight-risk version's card: the window, features, candidates, metrics beside the baseline's, calibration,
    subgroups (a readiness version's id is the 404 of no version: its card is not on these pages yet)."""
    version = get_or_404(db, ModelVersion, version_id, entity="Model version", field="version_id",
                         visible=ModelVersion.kind == KIND)
    return CardOut.model_validate(version)


def score_of(db: Session, *, principal: Principal, score_id: int) -> Score:
    """A flight-risk score a request names: one of someone outside the caller's risk scope, or a readiness score,
    is the 404 of no score."""
    in_scope = Score.employee_id.in_(select(Employee.id).where(policy.risk_filter(db, principal)))
    flight_risk = Score.position_id.is_(None) & Score.version_id.in_(select(ModelVersion.id)
                                                                     .where(ModelVersion.kind == KIND))
    return get_or_404(db, Score, score_id, entity="Score", field="score_id", visible=in_scope & flight_risk)


# --- HR's override -------------------------------------------------------------------------------------
def override(db: Session, *, principal: Principal, score_id: int, band: str | None, reason: str | None) -> OverrideOut:
    """HR sets the band of a score, with the reason: a new ``BandOverride`` (the score row is never changed),
    audited with the band in force before and after. Refused: anyone but HR; a blank reason; a band not low,
    medium or high; a score of someone outside the caller's risk scope (404 like no score)."""
    if not policy.may_override(principal):
        raise Forbidden("only HR may override a flight-risk band")
    score = score_of(db, principal=principal, score_id=score_id)
    chosen = check_band(band, required=True)
    why = (reason or "").strip()
    if not why:
        raise Invalid("reason is required: say why the band is overridden", field="reason")
    if len(why) > MAX_TEXT:
        raise Invalid(f"reason is {len(why):,} characters long: at most {MAX_TEXT:,}", field="reason")
    try:
        plain_text(why)
    except PydanticCustomError as exc:
        raise Invalid(f"reason: {exc.message()}", field="reason") from None
    assert chosen is not None
    before = _overrides(db, [score.id]).get(score.id, [])
    was = before[-1].band if before else score.band
    row = BandOverride(score_id=score.id, band=chosen, reason=why, user_id=principal.user_id)
    db.add(row)
    db.flush()
    audit.record(db, principal=principal, entity="score", entity_id=score.id, employee_id=score.employee_id,
                 action="override", before={"band": was, "model_band": score.band},
                 after={"band": chosen, "reason": why, "override_id": row.id})
    return OverrideOut(id=row.id, score_id=score.id, band=row.band, reason=row.reason, by=principal.username,
                       at=row.created_at)
