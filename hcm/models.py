"""Every table of the platform core, imported in one place so metadata (and Alembic) sees them all."""

from hcm.auth.models import Role, User
from hcm.db import Base
from hcm.org.models import (
    Assignment,
    BusinessProcess,
    Department,
    Employee,
    EmployeeSkill,
    Grade,
    JobFamily,
    Position,
    PositionSkill,
    Skill,
)
from hcm.outbox import OutboxEvent

__all__ = [
    "Assignment",
    "Base",
    "BusinessProcess",
    "Department",
    "Employee",
    "EmployeeSkill",
    "Grade",
    "JobFamily",
    "OutboxEvent",
    "Position",
    "PositionSkill",
    "Role",
    "Skill",
    "User",
]
