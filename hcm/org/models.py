"""Org & talent tables. The relational database is the source of truth; the graph is a projection."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hcm.db import Base, enum_type, utcnow


class MoveReason(enum.StrEnum):
    HIRE = "hire"
    PROMOTION = "promotion"
    LATERAL = "lateral"
    DEMOTION = "demotion"
    EXIT_VOLUNTARY = "exit_voluntary"
    EXIT_INVOLUNTARY = "exit_involuntary"

    @property
    def is_exit(self) -> bool:
        return self in (MoveReason.EXIT_VOLUNTARY, MoveReason.EXIT_INVOLUNTARY)


class EmployeeStatus(enum.StrEnum):
    ACTIVE = "active"
    EXITED = "exited"


class SkillSource(enum.StrEnum):
    SELF = "self"
    MANAGER = "manager"
    ASSESSMENT = "assessment"


class Importance(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNDISCLOSED = "undisclosed"


process_departments = Table(
    "process_departments",
    Base.metadata,
    Column("process_id", ForeignKey("business_processes.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
)


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    # use_alter: departments and positions point at each other.
    head_position_id: Mapped[int | None] = mapped_column(
        ForeignKey("positions.id", ondelete="SET NULL", use_alter=True)
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped[Department | None] = relationship(remote_side=[id], lazy="raise")
    head_position: Mapped[Position | None] = relationship(
        foreign_keys=[head_position_id], lazy="raise", post_update=True
    )


class BusinessProcess(Base):
    """A process that spans departments (the horizontal path of performance management)."""

    __tablename__ = "business_processes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    owner_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))

    departments: Mapped[list[Department]] = relationship(secondary=process_departments, lazy="raise")


job_family_relations = Table(
    "job_family_relations",
    Base.metadata,
    # Stored once per pair with family_id < related_id; "related" is symmetric (a lateral move either way).
    Column("family_id", ForeignKey("job_families.id", ondelete="CASCADE"), primary_key=True),
    Column("related_id", ForeignKey("job_families.id", ondelete="CASCADE"), primary_key=True),
    CheckConstraint("family_id < related_id", name="ordered_pair"),
)


class JobFamily(Base):
    """A family of jobs (engineering, finance ...). Related families are where a same-grade (lateral) move is
    a step the job architecture allows."""

    __tablename__ = "job_families"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Grade(Base):
    __tablename__ = "grades"
    __table_args__ = (
        CheckConstraint("pay_min <= pay_mid AND pay_mid <= pay_max", name="pay_band_ordered"),
        CheckConstraint("pay_min >= 0", name="pay_min_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    pay_min: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    pay_mid: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    pay_max: Mapped[Decimal] = mapped_column(Numeric(14, 2))


class Position(Base):
    """A post. At most one current holder (``employees.position_id`` is unique)."""

    __tablename__ = "positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    grade_id: Mapped[int | None] = mapped_column(ForeignKey("grades.id"), index=True)
    job_family_id: Mapped[int | None] = mapped_column(ForeignKey("job_families.id"), index=True)
    reports_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("positions.id", ondelete="RESTRICT"), index=True
    )
    is_key: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department] = relationship(foreign_keys=[department_id], lazy="raise")
    grade: Mapped[Grade | None] = relationship(lazy="raise")
    job_family: Mapped[JobFamily | None] = relationship(lazy="raise")
    reports_to: Mapped[Position | None] = relationship(remote_side=[id], lazy="raise")
    holder: Mapped[Employee | None] = relationship(
        back_populates="position", lazy="raise", uselist=False, viewonly=True
    )
    requirements: Mapped[list[PositionSkill]] = relationship(
        back_populates="position", lazy="raise", cascade="all, delete-orphan"
    )


class Employee(Base):
    __tablename__ = "employees"
    __table_args__ = (
        CheckConstraint("salary IS NULL OR salary >= 0", name="salary_nonnegative"),
        CheckConstraint("birth_year IS NULL OR (birth_year BETWEEN 1900 AND 2100)", name="birth_year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200), unique=True)
    hire_date: Mapped[date] = mapped_column(Date)
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"), unique=True)
    status: Mapped[EmployeeStatus] = mapped_column(
        enum_type(EmployeeStatus, "employee_status"), default=EmployeeStatus.ACTIVE, index=True
    )
    exit_date: Mapped[date | None] = mapped_column(Date)
    salary: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # Protected attributes: kept for fairness audits only, never used as model features.
    gender: Mapped[Gender | None] = mapped_column(enum_type(Gender, "gender"))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    position: Mapped[Position | None] = relationship(back_populates="holder", lazy="raise")
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="employee", lazy="raise", order_by="Assignment.start_date"
    )
    skills: Mapped[list[EmployeeSkill]] = relationship(back_populates="employee", lazy="raise")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Assignment(Base):
    """One step of a career: a stay on a post from ``start_date`` until ``end_date`` (open = current).

    An exit is recorded as an assignment row with ``position_id`` NULL and the exit reason, so the
    whole history - including why people left - is one ordered list per employee.
    """

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_ordered"),
        Index("ix_assignments_employee_start", "employee_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[MoveReason] = mapped_column(enum_type(MoveReason, "move_reason"))
    salary: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    employee: Mapped[Employee] = relationship(back_populates="assignments", lazy="raise")
    position: Mapped[Position | None] = relationship(lazy="raise")


class Skill(Base):
    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(100), index=True)
    taxonomy_uri: Mapped[str | None] = mapped_column(String(500), unique=True)
    description: Mapped[str | None] = mapped_column(Text)


class EmployeeSkill(Base):
    """The latest proficiency per (employee, skill, source); a newer assessment replaces an older one."""

    __tablename__ = "employee_skills"
    __table_args__ = (
        UniqueConstraint("employee_id", "skill_id", "source", name="uq_employee_skills_key"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    source: Mapped[SkillSource] = mapped_column(enum_type(SkillSource, "skill_source"))
    assessed_on: Mapped[date] = mapped_column(Date)

    employee: Mapped[Employee] = relationship(back_populates="skills", lazy="raise")
    skill: Mapped[Skill] = relationship(lazy="raise")


class PositionSkill(Base):
    """A skill a post requires, at a level, with an importance."""

    __tablename__ = "position_skills"
    __table_args__ = (
        UniqueConstraint("position_id", "skill_id", name="uq_position_skills_key"),
        CheckConstraint("required_level BETWEEN 1 AND 5", name="required_level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"), index=True)
    required_level: Mapped[int] = mapped_column(Integer)
    importance: Mapped[Importance] = mapped_column(enum_type(Importance, "importance"), default=Importance.MEDIUM)

    position: Mapped[Position] = relationship(back_populates="requirements", lazy="raise")
    skill: Mapped[Skill] = relationship(lazy="raise")
