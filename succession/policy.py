"""Who may do what in succession: the module's permissions, the roles that hold them, and its named checks.

- HR directors (hr_admin) see and change everything: the register, plans, pools, representation, settings.
- Executives see plans, bench strength, pools and the what-if (they sign the plans off); they change nothing.
- A manager sees the plans of the key posts in their reporting subtree only when HR allows it
  (``SuccessionSettings.managers_see_plans_below``); otherwise, and outside that subtree, a plan is a 404.
- An employee never sees nominations, their own included, unless HR enables it
  (``employees_see_own_nominations``): then their own, and nobody else's.

Routes declare the permission with ``hcm.policy.allow``; the row rules (subtree, own nominations, settings)
are asked here by the services, so each rule is written once.
"""

from __future__ import annotations

import enum

from sqlalchemy import false, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hcm.auth.models import Role
from hcm.db import get_or_404
from hcm.org.models import Position
from hcm.policy import Principal, is_executive, is_hr, is_manager, subtree_position_ids
from succession import settings


class SuccPermission(enum.StrEnum):
    PLANS_READ = "succession.plans.read"  # slates, readiness, what it takes (managers: row-checked, see above)
    PLANS_WRITE = "succession.plans.write"  # nominate, rank, readiness, emergency successor, development actions
    REGISTER_READ = "succession.register.read"  # every post's criticality and its factors (retirement: protected)
    REGISTER_WRITE = "succession.register.write"  # set, confirm or withdraw a key post, with a reason
    POOLS_READ = "succession.pools.read"
    POOLS_WRITE = "succession.pools.write"
    BENCH = "succession.bench"  # bench strength, single points of failure, the what-if
    REPRESENTATION = "succession.representation"  # gender and age bands of slates and pools: HR only
    SETTINGS = "succession.settings"  # who else may see plans
    OWN_NOMINATIONS = "succession.own"  # an employee's own nominations, when HR enables it


_HR = frozenset({Role.HR_ADMIN})
_HR_EXEC = frozenset({Role.HR_ADMIN, Role.EXECUTIVE})
GRANTS: dict[SuccPermission, frozenset[Role]] = {
    SuccPermission.PLANS_READ: frozenset({Role.HR_ADMIN, Role.EXECUTIVE, Role.MANAGER}),
    SuccPermission.PLANS_WRITE: _HR,
    # HR only: the criticality's factors include retirement eligibility, derived from the birth year, which
    # only HR reads (hcm.policy.can_see_protected)
    SuccPermission.REGISTER_READ: _HR,
    SuccPermission.REGISTER_WRITE: _HR,
    SuccPermission.POOLS_READ: _HR_EXEC,
    SuccPermission.POOLS_WRITE: _HR,
    SuccPermission.BENCH: _HR_EXEC,
    SuccPermission.REPRESENTATION: _HR,
    SuccPermission.SETTINGS: _HR,
    SuccPermission.OWN_NOMINATIONS: frozenset(Role),
}


# --- named row checks ----------------------------------------------------------------------------------
def plan_filter(db: Session, principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause over ``Position``: the posts whose succession plans the principal may see. HR and
    executives: all; a manager: the posts reporting (directly or not) to theirs, when HR allows it
    (``managers_see_plans_below``), never their own; anyone else: none."""
    if is_hr(principal) or is_executive(principal):
        return true()
    if is_manager(principal) and principal.position_id is not None and settings.managers_see_plans_below(db):
        return Position.id.in_(subtree_position_ids(principal.position_id))
    return false()


def can_see_plan(db: Session, principal: Principal, position: Position) -> bool:
    """Whether the principal may see the plan of ``position`` (a post the database gave you): ``plan_filter``."""
    if is_hr(principal) or is_executive(principal):
        return True
    found = db.scalar(select(Position.id).where(Position.id == position.id, plan_filter(db, principal)))
    return found is not None


def visible_plan_position(db: Session, principal: Principal, position_id: int, *, field: str = "position_id",
                          lock: bool = False) -> Position:
    """The post a request names, for its plan: in one query, a post the principal may not see the plan of is
    the very 404 of a post that does not exist (the scope rule)."""
    return get_or_404(db, Position, position_id, field=field, visible=plan_filter(db, principal),
                      lock="update" if lock else None)


def may_change_plans(principal: Principal) -> bool:
    """Plans, slates, readiness, the emergency successor and development actions are HR's to change."""
    return is_hr(principal)


def can_see_own_nominations(db: Session, principal: Principal) -> bool:
    """An employee (anyone with an employee record) sees the slates they stand on, their own entries only, when
    HR enables it (``employees_see_own_nominations``); otherwise nobody has "my nominations"."""
    return principal.employee_id is not None and settings.employees_see_own_nominations(db)
