"""Who sees what of the models: the permissions, the roles that hold them, and the named row check of flight risk.

- HR directors (hr_admin) see every person's flight risk, the model cards, and override a band with a reason;
  they decide whether managers see risk (``ml.settings``).
- Executives see the flight risk of the people in their people scope (``hcm.policy.employee_filter``: the holders
  of key posts) and the model cards; they change nothing.
- A manager sees the flight risk of the people in their reporting subtree only when HR allows it
  (``MlSettings.managers_see_risk``, default off); otherwise, and outside that subtree, a person's risk is a 404
  exactly like a person who does not exist.
- An employee never sees a risk score, their own included: the risk routes are not theirs (403), and nobody sees
  their own score whatever their role (the row check leaves the caller out).

Routes declare the permission with ``hcm.policy.allow``; the services ask ``risk_filter`` / ``visible_at_risk``,
so the row rule is written once.
"""

from __future__ import annotations

import enum

from sqlalchemy import and_, false, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hcm.auth.models import Role
from hcm.db import get_or_404
from hcm.org.models import Employee
from hcm.policy import Principal, employee_filter, is_executive, is_hr, is_manager, subtree_position_ids
from ml import settings


class MlPermission(enum.StrEnum):
    RISK_READ = "ml.risk.read"  # people's flight risk and its history (managers: row-checked, see above)
    CARD_READ = "ml.card.read"  # the model versions and their cards (metrics, calibration, subgroups)
    OVERRIDE = "ml.risk.override"  # HR's band for a score, with a reason
    SETTINGS = "ml.settings"  # whether managers see risk


_HR = frozenset({Role.HR_ADMIN})
GRANTS: dict[MlPermission, frozenset[Role]] = {
    MlPermission.RISK_READ: frozenset({Role.HR_ADMIN, Role.EXECUTIVE, Role.MANAGER}),
    MlPermission.CARD_READ: frozenset({Role.HR_ADMIN, Role.EXECUTIVE}),
    MlPermission.OVERRIDE: _HR,
    MlPermission.SETTINGS: _HR,
}


def risk_open(db: Session, principal: Principal) -> bool:
    """Whether the caller sees anyone's flight risk at all (a manager: only once HR allows it)."""
    if is_hr(principal) or is_executive(principal):
        return True
    return is_manager(principal) and principal.position_id is not None and settings.managers_see_risk(db)


def risk_filter(db: Session, principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause over ``Employee``: the people whose flight risk the caller may see. HR: everyone;
    executives: their people scope (the holders of key posts); a manager: their reporting subtree, when HR allows
    it; anyone else: nobody. Never the caller themselves."""
    not_me = Employee.id != principal.employee_id if principal.employee_id is not None else true()
    if is_hr(principal):
        return not_me
    if is_executive(principal):
        return and_(employee_filter(principal), not_me)
    if risk_open(db, principal):
        assert principal.position_id is not None  # risk_open needs the manager's post
        return and_(Employee.position_id.in_(subtree_position_ids(principal.position_id)), not_me)
    return false()


def visible_at_risk(db: Session, principal: Principal, employee_id: int, *, field: str = "employee_id") -> Employee:
    """The person a request names, for their flight risk: outside ``risk_filter`` is the very 404 of nobody."""
    return get_or_404(db, Employee, employee_id, entity="Employee", field=field, visible=risk_filter(db, principal))


def may_override(principal: Principal) -> bool:
    """Overriding a band is HR's (with a reason, audited)."""
    return is_hr(principal)
