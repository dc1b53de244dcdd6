"""API shapes of the org model. ``*In`` for create, ``*Patch`` for partial update, ``*Out`` for reads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hcm.fields import Code, Day, Email, Id, In, LongText, Money, Patch, keep_if_left_out
from hcm.org.models import EmployeeStatus, Gender, Importance, MoveReason, SkillSource


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- departments & processes ---------------------------------------------------------------------
class DepartmentIn(In):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    parent_id: Id | None = None
    head_position_id: Id | None = None


class DepartmentPatch(Patch):
    name: str = keep_if_left_out(min_length=1, max_length=200)
    parent_id: Id | None = None
    head_position_id: Id | None = None


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


class ProcessIn(In):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    description: LongText | None = None
    owner_department_id: Id | None = None
    department_ids: list[Id] = Field(default_factory=list)


class ProcessPatch(Patch):
    name: str = keep_if_left_out(min_length=1, max_length=200)
    description: LongText | None = None
    owner_department_id: Id | None = None
    department_ids: list[Id] = keep_if_left_out()  # the complete list, [] for none


class ProcessOut(_Out):
    id: int
    code: str
    name: str
    description: str | None
    owner_department_id: int | None
    department_ids: list[int]


# --- job families & grades -----------------------------------------------------------------------
class JobFamilyIn(In):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    # codes of the families a same-grade (lateral) move to is a step the job architecture allows
    related: list[Code] = Field(default_factory=list, max_length=100)


class JobFamilyPatch(Patch):
    name: str = keep_if_left_out(min_length=1, max_length=200)
    related: list[Code] = keep_if_left_out(max_length=100)


class JobFamilyOut(_Out):
    id: int
    code: str
    name: str
    related: list[str] = []


class GradeIn(In):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    level: int = Field(ge=0, le=100)
    pay_min: Money
    pay_mid: Money
    pay_max: Money

    @model_validator(mode="after")
    def _band(self) -> GradeIn:
        if not (self.pay_min <= self.pay_mid <= self.pay_max):
            raise ValueError("pay band must satisfy pay_min <= pay_mid <= pay_max")
        return self


class GradePatch(Patch):
    name: str = keep_if_left_out(min_length=1, max_length=200)
    level: int = keep_if_left_out(ge=0, le=100)
    pay_min: Money = keep_if_left_out()
    pay_mid: Money = keep_if_left_out()
    pay_max: Money = keep_if_left_out()


class GradeOut(_Out):
    id: int
    code: str
    name: str
    level: int
    pay_min: Decimal
    pay_mid: Decimal
    pay_max: Decimal


# --- positions -----------------------------------------------------------------------------------
class PositionIn(In):
    code: Code
    title: str = Field(min_length=1, max_length=200)
    department_id: Id
    grade_id: Id | None = None
    job_family_id: Id | None = None
    reports_to_id: Id | None = None
    is_key: bool = False


class PositionPatch(Patch):
    title: str = keep_if_left_out(min_length=1, max_length=200)
    department_id: Id = keep_if_left_out()
    grade_id: Id | None = None
    job_family_id: Id | None = None
    reports_to_id: Id | None = None
    is_key: bool = keep_if_left_out()
    is_active: bool = keep_if_left_out()


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
class EmployeeIn(In):
    external_id: Code
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: Email | None = None
    hire_date: Day
    position_id: Id | None = None
    salary: Money | None = None
    gender: Gender | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=2100)


class EmployeePatch(Patch):
    first_name: str = keep_if_left_out(min_length=1, max_length=100)
    last_name: str = keep_if_left_out(min_length=1, max_length=100)
    email: Email | None = None
    salary: Money | None = None
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


class MoveIn(In):
    """Move someone: to another post (promotion / lateral / demotion) or out (an exit reason)."""

    reason: MoveReason
    effective_date: Day
    position_id: Id | None = None
    salary: Money | None = None
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
class SkillIn(In):
    code: Code
    name: str = Field(min_length=1, max_length=300)
    category: str | None = Field(default=None, max_length=100)
    taxonomy_uri: str | None = Field(default=None, max_length=500)
    description: LongText | None = None


class SkillPatch(Patch):
    name: str = keep_if_left_out(min_length=1, max_length=300)
    category: str | None = Field(default=None, max_length=100)
    taxonomy_uri: str | None = Field(default=None, max_length=500)
    description: LongText | None = None


class SkillOut(_Out):
    id: int
    code: str
    name: str
    category: str | None
    taxonomy_uri: str | None
    description: str | None


class EmployeeSkillIn(In):
    level: int = Field(ge=1, le=5)
    source: SkillSource
    assessed_on: Day


class EmployeeSkillOut(_Out):
    skill_id: int
    skill_code: str
    skill_name: str
    level: int
    source: SkillSource
    assessed_on: date


class RequirementIn(In):
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
