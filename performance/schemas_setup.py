"""Shapes of the period set-up: an indicator with its check-in cadence (created and edited), what a copy of a goal
plan did, and what stops a period from moving on."""

from __future__ import annotations

from pydantic import BaseModel, Field

from hcm.fields import Code, Id, Patch, keep_if_left_out
from performance.models import Cadence, Direction, IndicatorClass, IndicatorKind
from performance.schemas import IndicatorIn, IndicatorOut


class IndicatorSetupIn(IndicatorIn):
    """A new indicator with its cadence (how often a check-in is due)."""

    cadence: Cadence = Cadence.MONTHLY


class IndicatorPatch(Patch):
    """A partial edit of an indicator: only the fields sent change; the result is checked like a new one."""

    code: Code = keep_if_left_out()
    name: str = keep_if_left_out(min_length=1, max_length=300)
    kind: IndicatorKind = keep_if_left_out()
    direction: Direction = keep_if_left_out()
    klass: IndicatorClass = keep_if_left_out()
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
    weight: float = keep_if_left_out(gt=0, le=100)
    owner_employee_id: Id | None = None
    formula: str | None = Field(default=None, max_length=32)
    cadence: Cadence = keep_if_left_out()


class IndicatorSetupOut(IndicatorOut):
    cadence: Cadence


class Skipped(BaseModel):
    """A goal of the source plan left out of the copy, or an owner cleared in it, and why."""

    what: str  # "goal" or "indicator"
    code: str  # the goal's code (an indicator: "GOAL/IND")
    reason: str


class CopyResult(BaseModel):
    """What ``setup.copy_plan`` wrote into the target period (no check-ins, results or ratings ever)."""

    source_period_id: int
    target_period_id: int
    goals: int
    links: int
    indicators: int
    skipped: list[Skipped]  # goals left out (an employee goal of someone who has left) and the links to them
    cleared_owners: list[Skipped]  # goals and indicators kept without their owner, who has left


class Blocker(BaseModel):
    """Something that stops a period from moving to its next state, in plain words."""

    rule: str
    message: str
    goal_id: int | None = None
