"""Goals and people at risk in a period, filtered, sorted and paged in the database, and the same rows as a file.

What "at risk" means (one place for each)
- A goal is at risk when its progress lags the time elapsed in the period by more than 10 points
  (``rollup.AT_RISK_TOLERANCE``): the ``at_risk`` flag of its result, computed with its score by each
  recompute (frozen when the period closed).
- A person is at risk when one of their goals is (the goals of the post they hold and their own employee
  goals), or their score of the period is under ``PERSON_SCORE_AT_RISK_BELOW`` (80: the 9-box's low band,
  ``ninebox.SCORE_MEDIUM_FROM``).

Whose rows a viewer gets: people's goals (post and employee goals) as the cascade shows them
(``performance.policy.visible_goals``: the people scope, plus the vacant posts of a manager's subtree) and
people within the viewer's people scope (``hcm.policy.employee_filter``: HR everyone, an executive the
key-post holders, a manager their reporting subtree and themselves, an employee only themselves); the goals
of units (company, department, process) only for those who read the org's aggregates (HR, executives).
An owner outside the viewer's scope is left blank; a vacant post's goal names the post.

Filters: a department subtree (a division includes its departments), a manager's reporting subtree, and a
grade level (the level of the grade of the person's post, ``hcm.org.models.Grade.level``). A filter on a
person (manager, level) leaves out unit goals; a department filter keeps department goals of the subtree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Float, and_, case, cast, func, literal, null, or_, select
from sqlalchemy.orm import Session, aliased

from hcm.errors import Invalid
from hcm.io.files import write
from hcm.org.models import Department, Employee, EmployeeStatus, Grade, Position
from hcm.org.queries import department_subtree_ids
from hcm.paging import check_page, paginate
from hcm.policy import Principal, employee_filter, is_hr, subtree_position_ids
from performance.models import Goal, GoalLevel, GoalResult
from performance.policy import sees_company_scores, visible_goals
from performance.service import pickers, units
from performance.service.lookups import get_period
from performance.service.ninebox import SCORE_MEDIUM_FROM

PERSON_SCORE_AT_RISK_BELOW = SCORE_MEDIUM_FROM
View = Literal["goals", "people"]
VIEWS: tuple[View, ...] = ("goals", "people")
EXPORT_LIMIT = 200_000

# column key -> header, per view (the order of the table and of the file)
GOAL_COLUMNS = {"title": "Goal", "level": "Level", "department": "Department", "owner": "Owner",
                "grade_level": "Grade level", "progress": "Progress", "score": "Score"}
PEOPLE_COLUMNS = {"name": "Person", "position": "Position", "department": "Department", "manager": "Manager",
                  "grade_level": "Grade level", "score": "Score", "goals_at_risk": "Goals at risk"}
DEFAULT_SORT = {"goals": "progress", "people": "score"}
VACANT = "vacant post: "  # the owner of a vacant post's goal, before the post's title


@dataclass(frozen=True)
class Filters:
    department_id: int | None = None
    manager_id: int | None = None
    level: int | None = None


@dataclass
class AtRiskPage:
    view: View
    columns: dict[str, str]
    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
    sort: str
    desc: bool


def _name(e: Any) -> Any:
    return e.first_name + literal(" ") + e.last_name


def _person_filters(db: Session, principal: Principal, f: Filters, person: Any, pos: Any) -> list[Any]:
    conds: list[Any] = []
    if f.department_id is not None:
        conds.append(pos.department_id.in_(department_subtree_ids(f.department_id)))
    if f.manager_id is not None:
        mpos = db.scalar(select(Employee.position_id).where(Employee.id == f.manager_id))
        conds.append(pos.id.in_(subtree_position_ids(mpos)) if mpos is not None else literal(False))
    return conds


def check_filters(db: Session, *, principal: Principal, filters: Filters) -> None:
    """A department or manager outside the viewer's scope (or naming nothing) is a 404 saying so."""
    if filters.department_id is not None:
        pickers.check_department(db, principal=principal, department_id=filters.department_id)
    if filters.manager_id is not None:
        pickers.check_manager(db, principal=principal, employee_id=filters.manager_id)


def _goals_stmt(db: Session, principal: Principal, period_id: int, f: Filters) -> tuple[Any, dict[str, Any]]:
    holder, owner, pos = aliased(Employee), aliased(Employee), aliased(Position)
    person_id = func.coalesce(Goal.employee_id, holder.id)
    in_scope = select(Employee.id).where(employee_filter(principal))
    gdept = aliased(Department)
    dept_id = func.coalesce(pos.department_id, Goal.department_id)
    grade = aliased(Grade)
    owner_visible = or_(owner.id.in_(in_scope), literal(sees_company_scores(principal)) & Goal.level.in_(
        [GoalLevel.COMPANY, GoalLevel.DEPARTMENT, GoalLevel.PROCESS]))
    vacant = and_(Goal.level == GoalLevel.POST, holder.id.is_(None), Goal.owner_employee_id.is_(None))
    owner_name = case((and_(owner.id.is_not(None), owner_visible), _name(owner)),
                      (vacant, literal(VACANT) + pos.title), else_=null())
    # the goals the viewer may see (``performance.policy.visible_goals``, the cascade's rule: people's goals by
    # the people scope, and the vacant posts a manager plans); unit goals for those who read the aggregates
    scope = visible_goals(principal) if sees_company_scores(principal) else and_(
        Goal.level.in_([GoalLevel.POST, GoalLevel.EMPLOYEE]), visible_goals(principal))
    cols = {"title": Goal.title, "level": Goal.level, "department": gdept.name, "owner": owner_name,
            "grade_level": grade.level, "progress": GoalResult.progress, "score": GoalResult.score}
    stmt: Any = (select(Goal.id.label("goal_id"), *(c.label(k) for k, c in cols.items()))
            .join(GoalResult, GoalResult.goal_id == Goal.id)
            .outerjoin(holder, and_(Goal.level == GoalLevel.POST, holder.position_id == Goal.position_id))
            .outerjoin(Employee, Employee.id == Goal.employee_id)
            .outerjoin(pos, pos.id == func.coalesce(Goal.position_id, Employee.position_id))
            .outerjoin(grade, grade.id == pos.grade_id)
            .outerjoin(gdept, gdept.id == dept_id)
            .outerjoin(owner, owner.id == func.coalesce(Goal.owner_employee_id, person_id))
            .where(Goal.period_id == period_id, GoalResult.period_id == period_id, GoalResult.at_risk.is_(True),
                   scope))
    if f.department_id is not None:
        stmt = stmt.where(dept_id.in_(department_subtree_ids(f.department_id)))
    if f.manager_id is not None or f.level is not None:
        stmt = stmt.where(Goal.level.in_([GoalLevel.POST, GoalLevel.EMPLOYEE]))
        stmt = stmt.where(*_person_filters(db, principal, Filters(manager_id=f.manager_id), None, pos))
        if f.level is not None:
            stmt = stmt.where(grade.level == f.level)
    return stmt, cols


def _people_stmt(db: Session, principal: Principal, period_id: int, f: Filters) -> tuple[Any, dict[str, Any]]:
    period = get_period(db, period_id)
    # the live scores only of the people the viewer may see (everyone for HR)
    scores = units.scores(period, "employee",
                          ids=None if is_hr(principal) else select(Employee.id).where(employee_filter(principal)))
    holder = aliased(Employee)
    risky: Any = (select(func.coalesce(Goal.employee_id, holder.id).label("eid"), func.count().label("n"))
             .join(GoalResult, GoalResult.goal_id == Goal.id)
             .outerjoin(holder, and_(Goal.level == GoalLevel.POST, holder.position_id == Goal.position_id))
             .where(Goal.period_id == period_id, GoalResult.at_risk.is_(True),
                    Goal.level.in_([GoalLevel.POST, GoalLevel.EMPLOYEE]))
             .group_by(func.coalesce(Goal.employee_id, holder.id)).subquery("risky"))
    pos, boss_pos, boss, grade = aliased(Position), aliased(Position), aliased(Employee), aliased(Grade)
    boss_visible = boss.id.in_(select(Employee.id).where(employee_filter(principal)))
    n = func.coalesce(risky.c.n, 0)
    score = cast(scores.c.score, Float)
    cols = {"name": _name(Employee), "position": pos.title, "department": Department.name,
            "manager": case((boss_visible, _name(boss)), else_=null()), "grade_level": grade.level,
            "score": score, "goals_at_risk": n}
    stmt: Any = (select(Employee.id.label("employee_id"), *(c.label(k) for k, c in cols.items()))
            .join(pos, pos.id == Employee.position_id)
            .join(Department, Department.id == pos.department_id)
            .outerjoin(grade, grade.id == pos.grade_id)
            .outerjoin(boss_pos, boss_pos.id == pos.reports_to_id)
            .outerjoin(boss, boss.position_id == boss_pos.id)
            .outerjoin(scores, scores.c.unit_id == Employee.id)
            .outerjoin(risky, risky.c.eid == Employee.id)
            .where(Employee.status == EmployeeStatus.ACTIVE, employee_filter(principal),
                   or_(n > 0, score < PERSON_SCORE_AT_RISK_BELOW),
                   *_person_filters(db, principal, f, Employee, pos)))
    if f.level is not None:
        stmt = stmt.where(grade.level == f.level)
    return stmt, cols


def _query(db: Session, principal: Principal, period_id: int, view: str, filters: Filters, sort: str,
           desc: bool) -> tuple[Any, dict[str, str], str]:
    if view not in VIEWS:
        raise Invalid(f"view: choose one of {', '.join(VIEWS)}", field="view")
    get_period(db, period_id)
    check_filters(db, principal=principal, filters=filters)
    stmt, cols = (_goals_stmt if view == "goals" else _people_stmt)(db, principal, period_id, filters)
    headers = GOAL_COLUMNS if view == "goals" else PEOPLE_COLUMNS
    sort = sort or DEFAULT_SORT[view]
    if sort not in cols:
        raise Invalid(f"sort: choose one of {', '.join(cols)}", field="sort")
    key = cols[sort]
    order = key.desc().nulls_last() if desc else key.asc().nulls_last()
    tie = stmt.selected_columns[0]
    return stmt.order_by(order, tie), headers, sort


def at_risk(db: Session, *, principal: Principal, period_id: int, view: str = "goals", filters: Filters = Filters(),
            sort: str = "", desc: bool = False, page: int = 1, page_size: int = 50) -> AtRiskPage:
    """One page of the goals or people at risk the viewer may see (module docstring), sorted in the database."""
    stmt, headers, sort = _query(db, principal, period_id, view, filters, sort, desc)
    check_page(page, page_size)
    # one query for the page and the total (a window count): the live scores are computed once, not twice
    rows = db.execute(stmt.add_columns(func.count().over().label("_total"))
                      .limit(page_size).offset((page - 1) * page_size)).all()
    # past the last page (or nothing at all): count on its own
    total = int(rows[0]._total) if rows else (0 if page == 1 else paginate(db, stmt, page=1, page_size=1)[1])
    return AtRiskPage(view=view, columns=headers, rows=[_row(r) for r in rows], total=total,  # type: ignore[arg-type]
                      page=page, page_size=page_size, sort=sort, desc=desc)


def _row(r: Any) -> dict[str, Any]:
    d = dict(r._mapping)
    d.pop("_total", None)
    for k in ("score", "progress"):
        if isinstance(d.get(k), float):
            d[k] = round(d[k], 3 if k == "progress" else 1)
    if "level" in d:
        d["level"] = getattr(d["level"], "value", d["level"])
    return d


# the file's headers say what a number is (the page says it in its cells): progress in per cent of the way
# from baseline to target, the score with 100 = on target
FILE_HEADERS = {"progress": "Progress (%)", "score": "Score (100 = on target)"}


def export(db: Session, *, principal: Principal, period_id: int, view: str = "goals", filters: Filters = Filters(),
           sort: str = "", desc: bool = False, fmt: str = "csv") -> bytes:
    """Exactly the filtered rows the viewer may see, in the page's order and columns, as CSV or XLSX
    (``hcm.io.files``: the csv module and openpyxl, text that looks like a formula kept text)."""
    if fmt not in ("csv", "xlsx"):
        raise Invalid(f"format: choose csv or xlsx, not {fmt!r}", field="format")
    stmt, headers, _ = _query(db, principal, period_id, view, filters, sort, desc)
    rows = [_row(r) for r in db.execute(stmt.limit(EXPORT_LIMIT))]

    def value(r: dict[str, Any], key: str) -> Any:
        v = r[key]
        return round(v * 100, 1) if key == "progress" and v is not None else v

    return write(fmt, [FILE_HEADERS.get(k, h) for k, h in headers.items()], ([value(r, k) for k in headers] for r in rows),
                 title=f"at risk {view}")
