"""What a calibration session shows (``performance.service.calibration.session``): the people in scope with
their score and ratings, the counts, the distribution and the log of adjustments."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from performance.models import PeriodState, RatingSource
from performance.schemas_ratings import DistributionRow


class SessionFilters(BaseModel):
    department_id: int | None = None  # the department and every department below it
    level: int | None = None  # the grade level of the person's post
    manager_id: int | None = None  # the person's direct manager (the holder of the post theirs reports to)


class SessionRow(BaseModel):
    employee_id: int
    name: str
    department_id: int | None
    department: str | None
    position_title: str | None
    grade: str | None
    level: int | None
    manager_id: int | None
    manager: str | None
    score: float | None  # the period's individual score
    manager_rating: float | None  # the latest performance rating the manager gave (submitted or approved)
    final_rating: float | None  # the final (latest approved) performance rating: what calibration proposes
    final_source: RatingSource | None


class SessionCounts(BaseModel):
    in_scope: int  # people in scope: active, or left with a final rating in the period
    with_final: int
    without_final: int
    without_manager_rating: int
    without_score: int
    calibrated: int  # people of the scope whose rating calibration changed


class LogEntry(BaseModel):
    event_id: int
    at: datetime
    by: str | None  # the calibrator's name, or their username when no person is linked
    employee_id: int
    employee_name: str
    before: float | None  # the final rating just before this change
    after: float
    reason: str | None


class Choice(BaseModel):
    id: int
    name: str


class CalibrationSession(BaseModel):
    period_id: int
    state: PeriodState
    open: bool  # adjustments are taken (the period is in calibration)
    filters: SessionFilters
    sort: str
    page: int
    page_size: int
    total: int  # people in scope (all pages)
    rows: list[SessionRow]  # this page
    counts: SessionCounts
    distribution: list[DistributionRow]
    log: list[LogEntry]  # newest first
    levels: list[Choice]
    managers: list[Choice]
