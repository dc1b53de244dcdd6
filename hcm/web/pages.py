"""Server-rendered pages (Jinja2). Thin routes: each declares its policy with ``allow(...)``, calls the
``hcm.org.service`` read functions (which already apply row and field visibility) and renders a template.
"""

from __future__ import annotations

import enum
import math
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from hcm.auth import service as auth_service
from hcm.auth.models import Role
from hcm.deps import get_db
from hcm.errors import Forbidden, NotFound, Unauthorized
from hcm.org import service
from hcm.org.models import EmployeeStatus, Grade, JobFamily, SkillSource
from hcm.policy import Permission, Principal, allow

router = APIRouter(include_in_schema=False)

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
templates = Jinja2Templates(env=_env)

PAGE_SIZE = 25
ALL = service.MAX_PAGE_SIZE  # "every row" for lists that are small by nature (a department's posts...)


# --- navigation ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class NavItem:
    key: str  # stable: rendered as data-nav="..." and asserted by the tests
    label: str
    href: str


_ITEMS = {i.key: i for i in (
    NavItem("home", "Home", "/"),
    NavItem("team", "My team", "/team"),
    NavItem("org", "Org", "/org"),
    NavItem("positions", "Positions", "/positions"),
    NavItem("people", "People", "/people"),
    NavItem("key-posts", "Key posts", "/key-posts"),
    NavItem("skills", "Skills", "/skills"),
    NavItem("io", "Import/Export", "/io"),
    NavItem("profile", "My profile", "/me"),
)}

NAV_BY_ROLE: dict[Role, tuple[str, ...]] = {
    Role.HR_ADMIN: ("home", "org", "positions", "people", "key-posts", "skills", "io"),
    Role.EXECUTIVE: ("home", "org", "key-posts"),
    Role.MANAGER: ("home", "team", "org", "profile"),
    Role.EMPLOYEE: ("home", "profile", "org"),
}

ROLE_LABELS = {Role.HR_ADMIN: "HR admin", Role.EXECUTIVE: "Executive", Role.MANAGER: "Manager",
               Role.EMPLOYEE: "Employee"}


def nav_for(me: Principal | None) -> list[NavItem]:
    return [] if me is None else [_ITEMS[k] for k in NAV_BY_ROLE[me.role]]


# --- rendering helpers ---------------------------------------------------------------------------
def _render(request: Request, name: str, me: Principal | None, *, section: str | None = None,
            status_code: int = 200, **context: Any) -> HTMLResponse:
    ctx = {"me": me, "nav": nav_for(me), "section": section,
           "role_label": ROLE_LABELS.get(me.role, "") if me else "", **context}
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    titles = {403: "Not allowed", 404: "Not found", 409: "Conflict", 422: "Something is not right"}
    me = getattr(request.state, "principal", None)
    return _render(request, "error.html", me, status_code=status, status=status,
                   title=titles.get(status, "Something went wrong"), message=message)


def pager(request: Request, page: int, page_size: int, total: int) -> dict[str, Any]:
    pages = max(1, math.ceil(total / page_size))

    def link(n: int) -> str:
        return "?" + urlencode({**request.query_params, "page": n})

    return {"page": page, "pages": pages, "total": total,
            "prev": link(page - 1) if page > 1 else None, "next": link(page + 1) if page < pages else None}


def _departments(db: Session) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    """The department tree with a rolled-up ``total`` headcount, and every node by id (with ``parent``)."""
    roots = service.department_tree(db)
    index: dict[int, dict[str, Any]] = {}

    def walk(node: dict[str, Any], parent: dict[str, Any] | None) -> int:
        node["parent"] = parent
        index[node["id"]] = node
        node["total"] = node["headcount"] + sum(walk(c, node) for c in node["children"])
        return int(node["total"])

    for r in roots:
        walk(r, None)
    return roots, index


def _breadcrumb(node: dict[str, Any] | None) -> list[dict[str, Any]]:
    chain = []
    while node is not None:
        chain.append(node)
        node = node["parent"]
    return chain[::-1]


def _flag(value: str) -> bool | None:
    """A yes / no / any filter from a <select>: "" (any) must not be a validation error."""
    return {"true": True, "false": False}.get(value)


def _safe_next(target: str | None) -> str:
    """Only a local path may follow a log-in: no scheme, no host, no protocol-relative ``//`` tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(c in target for c in "\\\r\n\t") or any(ord(c) < 32 for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return "/"
    return target


# --- log-in --------------------------------------------------------------------------------------
@router.get("/login")
def login_form(request: Request, next: str = "/", me: Principal | None = Depends(allow(Permission.PUBLIC))) -> Response:
    if me is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _render(request, "login.html", None, next=_safe_next(next), username="", error=None)


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/"),
          db: Session = Depends(get_db), _: Principal | None = Depends(allow(Permission.PUBLIC))) -> Response:
    try:
        user = auth_service.authenticate(db, username=username.strip(), password=password)
    except Unauthorized:
        return _render(request, "login.html", None, status_code=401, next=_safe_next(next), username=username,
                       error="Unknown user name or wrong password.")
    request.session.clear()
    request.session["uid"] = user.id
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, _: Principal | None = Depends(allow(Permission.PUBLIC))) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


# --- home ----------------------------------------------------------------------------------------
@router.get("/")
def home(request: Request, db: Session = Depends(get_db),
         me: Principal = Depends(allow(Permission.AUTHENTICATED))) -> Response:
    ctx: dict[str, Any] = {"summary": None, "chart": None, "mine": None, "position": None, "skills": [],
                           "depts": {}, "team_size": None, "direct": []}
    if me.has(Permission.AGGREGATES):
        summary = service.org_summary(db)
        ctx["summary"] = summary
        ctx["chart"] = {
            "labels": [d.name for d in summary.divisions],
            "datasets": [{"label": "Headcount", "data": [d.headcount for d in summary.divisions]},
                         {"label": "Vacancies", "data": [d.vacancies for d in summary.divisions]}],
        }
    if me.employee_id is not None and me.role in (Role.MANAGER, Role.EMPLOYEE):
        ctx["mine"] = service.get_employee(db, principal=me, employee_id=me.employee_id)
        ctx["skills"] = service.employee_skills(db, principal=me, employee_id=me.employee_id)
        if ctx["mine"].position_id is not None:
            ctx["position"] = service.get_position(db, principal=me, position_id=ctx["mine"].position_id)
        _, depts = _departments(db)
        ctx["depts"] = depts
    if me.role is Role.MANAGER and me.employee_id is not None:
        scope = service.list_employees(db, principal=me, page_size=1)
        ctx["team_size"] = scope.total - 1  # a manager's scope is themselves plus their reporting subtree
        ctx["direct"] = service.list_employees(db, principal=me, manager_id=me.employee_id, page_size=ALL).items
    return _render(request, "home.html", me, section="home", **ctx)


# --- org browser ---------------------------------------------------------------------------------
@router.get("/org")
def org_tree(request: Request, db: Session = Depends(get_db),
             me: Principal = Depends(allow(Permission.ORG_READ))) -> Response:
    roots, index = _departments(db)
    return _render(request, "org.html", me, section="org", roots=roots, count=len(index))


@router.get("/departments/{department_id}")
def department(request: Request, department_id: int, db: Session = Depends(get_db),
               me: Principal = Depends(allow(Permission.ORG_READ))) -> Response:
    _, index = _departments(db)
    node = index.get(department_id)
    if node is None:
        raise NotFound("Department", department_id)
    positions = service.list_positions(db, principal=me, department_id=department_id, page_size=ALL).items
    return _render(request, "department.html", me, section="org", dept=node, crumbs=_breadcrumb(node),
                   positions=positions)


@router.get("/positions")
def positions(request: Request, q: str = "", key: str = "", vacant: str = "", page: int = Query(1, ge=1),
              db: Session = Depends(get_db), me: Principal = Depends(allow(Permission.ORG_READ))) -> Response:
    result = service.list_positions(db, principal=me, q=q or None, is_key=_flag(key), vacant=_flag(vacant), page=page,
                                    page_size=PAGE_SIZE)
    _, depts = _departments(db)
    return _render(request, "positions.html", me, section="positions", result=result, depts=depts, q=q,
                   key=key, vacant=vacant, paging=pager(request, page, PAGE_SIZE, result.total))


@router.get("/positions/{position_id}")
def position(request: Request, position_id: int, db: Session = Depends(get_db),
             me: Principal = Depends(allow(Permission.ORG_READ))) -> Response:
    pos = service.get_position(db, principal=me, position_id=position_id)
    boss = service.get_position(db, principal=me, position_id=pos.reports_to_id) if pos.reports_to_id else None
    reports = service.list_positions(db, principal=me, reports_to_id=position_id, page_size=ALL).items
    grade = service.get_or_404(db, Grade, pos.grade_id) if pos.grade_id else None
    family = service.get_or_404(db, JobFamily, pos.job_family_id) if pos.job_family_id else None
    _, depts = _departments(db)
    return _render(request, "position.html", me, section="positions" if me.role is Role.HR_ADMIN else "org",
                   pos=pos, boss=boss, reports=reports, grade=grade, family=family, depts=depts,
                   crumbs=_breadcrumb(depts.get(pos.department_id)),
                   requirements=service.requirements(db, position_id=position_id))


@router.get("/key-posts")
def key_posts(request: Request, page: int = Query(1, ge=1), db: Session = Depends(get_db),
              me: Principal = Depends(allow(Permission.KEY_POSTS))) -> Response:
    result = service.list_positions(db, principal=me, is_key=True, page=page, page_size=PAGE_SIZE)
    _, depts = _departments(db)
    return _render(request, "key_posts.html", me, section="key-posts", result=result, depts=depts,
                   paging=pager(request, page, PAGE_SIZE, result.total))


@router.get("/skills")
def skills(request: Request, q: str = "", category: str = "", page: int = Query(1, ge=1),
           db: Session = Depends(get_db), me: Principal = Depends(allow(Permission.ORG_READ))) -> Response:
    result = service.list_skills(db, q=q or None, category=category or None, page=page, page_size=PAGE_SIZE)
    return _render(request, "skills.html", me, section="skills", result=result, q=q, category=category,
                   paging=pager(request, page, PAGE_SIZE, result.total))


# --- people --------------------------------------------------------------------------------------
@router.get("/people")
def people(request: Request, q: str = "", status: str = "", page: int = Query(1, ge=1),
           db: Session = Depends(get_db), me: Principal = Depends(allow(Permission.PEOPLE_READ))) -> Response:
    wanted = EmployeeStatus(status) if status in set(EmployeeStatus) else None
    result = service.list_employees(db, principal=me, q=q or None, status=wanted, page=page, page_size=PAGE_SIZE)
    _, depts = _departments(db)
    return _render(request, "people.html", me, section="people", result=result, depts=depts, q=q,
                   status=wanted.value if wanted else "", statuses=list(EmployeeStatus),
                   paging=pager(request, page, PAGE_SIZE, result.total))


@router.get("/team")
def team(request: Request, q: str = "", page: int = Query(1, ge=1), db: Session = Depends(get_db),
         me: Principal = Depends(allow(Permission.PEOPLE_READ))) -> Response:
    if me.role is not Role.MANAGER:
        raise Forbidden("'My team' is the managers' view of their reporting line")
    # For a manager the policy scope is exactly themselves plus their reporting subtree.
    result = service.list_employees(db, principal=me, q=q or None, page=page, page_size=PAGE_SIZE)
    members = [e for e in result.items if e.id != me.employee_id]
    _, depts = _departments(db)
    size = service.list_employees(db, principal=me, page_size=1).total - 1
    return _render(request, "team.html", me, section="team", members=members, depts=depts, q=q,
                   size=size, paging=pager(request, page, PAGE_SIZE, result.total))


@router.get("/me")
def my_profile(request: Request, me: Principal = Depends(allow(Permission.PEOPLE_READ))) -> Response:
    if me.employee_id is None:
        return error_page(request, 404, "Your user is not linked to an employee record, so there is no profile to show.")
    return RedirectResponse(f"/people/{me.employee_id}", status_code=303)


@router.get("/people/{employee_id}")
def profile(request: Request, employee_id: int, db: Session = Depends(get_db),
            me: Principal = Depends(allow(Permission.PEOPLE_READ))) -> Response:
    emp = service.get_employee(db, principal=me, employee_id=employee_id)  # NotFound outside the caller's scope
    pos = service.get_position(db, principal=me, position_id=emp.position_id) if emp.position_id else None
    boss = service.get_position(db, principal=me, position_id=pos.reports_to_id) if pos and pos.reports_to_id else None
    history = service.list_assignments(db, principal=me, employee_id=employee_id, page_size=ALL).items
    _, depts = _departments(db)
    own = me.employee_id == employee_id
    section = "profile" if own and "profile" in NAV_BY_ROLE[me.role] else ("team" if me.role is Role.MANAGER else
                                                                          "people")
    return _render(request, "profile.html", me, section=section, emp=emp, pos=pos, boss=boss, own=own,
                   dept=depts.get(emp.department_id) if emp.department_id else None,
                   skills=_skill_rows(service.employee_skills(db, principal=me, employee_id=employee_id)),
                   sources=list(SkillSource), history=history[::-1])


def _skill_rows(assessed: list[Any]) -> list[dict[str, Any]]:
    """One row per skill with the level from each source (self, manager, assessment)."""
    rows: dict[int, dict[str, Any]] = {}
    for s in assessed:
        row = rows.setdefault(s.skill_id, {"name": s.skill_name, "code": s.skill_code, "levels": {},
                                           "assessed_on": s.assessed_on})
        row["levels"][s.source] = s.level
        row["assessed_on"] = max(row["assessed_on"], s.assessed_on)
    return sorted(rows.values(), key=lambda r: r["name"])


# --- import / export -----------------------------------------------------------------------------
# Used only until hcm.io's routes declare their kinds as an enum or a Literal (then those win).
DEFAULT_IO_KINDS = ("job_families", "grades", "departments", "positions", "skills", "requirements", "employees",
                    "assignments", "proficiencies")


def _path_choices(app: Any, path: str, param: str = "kind") -> list[str] | None:
    """The values a route's path parameter accepts when it is typed as an enum or a Literal, so this page
    follows ``hcm.io`` without a second list to keep in step. Handles flat and lazily included routers."""
    for route in app.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for ctx in contexts:
            if getattr(ctx, "path", None) != path or not hasattr(ctx, "dependant"):
                continue
            for field in ctx.dependant.path_params:
                if field.name != param:
                    continue
                ann = field.field_info.annotation
                if isinstance(ann, type) and issubclass(ann, enum.Enum):
                    return [str(m.value) for m in ann]
                if typing.get_origin(ann) is typing.Literal:
                    return [str(a) for a in typing.get_args(ann)]
    return None


@router.get("/io")
def import_export(request: Request, me: Principal = Depends(allow(Permission.DATA_IMPORT))) -> Response:
    exports = _path_choices(request.app, "/api/io/export/{kind}") or list(DEFAULT_IO_KINDS)
    imports = _path_choices(request.app, "/api/io/import/{kind}") or list(DEFAULT_IO_KINDS)
    kinds = exports + [k for k in imports if k not in exports]
    return _render(request, "io.html", me, section="io", kinds=kinds, exports=set(exports), imports=set(imports),
                   formats=("csv", "xlsx"))
