"""Point-in-time features of the platform's own facts for an as-of date, and the flight-risk label.

Only facts dated on or before ``as_of`` enter a snapshot: assignments that started by then (an assignment that
ends later counts as still running), skill records assessed by then, exits dated by then. The label looks the
other way: a voluntary exit in the 12 months after ``as_of``. Domain modules add their own columns (ratings,
scores, points) through the ``ml.features`` extension point: ``provider(session, as_of, employee_ids)`` returns a
``pandas.DataFrame`` indexed by employee id, under the same rule.

Two facts are not dated in the tables and are read as they are now: the reporting lines of posts (used for
manager changes) and the grade bands (used for the pay position). Both change rarely and carry nothing about the
future of a person; ``docs/ml.md`` says so.

Protected attributes (gender, birth year) are never columns of the snapshot; ``protected`` reads them apart, for
the model card's subgroup figures only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.modules import provided
from hcm.org.models import Assignment, Employee, EmployeeSkill, Grade, Position, PositionSkill, job_family_relations

FEATURE_POINT = "ml.features"

# The columns this module computes; providers add theirs. Kept in one place: the phrase table of the
# explanations and the model card list them by these names.
PLATFORM_FEATURES = (
    "tenure_years",
    "months_in_post",
    "months_since_promotion",
    "grade_level",
    "pay_position",
    "manager_changes_24m",
    "team_exits_12m",
    "skill_growth_12m",
    "skill_fit",
    "career_steps_open",
)
PROTECTED = ("gender", "birth_year")
IMPORTANCE_WEIGHT = {"low": 1.0, "medium": 2.0, "high": 3.0}
_EXITS = ("exit_voluntary", "exit_involuntary")
FEW_PEOPLE = 500  # up to this many people, a snapshot reads their skill records only (one IN list)

Provider = Callable[[Session, date, list[int]], pd.DataFrame]


def _months(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (pd.to_datetime(later) - pd.to_datetime(earlier)).dt.days / 30.4375


def _frame(db: Session, stmt: Any, dates: Iterable[str] = ()) -> pd.DataFrame:
    """The rows of ``stmt`` as a frame, as the driver returns them, ``dates`` columns as datetime64.

    A snapshot reads about 2.4 million rows on the 100,000-person seed; building a SQLAlchemy row for each (with
    its type processing: a ``date`` per ISO text on SQLite, an enum per value, a ``Decimal`` per salary) and then
    pandas probing each row cost five times the read itself. So the statement runs through SQLAlchemy (its binds are
    processed as usual) and the rows are fetched from the result's DB-API cursor: plain tuples, dates as ISO text on
    SQLite and as dates on PostgreSQL (``pd.to_datetime`` takes both), enums as their stored values, numerics as
    numbers (``Decimal`` on PostgreSQL: the callers read them with ``to_numpy(dtype=float)``), booleans as 0/1 on
    SQLite (read with ``astype(bool)``)."""
    result = db.connection().execute(stmt)
    try:
        keys = list(result.keys())
        rows = result.cursor.fetchall() if result.cursor is not None else []
    finally:
        result.close()
    out = pd.DataFrame.from_records(rows, columns=keys)
    for col in dates:
        out[col] = pd.to_datetime(out[col])
    return out


def _assignments(db: Session, as_of: date) -> pd.DataFrame:
    a = _frame(db, select(Assignment.employee_id, Assignment.position_id, Assignment.start_date,
                          Assignment.end_date, Assignment.reason, Assignment.salary,
                          Assignment.id)
               .where(Assignment.start_date <= as_of), dates=("start_date", "end_date"))
    return a.sort_values(["employee_id", "start_date", "id"], kind="stable")


def population(db: Session, as_of: date) -> list[int]:
    """The people employed on ``as_of``: hired by then, with no exit dated on or before it."""
    return _population(db, _assignments(db, as_of), as_of)


def _population(db: Session, a: pd.DataFrame, as_of: date) -> list[int]:
    exits = a["reason"].isin(_EXITS)
    hired = set(a.loc[~exits, "employee_id"])
    gone = set(a.loc[exits, "employee_id"])
    early = {eid for (eid,) in db.execute(select(Employee.id).where(Employee.hire_date <= as_of))}
    return sorted((hired & early) - gone)


def _current(a: pd.DataFrame, ids: Iterable[int]) -> pd.DataFrame:
    """The assignment running on the as-of date of ``a`` (the last one started, exits aside), per person."""
    moves = a[~a["reason"].isin(_EXITS) & a["employee_id"].isin(list(ids))]
    return moves.groupby("employee_id").tail(1).set_index("employee_id")


def posts_on(db: Session, as_of: date, employee_ids: Iterable[int] | None = None) -> pd.Series:
    """employee id -> the position they held on ``as_of`` (missing when none), the post the snapshot describes; for
    the people given, or else the population of ``as_of`` (its index)."""
    a = _assignments(db, as_of)
    ids = sorted(set(employee_ids)) if employee_ids is not None else _population(db, a, as_of)
    current = _current(a, ids)
    return current["position_id"].reindex(pd.Index(ids, name="employee_id"))


def snapshot(db: Session, as_of: date, employee_ids: Iterable[int] | None = None,
             providers: Iterable[Provider] | None = None) -> pd.DataFrame:
    """One row per person employed on ``as_of`` (or the given ones), indexed by employee id, with
    ``PLATFORM_FEATURES`` and every provider's columns."""
    a = _assignments(db, as_of)
    ids = sorted(set(employee_ids)) if employee_ids is not None else _population(db, a, as_of)
    out = pd.DataFrame(index=pd.Index(ids, name="employee_id"))
    if not ids:
        for col in PLATFORM_FEATURES:
            out[col] = pd.Series(dtype=float)
        return out
    emp = _frame(db, select(Employee.id, Employee.hire_date), dates=("hire_date",)).set_index("id")
    ts = pd.Timestamp(as_of)
    out["tenure_years"] = (ts - emp["hire_date"].reindex(ids)).dt.days / 365.25

    moves = a[~a["reason"].isin(_EXITS) & a["employee_id"].isin(ids)]
    current = _current(a, ids)
    out["months_in_post"] = _months(pd.Series(ts, index=current.index), current["start_date"]).reindex(ids)
    promo = moves[moves["reason"] == "promotion"].groupby("employee_id")["start_date"].max()
    since = promo.reindex(ids).fillna(emp["hire_date"].reindex(ids))
    out["months_since_promotion"] = _months(pd.Series(ts, index=out.index), since)

    pos = _frame(db, select(Position.id, Position.department_id, Position.grade_id, Position.job_family_id,
                            Position.reports_to_id, Position.is_active)).set_index("id")
    grades = _frame(db, select(Grade.id, Grade.level, Grade.pay_min, Grade.pay_max)).set_index("id")
    post = current["position_id"].reindex(ids)
    grade_id = pos["grade_id"].reindex(post.values).to_numpy()
    level = grades["level"].reindex(grade_id).to_numpy(dtype=float)
    out["grade_level"] = level
    lo = grades["pay_min"].reindex(grade_id).to_numpy(dtype=float)
    hi = grades["pay_max"].reindex(grade_id).to_numpy(dtype=float)
    pay = current["salary"].reindex(ids).to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["pay_position"] = np.clip((pay - lo) / np.where(hi > lo, hi - lo, np.nan), 0.0, 1.0)

    out["manager_changes_24m"] = _manager_changes(a, pos, ids, as_of)
    out["team_exits_12m"] = _team_exits(a, pos, post, as_of)
    out["skill_growth_12m"], out["skill_fit"] = _skills(db, ids, post, as_of)
    out["career_steps_open"] = _career_steps(db, pos, grades, post)

    for provide in providers if providers is not None else feature_providers():
        extra = provide(db, as_of, ids)
        out = out.join(extra, how="left")
    return out


def _holders(a: pd.DataFrame) -> pd.DataFrame:
    """Who held which post from when to when (exits close the last assignment)."""
    h = a[["employee_id", "position_id", "start_date", "end_date", "reason"]].copy()
    return h[~h["reason"].isin(_EXITS) & h["position_id"].notna()]


def _manager_changes(a: pd.DataFrame, pos: pd.DataFrame, ids: list[int], as_of: date) -> np.ndarray:
    """Distinct people who held the posts a person's posts report to in the 24 months before ``as_of``, minus one."""
    start = pd.Timestamp(as_of - timedelta(days=730))
    h = _holders(a)
    window = h[(h["end_date"].isna() | (h["end_date"] >= start))]
    mine = window[window["employee_id"].isin(ids)].copy()
    mine["boss_post"] = pos["reports_to_id"].reindex(mine["position_id"].to_numpy()).to_numpy()
    bosses = window.rename(columns={"employee_id": "boss", "position_id": "boss_post"})[["boss", "boss_post"]]
    pairs = mine[["employee_id", "boss_post"]].dropna().merge(bosses, on="boss_post")
    n = pairs.groupby("employee_id")["boss"].nunique()
    changes: np.ndarray = np.clip(n.reindex(ids).fillna(0).to_numpy(dtype=float) - 1, 0, None)
    return changes


def _team_exits(a: pd.DataFrame, pos: pd.DataFrame, post: pd.Series, as_of: date) -> np.ndarray:
    """Exits from the person's department in the 12 months before ``as_of`` (the post each leaver left)."""
    start = pd.Timestamp(as_of - timedelta(days=365))
    ex = a[a["reason"].isin(_EXITS) & (a["start_date"] > start)]
    last_post = (_holders(a).groupby("employee_id")["position_id"].last())
    dept_of_leaver = pos["department_id"].reindex(last_post.reindex(ex["employee_id"]).to_numpy()).dropna()
    per_dept = dept_of_leaver.value_counts()
    mine = pos["department_id"].reindex(post.to_numpy()).to_numpy()
    exits: np.ndarray = per_dept.reindex(mine).fillna(0).to_numpy(dtype=float)
    return exits


def _skills(db: Session, ids: list[int], post: pd.Series, as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """Skill records assessed in the last 12 months, and the proficiency-aware fit of the latest levels known on
    ``as_of`` to the post's requirements (each requirement met up to level/required, weighted by importance)."""
    stmt = select(EmployeeSkill.employee_id, EmployeeSkill.skill_id, EmployeeSkill.level, EmployeeSkill.assessed_on,
                  EmployeeSkill.id).where(EmployeeSkill.assessed_on <= as_of)
    few = len(ids) <= FEW_PEOPLE  # a handful (a readiness prediction): read theirs only, not everyone's
    if few:
        stmt = stmt.where(EmployeeSkill.employee_id.in_(ids))
    s = _frame(db, stmt, dates=("assessed_on",))
    s = s[s["employee_id"].isin(ids)]
    recent = s[s["assessed_on"] > pd.Timestamp(as_of - timedelta(days=365))].groupby("employee_id").size()
    growth = recent.reindex(ids).fillna(0).to_numpy(dtype=float)
    latest = s.sort_values(["assessed_on", "id"]).groupby(["employee_id", "skill_id"])["level"].last()
    req_stmt = select(PositionSkill.position_id, PositionSkill.skill_id, PositionSkill.required_level,
                      PositionSkill.importance)
    if few:
        req_stmt = req_stmt.where(PositionSkill.position_id.in_([int(p) for p in post.dropna().unique()]))
    req = _frame(db, req_stmt)
    if req.empty:
        return growth, np.full(len(ids), np.nan)
    req["w"] = req["importance"].map(IMPORTANCE_WEIGHT).astype(float)
    people = pd.DataFrame({"employee_id": ids, "position_id": post.to_numpy()}).dropna()
    need = people.merge(req, on="position_id")
    have = latest.rename("level").reset_index()
    need = need.merge(have, on=["employee_id", "skill_id"], how="left")
    need["met"] = np.minimum(need["level"].fillna(0) / need["required_level"], 1.0) * need["w"]
    fit = need.groupby("employee_id")["met"].sum() / need.groupby("employee_id")["w"].sum()
    return growth, fit.reindex(ids).to_numpy(dtype=float)


def _career_steps(db: Session, pos: pd.DataFrame, grades: pd.DataFrame, post: pd.Series) -> np.ndarray:
    """Roles (family x grade) one step from the post's: the next grade in its family, the same grade in a related
    family, with at least one active post."""
    active = pos[pos["is_active"].astype(bool)].copy()
    active["level"] = grades["level"].reindex(active["grade_id"].to_numpy()).to_numpy()
    roles = set(zip(active["job_family_id"], active["level"], strict=True))
    related: dict[Any, set[Any]] = {}
    for fam, rel in db.execute(select(job_family_relations.c.family_id, job_family_relations.c.related_id)):
        related.setdefault(fam, set()).add(rel)
        related.setdefault(rel, set()).add(fam)
    mine = pos.reindex(post.to_numpy())
    people = pd.DataFrame({"fam": mine["job_family_id"].to_numpy(),
                           "lvl": grades["level"].reindex(mine["grade_id"].to_numpy()).to_numpy()})
    known = people.dropna().drop_duplicates()
    # counted once per role (family x grade), not once per person
    steps = {(fam, lvl): float(int((fam, lvl + 1) in roles) + sum((r, lvl) in roles for r in related.get(fam, ())))
             for fam, lvl in zip(known["fam"].tolist(), known["lvl"].tolist(), strict=True)}
    keys = pd.MultiIndex.from_frame(people)
    out: np.ndarray = pd.Series(steps, dtype=float).reindex(keys).to_numpy(dtype=float) if steps \
        else np.full(len(people), np.nan)
    return out


def protected(db: Session, employee_ids: Iterable[int], as_of: date) -> pd.DataFrame:
    """Gender and age band of the people, for subgroup figures only (never features)."""
    from ml.card import age_band

    ids = sorted(set(employee_ids))
    e = _frame(db, select(Employee.id, Employee.gender, Employee.birth_year)).set_index("id").reindex(ids)
    return pd.DataFrame({"gender": [getattr(g, "value", g) or "unknown" for g in e["gender"]],
                         "age_band": [age_band(b, as_of.year) for b in e["birth_year"]]}, index=e.index)


def flight_label(db: Session, employee_ids: Iterable[int], as_of: date, horizon_days: int = 365) -> pd.Series:
    """1 when the person left voluntarily in the ``horizon_days`` after ``as_of``, else 0."""
    ids = sorted(set(employee_ids))
    rows = db.execute(select(Assignment.employee_id)
                      .where(Assignment.reason == "exit_voluntary", Assignment.start_date > as_of,
                             Assignment.start_date <= as_of + timedelta(days=horizon_days)))
    left = {eid for (eid,) in rows}
    return pd.Series([int(i in left) for i in ids], index=pd.Index(ids, name="employee_id"), name="left")


def feature_providers() -> list[Provider]:
    """Every module's ``ml.features`` provider, in registration order."""
    return list(provided(FEATURE_POINT))
