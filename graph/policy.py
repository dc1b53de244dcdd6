"""Who may ask the talent graph what: the graph's permissions, the roles that hold them, and its named checks.

Routes declare the permissions with ``hcm.policy.allow``. A person a request names (by external id, the graph's
business key) goes through ``visible_person`` before the graph is asked: someone outside the request's scope is
not found, exactly like someone who does not exist (the scope rule, ``hcm.policy``).
"""

from __future__ import annotations

import enum

from sqlalchemy import false, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hcm.auth.models import Role
from hcm.errors import NotFound
from hcm.org.models import Employee
from hcm.policy import Principal, employee_filter, is_hr, is_manager


class GraphPermission(enum.StrEnum):
    SUCCESSION = "graph.succession"  # successor slates, bench strength, uncovered posts, SPOF, vacancy chains
    TALENT_SEARCH = "graph.talent_search"  # other people's skills: HR only
    CAREERS = "graph.careers"  # next roles and career paths; a person's gaps only within ``gap_scope``


GRANTS: dict[GraphPermission, frozenset[Role]] = {
    GraphPermission.SUCCESSION: frozenset({Role.HR_ADMIN, Role.EXECUTIVE}),
    GraphPermission.TALENT_SEARCH: frozenset({Role.HR_ADMIN}),
    GraphPermission.CAREERS: frozenset(Role),
}


def gap_scope(principal: Principal) -> ColumnElement[bool]:
    """Whose skill gaps the caller may ask for (a WHERE clause over ``Employee``): HR anyone, a manager
    themselves and their reporting subtree (the people scope), everyone else themselves only."""
    if is_hr(principal):
        return true()
    if is_manager(principal):
        return employee_filter(principal)
    if principal.employee_id is None:
        return false()
    return Employee.id == principal.employee_id


def visible_person(db: Session, principal: Principal, key: str, *, among: ColumnElement[bool] | None = None,
                   field: str = "employee") -> Employee:
    """The employee whose external id is ``key``, if in ``among`` (default: the people scope); otherwise
    NotFound naming the key, whether the person exists or not."""
    scope = employee_filter(principal) if among is None else among
    found = db.scalars(select(Employee).where(Employee.external_id == key, scope)).first()
    if found is None:
        raise NotFound("Employee", key, field=field)
    return found
