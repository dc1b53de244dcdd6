"""Who sees what. The one place that decides; routes declare a permission with ``allow(...)`` and
services ask the scope functions here before returning people data.

- employee  -> themselves
- manager   -> themselves and their reporting subtree (positions that report, directly or not, to theirs)
- hr_admin  -> everyone
- executive -> aggregates, key posts and the people who hold them
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from sqlalchemy import Select, false, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hcm.auth import sessions
from hcm.auth.models import Role, User
from hcm.auth.security import read_token
from hcm.deps import get_db
from hcm.errors import Forbidden, Unauthorized
from hcm.org.models import Employee, Position, SkillSource
from hcm.settings import get_settings


class Permission(enum.StrEnum):
    PUBLIC = "public"
    AUTHENTICATED = "authenticated"
    ORG_READ = "org.read"  # structure: departments, positions, grades, job families, skills catalog
    ORG_WRITE = "org.write"
    PEOPLE_READ = "people.read"  # rows are filtered by employee_scope()
    PEOPLE_WRITE = "people.write"
    SKILL_ASSESS = "skills.assess"  # who may be assessed is decided by can_assess_skill()
    AGGREGATES = "org.aggregates"
    KEY_POSTS = "keyposts.read"
    DATA_IMPORT = "data.import"
    DATA_EXPORT = "data.export"
    # performance management (row scope is checked by the performance services through this module)
    PERF_READ = "performance.read"  # goals, scores, ratings: filtered by employee_scope / rating rules
    PERF_PERIODS = "performance.periods"  # open, advance and close periods; configure the mix
    PERF_PLAN = "performance.plan"  # goals, links, indicators (managers: their subtree's posts only)
    PERF_CHECKIN = "performance.checkin"  # actuals during the period (indicator owners, their managers, HR)
    PERF_RATE = "performance.rate"  # self, manager, peer and cross-department ratings
    PERF_CALIBRATE = "performance.calibrate"
    POINTS_AWARD = "points.award"


_ALL = frozenset(Role)
GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.AUTHENTICATED: _ALL,
    Permission.ORG_READ: _ALL,
    Permission.ORG_WRITE: frozenset({Role.HR_ADMIN}),
    Permission.PEOPLE_READ: _ALL,
    Permission.PEOPLE_WRITE: frozenset({Role.HR_ADMIN}),
    Permission.SKILL_ASSESS: frozenset({Role.HR_ADMIN, Role.MANAGER, Role.EMPLOYEE}),
    Permission.AGGREGATES: frozenset({Role.HR_ADMIN, Role.EXECUTIVE}),
    Permission.KEY_POSTS: frozenset({Role.HR_ADMIN, Role.EXECUTIVE}),
    Permission.DATA_IMPORT: frozenset({Role.HR_ADMIN}),
    Permission.DATA_EXPORT: frozenset({Role.HR_ADMIN}),
    Permission.PERF_READ: _ALL,
    Permission.PERF_PERIODS: frozenset({Role.HR_ADMIN}),
    Permission.PERF_PLAN: frozenset({Role.HR_ADMIN, Role.MANAGER}),
    Permission.PERF_CHECKIN: frozenset({Role.HR_ADMIN, Role.MANAGER, Role.EMPLOYEE}),
    Permission.PERF_RATE: frozenset({Role.HR_ADMIN, Role.MANAGER, Role.EMPLOYEE}),
    Permission.PERF_CALIBRATE: frozenset({Role.HR_ADMIN}),
    Permission.POINTS_AWARD: frozenset({Role.HR_ADMIN, Role.MANAGER, Role.EMPLOYEE}),
}

# Writes an employee may make, each guarded row by row in its service (about themselves, their own
# indicators, or a colleague they rate or recognise). Every other write is HR's or a manager's.
SELF_SERVICE_WRITES = frozenset(
    {Permission.SKILL_ASSESS, Permission.PERF_CHECKIN, Permission.PERF_RATE, Permission.POINTS_AWARD}
)

# Peer and cross-department ratings are shown only aggregated, and only from this many raters up.
ANONYMITY_THRESHOLD = 3


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: Role
    employee_id: int | None
    position_id: int | None

    def has(self, permission: Permission) -> bool:
        return permission is Permission.PUBLIC or self.role in GRANTS[permission]


def _authenticate(request: Request, db: Session) -> Principal | None:
    """The caller: a bearer token (whose version must still be the user's) or else a live server-side
    session named by the session cookie (hcm.auth.sessions). A request with a bearer token is never
    authenticated by its cookie."""
    settings = get_settings()
    user_id: int | None = None
    token_version: int | None = None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user_id, token_version = read_token(header[7:].strip(), secret=settings.secret_key)
    elif "session" in request.scope:
        sid = request.session.get(sessions.COOKIE_KEY)
        if isinstance(sid, str) and sid:
            user_id = sessions.resolve(db, sid, idle=settings.session_idle, max_age=settings.session_max_age)
    if user_id is None:
        return None
    row = db.execute(
        select(User.id, User.username, User.role, User.employee_id, User.is_active, User.token_version,
               Employee.position_id)
        .outerjoin(Employee, Employee.id == User.employee_id)
        .where(User.id == user_id)
    ).one_or_none()
    if row is None or not row.is_active:
        return None
    if token_version is not None and token_version != row.token_version:
        raise Unauthorized("the bearer token was revoked (password change or deactivation); log in again")
    return Principal(row.id, row.username, Role(row.role), row.employee_id, row.position_id)


def allow(permission: Permission) -> Callable[..., Principal | None]:
    """A route dependency that enforces ``permission`` and returns the caller (None on public routes).

    The function carries ``__policy__`` so the route-walk test can prove every route declared one.
    """

    def dependency(request: Request, db: Session = Depends(get_db)) -> Principal | None:
        principal = _authenticate(request, db)
        request.state.principal = principal
        if permission is Permission.PUBLIC:
            return principal
        if principal is None:
            raise Unauthorized("log in first: this needs a session or a bearer token")
        if not principal.has(permission):
            raise Forbidden(f"the role {principal.role.value!r} may not use {permission.value!r}")
        return principal

    dependency.__policy__ = permission  # type: ignore[attr-defined]
    dependency.__name__ = f"allow_{permission.name.lower()}"
    return dependency


# --- row scope -------------------------------------------------------------------------------------


def subtree_position_ids(root_position_id: int) -> Select[tuple[int]]:
    """Every position reporting, directly or through others, to ``root_position_id``."""
    tree = select(Position.id).where(Position.reports_to_id == root_position_id).cte(recursive=True)
    tree = tree.union_all(select(Position.id).where(Position.reports_to_id == tree.c.id))
    return select(tree.c.id)


def employee_filter(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause over ``Employee`` restricting rows to those the principal may see."""
    if principal.role is Role.HR_ADMIN:
        return true()
    own = Employee.id == principal.employee_id if principal.employee_id is not None else false()
    if principal.role is Role.MANAGER and principal.position_id is not None:
        return or_(own, Employee.position_id.in_(subtree_position_ids(principal.position_id)))
    if principal.role is Role.EXECUTIVE:
        key_posts = select(Position.id).where(Position.is_key.is_(True))
        return or_(own, Employee.position_id.in_(key_posts))
    return own


def can_see_employee(db: Session, principal: Principal, employee_id: int) -> bool:
    if principal.role is Role.HR_ADMIN or principal.employee_id == employee_id:
        return True
    found = db.execute(
        select(Employee.id).where(Employee.id == employee_id, employee_filter(principal))
    ).first()
    return found is not None


def can_see_pay(principal: Principal, employee_id: int) -> bool:
    """Salary: HR and the person themselves."""
    return principal.role is Role.HR_ADMIN or principal.employee_id == employee_id


def can_see_protected(principal: Principal) -> bool:
    """Gender and birth year exist for fairness audits; only HR reads them."""
    return principal.role is Role.HR_ADMIN


def is_in_subtree(db: Session, principal: Principal, employee_id: int) -> bool:
    if principal.position_id is None:
        return False
    found = db.execute(
        select(Employee.id).where(
            Employee.id == employee_id, Employee.position_id.in_(subtree_position_ids(principal.position_id))
        )
    ).first()
    return found is not None


def manages(db: Session, principal: Principal, employee_id: int) -> bool:
    """HR, or a manager whose subtree holds the employee."""
    if principal.role is Role.HR_ADMIN:
        return True
    return principal.role is Role.MANAGER and is_in_subtree(db, principal, employee_id)


def can_assess_skill(db: Session, principal: Principal, employee_id: int, source: SkillSource) -> bool:
    """Self-assessment by the person; manager assessment by HR or a manager above them; formal
    assessments are recorded by HR only."""
    if principal.role is Role.HR_ADMIN:
        return True
    if source is SkillSource.SELF:
        return principal.employee_id == employee_id
    if source is SkillSource.MANAGER and principal.role is Role.MANAGER:
        return is_in_subtree(db, principal, employee_id)
    return False
