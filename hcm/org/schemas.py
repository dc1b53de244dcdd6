"""API shapes of the org model. ``*In`` for create, ``*Patch`` for partial update, ``*Out`` for reads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hcm.fields import Code, Email
from hcm.org.models import EmployeeStatus, Gender, Importance, MoveReason, SkillSource


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- departments & processes ---------------------------------------------------------------------
class DepartmentIn(BaseModel):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    parent_id: int | None = None
    head_position_id: int | None = None


class DepartmentPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    parent_id: int | None = None
    head_position_id: int | None = None


class DepartmentOut(_Out):
    id: int
    code: str
    name: str
    parent_id: int | None
    head_position_id: int | None


class DepartmentNode(BaseModel):
    """A department in the tree, with the people and posts directly in it (not in its sub-departments)."""

    id: int
    code: str
    name: str
    headcount: int
    positions: int
    children: list[DepartmentNode]  # by name


class ProcessIn(BaseModel):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    owner_department_id: int | None = None
    department_ids: list[int] = Field(default_factory=list)


class ProcessPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    owner_department_id: int | None = None
    department_ids: list[int] | None = None


class ProcessOut(_Out):
    id: int
    code: str
    name: str
    description: str | None
    owner_department_id: int | None
    department_ids: list[int]


# --- job families & grades -----------------------------------------------------------------------
class JobFamilyIn(BaseModel):
    code: Code
    name: str = Field(min_length=1, max_length=200)


class JobFamilyPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)


class JobFamilyOut(_Out):
    id: int
    code: str
    name: str


class GradeIn(BaseModel):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    level: int = Field(ge=0, le=100)
    pay_min: Decimal = Field(ge=0)
    pay_mid: Decimal = Field(ge=0)
    pay_max: Decimal = Field(ge=0)

    @model_validator(mode="after")
    def _band(self) -> GradeIn:
        if not (self.pay_min <= self.pay_mid <= self.pay_max):
            raise ValueError("pay band must satisfy pay_min <= pay_mid <= pay_max")
        return self


class GradePatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    level: int | None = Field(default=None, ge=0, le=100)
    pay_min: Decimal | None = Field(default=None, ge=0)
    pay_mid: Decimal | None = Field(default=None, ge=0)
    pay_max: Decimal | None = Field(default=None, ge=0)


class GradeOut(_Out):
    id: int
    code: str
    name: str
    level: int
    pay_min: Decimal
    pay_mid: Decimal
    pay_max: Decimal


# --- positions -----------------------------------------------------------------------------------
class PositionIn(BaseModel):
    code: Code
    title: str = Field(min_length=1, max_length=200)
    department_id: int
    grade_id: int | None = None
    job_family_id: int | None = None
    reports_to_id: int | None = None
    is_key: bool = False


class PositionPatch(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    department_id: int | None = None
    grade_id: int | None = None
    job_family_id: int | None = None
    reports_to_id: int | None = None
    is_key: bool | None = None
    is_active: bool | None = None


class PositionOut(_Out):
    id: int
    code: str
    title: str
    department_id: int
    grade_id: int | None
    job_family_id: int | None
    reports_to_id: int | None
    is_key: bool
    is_active: bool
    # Filled only when the caller may see the holder; ``vacant`` is always true information.
    holder_id: int | None = None
    holder_name: str | None = None
    vacant: bool = True


# --- employees & assignments --------------------------------------------------------------------
class EmployeeIn(BaseModel):
    external_id: Code
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: Email | None = None
    hire_date: date
    position_id: int | None = None
    salary: Decimal | None = Field(default=None, ge=0)
    gender: Gender | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=2100)


class EmployeePatch(BaseModel):
    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    email: Email | None = None
    salary: Decimal | None = Field(default=None, ge=0)
    gender: Gender | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=2100)


class EmployeeOut(_Out):
    id: int
    external_id: str
    first_name: str
    last_name: str
    email: str | None
    hire_date: date
    status: EmployeeStatus
    exit_date: date | None
    position_id: int | None
    position_title: str | None = None
    department_id: int | None = None
    manager_id: int | None = None
    # Masked (None) unless the policy lets the caller see them.
    salary: Decimal | None = None
    gender: Gender | None = None
    birth_year: int | None = None


class MoveIn(BaseModel):
    """Move someone: to another post (promotion / lateral / demotion) or out (an exit reason)."""

    reason: MoveReason
    effective_date: date
    position_id: int | None = None
    salary: Decimal | None = Field(default=None, ge=0)
    note: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _shape(self) -> MoveIn:
        if self.reason.is_exit and self.position_id is not None:
            raise ValueError("an exit has no position_id")
        if not self.reason.is_exit and self.position_id is None:
            raise ValueError(f"a {self.reason.value} needs a position_id")
        return self


class AssignmentOut(_Out):
    id: int
    employee_id: int
    position_id: int | None
    position_title: str | None = None
    start_date: date
    end_date: date | None
    reason: MoveReason
    salary: Decimal | None = None
    note: str | None = None


# --- skills ---------------------------------------------------------------------------------------
class SkillIn(BaseModel):
    code: Code
    name: str = Field(min_length=1, max_length=300)
    category: str | None = Field(default=None, max_length=100)
    taxonomy_uri: str | None = Field(default=None, max_length=500)
    description: str | None = None


class SkillPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=300)
    category: str | None = Field(default=None, max_length=100)
    taxonomy_uri: str | None = Field(default=None, max_length=500)
    description: str | None = None


class SkillOut(_Out):
    id: int
    code: str
    name: str
    category: str | None
    taxonomy_uri: str | None
    description: str | None


class EmployeeSkillIn(BaseModel):
    level: int = Field(ge=1, le=5)
    source: SkillSource
    assessed_on: date


class EmployeeSkillOut(_Out):
    skill_id: int
    skill_code: str
    skill_name: str
    level: int
    source: SkillSource
    assessed_on: date


class RequirementIn(BaseModel):
    required_level: int = Field(ge=1, le=5)
    importance: Importance = Importance.MEDIUM


class RequirementOut(_Out):
    skill_id: int
    skill_code: str
    skill_name: str
    required_level: int
    importance: Importance


# --- aggregates ----------------------------------------------------------------------------------
class DivisionHeadcount(BaseModel):
    department_id: int
    code: str
    name: str
    headcount: int
    positions: int
    vacancies: int
    key_positions: int
    key_vacancies: int


class OrgSummary(BaseModel):
    headcount: int
    positions: int
    vacancies: int
    key_positions: int
    key_vacancies: int
    exits_last_12_months: int
    voluntary_exits_last_12_months: int
    divisions: list[DivisionHeadcount]
