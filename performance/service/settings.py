"""HR's settings of performance management (one row, ``PerfSettings`` id 1): whether employees see their own
potential rating. No row means the defaults (off); the first update creates it. Performance has no audit
table of its own and the platform none to share, so the row itself records who changed it last and when
(``updated_by_user_id``, ``updated_at``).

The potential rule is enforced here and only here (``hides_potential``): every read that could show a person
their own potential (``ratings.ratings_for``, and through it the overview, the person page and the API;
``reviews.statuses``) asks it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.auth.models import User
from hcm.db import SETTINGS_ROW_ID, save_settings_row, settings_row
from hcm.policy import Principal, require_hr
from performance.models import PerfSettings

SETTINGS_ID = SETTINGS_ROW_ID


@dataclass(frozen=True)
class SettingsView:
    employees_see_potential: bool
    updated_at: datetime | None
    updated_by: str | None  # the user name of whoever changed them last


def defaults() -> PerfSettings:
    """The settings when HR has chosen nothing: a transient row (in no session), potential hidden."""
    return PerfSettings(id=SETTINGS_ID, employees_see_potential=False, updated_by_user_id=None, updated_at=None)


def current(db: Session) -> PerfSettings:
    """The settings in force: the row, or ``defaults()`` when there is none (nothing is written)."""
    return settings_row(db, PerfSettings, defaults)


def view(db: Session) -> SettingsView:
    row = current(db)
    who = db.scalar(select(User.username).where(User.id == row.updated_by_user_id)) \
        if row.updated_by_user_id is not None else None
    return SettingsView(employees_see_potential=bool(row.employees_see_potential),
                        updated_at=row.updated_at if row.updated_by_user_id is not None else None, updated_by=who)


def employees_see_potential(db: Session) -> bool:
    return bool(current(db).employees_see_potential)


def hides_potential(db: Session, principal: Principal, *, employee_id: int) -> bool:
    """The potential rule, the one place it is decided: a person's own potential rating (whatever its source,
    their role included) is hidden from them unless HR turned ``employees_see_potential`` on. Everyone else
    sees potential as the people scope and the rating rules allow."""
    if principal.employee_id is None or principal.employee_id != employee_id:
        return False
    return not employees_see_potential(db)


def update(db: Session, *, principal: Principal, employees_see_potential: bool) -> SettingsView:
    """HR shows (or hides) people their own potential. The row records who changed it and when."""
    require_hr(principal, "change whether employees see their own potential")
    save_settings_row(db, PerfSettings, defaults, user_id=principal.user_id,
                      employees_see_potential=employees_see_potential)
    return view(db)
