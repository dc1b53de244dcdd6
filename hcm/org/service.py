"""Org & talent logic. Keyword-only functions; they ``flush()``, never ``commit()``.

Reads of people go through ``hcm.policy`` so a caller only ever gets the rows and fields it may see.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, aliased

from hcm import outbox
from hcm.db import Base
from hcm.errors import Conflict, Forbidden, Invalid, NotFound
from hcm.org import events, rules
from hcm.org.models import (
    Assignment,
    BusinessProcess,
    Department,
    Employee,
    EmployeeSkill,
    EmployeeStatus,
    Grade,
    JobFamily,
    MoveReason,
    Position,
    PositionSkill,
    Skill,
    process_departments,
)
from hcm.org.schemas import (
    AssignmentOut,
    DepartmentIn,
    DepartmentPatch,
    DivisionHeadcount,
    EmployeeIn,
    EmployeeOut,
    EmployeePatch,
    EmployeeSkillIn,
    EmployeeSkillOut,
    GradeIn,
    GradePatch,
    JobFamilyIn,
    JobFamilyPatch,
    MoveIn,
    OrgSummary,
    Page,
    PositionIn,
    PositionOut,
    PositionPatch,
    ProcessIn,
    ProcessOut,
    ProcessPatch,
    RequirementIn,
    RequirementOut,
    SkillIn,
    SkillPatch,
)
from hcm.policy import (
    Principal,
    can_assess_skill,
    can_see_employee,
    can_see_pay,
    can_see_protected,
    employee_filter,
)

M = TypeVar("M", bound=Base)
MAX_PAGE_SIZE = 500


# --- helpers -------------------------------------------------------------------------------------
def get_or_404(db: Session, model: type[M], id_: int, *, entity: str | None = None) -> M:
    obj = db.get(model, id_)
    if obj is None:
        raise NotFound(entity or model.__name__, id_)
    return obj


def _ref(db: Session, model: type[Base], id_: int | None, field: str) -> None:
    """A reference in a request body must point at an existing row (422 naming the field)."""
    if id_ is not None and db.get(model, id_) is None:
        raise Invalid(f"{field}={id_} does not point at an existing {model.__name__}", field=field)


def _unique(db: Session, column: Any, value: Any, field: str, *, exclude_id: int | None = None) -> None:
    if value is None:
        return
    stmt = select(column.class_.id).where(column == value)
    if exclude_id is not None:
        stmt = stmt.where(column.class_.id != exclude_id)
    if db.execute(stmt).first() is not None:
        raise Conflict(f"{field}={value!r} is already used by another {column.class_.__name__}", field=field)


def paginate(db: Session, stmt: Any, *, page: int, page_size: int) -> tuple[list[Any], int]:
    if page < 1:
        raise Invalid("page starts at 1", field="page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise Invalid(f"page_size must be between 1 and {MAX_PAGE_SIZE}", field="page_size")
    total = db.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = db.execute(stmt.limit(page_size).offset((page - 1) * page_size)).all()
    return list(rows), int(total)


def _apply(obj: Any, patch: Any) -> dict[str, Any]:
    changes: dict[str, Any] = patch.model_dump(exclude_unset=True)
    for k, v in changes.items():
        setattr(obj, k, v)
    return changes


def _like(q: str) -> str:
    return f"%{q.strip().lower()}%"


# --- departments ---------------------------------------------------------------------------------
def department_parents(db: Session) -> dict[int, int | None]:
    return dict(db.execute(select(Department.id, Department.parent_id)).all())


def list_departments(
    db: Session, *, q: str | None = None, parent_id: int | None = None, page: int = 1, page_size: int = 100
) -> Page[Department]:
    stmt = select(Department).order_by(Department.code)
    if q:
        stmt = stmt.where(or_(func.lower(Department.name).like(_like(q)), func.lower(Department.code).like(_like(q))))
    if parent_id is not None:
        stmt = stmt.where(Department.parent_id == parent_id)
    rows, total = paginate(db, stmt, page=page, page_size=page_size)
    return Page(items=[r[0] for r in rows], total=total, page=page, page_size=page_size)


def _emit_department(db: Session, d: Department) -> None:
    parent_code = db.scalar(select(Department.code).where(Department.id == d.parent_id)) if d.parent_id else None
    outbox.emit(db, *events.department(d.code, name=d.name, parent=parent_code))


def create_department(db: Session, *, data: DepartmentIn) -> Department:
    _unique(db, Department.code, data.code, "code")
    _ref(db, Department, data.parent_id, "parent_id")
    _ref(db, Position, data.head_position_id, "head_position_id")
    dept = Department(**data.model_dump())
    db.add(dept)
    db.flush()
    _emit_department(db, dept)
    return dept


def update_department(db: Session, *, department_id: int, data: DepartmentPatch) -> Department:
    dept = get_or_404(db, Department, department_id)
    fields = data.model_fields_set
    if "parent_id" in fields:
        _ref(db, Department, data.parent_id, "parent_id")
        if rules.would_create_cycle(department_parents(db), dept.id, data.parent_id):
            raise Invalid(
                f"parent_id={data.parent_id} would make department {dept.code!r} its own ancestor (a cycle)",
                field="parent_id",
            )
    if "head_position_id" in fields:
        _ref(db, Position, data.head_position_id, "head_position_id")
    _apply(dept, data)
    db.flush()
    _emit_department(db, dept)
    return dept


def delete_department(db: Session, *, department_id: int) -> None:
    dept = get_or_404(db, Department, department_id)
    if db.execute(select(Department.id).where(Department.parent_id == dept.id).limit(1)).first():
        raise Conflict(f"department {dept.code!r} still has sub-departments; move or delete them first")
    if db.execute(select(Position.id).where(Position.department_id == dept.id).limit(1)).first():
        raise Conflict(f"department {dept.code!r} still has positions; move or delete them first")
    outbox.emit(db, "department", dept.code, op="delete")
    db.delete(dept)
    db.flush()


def department_tree(db: Session) -> list[dict[str, Any]]:
    """The whole tree with headcount and positions per node (two queries, whatever the size)."""
    depts = db.execute(select(Department.id, Department.code, Department.name, Department.parent_id)).all()
    counts = dict(
        db.execute(
            select(Position.department_id, func.count(Employee.id))
            .join(Employee, Employee.position_id == Position.id)
            .group_by(Position.department_id)
        ).all()
    )
    npos = dict(
        db.execute(select(Position.department_id, func.count(Position.id)).group_by(Position.department_id)).all()
    )
    nodes = {
        d.id: {"id": d.id, "code": d.code, "name": d.name, "headcount": counts.get(d.id, 0),
               "positions": npos.get(d.id, 0), "children": []}
        for d in depts
    }
    roots: list[dict[str, Any]] = []
    for d in depts:
        (nodes[d.parent_id]["children"] if d.parent_id in nodes else roots).append(nodes[d.id])
    for n in nodes.values():
        n["children"].sort(key=lambda c: c["name"])
    return sorted(roots, key=lambda c: c["name"])


# --- business processes -------------------------------------------------------------------------
def _process_out(db: Session, p: BusinessProcess) -> ProcessOut:
    ids = db.scalars(
        select(process_departments.c.department_id).where(process_departments.c.process_id == p.id)
    ).all()
    return ProcessOut(id=p.id, code=p.code, name=p.name, description=p.description,
                      owner_department_id=p.owner_department_id, department_ids=sorted(ids))


def _set_process_departments(db: Session, p: BusinessProcess, department_ids: Sequence[int]) -> None:
    for i, did in enumerate(department_ids):
        _ref(db, Department, did, f"department_ids[{i}]")
    db.execute(process_departments.delete().where(process_departments.c.process_id == p.id))
    if department_ids:
        db.execute(process_departments.insert(), [{"process_id": p.id, "department_id": d} for d in set(department_ids)])


def list_processes(db: Session, *, page: int = 1, page_size: int = 100) -> Page[ProcessOut]:
    rows, total = paginate(db, select(BusinessProcess).order_by(BusinessProcess.code), page=page, page_size=page_size)
    return Page(items=[_process_out(db, r[0]) for r in rows], total=total, page=page, page_size=page_size)


def get_process(db: Session, *, process_id: int) -> ProcessOut:
    return _process_out(db, get_or_404(db, BusinessProcess, process_id, entity="BusinessProcess"))


def create_process(db: Session, *, data: ProcessIn) -> ProcessOut:
    _unique(db, BusinessProcess.code, data.code, "code")
    _ref(db, Department, data.owner_department_id, "owner_department_id")
    p = BusinessProcess(code=data.code, name=data.name, description=data.description,
                        owner_department_id=data.owner_department_id)
    db.add(p)
    db.flush()
    _set_process_departments(db, p, data.department_ids)
    db.flush()
    return _process_out(db, p)


def update_process(db: Session, *, process_id: int, data: ProcessPatch) -> ProcessOut:
    p = get_or_404(db, BusinessProcess, process_id, entity="BusinessProcess")
    if "owner_department_id" in data.model_fields_set:
        _ref(db, Department, data.owner_department_id, "owner_department_id")
    for k in ("name", "description", "owner_department_id"):
        if k in data.model_fields_set:
            setattr(p, k, getattr(data, k))
    if data.department_ids is not None:
        _set_process_departments(db, p, data.department_ids)
    db.flush()
    return _process_out(db, p)


# --- job families & grades -----------------------------------------------------------------------
def list_job_families(db: Session, *, page: int = 1, page_size: int = 100) -> Page[JobFamily]:
    rows, total = paginate(db, select(JobFamily).order_by(JobFamily.code), page=page, page_size=page_size)
    return Page(items=[r[0] for r in rows], total=total, page=page, page_size=page_size)


def create_job_family(db: Session, *, data: JobFamilyIn) -> JobFamily:
    _unique(db, JobFamily.code, data.code, "code")
    jf = JobFamily(**data.model_dump())
    db.add(jf)
    db.flush()
    return jf


def update_job_family(db: Session, *, job_family_id: int, data: JobFamilyPatch) -> JobFamily:
    jf = get_or_404(db, JobFamily, job_family_id)
    _apply(jf, data)
    db.flush()
    return jf


def list_grades(db: Session, *, page: int = 1, page_size: int = 100) -> Page[Grade]:
    rows, total = paginate(db, select(Grade).order_by(Grade.level, Grade.code), page=page, page_size=page_size)
    return Page(items=[r[0] for r in rows], total=total, page=page, page_size=page_size)


def create_grade(db: Session, *, data: GradeIn) -> Grade:
    _unique(db, Grade.code, data.code, "code")
    g = Grade(**data.model_dump())
    db.add(g)
    db.flush()
    return g


def update_grade(db: Session, *, grade_id: int, data: GradePatch) -> Grade:
    g = get_or_404(db, Grade, grade_id)
    merged = {k: getattr(g, k) for k in ("pay_min", "pay_mid", "pay_max")} | data.model_dump(
        exclude_unset=True, include={"pay_min", "pay_mid", "pay_max"}
    )
    if not rules.pay_band_ok(merged["pay_min"], merged["pay_mid"], merged["pay_max"]):
        raise Invalid("pay band must satisfy pay_min <= pay_mid <= pay_max", field="pay_mid")
    _apply(g, data)
    db.flush()
    return g


# --- positions -----------------------------------------------------------------------------------
def position_parents(db: Session) -> dict[int, int | None]:
    return dict(db.execute(select(Position.id, Position.reports_to_id)).all())


def _position_rows(principal: Principal | None) -> Any:
    holder = aliased(Employee)
    return (
        select(Position, holder.id, holder.first_name, holder.last_name)
        .outerjoin(holder, holder.position_id == Position.id)
    )


def _position_out(db: Session, principal: Principal | None, row: Any) -> PositionOut:
    pos, hid, first, last = row
    out = PositionOut.model_validate(pos)
    out.vacant = hid is None
    if hid is not None and (principal is None or can_see_employee(db, principal, hid)):
        out.holder_id, out.holder_name = hid, f"{first} {last}"
    return out


def list_positions(
    db: Session,
    *,
    principal: Principal | None,
    q: str | None = None,
    department_id: int | None = None,
    grade_id: int | None = None,
    job_family_id: int | None = None,
    reports_to_id: int | None = None,
    is_key: bool | None = None,
    vacant: bool | None = None,
    page: int = 1,
    page_size: int = 100,
) -> Page[PositionOut]:
    stmt = _position_rows(principal).order_by(Position.code)
    if q:
        stmt = stmt.where(or_(func.lower(Position.title).like(_like(q)), func.lower(Position.code).like(_like(q))))
    for col, val in ((Position.department_id, department_id), (Position.grade_id, grade_id),
                     (Position.job_family_id, job_family_id), (Position.reports_to_id, reports_to_id),
                     (Position.is_key, is_key)):
        if val is not None:
            stmt = stmt.where(col == val)
    if vacant is not None:
        held = select(Employee.position_id).where(Employee.position_id.is_not(None))
        stmt = stmt.where(Position.id.not_in(held) if vacant else Position.id.in_(held))
    rows, total = paginate(db, stmt, page=page, page_size=page_size)
    return Page(items=[_position_out(db, principal, r) for r in rows], total=total, page=page, page_size=page_size)


def get_position(db: Session, *, principal: Principal | None, position_id: int) -> PositionOut:
    row = db.execute(_position_rows(principal).where(Position.id == position_id)).first()
    if row is None:
        raise NotFound("Position", position_id)
    return _position_out(db, principal, row)


def _emit_position(db: Session, p: Position) -> None:
    dept = db.scalar(select(Department.code).where(Department.id == p.department_id))
    boss = db.scalar(select(Position.code).where(Position.id == p.reports_to_id)) if p.reports_to_id else None
    outbox.emit(db, *events.position(p.code, title=p.title, department=dept, reports_to=boss, is_key=p.is_key))


def create_position(db: Session, *, data: PositionIn) -> Position:
    _unique(db, Position.code, data.code, "code")
    _ref(db, Department, data.department_id, "department_id")
    _ref(db, Grade, data.grade_id, "grade_id")
    _ref(db, JobFamily, data.job_family_id, "job_family_id")
    _ref(db, Position, data.reports_to_id, "reports_to_id")
    pos = Position(**data.model_dump())
    db.add(pos)
    db.flush()
    _emit_position(db, pos)
    return pos


def update_position(db: Session, *, position_id: int, data: PositionPatch) -> Position:
    pos = get_or_404(db, Position, position_id)
    fields = data.model_fields_set
    for field, model in (("department_id", Department), ("grade_id", Grade), ("job_family_id", JobFamily)):
        if field in fields:
            if field == "department_id" and data.department_id is None:
                raise Invalid("department_id cannot be empty", field="department_id")
            _ref(db, model, getattr(data, field), field)
    if "reports_to_id" in fields:
        _ref(db, Position, data.reports_to_id, "reports_to_id")
        if rules.would_create_cycle(position_parents(db), pos.id, data.reports_to_id):
            raise Invalid(
                f"reports_to_id={data.reports_to_id} would make position {pos.code!r} report to itself (a cycle)",
                field="reports_to_id",
            )
    _apply(pos, data)
    db.flush()
    _emit_position(db, pos)
    return pos


def delete_position(db: Session, *, position_id: int) -> None:
    pos = get_or_404(db, Position, position_id)
    if db.execute(select(Employee.id).where(Employee.position_id == pos.id)).first():
        raise Conflict(f"position {pos.code!r} is held by an employee; move them first")
    if db.execute(select(Position.id).where(Position.reports_to_id == pos.id).limit(1)).first():
        raise Conflict(f"position {pos.code!r} has positions reporting to it; re-point them first")
    if db.execute(select(Assignment.id).where(Assignment.position_id == pos.id).limit(1)).first():
        raise Conflict(f"position {pos.code!r} appears in assignment history; deactivate it instead (is_active=false)")
    outbox.emit(db, "position", pos.code, op="delete")
    db.delete(pos)
    db.flush()


# --- employees -----------------------------------------------------------------------------------
def _employee_rows() -> Any:
    boss = aliased(Employee)
    return (
        select(Employee, Position.title, Position.department_id, boss.id)
        .outerjoin(Position, Position.id == Employee.position_id)
        .outerjoin(boss, boss.position_id == Position.reports_to_id)
    )


def _employee_out(principal: Principal, row: Any) -> EmployeeOut:
    emp, title, dept_id, manager_id = row
    out = EmployeeOut(
        id=emp.id, external_id=emp.external_id, first_name=emp.first_name, last_name=emp.last_name,
        email=emp.email, hire_date=emp.hire_date, status=emp.status, exit_date=emp.exit_date,
        position_id=emp.position_id, position_title=title, department_id=dept_id, manager_id=manager_id,
    )
    if can_see_pay(principal, emp.id):
        out.salary = emp.salary
    if can_see_protected(principal):
        out.gender, out.birth_year = emp.gender, emp.birth_year
    return out


def list_employees(
    db: Session,
    *,
    principal: Principal,
    q: str | None = None,
    department_id: int | None = None,
    position_id: int | None = None,
    manager_id: int | None = None,
    status: EmployeeStatus | None = None,
    page: int = 1,
    page_size: int = 100,
) -> Page[EmployeeOut]:
    stmt = _employee_rows().where(employee_filter(principal)).order_by(Employee.last_name, Employee.first_name, Employee.id)
    if q:
        full = func.lower(Employee.first_name + " " + Employee.last_name)
        stmt = stmt.where(or_(full.like(_like(q)), func.lower(Employee.external_id).like(_like(q))))
    if department_id is not None:
        stmt = stmt.where(Position.department_id == department_id)
    if position_id is not None:
        stmt = stmt.where(Employee.position_id == position_id)
    if status is not None:
        stmt = stmt.where(Employee.status == status)
    if manager_id is not None:
        mgr_pos = select(Employee.position_id).where(Employee.id == manager_id).scalar_subquery()
        stmt = stmt.where(Position.reports_to_id == mgr_pos)
    rows, total = paginate(db, stmt, page=page, page_size=page_size)
    return Page(items=[_employee_out(principal, r) for r in rows], total=total, page=page, page_size=page_size)


def _visible_or_404(db: Session, principal: Principal, employee_id: int) -> None:
    # Someone outside your scope gets the same 404 as someone who does not exist: no probing.
    if not can_see_employee(db, principal, employee_id):
        raise NotFound("Employee", employee_id)


def get_employee(db: Session, *, principal: Principal, employee_id: int) -> EmployeeOut:
    _visible_or_404(db, principal, employee_id)
    row = db.execute(_employee_rows().where(Employee.id == employee_id)).first()
    if row is None:
        raise NotFound("Employee", employee_id)
    return _employee_out(principal, row)


def _emit_employee(db: Session, e: Employee) -> None:
    pos = db.scalar(select(Position.code).where(Position.id == e.position_id)) if e.position_id else None
    outbox.emit(db, *events.employee(e.external_id, name=e.full_name, status=e.status.value, position=pos))


def _check_position_free(db: Session, position_id: int, *, field: str = "position_id") -> Position:
    pos = db.get(Position, position_id)
    if pos is None:
        raise Invalid(f"{field}={position_id} does not point at an existing Position", field=field)
    if not pos.is_active:
        raise Invalid(f"position {pos.code!r} is inactive", field=field)
    holder = db.scalar(select(Employee.external_id).where(Employee.position_id == position_id))
    if holder is not None:
        raise Conflict(f"position {pos.code!r} is already held by employee {holder!r}", field=field)
    return pos


def hire(db: Session, *, data: EmployeeIn) -> Employee:
    _unique(db, Employee.external_id, data.external_id, "external_id")
    _unique(db, Employee.email, data.email, "email")
    if data.position_id is not None:
        _check_position_free(db, data.position_id)
    emp = Employee(**data.model_dump(), status=EmployeeStatus.ACTIVE)
    db.add(emp)
    db.flush()
    if data.position_id is not None:
        db.add(Assignment(employee_id=emp.id, position_id=data.position_id, start_date=data.hire_date,
                          reason=MoveReason.HIRE, salary=data.salary))
    db.flush()
    _emit_employee(db, emp)
    return emp


def update_employee(db: Session, *, employee_id: int, data: EmployeePatch) -> Employee:
    emp = get_or_404(db, Employee, employee_id)
    if "email" in data.model_fields_set:
        _unique(db, Employee.email, data.email, "email", exclude_id=emp.id)
    _apply(emp, data)
    db.flush()
    _emit_employee(db, emp)
    return emp


def move(db: Session, *, employee_id: int, data: MoveIn) -> Assignment:
    """Record a career move: close the open assignment and open the next (or record the exit)."""
    emp = get_or_404(db, Employee, employee_id)
    if emp.status is EmployeeStatus.EXITED:
        raise Conflict(f"employee {emp.external_id!r} has left (on {emp.exit_date}); rehire them first")
    current = db.scalars(
        select(Assignment).where(Assignment.employee_id == emp.id, Assignment.end_date.is_(None))
    ).first()
    if data.effective_date < emp.hire_date:
        raise Invalid(f"effective_date {data.effective_date} is before the hire date {emp.hire_date}",
                      field="effective_date")
    if current is not None and data.effective_date <= current.start_date:
        raise Invalid(f"effective_date must be after the start of the current assignment ({current.start_date})",
                      field="effective_date")
    if data.position_id is not None:
        if data.position_id == emp.position_id:
            raise Invalid("the employee already holds this position", field="position_id")
        _check_position_free(db, data.position_id)
    if current is not None:
        current.end_date = data.effective_date - timedelta(days=1) if not data.reason.is_exit else data.effective_date
    salary = data.salary if data.salary is not None else emp.salary
    step = Assignment(employee_id=emp.id, position_id=data.position_id, start_date=data.effective_date,
                      end_date=data.effective_date if data.reason.is_exit else None,
                      reason=data.reason, salary=salary, note=data.note)
    db.add(step)
    emp.position_id = data.position_id
    emp.salary = salary
    if data.reason.is_exit:
        emp.status, emp.exit_date = EmployeeStatus.EXITED, data.effective_date
    db.flush()
    _emit_employee(db, emp)
    return step


def list_assignments(
    db: Session,
    *,
    principal: Principal,
    employee_id: int | None = None,
    reason: MoveReason | None = None,
    since: date | None = None,
    until: date | None = None,
    page: int = 1,
    page_size: int = 100,
) -> Page[AssignmentOut]:
    stmt = (
        select(Assignment, Position.title)
        .join(Employee, Employee.id == Assignment.employee_id)
        .outerjoin(Position, Position.id == Assignment.position_id)
        .where(employee_filter(principal))
        .order_by(Assignment.employee_id, Assignment.start_date, Assignment.id)
    )
    if employee_id is not None:
        _visible_or_404(db, principal, employee_id)
        stmt = stmt.where(Assignment.employee_id == employee_id)
    if reason is not None:
        stmt = stmt.where(Assignment.reason == reason)
    if since is not None:
        stmt = stmt.where(Assignment.start_date >= since)
    if until is not None:
        stmt = stmt.where(Assignment.start_date <= until)
    rows, total = paginate(db, stmt, page=page, page_size=page_size)
    items = []
    for a, title in rows:
        out = AssignmentOut.model_validate(a)
        out.position_title = title
        if not can_see_pay(principal, a.employee_id):
            out.salary = None
        items.append(out)
    return Page(items=items, total=total, page=page, page_size=page_size)


# --- skills ---------------------------------------------------------------------------------------
def list_skills(
    db: Session, *, q: str | None = None, category: str | None = None, page: int = 1, page_size: int = 100
) -> Page[Skill]:
    stmt = select(Skill).order_by(Skill.name)
    if q:
        stmt = stmt.where(or_(func.lower(Skill.name).like(_like(q)), func.lower(Skill.code).like(_like(q))))
    if category:
        stmt = stmt.where(Skill.category == category)
    rows, total = paginate(db, stmt, page=page, page_size=page_size)
    return Page(items=[r[0] for r in rows], total=total, page=page, page_size=page_size)


def create_skill(db: Session, *, data: SkillIn) -> Skill:
    _unique(db, Skill.code, data.code, "code")
    _unique(db, Skill.taxonomy_uri, data.taxonomy_uri, "taxonomy_uri")
    s = Skill(**data.model_dump())
    db.add(s)
    db.flush()
    outbox.emit(db, *events.skill(s.code, name=s.name, category=s.category))
    return s


def update_skill(db: Session, *, skill_id: int, data: SkillPatch) -> Skill:
    s = get_or_404(db, Skill, skill_id)
    if "taxonomy_uri" in data.model_fields_set:
        _unique(db, Skill.taxonomy_uri, data.taxonomy_uri, "taxonomy_uri", exclude_id=s.id)
    _apply(s, data)
    db.flush()
    outbox.emit(db, *events.skill(s.code, name=s.name, category=s.category))
    return s


def delete_skill(db: Session, *, skill_id: int) -> None:
    s = get_or_404(db, Skill, skill_id)
    in_use = db.execute(select(EmployeeSkill.id).where(EmployeeSkill.skill_id == s.id).limit(1)).first() or \
        db.execute(select(PositionSkill.id).where(PositionSkill.skill_id == s.id).limit(1)).first()
    if in_use:
        raise Conflict(f"skill {s.code!r} is used by employees or positions; it cannot be deleted")
    outbox.emit(db, "skill", s.code, op="delete")
    db.delete(s)
    db.flush()


def employee_skills(db: Session, *, principal: Principal, employee_id: int) -> list[EmployeeSkillOut]:
    _visible_or_404(db, principal, employee_id)
    rows = db.execute(
        select(EmployeeSkill, Skill.code, Skill.name)
        .join(Skill, Skill.id == EmployeeSkill.skill_id)
        .where(EmployeeSkill.employee_id == employee_id)
        .order_by(Skill.name, EmployeeSkill.source)
    ).all()
    return [EmployeeSkillOut(skill_id=es.skill_id, skill_code=code, skill_name=name, level=es.level,
                             source=es.source, assessed_on=es.assessed_on) for es, code, name in rows]


def assess_skill(
    db: Session, *, principal: Principal, employee_id: int, skill_id: int, data: EmployeeSkillIn
) -> EmployeeSkillOut:
    _visible_or_404(db, principal, employee_id)
    if not can_assess_skill(db, principal, employee_id, data.source):
        raise Forbidden(f"the role {principal.role.value!r} may not record a {data.source.value!r} "
                        f"assessment for employee {employee_id}")
    skill = get_or_404(db, Skill, skill_id)
    emp = get_or_404(db, Employee, employee_id)
    es = db.scalars(select(EmployeeSkill).where(
        EmployeeSkill.employee_id == employee_id, EmployeeSkill.skill_id == skill_id,
        EmployeeSkill.source == data.source)).first()
    if es is not None and data.assessed_on < es.assessed_on:
        raise Conflict(f"a newer {data.source.value} assessment exists (from {es.assessed_on})", field="assessed_on")
    if es is None:
        es = EmployeeSkill(employee_id=employee_id, skill_id=skill_id, source=data.source,
                           level=data.level, assessed_on=data.assessed_on)
        db.add(es)
    else:
        es.level, es.assessed_on = data.level, data.assessed_on
    db.flush()
    outbox.emit(db, *events.employee_skill(emp.external_id, skill.code, level=es.level, source=es.source.value))
    return EmployeeSkillOut(skill_id=skill.id, skill_code=skill.code, skill_name=skill.name, level=es.level,
                            source=es.source, assessed_on=es.assessed_on)


def requirements(db: Session, *, position_id: int) -> list[RequirementOut]:
    get_or_404(db, Position, position_id)
    rows = db.execute(
        select(PositionSkill, Skill.code, Skill.name).join(Skill, Skill.id == PositionSkill.skill_id)
        .where(PositionSkill.position_id == position_id).order_by(Skill.name)
    ).all()
    return [RequirementOut(skill_id=r.skill_id, skill_code=c, skill_name=n, required_level=r.required_level,
                           importance=r.importance) for r, c, n in rows]


def set_requirement(db: Session, *, position_id: int, skill_id: int, data: RequirementIn) -> RequirementOut:
    pos = get_or_404(db, Position, position_id)
    skill = get_or_404(db, Skill, skill_id)
    req = db.scalars(select(PositionSkill).where(PositionSkill.position_id == position_id,
                                                 PositionSkill.skill_id == skill_id)).first()
    if req is None:
        req = PositionSkill(position_id=position_id, skill_id=skill_id)
        db.add(req)
    req.required_level, req.importance = data.required_level, data.importance
    db.flush()
    outbox.emit(db, *events.requirement(pos.code, skill.code, level=req.required_level,
                                        importance=req.importance.value))
    return RequirementOut(skill_id=skill.id, skill_code=skill.code, skill_name=skill.name,
                          required_level=req.required_level, importance=req.importance)


def remove_requirement(db: Session, *, position_id: int, skill_id: int) -> None:
    req = db.scalars(select(PositionSkill).where(PositionSkill.position_id == position_id,
                                                 PositionSkill.skill_id == skill_id)).first()
    if req is None:
        raise NotFound("PositionSkill", f"{position_id}/{skill_id}", field="position_id/skill_id")
    pos_code = db.scalar(select(Position.code).where(Position.id == position_id))
    skill_code = db.scalar(select(Skill.code).where(Skill.id == skill_id))
    outbox.emit(db, "requirement", f"{pos_code}|{skill_code}", op="delete")
    db.delete(req)
    db.flush()


# --- aggregates (executive & HR) ----------------------------------------------------------------
def _division_of(db: Session) -> dict[int, int]:
    """Map each department to its top-level division (the child of the root, or the root itself)."""
    parents = department_parents(db)
    out: dict[int, int] = {}
    for d in parents:
        chain = [d]
        while parents.get(chain[-1]) is not None:
            chain.append(parents[chain[-1]])  # type: ignore[arg-type]
        out[d] = chain[-2] if len(chain) >= 2 else chain[-1]
    return out


def org_summary(db: Session, *, today: date | None = None) -> OrgSummary:
    today = today or date.today()
    held = Employee.id.is_not(None)
    per_dept = db.execute(
        select(
            Position.department_id,
            func.count(Position.id),
            func.count(Employee.id),
            func.sum(case((Position.is_key.is_(True), 1), else_=0)),
            func.sum(case((Position.is_key.is_(True) & ~held, 1), else_=0)),
        )
        .outerjoin(Employee, Employee.position_id == Position.id)
        .where(Position.is_active.is_(True))
        .group_by(Position.department_id)
    ).all()
    division = _division_of(db)
    depts = {d.id: d for d in db.scalars(select(Department))}
    acc: dict[int, list[int]] = {}
    for dept_id, npos, nheld, nkey, nkeyvac in per_dept:
        a = acc.setdefault(division.get(dept_id, dept_id), [0, 0, 0, 0])
        a[0] += npos
        a[1] += nheld
        a[2] += int(nkey or 0)
        a[3] += int(nkeyvac or 0)
    divisions = [
        DivisionHeadcount(department_id=k, code=depts[k].code, name=depts[k].name, headcount=v[1], positions=v[0],
                          vacancies=v[0] - v[1], key_positions=v[2], key_vacancies=v[3])
        for k, v in acc.items()
    ]
    divisions.sort(key=lambda d: -d.headcount)
    year_ago = today - timedelta(days=365)
    exits = dict(
        db.execute(
            select(Assignment.reason, func.count()).where(
                Assignment.reason.in_([MoveReason.EXIT_VOLUNTARY, MoveReason.EXIT_INVOLUNTARY]),
                Assignment.start_date > year_ago, Assignment.start_date <= today,
            ).group_by(Assignment.reason)
        ).all()
    )
    return OrgSummary(
        headcount=sum(d.headcount for d in divisions),
        positions=sum(d.positions for d in divisions),
        vacancies=sum(d.vacancies for d in divisions),
        key_positions=sum(d.key_positions for d in divisions),
        key_vacancies=sum(d.key_vacancies for d in divisions),
        exits_last_12_months=sum(exits.values()),
        voluntary_exits_last_12_months=exits.get(MoveReason.EXIT_VOLUNTARY, 0),
        divisions=divisions,
    )
