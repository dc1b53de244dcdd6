"""The 9-box: performance (x) against potential (y), three bands each, for the caller's scope.

Performance axis: the final performance rating (rounded half up: 1-2 low, 3 medium, 4-5 high); without
one, the employee's computed score of the period (below ``SCORE_MEDIUM_FROM`` low, up to
``SCORE_HIGH_ABOVE`` medium, above it high). Potential axis: the final potential rating (1..3 scale: 1 low,
2 medium, 3 high; 1..5 scale: 1-2 low, 3 medium, 4-5 high). Someone missing an axis is counted as
unplaced. The counts say which: placed on their final rating, placed on their computed score (they have
no final performance rating yet), and how many in scope have a final performance rating at all (the people
calibration counts; the grid places more of them when scores stand in for missing ratings).

Scopes: ``team`` a manager's reporting subtree; ``department`` a department subtree (HR, or a manager
within their own reporting subtree); ``company`` HR and executives. Executives get every count but names
only of key-post holders.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, cast

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from hcm.errors import Invalid
from hcm.org.models import Employee, EmployeeStatus, Position
from hcm.org.queries import department_subtree_ids
from hcm.paging import check_page
from hcm.policy import Principal, subtree_position_ids
from performance.models import RatingKind
from performance.policy import (
    check_ninebox_scope,
    may_name_in_ninebox,
    ninebox_names_limited,
    ninebox_within_subtree,
)
from performance.schemas_ratings import NineBoxCell, NineBoxCellPage, NineBoxOut, NineBoxPerson
from performance.service import units
from performance.service.calibration import check_department, rating_bucket
from performance.service.lookups import get_period
from performance.service.ratings import latest_approved
from performance.service.settings import hides_potential

Band = Literal["low", "medium", "high"]
Scope = Literal["team", "department", "company"]
BANDS: tuple[Band, ...] = ("low", "medium", "high")

# Cut-offs on the computed score (100 = on target) when there is no final performance rating.
SCORE_MEDIUM_FROM = 80.0  # score < 80 -> low
SCORE_HIGH_ABOVE = 110.0  # 80 <= score <= 110 -> medium; score > 110 -> high
NAMES_PER_CELL = 50  # names listed in a cell; the rest are one drill-down away

# What each axis is based on, as the page labels it (the rules of performance_band and potential_band).
AXES = {
    "performance": (f"Performance: the final performance rating (1-2 low, 3 medium, 4-5 high); without one yet, "
                    f"the computed score of the period (below {SCORE_MEDIUM_FROM:g} low, {SCORE_MEDIUM_FROM:g}-"
                    f"{SCORE_HIGH_ABOVE:g} medium, above {SCORE_HIGH_ABOVE:g} high; 100 = on target)"),
    "potential": "Potential: the final potential rating (1 low, 2 medium, 3 high; on a 1-5 scale 1-2 low, 3 medium, "
                 "4-5 high)",
}

LABELS: dict[tuple[Band, Band], str] = {  # (performance, potential) -> the usual 9-box names
    ("low", "high"): "Rough diamond",
    ("medium", "high"): "Future star",
    ("high", "high"): "Star",
    ("low", "medium"): "Inconsistent player",
    ("medium", "medium"): "Core player",
    ("high", "medium"): "High performer",
    ("low", "low"): "Talent risk",
    ("medium", "low"): "Effective performer",
    ("high", "low"): "Trusted professional",
}


def performance_band(rating: float | None, score: float | None) -> tuple[Band | None, str | None]:
    if rating is not None:
        r = rating_bucket(rating)
        return ("low" if r <= 2 else "medium" if r == 3 else "high"), "rating"
    if score is not None:
        return ("low" if score < SCORE_MEDIUM_FROM else "medium" if score <= SCORE_HIGH_ABOVE else "high"), "score"
    return None, None


def potential_band(value: float | None, scale_max: int | None) -> Band | None:
    if value is None:
        return None
    if scale_max == 3:
        return BANDS[min(3, max(1, int(value + 0.5))) - 1]
    r = rating_bucket(value)
    return "low" if r <= 2 else "medium" if r == 3 else "high"


def _scope_filter(db: Session, principal: Principal, scope: Scope, department_id: int | None) -> Any:
    """Who is in the 9-box: the scope's people, within the caller's reporting subtree for a manager (who may
    ask for which scope is ``performance.policy``'s rule)."""
    if scope == "department":
        if department_id is None:
            raise Invalid("scope=department needs department_id", field="department_id")
        check_department(db, department_id)
    check_ninebox_scope(principal, scope)
    where: list[Any] = []
    if scope == "department":
        assert department_id is not None
        where.append(Position.department_id.in_(department_subtree_ids(department_id)))
    if ninebox_within_subtree(principal):
        assert principal.position_id is not None  # check_ninebox_scope refuses a manager without a post
        where.append(Employee.position_id.in_(subtree_position_ids(principal.position_id)))
    return and_(*where) if where else None


def _placements(db: Session, principal: Principal, period_id: int, scope: Scope,
                department_id: int | None) -> Iterator[tuple[tuple[Band, Band] | None, bool, Any]]:
    """Everyone in scope: (their cell, or None when an axis is missing; whether the caller may see their name;
    their row for ``_person``). Sorted by name."""
    period = get_period(db, period_id)
    where = _scope_filter(db, principal, scope, department_id)
    perf = latest_approved(period_id, RatingKind.PERFORMANCE)
    pot = latest_approved(period_id, RatingKind.POTENTIAL)
    scores = units.scores(period, "employee")
    stmt = (
        select(Employee.id, Employee.first_name, Employee.last_name, Position.title, Position.is_key,
               perf.c.value, pot.c.value, pot.c.scale_max, scores.c.score)
        .join(Position, Position.id == Employee.position_id)
        .outerjoin(perf, perf.c.employee_id == Employee.id)
        .outerjoin(pot, pot.c.employee_id == Employee.id)
        .outerjoin(scores, scores.c.unit_id == Employee.id)
        .where(Employee.status == EmployeeStatus.ACTIVE)
        .order_by(Employee.last_name, Employee.first_name, Employee.id)
    )
    if where is not None:
        stmt = stmt.where(where)
    # a cell placing the caller by name would tell them their own potential: the potential rule decides
    own = principal.employee_id
    hide_own = own is not None and hides_potential(db, principal, employee_id=own)
    for row in db.execute(stmt):
        emp_id, is_key, rating, potential, pot_scale, score = row[0], row[4], row[5], row[6], row[7], row[8]
        p_band, _ = performance_band(rating, score)
        q_band = potential_band(potential, pot_scale)
        named = (may_name_in_ninebox(principal, employee_id=emp_id, holds_key_post=bool(is_key))
                 and not (hide_own and emp_id == own))
        yield (None if p_band is None or q_band is None else (p_band, q_band)), named, row


def _person(row: Any) -> NineBoxPerson:
    emp_id, first, last, title, _is_key, rating, potential, _scale, score = row
    _, p_from = performance_band(rating, score)
    return NineBoxPerson(id=emp_id, name=f"{first} {last}", position_title=title,
                         performance=rating if p_from == "rating" else score, performance_from=p_from,
                         potential=potential)


def nine_box(db: Session, *, principal: Principal, period_id: int, scope: Scope,
             department_id: int | None = None, names_per_cell: int = NAMES_PER_CELL) -> NineBoxOut:
    """Counts per cell for everyone in scope, and the first ``names_per_cell`` names the caller may see in
    each cell (a company has thousands in its core cell: the rest are a drill-down, ``cell_people``)."""
    cells: dict[tuple[Band, Band], NineBoxCell] = {
        (p, q): NineBoxCell(performance=p, potential=q, label=LABELS[(p, q)], count=0, named=0, people=[])
        for p in BANDS for q in BANDS
    }
    unplaced: list[NineBoxPerson] = []
    n_unplaced = n_unplaced_named = on_rating = on_score = rated = 0
    for key, named, row in _placements(db, principal, period_id, scope, department_id):
        _, p_from = performance_band(row[5], row[8])
        rated += row[5] is not None
        if key is None:
            n_unplaced += 1
            if named:
                n_unplaced_named += 1
                if len(unplaced) < names_per_cell:
                    unplaced.append(_person(row))
            continue
        cell = cells[key]
        cell.count += 1
        if p_from == "score":
            cell.on_score += 1
            on_score += 1
        else:
            on_rating += 1
        if named:
            cell.named += 1
            if len(cell.people) < names_per_cell:
                cell.people.append(_person(row))
    grid = [[cells[(p, q)] for p in BANDS] for q in reversed(BANDS)]
    return NineBoxOut(period_id=period_id, scope=scope, department_id=department_id if scope == "department" else None,
                      grid=grid, placed=sum(c.count for c in cells.values()), placed_on_rating=on_rating,
                      placed_on_score=on_score, with_final_rating=rated, unplaced=n_unplaced,
                      unplaced_named=n_unplaced_named, unplaced_people=unplaced,
                      names_limited=ninebox_names_limited(principal), names_per_cell=names_per_cell)


CELLS = (*(f"{p}-{q}" for p in BANDS for q in BANDS), "unplaced")


def cell_people(db: Session, *, principal: Principal, period_id: int, scope: Scope, cell: str,
                department_id: int | None = None, page: int = 1, page_size: int = 100) -> NineBoxCellPage:
    """The drill-down: one page of the people the caller may see in one cell (``performance-potential``, e.g.
    ``high-high``, or ``unplaced``), by name."""
    if cell not in CELLS:
        raise Invalid(f"cell must be performance-potential (low, medium or high each, e.g. high-high) or unplaced, "
                      f"not {cell!r}", field="cell")
    check_page(page, page_size)
    wanted = None if cell == "unplaced" else tuple(cell.split("-"))
    first = (page - 1) * page_size
    items: list[NineBoxPerson] = []
    total = 0
    for key, named, row in _placements(db, principal, period_id, scope, department_id):
        if key != wanted or not named:
            continue
        if first <= total < first + page_size:
            items.append(_person(row))
        total += 1
    label = "Not placed yet" if wanted is None else LABELS[(cast(Band, wanted[0]), cast(Band, wanted[1]))]
    return NineBoxCellPage(items=items, total=total, page=page, page_size=page_size, label=label)
