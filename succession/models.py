"""Succession tables: the key-post register's decisions, succession plans with their ranked slates, readiness
history, development actions, talent pools, the audit of every change and HR's visibility settings.

Current state lives on the rows (``Nomination.readiness``, ``Position.is_key``); how it got there lives in
append-only history (``ReadinessChange``, ``KeyPostDecision``, ``SuccessionAudit``), which nothing rewrites.
A nomination or pool membership that ends is closed (``removed_at``), never deleted, so the history keeps it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hcm.db import Base, enum_type, utcnow


class Readiness(enum.StrEnum):
    READY_NOW = "ready_now"
    READY_1_2 = "ready_1_2"  # ready in one to two years
    READY_3_PLUS = "ready_3_plus"  # ready in three years or more


READINESS_ORDER = (Readiness.READY_NOW, Readiness.READY_1_2, Readiness.READY_3_PLUS)


class GapKind(enum.StrEnum):
    SKILL = "skill"  # a required skill below the required level
    EXPERIENCE = "experience"  # a role or career step not yet held
    PERFORMANCE = "performance"  # performance below the post's bar
    OTHER = "other"


class ActionStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class KeyPostDecision(Base):
    """HR setting or confirming (or withdrawing) a post as key, with the reason: the register's history.
    ``Position.is_key`` is the current flag; it is changed only together with a decision."""

    __tablename__ = "succ_key_post_decisions"
    __table_args__ = (Index("ix_succ_key_post_decisions_position", "position_id", "decided_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id", ondelete="CASCADE"))
    is_key: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    # the criticality the register showed when HR decided (its factors, for the record)
    criticality: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SuccessionPlan(Base):
    """One plan per key post: its slate (``Nomination``) and its emergency (interim) successor.

    The emergency successor is either on the slate, or someone off the slate whom HR confirmed for the interim
    (``emergency_confirmed_*``); anyone else is refused."""

    __tablename__ = "succ_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id", ondelete="CASCADE"), unique=True)
    notes: Mapped[str | None] = mapped_column(Text)
    emergency_employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    emergency_confirmed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    emergency_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Nomination(Base):
    """A successor on a plan's slate: rank (1 = first choice) and current readiness. Removing someone closes
    the row (``removed_at``); a person may be on a slate once at a time."""

    __tablename__ = "succ_nominations"
    __table_args__ = (
        CheckConstraint("rank >= 1", name="rank_positive"),
        Index("uq_succ_nominations_active", "plan_id", "employee_id", unique=True,
              sqlite_where=text("removed_at IS NULL"), postgresql_where=text("removed_at IS NULL")),
        Index("ix_succ_nominations_employee", "employee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("succ_plans.id", ondelete="CASCADE"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)
    readiness: Mapped[Readiness] = mapped_column(enum_type(Readiness, "succ_readiness"))
    reason: Mapped[str | None] = mapped_column(Text)  # why this person is on the slate
    nominated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    nominated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime)
    removed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    removal_reason: Mapped[str | None] = mapped_column(Text)


class ReadinessChange(Base):
    """A dated readiness event of a nomination (the first one: ``before`` NULL, at nomination). Append-only."""

    __tablename__ = "succ_readiness_changes"
    __table_args__ = (Index("ix_succ_readiness_changes_nomination", "nomination_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("succ_nominations.id", ondelete="CASCADE"))
    before: Mapped[Readiness | None] = mapped_column(enum_type(Readiness, "succ_readiness_before"))
    after: Mapped[Readiness] = mapped_column(enum_type(Readiness, "succ_readiness_after"))
    reason: Mapped[str] = mapped_column(Text)
    changed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DevelopmentAction(Base):
    """What a successor does to close a gap on the way to ready-now: owner, due date, status. ``gap_kind`` and
    ``skill_id``/``target_level`` say which gap it answers (an action made from a "what it takes" gap)."""

    __tablename__ = "succ_development_actions"
    __table_args__ = (
        CheckConstraint("target_level IS NULL OR (target_level BETWEEN 1 AND 5)", name="target_level_range"),
        Index("ix_succ_development_actions_nomination", "nomination_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("succ_nominations.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    gap_kind: Mapped[GapKind] = mapped_column(enum_type(GapKind, "succ_gap_kind"))
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skills.id", ondelete="SET NULL"))
    target_level: Mapped[int | None] = mapped_column(Integer)
    target_role: Mapped[str | None] = mapped_column(String(140))  # an experience gap: the role key to hold
    owner_employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(enum_type(ActionStatus, "succ_action_status"),
                                                 default=ActionStatus.PLANNED)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)


class TalentPool(Base):
    """A named talent reserve (e.g. future department heads) with its entry criteria (``criteria``: see
    ``succession.pools``; validated there, stored as given)."""

    __tablename__ = "succ_pools"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class PoolMember(Base):
    """A person in a pool with the reason they entered; leaving closes the row."""

    __tablename__ = "succ_pool_members"
    __table_args__ = (
        Index("uq_succ_pool_members_active", "pool_id", "employee_id", unique=True,
              sqlite_where=text("removed_at IS NULL"), postgresql_where=text("removed_at IS NULL")),
        Index("ix_succ_pool_members_employee", "employee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("succ_pools.id", ondelete="CASCADE"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    added_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime)
    removed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    removal_reason: Mapped[str | None] = mapped_column(Text)


class SuccessionAudit(Base):
    """Every change to the register, a plan, a slate, an action or a pool: who, when, what, before and after.
    Append-only: written by ``succession.audit.record`` in the same transaction as the change."""

    __tablename__ = "succ_audit"
    __table_args__ = (
        Index("ix_succ_audit_entity", "entity", "entity_id", "at"),
        Index("ix_succ_audit_position", "position_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(32))  # key_post, plan, nomination, action, pool, pool_member, settings
    entity_id: Mapped[int | None] = mapped_column(Integer)
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))  # create, update, remove, ...
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SuccessionSettings(Base):
    """HR's choices of who else may see plans (one row, id 1; absent = the defaults, both off)."""

    __tablename__ = "succ_settings"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    # a manager sees the plans of the key posts in their reporting subtree
    managers_see_plans_below: Mapped[bool] = mapped_column(Boolean, default=False)
    # an employee sees the slates they stand on (their own nomination and readiness, nobody else's)
    employees_see_own_nominations: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
