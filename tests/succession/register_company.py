"""A small known company for the register, pool, bench and representation tests, with every figure the tests
check worked out by hand in their docstrings.

CO (root)
  CEO   L5 key   cora   (F, born 1962, in post since 2010-01-01)      requires LEAD 4 high, FIN 3 medium
    OPSH L3 key  bruno  (M, born 1980, OPS1 2015-07-01..2024-06-29, OPSH since 2024-06-30)  requires LEAD 3
      OPS1 L1    alice  (F, born 1990, since 2024-07-15)
      OPS2 L1    bob    (M, born 1995, since 2018-01-01)
    SALH L3      carol  (F, born 1975, since 2019-01-01)
      SAL1 L1    vacant (dave held it 2020-01-01..2025-12-31, then left)
erin held OPSH 2016-01-01..2024-03-31, then left. OPS and SAL are below CO.

Skills (effective level: the most trusted source): cora LEAD 5 (assessment), FIN 4 (manager); bruno LEAD 4
(manager; his self-assessed 5 does not count); alice LEAD 3 (self), FIN 3 (assessment); bob LEAD 2 (assessment;
self 5 does not count); carol FIN 5 (self); dave (left) LEAD 5.

Goals (FY26, planning, from 2026-01-01): company goals C1 and C2; C1 <- D-OPS 60 %, D-SAL 40 %; C2 <- D-OPS2
(an OPS goal) 100 %. Users: hr (hr_admin, nobody), exec (executive, cora), manager (bruno), employee (alice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from hcm.auth.models import Role, User
from hcm.org.models import (
    Assignment,
    Department,
    Employee,
    EmployeeSkill,
    EmployeeStatus,
    Gender,
    Grade,
    Importance,
    MoveReason,
    Position,
    PositionSkill,
    Skill,
    SkillSource,
)
from hcm.policy import Principal
from performance.models import GoalLevel, PeriodState
from succession.models import Nomination, Readiness, ReadinessChange, SuccessionPlan
from tests import factories
from tests.performance import factories as perf

AS_OF = date(2026, 6, 30)


@dataclass
class Acme:
    root: Department
    ops: Department
    sal: Department
    grades: dict[str, Grade] = field(default_factory=dict)
    posts: dict[str, Position] = field(default_factory=dict)
    people: dict[str, Employee] = field(default_factory=dict)
    skills: dict[str, Skill] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    plans: dict[str, SuccessionPlan] = field(default_factory=dict)

    def principal(self, username: str) -> Principal:
        return _principal(self, username)

    def headers(self, username: str) -> dict[str, str]:
        return factories.bearer(self.users[username])


def _principal(acme: Acme, username: str) -> Principal:
    u = acme.users[username]
    emp = next((e for e in acme.people.values() if e.id == u.employee_id), None)
    return Principal(u.id, u.username, Role(u.role), u.employee_id, emp.position_id if emp else None)


def _grade(db: Session, code: str, level: int) -> Grade:
    g = Grade(code=code, name=code, level=level, pay_min=Decimal(1000), pay_mid=Decimal(2000), pay_max=Decimal(3000))
    db.add(g)
    db.flush()
    return g


def _person(db: Session, key: str, *, gender: Gender, born: int, hired: date, status: EmployeeStatus = EmployeeStatus.ACTIVE,
            exit_date: date | None = None) -> Employee:
    e = Employee(external_id=f"AC-{key.upper()}", first_name=key.capitalize(), last_name="Acme", email=f"{key}@acme.test",
                 hire_date=hired, gender=gender, birth_year=born, status=status, exit_date=exit_date,
                 salary=Decimal(50000))
    db.add(e)
    db.flush()
    return e


def _stay(db: Session, e: Employee, pos: Position | None, start: date, end: date | None = None,
          reason: MoveReason = MoveReason.HIRE) -> None:
    db.add(Assignment(employee_id=e.id, position_id=pos.id if pos else None, start_date=start, end_date=end,
                      reason=reason))


def build(db: Session) -> Acme:
    root = factories.department(db, code="AC-CO", name="Acme")
    ops = factories.department(db, code="AC-OPS", name="Operations", parent=root)
    sal = factories.department(db, code="AC-SAL", name="Sales", parent=root)
    a = Acme(root=root, ops=ops, sal=sal)
    G = a.grades
    for code, level in (("AC-L1", 1), ("AC-L3", 3), ("AC-L5", 5)):
        G[code[3:]] = _grade(db, code, level)
    P = a.posts

    def post(code: str, title: str, dept: Department, grade: str, boss: str | None, key: bool = False) -> None:
        P[code] = Position(code=f"AC-{code}", title=title, department_id=dept.id, grade_id=G[grade].id,
                           reports_to_id=P[boss].id if boss else None, is_key=key)
        db.add(P[code])
        db.flush()

    post("CEO", "Chief Executive", root, "L5", None, key=True)
    post("OPSH", "Head of Operations", ops, "L3", "CEO", key=True)
    post("OPS1", "Operations Analyst", ops, "L1", "OPSH")
    post("OPS2", "Operations Lead", ops, "L1", "OPSH")
    post("SALH", "Head of Sales", sal, "L3", "CEO")
    post("SAL1", "Sales Rep", sal, "L1", "SALH")
    E = a.people
    E["cora"] = _person(db, "cora", gender=Gender.FEMALE, born=1962, hired=date(2010, 1, 1))
    E["bruno"] = _person(db, "bruno", gender=Gender.MALE, born=1980, hired=date(2015, 7, 1))
    E["alice"] = _person(db, "alice", gender=Gender.FEMALE, born=1990, hired=date(2024, 7, 15))
    E["bob"] = _person(db, "bob", gender=Gender.MALE, born=1995, hired=date(2018, 1, 1))
    E["carol"] = _person(db, "carol", gender=Gender.FEMALE, born=1975, hired=date(2019, 1, 1))
    E["dave"] = _person(db, "dave", gender=Gender.MALE, born=1985, hired=date(2020, 1, 1), status=EmployeeStatus.EXITED,
                        exit_date=date(2025, 12, 31))
    E["erin"] = _person(db, "erin", gender=Gender.FEMALE, born=1970, hired=date(2016, 1, 1),
                        status=EmployeeStatus.EXITED, exit_date=date(2024, 3, 31))
    for who, where in (("cora", "CEO"), ("bruno", "OPSH"), ("alice", "OPS1"), ("bob", "OPS2"), ("carol", "SALH")):
        E[who].position_id = P[where].id
    db.flush()
    _stay(db, E["cora"], P["CEO"], date(2010, 1, 1))
    _stay(db, E["bruno"], P["OPS1"], date(2015, 7, 1), date(2024, 6, 29))
    _stay(db, E["bruno"], P["OPSH"], date(2024, 6, 30), reason=MoveReason.PROMOTION)
    _stay(db, E["alice"], P["OPS1"], date(2024, 7, 15))
    _stay(db, E["bob"], P["OPS2"], date(2018, 1, 1))
    _stay(db, E["carol"], P["SALH"], date(2019, 1, 1))
    _stay(db, E["dave"], P["SAL1"], date(2020, 1, 1), date(2025, 12, 31))
    _stay(db, E["dave"], None, date(2025, 12, 31), reason=MoveReason.EXIT_VOLUNTARY)
    _stay(db, E["erin"], P["OPSH"], date(2016, 1, 1), date(2024, 3, 31))
    _stay(db, E["erin"], None, date(2024, 3, 31), reason=MoveReason.EXIT_VOLUNTARY)
    S = a.skills
    for code in ("LEAD", "FIN"):
        S[code] = Skill(code=f"AC-{code}", name=code.title(), category="test")
        db.add(S[code])
    db.flush()
    for code, skill, level, importance in (("CEO", "LEAD", 4, Importance.HIGH), ("CEO", "FIN", 3, Importance.MEDIUM),
                                           ("OPSH", "LEAD", 3, Importance.MEDIUM)):
        db.add(PositionSkill(position_id=P[code].id, skill_id=S[skill].id, required_level=level, importance=importance))
    for who, skill, level, source in (
        ("cora", "LEAD", 5, SkillSource.ASSESSMENT), ("cora", "FIN", 4, SkillSource.MANAGER),
        ("bruno", "LEAD", 4, SkillSource.MANAGER), ("bruno", "LEAD", 5, SkillSource.SELF),
        ("alice", "LEAD", 3, SkillSource.SELF), ("alice", "FIN", 3, SkillSource.ASSESSMENT),
        ("bob", "LEAD", 2, SkillSource.ASSESSMENT), ("bob", "LEAD", 5, SkillSource.SELF),
        ("carol", "FIN", 5, SkillSource.SELF), ("dave", "LEAD", 5, SkillSource.ASSESSMENT),
    ):
        db.add(EmployeeSkill(employee_id=E[who].id, skill_id=S[skill].id, level=level, source=source,
                             assessed_on=date(2026, 1, 1)))
    db.flush()
    U = a.users
    U["hr"] = factories.user(db, username="ac-hr", role=Role.HR_ADMIN)
    U["exec"] = factories.user(db, username="ac-exec", role=Role.EXECUTIVE, emp=E["cora"])
    U["manager"] = factories.user(db, username="ac-manager", role=Role.MANAGER, emp=E["bruno"])
    U["employee"] = factories.user(db, username="ac-employee", role=Role.EMPLOYEE, emp=E["alice"])
    return a


def goals(db: Session, a: Acme) -> None:
    """FY26's cascade (planning): C1 <- D-OPS 60, D-SAL 40; C2 <- D-OPS2 100."""
    hr = _principal(a, "hr")
    p = perf.period(db, code="AC-FY26", state=PeriodState.PLANNING, start=date(2026, 1, 1))
    c1 = perf.goal(db, hr, p, "C1", GoalLevel.COMPANY)
    c2 = perf.goal(db, hr, p, "C2", GoalLevel.COMPANY)
    d_ops = perf.goal(db, hr, p, "D-OPS", GoalLevel.DEPARTMENT, department_id=a.ops.id)
    d_sal = perf.goal(db, hr, p, "D-SAL", GoalLevel.DEPARTMENT, department_id=a.sal.id)
    d_ops2 = perf.goal(db, hr, p, "D-OPS2", GoalLevel.DEPARTMENT, department_id=a.ops.id)
    perf.link(db, hr, c1, (d_ops, 60), (d_sal, 40))
    perf.link(db, hr, c2, (d_ops2, 100))


def nominate(db: Session, a: Acme, post: str, who: str, readiness: Readiness, rank: int, *, at: datetime,
             removed: datetime | None = None, changes: list[tuple[Readiness | None, Readiness, datetime]] | None = None,
             history: bool = True) -> Nomination:
    """A nomination row as the plans service would leave it (its readiness history: one event at nomination,
    or ``changes``; none with ``history=False``)."""
    if post not in a.plans:
        a.plans[post] = SuccessionPlan(position_id=a.posts[post].id)
        db.add(a.plans[post])
        db.flush()
    n = Nomination(plan_id=a.plans[post].id, employee_id=a.people[who].id, rank=rank, readiness=readiness,
                   nominated_at=at, removed_at=removed)
    db.add(n)
    db.flush()
    if history:
        for before, after, when in changes or [(None, readiness, at)]:
            db.add(ReadinessChange(nomination_id=n.id, before=before, after=after, reason="test", changed_at=when))
        db.flush()
    return n


def slates(db: Session, a: Acme) -> None:
    """The bench of the tests (key posts CEO, OPSH, SALH from 2026-02-01, SAL1):

    CEO  bruno ready now (1), carol 1-2 years (2)                  nominated 2026-01-10
    OPSH alice (1) 1-2 years from 2026-01-10, ready now from 2026-02-20; bob 3+ years (2) from 2026-01-10;
         dave ready now from 2025-11-01 (he left on 2025-12-31)
    SALH alice ready now (1) from 2026-03-05; bob 1-2 years (2) 2026-01-10 .. removed 2026-04-01
    SAL1 bob 1-2 years (1) from 2026-01-10 (no readiness history: the current readiness counts)
    SALH became key by a decision of 2026-02-01 (it was not key); SAL1 is flagged key without decisions.
    """
    from succession.models import KeyPostDecision

    jan10 = datetime(2026, 1, 10, 9)
    nominate(db, a, "CEO", "bruno", Readiness.READY_NOW, 1, at=jan10)
    nominate(db, a, "CEO", "carol", Readiness.READY_1_2, 2, at=jan10)
    nominate(db, a, "OPSH", "alice", Readiness.READY_NOW, 1, at=jan10,
             changes=[(None, Readiness.READY_1_2, jan10), (Readiness.READY_1_2, Readiness.READY_NOW,
                                                            datetime(2026, 2, 20, 12))])
    nominate(db, a, "OPSH", "bob", Readiness.READY_3_PLUS, 2, at=jan10)
    nominate(db, a, "OPSH", "dave", Readiness.READY_NOW, 3, at=datetime(2025, 11, 1, 9))
    nominate(db, a, "SALH", "alice", Readiness.READY_NOW, 1, at=datetime(2026, 3, 5, 9))
    nominate(db, a, "SALH", "bob", Readiness.READY_1_2, 2, at=jan10, removed=datetime(2026, 4, 1, 9))
    nominate(db, a, "SAL1", "bob", Readiness.READY_1_2, 1, at=jan10, history=False)
    a.posts["SALH"].is_key = True
    a.posts["SAL1"].is_key = True
    db.add(KeyPostDecision(position_id=a.posts["SALH"].id, is_key=True, reason="sales matter",
                           criticality={"was_key": False}, decided_at=datetime(2026, 2, 1, 9)))
    db.flush()
