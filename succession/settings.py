"""HR's visibility settings of succession (one row, ``SuccessionSettings`` id 1): whether managers see the plans
below them and whether employees see their own nominations. No row means the defaults, both off; the first
update creates it. Every update is audited (entity ``settings``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hcm.db import SETTINGS_ROW_ID, save_settings_row, settings_row
from hcm.policy import Principal, require_hr
from succession import audit
from succession.models import SuccessionSettings

SETTINGS_ID = SETTINGS_ROW_ID
FIELDS = ("managers_see_plans_below", "employees_see_own_nominations")


def defaults() -> SuccessionSettings:
    """The settings when HR has chosen nothing: a transient row (not added to any session), both off."""
    return SuccessionSettings(id=SETTINGS_ID, managers_see_plans_below=False, employees_see_own_nominations=False,
                              updated_by_user_id=None)


def current(db: Session) -> SuccessionSettings:
    """The settings in force: the row, or ``defaults()`` when there is none (nothing is written)."""
    return settings_row(db, SuccessionSettings, defaults)


def managers_see_plans_below(db: Session) -> bool:
    return bool(current(db).managers_see_plans_below)


def employees_see_own_nominations(db: Session) -> bool:
    return bool(current(db).employees_see_own_nominations)


def update(db: Session, *, principal: Principal, managers_see_plans_below: bool | None = None,
           employees_see_own_nominations: bool | None = None) -> SuccessionSettings:
    """HR changes who else may see plans; a value left None stays as it is. Audited with before and after."""
    require_hr(principal, "change who may see succession plans")
    before = audit.snapshot(current(db), FIELDS)
    given = {"managers_see_plans_below": managers_see_plans_below,
             "employees_see_own_nominations": employees_see_own_nominations}
    row = save_settings_row(db, SuccessionSettings, defaults, user_id=principal.user_id,
                            **{name: value for name, value in given.items() if value is not None})
    audit.record(db, principal=principal, entity="settings", entity_id=SETTINGS_ID, position_id=None,
                 action="update", before=before, after=audit.snapshot(row, FIELDS))
    return row
