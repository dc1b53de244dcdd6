"""API shapes of the analysis: what it takes (a nominee's gaps to ready-now), the vacancy what-if and the suggested
candidates of a key post (docs/succession.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from hcm.fields import CODE_PATTERN, Day, Id, In, Timestamp
from succession.models import GapKind, Readiness

# A role's key, "<family code>/<grade code>" (hcm.org.events.role_key): two codes and the slash.
RoleKey = Annotated[str, Field(min_length=3, max_length=129, pattern=CODE_PATTERN)]


class PersonOut(BaseModel):
    id: int
    external_id: str
    name: str


class PostOut(BaseModel):
    id: int
    code: str
    title: str
    is_key: bool
    role: str | None  # job family x grade ("<family>/<grade>"), None without both


# --- what it takes -------------------------------------------------------------------------------------
class ActionDraft(BaseModel):
    """The development action a gap becomes in one click (``POST .../actions/from-gap``): its fields, filled in."""

    title: str
    gap_kind: GapKind
    skill_id: int | None
    target_level: int | None
    target_role: str | None
    owner_employee_id: int | None  # the nominee's manager (the holder of the nearest post above theirs)
    due_date: date


class SkillGapOut(BaseModel):
    skill_id: int
    code: str
    name: str
    required_level: int
    importance: str  # low, medium, high
    level: int | None  # the effective proficiency (assessment, then manager, then self); None: no level at all
    gap: int  # levels missing
    action: ActionDraft


class PathStepOut(BaseModel):
    """One career step on the way from the nominee's role to the post's (the steps observed in the history and
    those the job architecture allows)."""

    from_role: str
    to_role: str
    kind: str | None  # vertical, lateral, down
    observed: int  # how many people took it (0: only the job architecture allows it)
    median_months: float | None  # their median time in the role they left
    months: float  # what the estimate counts for this step (see ``EstimateOut``)


class RoleGapOut(BaseModel):
    """A role on the way that the nominee has never held: experience to gain."""

    role: str
    observed: int  # how many people took the step into it
    due_in_months: float
    action: ActionDraft


class ExperienceOut(BaseModel):
    current_role: str | None
    target_role: str | None
    roles_held: list[str]  # every role of the nominee's history, current included
    reachable: bool | None  # a path of career steps leads there (None: no role to start from or to reach)
    path: list[PathStepOut]
    missing: list[RoleGapOut]
    note: str | None  # why there is no path, when there is none


class PerformanceOut(BaseModel):
    """The post's bar: the latest final performance rating at least ``bar_rating`` (rounded half up) and the latest
    computed score at least ``bar_score``; each only when there is one."""

    rating: float | None
    rating_period: str | None
    score: float | None
    score_period: str | None
    bar_rating: int
    bar_score: float
    meets_bar: bool | None  # None: neither a rating nor a score to judge by
    below: list[str]  # what is below the bar, in words
    action: ActionDraft | None  # when below the bar


class EstimateOut(BaseModel):
    """Months to ready-now from the observed career steps along the path (docs/succession.md)."""

    months: float | None  # None: no path to count along
    ready_by: date | None
    months_in_role: float | None  # how long the nominee has been in their current role
    estimated_steps: int  # steps nobody has taken yet, counted at the company's median step


class CandidateOut(BaseModel):
    nomination_id: int
    rank: int
    readiness: Readiness
    employee: PersonOut
    position: PostOut | None  # what they hold now
    manager: PersonOut | None  # who owns their development actions by default
    match: float  # proficiency-aware match to the post's requirements, 0..1
    skills: list[SkillGapOut]  # requirements below the required level only
    experience: ExperienceOut
    performance: PerformanceOut
    estimate: EstimateOut
    gaps: int  # skills + roles missing + performance below the bar: what stands between them and ready-now


class WhatItTakesOut(BaseModel):
    position: PostOut
    as_of: date
    requirements: int  # how many skills the post requires
    candidates: list[CandidateOut]  # by rank


class GapActionIn(In):
    """Which gap of a nominee's "what it takes" becomes a development action: a skill's, a role's, or the
    performance gap. The action's fields are the gap's draft (``ActionDraft``)."""

    gap_kind: Literal["skill", "experience", "performance"]
    skill_id: Id | None = None  # a skill gap
    target_role: RoleKey | None = None  # an experience gap: the role key
    as_of: Day | None = None  # the day the estimate counts from (default today)


# --- vacancy what-if -----------------------------------------------------------------------------------
class MoverOut(BaseModel):
    employee: PersonOut
    readiness: Readiness
    rank: int
    from_position: PostOut | None  # the post they leave, which opens next; None: they held none


class WhatIfStep(BaseModel):
    step: int  # 1 = the leaver's own post
    position: PostOut
    vacated_by: PersonOut
    filled_by: MoverOut | None  # None: nobody available on the slate
    readiness_gap: bool  # filled by someone not ready now
    uncovered: Literal["no_plan", "no_available_successor"] | None
    interim: PersonOut | None  # the plan's emergency successor, when the post is uncovered and they are available


class WhatIfChain(BaseModel):
    leaver: PersonOut
    position: PostOut | None  # what they held; None: nothing opens
    steps: list[WhatIfStep]
    open_position: PostOut | None  # what stays open at the end: an uncovered post, or one the depth left open


class OpenPost(BaseModel):
    position: PostOut
    step: int
    leaver: PersonOut  # whose chain it is in


class ExposedKeyPost(BaseModel):
    position: PostOut
    reason: Literal["uncovered", "beyond_depth", "not_ready", "cover_lost"]
    step: int | None  # the chain step it opened at; None: it did not open (it lost its ready-now cover)
    detail: str


class WhatIfSummary(BaseModel):
    opened: int
    filled: int
    filled_ready_now: int
    readiness_gaps: int
    uncovered: int
    beyond_depth: int
    exposed_key_posts: int


class WhatIfOut(BaseModel):
    depth: int
    chains: list[WhatIfChain]  # one per leaver, in the order given
    uncovered: list[OpenPost]
    readiness_gaps: list[OpenPost]
    beyond_depth: list[OpenPost]  # opened by the last mover the depth allows: not followed further
    exposed_key_posts: list[ExposedKeyPost]
    summary: WhatIfSummary


# --- suggested candidates ------------------------------------------------------------------------------
class SuggestedSkill(BaseModel):
    code: str
    name: str | None
    required_level: int
    importance: str
    level: int | None
    gap: int


class StepReason(BaseModel):
    from_role: str
    to_role: str
    kind: str | None
    observed: int  # how many people took this step
    median_months: float | None


class Suggestion(BaseModel):
    employee: PersonOut
    position: PostOut | None
    match: float | None  # proficiency-aware match to the post's requirements (from the talent search)
    skills: list[SuggestedSkill]  # the post's skills as they have them (from the talent search)
    step: StepReason | None  # their role has a career step to the post's role
    predicted_readiness: str | None  # the readiness model's answer, once there is one
    reasons: list[str]  # in words, for the page


class SuggestionsOut(BaseModel):
    position: PostOut
    requirements: int
    suggestions: list[Suggestion]  # best first; nobody is nominated by this
    predicted_readiness: bool  # whether a readiness model took part


class GraphUnavailableOut(BaseModel):
    """The body of a 503: the talent graph cannot answer, and since when this server has found it so."""

    error: str  # graph_unavailable
    detail: str
    since: Timestamp
