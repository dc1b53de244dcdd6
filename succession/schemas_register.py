"""API shapes of the key-post register, talent pools, bench strength and representation (docs/succession.md)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from hcm.fields import Code, Id, In, Int, LongText, Patch, Timestamp, keep_if_left_out
from performance.models import PeriodKind
from succession.models import Readiness

Reason = str  # free text, required: the services refuse a blank one naming the field

# --- the key-post register -------------------------------------------------------------------------
FactorKey = Literal["level", "span", "goals", "scarcity", "time_to_fill", "flight_risk", "retirement", "time_in_post"]
FactorGroup = Literal["impact", "difficulty", "vacancy_risk"]


class Factor(BaseModel):
    """One factor of a post's criticality: its normalised value (0..1; None when it is not known, and then left
    out of the score, the other weights scaled up) and the measure behind it, so HR sees why."""

    key: FactorKey
    group: FactorGroup
    weight: float  # the documented weight (succession.service.register.WEIGHTS)
    value: float | None
    raw: float | None  # grade level, people, share of the company goals, mean holders, days, years
    note: str


class Criticality(BaseModel):
    score: float | None  # 0..100: the weighted mean of the known factors
    impact: float | None  # the group's weighted mean, 0..1
    difficulty: float | None
    vacancy_risk: float | None
    factors: list[Factor]


class RegisterRow(BaseModel):
    position_id: int
    code: str
    title: str
    department_id: int
    department_name: str
    grade_level: int | None
    is_key: bool
    vacant: bool
    holder_id: int | None
    holder_name: str | None
    criticality: Criticality
    decided_at: Timestamp | None  # the latest register decision about the post, if any


class SkillScarcity(BaseModel):
    skill_id: int
    code: str
    name: str
    required_level: int
    importance: str
    others: int  # active people other than the holder with the skill at the required level or above
    scarcity: float  # 1 / (1 + others)


class DecisionIn(In):
    is_key: bool  # true: set (or confirm) the post as key; false: withdraw it
    reason: Reason = Field(max_length=2000)


class DecisionOut(BaseModel):
    id: int
    position_id: int
    is_key: bool
    action: Literal["set", "confirm", "withdraw"]
    reason: str
    criticality: dict[str, Any] | None  # the register's view when HR decided
    decided_by_user_id: int | None
    decided_by: str | None
    decided_at: Timestamp


class RegisterDetail(RegisterRow):
    skills: list[SkillScarcity]
    decisions: list[DecisionOut]  # newest first


RegisterSort = Literal["criticality", "code", "title", "level", "span", "department"]


# --- talent pools ----------------------------------------------------------------------------------
class PerformanceCriterion(In):
    """Performance over the last ``periods`` closed periods of ``kind``: the mean of the final performance
    ratings (``min_rating``, 1..5) and/or of the final scores (``min_score``, 100 = on target); with ``each``,
    every one of those periods must be rated (scored) and meet the bar on its own."""

    periods: int = Field(default=1, ge=1, le=10)
    kind: PeriodKind = PeriodKind.ANNUAL
    min_rating: float | None = Field(default=None, ge=1, le=5)
    min_score: float | None = Field(default=None, ge=0, le=1000)
    each: bool = False


class PotentialCriterion(In):
    """The final potential rating of the latest closed period of ``kind``, banded like the 9-box."""

    min_band: Literal["medium", "high"]
    kind: PeriodKind = PeriodKind.ANNUAL


class SkillCriterion(In):
    skill_id: Id
    min_level: int = Field(ge=1, le=5)


class GradeRange(In):
    min_level: Int | None = None
    max_level: Int | None = None


class PoolCriteria(In):
    """Entry criteria; every one given must be met (none given: members are HR's picks alone)."""

    performance: PerformanceCriterion | None = None
    potential: PotentialCriterion | None = None
    skills: list[SkillCriterion] = Field(default_factory=list, max_length=20)
    grade_levels: GradeRange | None = None
    department_id: Id | None = None  # the department and everything below it


class PoolIn(In):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    description: LongText | None = None
    criteria: PoolCriteria = Field(default_factory=PoolCriteria)


class PoolPatch(Patch):
    name: str = keep_if_left_out(min_length=1, max_length=200)
    description: LongText | None = None
    criteria: PoolCriteria = keep_if_left_out()


class PoolOut(BaseModel):
    id: int
    code: str
    name: str
    description: str | None
    criteria: PoolCriteria
    members: int
    created_at: Timestamp
    updated_at: Timestamp


class PoolDetail(PoolOut):
    flagged: int  # members who no longer meet the criteria (or have left)
    eligible: int  # people who meet the criteria and are not in the pool
    periods_used: list[str]  # the closed periods the performance criterion reads, newest first


class MemberIn(In):
    employee_id: Id
    reason: Reason = Field(max_length=2000)


class MemberRemoveIn(In):
    reason: Reason = Field(max_length=2000)


class CriteriaCheck(BaseModel):
    """A person against a pool's criteria: the measures and which criteria fail (field names as in the
    criteria: performance, potential, skills[0], grade_levels, department_id; status when they have left)."""

    performance_rating: float | None = None  # mean of the final ratings over the periods used
    performance_score: float | None = None
    rated_periods: int = 0
    potential_band: str | None = None
    skill_levels: dict[str, int | None] = Field(default_factory=dict)  # skill code -> effective level
    grade_level: int | None = None
    meets: bool | None = None  # None: the pool has no criteria
    failing: list[str] = Field(default_factory=list)


class MemberOut(BaseModel):
    id: int
    pool_id: int
    employee_id: int
    name: str
    position_title: str | None
    department_name: str | None
    active: bool  # false: the person has left
    reason: str
    added_by_user_id: int | None
    added_at: Timestamp
    removed_at: Timestamp | None
    removal_reason: str | None
    check: CriteriaCheck | None = None  # on the current members


class EligibleOut(BaseModel):
    employee_id: int
    name: str
    position_id: int | None
    position_title: str | None
    department_name: str | None
    check: CriteriaCheck


# --- bench strength --------------------------------------------------------------------------------
class Successor(BaseModel):
    employee_id: int
    name: str
    readiness: Readiness
    rank: int
    position_title: str | None


class KeyPostBench(BaseModel):
    position_id: int
    code: str
    title: str
    department_id: int
    department_name: str
    holder_id: int | None
    holder_name: str | None
    vacant: bool
    ready_now: int
    ready_1_2: int
    ready_3_plus: int
    successors: int
    covered: bool  # at least one ready-now successor
    two_plus: bool  # two successors or more
    slate: list[Successor] = Field(default_factory=list)  # on the one-post answer


class BenchFigures(BaseModel):
    key_posts: int
    covered: int
    covered_share: float | None  # share of key posts with a ready-now successor
    two_plus: int
    two_plus_share: float | None  # share with two successors or more
    uncovered: int
    single_points: int  # people who are the only ready-now successor of two key posts or more


class DepartmentBench(BaseModel):
    department_id: int
    code: str
    name: str
    figures: BenchFigures


class PostRef(BaseModel):
    position_id: int
    code: str
    title: str


class SlatePerson(BaseModel):
    employee_id: int
    name: str
    position_title: str | None
    slates: int
    ready_now: int
    posts: list[PostRef]


class BenchOut(BaseModel):
    department_id: int | None
    figures: BenchFigures
    departments: list[DepartmentBench]  # each department directly below (the company's divisions at the top)
    min_slates: int
    many_slates: list[SlatePerson]  # people on at least min_slates key posts' slates
    single_points: list[SlatePerson]  # the only ready-now successor of two key posts or more (those posts)


class TrendPoint(BaseModel):
    as_of: date  # figures at the end of this day
    label: str  # the period's code, or the month (2026-03)
    figures: BenchFigures


class TrendOut(BaseModel):
    basis: Literal["months", "periods"]
    department_id: int | None
    points: list[TrendPoint]  # oldest first


# --- representation (HR only) ----------------------------------------------------------------------
class GroupFigures(BaseModel):
    group: str
    count: int  # people of the group in the population (nominees, pool members)
    share: float | None  # of the population
    eligible: int  # people of the group in the eligible population
    eligible_share: float | None
    selected: int  # of those eligible, how many are in the population
    selection_rate: float | None  # selected / eligible
    impact_ratio: float | None  # selection rate / the highest group's
    flagged: bool  # impact ratio below the four-fifths threshold
    small: bool  # fewer than SMALL_GROUP eligible: the ratio moves a lot with one person


class PopulationFigures(BaseModel):
    population: str  # nominees, pool_members, pool:<code>
    total: int
    outside_eligible: int  # in the population but not in the eligible population (counted in shares, not rates)
    gender: list[GroupFigures]
    age_band: list[GroupFigures]


class RepresentationOut(BaseModel):
    as_of: date
    eligible_min_level: int | None  # grade level from which people are eligible (None: every active holder)
    eligible_total: int
    threshold: float
    populations: list[PopulationFigures]
