"""Succession pages (server-rendered) for the key-post register, bench strength and representation:

- ``/succession/register`` (HR): the heat map of the key posts (criticality x vacancy risk, each cell coloured
  by its bench strength; a cell lists its posts) above the register of every active post, its criticality with
  the factors behind it, filtered, sorted and paged; HR's decisions (set, confirm, withdraw a key post with a
  reason) from the list or from one post's entry, ``/succession/register/{id}``;
- ``/succession/bench`` (HR, executives): the company's and each department's bench figures, the trend as an
  SVG line chart, the single points of failure, the people on many slates and the key posts one by one;
- ``/succession/representation`` (HR): nominees and pool members by gender and age band against the eligible
  population, with the four-fifths rule, as bar charts and tables.

Thin routes over ``succession.service.register``, ``.heatmap``, ``.bench`` and ``.representation``: each declares
one permission with ``allow(...)``; query values are read as text and checked here or by the service, so odd input
is a 4xx message on the page, never a 500. A decision the service refuses renders the post's entry again with the
message at its form and the refusal's status; nothing is written then. A decision that succeeds redirects back
(post-redirect-get) with a message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm import clock
from hcm.deps import get_db
from hcm.errors import HcmError, Invalid, NotFound
from hcm.fields import Id, SearchText
from hcm.org.models import Position
from hcm.paging import PageNo
from hcm.policy import Principal, allow, is_hr
from hcm.web import charts as web_charts
from hcm.web.forms import number, whole_number
from hcm.web.render import error_page, flash, pager, render
from succession.models import TalentPool
from succession.pages import charts
from succession.pages.forms import departments, form_date, form_model
from succession.pages.plans import tabs
from succession.policy import SuccPermission
from succession.schemas_register import DecisionIn
from succession.service import bench, heatmap, register, representation

router = APIRouter(include_in_schema=False)
REGISTER_READ = Depends(allow(SuccPermission.REGISTER_READ))
REGISTER_WRITE = Depends(allow(SuccPermission.REGISTER_WRITE))
BENCH = Depends(allow(SuccPermission.BENCH))
REPRESENTATION = Depends(allow(SuccPermission.REPRESENTATION))
PAGE_SIZE = 50
CELL_PAGE = 50  # posts listed for a heat-map cell
TREND_POINTS = (6, 12, 24, 36)
FACTOR_LABELS = {"level": "Grade level", "span": "Span (people below)", "goals": "Share of company goals",
                 "scarcity": "Scarcity of the required skills", "time_to_fill": "Time to fill",
                 "flight_risk": "Holder's flight risk", "retirement": "Retirement eligibility",
                 "time_in_post": "Time in post"}
GROUP_LABELS = {"impact": "Impact", "difficulty": "Difficulty to replace", "vacancy_risk": "Vacancy risk"}
SORT_LABELS = {"criticality": "Criticality", "code": "Code", "title": "Title", "level": "Grade level",
               "span": "Span", "department": "Department"}
ORDERS = {"": "Default", "desc": "Descending", "asc": "Ascending"}


# --- helpers ---------------------------------------------------------------------------------------
def _render(request: Request, name: str, me: Principal, *, active: str, status_code: int = 200,
            **context: Any) -> HTMLResponse:
    return render(request, name, me, section="succession", status_code=status_code, tabs=tabs(me), active_tab=active,
                  percent=web_charts.percent, bar_width=web_charts.share_bar, **context)


def _flag(raw: str, field: str) -> bool:
    text = raw.strip().lower()
    if text in ("", "0", "false", "off"):
        return False
    if text in ("1", "true", "on", "yes"):
        return True
    raise Invalid(f"{field}: {raw!r} is neither on nor off (1 or 0)", field=field)


def _query(**params: Any) -> str:
    """A query string of the non-empty parameters (links that keep the page's filters)."""
    return urlencode({k: v for k, v in params.items() if v not in (None, "", False)})


# --- the register and its heat map (HR) ------------------------------------------------------------
@router.get("/succession/register")
def register_page(request: Request, department: str = "", key_only: str = "", min_criticality: str = "",
                  max_criticality: str = "", q: SearchText = "", sort: str = "criticality", order: str = "",
                  criticality: str = "", vacancy: str = "", page: PageNo = 1, db: Session = Depends(get_db),
                  me: Principal = REGISTER_READ) -> Response:
    error, status = None, 200
    heat = cell = result = None
    department_id: int | None = None
    filters = {"department": department, "key_only": key_only, "min_criticality": min_criticality,
               "max_criticality": max_criticality, "q": q, "sort": sort, "order": order}
    try:
        department_id = whole_number(department, "department")
        heat = heatmap.heat_map(db, principal=me, department_id=department_id)
        if criticality or vacancy:
            heatmap.check_cell(criticality, vacancy)
            cell = heat.cell(criticality, vacancy)
        if order not in ORDERS:
            raise Invalid(f"order must be one of {', '.join(k for k in ORDERS if k)} (or empty)", field="order")
        result = register.register(
            db, principal=me, department_id=department_id, key_only=_flag(key_only, "key_only"),
            min_criticality=number(min_criticality, "min_criticality"),
            max_criticality=number(max_criticality, "max_criticality"), q=q.strip() or None, sort=sort,  # type: ignore[arg-type]
            descending=None if not order else order == "desc", page=page, page_size=PAGE_SIZE)
    except HcmError as exc:
        error, status = exc.message, exc.status_code
    keep = {k: v for k, v in filters.items() if k != "sort" or v != "criticality"}
    return _render(request, "succession/register.html", me, active="register", status_code=status, error=error,
                   heat=heat, cell=cell, result=result, departments=departments(db), department_id=department_id,
                   filters=filters, sorts=SORT_LABELS, orders=ORDERS, factor_labels=FACTOR_LABELS,
                   group_labels=GROUP_LABELS, back=request.url.path + ("?" + request.url.query if request.url.query
                                                                      else ""),
                   cell_labels=heatmap.cell_labels(cell.criticality, cell.vacancy) if cell is not None else None,
                   close_link="?" + _query(**keep) + "#heat-h",
                   cell_link=lambda c, v: "?" + _query(**keep, criticality=c, vacancy=v) + "#cell",
                   sort_link=lambda s: "?" + _query(**{**keep, "sort": s, "page": None,
                                                       "order": ("asc" if order != "asc" else "desc")
                                                       if s == sort else ""}),
                   cell_limit=CELL_PAGE, today=clock.today(),
                   paging=pager(request, page, PAGE_SIZE, result.total) if result is not None else None)


def _entry(request: Request, db: Session, me: Principal, position_id: int, *, error: dict[str, Any] | None = None,
           values: dict[str, str] | None = None, back: str = "", status_code: int = 200) -> HTMLResponse:
    entry = register.register_entry(db, principal=me, position_id=position_id)
    return _render(request, "succession/register_entry.html", me, active="register", status_code=status_code,
                   entry=entry, error=error, values=values or {}, back=_safe_back(back),
                   factor_labels=FACTOR_LABELS, group_labels=GROUP_LABELS)


@router.get("/succession/register/{position_id}")
def register_entry_page(request: Request, position_id: Id, db: Session = Depends(get_db),
                        me: Principal = REGISTER_READ) -> Response:
    return _entry(request, db, me, position_id)


def _safe_back(back: str) -> str:
    """Where a decision returns to: the register's own list (with its filters), nothing else."""
    back = back.strip()
    if back.startswith("/succession/register") and not back.startswith("//") and "\\" not in back:
        return back
    return ""


@router.post("/succession/register/{position_id}/decision")
def decide(request: Request, position_id: Id, is_key: str = Form(""), reason: str = Form(""),
           back: str = Form(""), db: Session = Depends(get_db), me: Principal = REGISTER_WRITE) -> Response:
    try:
        if is_key not in ("1", "0"):
            raise Invalid("is_key must be 1 (set or confirm the key post) or 0 (withdraw it)", field="is_key")
        data = form_model(lambda: DecisionIn(is_key=is_key == "1", reason=reason))
        out = register.decide(db, principal=me, position_id=position_id, is_key=data.is_key, reason=data.reason)
    except HcmError as exc:
        try:
            return _entry(request, db, me, position_id, error={"field": exc.field, "message": exc.message},
                          values={"reason": reason}, back=back, status_code=exc.status_code)
        except NotFound:  # a post that is not (or no longer) in the register: the refusal on its own
            return error_page(request, exc.status_code, exc.message)
    done = {"set": "is now a key post", "confirm": "is confirmed as a key post", "withdraw": "is no longer a key post"}
    pos = db.get(Position, position_id)
    name = f"{pos.title} ({pos.code})" if pos is not None else f"position {position_id}"
    flash(request, f"{name} {done[out.action]}: {out.reason.strip()}")
    target = _safe_back(back)
    return RedirectResponse(f"{target}#post-{position_id}" if target else f"/succession/register/{position_id}",
                            status_code=303)


# --- bench strength (HR, executives) ---------------------------------------------------------------
@router.get("/succession/bench")
def bench_page(request: Request, department: str = "", basis: str = "months", points: str = "12",
               uncovered: str = "", page: PageNo = 1, db: Session = Depends(get_db), me: Principal = BENCH) -> Response:
    error, status = None, 200
    summary = trend = posts = chart = None
    department_id: int | None = None
    n, only = 12, False
    try:
        department_id = whole_number(department, "department")
        n = whole_number(points, "points", high=bench.MAX_TREND_POINTS) or 12
        only = _flag(uncovered, "uncovered")
        if basis not in ("months", "periods"):
            raise Invalid("basis must be months or periods", field="basis")
        summary = bench.bench(db, principal=me, department_id=department_id)
        trend = bench.trend(db, principal=me, basis=basis, points=n, department_id=department_id)  # type: ignore[arg-type]
        posts = bench.key_post_bench(db, principal=me, department_id=department_id, uncovered_only=only, page=page,
                                     page_size=PAGE_SIZE)
        chart = web_charts.line_chart(
            [p.label for p in trend.points],
            [("covered", "Ready-now successor", [p.figures.covered_share for p in trend.points]),
             ("two", "Two successors or more", [p.figures.two_plus_share for p in trend.points])],
            x_title="Month end" if basis == "months" else "End of the performance period",
            y_title="Share of key posts")
    except HcmError as exc:
        error, status = exc.message, exc.status_code
    return _render(request, "succession/bench.html", me, active="bench", status_code=status, error=error,
                   summary=summary, trend=trend, chart=chart, posts=posts, departments=departments(db),
                   department_id=department_id, basis=basis if basis in ("months", "periods") else "months",
                   points_n=n, uncovered=only, point_choices=sorted({*TREND_POINTS, n}), link_people=is_hr(me),
                   paging=pager(request, page, PAGE_SIZE, posts.total) if posts is not None else None)


# --- representation (HR) ---------------------------------------------------------------------------
def population_labels(db: Session) -> dict[str, str]:
    labels = {"nominees": "Nominees (on the slates of key posts)", "pool_members": "All talent pool members"}
    for code, name in db.execute(select(TalentPool.code, TalentPool.name).order_by(TalentPool.code)):
        labels[f"pool:{code}"] = f"Pool: {name}"
    return labels


@router.get("/succession/representation")
def representation_page(request: Request, population: str = "nominees", as_of: str = "",
                        db: Session = Depends(get_db), me: Principal = REPRESENTATION) -> Response:
    error, status = None, 200
    figures = chosen = None
    group_charts: dict[str, charts.GroupChart] = {}
    labels = population_labels(db)
    try:
        day = form_date(as_of, "as_of")
        figures = representation.representation(db, principal=me, as_of=day)
        chosen = next((p for p in figures.populations if p.population == population), None)
        if chosen is None:
            raise Invalid(f"population must be one of {', '.join(p.population for p in figures.populations)}",
                          field="population")
        for dimension in ("gender", "age_band"):
            group_charts[dimension] = charts.group_chart(getattr(chosen, dimension), population=labels.get(
                chosen.population, chosen.population), threshold=figures.threshold)
    except HcmError as exc:
        error, status = exc.message, exc.status_code
    return _render(request, "succession/representation.html", me, active="representation", status_code=status,
                   error=error, figures=figures, chosen=chosen, group_charts=group_charts, labels=labels,
                   population=population, as_of=as_of)
