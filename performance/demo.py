"""Demo data for total performance management, on a database already seeded by ``hcm.seed``.

    from performance.demo import seed_performance
    report = seed_performance("sqlite:///hcm.db", seed=42)          # after hcm.seed.seed(...)

What it writes, deterministic by ``seed`` (and ``today``):

- periods: last year (closed), this year (in progress; in review in December) and this year's quarters
  (past ones closed, the current one in progress, later ones in planning), mixes at their defaults;
- per annual period the cascade: 3-5 company goals; 1-2 goals for each division and department linked up to
  the company goals; a goal per business process, linked to company goals; 1-2 goals for every occupied
  post linked to its department's goals; 2-4 indicators per goal (higher/lower-is-better, ranges,
  milestones, rubrics; departments mostly operational, posts mostly management). Every weight rule of
  ``performance.service.cascade`` holds: indicator weights per goal and link weights per parent add to 100;
- check-ins: month-end actuals (quarter-end for rubric levels) over the elapsed part of each
  period, drifting towards an end value set by the performance of whoever owns the goal;
- collaboration: a few dozen service items between departments, rated 1-5 by people of the consumer
  department (who get log-in-less user accounts: a rating needs a rater user);
- rating events: self, manager and peer performance ratings, potential (1..3) and competency; approved
  manager ratings and a handful of calibration adjustments with reasons in the closed year;
- points: the four standard rules and ledger entries, corrections as compensating entries;
- scores: the open periods recomputed with ``performance.service.rollup``; the past ones closed through
  ``performance.service.periods`` (review -> calibration -> closed), which freezes indicator results and
  writes ``performance_scores`` outbox rows.

The people behind it. ``hcm.seed`` simulates a latent performance per person (AR(1) month to month) that
drove merit pay, promotions and exits but is never written. When the database is an untouched
``hcm.seed`` company, that company is rebuilt in memory from its seed (cheap: the same generator) and the
latent is used as it is, carried back and forward month by month with the same AR(1); so ratings and
goal results agree with the careers already in the database. Otherwise a latent is derived from what
the data shows (recent promotions and demotions, position in the pay band) plus noise.

Bulk rows are written with ``hcm.seed.write.Writer`` (executemany on SQLite, COPY on PostgreSQL) in the
same single transaction as the service calls; the per-row services are never called for bulk rows.
"""

from __future__ import annotations

import functools
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from hcm.auth.models import Role, User
from hcm.db import make_engine
from hcm.errors import Conflict, Invalid
from hcm.org.models import (
    Assignment,
    BusinessProcess,
    Department,
    Employee,
    EmployeeStatus,
    Grade,
    JobFamily,
    Position,
    process_departments,
)
from hcm.seed.write import Row, Writer
from performance import scoring
from performance.models import (
    Direction,
    GoalLevel,
    IndicatorClass,
    IndicatorKind,
    Period,
    PeriodKind,
    PeriodState,
    RatingKind,
    RatingSource,
    RatingStatus,
)
from performance.service import periods as period_service
from performance.service import rollup, units
from performance.service.cascade import default_formula
from performance.service.points import PEER_RECOGNITION, PEER_RECOGNITION_LIMIT

Progress = Callable[[str, int, int], None]
CHUNK = 20_000
NO_DAY = 10**9  # "never" as a day ordinal (open assignment, no exit)
PERF_RHO = 0.8 ** (1 / 12)  # as in hcm.seed.history: performance keeps 80 % of its deviation over a year
NO_LOGIN_HASH = "!no-login: demo rater account"  # not a valid hash: verify_password is always False
POINTS_RULES = (("GOAL_ACHIEVED", "Goal achieved", 100), (PEER_RECOGNITION, "Peer recognition", 10),
                ("TRAINING_COMPLETED", "Training completed", 30), ("INNOVATION", "Innovation", 50))
BULK_TABLES = ("perf_goals", "perf_goal_links", "perf_indicators", "perf_checkins", "perf_service_items",
               "perf_collaboration_ratings", "perf_rating_events", "perf_points_rules", "perf_points_ledger")


# --- vocabulary -------------------------------------------------------------------------------------------------
Q_HI, Q_LO, Q_RANGE, MILESTONE, RUBRIC = range(5)


@dataclass(frozen=True)
class _T:
    """An indicator template. bounds: higher/lower (baseline, threshold, target, stretch); range
    (threshold_low, target_low, target_high, threshold_high); milestone (fewest, most)."""

    name: str
    shape: int
    unit: str | None = None
    bounds: tuple[float, ...] = ()
    dec: int = 1


def _hi(name: str, unit: str, b: float, t: float, g: float, s: float, dec: int = 1) -> _T:
    return _T(name, Q_HI, unit, (b, t, g, s), dec)


def _lo(name: str, unit: str, b: float, t: float, g: float, s: float, dec: int = 1) -> _T:
    return _T(name, Q_LO, unit, (b, t, g, s), dec)


def _band(name: str, unit: str, thl: float, tl: float, th: float, thh: float, dec: int = 1) -> _T:
    return _T(name, Q_RANGE, unit, (thl, tl, th, thh), dec)


def _ms(name: str, fewest: int, most: int) -> _T:
    return _T(name, MILESTONE, None, (fewest, most), 0)


def _rub(name: str) -> _T:
    return _T(name, RUBRIC, "level", (), 0)


COMPANY_GOALS: tuple[tuple[str, str, tuple[_T, ...]], ...] = (
    ("Grow revenue profitably", "Profitable growth in our core markets and in recurring revenue.",
     (_hi("Revenue growth", "%", 0, 4, 8, 12), _hi("EBIT margin", "%", 8, 9.5, 11, 12.5),
      _hi("Recurring revenue share", "%", 35, 38, 42, 46), _lo("Days sales outstanding", "days", 52, 48, 44, 40, 0))),
    ("Delight our customers", "Customers recommend us and stay with us.",
     (_hi("Net promoter score", "pts", 28, 32, 38, 45, 0), _lo("Customer churn", "%", 9, 8, 6.5, 5),
      _hi("Customer satisfaction", "%", 82, 85, 88, 91), _rub("Customer-centricity review"))),
    ("Run operations excellently", "Reliable delivery at a lower cost to serve.",
     (_hi("On-time delivery", "%", 91, 93, 95, 97), _lo("Cost-to-serve index", "pts", 100, 98, 95, 92, 0),
      _ms("ERP modernisation programme", 6, 10), _band("Capacity utilisation", "%", 72, 80, 90, 95, 0))),
    ("Be a great place to work", "Engaged people who grow here and stay.",
     (_hi("Employee engagement", "pts", 68, 70, 73, 77, 0), _lo("Voluntary turnover", "%", 12, 11, 9.5, 8),
      _hi("Senior posts filled internally", "%", 45, 50, 60, 70, 0), _rub("Leadership culture (survey)"))),
    ("Innovate for tomorrow", "New products and better ways of working.",
     (_hi("Revenue from products launched in the last 3 years", "%", 12, 15, 18, 22),
      _ms("New product launches", 3, 6), _hi("Ideas implemented", "#", 20, 35, 50, 70, 0))),
    ("Act sustainably and responsibly", "Lower emissions, clean compliance, balanced leadership.",
     (_lo("CO2 emissions (scope 1+2)", "kt", 48, 46, 43, 40), _hi("Compliance training completion", "%", 90, 94, 97, 99),
      _band("Women in leadership", "%", 30, 40, 60, 70, 0))),
)

# Operational indicators and department goal titles by job family (the family of the unit's head).
FAMILY_GOALS: dict[str, tuple[tuple[str, str], tuple[_T, ...]]] = {
    "HR": (("Hire and keep the talent the business needs", "Make people services simple and reliable"),
           (_lo("Time to hire", "days", 55, 48, 40, 32, 0), _hi("Offer acceptance rate", "%", 78, 82, 88, 93),
            _hi("Onboarding satisfaction", "pts", 70, 74, 80, 86, 0), _lo("Payroll error rate", "%", 1.2, 0.9, 0.6, 0.3, 2),
            _band("HR cost per employee vs budget", "%", 88, 96, 102, 110, 0), _ms("HR system roll-out", 4, 8))),
    "SAL": (("Hit the revenue plan", "Grow the customer base profitably"),
            (_hi("Revenue vs plan", "%", 85, 95, 100, 110), _hi("New customers won", "#", 0, 30, 40, 52, 0),
             _hi("Pipeline coverage", "x", 2.0, 2.6, 3.0, 3.6), _hi("Win rate", "%", 20, 24, 28, 33),
             _lo("Average discount", "%", 14, 12, 10, 8), _band("Sales cost vs budget", "%", 90, 97, 101, 106, 0))),
    "CS": (("Resolve customer issues at first contact", "Raise customer satisfaction"),
           (_hi("First-contact resolution", "%", 62, 68, 74, 80), _lo("Average handling time", "min", 9.5, 8.5, 7.5, 6.5),
            _hi("Customer satisfaction (CSAT)", "%", 80, 84, 88, 92),
            _lo("Backlog older than 7 days", "tickets", 140, 110, 80, 50, 0), _ms("Self-service portal release", 3, 6))),
    "OPS": (("Deliver on time, safely and at quality", "Lower the cost of operations"),
            (_hi("On-time delivery", "%", 90, 93, 95, 98), _hi("Overall equipment effectiveness", "%", 68, 72, 76, 81),
             _lo("Scrap rate", "%", 3.5, 2.8, 2.2, 1.6), _lo("Lost-time injury rate", "per 1M h", 3.0, 2.2, 1.6, 1.0),
             _band("Capacity utilisation", "%", 70, 80, 90, 95, 0), _ms("Lean programme waves", 4, 8))),
    "FIN": (("Close fast and report reliably", "Keep spending and cash under control"),
            (_lo("Days to close the books", "days", 9, 7, 6, 4, 0), _lo("Days sales outstanding", "days", 52, 47, 42, 38, 0),
             _hi("Forecast accuracy", "%", 88, 92, 95, 98), _lo("Audit findings", "#", 8, 5, 3, 1, 0),
             _band("Opex vs budget", "%", 90, 97, 101, 106, 0), _ms("Finance transformation", 4, 8))),
    "ENG": (("Ship the roadmap reliably", "Raise platform reliability"),
            (_hi("Deployment frequency", "per week", 3, 6, 8, 12, 0), _lo("Change failure rate", "%", 18, 14, 10, 6),
             _lo("Mean time to restore", "h", 6, 4.5, 3, 1.5), _hi("Service availability", "%", 99.5, 99.7, 99.9, 99.95, 2),
             _hi("Roadmap items delivered", "%", 60, 70, 80, 90, 0), _ms("Platform migration", 4, 8))),
    "IT": (("Keep the company's systems running", "Secure the workplace and the data"),
           (_lo("Ticket resolution time", "h", 20, 16, 12, 8), _hi("Service desk satisfaction", "%", 82, 86, 90, 94),
            _hi("Systems uptime", "%", 99.3, 99.5, 99.7, 99.9, 2),
            _lo("Critical vulnerabilities open > 30 days", "#", 25, 15, 8, 3, 0),
            _hi("Patch compliance", "%", 85, 90, 95, 98), _ms("Cloud migration", 4, 8))),
    "MKT": (("Generate demand for sales", "Build the brand"),
            (_hi("Marketing-qualified leads vs plan", "%", 80, 90, 100, 115, 0), _hi("Brand awareness", "%", 28, 31, 34, 38),
             _lo("Cost per lead", "EUR", 95, 85, 75, 65, 0), _hi("Campaign ROI", "x", 2.0, 2.5, 3.0, 3.6),
             _ms("Brand refresh", 3, 6))),
    "LEG": (("Protect the company", "Advise the business fast"),
            (_lo("Contract review turnaround", "days", 9, 7, 5, 3, 0),
             _hi("Compliance training completion", "%", 85, 90, 95, 99),
             _lo("Open litigation exposure", "EUR m", 12, 10, 8, 6), _lo("Data-protection incidents", "#", 8, 6, 4, 2, 0),
             _ms("Policy framework update", 3, 6))),
    "PRD": (("Build products customers adopt", "Bring products to market faster"),
            (_hi("Feature adoption", "%", 25, 30, 35, 42), _hi("Product NPS", "pts", 25, 30, 36, 44, 0),
             _lo("Time to market", "weeks", 20, 17, 14, 11, 0), _hi("Experiments run", "#", 10, 16, 20, 28, 0),
             _ms("Product launch plan", 3, 6))),
    "SCM": (("Secure supply at the right cost", "Plan demand and stock precisely"),
            (_hi("Forecast accuracy", "%", 72, 77, 82, 87), _lo("Inventory days", "days", 65, 58, 52, 45, 0),
             _hi("Supplier on-time delivery", "%", 88, 91, 94, 97),
             _lo("Logistics cost per order", "EUR", 14, 12.5, 11, 9.5),
             _band("Stock coverage", "weeks", 2, 3, 5, 6), _ms("Supplier consolidation", 3, 6))),
    "RND": (("Turn research into products", "Strengthen the research pipeline"),
            (_hi("Prototypes validated", "#", 2, 5, 7, 10, 0), _hi("Patent filings", "#", 1, 3, 5, 8, 0),
             _hi("Research milestones on time", "%", 65, 75, 85, 92, 0), _ms("Research programme", 4, 8))),
    "EXE": (("Steer the strategy", "Run the executive agenda"),
            (_hi("Strategic initiatives on track", "%", 60, 70, 80, 90, 0), _ms("Strategy review cycle", 4, 6),
             _hi("Board actions closed on time", "%", 75, 85, 95, 100, 0))),
}
MANAGEMENT: tuple[_T, ...] = (
    _hi("Development plans in place", "%", 60, 75, 90, 100, 0), _hi("Training hours completed", "h", 0, 16, 24, 36, 0),
    _ms("Personal development plan", 3, 6), _ms("Certification path", 2, 5), _rub("Collaboration and stakeholder feedback"),
    _rub("Quality of work"), _rub("Knowledge sharing"), _hi("Goals reviewed on time", "%", 70, 85, 95, 100, 0),
    _band("Working-time balance (overtime share)", "%", 0, 1, 6, 10, 0),
)
MANAGER_MANAGEMENT: tuple[_T, ...] = (
    _hi("Team engagement score", "pts", 68, 71, 75, 80, 0), _lo("Regretted attrition in the team", "%", 9, 7, 5, 3),
    _hi("One-to-ones held", "%", 60, 75, 90, 100, 0), _rub("Leadership behaviours"),
    _band("Team budget adherence", "%", 90, 97, 101, 106, 0),
)
PROCESS_GOALS: dict[str, tuple[str, tuple[_T, ...]]] = {
    "O2C": ("Shorten order to cash",
            (_lo("Order-to-cash cycle time", "days", 48, 44, 40, 35, 0), _hi("Perfect order rate", "%", 86, 89, 92, 95),
             _lo("Billing disputes", "%", 4, 3.2, 2.5, 1.8))),
    "P2P": ("Make procure to pay lean",
            (_lo("Invoice processing cost", "EUR", 9, 7.5, 6, 5), _hi("Purchase orders compliant", "%", 80, 86, 92, 96),
             _hi("On-time payment", "%", 85, 90, 94, 97))),
    "H2R": ("Smooth the employee lifecycle",
            (_lo("Time to productivity", "weeks", 14, 12, 10, 8, 0), _hi("First-year retention", "%", 80, 84, 88, 92),
             _ms("Lifecycle digitisation", 3, 6))),
    "R2R": ("Report fast and right",
            (_lo("Days to report", "days", 12, 10, 8, 6, 0), _lo("Post-close adjustments", "#", 30, 22, 15, 8, 0),
             _rub("Reporting quality review"))),
    "I2M": ("Bring ideas to market faster",
            (_lo("Idea-to-launch lead time", "months", 14, 12, 10, 8, 0), _ms("Stage-gate reviews held", 4, 8),
             _hi("Launch success rate", "%", 50, 60, 70, 80, 0))),
    "I2R": ("Resolve issues for good",
            (_lo("Mean time to resolve", "h", 30, 26, 20, 15, 0), _lo("Repeat incidents", "%", 12, 10, 7, 5),
             _hi("Root causes fixed", "%", 50, 60, 70, 80, 0))),
    "F2F": ("Plan and fulfil demand",
            (_hi("Forecast accuracy", "%", 72, 76, 80, 85), _band("Inventory days", "days", 35, 42, 55, 62, 0),
             _hi("Order fill rate", "%", 90, 93, 96, 98))),
}
PROCESS_DEFAULT = ("Run the process end to end",
                   (_lo("Cycle time", "days", 20, 17, 14, 11, 0), _hi("First-pass yield", "%", 80, 85, 90, 94),
                    _ms("Process improvements", 3, 6)))
SERVICES: dict[str, tuple[str, ...]] = {
    "HR": ("Recruiting support", "Onboarding of new hires", "HR advisory", "Payroll queries", "Learning programmes"),
    "IT": ("Workplace and laptop support", "Access requests", "Business application support", "Network and telephony"),
    "FIN": ("Monthly management reporting", "Budget planning support", "Supplier payments", "Business controlling"),
    "LEG": ("Contract review", "Compliance advice", "Data-protection advice"),
    "ENG": ("Platform availability", "API integrations", "Internal tooling"),
    "MKT": ("Campaign support", "Sales collateral", "Market insights"),
    "OPS": ("Production to plan", "Facility services", "Quality inspections"),
    "SCM": ("Purchasing", "Inbound logistics", "Demand forecasts"),
    "CS": ("Customer feedback insights", "Escalation handling"),
    "SAL": ("Sales forecast", "Customer requirements"),
    "PRD": ("Roadmap communication", "User research"),
    "RND": ("Research insights", "Prototype testing"),
}
COMMENTS_LOW = ("Behind plan: recovery actions agreed", "Delayed by a dependency on another team",
                "Lower volume than planned this month", "Resourcing gap, catching up next month")
COMMENTS_OK = ("On track", "As planned", "Steady progress", "In line with the forecast")
COMMENTS_HIGH = ("Ahead of plan", "Strong month", "Milestone delivered early", "Better than expected")
COLLAB_COMMENTS = {1: ("Requests go unanswered for weeks", "Hard to reach, no clear owner"),
                   2: ("Slow turnaround", "Quality varies a lot"), 3: ("Fine, nothing special", "Usually works out"),
                   4: ("Reliable and quick", "Good partner"), 5: ("Outstanding support", "Always goes the extra mile")}
CALIBRATION_DOWN = ("Calibration panel: goal results do not support this rating; aligned with peers in the division",
                    "Calibration panel: strong year, but not above peers with comparable results",
                    "Aligned to the target distribution after reviewing results and evidence")
CALIBRATION_UP = ("Calibration panel: results across all indicators were under-rated",
                  "Raised after cross-department feedback and goal results",
                  "Evidence from the peer reviews supports a higher rating")
CORRECTIONS = ("Correction: awarded twice for the same achievement", "Correction: booked to the wrong person",
               "Correction: training was not completed after all", "Correction: amount above the rule's amount")


# --- the report -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PerformanceSeedReport:
    seed: int
    today: date
    periods: tuple[tuple[str, str], ...]  # (code, state)
    rows: dict[str, int]
    latent: str  # where the people's performance came from
    employee_scores: dict[str, tuple[int, float]]  # annual period code -> (employees scored, mean score)
    seconds: float

    def __str__(self) -> str:
        states = ", ".join(f"{c} {s}" for c, s in self.periods)
        scores = "; ".join(f"{c}: {n:,} employees scored, mean {m:.1f}" for c, (n, m) in self.employee_scores.items())
        counts = ", ".join(f"{v:,} {k}" for k, v in self.rows.items())
        return (f"performance demo data (seed {self.seed}, as of {self.today}): {states}. {counts}. {scores}. "
                f"Performance latent: {self.latent}. {self.seconds:.1f} s")


# --- small helpers ----------------------------------------------------------------------------------------------
def _code(text: str) -> str:
    """A business key as goal codes allow it (letters, digits and _.:/-)."""
    return re.sub(r"[^A-Za-z0-9_.:/-]+", "-", text).strip("-")[:48] or "X"


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _mi(d: date) -> int:
    return d.year * 12 + d.month - 1


@functools.cache
def _iso(day: int) -> str:
    return date.fromordinal(day).isoformat()


_CLOCK = [f"{m // 60:02d}:{m % 60:02d}:00.000000" for m in range(24 * 60)]


def _ts(day: int, minute: int) -> str:
    """Day ordinal and minute of the day -> the stored timestamp text."""
    return f"{_iso(day)} {_CLOCK[minute]}"


class _Stream:
    """Scalar draws for the per-person loops, from buffered numpy draws (a numpy call per scalar costs
    microseconds; hundreds of thousands of them add up)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self._u: list[float] = []
        self._z: list[float] = []

    def u(self) -> float:
        if not self._u:
            self._u = self.rng.random(1 << 16).tolist()[::-1]
        return self._u.pop()

    def z(self) -> float:
        if not self._z:
            self._z = self.rng.normal(0, 1, 1 << 16).tolist()[::-1]
        return self._z.pop()

    def between(self, lo: int, hi: int) -> int:
        """A whole number in [lo, hi]."""
        return lo + min(int(self.u() * (hi - lo + 1)), hi - lo)

    def pick(self, seq: Sequence[Any]) -> Any:
        return seq[self.between(0, len(seq) - 1)]

    def shuffled(self, seq: Iterable[Any]) -> list[Any]:
        pool = list(seq)
        for i in range(len(pool) - 1):
            j = self.between(i, len(pool) - 1)
            pool[i], pool[j] = pool[j], pool[i]
        return pool

    def sample(self, seq: Sequence[int], k: int) -> list[int]:
        """k distinct items (all when fewer), sorted."""
        pool = list(seq)
        for i in range(min(k, len(pool))):
            j = self.between(i, len(pool) - 1)
            pool[i], pool[j] = pool[j], pool[i]
        return sorted(pool[:k])


def split_100(raw: Sequence[float]) -> list[float]:
    """Weights proportional to ``raw`` that add to 100: shares rounded to hundredths (largest remainder,
    each at least one unit), the largest share taking ``100 - sum(others)`` so float rounding cannot
    break the sum and no weight comes out zero or negative."""
    k = len(raw)
    if k == 0:
        return []
    if k == 1:
        return [100.0]
    unit_scale = 100 if k <= 2000 else 10_000  # hundredths; ten-thousandths for very large families
    total_units = 100 * unit_scale
    r = np.asarray(raw, dtype=float)
    share = r / r.sum() * total_units
    units = np.maximum(1, np.floor(share)).astype(np.int64)
    left = total_units - int(units.sum())
    order = np.argsort(-(share - np.floor(share)), kind="stable")
    if left > 0:
        units[order[:left]] += 1
    elif left < 0:  # the minimum of one unit overdrew: take it back from the largest
        for j in np.argsort(-units, kind="stable"):
            if left == 0:
                break
            take = min(int(units[j]) - 1, -left)
            units[j] -= take
            left += take
    w: list[float] = (units / unit_scale).tolist()
    big = int(np.argmax(units))
    w[big] = 100.0 - sum(x for i, x in enumerate(w) if i != big)
    return w


INDICATOR_SPLITS = {1: ((100,),), 2: ((50, 50), (60, 40), (70, 30)),
                    3: ((40, 30, 30), (50, 25, 25), (34, 33, 33), (40, 40, 20)),
                    4: ((25, 25, 25, 25), (40, 20, 20, 20), (30, 30, 20, 20), (35, 25, 20, 20))}


# --- the org as the database holds it ---------------------------------------------------------------------------
@dataclass
class _World:
    today: date
    seeded_on: date | None
    emp_id: np.ndarray  # row -> employee id
    ext: list[str]
    hire: np.ndarray  # day ordinals
    exit: np.ndarray  # NO_DAY when active
    active: np.ndarray
    cur_pos: np.ndarray  # position id, 0 when none
    salary: np.ndarray  # NaN when unknown
    birth: np.ndarray  # NaN when unknown
    pos_dept: dict[int, int]
    pos_boss: dict[int, int | None]
    pos_grade: dict[int, int]
    pos_mid: dict[int, float]
    pos_family: dict[int, str]
    pos_title: dict[int, str]
    pos_code: dict[int, str]
    dept_parent: dict[int, int | None]
    dept_code: dict[int, str]
    dept_name: dict[int, str]
    dept_head: dict[int, int | None]
    processes: list[tuple[int, str, str, int | None, list[int]]]  # id, code, name, owner dept, departments
    a_emp: np.ndarray  # assignment rows: employee row, position id (0 on exit rows), start, end days, reason
    a_pos: np.ndarray
    a_start: np.ndarray
    a_end: np.ndarray
    a_reason: np.ndarray  # 1 promotion, -1 demotion, 0 otherwise
    user_of: dict[int, int]  # employee row -> user id
    hr_user: int | None
    hr_emp_row: int
    depth: dict[int, int] = field(default_factory=dict)
    goal_dept: dict[int, int | None] = field(default_factory=dict)
    family_of_dept: dict[int, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.emp_id)

    def employed(self, day: int) -> np.ndarray:
        return (self.hire <= day) & (self.exit > day)

    def unit_above(self, unit: int) -> int | None:
        """The goal unit above a goal unit (a department's division), None at the top."""
        parent = self.dept_parent.get(unit)
        return self.goal_dept.get(parent) if parent is not None else None

    def snapshot(self, day: int) -> dict[int, int]:
        """position id -> employee row holding it at ``day``."""
        if day >= self.today.toordinal():
            return {int(p): int(e) for e, p in enumerate(self.cur_pos.tolist()) if p and self.active[e]}
        if len(self.a_emp):
            cover = (self.a_start <= day) & (day < self.a_end) & (self.a_pos > 0)
            idx = np.flatnonzero(cover)
            return dict(zip(self.a_pos[idx].tolist(), self.a_emp[idx].tolist(), strict=True))
        ok = self.employed(day) & (self.cur_pos > 0)
        return {int(self.cur_pos[e]): int(e) for e in np.flatnonzero(ok)}


def _load(conn: Connection, today: date) -> _World:
    emps = conn.execute(select(Employee.id, Employee.external_id, Employee.hire_date, Employee.exit_date,
                               Employee.status, Employee.position_id, Employee.salary, Employee.birth_year)
                        .order_by(Employee.id)).all()
    row_of = {r.id: i for i, r in enumerate(emps)}
    emp_id = np.asarray([r.id for r in emps], dtype=np.int64)
    hire = np.asarray([r.hire_date.toordinal() for r in emps], dtype=np.int64)
    exit_ = np.asarray([r.exit_date.toordinal() if r.exit_date else NO_DAY for r in emps], dtype=np.int64)
    active = np.asarray([r.status == EmployeeStatus.ACTIVE.value or r.status == EmployeeStatus.ACTIVE for r in emps],
                        dtype=bool)
    exit_[active] = NO_DAY
    cur_pos = np.asarray([r.position_id or 0 for r in emps], dtype=np.int64)
    salary = np.asarray([float(r.salary) if r.salary is not None else np.nan for r in emps], dtype=float)
    birth = np.asarray([float(r.birth_year) if r.birth_year is not None else np.nan for r in emps], dtype=float)

    pos = conn.execute(select(Position.id, Position.code, Position.department_id, Position.reports_to_id, Position.title,
                              Grade.level, Grade.pay_mid, JobFamily.code.label("family"))
                       .outerjoin(Grade, Grade.id == Position.grade_id)
                       .outerjoin(JobFamily, JobFamily.id == Position.job_family_id)).all()
    depts = conn.execute(select(Department.id, Department.code, Department.name, Department.parent_id,
                                Department.head_position_id).order_by(Department.id)).all()
    links: dict[int, list[int]] = defaultdict(list)
    for pid, did in conn.execute(select(process_departments.c.process_id, process_departments.c.department_id)
                                 .order_by(process_departments.c.process_id, process_departments.c.department_id)):
        links[pid].append(did)
    procs = [(r.id, r.code, r.name, r.owner_department_id, links.get(r.id, []))
             for r in conn.execute(select(BusinessProcess.id, BusinessProcess.code, BusinessProcess.name,
                                          BusinessProcess.owner_department_id).order_by(BusinessProcess.id))]
    asg = conn.execute(select(Assignment.employee_id, Assignment.position_id, Assignment.start_date,
                              Assignment.end_date, Assignment.reason).order_by(Assignment.id)).all()
    reason_code = {"promotion": 1, "demotion": -1}
    users = conn.execute(select(User.id, User.username, User.employee_id, User.role).order_by(User.id)).all()
    user_of = {row_of[u.employee_id]: u.id for u in users if u.employee_id in row_of}
    hr = next((u for u in users if u.username == "hr"), None) or next(
        (u for u in users if str(u.role) in (Role.HR_ADMIN.value, str(Role.HR_ADMIN))), None)
    seeded = conn.execute(select(func.max(Department.created_at))).scalar()
    if isinstance(seeded, str):
        seeded = datetime.fromisoformat(seeded)
    w = _World(
        today=today, seeded_on=seeded.date() if seeded is not None else None,
        emp_id=emp_id, ext=[r.external_id for r in emps], hire=hire, exit=exit_, active=active, cur_pos=cur_pos,
        salary=salary, birth=birth,
        pos_dept={r.id: r.department_id for r in pos}, pos_boss={r.id: r.reports_to_id for r in pos},
        pos_grade={r.id: int(r.level or 3) for r in pos},
        pos_mid={r.id: float(r.pay_mid) if r.pay_mid is not None else np.nan for r in pos},
        pos_family={r.id: r.family or "" for r in pos}, pos_title={r.id: r.title for r in pos},
        pos_code={r.id: _code(r.code) for r in pos},
        dept_parent={r.id: r.parent_id for r in depts}, dept_code={r.id: _code(r.code) for r in depts},
        dept_name={r.id: r.name for r in depts}, dept_head={r.id: r.head_position_id for r in depts},
        processes=procs,
        a_emp=np.asarray([row_of[a.employee_id] for a in asg], dtype=np.int64),
        a_pos=np.asarray([a.position_id or 0 for a in asg], dtype=np.int64),
        a_start=np.asarray([a.start_date.toordinal() for a in asg], dtype=np.int64),
        a_end=np.asarray([a.end_date.toordinal() if a.end_date else NO_DAY for a in asg], dtype=np.int64),
        a_reason=np.asarray([reason_code.get(str(getattr(a.reason, "value", a.reason)), 0) for a in asg], dtype=np.int64),
        user_of=user_of, hr_user=hr.id if hr else None,
        hr_emp_row=row_of.get(hr.employee_id, -1) if hr and hr.employee_id else -1,
    )
    _shape_departments(w)
    return w


def _shape_departments(w: _World) -> None:
    """Depth of each department; the unit whose goals a department's posts support (the division or
    second-level department above it); the job family that names each unit's goals."""
    for d in w.dept_parent:
        k, cur = 0, w.dept_parent[d]
        while cur is not None and k < 64:
            k, cur = k + 1, w.dept_parent.get(cur)
        w.depth[d] = k
    units = {d for d, k in w.depth.items() if k in (1, 2)} or set(w.depth)
    for d in w.dept_parent:
        unit: int | None = d
        while unit is not None and unit not in units:
            unit = w.dept_parent.get(unit)
        w.goal_dept[d] = unit
    fam_count: dict[int, Counter[str]] = defaultdict(Counter)
    for p, d in w.pos_dept.items():
        g = w.goal_dept.get(d)
        if g is not None and w.pos_family[p]:
            fam_count[g][w.pos_family[p]] += 1
    for d in units:
        head = w.dept_head.get(d)
        fam = w.pos_family.get(head, "") if head else ""
        if fam not in FAMILY_GOALS:
            common = [f for f, _ in fam_count[d].most_common() if f in FAMILY_GOALS]
            fam = common[0] if common else "OPS"
        w.family_of_dept[d] = fam


# --- the latent performance -------------------------------------------------------------------------------------
def _latent(w: _World, org_seed: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, str]:
    """Per employee row: the latent performance at an anchor month, and that month (``_mi``). From the
    ``hcm.seed`` company itself when the database is one (verified row by row), else derived."""
    from hcm import seed as seeding

    n_active = int(w.active.sum())
    if w.seeded_on is not None and seeding.MIN_EMPLOYEES <= n_active <= 200_000:
        try:
            co = seeding.build(n_active, seed=org_seed, today=w.seeded_on)
        except Invalid:
            co = None
        if co is not None and _same_people(co, w):
            h = co.history
            exit_m = np.asarray([_mi(date.fromordinal(int(d))) if d != NO_DAY else 0 for d in w.exit.tolist()])
            anchor = np.where(w.active, _mi(w.seeded_on), exit_m)
            return h.perf.astype(float), anchor, f"the org seed's own latent (hcm.seed company rebuilt from seed {org_seed})"
    # Derived: recent promotions and demotions and the position in the pay band, plus noise.
    today = w.today.toordinal()
    recent = w.a_start >= today - 3 * 365
    promos = np.bincount(w.a_emp[recent & (w.a_reason == 1)], minlength=w.n).astype(float)
    demos = np.bincount(w.a_emp[recent & (w.a_reason == -1)], minlength=w.n).astype(float)
    last_pos = w.cur_pos.copy()
    if len(w.a_emp):
        held = w.a_pos > 0
        last_pos[w.a_emp[held]] = np.where(last_pos[w.a_emp[held]] > 0, last_pos[w.a_emp[held]], w.a_pos[held])
    mid = np.asarray([w.pos_mid.get(int(p), np.nan) for p in last_pos.tolist()])
    cr = np.nan_to_num(w.salary / mid - 1.0, nan=0.0)
    signal = 0.9 * promos - 1.2 * demos + 6.0 * cr
    sd = float(signal.std()) or 1.0
    z = 0.55 * (signal - signal.mean()) / sd + np.sqrt(1 - 0.55**2) * rng.normal(0, 1, w.n)
    exit_m = np.asarray([_mi(date.fromordinal(int(d))) if d != NO_DAY else _mi(w.today) for d in w.exit.tolist()])
    return z, exit_m, "derived from promotions, demotions and pay position (no hcm.seed company to rebuild)"


def _same_people(co: Any, w: _World) -> bool:
    """Is the database exactly the company ``hcm.seed`` builds (same people, hire days, posts)?"""
    h = co.history
    return bool(h.n == w.n and np.array_equal(w.emp_id, np.arange(1, h.n + 1))
                and [co.external_id(i) for i in range(h.n)] == w.ext
                and np.array_equal(h.hire_day, w.hire) and np.array_equal(h.active, w.active)
                and np.array_equal(np.where(h.pos >= 0, h.pos + 1, 0), w.cur_pos))


def _paths(perf: np.ndarray, anchor: np.ndarray, first: int, last: int, rng: np.random.Generator) -> np.ndarray:
    """Monthly latent paths over months ``first..last`` (``_mi``), through each person's anchor value,
    with the AR(1) of the org seed (a stationary AR(1) runs the same way backwards)."""
    lo, hi = min(first, int(anchor.min())), max(last, int(anchor.max()))
    m = hi - lo + 1
    a = anchor - lo
    s = np.sqrt(1 - PERF_RHO**2)
    eps = rng.normal(0, 1, (len(perf), m))
    out = np.zeros((len(perf), m))
    for j in range(m - 1, -1, -1):
        nxt = out[:, j + 1] if j + 1 < m else np.zeros(len(perf))
        out[:, j] = np.where(a == j, perf, np.where(j < a, PERF_RHO * nxt + s * eps[:, j], 0.0))
    for j in range(1, m):
        out[:, j] = np.where(j > a, PERF_RHO * out[:, j - 1] + s * eps[:, j], out[:, j])
    return out[:, first - lo: last - lo + 1]


# --- the seeder -------------------------------------------------------------------------------------------------
@dataclass
class _Annual:
    period_id: int
    code: str
    year: int
    start: int  # day ordinals
    end: int  # exclusive (the next Jan 1)
    cutoff: int  # last day with data: the period's last day, or yesterday for the current one
    closed: bool
    holders: dict[int, int]  # position id -> employee row
    z: np.ndarray  # standardized period performance per employee row
    dept_effect: dict[int, float]


class _Ids:
    def __init__(self, conn: Connection, tables: Iterable[str]) -> None:
        self.next: dict[str, int] = {}
        for t in tables:
            self.next[t] = int(conn.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {t}").scalar_one()) + 1

    def take(self, table: str, k: int = 1) -> int:
        first = self.next[table]
        self.next[table] = first + k
        return first


class _Seeder:
    def __init__(self, conn: Connection, *, seed: int, org_seed: int, today: date, progress: Progress | None) -> None:
        self.conn = conn
        self.seed = seed
        self.org_seed = org_seed
        self.today = today
        self.progress = progress
        self.rng = {name: np.random.default_rng(s) for name, s in zip(
            ("latent", "plan", "checkins", "collab", "ratings", "points"),
            np.random.SeedSequence([seed, 0x7E5F]).spawn(6), strict=True)}
        self.w = _load(conn, today)
        self.writer = Writer(conn, total=0, progress=None)
        self.ids = _Ids(conn, (*[t for t in BULK_TABLES if t != "perf_goal_links"], "users"))
        self.session = Session(bind=conn, autoflush=False)
        self.counts: dict[str, int] = defaultdict(int)
        self.new_users = 0
        self.unit_char: dict[int, float] = {}  # each unit's persistent character, carried from year to year

    # --- plumbing ---------------------------------------------------------------------------------------------
    def tick(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(phase, min(done, total), max(total, 1))

    def write(self, table: str, columns: Sequence[str], rows: list[Row], phase: str, done: int = 0,
              total: int | None = None) -> int:
        """Write ``rows`` in chunks, reporting progress under ``phase`` from ``done`` towards ``total``."""
        total = total if total is not None else done + len(rows)

        def chunks() -> Iterator[list[Row]]:
            for lo in range(0, len(rows), CHUNK):
                part = rows[lo: lo + CHUNK]
                yield part
                self.tick(phase, done + lo + len(part), total)

        self.writer.rows(table, columns, chunks())
        self.counts[table] += len(rows)
        return done + len(rows)

    # --- the whole run ------------------------------------------------------------------------------------------
    def run(self) -> tuple[list[Period], str, dict[str, tuple[int, float]]]:
        w = self.w
        today = self.today
        y = today.year
        first, last = _mi(date(y - 1, 1, 1)), _mi(today)
        perf, anchor, source = _latent(w, self.org_seed, self.rng["latent"])
        self.paths = _paths(perf, anchor, first, last, self.rng["latent"])
        self.month0 = first
        self.writer.drop_foreign_keys((*BULK_TABLES, "users"))

        periods = self.create_periods()
        closed_year, current_year = periods[0], periods[1]
        self.annuals = [self.annual(closed_year, closed=True), self.annual(current_year, closed=False)]
        self.plan()
        for a in self.annuals:  # the plan is complete: the service checks every weight rule on the way
            period_service.advance(self.session, period_id=a.period_id, to=PeriodState.IN_PROGRESS)
        self.checkins()
        self.collaboration()
        self.ratings()
        self.points()
        self.writer.restore_foreign_keys()
        self.writer.finish((*[t for t in BULK_TABLES if t != "perf_goal_links"], "users"))  # PostgreSQL: ids, stats
        if self.conn.dialect.name == "sqlite":
            # Without statistics SQLite joins the final-rating window to the employees by a nested scan (the
            # employee scores of a 20,000-person year took half a minute); with them it builds an index.
            for t in (*BULK_TABLES, "users", "employees", "positions"):
                self.conn.exec_driver_sql(f"ANALYZE {t}")
        scores = self.scores(periods)
        self.session.flush()
        return periods, source, scores

    # --- periods ---------------------------------------------------------------------------------------------------
    def create_periods(self) -> list[Period]:
        s, y = self.session, self.today.year
        made = [period_service.create_period(s, code=f"FY{y - 1}", name=f"Year {y - 1}", kind=PeriodKind.ANNUAL,
                                             start_date=date(y - 1, 1, 1), end_date=date(y, 1, 1)),
                period_service.create_period(s, code=f"FY{y}", name=f"Year {y}", kind=PeriodKind.ANNUAL,
                                             start_date=date(y, 1, 1), end_date=date(y + 1, 1, 1))]
        for q in range(4):
            start, end = date(y, 3 * q + 1, 1), (date(y, 3 * q + 4, 1) if q < 3 else date(y + 1, 1, 1))
            made.append(period_service.create_period(s, code=f"FY{y}-Q{q + 1}", name=f"Q{q + 1} {y}",
                                                     kind=PeriodKind.QUARTER, start_date=start, end_date=end,
                                                     parent_id=made[1].id))
        self.tick("performance goals", 0, 1)
        return made

    def annual(self, p: Period, *, closed: bool) -> _Annual:
        w = self.w
        start, end = p.start_date.toordinal(), p.end_date.toordinal()
        cutoff = end - 1 if closed else self.today.toordinal() - 1
        snap = end - 1 if closed else self.today.toordinal()
        holders = w.snapshot(snap)
        m0 = _mi(p.start_date) - self.month0
        m1 = min(_mi(date.fromordinal(max(cutoff, start))), _mi(p.end_date) - 1) - self.month0
        mean = self.paths[:, m0: m1 + 1].mean(axis=1)
        pop = w.employed(snap)
        mu, sd = float(mean[pop].mean()) if pop.any() else 0.0, float(mean[pop].std()) if pop.sum() > 1 else 1.0
        z = (mean - mu) / (sd or 1.0)
        # A unit's results: its own persistent character (carried over from last year) plus its people.
        rng = self.rng["plan"]
        units = sorted(d for d in w.depth if w.goal_dept.get(d) == d)
        prev = self.unit_char
        char = {d: (0.7 * prev[d] + np.sqrt(1 - 0.49) * float(rng.normal(0, 0.45)) if d in prev
                    else float(rng.normal(0, 0.45))) for d in units}
        self.unit_char = char
        sums: dict[int, list[float]] = defaultdict(list)
        for pos_id, e in holders.items():
            g = w.goal_dept.get(w.pos_dept.get(pos_id, -1))
            while g is not None:  # the department and the division above it
                sums[g].append(float(z[e]))
                g = w.unit_above(g)
        effect = {d: char[d] + 1.2 * (float(np.mean(sums[d])) if sums[d] else 0.0) for d in units}
        return _Annual(period_id=p.id, code=p.code, year=p.start_date.year, start=start, end=end, cutoff=cutoff,
                       closed=closed, holders=holders, z=z, dept_effect=effect)

    # --- the cascade ---------------------------------------------------------------------------------------------------
    def plan(self) -> None:
        goal_cols = ("id", "period_id", "code", "title", "description", "level", "department_id", "process_id",
                     "position_id", "employee_id", "owner_employee_id", "created_at")
        ind_cols = ("id", "goal_id", "code", "name", "kind", "direction", "klass", "unit", "baseline", "threshold",
                    "target", "stretch", "target_low", "target_high", "threshold_low", "threshold_high",
                    "milestones_total", "weight", "owner_employee_id", "formula", "formula_version")
        goals: list[Row] = []
        links: list[Row] = []
        inds: list[Row] = []
        self.ind_meta: list[tuple[int, int, int, float, tuple[float, ...], int, str | None]] = []
        # (annual index, indicator id, shape, driver, bounds, decimals, unit)
        self.stream = _Stream(self.rng["plan"])
        for ai, a in enumerate(self.annuals):
            self.plan_period(ai, a, goals, links, inds)
        total = len(goals) + len(links) + len(inds)
        done = self.write("perf_goals", goal_cols, goals, "performance goals", 0, total)
        done = self.write("perf_goal_links", ("parent_goal_id", "child_goal_id", "weight"), links, "performance goals",
                          done, total)
        self.write("perf_indicators", ind_cols, inds, "performance goals", done, total)

    def plan_period(self, ai: int, a: _Annual, goals: list[Row], links: list[Row], inds: list[Row]) -> None:
        w, r = self.w, self.stream
        created = _ts(a.start - 20 if a.start - 20 < self.today.toordinal() else a.start, 9 * 60)
        eid = w.emp_id
        ceo_pos = next((p for p, b in w.pos_boss.items() if b is None), None)
        ceo = int(eid[a.holders[ceo_pos]]) if ceo_pos in a.holders else None

        def holder_id(pos: int | None) -> int | None:
            return int(eid[a.holders[pos]]) if pos is not None and pos in a.holders else None

        def goal(code: str, title: str, desc: str | None, level: GoalLevel, *, dept: int | None = None,
                 proc: int | None = None, pos: int | None = None, owner: int | None = None) -> int:
            gid = self.ids.take("perf_goals")
            goals.append((gid, a.period_id, code, title[:300], desc, level.value, dept, proc, pos, None, owner, created))
            return gid

        def indicators(gid: int, picks: list[tuple[_T, IndicatorClass]], driver: float) -> None:
            split = list(r.pick(INDICATOR_SPLITS[len(picks)]))
            weights = r.shuffled(split)
            for k, ((t, klass), wt) in enumerate(zip(picks, weights, strict=True)):
                iid = self.ids.take("perf_indicators")
                row, bounds, dec = self.indicator_row(iid, gid, f"K{k + 1}", t, klass, float(wt), r)
                inds.append(row)
                self.ind_meta.append((ai, iid, t.shape, driver + 0.25 * r.z(), bounds, dec, t.unit))

        def pick(pools: list[tuple[Sequence[_T], IndicatorClass, float]], k: int) -> list[tuple[_T, IndicatorClass]]:
            """k distinct templates; each drawn from a pool chosen with the given probabilities."""
            out: list[tuple[_T, IndicatorClass]] = []
            seen: set[str] = set()
            cum = np.cumsum([p for _, _, p in pools]).tolist()
            for _ in range(k * 6):
                if len(out) == k:
                    break
                u = r.u() * cum[-1]
                pool, klass, _ = pools[next(i for i, c in enumerate(cum) if u < c or i == len(cum) - 1)]
                t = r.pick(pool)
                if t.name not in seen:
                    seen.add(t.name)
                    out.append((t, klass))
            return out

        # company
        n_company = r.between(3, 5)
        themes = r.sample(range(len(COMPANY_GOALS)), n_company)
        company_perf = 0.15 + float(np.mean(list(a.dept_effect.values()) or [0.0])) * 0.5 + 0.25 * r.z()
        company: list[int] = []
        for k, th in enumerate(themes):
            title, desc, pool = COMPANY_GOALS[th]
            gid = goal(f"CO-{k + 1}", title, desc, GoalLevel.COMPANY, owner=ceo)
            company.append(gid)
            m = min(len(pool), r.between(2, 4))
            indicators(gid, [(pool[j], IndicatorClass.OPERATIONAL if pool[j].shape != RUBRIC else IndicatorClass.MANAGEMENT)
                             for j in r.sample(range(len(pool)), m)], company_perf)
        company_children: dict[int, list[tuple[int, float]]] = defaultdict(list)
        rr = r.shuffled(range(len(company)))
        turn = [0]

        def link_company(child: int, raw: float) -> None:
            first = company[rr[turn[0] % len(rr)]]
            turn[0] += 1
            company_children[first].append((child, raw))
            if len(company) > 1 and r.u() < 0.3:
                other = r.pick([c for c in company if c != first])
                company_children[other].append((child, raw))

        # departments: divisions and second-level departments
        headcount: Counter[int] = Counter()
        for pos_id in a.holders:
            g = w.goal_dept.get(w.pos_dept.get(pos_id, -1))
            while g is not None:
                headcount[g] += 1
                g = w.unit_above(g)
        dept_goals: dict[int, list[int]] = {}
        for d in sorted(a.dept_effect):
            fam = w.family_of_dept.get(d, "OPS")
            titles, pool = FAMILY_GOALS[fam]
            k_goals = 1 if r.u() < 0.45 else 2
            mine = []
            for k in range(k_goals):
                gid = goal(f"D-{w.dept_code[d]}-{k + 1}", titles[k], f"{w.dept_name[d]}: {titles[k].lower()}.",
                           GoalLevel.DEPARTMENT, dept=d, owner=holder_id(w.dept_head.get(d)))
                mine.append(gid)
                picks = pick([(pool, IndicatorClass.OPERATIONAL, 0.8), (MANAGER_MANAGEMENT, IndicatorClass.MANAGEMENT, 0.2)],
                             r.between(2, 4))
                indicators(gid, picks, a.dept_effect[d])
                link_company(gid, (headcount[d] + 5) ** 0.7 * (0.7 + 0.6 * r.u()))
            dept_goals[d] = mine

        # processes
        med = float(np.median([r for kids in company_children.values() for _, r in kids] or [1.0]))
        for pid, pcode, pname, owner_dept, pdepts in w.processes:
            title, pool = PROCESS_GOALS.get(pcode, PROCESS_DEFAULT)
            gid = goal(f"PR-{pcode}-1", title, f"{pname}: the process across departments.", GoalLevel.PROCESS, proc=pid,
                       owner=holder_id(w.dept_head.get(owner_dept)) if owner_dept else None)
            m = min(len(pool), r.between(2, 3))
            effect = float(np.mean([a.dept_effect.get(w.goal_dept.get(d) or -1, 0.0) for d in pdepts] or [0.0]))
            indicators(gid, [(pool[j], IndicatorClass.MANAGEMENT if pool[j].shape == RUBRIC else IndicatorClass.OPERATIONAL)
                             for j in r.sample(range(len(pool)), m)],
                       effect + 0.3 * r.z())
            link_company(gid, 1.5 * med * (0.8 + 0.4 * r.u()))

        # posts: every occupied one, linked to its department's goals (the CEO's office to the company's)
        kids_of: dict[int, int] = Counter(b for b in w.pos_boss.values() if b is not None)
        dept_children: dict[int, list[tuple[int, float]]] = defaultdict(list)
        for pos_id in sorted(a.holders):
            e = a.holders[pos_id]
            unit = w.goal_dept.get(w.pos_dept.get(pos_id, -1))
            fam = w.pos_family.get(pos_id) or (w.family_of_dept.get(unit, "OPS") if unit is not None else "EXE")
            fam = fam if fam in FAMILY_GOALS else "OPS"
            manager = kids_of.get(pos_id, 0) > 0
            driver = 0.85 * float(a.z[e]) + 0.3 * (a.dept_effect.get(unit, 0.0) if unit is not None else 0.0)
            title = w.pos_title.get(pos_id, "the post")
            n_goals = 1 if r.u() < 0.5 else 2
            grade = w.pos_grade.get(pos_id, 3)
            raw = float(grade) ** 1.5 * (0.7 + 0.6 * r.u())
            mgmt = (*MANAGEMENT, *MANAGER_MANAGEMENT) if manager else MANAGEMENT
            for k in range(n_goals):
                if k == 0:
                    gt = f"Lead {w.dept_name.get(w.pos_dept[pos_id], 'the team')} to its targets" if manager \
                        else f"Deliver the {title} objectives"
                    picks = pick([(FAMILY_GOALS[fam][1], IndicatorClass.OPERATIONAL, 0.45),
                                  (mgmt, IndicatorClass.MANAGEMENT, 0.55)], r.between(2, 4))
                else:
                    gt = "Develop the team" if manager else "Grow skills and ways of working"
                    picks = pick([(mgmt, IndicatorClass.MANAGEMENT, 1.0)], r.between(2, 3))
                gid = goal(f"P-{w.pos_code[pos_id]}-{k + 1}", gt, None, GoalLevel.POST, pos=pos_id, owner=int(eid[e]))
                indicators(gid, picks, driver)
                if unit is None:
                    link_company(gid, raw)
                    continue
                parents = dept_goals[unit]
                first = parents[(pos_id + k) % len(parents)]
                dept_children[first].append((gid, raw))
                if len(parents) > 1 and r.u() < 0.15:
                    dept_children[parents[(pos_id + k + 1) % len(parents)]].append((gid, raw))
        for parent, kids in (*company_children.items(), *dept_children.items()):
            for (child, _), wt in zip(kids, split_100([r for _, r in kids]), strict=True):
                links.append((parent, child, wt))

    def indicator_row(self, iid: int, gid: int, code: str, t: _T, klass: IndicatorClass, weight: float,
                      r: _Stream) -> tuple[Row, tuple[float, ...], int]:
        kind = {Q_HI: IndicatorKind.QUANTITATIVE, Q_LO: IndicatorKind.QUANTITATIVE, Q_RANGE: IndicatorKind.QUANTITATIVE,
                MILESTONE: IndicatorKind.MILESTONE, RUBRIC: IndicatorKind.RUBRIC}[t.shape]
        direction = {Q_LO: Direction.LOWER, Q_RANGE: Direction.RANGE}.get(t.shape, Direction.HIGHER)
        formula = default_formula(kind, direction)
        version = scoring.latest_version(formula)
        b = thr = tgt = st = tl = th = thl = thh = None
        mtotal = None
        bounds: tuple[float, ...] = ()
        if t.shape in (Q_HI, Q_LO, Q_RANGE):
            j = 0.97 + 0.06 * r.u()
            if t.unit == "%" and max(t.bounds) * j > 100:
                j = 1.0
            bounds = tuple(round(v * j, t.dec) for v in t.bounds)
            try:
                self.check_bounds(t.shape, bounds)
            except ValueError:
                bounds = t.bounds
                self.check_bounds(t.shape, bounds)
            if t.shape == Q_RANGE:
                thl, tl, th, thh = bounds
            else:
                b, thr, tgt, st = bounds
        elif t.shape == MILESTONE:
            mtotal = r.between(int(t.bounds[0]), int(t.bounds[1]))
            bounds = (float(mtotal),)
        row = (iid, gid, code, t.name, kind.value, direction.value, klass.value, t.unit, b, thr, tgt, st, tl, th, thl,
               thh, mtotal, weight, None, formula, version)
        return row, bounds, t.dec

    @staticmethod
    @functools.cache
    def check_bounds(shape: int, bounds: tuple[float, ...]) -> None:
        if shape == Q_RANGE:
            thl, tl, th, thh = bounds
            scoring.validate_bounds("range", None, None, None, target_low=tl, target_high=th, threshold_low=thl,
                                    threshold_high=thh)
        else:
            b, t, g, s = bounds
            d = "higher_is_better" if shape == Q_HI else "lower_is_better"
            scoring.validate_bounds(d, t, g, s)
            if (g - b) * (1 if shape == Q_HI else -1) <= 0:
                raise ValueError("the target must lie beyond the baseline")

    # --- check-ins -----------------------------------------------------------------------------------------------------
    def checkins(self) -> None:
        rng = self.rng["checkins"]
        meta = self.ind_meta
        cols = ("id", "indicator_id", "as_of", "actual", "milestones_done", "rubric_level", "comment", "author_user_id",
                "created_at")
        today = self.today.toordinal()
        n = len(meta)
        ai_arr = np.asarray([m[0] for m in meta], dtype=np.int64)
        iid = np.asarray([m[1] for m in meta], dtype=np.int64)
        shape = np.asarray([m[2] for m in meta], dtype=np.int64)
        q = np.asarray([m[3] for m in meta], dtype=float)
        dec = np.asarray([m[5] for m in meta], dtype=np.int64)
        pct = np.asarray([m[6] == "%" for m in meta], dtype=bool)
        b, g, centre, half = np.zeros(n), np.ones(n), np.zeros(n), np.ones(n)
        mtotal = np.ones(n, dtype=np.int64)
        for i, m in enumerate(meta):
            bd = m[4]
            if m[2] in (Q_HI, Q_LO):
                b[i], g[i] = bd[0], bd[2]
            elif m[2] == Q_RANGE:
                centre[i], half[i] = (bd[1] + bd[2]) / 2, max((bd[2] - bd[1]) / 2, 0.5)
            elif m[2] == MILESTONE:
                mtotal[i] = int(bd[0])
        # Where each indicator ends the period (share of the way from baseline to target), driven by its owner.
        f_end = 1.04 + 0.2 * q + rng.normal(0, 0.13, n)
        gamma = rng.uniform(0.7, 1.15, n)  # some indicators move early, some late
        rub_base = 3.2 + 0.8 * q + rng.normal(0, 0.5, n)
        done_end = np.floor(mtotal * np.clip(0.9 + 0.2 * q + rng.normal(0, 0.15, n), 0.0, 1.0) + 0.5).astype(np.int64)
        dev = rng.normal(0, 1, n) * np.exp(-0.4 * q) * 1.1  # ranges: good owners stay near the middle of the band
        comments = (*COMMENTS_LOW, *COMMENTS_OK, *COMMENTS_HIGH)
        per_period: list[tuple[_Annual, np.ndarray, list[tuple[int, float]]]] = []
        for ai, a in enumerate(self.annuals):
            dates = [(d, (d + 1 - a.start) / (a.end - a.start))
                     for d in (_month_end(a.year, mth).toordinal() for mth in range(1, 13)) if d <= a.cutoff]
            per_period.append((a, np.flatnonzero(ai_arr == ai), dates))
        total = sum(len(sel) * len(dates) for _, sel, dates in per_period)
        done = 0
        for a, sel, dates in per_period:
            parts: list[tuple[np.ndarray, ...]] = []
            for k, (day, e) in enumerate(dates):
                final = a.closed and k == len(dates) - 1
                keep = rng.random(len(sel)) >= (0.0 if final else 0.05)  # a few months go unreported
                keep &= (shape[sel] != RUBRIC) | (date.fromordinal(day).month % 3 == 0)  # rubrics: quarterly
                s = sel[keep]
                cnt = len(s)
                f = f_end[s] * e ** gamma[s] + rng.normal(0, 0.08, cnt) * np.sqrt(e * (1 - e))
                actual = np.where(shape[s] == Q_RANGE,
                                  centre[s] + half[s] * (dev[s] + rng.normal(0, 0.3, cnt) * (1 - 0.5 * e)),
                                  b[s] + f * (g[s] - b[s]))
                actual = np.maximum(actual, 0.0)
                actual = np.where(pct[s], np.minimum(actual, 100.0), actual)
                d = dec[s]
                actual = np.where(d == 0, np.round(actual), np.where(d == 1, np.round(actual, 1), np.round(actual, 2)))
                md = np.minimum(np.floor(done_end[s] * e ** gamma[s] + 0.5), mtotal[s]).astype(np.int64)
                rl = np.clip(np.rint(rub_base[s] + rng.normal(0, 0.3, cnt)), 1, 5).astype(np.int64)
                lag = f - e
                tone = np.where(lag < -0.1, 0, np.where(lag > 0.1, 2, 1))
                said = np.where(rng.random(cnt) < 0.08, tone * 4 + rng.integers(0, 4, cnt), -1)
                created = np.minimum(day + rng.integers(1, 6, cnt), today)
                parts.append((s, np.full(cnt, day), actual, md, rl, said, created, rng.integers(8 * 60, 18 * 60, cnt)))
            if not parts:
                continue
            cols_ = [np.concatenate(c) for c in zip(*parts, strict=True)]
            # ids in (indicator, date) order: the table and its (indicator_id, as_of, id) index fill in order
            order = np.lexsort((cols_[1], iid[cols_[0]]))
            s, day_, actual, md, rl, said, created, minute = (c[order] for c in cols_)
            sh = shape[s]
            first_id = self.ids.take("perf_checkins", len(s))
            act = actual.astype(object)
            act[sh > Q_RANGE] = None
            md_ = md.astype(object)
            md_[sh != MILESTONE] = None
            rl_ = rl.astype(object)
            rl_[sh != RUBRIC] = None
            for lo in range(0, len(s), CHUNK * 5):
                hi = min(len(s), lo + CHUNK * 5)
                rows: list[Row] = list(zip(
                    range(first_id + lo, first_id + hi), iid[s[lo:hi]].tolist(), [_iso(x) for x in day_[lo:hi].tolist()],
                    act[lo:hi].tolist(), md_[lo:hi].tolist(), rl_[lo:hi].tolist(),
                    [comments[x] if x >= 0 else None for x in said[lo:hi].tolist()], [None] * (hi - lo),
                    [_ts(c, m) for c, m in zip(created[lo:hi].tolist(), minute[lo:hi].tolist(), strict=True)], strict=True))
                done = self.write("perf_checkins", cols, rows, "check-ins", done, total)
        self.tick("check-ins", total, total)

    # --- users for raters ----------------------------------------------------------------------------------------------
    def ensure_users(self, emp_rows: Iterable[int], manager_pos: set[int]) -> None:
        """Log-in-less accounts for people who rate collaboration (a rating belongs to a user)."""
        w = self.w
        need = sorted({e for e in emp_rows if e not in w.user_of})
        if not need:
            return
        taken = set(self.conn.execute(select(User.username)).scalars())
        rows: list[Row] = []
        ts = _ts(self.today.toordinal(), 0)
        for e in need:
            name = w.ext[e].lower()
            if name in taken:
                name = f"{name}-{int(w.emp_id[e])}"
            uid = self.ids.take("users")
            role = Role.MANAGER if int(w.cur_pos[e]) in manager_pos else Role.EMPLOYEE
            rows.append((uid, name, NO_LOGIN_HASH, role.value, int(w.emp_id[e]), False, ts))
            w.user_of[e] = uid
        self.write("users", ("id", "username", "password_hash", "role", "employee_id", "is_active", "created_at"), rows,
                   "collaboration")
        self.new_users += len(rows)

    # --- collaboration -------------------------------------------------------------------------------------------------
    def members(self, holders: dict[int, int]) -> dict[int, list[int]]:
        """Employee rows in each goal unit's subtree, for holders (position id -> employee row)."""
        w = self.w
        out: dict[int, list[int]] = defaultdict(list)
        for pos_id, e in sorted(holders.items()):
            g = w.goal_dept.get(w.pos_dept.get(pos_id, -1))
            while g is not None:
                out[g].append(e)
                g = w.unit_above(g)
        return out

    def collaboration(self) -> None:
        w, r = self.w, _Stream(self.rng["collab"])
        units = sorted(d for d in self.annuals[0].dept_effect if w.depth.get(d) in (1, 2))
        if len(units) < 2:
            return
        division = {d: (d if w.depth[d] == 1 else (w.dept_parent[d] or d)) for d in units}
        proc_of: dict[frozenset[int], int] = {}
        for pid, _, _, _, pdepts in w.processes:
            divs = sorted({division[u] for u in (w.goal_dept.get(d) for d in pdepts) if u is not None and u in division})
            for x in divs:
                for y in divs:
                    if x != y:
                        proc_of.setdefault(frozenset((x, y)), pid)
        providers = [d for d in units if w.family_of_dept.get(d) in SERVICES]
        n_items = int(np.clip(round(12 + 0.012 * w.n), 24, 60))
        items: list[Row] = []
        item_meta: list[tuple[int, int, int]] = []  # id, provider, consumer
        seen: set[tuple[int, int, str]] = set()
        for _ in range(n_items * 20):
            if len(items) >= n_items or not providers:
                break
            prov, cons = r.pick(providers), r.pick(units)
            name = r.pick(SERVICES[w.family_of_dept[prov]])
            if division[cons] == division[prov] or (prov, cons, name) in seen:
                continue
            seen.add((prov, cons, name))
            sid = self.ids.take("perf_service_items")
            items.append((sid, f"SI-{sid:04d}", name, f"{w.dept_name[prov]} for {w.dept_name[cons]}", prov, cons,
                          proc_of.get(frozenset((division[prov], division[cons])))))
            item_meta.append((sid, prov, cons))
        self.write("perf_service_items", ("id", "code", "name", "description", "provider_department_id",
                                          "consumer_department_id", "process_id"), items, "collaboration")
        # raters: three to six people of the consumer department (the same few answer for their department)
        today = self.today.toordinal()
        picks: list[tuple[_Annual, int, int, int, int, list[int]]] = []  # period, from, to, item, provider, raters
        for a in self.annuals:
            if a.closed:
                lo, hi = a.end - 45, a.end - 10
            elif today - a.start > 150:
                lo, hi = max(a.start, today - 60), today - 1
            else:
                continue
            # people on the same post all through the round: on the consumer side whenever they rate
            first, end = w.snapshot(lo), w.snapshot(hi)
            members = self.members({p: e for p, e in first.items() if end.get(p) == e})
            pool_of: dict[int, list[int]] = {}
            for sid, prov, cons in item_meta:
                if cons not in pool_of:
                    people = members.get(cons, [])
                    pool_of[cons] = r.sample(people, r.between(4, 8))
                picks.append((a, lo, hi, sid, prov, r.sample(pool_of[cons], r.between(3, 6))))
        manager_pos = {b for b in w.pos_boss.values() if b is not None}
        self.ensure_users([e for *_, raters in picks for e in raters], manager_pos)
        rows: list[Row] = []
        for a, lo, hi, sid, prov, raters in picks:
            quality = a.dept_effect.get(prov, 0.0)
            for e in raters:
                score = int(np.clip(round(3.4 + 0.9 * quality + 0.75 * r.z()), 1, 5))
                comment = r.pick(COLLAB_COMMENTS[score]) if r.u() < 0.25 else None
                rows.append((self.ids.take("perf_collaboration_ratings"), a.period_id, sid, w.user_of[e], score, comment,
                             _ts(r.between(lo, hi), r.between(8 * 60, 18 * 60 - 1))))
        self.write("perf_collaboration_ratings", ("id", "period_id", "service_item_id", "rater_user_id", "score",
                                                  "comment", "created_at"), rows, "collaboration")

    # --- ratings --------------------------------------------------------------------------------------------------------
    def ratings(self) -> None:
        w, r = self.w, _Stream(self.rng["ratings"])
        today = self.today.toordinal()
        rows: list[Row] = []
        cols = ("id", "period_id", "employee_id", "kind", "source", "value", "scale_max", "rater_employee_id",
                "rater_user_id", "reason", "status", "created_at")
        perf, pot, comp = RatingKind.PERFORMANCE, RatingKind.POTENTIAL, RatingKind.COMPETENCY
        submitted, approved = RatingStatus.SUBMITTED, RatingStatus.APPROVED

        def event(a: _Annual, e: int, kind: RatingKind, source: RatingSource, value: int, window: tuple[int, int], *,
                  rater: int | None, scale: int = 5, status: RatingStatus = submitted, reason: str | None = None,
                  rater_user: int | None = None) -> int:
            rid = self.ids.take("perf_rating_events")
            day = min(r.between(*window), today)
            user = rater_user if rater_user is not None else (w.user_of.get(rater) if rater is not None else None)
            rows.append((rid, a.period_id, int(w.emp_id[e]), kind.value, source.value, float(value), scale,
                         int(w.emp_id[rater]) if rater is not None else None, user, reason, status.value,
                         _ts(day, r.between(8 * 60, 18 * 60 - 1))))
            return rid

        def rate(value: float) -> int:
            return min(5, max(1, round(value)))

        self.final_rating: dict[tuple[int, int], int] = {}
        for a in self.annuals:
            if a.closed:  # the year-end review in January, HR's approvals at its end, calibration in February
                win = {"self": (a.end + 2, a.end + 14), "manager": (a.end + 8, a.end + 24),
                       "approve": (a.end + 25, a.end + 30), "calibrate": (a.end + 38, a.end + 45)}
            elif self.today.month == 12:  # this year's review has begun
                win = {"self": (today - 20, today - 1), "manager": (today - 15, today - 1),
                       "approve": (today - 3, today - 1)}
            elif today - a.start > 215:  # the mid-year conversation and talent review have taken place
                win = {"self": (a.start + 180, a.start + 195), "manager": (a.start + 188, a.start + 205),
                       "approve": (a.start + 206, a.start + 212)}
            else:
                continue
            pos_of = {e: p for p, e in a.holders.items()}

            def reviewed(e: int, a: _Annual = a) -> bool:
                # closed year: joined in time to be reviewed and still here at the review
                return not a.closed or (w.hire[e] <= a.end - 90 and w.exit[e] > a.end + 30)

            def boss_of(e: int, a: _Annual = a, pos_of: dict[int, int] = pos_of) -> int | None:
                p = w.pos_boss.get(pos_of[e])
                while p is not None:  # a vacant boss post: the next one up rates
                    if p in a.holders:
                        return a.holders[p]
                    p = w.pos_boss.get(p)
                return None

            by_dept: dict[int, list[int]] = defaultdict(list)
            for e in sorted(pos_of):
                by_dept[w.pos_dept.get(pos_of[e], -1)].append(e)
                if not reviewed(e):
                    continue
                z = float(a.z[e])
                leaning = 3.15 + 0.8 * z + 0.45 * r.z()
                if r.u() < 0.9:
                    event(a, e, perf, RatingSource.SELF, rate(leaning + 0.35 + 0.55 * r.z()), win["self"], rater=e)
                boss = boss_of(e)
                if boss is None or r.u() < 0.05:
                    continue
                mgr = rate(leaning)
                rid = event(a, e, perf, RatingSource.MANAGER, mgr, win["manager"], rater=boss)
                if a.closed or (self.today.month == 12 and r.u() < 0.5):
                    event(a, e, perf, RatingSource.MANAGER, mgr, win["approve"], rater=boss, status=approved,
                          reason=f"approval of rating #{rid} by hr")
                    self.final_rating[(a.period_id, e)] = mgr
                grade = w.pos_grade.get(pos_of[e], 3)
                age = a.year - w.birth[e] if not np.isnan(w.birth[e]) else 40.0
                lean = 0.6 * z + 0.35 * float(np.clip((40 - age) / 10, -1.5, 1.5)) + 0.08 * (grade - 4) + 0.7 * r.z()
                potential = 1 if lean < -0.6 else 3 if lean > 0.75 else 2
                rid = event(a, e, pot, RatingSource.MANAGER, potential, win["manager"], rater=boss, scale=3)
                event(a, e, pot, RatingSource.MANAGER, potential, win["approve"], rater=boss, scale=3, status=approved,
                      reason=f"approval of rating #{rid} by hr")
                if a.closed:
                    competency = rate(3.1 + 0.55 * z + 0.6 * r.z())
                    rid = event(a, e, comp, RatingSource.MANAGER, competency, win["manager"], rater=boss)
                    event(a, e, comp, RatingSource.MANAGER, competency, win["approve"], rater=boss, status=approved,
                          reason=f"approval of rating #{rid} by hr")
            # peers: three to five colleagues of the same department, for some people
            share = 0.15 if a.closed else 0.08
            for _dept, team in sorted(by_dept.items()):
                here = [e for e in team if reviewed(e)]
                if len(here) < 4:
                    continue
                for e in here:
                    if r.u() >= share:
                        continue
                    for peer in r.sample([x for x in here if x != e], r.between(3, 5)):
                        event(a, e, perf, RatingSource.PEER, rate(3.2 + 0.6 * float(a.z[e]) + 0.7 * r.z()), win["self"],
                              rater=peer)
            if a.closed:
                self.calibrate(a, event, win["calibrate"], r)
        self.write("perf_rating_events", cols, rows, "ratings")

    def calibrate(self, a: _Annual, event: Callable[..., int], window: tuple[int, int], r: _Stream) -> None:
        """A handful of final ratings the results do not support move one step, each with its reason."""
        w = self.w
        rated = sorted((e, v) for (pid, e), v in self.final_rating.items() if pid == a.period_id)
        implied = {e: int(np.clip(round(3.0 + 0.9 * float(a.z[e])), 1, 5)) for e, _ in rated}
        down = [(e, v) for e, v in rated if v >= 4 and v - implied[e] >= 1]
        up = [(e, v) for e, v in rated if v <= 2 and implied[e] - v >= 1]
        handful = max(3, min(25, len(rated) // 150))
        n_up = min(len(up), max(1, handful // 3))
        chosen = [(down[i][0], down[i][1], -1) for i in r.sample(range(len(down)), handful - n_up)]
        chosen += [(up[i][0], up[i][1], 1) for i in r.sample(range(len(up)), n_up)]
        for e, v, step in sorted(chosen):
            event(a, e, RatingKind.PERFORMANCE, RatingSource.CALIBRATION, v + step, window,
                  rater=w.hr_emp_row if w.hr_emp_row >= 0 else None, rater_user=w.hr_user, status=RatingStatus.APPROVED,
                  reason=r.pick(CALIBRATION_UP if step > 0 else CALIBRATION_DOWN))
            self.final_rating[(a.period_id, e)] = v + step

    # --- points ---------------------------------------------------------------------------------------------------------
    def write_points_rules(self) -> None:
        rows: list[Row] = []
        self.rule_id: dict[str, int] = {}
        for code, name, amount in POINTS_RULES:
            rid = self.ids.take("perf_points_rules")
            self.rule_id[code] = rid
            rows.append((rid, code, name, amount, True))
        self.write("perf_points_rules", ("id", "code", "name", "amount", "active"), rows, "points", 0, 0)

    def points(self) -> None:
        self.write_points_rules()
        w, r = self.w, _Stream(self.rng["points"])
        today = self.today.toordinal()
        amount = {code: amt for code, _, amt in POINTS_RULES}
        rows: list[Row] = []
        cols = ("id", "period_id", "employee_id", "rule_id", "amount", "reason", "corrects_entry_id",
                "created_by_user_id", "created_at")
        hr, hr_row = w.hr_user, w.hr_emp_row

        def active_on(e: int, day: int) -> bool:
            return bool(w.hire[e] <= day < w.exit[e])

        for a in self.annuals:
            last = min(a.end + 30 if a.closed else today, today) - 1  # the closed year takes entries until its review
            if last <= a.start:
                continue
            awards: list[Row] = []  # HR's awards (what corrections may correct)

            def award(e: int, code: str, reason: str, day: int, by: int | None, a: _Annual = a,
                      awards: list[Row] = awards) -> None:
                if not active_on(e, day) or (by == hr and e == hr_row):  # active people only; nobody awards themselves
                    return
                rows.append((self.ids.take("perf_points_ledger"), a.period_id, int(w.emp_id[e]), self.rule_id[code],
                             amount[code], reason, None, by, _ts(day, r.between(8 * 60, 18 * 60 - 1))))
                if by == hr:
                    awards.append(rows[-1])

            people = sorted(set(a.holders.values()))
            # goals achieved: the top of the year at the closed year's review; the top of each past quarter this year
            moments = ([(a.end + 20, 0.3)] if a.closed else
                       [(_month_end(a.year, 3 * k).toordinal() + 12, 0.15) for k in (1, 2, 3)
                        if _month_end(a.year, 3 * k).toordinal() + 12 < today])
            zs = np.asarray([a.z[e] for e in people])
            for day, share in moments:
                cut = float(np.quantile(zs + 0.3 * self.rng["points"].normal(0, 1, len(zs)), 1 - share)) if len(zs) else 0
                for e in people:
                    if float(a.z[e]) + 0.3 * r.z() >= cut:
                        award(e, "GOAL_ACHIEVED", "Goals of the period achieved", min(day, last), hr)
            for e in people:
                for _ in range(int(r.u() < 0.45) + int(r.u() < 0.15)):
                    award(e, "TRAINING_COMPLETED", "Training course completed", r.between(a.start, last), hr)
                if r.u() < 0.02 + 0.03 * max(float(a.z[e]), 0.0):
                    award(e, "INNOVATION", "Improvement idea implemented", r.between(a.start, last), hr)
            # peer recognition from colleagues with an account, within the limit per giver and period
            given: Counter[int] = Counter()
            for _unit, team in sorted(self.members(a.holders).items()):
                for giver in (e for e in team if e in w.user_of and e != hr_row):
                    for _ in range(r.between(0, 3)):
                        e, day = r.pick(team), r.between(a.start, last)
                        if e != giver and active_on(giver, day) and active_on(e, day) \
                                and given[giver] < PEER_RECOGNITION_LIMIT:
                            given[giver] += 1
                            award(e, PEER_RECOGNITION, "Thank you for the help", day, w.user_of[giver])
            # a few corrections by HR: compensating entries pointing at the original, never edits
            for i in r.sample(range(len(awards)), max(3, len(awards) // 100)):
                orig = awards[i]
                amt = int(orig[4])
                fix = -amt if r.u() < 0.6 or amt < 20 else -(amt // 2)
                day = min(date.fromisoformat(str(orig[8])[:10]).toordinal() + r.between(3, 20), last)
                rows.append((self.ids.take("perf_points_ledger"), a.period_id, orig[2], orig[3], fix,
                             r.pick(CORRECTIONS), orig[0], hr, _ts(day, r.between(8 * 60, 18 * 60 - 1))))
        self.write("perf_points_ledger", cols, rows, "points")

    # --- scores ---------------------------------------------------------------------------------------------------------
    def scores(self, periods: list[Period]) -> dict[str, tuple[int, float]]:
        s, today = self.session, self.today
        self.tick("scores", 0, len(periods))
        out: dict[str, tuple[int, float]] = {}
        for i, p in enumerate(periods):
            if p.kind is PeriodKind.ANNUAL:
                if p.end_date <= today:  # a past year: review, calibration, then closed (frozen, outbox)
                    for to in (PeriodState.REVIEW, PeriodState.CALIBRATION, PeriodState.CLOSED):
                        period_service.advance(s, period_id=p.id, to=to)
                else:
                    if today.month == 12:
                        period_service.advance(s, period_id=p.id, to=PeriodState.REVIEW)
                    rollup.recompute(s, period_id=p.id, today=today)
                    rollup.emit_scores(s, period_id=p.id, final=False)
                people = units.scores(p, "employee")
                n, mean = s.execute(select(func.count(), func.avg(people.c.score))).one()
                out[p.code] = (int(n), round(float(mean or 0.0), 2))
            else:
                flow = []
                if p.start_date <= today:
                    flow.append(PeriodState.IN_PROGRESS)
                if p.end_date <= today:
                    flow += [PeriodState.REVIEW, PeriodState.CALIBRATION, PeriodState.CLOSED]
                for to in flow:
                    period_service.advance(s, period_id=p.id, to=to)
            self.tick("scores", i + 1, len(periods))
        return out


# --- the entry point --------------------------------------------------------------------------------------------
def _check(conn: Connection) -> None:
    try:
        n = int(conn.execute(select(func.count()).select_from(Employee).where(
            Employee.status == EmployeeStatus.ACTIVE)).scalar_one())
        periods = int(conn.execute(select(func.count()).select_from(Period)).scalar_one())
    except (OperationalError, ProgrammingError) as exc:
        raise Invalid("the database has no schema yet: run `hcm db upgrade` and `hcm seed` first") from exc
    if periods:
        raise Conflict(f"database already has {periods} performance period(s); the performance demo data needs none")
    if n == 0:
        raise Invalid("the database has no active employees: seed the org first (`hcm seed`)")


def seed_performance(engine_or_url: Engine | str, *, seed: int = 42, today: date | None = None,
                     progress: Progress | None = None, org_seed: int | None = None) -> PerformanceSeedReport:
    """Write performance demo data into a database seeded by ``hcm.seed`` (one transaction), deterministic by
    ``seed`` and ``today``. ``org_seed`` is the seed the org was built with (default: ``seed``), used to find
    the people's latent performance. Raises ``Conflict`` when performance periods exist already, ``Invalid``
    when there are no active employees. ``progress(phase, done, total)`` follows the phases."""
    started = time.perf_counter()
    today = today or date.today()
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        with engine.connect() as conn:
            _check(conn)
        with engine.begin() as conn:
            _check(conn)
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                conn.exec_driver_sql("PRAGMA cache_size=-262144")
            try:
                seeder = _Seeder(conn, seed=seed, org_seed=seed if org_seed is None else org_seed, today=today,
                                 progress=progress)
                try:
                    periods, source, scores = seeder.run()
                    states = tuple((p.code, p.state.value) for p in periods)
                finally:
                    seeder.session.close()  # the transaction is the connection's: closing neither commits nor sends
            finally:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA cache_size=-2000")
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        if isinstance(engine_or_url, str):
            engine.dispose()
    rows = dict(seeder.counts)
    rows["users (raters, no log-in)"] = seeder.new_users
    rows.pop("users", None)
    return PerformanceSeedReport(seed=seed, today=today, periods=states, rows=rows, latent=source,
                                 employee_scores=scores, seconds=round(time.perf_counter() - started, 2))
