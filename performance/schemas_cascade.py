"""What the cascade page shows: a goal's row (opened on demand), the search's hits with their path."""

from __future__ import annotations

from pydantic import BaseModel

from performance.schemas import CascadeGoal


class CascadeOwner(BaseModel):
    """Who answers for a goal, as the viewer may know it: a person's name when the viewer sees that person
    (``hcm.policy.employee_filter``), else the post's title (``name`` is then the title, ``person`` False)."""

    name: str
    person: bool  # a person's name (True) or a post's title / a unit's name (False)
    post: str | None  # the post's title, shown next to a person's name
    employee_id: int | None  # only for a person the viewer sees


class CascadeRow(CascadeGoal):
    """One goal of the cascade page. ``rows`` are its supporting goals when they are shown already (the path
    to the viewer's own goals, a focused goal), else None: they are opened on demand (``children`` of them)."""

    owner: CascadeOwner
    children: int  # supporting goals the viewer may see
    own: bool = False  # one of the viewer's own goals (their post's, theirs, or owned by them)
    focus: bool = False  # the goal the page was opened on
    rows: list[CascadeRow] | None = None


class PathStep(BaseModel):
    id: int
    code: str
    title: str


class CascadeHit(BaseModel):
    """A goal the search found, with the goals above it from the top of the cascade (one path: a goal that
    supports two goals is reached through the heavier link)."""

    row: CascadeRow
    path: list[PathStep]


class CascadeSearch(BaseModel):
    q: str
    hits: list[CascadeHit]
    total: int
    page: int
    page_size: int
