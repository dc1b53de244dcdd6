"""HR's visibility setting of flight risk (one row, ``MlSettings`` id 1): whether managers see the risk of the
people below them. No row means the default, off; the first update creates it. Every update is audited (entity
``settings``, with before and after)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hcm.db import SETTINGS_ROW_ID, save_settings_row, settings_row
from hcm.policy import Principal, require_hr
from ml import audit
from ml.models import MlSettings

SETTINGS_ID = SETTINGS_ROW_ID
FIELDS = ("managers_see_risk",)


def defaults() -> MlSettings:
    """The settings when HR has chosen nothing: a transient row (in no session), managers see no risk."""
    return MlSettings(id=SETTINGS_ID, managers_see_risk=False, updated_by_user_id=None, updated_at=None)


def current(db: Session) -> MlSettings:
    """The settings in force: the row, or ``defaults()`` when there is none (nothing is written)."""
    return settings_row(db, MlSettings, defaults)


def managers_see_risk(db: Session) -> bool:
    return bool(current(db).managers_see_risk)


def update(db: Session, *, principal: Principal, managers_see_risk: bool) -> MlSettings:
    """HR opens (or closes) flight risk to managers, for their reporting subtree. Audited with before and after."""
    require_hr(principal, "change who may see flight risk")
    before = {f: bool(getattr(current(db), f)) for f in FIELDS}
    row = save_settings_row(db, MlSettings, defaults, user_id=principal.user_id, managers_see_risk=managers_see_risk)
    audit.record(db, principal=principal, entity="settings", entity_id=SETTINGS_ID, action="update", before=before,
                 after={f: bool(getattr(row, f)) for f in FIELDS})
    return row
