"""Total performance management tables: periods, the goal & indicator cascade, check-ins, results,
collaboration between departments, rating events and the points ledger."""

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
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from hcm.db import Base, enum_type, utcnow


class PeriodKind(enum.StrEnum):
    ANNUAL = "annual"
    QUARTER = "quarter"


class PeriodState(enum.StrEnum):
    PLANNING = "planning"
    IN_PROGRESS = "in_progress"
    REVIEW = "review"
    CALIBRATION = "calibration"
    CLOSED = "closed"


PERIOD_FLOW = [PeriodState.PLANNING, PeriodState.IN_PROGRESS, PeriodState.REVIEW, PeriodState.CALIBRATION,
               PeriodState.CLOSED]


class GoalLevel(enum.StrEnum):
    COMPANY = "company"
    DEPARTMENT = "department"
    PROCESS = "process"  # the horizontal path: a business process spanning departments
    POST = "post"
    EMPLOYEE = "employee"


class IndicatorKind(enum.StrEnum):
    QUANTITATIVE = "quantitative"
    MILESTONE = "milestone"
    RUBRIC = "rubric"


class Direction(enum.StrEnum):
    HIGHER = "higher_is_better"
    LOWER = "lower_is_better"
    RANGE = "range"


class IndicatorClass(enum.StrEnum):
    OPERATIONAL = "operational"  # business results, owned by the management / strategy office
    MANAGEMENT = "management"  # how the post is run, owned by HR


class RatingKind(enum.StrEnum):
    PERFORMANCE = "performance"
    COMPETENCY = "competency"
    POTENTIAL = "potential"


class RatingSource(enum.StrEnum):
    SELF = "self"
    MANAGER = "manager"
    PEER = "peer"
    CROSS_DEPARTMENT = "cross_department"
    CALIBRATION = "calibration"
    HR = "hr"


class Cadence(enum.StrEnum):
    """How often an indicator is measured: a check-in is due once per cadence interval, not every day."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    PERIOD_END = "period_end"


class RatingStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"


class Period(Base):
    __tablename__ = "perf_periods"
    __table_args__ = (
        CheckConstraint("end_date > start_date", name="dates_ordered"),
        CheckConstraint("dept_operational_share BETWEEN 0 AND 1", name="dept_share_range"),
        CheckConstraint("post_operational_share BETWEEN 0 AND 1", name="post_share_range"),
        CheckConstraint("collaboration_weight BETWEEN 0 AND 1", name="collab_weight_range"),
        CheckConstraint("competency_weight BETWEEN 0 AND 1", name="competency_weight_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[PeriodKind] = mapped_column(enum_type(PeriodKind, "period_kind"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("perf_periods.id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    state: Mapped[PeriodState] = mapped_column(enum_type(PeriodState, "period_state"), default=PeriodState.PLANNING)
    # The mix of indicator classes per level: departments mainly operational, posts mainly management.
    dept_operational_share: Mapped[float] = mapped_column(Float, default=0.8)
    post_operational_share: Mapped[float] = mapped_column(Float, default=0.3)
    # Process assurance: share of a department's score that comes from collaboration ratings it receives.
    collaboration_weight: Mapped[float] = mapped_column(Float, default=0.1)
    # Individual score = (1 - w) * post indicators + w * competency/behaviour rating (when there is one).
    competency_weight: Mapped[float] = mapped_column(Float, default=0.3)
    # Target share of final ratings 1..5 for calibration, in percent.
    target_distribution: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=lambda: {"1": 5, "2": 15, "3": 60, "4": 15, "5": 5}
    )
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A template period holds a goal plan to start new periods from; it is never scored or advanced.
    is_template: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Goal(Base):
    __tablename__ = "perf_goals"
    __table_args__ = (
        UniqueConstraint("period_id", "code", name="uq_perf_goals_period_code"),
        Index("ix_perf_goals_period_level", "period_id", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("perf_periods.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    level: Mapped[GoalLevel] = mapped_column(enum_type(GoalLevel, "goal_level"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    process_id: Mapped[int | None] = mapped_column(ForeignKey("business_processes.id"), index=True)
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"), index=True)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    owner_employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class GoalLink(Base):
    """A child goal supports a parent goal with a weight (percent). A child may support several parents;
    the weights of all children feeding one parent add to 100."""

    __tablename__ = "perf_goal_links"
    __table_args__ = (
        CheckConstraint("weight > 0 AND weight <= 100", name="weight_range"),
        CheckConstraint("parent_goal_id <> child_goal_id", name="no_self_link"),
    )

    parent_goal_id: Mapped[int] = mapped_column(ForeignKey("perf_goals.id", ondelete="CASCADE"), primary_key=True)
    child_goal_id: Mapped[int] = mapped_column(
        ForeignKey("perf_goals.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    weight: Mapped[float] = mapped_column(Float)


class Indicator(Base):
    __tablename__ = "perf_indicators"
    __table_args__ = (
        UniqueConstraint("goal_id", "code", name="uq_perf_indicators_goal_code"),
        CheckConstraint("weight > 0 AND weight <= 100", name="weight_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("perf_goals.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[IndicatorKind] = mapped_column(enum_type(IndicatorKind, "indicator_kind"))
    direction: Mapped[Direction] = mapped_column(enum_type(Direction, "direction"), default=Direction.HIGHER)
    klass: Mapped[IndicatorClass] = mapped_column(enum_type(IndicatorClass, "indicator_class"))
    unit: Mapped[str | None] = mapped_column(String(32))
    baseline: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    stretch: Mapped[float | None] = mapped_column(Float)
    # Only for direction=range: the band that scores 100, and the tolerances where it reaches the threshold score.
    target_low: Mapped[float | None] = mapped_column(Float)
    target_high: Mapped[float | None] = mapped_column(Float)
    threshold_low: Mapped[float | None] = mapped_column(Float)
    threshold_high: Mapped[float | None] = mapped_column(Float)
    milestones_total: Mapped[int | None] = mapped_column(Integer)
    weight: Mapped[float] = mapped_column(Float)
    owner_employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    formula: Mapped[str] = mapped_column(String(32))
    formula_version: Mapped[int] = mapped_column(Integer, default=1)
    cadence: Mapped[Cadence] = mapped_column(enum_type(Cadence, "cadence"), default=Cadence.MONTHLY,
                                             server_default=Cadence.MONTHLY.value)


class CheckIn(Base):
    """An actual value reported during the period. The latest one (by as_of, then id) is the current actual."""

    __tablename__ = "perf_checkins"
    __table_args__ = (Index("ix_perf_checkins_indicator_asof", "indicator_id", "as_of", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("perf_indicators.id", ondelete="CASCADE"))
    as_of: Mapped[date] = mapped_column(Date)
    actual: Mapped[float | None] = mapped_column(Float)
    milestones_done: Mapped[int | None] = mapped_column(Integer)
    rubric_level: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# The three result tables are derived data, written set-wise by performance.service.rollup: goal results
# on every recompute (delete the period's rows, insert them again), indicator and unit results once, when
# the period closes (open periods compute them on read). They carry no foreign keys on purpose: the per-row
# FK triggers were half of a company-wide recompute on PostgreSQL, and a result can never outlive its
# period's next recompute (goals and indicators of a closed period cannot be deleted).


class IndicatorResult(Base):
    """An indicator's score frozen when its period closed. Open periods compute indicator scores live
    (performance.service.rollup.indicator_scores), so a recompute does not rewrite every indicator."""

    __tablename__ = "perf_indicator_results"

    indicator_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    period_id: Mapped[int] = mapped_column(Integer, index=True)
    actual: Mapped[float | None] = mapped_column(Float)
    progress: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    at_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    formula: Mapped[str] = mapped_column(String(32))
    formula_version: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class GoalResult(Base):
    """``own_score`` from the goal's indicators, ``rollup_score`` from its supporting goals (link-weighted),
    ``score`` the one that counts (see performance.service.rollup)."""

    __tablename__ = "perf_goal_results"

    goal_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    period_id: Mapped[int] = mapped_column(Integer, index=True)
    level: Mapped[str] = mapped_column(String(16))
    own_score: Mapped[float | None] = mapped_column(Float)
    rollup_score: Mapped[float | None] = mapped_column(Float)
    own_progress: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    operational_score: Mapped[float | None] = mapped_column(Float)
    management_score: Mapped[float | None] = mapped_column(Float)
    # Indicator weight behind each class score: units (posts, departments) average goals with these.
    operational_weight: Mapped[float | None] = mapped_column(Float)
    management_weight: Mapped[float | None] = mapped_column(Float)
    progress: Mapped[float | None] = mapped_column(Float)
    at_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class UnitResult(Base):
    """Scores per company, department, process, post and employee of a *closed* period, written when it
    closed. An open period's are computed on read from its goal results (performance.service.units)."""

    __tablename__ = "perf_unit_results"

    # The natural key is the primary key: one index to maintain on a company-wide rewrite, no sequence.
    period_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    unit_type: Mapped[str] = mapped_column(String(16), primary_key=True)  # department|process|post|employee|company
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    operational_score: Mapped[float | None] = mapped_column(Float)
    management_score: Mapped[float | None] = mapped_column(Float)
    collaboration_score: Mapped[float | None] = mapped_column(Float)
    competency_score: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ServiceItem(Base):
    """An agreed service one department provides to another (what collaboration is rated against)."""

    __tablename__ = "perf_service_items"
    __table_args__ = (CheckConstraint("provider_department_id <> consumer_department_id", name="two_departments"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    consumer_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    process_id: Mapped[int | None] = mapped_column(ForeignKey("business_processes.id"))


class CollaborationRating(Base):
    __tablename__ = "perf_collaboration_ratings"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        UniqueConstraint("period_id", "service_item_id", "rater_user_id", name="uq_perf_collab_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("perf_periods.id", ondelete="CASCADE"), index=True)
    service_item_id: Mapped[int] = mapped_column(ForeignKey("perf_service_items.id", ondelete="CASCADE"))
    rater_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RatingEvent(Base):
    """Every rating is a dated event with provenance; the final rating of a period is the latest approved
    event. Calibration adjustments are new events with a reason, never edits."""

    __tablename__ = "perf_rating_events"
    __table_args__ = (
        CheckConstraint("value >= 1 AND value <= scale_max", name="value_on_scale"),
        Index("ix_perf_rating_events_lookup", "period_id", "employee_id", "kind", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("perf_periods.id", ondelete="CASCADE"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    kind: Mapped[RatingKind] = mapped_column(enum_type(RatingKind, "rating_kind"))
    source: Mapped[RatingSource] = mapped_column(enum_type(RatingSource, "rating_source"))
    value: Mapped[float] = mapped_column(Float)
    scale_max: Mapped[int] = mapped_column(Integer, default=5)
    rater_employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    rater_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[RatingStatus] = mapped_column(enum_type(RatingStatus, "rating_status"), default=RatingStatus.SUBMITTED)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PointsRule(Base):
    __tablename__ = "perf_points_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PointsEntry(Base):
    """Append-only. A correction is a new compensating entry pointing at the one it corrects."""

    __tablename__ = "perf_points_ledger"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_nonzero"),
        Index("ix_perf_points_ledger_period_employee", "period_id", "employee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("perf_periods.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("perf_points_rules.id"))
    amount: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    corrects_entry_id: Mapped[int | None] = mapped_column(ForeignKey("perf_points_ledger.id"))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PerfSettings(Base):
    """HR's settings of performance management (one row, id 1; absent = the defaults)."""

    __tablename__ = "perf_settings"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    # an employee sees their own potential rating (and 9-box potential axis) only when HR turns this on
    employees_see_potential: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
