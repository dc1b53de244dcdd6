"""Users and log-in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.auth.models import Role, User
from hcm.auth.security import hash_password, verify_password
from hcm.db import utcnow
from hcm.errors import Conflict, Invalid, Unauthorized
from hcm.org.models import Employee
from hcm.policy import needs_employee

MIN_PASSWORD = 8


def authenticate(db: Session, *, username: str, password: str) -> User:
    user = db.scalars(select(User).where(User.username == username)).first()
    # Same message whether the name or the password is wrong: no user enumeration.
    if user is None or not user.is_active or not verify_password(password, user.password_hash):
        raise Unauthorized("unknown user name or wrong password")
    user.last_login_at = utcnow()
    db.flush()
    return user


def create_user(
    db: Session, *, username: str, password: str, role: Role, employee_id: int | None = None
) -> User:
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"password must have at least {MIN_PASSWORD} characters", field="password")
    if db.scalars(select(User.id).where(User.username == username)).first() is not None:
        raise Conflict(f"username={username!r} is taken", field="username")
    if needs_employee(role) and employee_id is None:
        raise Invalid(f"a {role.value} user must be linked to an employee", field="employee_id")
    if employee_id is not None and db.get(Employee, employee_id) is None:
        raise Invalid(f"employee_id={employee_id} does not point at an existing Employee", field="employee_id")
    user = User(username=username, password_hash=hash_password(password), role=role, employee_id=employee_id)
    db.add(user)
    db.flush()
    return user
