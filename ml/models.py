"""The models' tables: the registry of trained versions (artifact, card, metrics) and the scores they made.

A version's artifact is a ``skops.io`` file held in the registry row with its SHA-256; nothing loads a model from
anywhere else (``ml.registry.load``). Scores are append-only: each carries the version that made it, and a new
scoring run adds rows rather than rewriting old ones, so a person's risk history is the rows themselves.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hcm.db import Base, utcnow


class ModelVersion(Base):
    __tablename__ = "ml_model_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # flight-risk | readiness
    label: Mapped[str] = mapped_column(String(64), unique=True)  # "flight-risk-3", shown with every score
    candidate: Mapped[str] = mapped_column(String(64))  # the estimator the validation chose
    sklearn_version: Mapped[str] = mapped_column(String(32))
    data_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the training frame (or the CSV file)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    card: Mapped[dict[str, Any]] = mapped_column(JSON)  # the model card: window, features, subgroups, calibration
    artifact: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read only when a model is loaded
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Score(Base):
    __tablename__ = "ml_scores"
    __table_args__ = (Index("ix_ml_scores_employee_as_of", "employee_id", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("ml_model_versions.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id", ondelete="CASCADE"))  # readiness
    as_of: Mapped[date] = mapped_column(Date)
    probability: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(16))
    # the top drivers, stored when the run explained its scores (readiness); empty when the run kept ``inputs``,
    # the model's input row, instead: the drivers are then worked out from it when shown (``ml.drivers``)
    drivers: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    inputs: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class BandOverride(Base):
    """HR's band for a score, with the reason; the score itself is never changed (audited, shown beside it)."""

    __tablename__ = "ml_band_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("ml_scores.id", ondelete="CASCADE"), index=True)
    band: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class MlSettings(Base):
    """HR's choice of who else sees flight risk (one row, id 1; absent = the default: managers do not)."""

    __tablename__ = "ml_settings"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    # a manager sees the flight risk of the people in their reporting subtree (never their own)
    managers_see_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class MlAudit(Base):
    """Every change a person makes to the models' outputs or settings (a band override, the visibility setting):
    who, when, what, before and after. Append-only: written by ``ml.audit.record`` in the same transaction."""

    __tablename__ = "ml_audit"
    __table_args__ = (Index("ix_ml_audit_entity", "entity", "entity_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(32))  # score (a band override), settings
    entity_id: Mapped[int | None] = mapped_column(Integer)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))  # override, update
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
