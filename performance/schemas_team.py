"""Shapes of the read models behind the performance pages (``performance.service.team``): the people a
form offers to choose from, and a goal's page."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from hcm.fields import Timestamp
from performance.schemas import GoalOut, IndicatorOut, PeriodOut


class ManagerChoice(BaseModel):
    """Someone whose post has posts reporting to it: whose team HR may open."""

    employee_id: int
    name: str
    position_title: str


class Colleague(BaseModel):
    """Someone the caller may recognise with points: a name and nothing else."""

    employee_id: int
    name: str


class RosterEntry(BaseModel):
    """Someone HR may calibrate, with their current final performance rating."""

    employee_id: int
    name: str
    position_title: str | None
    rating: float | None


class GoalResultOut(BaseModel):
    """A goal's scores as of the last recompute (``own_score`` from its indicators, ``rollup_score`` from
    the goals supporting it, ``score`` the one that counts)."""

    model_config = ConfigDict(from_attributes=True)
    goal_id: int
    own_score: float | None
    rollup_score: float | None
    score: float | None
    progress: float | None
    at_risk: bool
    computed_at: Timestamp


class LinkedGoal(BaseModel):
    """A goal this one supports, with this goal's weight in it."""

    goal: GoalOut
    weight: float


class SupportingGoal(BaseModel):
    """A goal supporting this one: its weight here and its last computed result."""

    goal: GoalOut
    weight: float
    score: float | None
    progress: float | None
    at_risk: bool


class CheckInLine(BaseModel):
    as_of: date
    actual: float | None
    milestones_done: int | None
    rubric_level: int | None
    comment: str | None
    by: str | None  # who checked in: the author's name (their login's user name when it is no person's)
    at: Timestamp | None = None  # when the check-in was recorded (UTC)


class IndicatorDetail(BaseModel):
    """An indicator with its live score (frozen once the period is closed) and its check-ins, newest first."""

    indicator: IndicatorOut
    actual: float | None
    score: float | None
    progress: float | None
    at_risk: bool
    checkins: list[CheckInLine]
    may_check_in: bool


class GoalDetail(BaseModel):
    goal: GoalOut
    period: PeriodOut
    unit: str
    result: GoalResultOut | None
    checkins_open: bool
    parents: list[LinkedGoal]  # only the ones the caller may see
    children: list[SupportingGoal]  # idem
    indicators: list[IndicatorDetail]
