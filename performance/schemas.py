"""API shapes of performance management."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hcm.fields import Code, Day, Id, In, Int, LongText, Patch, Timestamp, keep_if_left_out
from performance.models import (
    Cadence,
    Direction,
    GoalLevel,
    IndicatorClass,
    IndicatorKind,
    PeriodKind,
    PeriodState,
    RatingKind,
    RatingSource,
    RatingStatus,
)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PeriodIn(In):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    kind: PeriodKind
    start_date: Day
    end_date: Day
    parent_id: Id | None = None
    dept_operational_share: float = Field(default=0.8, ge=0, le=1)
    post_operational_share: float = Field(default=0.3, ge=0, le=1)
    collaboration_weight: float = Field(default=0.1, ge=0, le=1)
    competency_weight: float = Field(default=0.3, ge=0, le=1)
    target_distribution: dict[str, float] | None = None


class PeriodOut(_Out):
    id: int
    code: str
    name: str
    kind: PeriodKind
    start_date: date
    end_date: date
    parent_id: int | None
    state: PeriodState
    dept_operational_share: float
    post_operational_share: float
    collaboration_weight: float
    competency_weight: float
    target_distribution: dict[str, float]
    closed_at: Timestamp | None


class AdvanceIn(In):
    to: PeriodState


class GoalIn(In):
    code: Code
    title: str = Field(min_length=1, max_length=300)
    description: LongText | None = None
    level: GoalLevel
    department_id: Id | None = None
    process_id: Id | None = None
    position_id: Id | None = None
    employee_id: Id | None = None
    owner_employee_id: Id | None = None


class GoalPatch(Patch):
    title: str = keep_if_left_out(min_length=1, max_length=300)
    description: LongText | None = None
    owner_employee_id: Id | None = None


class GoalOut(_Out):
    id: int
    period_id: int
    code: str
    title: str
    description: str | None
    level: GoalLevel
    department_id: int | None
    process_id: int | None
    position_id: int | None
    employee_id: int | None
    owner_employee_id: int | None


class LinkIn(In):
    child_goal_id: Id
    weight: float = Field(gt=0, le=100)


class ChildrenIn(In):
    """The complete set of goals supporting one parent; their weights must add to 100."""

    children: list[LinkIn]


class GoalLinkOut(_Out):
    """One goal supporting a parent, with its weight in the parent (percent)."""

    child_goal_id: int
    weight: float


class PlanProblem(BaseModel):
    """A weight rule the plan of a period breaks; the period cannot start while there is one."""

    goal_id: int
    goal: str  # the goal's code
    rule: str
    total: float  # what the weights add to instead of 100


class CascadeGoal(BaseModel):
    """A goal as the cascade shows it (the API's tree, ``CascadeNode``; the page's rows,
    ``schemas_cascade.CascadeRow``)."""

    id: int
    code: str
    title: str
    level: GoalLevel
    unit: str | None  # the department, process, post or person the goal belongs to; "Company" at the top
    weight: float | None  # in the goal above; None for a root
    indicators: int
    score: float | None
    progress: float | None  # the share of the goal's target reached, 1.0 = on target
    at_risk: bool


class CascadeNode(CascadeGoal):
    """A goal in the cascade with the goals supporting it. A goal supporting two parents is under both."""

    children: list[CascadeNode]


class RecomputeOut(BaseModel):
    goals: int  # goal results written, one per goal of the period


class IndicatorIn(In):
    code: Code
    name: str = Field(min_length=1, max_length=300)
    kind: IndicatorKind
    direction: Direction = Direction.HIGHER
    klass: IndicatorClass
    unit: str | None = Field(default=None, max_length=32)
    baseline: float | None = None
    threshold: float | None = None
    target: float | None = None
    stretch: float | None = None
    target_low: float | None = None
    target_high: float | None = None
    threshold_low: float | None = None
    threshold_high: float | None = None
    milestones_total: int | None = Field(default=None, ge=1, le=1000)
    weight: float = Field(gt=0, le=100)
    owner_employee_id: Id | None = None
    formula: str | None = Field(default=None, max_length=32)  # default from kind/direction: linear, range, milestone, rubric
    cadence: Cadence = Cadence.MONTHLY  # how often it is checked in (performance.service.cadence)

    @model_validator(mode="after")
    def _shape(self) -> IndicatorIn:
        if self.kind is IndicatorKind.MILESTONE and not self.milestones_total:
            raise ValueError("a milestone indicator needs milestones_total")
        if self.kind is IndicatorKind.QUANTITATIVE:
            if self.direction is Direction.RANGE:
                missing = [f for f in ("target_low", "target_high", "threshold_low", "threshold_high")
                           if getattr(self, f) is None]
            else:
                missing = [f for f in ("threshold", "target") if getattr(self, f) is None]
            if missing:
                raise ValueError(f"a quantitative indicator needs {', '.join(missing)}")
        return self


class IndicatorOut(_Out):
    id: int
    goal_id: int
    code: str
    name: str
    kind: IndicatorKind
    direction: Direction
    klass: IndicatorClass
    unit: str | None
    baseline: float | None
    threshold: float | None
    target: float | None
    stretch: float | None
    target_low: float | None
    target_high: float | None
    threshold_low: float | None
    threshold_high: float | None
    milestones_total: int | None
    weight: float
    owner_employee_id: int | None
    formula: str
    formula_version: int
    cadence: Cadence


class CheckInIn(In):
    as_of: Day
    actual: float | None = None
    milestones_done: Int | None = Field(default=None, ge=0)
    rubric_level: int | None = Field(default=None, ge=1, le=5)
    comment: str | None = Field(default=None, max_length=4000)


class CheckInOut(_Out):
    id: int
    indicator_id: int
    as_of: date
    actual: float | None
    milestones_done: int | None
    rubric_level: int | None
    comment: str | None
    author_user_id: int | None
    created_at: Timestamp


class UnitScoreOut(BaseModel):
    """A unit's scores for a period: live from the goal results while it is open, as closed otherwise."""

    unit_type: str
    unit_id: int
    name: str
    operational_score: float | None
    management_score: float | None
    collaboration_score: float | None
    competency_score: float | None
    score: float | None


class RatingIn(In):
    employee_id: Id
    kind: RatingKind
    source: RatingSource
    value: float
    scale_max: int = Field(default=5, ge=2, le=10)
    reason: str | None = Field(default=None, max_length=2000)


class RatingOut(_Out):
    id: int
    period_id: int
    employee_id: int
    kind: RatingKind
    source: RatingSource
    value: float
    scale_max: int
    rater_employee_id: int | None
    reason: str | None
    status: RatingStatus
    created_at: Timestamp
