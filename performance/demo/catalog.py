"""What the demo data is made of: the indicator templates, goal titles per job family and process, service
items, comment texts, the points rules, and the run's constants."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from performance.models import Cadence
from performance.service.points import PEER_RECOGNITION

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

# Indicators measured once a period (an annual survey or report): their cadence is ``period_end``; rubric levels
# are assessed quarterly; everything else is reported monthly (performance.service.cadence).
PERIOD_END_NAMES = frozenset({"Employee engagement", "Leadership culture (survey)", "Senior posts filled internally",
                              "Revenue from products launched in the last 3 years", "CO2 emissions (scope 1+2)"})


def cadence_of(t: _T) -> Cadence:
    if t.name in PERIOD_END_NAMES:
        return Cadence.PERIOD_END
    return Cadence.QUARTERLY if t.shape == RUBRIC else Cadence.MONTHLY


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

INDICATOR_SPLITS = {1: ((100,),), 2: ((50, 50), (60, 40), (70, 30)),
                    3: ((40, 30, 30), (50, 25, 25), (34, 33, 33), (40, 40, 20)),
                    4: ((25, 25, 25, 25), (40, 20, 20, 20), (30, 30, 20, 20), (35, 25, 20, 20))}
