"""The typed answers of the graph queries: frozen pydantic models, the API's response models as they are."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class PersonRef(Result):
    key: str  # the employee's external id
    name: str | None


class PositionRef(Result):
    key: str  # the position code
    title: str | None


class RoleRef(Result):
    key: str  # "<family code>/<grade code>"
    family: str | None
    grade: str | None
    level: int | None  # the grade's level


class SkillGap(Result):
    """One requirement against one person's effective proficiency (docs/graph.md "Proficiency-aware match")."""

    skill: str
    name: str | None
    need: int  # the level required
    importance: str  # low, medium, high
    have: int | None  # the person's effective level; None: no level from any source
    gap: int  # max(0, need - have) levels (have None counts as 0)
    met: float  # min(have, need) / need


# --- succession ------------------------------------------------------------------------------------
class Successor(Result):
    employee: str
    name: str | None
    status: str | None  # active / exited: a slate may still name someone who has left
    readiness: str | None  # ready_now, ready_1_2, ready_3_plus, emergency
    rank: int | None
    position: PositionRef | None  # what they hold now
    role: str | None  # the role of that position
    perf_score: float | None
    final_rating: float | None
    potential: float | None


class SuccessorSlate(Result):
    position: PositionRef
    is_key: bool
    active: bool
    holder: PersonRef | None  # None: the post is vacant
    successors: list[Successor]  # by rank, then employee key


class BenchStrength(Result):
    """One active key position: who holds it and its bench of active successors, counted per readiness."""

    position: PositionRef
    department: str | None
    holder: PersonRef | None
    vacant: bool
    ready_now: int
    ready_1_2: int
    ready_3_plus: int
    emergency: int
    successors: int  # every active successor, whatever the readiness
    covered: bool  # ready_now >= 1


class SinglePointOfFailure(Result):
    """Someone who is the only ready-now successor of several key posts."""

    employee: PersonRef
    position: PositionRef | None  # what they hold now
    posts: list[PositionRef]  # the key posts only they cover, by key


class ChainMove(Result):
    employee: PersonRef
    readiness: str | None
    rank: int | None
    from_position: PositionRef | None  # the post they leave (which opens next); None: they held none


class VacancyStep(Result):
    step: int  # 1 = the leaver's own post
    position: PositionRef  # the post that opens
    is_key: bool
    filled_by: ChainMove | None  # None: no available successor, the post stays open


class VacancyChain(Result):
    employee: PersonRef
    depth: int
    steps: list[VacancyStep]
    open_position: PositionRef | None  # what stays open at the end (an uncovered post, or the last mover's)


# --- careers ---------------------------------------------------------------------------------------
class NextRole(Result):
    role: RoleRef  # where the step leads
    kind: str | None  # vertical, lateral, down
    observed: int  # how many people took it (0: the job architecture allows it)
    median_months: float | None
    gap: int | None  # the person's total gap against the role's requirements, in levels (with ``employee``)
    match: float | None  # the person's proficiency-aware match to them (with ``employee``)
    gaps: list[SkillGap] | None  # per requirement (with ``employee``)


class NextRoles(Result):
    position: PositionRef
    role: RoleRef | None  # the position's role; None: it has none, so no steps
    employee: str | None
    steps: list[NextRole]


class PathStep(Result):
    from_role: str
    role: RoleRef  # where this step leads
    kind: str | None
    observed: int
    median_months: float | None
    gap: int | None  # against the step's role (with ``employee``)
    gaps: list[SkillGap] | None


class CareerPath(Result):
    steps: list[PathStep]
    total_gap: int | None  # the sum of the steps' gaps (with ``employee``)
    min_observed: int  # the least-taken step: how well-trodden the whole path is
    total_observed: int


class CareerPaths(Result):
    from_role: RoleRef
    to_role: RoleRef
    employee: str | None
    max_steps: int
    paths: list[CareerPath]


# --- talent search ---------------------------------------------------------------------------------
class TalentMatch(Result):
    employee: PersonRef
    position: PositionRef | None
    department: str | None
    role: str | None
    grade_level: int | None
    perf_score: float | None
    match: float  # importance-weighted mean of the requirements met, 0..1
    total_gap: int  # levels missing over all requirements
    skills: list[SkillGap]  # in the order asked
