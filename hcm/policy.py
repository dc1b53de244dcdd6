"""Who sees what. The one place that decides for the core; routes declare a permission with ``allow(...)``
and services ask the scope functions and named checks here before returning people data.

Each module declares its own permissions (a ``StrEnum``) and which roles hold them in its own policy module,
registered here with ``register_grants``; ``allow`` and ``Principal.has`` then take them like the core's.

- employee  -> themselves
- manager   -> themselves and their reporting subtree (positions that report, directly or not, to theirs)
- hr_admin  -> everyone
- executive -> aggregates, key posts and the people who hold them

The scope rule: every employee id a request names (in the path, the query or the body) goes through
``visible_employee`` before any other rule about that person is asked. Someone outside the caller's scope for
that request gets exactly the answer of an id that names nobody: 404 for an id in the path or the query
string (what is read), 422 naming the field for a reference in a body (what is written). Modules narrow or
widen the scope of a request with their own named scopes (whom one may rate, recognise), never by answering
differently for an outsider.

The self-judgement rule: ``judges_self`` -- a judgement of a person is never made by that person alone.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Depends, Request
from sqlalchemy import Select, false, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hcm.auth import sessions
from hcm.auth.models import Role, User
from hcm.auth.security import read_token
from hcm.db import get_or_404, get_reference
from hcm.deps import get_db
from hcm.errors import Forbidden, NotFound, Unauthorized
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
}

# Writes an employee may make, each guarded row by row in its service (about themselves). Every other
# core write is HR's. Modules add theirs with ``register_grants(..., self_service=...)``.
SELF_SERVICE_WRITES = frozenset({Permission.SKILL_ASSESS})


# --- the registry of permissions -------------------------------------------------------------------
P = TypeVar("P", bound=enum.StrEnum)

# Keyed by the permission's value: two modules cannot mean different things by one name.
_granted: dict[str, frozenset[Role]] = {}
_members: dict[str, enum.StrEnum] = {}
_self_service: set[str] = set()


class UnregisteredPermission(LookupError):
    """A permission no module registered: a programming error, raised where the route is defined."""


def register_grants(grants: Mapping[P, Iterable[Role]], *, self_service: Iterable[P] = ()) -> None:
    """Make a module's permissions known: the roles that hold each, and which of them are self-service
    writes (an employee may make them; the module's services guard them row by row).

    Registering the same again changes nothing; a value already registered with other roles (or the other
    way round for self-service) is refused, so no permission is ever decided in two places."""
    wanted = {p: frozenset(roles) for p, roles in grants.items()}
    self_serving = {p.value for p in self_service}
    if stray := sorted(self_serving - {p.value for p in wanted}):
        raise ValueError(f"self-service writes must be among the permissions registered with them: {stray}")
    for p, roles in wanted.items():
        if p.value == Permission.PUBLIC.value:
            raise ValueError("'public' is no grant: it is every route's way of saying that nobody need log in")
        if not roles:
            raise ValueError(f"permission {p.value!r} is granted to no role")
        known = _granted.get(p.value)
        if known is not None and known != roles:
            raise ValueError(f"permission {p.value!r} is already registered for {sorted(r.value for r in known)}, "
                             f"not {sorted(r.value for r in roles)}: one permission, one decision")
        if known is not None and (p.value in _self_service) != (p.value in self_serving):
            was = "a self-service write" if p.value in _self_service else "no self-service write"
            raise ValueError(f"permission {p.value!r} is already registered as {was}: one permission, one decision")
    for p, roles in wanted.items():
        _granted[p.value] = roles
        _members.setdefault(p.value, p)
    _self_service.update(self_serving)


def registered_permissions() -> tuple[enum.StrEnum, ...]:
    """Every permission a route may declare besides ``Permission.PUBLIC``, in the order registered."""
    return tuple(_members.values())


def roles_for(permission: enum.StrEnum) -> frozenset[Role]:
    """The roles that hold a registered permission."""
    if permission.value not in _granted:
        from hcm import modules  # the registrations declare their modules' permissions: read them once

        modules.installed()
    try:
        return _granted[permission.value]
    except KeyError:
        raise UnregisteredPermission(
            f"permission {permission.value!r} is not registered: its module registers it with "
            "hcm.policy.register_grants before any route uses it") from None


def is_self_service(permission: enum.StrEnum) -> bool:
    """A write an employee may make (guarded row by row by the service)."""
    return permission.value in _self_service


register_grants(GRANTS, self_service=SELF_SERVICE_WRITES)


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: Role
    employee_id: int | None
    position_id: int | None

    def has(self, permission: enum.StrEnum) -> bool:
        return permission is Permission.PUBLIC or self.role in roles_for(permission)


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


def allow(permission: enum.StrEnum) -> Callable[..., Principal | None]:
    """A route dependency that enforces ``permission`` and returns the caller (None on public routes).

    The function carries ``__policy__`` so the route-walk test can prove every route declared one. An
    unregistered permission fails here, when the route is defined, not at its first request.
    """
    if permission is not Permission.PUBLIC:
        roles_for(permission)

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


# --- who someone is, by role: the named checks the rules below, the modules and the pages build on ------
def is_hr(principal: Principal) -> bool:
    """HR: every person, every field, every write."""
    return principal.role is Role.HR_ADMIN


def require_hr(principal: Principal, what: str) -> None:
    """Refuse anyone but HR (the message says what was refused)."""
    if not is_hr(principal):
        raise Forbidden(f"only HR may {what}")


def is_manager(principal: Principal) -> bool:
    """A manager: their people scope, and their team, is their reporting subtree."""
    return principal.role is Role.MANAGER


def is_executive(principal: Principal) -> bool:
    """Leadership: aggregates, key posts and the people who hold them."""
    return principal.role is Role.EXECUTIVE


def needs_employee(role: Role) -> bool:
    """Managers and employees act as themselves (their scope starts at their own record), so their users are
    linked to an employee; HR and executives may have no record of their own."""
    return role in (Role.MANAGER, Role.EMPLOYEE)


def own_profile_id(principal: Principal) -> int | None:
    """The employee whose record the pages show this user first (their goals, skills, scores): managers and
    employees see their own; HR and executives get none (they start from the company)."""
    return principal.employee_id if needs_employee(principal.role) else None


# --- row scope -------------------------------------------------------------------------------------


def subtree_position_ids(root_position_id: int) -> Select[tuple[int]]:
    """Every position reporting, directly or through others, to ``root_position_id``."""
    tree = select(Position.id).where(Position.reports_to_id == root_position_id).cte(recursive=True)
    tree = tree.union_all(select(Position.id).where(Position.reports_to_id == tree.c.id))
    return select(tree.c.id)


def employee_filter(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause over ``Employee`` restricting rows to those the principal may see."""
    if is_hr(principal):
        return true()
    own = Employee.id == principal.employee_id if principal.employee_id is not None else false()
    if is_manager(principal) and principal.position_id is not None:
        return or_(own, Employee.position_id.in_(subtree_position_ids(principal.position_id)))
    if is_executive(principal):
        key_posts = select(Position.id).where(Position.is_key.is_(True))
        return or_(own, Employee.position_id.in_(key_posts))
    return own


def team_filter(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause over ``Employee``: the principal's team, the people whose posts report to the same post as
    theirs (themselves included; without a boss post, just their own). Names and points only: it is whom one
    recognises and sees on a leaderboard, not whose records one reads."""
    if principal.position_id is None:
        return false()
    boss = select(Position.reports_to_id).where(Position.id == principal.position_id).scalar_subquery()
    return or_(Employee.position_id == principal.position_id,
               Employee.position_id.in_(select(Position.id).where(Position.reports_to_id == boss)))


def visible_employee(db: Session, principal: Principal, employee_id: int, *,
                     among: ColumnElement[bool] | None = None, field: str = "id", reference: bool = False) -> Employee:
    """The one way an employee id a request names becomes a person: the scope rule (module docstring).

    One query checks that the person exists *and* is in scope; both failures raise the same error, naming the
    id as ``field``: NotFound (404) for an id in the path or the query string, Invalid (422) when ``reference``
    (an id in a request body). ``among`` is the request's own named scope (a WHERE clause over ``Employee``:
    whom one may rate, recognise, make a goal's owner); by default the people scope, ``employee_filter``.
    Call it before any other rule about the person (has left, is oneself, may be rated from this source...):
    those answers are only for people in scope."""
    scope = employee_filter(principal) if among is None else among
    if reference:
        return get_reference(db, Employee, employee_id, field=field, visible=scope)
    return get_or_404(db, Employee, employee_id, field=field, visible=scope)


def visible_employees(db: Session, principal: Principal, employee_ids: Iterable[int], *,
                      among: ColumnElement[bool] | None = None, field: str = "id") -> None:
    """``visible_employee`` for a list of ids a request names (``?employee_id=1&employee_id=2``), in one query:
    the first that names nobody in scope is NotFound, whether it exists or not."""
    wanted = list(dict.fromkeys(employee_ids))
    if not wanted:
        return
    scope = employee_filter(principal) if among is None else among
    found = set(db.scalars(select(Employee.id).where(Employee.id.in_(wanted), scope)))
    for employee_id in wanted:
        if employee_id not in found:
            raise NotFound("Employee", employee_id, field=field)


def can_see_employee(db: Session, principal: Principal, employee_id: int) -> bool:
    """Whether a person the database gave you (a position's holder, a rating's subject) is in the people
    scope. For an id a request names use ``visible_employee``: it also answers for ids that name nobody."""
    if is_hr(principal) or principal.employee_id == employee_id:
        return True
    found = db.execute(
        select(Employee.id).where(Employee.id == employee_id, employee_filter(principal))
    ).first()
    return found is not None


def can_see_pay(principal: Principal, employee_id: int) -> bool:
    """Salary: HR and the person themselves."""
    return is_hr(principal) or principal.employee_id == employee_id


def can_see_protected(principal: Principal) -> bool:
    """Gender and birth year exist for fairness audits; only HR reads them."""
    return is_hr(principal)


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
    if is_hr(principal):
        return True
    return is_manager(principal) and is_in_subtree(db, principal, employee_id)


def judges_self(principal: Principal, employee_id: int | None) -> bool:
    """The self-judgement rule: would a judgement of this person (a rating, a rubric level, a calibration, a
    manager's or a formal skill level) be made by the person themselves? Nobody judges themselves alone: their
    own view is a self-assessment, kept beside the judgement of others and counting only as the rules say. The
    modules ask this one check (``performance.policy.refuse_self_judgement``); whatever the role, HR included."""
    return principal.employee_id is not None and principal.employee_id == employee_id


def can_assess_skill(db: Session, principal: Principal, employee_id: int, source: SkillSource) -> bool:
    """Self-assessment by the person; manager assessment by HR or a manager above them; formal
    assessments are recorded by HR only. Nobody records anything but the self-assessment of themselves."""
    if source is not SkillSource.SELF and judges_self(principal, employee_id):
        return False
    if is_hr(principal):
        return True
    if source is SkillSource.SELF:
        return principal.employee_id == employee_id
    if source is SkillSource.MANAGER and is_manager(principal):
        return is_in_subtree(db, principal, employee_id)
    return False
