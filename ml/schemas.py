"""API shapes of the models: people's flight risk with its drivers and HR's overrides, the model versions and
their cards, and HR's visibility setting. People are named by their ids and external ids, as the org API does."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from hcm.fields import In, LongText, Timestamp

BandName = Literal["low", "medium", "high"]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DriverOut(_Out):
    feature: str
    text: str  # in plain words: "pay is in the lowest quarter of the band: raises risk"
    direction: str  # raises | lowers
    contribution: float


class OverrideOut(_Out):
    id: int
    score_id: int
    band: str
    reason: str
    by: str | None  # the user who overrode
    at: Timestamp


class PersonRef(_Out):
    id: int
    external_id: str
    name: str
    department: str | None
    post: str | None


class RiskRow(_Out):
    score_id: int
    employee: PersonRef
    as_of: date
    version: str  # the model version's label
    probability: float
    band: str  # the model's band
    override: OverrideOut | None  # HR's band in force, shown beside the model's
    band_shown: str  # the override's band, else the model's
    drivers: list[DriverOut]
    facets: dict[str, str]  # e.g. {"nine_box": "high-high", "key_post": "yes"}


class VersionRef(_Out):
    id: int
    label: str
    candidate: str
    created_at: Timestamp


class RiskPage(_Out):
    items: list[RiskRow]
    total: int
    page: int
    page_size: int
    version: VersionRef | None  # the active flight-risk version (None: nothing is trained yet)


class ScoreOut(_Out):
    score_id: int
    as_of: date
    version: str
    version_id: int
    probability: float
    band: str
    band_shown: str
    drivers: list[DriverOut]
    overrides: list[OverrideOut]  # oldest first; the last is in force


class PersonRisk(_Out):
    employee: PersonRef
    scores: list[ScoreOut]  # oldest first


class VersionOut(_Out):
    id: int
    label: str
    kind: str
    candidate: str
    sklearn_version: str
    active: bool
    created_at: Timestamp
    metrics: dict[str, Any]


class CardOut(VersionOut):
    data_hash: str
    artifact_sha256: str
    card: dict[str, Any]


class OverrideIn(In):
    band: BandName
    reason: LongText  # required: say why (a blank reason is refused)


class SettingsOut(_Out):
    managers_see_risk: bool
    updated_by_user_id: int | None
    updated_at: Timestamp | None


class SettingsIn(In):
    managers_see_risk: bool
