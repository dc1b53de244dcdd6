"""The flight-risk pages (server-rendered) for HR and executives (and managers, for the people below them, when
HR allows it):

- ``/ml/risk``: the people at risk, the latest score of each from the active version, highest first, with the
  top drivers in plain words and HR's override beside the model's band; filters by department (and below), key
  post, 9-box cell and band; paged;
- ``/ml/risk/people/{id}``: a person's risk over time (an SVG line chart), every score's drivers and version, the
  overrides next to each score and, for HR, the override form (band and reason);
- ``/ml/models`` and ``/ml/models/{id}``: the versions and a version's card (window, features, candidates,
  metrics beside the baseline, a calibration chart, subgroups by gender and age band with the four-fifths ratio);
- ``/ml/settings`` (HR): whether managers see risk.

Thin routes over ``ml.service`` and ``ml.settings``: each declares one permission with ``allow(...)``; query values
are read as text and checked here or by the service, so odd input is a 4xx with its message, never a 500. An
employee never reaches a risk page (403); a person outside the caller's risk scope is a 404 like nobody.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.errors import HcmError, Invalid
from hcm.fields import Id
from hcm.org.models import Department
from hcm.paging import PageNo
from hcm.policy import Principal, allow
from hcm.web import charts
from hcm.web.forms import whole_number
from hcm.web.render import flash, pager, render
from ml import facets, policy, service, settings
from ml.policy import MlPermission

router = APIRouter(include_in_schema=False)
RISK = Depends(allow(MlPermission.RISK_READ))
CARD = Depends(allow(MlPermission.CARD_READ))
OVERRIDE = Depends(allow(MlPermission.OVERRIDE))
SETTINGS = Depends(allow(MlPermission.SETTINGS))
PAGE_SIZE = 50
PERSON = "/ml/risk/people/{employee_id}"

TABS: tuple[tuple[str, str, str, MlPermission], ...] = (
    ("risk", "People at risk", "/ml/risk", MlPermission.RISK_READ),
    ("models", "Model cards", "/ml/models", MlPermission.CARD_READ),
    ("settings", "Who sees risk", "/ml/settings", MlPermission.SETTINGS),
)
METRICS = (("roc_auc", "ROC-AUC", "higher is better: how well risk ranks leavers above stayers (0.5 = chance)"),
           ("pr_auc", "PR-AUC", "higher is better: precision over recall, against the leavers' base rate"),
           ("brier", "Brier score", "lower is better: the mean squared gap between probability and outcome"))
GROUP_LABELS = {"gender": "Gender", "age_band": "Age band"}


def _render(request: Request, name: str, me: Principal, *, active: str, status_code: int = 200,
            **context: Any) -> HTMLResponse:
    tabs = [{"key": k, "label": label, "href": href} for k, label, href, perm in TABS if me.has(perm)]
    return render(request, name, me, section="ml", status_code=status_code, tabs=tabs, active_tab=active,
                  percent=charts.percent, bar_width=charts.share_bar, band_labels=service.BAND_LABELS, **context)


def _departments(db: Session) -> list[dict[str, Any]]:
    return [{"id": i, "name": n} for i, n in db.execute(select(Department.id, Department.name).order_by(Department.name))]


# --- the people at risk ----------------------------------------------------------------------------------
@router.get("/ml/risk")
def risk_page(request: Request, department: str = "", key_post: str = "", nine_box: str = "", band: str = "",
              page: PageNo = 1, db: Session = Depends(get_db), me: Principal = RISK) -> Response:
    result, error, status, department_id = None, None, 200, None
    filters = {"department": department, "key_post": key_post, "nine_box": nine_box, "band": band}
    try:
        department_id = whole_number(department, "department")
        result = service.at_risk(db, principal=me, department_id=department_id, key_post=key_post or None,
                                 nine_box=nine_box or None, band=band or None, page=page, page_size=PAGE_SIZE)
    except HcmError as exc:
        error, status = exc.message, exc.status_code
    return _render(request, "ml/risk.html", me, active="risk", status_code=status, result=result, error=error,
                   filters=filters, department_id=department_id, departments=_departments(db),
                   facets=facets.installed(), bands=service.BANDS, may_override=policy.may_override(me),
                   paging=pager(request, page, PAGE_SIZE, result.total) if result is not None else None)


# --- one person's history, and HR's override ---------------------------------------------------------------
def person_response(request: Request, db: Session, me: Principal, employee_id: int, *,
                    error: dict[str, Any] | None = None, values: dict[str, str] | None = None,
                    status_code: int = 200) -> HTMLResponse:
    history = service.person_history(db, principal=me, employee_id=employee_id)
    labels = [s.as_of.isoformat() for s in history.scores]
    chart = charts.line_chart(labels, [("risk", "Flight risk (probability)", [s.probability for s in history.scores])],
                              x_title="As of", y_title="Chance of leaving in a year")
    return _render(request, "ml/person.html", me, active="risk", status_code=status_code, history=history,
                   chart=chart, may_override=policy.may_override(me), error=error, values=values or {},
                   bands=service.BANDS, link_people=me.has(MlPermission.OVERRIDE))


@router.get(PERSON)
def person_page(request: Request, employee_id: Id, db: Session = Depends(get_db), me: Principal = RISK) -> Response:
    return person_response(request, db, me, employee_id)


@router.post("/ml/risk/scores/{score_id}/override")
def override_band(request: Request, score_id: Id, band: str = Form(""), reason: str = Form(""),
                  db: Session = Depends(get_db), me: Principal = OVERRIDE) -> Response:
    score = service.score_of(db, principal=me, score_id=score_id)  # outside the caller's scope: the 404 first
    try:
        out = service.override(db, principal=me, score_id=score_id, band=band, reason=reason)
    except HcmError as exc:
        return person_response(request, db, me, score.employee_id,
                               error={"score_id": score_id, "field": exc.field, "message": exc.message},
                               values={"band": band, "reason": reason}, status_code=exc.status_code)
    flash(request, f"Band of the score as of {score.as_of.isoformat()} set to {service.BAND_LABELS[out.band]}; "
                   "the reason is kept with it.")  # not the reason itself: the flash travels in the session cookie
    return RedirectResponse(PERSON.format(employee_id=score.employee_id) + f"#score-{score_id}", status_code=303)


# --- the model versions and their cards -----------------------------------------------------------------------
@router.get("/ml/models")
def models_page(request: Request, db: Session = Depends(get_db), me: Principal = CARD) -> Response:
    return _render(request, "ml/models.html", me, active="models", versions=service.versions(db), metrics=METRICS)


@router.get("/ml/models/{version_id}")
def card_page(request: Request, version_id: Id, db: Session = Depends(get_db), me: Principal = CARD) -> Response:
    card = service.model_card(db, version_id=version_id)
    bins = [(float(b[0]), float(b[1]), int(b[2])) for b in card.card.get("calibration") or []]
    calibration = charts.xy_chart(bins, x_title="Predicted probability (mean of the bin)",
                                  y_title="Observed share who left")
    return _render(request, "ml/card.html", me, active="models", version=card, c=card.card, metrics=METRICS,
                   calibration=calibration, group_labels=GROUP_LABELS)


# --- who sees risk (HR) ---------------------------------------------------------------------------------------
@router.get("/ml/settings")
def settings_page(request: Request, db: Session = Depends(get_db), me: Principal = SETTINGS) -> Response:
    return _render(request, "ml/settings.html", me, active="settings", current=settings.current(db))


@router.post("/ml/settings")
def save_settings(request: Request, managers_see_risk: str = Form(""), db: Session = Depends(get_db),
                  me: Principal = SETTINGS) -> Response:
    value = managers_see_risk.strip().lower()
    if value not in ("", "0", "1", "on", "off", "true", "false"):
        raise Invalid(f"managers_see_risk: {managers_see_risk!r} is neither on nor off", field="managers_see_risk")
    on = value in ("1", "on", "true")
    settings.update(db, principal=me, managers_see_risk=on)
    flash(request, "Managers now see the flight risk of the people below them." if on
          else "Managers no longer see flight risk.")
    return RedirectResponse("/ml/settings", status_code=303)
