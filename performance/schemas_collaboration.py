"""API shape of the collaboration report (service items and ratings are in
``performance.router.collaboration``).

Every figure of a department or an item is shown only from ``hcm.policy.ANONYMITY_THRESHOLD`` raters up:
below it ``hidden`` is true, ``note`` says why, and raters, ratings, average, score and comments are null.
The department and the item repeat these seven fields rather than share a base class, so that the JSON
keeps its order: who first, then the figures (a subclass would list the figures first).
"""

from __future__ import annotations

from pydantic import BaseModel


class CollaborationItemFigures(BaseModel):
    """What one service item of the provider department received from its consumer department."""

    service_item_id: int
    code: str
    name: str
    consumer_department_id: int
    hidden: bool
    note: str | None
    raters: int | None
    ratings: int | None
    average: float | None  # 1..5
    score: float | None  # 0..150, the rubric of the average
    comments: int | None  # only ever a count


class CollaborationDepartmentFigures(BaseModel):
    """All the ratings of a provider department's items: what rollup blends into its score, by ``weight``."""

    department_id: int
    code: str
    name: str
    weight: float  # the period's collaboration_weight
    hidden: bool
    note: str | None
    raters: int | None
    ratings: int | None
    average: float | None
    score: float | None
    comments: int | None
    items: list[CollaborationItemFigures]


class CollaborationReport(BaseModel):
    period_id: int
    period: str  # the period's code
    collaboration_weight: float
    anonymity_threshold: int
    departments: list[CollaborationDepartmentFigures]
