"""The org pages (server-rendered): home, org tree, departments, positions, key posts, skills, people, team and
profiles. Thin routes: each declares its policy with ``allow(...)``, calls the ``hcm.org.service`` read functions
(which already apply row and field visibility) and renders through the shell.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.errors import Forbidden, NotFound
from hcm.fields import Id, SearchText
from hcm.org import service
from hcm.org.models import EmployeeStatus, Grade, JobFamily, SkillSource
from hcm.paging import PageNo
from hcm.policy import Permission, Principal, allow, is_hr, is_manager, own_profile_id
from hcm.web.render import error_page, in_nav, pager, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
ALL = service.MAX_PAGE_SIZE  # "every row" for lists that are small by nature (a department's posts...)


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
    own_id = own_profile_id(me)
    if own_id is not None:
        ctx["mine"] = service.get_employee(db, principal=me, employee_id=own_id)
        ctx["skills"] = service.employee_skills(db, principal=me, employee_id=own_id)
        if ctx["mine"].position_id is not None:
            ctx["position"] = service.get_position(db, principal=me, position_id=ctx["mine"].position_id)
        _, depts = _departments(db)
        ctx["depts"] = depts
    if is_manager(me) and own_id is not None:
        scope = service.list_employees(db, principal=me, page_size=1)
        ctx["team_size"] = scope.total - 1  # a manager's scope is themselves plus their reporting subtree
        ctx["direct"] = service.list_employees(db, principal=me, manager_id=own_id, page_size=ALL).items
    return render(request, "org/home.html", me, section="home", **ctx)


# --- org browser ---------------------------------------------------------------------------------
@router.get("/org")
def org_tree(request: Request, db: Session = Depends(get_db),
             me: Principal = Depends(allow(Permission.ORG_READ))) -> Response:
    roots, index = _departments(db)
    return render(request, "org/org.html", me, section="org", roots=roots, count=len(index))


@router.get("/departments/{department_id}")
def department(request: Request, department_id: Id, db: Session = Depends(get_db),
               me: Principal = Depends(allow(Permission.ORG_READ))) -> Response:
    _, index = _departments(db)
    node = index.get(department_id)
    if node is None:
        raise NotFound("Department", department_id)
    positions = service.list_positions(db, principal=me, department_id=department_id, page_size=ALL).items
    return render(request, "org/department.html", me, section="org", dept=node, crumbs=_breadcrumb(node),
                   positions=positions)


@router.get("/positions")
def positions(request: Request, q: SearchText = "", key: str = "", vacant: str = "", page: PageNo = 1,
              db: Session = Depends(get_db), me: Principal = Depends(allow(Permission.ORG_READ))) -> Response:
    result = service.list_positions(db, principal=me, q=q or None, is_key=_flag(key), vacant=_flag(vacant), page=page,
                                    page_size=PAGE_SIZE)
    _, depts = _departments(db)
    return render(request, "org/positions.html", me, section="positions", result=result, depts=depts, q=q,
                   key=key, vacant=vacant, paging=pager(request, page, PAGE_SIZE, result.total))


@router.get("/positions/{position_id}")
def position(request: Request, position_id: Id, db: Session = Depends(get_db),
             me: Principal = Depends(allow(Permission.ORG_READ))) -> Response:
    pos = service.get_position(db, principal=me, position_id=position_id)
    boss = service.get_position(db, principal=me, position_id=pos.reports_to_id) if pos.reports_to_id else None
    reports = service.list_positions(db, principal=me, reports_to_id=position_id, page_size=ALL).items
    grade = service.get_or_404(db, Grade, pos.grade_id) if pos.grade_id else None
    family = service.get_or_404(db, JobFamily, pos.job_family_id) if pos.job_family_id else None
    _, depts = _departments(db)
    return render(request, "org/position.html", me, section="positions" if is_hr(me) else "org",
                   pos=pos, boss=boss, reports=reports, grade=grade, family=family, depts=depts,
                   crumbs=_breadcrumb(depts.get(pos.department_id)),
                   requirements=service.requirements(db, position_id=position_id))


@router.get("/key-posts")
def key_posts(request: Request, page: PageNo = 1, db: Session = Depends(get_db),
              me: Principal = Depends(allow(Permission.KEY_POSTS))) -> Response:
    result = service.list_positions(db, principal=me, is_key=True, page=page, page_size=PAGE_SIZE)
    _, depts = _departments(db)
    return render(request, "org/key_posts.html", me, section="key-posts", result=result, depts=depts,
                   paging=pager(request, page, PAGE_SIZE, result.total))


@router.get("/skills")
def skills(request: Request, q: SearchText = "", category: SearchText = "", page: PageNo = 1,
           db: Session = Depends(get_db), me: Principal = Depends(allow(Permission.ORG_READ))) -> Response:
    result = service.list_skills(db, q=q or None, category=category or None, page=page, page_size=PAGE_SIZE)
    return render(request, "org/skills.html", me, section="skills", result=result, q=q, category=category,
                   paging=pager(request, page, PAGE_SIZE, result.total))


# --- people --------------------------------------------------------------------------------------
@router.get("/people")
def people(request: Request, q: SearchText = "", status: str = "", page: PageNo = 1,
           db: Session = Depends(get_db), me: Principal = Depends(allow(Permission.PEOPLE_READ))) -> Response:
    wanted = EmployeeStatus(status) if status in set(EmployeeStatus) else None
    result = service.list_employees(db, principal=me, q=q or None, status=wanted, page=page, page_size=PAGE_SIZE)
    _, depts = _departments(db)
    return render(request, "org/people.html", me, section="people", result=result, depts=depts, q=q,
                   status=wanted.value if wanted else "", statuses=list(EmployeeStatus),
                   paging=pager(request, page, PAGE_SIZE, result.total))


@router.get("/team")
def team(request: Request, q: SearchText = "", page: PageNo = 1, db: Session = Depends(get_db),
         me: Principal = Depends(allow(Permission.PEOPLE_READ))) -> Response:
    if not is_manager(me):
        raise Forbidden("'My team' is the managers' view of their reporting line")
    # For a manager the policy scope is exactly themselves plus their reporting subtree.
    result = service.list_employees(db, principal=me, q=q or None, page=page, page_size=PAGE_SIZE)
    members = [e for e in result.items if e.id != me.employee_id]
    _, depts = _departments(db)
    size = service.list_employees(db, principal=me, page_size=1).total - 1
    return render(request, "org/team.html", me, section="team", members=members, depts=depts, q=q,
                   size=size, paging=pager(request, page, PAGE_SIZE, result.total))


@router.get("/me")
def my_profile(request: Request, me: Principal = Depends(allow(Permission.PEOPLE_READ))) -> Response:
    if me.employee_id is None:
        return error_page(request, 404, "Your user is not linked to an employee record, so there is no profile to show.")
    return RedirectResponse(f"/people/{me.employee_id}", status_code=303)


@router.get("/people/{employee_id}")
def profile(request: Request, employee_id: Id, db: Session = Depends(get_db),
            me: Principal = Depends(allow(Permission.PEOPLE_READ))) -> Response:
    emp = service.get_employee(db, principal=me, employee_id=employee_id)  # NotFound outside the caller's scope
    pos = service.get_position(db, principal=me, position_id=emp.position_id) if emp.position_id else None
    boss = service.get_position(db, principal=me, position_id=pos.reports_to_id) if pos and pos.reports_to_id else None
    history = service.list_assignments(db, principal=me, employee_id=employee_id, page_size=ALL).items
    _, depts = _departments(db)
    own = me.employee_id == employee_id
    section = "profile" if own and in_nav(me, "profile") else ("team" if is_manager(me) else
                                                                          "people")
    return render(request, "org/profile.html", me, section=section, emp=emp, pos=pos, boss=boss, own=own,
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


