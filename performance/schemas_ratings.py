"""API shapes of ratings, calibration and the 9-box (the rating inputs themselves are in ``schemas``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from hcm.fields import Id, In, Timestamp
from hcm.paging import Page
from performance.models import RatingKind, RatingSource
from performance.schemas import RatingOut


class FinalRating(BaseModel):
    """The final rating of a kind: the latest approved event (``ratings.latest_approved``)."""

    kind: RatingKind
    value: float
    scale_max: int
    source: RatingSource
    event_id: int


class RatingAggregate(BaseModel):
    """Peer and cross-department ratings are only ever shown like this: how many raters and their mean,
    and only from ``ANONYMITY_THRESHOLD`` raters up (below it neither the count nor the mean is given)."""

    kind: RatingKind
    source: RatingSource
    scale_max: int
    shown: bool
    raters: int | None
    mean: float | None
    note: str | None = None


class RatingsView(BaseModel):
    period_id: int
    employee_id: int
    view: Literal["full", "final_only"]
    final: list[FinalRating]
    events: list[RatingOut]  # self, manager, HR and calibration events, one by one
    aggregates: list[RatingAggregate]  # peer and cross-department, never one by one


class CalibrateIn(In):
    employee_id: Id
    value: float
    reason: str | None = Field(default=None, max_length=2000)  # required: checked by the service (422 naming it)
    kind: RatingKind = RatingKind.PERFORMANCE
    scale_max: int | None = Field(default=None, ge=2, le=10)


class Adjustment(BaseModel):
    event_id: int
    employee_id: int
    employee_name: str
    kind: RatingKind
    before: float | None
    after: float
    reason: str | None
    by_user_id: int | None
    at: Timestamp


class DistributionRow(BaseModel):
    rating: int
    count: int
    share: float | None  # percent of the rated population
    target: float  # percent, from the period's target_distribution
    gap: float | None  # share - target, in percentage points


class DistributionOut(BaseModel):
    period_id: int
    department_id: int | None
    level: int | None
    population: int
    rated: int
    unrated: int
    rows: list[DistributionRow]
    adjustments: list[Adjustment]


class NineBoxPerson(BaseModel):
    id: int
    name: str
    position_title: str | None
    performance: float | None
    performance_from: Literal["rating", "score"] | None
    potential: float | None


class NineBoxCell(BaseModel):
    performance: Literal["low", "medium", "high"]
    potential: Literal["low", "medium", "high"]
    label: str
    count: int
    named: int  # of ``count``, the people whose names the caller may see
    on_score: int = 0  # of ``count``, those placed on their computed score (no final performance rating yet)
    people: list[NineBoxPerson]  # the first ``names_per_cell`` of them, by name (the rest: the cell drill-down)


class NineBoxOut(BaseModel):
    period_id: int
    scope: Literal["team", "department", "company"]
    department_id: int | None
    # rows: potential high, medium, low; columns: performance low, medium, high (the usual drawing)
    grid: list[list[NineBoxCell]]
    placed: int  # = placed_on_rating + placed_on_score
    placed_on_rating: int = 0  # placed on their final performance rating
    placed_on_score: int = 0  # placed on their computed score of the period: no final performance rating yet
    with_final_rating: int = 0  # in scope with a final performance rating, placed or not (what calibration counts)
    unplaced: int  # in scope but missing a performance or a potential axis
    unplaced_named: int
    unplaced_people: list[NineBoxPerson]
    names_limited: bool  # executives: counts for everyone, names for key-post holders only
    names_per_cell: int


class NineBoxCellPage(Page[NineBoxPerson]):
    """A page of the 9-box drill-down. ``label`` names the cell for the page's heading; the API answers with
    the plain ``Page[NineBoxPerson]`` it always did (a client knows which cell it asked for)."""

    label: str
