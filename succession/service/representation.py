"""Representation of slates and pools (HR only): the share of each gender and age band among the nominees and
among pool members, against the eligible population, with the four-fifths rule (docs/succession.md
"Representation").

- Eligible population: the active employees holding a post whose grade level is at least one below the lowest
  grade level of the key posts (a post one step below a key post is where successors come from). With no graded
  key post, every active employee holding a post.
- Populations: the nominees (active people on the open slates of key posts), the members of every pool together
  (current rows, active people) and each pool on its own. A person counts once per population.
- Groups: gender (female, male, other, undisclosed, unknown when not recorded) and age band on the as-of date
  (``AGE_BANDS``; age = the as-of year minus the birth year; unknown without one).
- Per group: its count and share of the population, its count and share of the eligible population, the
  selection rate (the group's eligible people who are in the population / the group's eligible people) and the
  impact ratio (the rate / the highest group's rate). The four-fifths rule flags a ratio below
  ``FOUR_FIFTHS``. People of the population outside the eligible population count in the shares, not in the
  rates (``outside_eligible``). A group of fewer than ``SMALL_GROUP`` eligible people is marked ``small``.

Gender and birth year are protected attributes: only HR reads them (``hcm.policy.can_see_protected``), so this
is refused to anyone else here as well as by the route's permission.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from hcm import clock
from hcm.errors import Forbidden
from hcm.org.models import Employee, EmployeeStatus, Gender, Grade, Position
from hcm.policy import Principal, can_see_protected
from succession.models import PoolMember, SuccessionPlan, TalentPool
from succession.schemas_register import GroupFigures, PopulationFigures, RepresentationOut
from succession.service.bench import key_posts, open_nominations
from succession.service.register import age_on

AGE_BANDS: tuple[tuple[int | None, int | None, str], ...] = (
    (None, 29, "under 30"), (30, 39, "30-39"), (40, 49, "40-49"), (50, 59, "50-59"), (60, None, "60 and over"))
FOUR_FIFTHS = 0.8
SMALL_GROUP = 5
UNKNOWN = "unknown"


def age_band(birth_year: int | None, as_of: date) -> str:
    age = age_on(birth_year, as_of)
    if age is None:
        return UNKNOWN
    for lo, hi, label in AGE_BANDS:
        if (lo is None or age >= lo) and (hi is None or age <= hi):
            return label
    return UNKNOWN


def eligible_min_level(db: Session) -> int | None:
    lowest = db.scalar(select(func.min(Grade.level)).join(Position, Position.grade_id == Grade.id)
                       .where(key_posts()))
    return None if lowest is None else int(lowest) - 1


def eligible_filter(min_level: int | None) -> Any:
    """The eligible population, a WHERE over ``Employee`` (the module's docstring)."""
    held = and_(Employee.status == EmployeeStatus.ACTIVE, Employee.position_id.is_not(None))
    if min_level is None:
        return held
    graded = (select(Position.id).join(Grade, Grade.id == Position.grade_id).where(Grade.level >= min_level))
    return and_(held, Employee.position_id.in_(graded))


def _groups(db: Session, ids: Any, eligible: Any) -> list[tuple[str | None, int | None, bool, int]]:
    """(gender, birth year, eligible?, count) of the people ``ids`` selects (active ones)."""
    people = (select(Employee.gender.label("gender"), Employee.birth_year.label("birth_year"),
                     case((eligible, 1), else_=0).label("eligible"))
              .where(Employee.id.in_(ids), Employee.status == EmployeeStatus.ACTIVE).subquery("people"))
    rows = db.execute(select(people.c.gender, people.c.birth_year, people.c.eligible, func.count())
                      .group_by(people.c.gender, people.c.birth_year, people.c.eligible)).all()
    return [(g.value if g is not None else None, by, bool(e), int(n)) for g, by, e, n in rows]


def _figures(labels: list[str], counts: dict[str, int], selected: dict[str, int],
             eligible: dict[str, int]) -> list[GroupFigures]:
    total, pool = sum(counts.values()), sum(eligible.values())
    rates = {g: selected.get(g, 0) / eligible[g] for g in labels if eligible.get(g)}
    best = max(rates.values(), default=0.0)
    out = []
    for g in labels:
        if not counts.get(g) and not eligible.get(g):
            continue
        rate = rates.get(g)
        ratio = None if rate is None or best == 0 else rate / best
        out.append(GroupFigures(group=g, count=counts.get(g, 0), share=round(counts.get(g, 0) / total, 4) if total else None,
                                eligible=eligible.get(g, 0),
                                eligible_share=round(eligible.get(g, 0) / pool, 4) if pool else None,
                                selected=selected.get(g, 0), selection_rate=None if rate is None else round(rate, 4),
                                impact_ratio=None if ratio is None else round(ratio, 4),
                                flagged=ratio is not None and ratio < FOUR_FIFTHS,
                                small=eligible.get(g, 0) < SMALL_GROUP))
    return out


GENDERS = [*(g.value for g in Gender), UNKNOWN]
BANDS = [label for _, _, label in AGE_BANDS] + [UNKNOWN]


def representation(db: Session, *, principal: Principal, as_of: date | None = None) -> RepresentationOut:
    if not can_see_protected(principal):
        raise Forbidden("only HR sees the representation of slates and pools (gender and age are protected)")
    as_of = as_of or clock.today()
    min_level = eligible_min_level(db)
    eligible = eligible_filter(min_level)
    base_rows = db.execute(select(Employee.gender, Employee.birth_year, func.count()).where(eligible)
                           .group_by(Employee.gender, Employee.birth_year)).all()
    el_gender: dict[str, int] = defaultdict(int)
    el_band: dict[str, int] = defaultdict(int)
    for g, by, n in base_rows:
        el_gender[g.value if g is not None else UNKNOWN] += int(n)
        el_band[age_band(by, as_of)] += int(n)
    noms = open_nominations().where(SuccessionPlan.position_id.in_(select(Position.id).where(key_posts()))).subquery("noms")
    populations: list[tuple[str, Any]] = [("nominees", select(noms.c.employee_id)),
                                          ("pool_members", select(PoolMember.employee_id)
                                           .where(PoolMember.removed_at.is_(None)))]
    for pid, code in db.execute(select(TalentPool.id, TalentPool.code).order_by(TalentPool.code)):
        populations.append((f"pool:{code}", select(PoolMember.employee_id)
                            .where(PoolMember.pool_id == pid, PoolMember.removed_at.is_(None))))
    out = []
    for name, ids in populations:
        counts_g: dict[str, int] = defaultdict(int)
        counts_b: dict[str, int] = defaultdict(int)
        sel_g: dict[str, int] = defaultdict(int)
        sel_b: dict[str, int] = defaultdict(int)
        outside = 0
        for gender, by, is_eligible, n in _groups(db, ids, eligible):
            gk, bk = gender or UNKNOWN, age_band(by, as_of)
            counts_g[gk] += n
            counts_b[bk] += n
            if is_eligible:
                sel_g[gk] += n
                sel_b[bk] += n
            else:
                outside += n
        out.append(PopulationFigures(population=name, total=sum(counts_g.values()), outside_eligible=outside,
                                     gender=_figures(GENDERS, counts_g, sel_g, el_gender),
                                     age_band=_figures(BANDS, counts_b, sel_b, el_band)))
    return RepresentationOut(as_of=as_of, eligible_min_level=min_level, eligible_total=sum(el_gender.values()),
                             threshold=FOUR_FIFTHS, populations=out)

