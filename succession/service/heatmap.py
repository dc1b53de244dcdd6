"""The heat map of the HR director's board (docs/succession.md "Pages"): the key posts by criticality band (rows)
and vacancy-risk band (columns), each cell with how many posts it holds and how many of them are covered, the
bench strength of ``succession.service.bench`` (a ready-now successor still with the company).

- Criticality is the register's score (0..100, ``succession.service.register``), vacancy risk its group mean of
  the holder's flight risk, retirement eligibility and time in post (0..1, shown as 0..100). A vacant post is
  its own column: it is vacant now, there is no risk left to weigh. A held post whose vacancy risk is not known
  at all (no factor known) goes to an ``unknown`` column, shown only when some post is in it.
- The bands are fixed numbers (``CRITICALITY_BANDS``, ``VACANCY_BANDS``), so a post moves cell only when its
  own measures change, not when other posts' do.

HR only: vacancy risk carries retirement eligibility, derived from the birth year (``hcm.policy.can_see_protected``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hcm import clock
from hcm.errors import Forbidden, Invalid
from hcm.org.models import Position
from hcm.policy import Principal, can_see_protected
from succession.models import Readiness, SuccessionPlan
from succession.service import bench, register

# (key, lowest score in the band, label), most critical first: the rows, top to bottom
CRITICALITY_BANDS: tuple[tuple[str, float, str], ...] = (
    ("very_high", 55.0, "55 and over"), ("high", 40.0, "40 to 55"), ("medium", 25.0, "25 to 40"),
    ("low", 0.0, "under 25"))
# (key, lowest vacancy risk in the band 0..1, label), least risk first: the columns, left to right
VACANCY_BANDS: tuple[tuple[str, float, str], ...] = (
    ("low", 0.0, "low: under 30"), ("medium", 0.30, "medium: 30 to 60"), ("high", 0.60, "high: 60 and over"))
VACANT = ("vacant", "vacant now")
UNKNOWN = ("unknown", "not known")
CRITICALITY_KEYS = tuple(k for k, _, _ in CRITICALITY_BANDS)
VACANCY_KEYS = (*(k for k, _, _ in VACANCY_BANDS), VACANT[0], UNKNOWN[0])


@dataclass(frozen=True)
class HeatPost:
    position_id: int
    code: str
    title: str
    department_name: str
    holder_id: int | None
    holder_name: str | None
    score: float | None  # criticality 0..100
    vacancy_risk: float | None  # 0..1
    ready_now: int  # active ready-now successors
    successors: int  # active successors of any readiness
    covered: bool


@dataclass
class Cell:
    criticality: str
    vacancy: str
    posts: list[HeatPost] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.posts)

    @property
    def covered(self) -> int:
        return sum(1 for p in self.posts if p.covered)

    @property
    def covered_share(self) -> float | None:
        return self.covered / self.count if self.count else None

    @property
    def strength(self) -> str:
        """The bench strength of the cell as a colour band: ``none`` (no post), ``weak`` (none covered),
        ``thin`` (under half), ``fair`` (half or more) or ``strong`` (every post covered)."""
        share = self.covered_share
        if share is None:
            return "none"
        if share == 0:
            return "weak"
        if share < 0.5:
            return "thin"
        return "strong" if share == 1 else "fair"


@dataclass(frozen=True)
class HeatMap:
    rows: list[tuple[str, str, list[Cell]]]  # (criticality key, label, the cells left to right)
    columns: list[tuple[str, str]]  # (vacancy key, label)
    total: int
    covered: int

    def cell(self, criticality: str, vacancy: str) -> Cell:
        """The cell of a criticality and a vacancy band (the keys checked with ``check_cell``)."""
        for key, _, cells in self.rows:
            for c in cells:
                if key == criticality and c.vacancy == vacancy:
                    return c
        return Cell(criticality, vacancy)  # the "not known" column when no post is in it


def criticality_band(score: float | None) -> str:
    """The row of a score (no score: the lowest band)."""
    for key, low, _ in CRITICALITY_BANDS:
        if score is not None and score >= low:
            return key
    return CRITICALITY_BANDS[-1][0]


def vacancy_band(vacancy_risk: float | None, *, vacant: bool) -> str:
    if vacant:
        return VACANT[0]
    if vacancy_risk is None:
        return UNKNOWN[0]
    for key, low, _ in reversed(VACANCY_BANDS):
        if vacancy_risk >= low:
            return key
    return VACANCY_BANDS[0][0]


def _successors(db: Session, department_id: int | None) -> dict[int, tuple[int, int]]:
    """Per key post: (active successors, of whom ready now), one grouped statement."""
    noms = bench.open_nominations().where(
        SuccessionPlan.position_id.in_(select(Position.id).where(bench.key_posts(department_id))))
    s = noms.subquery("noms")
    ready = func.sum(case((s.c.readiness == Readiness.READY_NOW, 1), else_=0))
    return {pid: (int(n), int(now or 0)) for pid, n, now in
            db.execute(select(s.c.position_id, func.count(), ready).group_by(s.c.position_id))}


def heat_map(db: Session, *, principal: Principal, as_of: date | None = None,
             department_id: int | None = None) -> HeatMap:
    """The key posts (of a department subtree) by criticality and vacancy risk, with their bench strength."""
    if not can_see_protected(principal):
        raise Forbidden("only HR sees the heat map: vacancy risk includes retirement eligibility (a protected "
                        "attribute)")
    as_of = as_of or clock.today()
    scored, _ = register.scored_posts(db, as_of=as_of, department_id=department_id, key_only=True)
    slates = _successors(db, department_id) if scored else {}
    cells = {(c, v): Cell(c, v) for c in CRITICALITY_KEYS for v in VACANCY_KEYS}
    for p, values, score in scored:
        risk = register.group_mean(values, "vacancy_risk")
        n, now = slates.get(p.position_id, (0, 0))
        post = HeatPost(position_id=p.position_id, code=p.code, title=p.title, department_name=p.department_name,
                        holder_id=p.holder_id, holder_name=p.holder_name, score=score, vacancy_risk=risk,
                        ready_now=now, successors=n, covered=now > 0)
        cells[(criticality_band(score), vacancy_band(risk, vacant=p.holder_id is None))].posts.append(post)
    for c in cells.values():
        c.posts.sort(key=lambda p: (-(p.score or 0.0), p.code))
    columns = [(k, label) for k, _, label in VACANCY_BANDS] + [VACANT]
    if any(cells[(c, UNKNOWN[0])].posts for c in CRITICALITY_KEYS):
        columns.append(UNKNOWN)
    rows = [(key, label, [cells[(key, v)] for v, _ in columns]) for key, _, label in CRITICALITY_BANDS]
    total = len(scored)
    return HeatMap(rows=rows, columns=columns, total=total,
                   covered=sum(c.covered for _, _, row in rows for c in row))


def cell_labels(criticality: str, vacancy: str) -> tuple[str, str]:
    """The words of a cell's two bands."""
    crit = next(label for key, _, label in CRITICALITY_BANDS if key == criticality)
    vac = {key: label for key, _, label in VACANCY_BANDS} | dict([VACANT, UNKNOWN])
    return crit, vac[vacancy]


def check_cell(criticality: str, vacancy: str) -> None:
    """A cell named by a request: both keys known (422 naming the field otherwise)."""
    if criticality not in CRITICALITY_KEYS:
        raise Invalid(f"criticality must be one of {', '.join(CRITICALITY_KEYS)}", field="criticality")
    if vacancy not in VACANCY_KEYS:
        raise Invalid(f"vacancy must be one of {', '.join(VACANCY_KEYS)}", field="vacancy")
