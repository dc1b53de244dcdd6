"""Users and log-in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.auth import sessions
from hcm.auth.models import USERNAME_LENGTH, Role, User
from hcm.auth.security import dummy_hash, hash_password, verify_password
from hcm.auth.throttle import LoginThrottle
from hcm.db import utcnow
from hcm.errors import Conflict, Invalid, NotFound, Unauthorized
from hcm.org.models import Employee
from hcm.policy import needs_employee

MIN_PASSWORD = 8
MAX_PASSWORD = 4096  # longer is no password anyone types: a log-in with one fails without hashing it


def authenticate(db: Session, *, username: str, password: str, throttle: LoginThrottle | None = None,
                 client: str = "unknown") -> User:
    """Log-in: the user for a name and password, or Unauthorized (see check_password)."""
    user = check_password(db, username=username, password=password, throttle=throttle, client=client)
    user.last_login_at = utcnow()
    db.flush()
    return user


def check_password(db: Session, *, username: str, password: str, throttle: LoginThrottle | None = None,
                   client: str = "unknown") -> User:
    """The active user with this name and password, or Unauthorized, the same message whichever was wrong.
    Every attempt costs one Argon2 check, whether the name exists or not (hcm.auth.security.dummy_hash); with
    a throttle, failures are counted and past its limits the attempt is refused first (TooManyRequests)."""
    if throttle is not None:
        throttle.check(username=username, client=client)
    plausible = 0 < len(username) <= USERNAME_LENGTH and "\x00" not in username  # PostgreSQL refuses NUL
    user = db.scalars(select(User).where(User.username == username)).first() if plausible else None
    ok = len(password) <= MAX_PASSWORD and verify_password(password, user.password_hash if user else dummy_hash())
    if user is None or not user.is_active or not ok:
        if throttle is not None:
            throttle.failed(username=username, client=client)
        raise Unauthorized("unknown user name or wrong password")
    if throttle is not None:
        throttle.succeeded(username=username)
    return user


def revoke_all(db: Session, user: User) -> None:
    """End everything the user is logged in with: every browser session, and every bearer token issued so far
    (the token version moves on)."""
    user.token_version = (user.token_version or 0) + 1
    sessions.end_all(db, user.id)
    db.flush()


def _check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"password must have at least {MIN_PASSWORD} characters", field="password")
    if len(password) > MAX_PASSWORD:
        raise Invalid(f"password must have at most {MAX_PASSWORD} characters", field="password")


def set_password(db: Session, *, user: User, password: str) -> None:
    """A new password (an administrator's reset, or the user's own change after checking the current one);
    every session and token of the user ends."""
    _check_new_password(password)
    user.password_hash = hash_password(password)
    revoke_all(db, user)


def change_password(db: Session, *, user_id: int, current: str, new: str, throttle: LoginThrottle | None = None,
                    client: str = "unknown") -> None:
    """The user changes their own password: the current one must be right (a wrong one counts as a failed
    log-in); then they log in again everywhere."""
    user = db.get(User, user_id)
    if user is None:
        raise Unauthorized("unknown user")
    try:
        check_password(db, username=user.username, password=current, throttle=throttle, client=client)
    except Unauthorized as exc:
        raise Invalid("the current password is not right", field="current_password") from exc
    if new == current:
        raise Invalid("the new password is the same as the current one", field="new_password")
    set_password(db, user=user, password=new)


def by_username(db: Session, username: str) -> User:
    user = db.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound("User", username, field="username")
    return user


def set_active(db: Session, *, user: User, active: bool) -> None:
    """Deactivating a user ends every session and token at once; reactivating lets them log in again."""
    user.is_active = active
    if not active:
        revoke_all(db, user)
    db.flush()


def create_user(
    db: Session, *, username: str, password: str, role: Role, employee_id: int | None = None
) -> User:
    _check_new_password(password)
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
