"""Org API: thin routes over ``hcm.org.service``. Every route declares its policy with ``allow``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.fields import Day, Id, SearchText
from hcm.org import service
from hcm.org.models import Department, EmployeeStatus, Grade, MoveReason, Skill
from hcm.org.schemas import (
    AssignmentOut,
    DepartmentIn,
    DepartmentNode,
    DepartmentOut,
    DepartmentPatch,
    EmployeeIn,
    EmployeeOut,
    EmployeePatch,
    EmployeeSkillIn,
    EmployeeSkillOut,
    GradeIn,
    GradeOut,
    GradePatch,
    JobFamilyIn,
    JobFamilyOut,
    JobFamilyPatch,
    MoveIn,
    OrgSummary,
    PositionIn,
    PositionOut,
    PositionPatch,
    ProcessIn,
    ProcessOut,
    ProcessPatch,
    RequirementIn,
    RequirementOut,
    SkillIn,
    SkillOut,
    SkillPatch,
)
from hcm.paging import Page, PageNo, PageSize
from hcm.policy import Permission, Principal, allow

router = APIRouter(prefix="/api", tags=["org"])

READ = Depends(allow(Permission.ORG_READ))
WRITE = Depends(allow(Permission.ORG_WRITE))
PEOPLE = Depends(allow(Permission.PEOPLE_READ))
PEOPLE_WRITE = Depends(allow(Permission.PEOPLE_WRITE))


def _page(page: Page, out: Any) -> dict:
    return {"items": [out.model_validate(i) for i in page.items], "total": page.total,
            "page": page.page, "page_size": page.page_size}


# --- departments ---
@router.get("/departments", response_model=Page[DepartmentOut])
def list_departments(q: SearchText | None = None, parent_id: Id | None = None, page: PageNo = 1,
                     page_size: PageSize = 100, db: Session = Depends(get_db), _: Principal = READ):
    return _page(service.list_departments(db, q=q, parent_id=parent_id, page=page, page_size=page_size),
                 DepartmentOut)


@router.get("/departments/tree", response_model=list[DepartmentNode])
def department_tree(db: Session = Depends(get_db), _: Principal = READ):
    return service.department_nodes(db)


@router.post("/departments", response_model=DepartmentOut, status_code=201)
def create_department(data: DepartmentIn, db: Session = Depends(get_db), _: Principal = WRITE):
    return service.create_department(db, data=data)


@router.get("/departments/{department_id}", response_model=DepartmentOut)
def get_department(department_id: Id, db: Session = Depends(get_db), _: Principal = READ):
    return service.get_or_404(db, Department, department_id)


@router.patch("/departments/{department_id}", response_model=DepartmentOut)
def update_department(department_id: Id, data: DepartmentPatch, db: Session = Depends(get_db),
                      _: Principal = WRITE):
    return service.update_department(db, department_id=department_id, data=data)


@router.delete("/departments/{department_id}", status_code=204, response_model=None)
def delete_department(department_id: Id, db: Session = Depends(get_db), _: Principal = WRITE) -> Response:
    service.delete_department(db, department_id=department_id)
    return Response(status_code=204)


# --- business processes ---
@router.get("/processes", response_model=Page[ProcessOut])
def list_processes(page: PageNo = 1, page_size: PageSize = 100, db: Session = Depends(get_db),
                   _: Principal = READ):
    return service.list_processes(db, page=page, page_size=page_size)


@router.post("/processes", response_model=ProcessOut, status_code=201)
def create_process(data: ProcessIn, db: Session = Depends(get_db), _: Principal = WRITE):
    return service.create_process(db, data=data)


@router.get("/processes/{process_id}", response_model=ProcessOut)
def get_process(process_id: Id, db: Session = Depends(get_db), _: Principal = READ):
    return service.get_process(db, process_id=process_id)


@router.patch("/processes/{process_id}", response_model=ProcessOut)
def update_process(process_id: Id, data: ProcessPatch, db: Session = Depends(get_db), _: Principal = WRITE):
    return service.update_process(db, process_id=process_id, data=data)


# --- job families & grades ---
@router.get("/job-families", response_model=Page[JobFamilyOut])
def list_job_families(page: PageNo = 1, page_size: PageSize = 100, db: Session = Depends(get_db),
                      _: Principal = READ):
    page_ = service.list_job_families(db, page=page, page_size=page_size)
    return {"items": page_.items, "total": page_.total, "page": page_.page, "page_size": page_.page_size}


@router.post("/job-families", response_model=JobFamilyOut, status_code=201)
def create_job_family(data: JobFamilyIn, db: Session = Depends(get_db), _: Principal = WRITE):
    return service.create_job_family(db, data=data)


@router.get("/job-families/{job_family_id}", response_model=JobFamilyOut)
def get_job_family(job_family_id: Id, db: Session = Depends(get_db), _: Principal = READ):
    return service.get_job_family(db, job_family_id=job_family_id)


@router.patch("/job-families/{job_family_id}", response_model=JobFamilyOut)
def update_job_family(job_family_id: Id, data: JobFamilyPatch, db: Session = Depends(get_db),
                      _: Principal = WRITE):
    return service.update_job_family(db, job_family_id=job_family_id, data=data)


@router.get("/grades", response_model=Page[GradeOut])
def list_grades(page: PageNo = 1, page_size: PageSize = 100, db: Session = Depends(get_db),
                _: Principal = READ):
    return _page(service.list_grades(db, page=page, page_size=page_size), GradeOut)


@router.post("/grades", response_model=GradeOut, status_code=201)
def create_grade(data: GradeIn, db: Session = Depends(get_db), _: Principal = WRITE):
    return service.create_grade(db, data=data)


@router.get("/grades/{grade_id}", response_model=GradeOut)
def get_grade(grade_id: Id, db: Session = Depends(get_db), _: Principal = READ):
    return service.get_or_404(db, Grade, grade_id)


@router.patch("/grades/{grade_id}", response_model=GradeOut)
def update_grade(grade_id: Id, data: GradePatch, db: Session = Depends(get_db), _: Principal = WRITE):
    return service.update_grade(db, grade_id=grade_id, data=data)


# --- positions ---
@router.get("/positions", response_model=Page[PositionOut])
def list_positions(q: SearchText | None = None, department_id: Id | None = None, grade_id: Id | None = None,
                   job_family_id: Id | None = None, reports_to_id: Id | None = None,
                   is_key: bool | None = None, vacant: bool | None = None, page: PageNo = 1,
                   page_size: PageSize = 100, db: Session = Depends(get_db), who: Principal = READ):
    return service.list_positions(db, principal=who, q=q, department_id=department_id, grade_id=grade_id,
                                  job_family_id=job_family_id, reports_to_id=reports_to_id, is_key=is_key,
                                  vacant=vacant, page=page, page_size=page_size)


@router.post("/positions", response_model=PositionOut, status_code=201)
def create_position(data: PositionIn, db: Session = Depends(get_db), who: Principal = WRITE):
    pos = service.create_position(db, data=data)
    return service.get_position(db, principal=who, position_id=pos.id)


@router.get("/positions/{position_id}", response_model=PositionOut)
def get_position(position_id: Id, db: Session = Depends(get_db), who: Principal = READ):
    return service.get_position(db, principal=who, position_id=position_id)


@router.patch("/positions/{position_id}", response_model=PositionOut)
def update_position(position_id: Id, data: PositionPatch, db: Session = Depends(get_db),
                    who: Principal = WRITE):
    service.update_position(db, position_id=position_id, data=data)
    return service.get_position(db, principal=who, position_id=position_id)


@router.delete("/positions/{position_id}", status_code=204, response_model=None)
def delete_position(position_id: Id, db: Session = Depends(get_db), _: Principal = WRITE) -> Response:
    service.delete_position(db, position_id=position_id)
    return Response(status_code=204)


@router.get("/positions/{position_id}/requirements", response_model=list[RequirementOut])
def list_requirements(position_id: Id, db: Session = Depends(get_db), _: Principal = READ):
    return service.requirements(db, position_id=position_id)


@router.put("/positions/{position_id}/requirements/{skill_id}", response_model=RequirementOut)
def set_requirement(position_id: Id, skill_id: Id, data: RequirementIn, db: Session = Depends(get_db),
                    _: Principal = WRITE):
    return service.set_requirement(db, position_id=position_id, skill_id=skill_id, data=data)


@router.delete("/positions/{position_id}/requirements/{skill_id}", status_code=204, response_model=None)
def remove_requirement(position_id: Id, skill_id: Id, db: Session = Depends(get_db),
                       _: Principal = WRITE) -> Response:
    service.remove_requirement(db, position_id=position_id, skill_id=skill_id)
    return Response(status_code=204)


# --- employees ---
@router.get("/employees", response_model=Page[EmployeeOut])
def list_employees(q: SearchText | None = None, department_id: Id | None = None, position_id: Id | None = None,
                   manager_id: Id | None = None, status: EmployeeStatus | None = None, page: PageNo = 1,
                   page_size: PageSize = 100, db: Session = Depends(get_db), who: Principal = PEOPLE):
    return service.list_employees(db, principal=who, q=q, department_id=department_id, position_id=position_id,
                                  manager_id=manager_id, status=status, page=page, page_size=page_size)


@router.post("/employees", response_model=EmployeeOut, status_code=201)
def hire(data: EmployeeIn, db: Session = Depends(get_db), who: Principal = PEOPLE_WRITE):
    emp = service.hire(db, data=data)
    return service.get_employee(db, principal=who, employee_id=emp.id)


@router.get("/employees/{employee_id}", response_model=EmployeeOut)
def get_employee(employee_id: Id, db: Session = Depends(get_db), who: Principal = PEOPLE):
    return service.get_employee(db, principal=who, employee_id=employee_id)


@router.patch("/employees/{employee_id}", response_model=EmployeeOut)
def update_employee(employee_id: Id, data: EmployeePatch, db: Session = Depends(get_db),
                    who: Principal = PEOPLE_WRITE):
    service.update_employee(db, employee_id=employee_id, data=data)
    return service.get_employee(db, principal=who, employee_id=employee_id)


@router.post("/employees/{employee_id}/moves", response_model=AssignmentOut, status_code=201)
def move(employee_id: Id, data: MoveIn, db: Session = Depends(get_db), _: Principal = PEOPLE_WRITE):
    return service.move(db, employee_id=employee_id, data=data)


@router.get("/employees/{employee_id}/assignments", response_model=Page[AssignmentOut])
def employee_assignments(employee_id: Id, page: PageNo = 1, page_size: PageSize = 100,
                         db: Session = Depends(get_db), who: Principal = PEOPLE):
    return service.list_assignments(db, principal=who, employee_id=employee_id, page=page, page_size=page_size)


@router.get("/employees/{employee_id}/skills", response_model=list[EmployeeSkillOut])
def employee_skills(employee_id: Id, db: Session = Depends(get_db), who: Principal = PEOPLE):
    return service.employee_skills(db, principal=who, employee_id=employee_id)


@router.put("/employees/{employee_id}/skills/{skill_id}", response_model=EmployeeSkillOut)
def assess_skill(employee_id: Id, skill_id: Id, data: EmployeeSkillIn, db: Session = Depends(get_db),
                 who: Principal = Depends(allow(Permission.SKILL_ASSESS))):
    return service.assess_skill(db, principal=who, employee_id=employee_id, skill_id=skill_id, data=data)


@router.get("/assignments", response_model=Page[AssignmentOut])
def list_assignments(employee_id: Id | None = None, reason: MoveReason | None = None,
                     since: Day | None = None, until: Day | None = None, page: PageNo = 1,
                     page_size: PageSize = 100, db: Session = Depends(get_db), who: Principal = PEOPLE):
    return service.list_assignments(db, principal=who, employee_id=employee_id, reason=reason, since=since,
                                    until=until, page=page, page_size=page_size)


# --- skills ---
@router.get("/skills", response_model=Page[SkillOut])
def list_skills(q: SearchText | None = None, category: SearchText | None = None, page: PageNo = 1,
                page_size: PageSize = 100, db: Session = Depends(get_db), _: Principal = READ):
    return _page(service.list_skills(db, q=q, category=category, page=page, page_size=page_size), SkillOut)


@router.post("/skills", response_model=SkillOut, status_code=201)
def create_skill(data: SkillIn, db: Session = Depends(get_db), _: Principal = WRITE):
    return service.create_skill(db, data=data)


@router.get("/skills/{skill_id}", response_model=SkillOut)
def get_skill(skill_id: Id, db: Session = Depends(get_db), _: Principal = READ):
    return service.get_or_404(db, Skill, skill_id)


@router.patch("/skills/{skill_id}", response_model=SkillOut)
def update_skill(skill_id: Id, data: SkillPatch, db: Session = Depends(get_db), _: Principal = WRITE):
    return service.update_skill(db, skill_id=skill_id, data=data)


@router.delete("/skills/{skill_id}", status_code=204, response_model=None)
def delete_skill(skill_id: Id, db: Session = Depends(get_db), _: Principal = WRITE) -> Response:
    service.delete_skill(db, skill_id=skill_id)
    return Response(status_code=204)


# --- aggregates ---
@router.get("/org/summary", response_model=OrgSummary)
def org_summary(db: Session = Depends(get_db), _: Principal = Depends(allow(Permission.AGGREGATES))):
    return service.org_summary(db)


@router.get("/key-positions", response_model=Page[PositionOut])
def key_positions(page: PageNo = 1, page_size: PageSize = 100, db: Session = Depends(get_db),
                  who: Principal = Depends(allow(Permission.KEY_POSTS))):
    return service.list_positions(db, principal=who, is_key=True, page=page, page_size=page_size)


