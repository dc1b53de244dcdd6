"""A small known company with succession plans, for the analysis tests (what it takes, the what-if, suggestions).
Structure and careers go through the org services (so assignments are real); skills, plans and nominations are
written straight into their tables (the plans service is tested on its own).

    CO Company
    ├── CEO*   (MGT/G4)  Kim  [user exec]
    │   ├── ENG-H* (MGT/G3)  Lee  [user manager]          ENG Engineering
    │   │   └── ENG-L* (ENG/G3)  Ana
    │   │       ├── ENG-1 (ENG/G2)  Ben  [user employee]
    │   │       └── ENG-2 (ENG/G2)  Cat
    │   └── SAL-H* (MGT/G3)  Sam                            SAL Sales
    │       └── SAL-1 (SAL/G2)  Dan
    * key post. Ivy held ENG-2 from 2020 and left on 2023-12-31. User hr (hr_admin) is nobody.

Families ENG, MGT (related to ENG) and SAL; grades G2..G4 have levels 2..4.

Careers: Lee ENG-L 2018-01-01, ENG-H 2020-07-01 (912 days in ENG/G3 = 29.96 months); Ana ENG-1 2019-01-01,
ENG-L 2020-07-01 (547 days in ENG/G2 = 17.97 months); Kim CEO 2015-01-01; Sam SAL-H 2019-01-01; Dan SAL-1
2022-01-01; Ivy ENG-2 2020-01-01, left 2023-12-31; Cat ENG-2 2024-01-01; Ben ENG-1 2025-07-01.
So the career steps are ENG/G3 -> MGT/G3 (lateral, 1, 30.0) and ENG/G2 -> ENG/G3 (vertical, 1, 18.0), and the
architecture allows MGT/G3 -> MGT/G4 and MGT/G3 -> ENG/G3 (0, no median). The company's median step: 24.0.

ENG-H requires LEAD 4 high, PY 3 medium, K8S 2 low. Skills (source level -> effective):
    Ana LEAD self 4 + manager 2 -> 2, PY assessment 3 + self 5 -> 3          Ben LEAD self 3, PY manager 2,
    Cat LEAD manager 4, PY self 3, K8S self 1                                     K8S assessment 2 + self 4 -> 2
    Dan LEAD assessment 4, PY manager 3, K8S manager 2 (nobody nominates him for ENG-H)

Plans (readiness, rank):
    CEO    Lee ready_now 1, Sam ready_1_2 2
    ENG-H  Ana ready_now 1, Cat ready_1_2 2, Ben ready_3_plus 3, Ivy (left) ready_now 4
    ENG-L  Ben ready_1_2 1
    SAL-H  Dan ready_3_plus 1; emergency (interim) successor Cat
Final performance ratings of FY25 (2025-01-01 to 2026-01-01): Ana 4, Ben 2 (Cat has none).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from hcm.auth.models import Role, User
from hcm.org import service
from hcm.org.models import (
    Department,
    Employee,
    EmployeeSkill,
    Importance,
    MoveReason,
    Position,
    PositionSkill,
    Skill,
    SkillSource,
)
from hcm.org.schemas import DepartmentIn, EmployeeIn, GradeIn, JobFamilyIn, JobFamilyPatch, MoveIn, PositionIn
from hcm.policy import Principal
from performance.models import PeriodState
from succession.models import Nomination, Readiness, SuccessionPlan, SuccessionSettings
from tests import factories
from tests.performance import factories as perf

AS_OF = date(2026, 6, 30)


@dataclass
class Company:
    db: Session
    posts: dict[str, Position] = field(default_factory=dict)
    people: dict[str, Employee] = field(default_factory=dict)
    skills: dict[str, Skill] = field(default_factory=dict)
    plans: dict[str, SuccessionPlan] = field(default_factory=dict)
    nominations: dict[tuple[str, str], Nomination] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    depts: dict[str, Department] = field(default_factory=dict)

    def principal(self, username: str) -> Principal:
        """The caller the services see for that user (as hcm.policy builds it from a request)."""
        return factories.principal(self.db, self.users[username])

    def headers(self, username: str) -> dict[str, str]:
        return factories.bearer(self.users[username])


def nominate(db: Session, c: Company, post: str, person: str, readiness: Readiness, rank: int) -> Nomination:
    """A nomination row, straight into the table (the post gets its plan first if it has none)."""
    plan = c.plans.get(post)
    if plan is None:
        plan = c.plans[post] = SuccessionPlan(position_id=c.posts[post].id)
        db.add(plan)
        db.flush()
    n = Nomination(plan_id=plan.id, employee_id=c.people[person].id, rank=rank, readiness=readiness,
                   reason="test")
    db.add(n)
    db.flush()
    c.nominations[(post, person)] = n
    return n


def managers_see_plans_below(db: Session, on: bool) -> None:
    row = db.get(SuccessionSettings, 1)
    if row is None:
        db.add(SuccessionSettings(id=1, managers_see_plans_below=on))
    else:
        row.managers_see_plans_below = on
    db.flush()


def build(db: Session, *, ratings: bool = True) -> Company:
    c = Company(db)
    fam = {code: service.create_job_family(db, data=JobFamilyIn(code=code, name=code)) for code in ("ENG", "MGT", "SAL")}
    service.update_job_family(db, job_family_id=fam["MGT"].id, data=JobFamilyPatch(related=["ENG"]))
    grade = {lvl: service.create_grade(db, data=GradeIn(code=f"G{lvl}", name=f"Grade {lvl}", level=lvl,
                                                        pay_min=Decimal(1000 * lvl), pay_mid=Decimal(1100 * lvl),
                                                        pay_max=Decimal(1200 * lvl))) for lvl in (2, 3, 4)}
    co = c.depts["CO"] = service.create_department(db, data=DepartmentIn(code="CO", name="Company"))
    eng = c.depts["ENG"] = service.create_department(db, data=DepartmentIn(code="ENG", name="Engineering",
                                                                            parent_id=co.id))
    sal = c.depts["SAL"] = service.create_department(db, data=DepartmentIn(code="SAL", name="Sales", parent_id=co.id))

    def post(code: str, title: str, family: str, level: int, dept: Department, boss: str | None,
             key: bool = False) -> None:
        c.posts[code] = service.create_position(db, data=PositionIn(
            code=code, title=title, department_id=dept.id, job_family_id=fam[family].id, grade_id=grade[level].id,
            reports_to_id=c.posts[boss].id if boss else None, is_key=key))

    post("CEO", "Chief Executive", "MGT", 4, co, None, key=True)
    post("ENG-H", "Head of Engineering", "MGT", 3, eng, "CEO", key=True)
    post("SAL-H", "Head of Sales", "MGT", 3, sal, "CEO", key=True)
    post("ENG-L", "Engineering Lead", "ENG", 3, eng, "ENG-H", key=True)
    post("ENG-1", "Engineer", "ENG", 2, eng, "ENG-L")
    post("ENG-2", "Engineer", "ENG", 2, eng, "ENG-L")
    post("SAL-1", "Account Manager", "SAL", 2, sal, "SAL-H")

    def hire(name: str, on: date, at: str) -> None:
        c.people[name] = service.hire(db, data=EmployeeIn(external_id=f"E-{name.upper()}", first_name=name,
                                                          last_name="Test", hire_date=on,
                                                          position_id=c.posts[at].id))

    def move(name: str, on: date, reason: MoveReason, to: str | None) -> None:
        service.move(db, employee_id=c.people[name].id, data=MoveIn(
            reason=reason, effective_date=on, position_id=c.posts[to].id if to else None))

    hire("Kim", date(2015, 1, 1), "CEO")
    hire("Lee", date(2018, 1, 1), "ENG-L")
    hire("Ana", date(2019, 1, 1), "ENG-1")
    hire("Sam", date(2019, 1, 1), "SAL-H")
    hire("Ivy", date(2020, 1, 1), "ENG-2")
    move("Lee", date(2020, 7, 1), MoveReason.LATERAL, "ENG-H")
    move("Ana", date(2020, 7, 1), MoveReason.PROMOTION, "ENG-L")
    hire("Dan", date(2022, 1, 1), "SAL-1")
    move("Ivy", date(2023, 12, 31), MoveReason.EXIT_VOLUNTARY, None)
    hire("Cat", date(2024, 1, 1), "ENG-2")
    hire("Ben", date(2025, 7, 1), "ENG-1")
    for e in c.people.values():
        db.refresh(e)

    for code, name in (("LEAD", "Leadership"), ("PY", "Python"), ("K8S", "Kubernetes")):
        c.skills[code] = s = Skill(code=code, name=name, category="test")
        db.add(s)
    db.flush()
    for code, level, importance in (("LEAD", 4, Importance.HIGH), ("PY", 3, Importance.MEDIUM),
                                    ("K8S", 2, Importance.LOW)):
        db.add(PositionSkill(position_id=c.posts["ENG-H"].id, skill_id=c.skills[code].id, required_level=level,
                             importance=importance))
    levels = {
        "Ana": [("LEAD", "self", 4), ("LEAD", "manager", 2), ("PY", "assessment", 3), ("PY", "self", 5)],
        "Ben": [("LEAD", "self", 3), ("PY", "manager", 2), ("K8S", "assessment", 2), ("K8S", "self", 4)],
        "Cat": [("LEAD", "manager", 4), ("PY", "self", 3), ("K8S", "self", 1)],
        "Dan": [("LEAD", "assessment", 4), ("PY", "manager", 3), ("K8S", "manager", 2)],
    }
    for person, rows in levels.items():
        for code, source, level in rows:
            db.add(EmployeeSkill(employee_id=c.people[person].id, skill_id=c.skills[code].id, level=level,
                                 source=SkillSource(source), assessed_on=date(2026, 1, 15)))
    db.flush()

    c.users["hr"] = factories.user(db, username="s3-hr", role=Role.HR_ADMIN)
    c.users["exec"] = factories.user(db, username="s3-exec", role=Role.EXECUTIVE, emp=c.people["Kim"])
    c.users["manager"] = factories.user(db, username="s3-manager", role=Role.MANAGER, emp=c.people["Lee"])
    c.users["employee"] = factories.user(db, username="s3-employee", role=Role.EMPLOYEE, emp=c.people["Ben"])

    R = Readiness
    for post_code, person, readiness, rank in (
            ("CEO", "Lee", R.READY_NOW, 1), ("CEO", "Sam", R.READY_1_2, 2),
            ("ENG-H", "Ana", R.READY_NOW, 1), ("ENG-H", "Cat", R.READY_1_2, 2), ("ENG-H", "Ben", R.READY_3_PLUS, 3),
            ("ENG-H", "Ivy", R.READY_NOW, 4),
            ("ENG-L", "Ben", R.READY_1_2, 1),
            ("SAL-H", "Dan", R.READY_3_PLUS, 1)):
        nominate(db, c, post_code, person, readiness, rank)
    c.plans["SAL-H"].emergency_employee_id = c.people["Cat"].id
    db.flush()

    if ratings:
        hr = c.principal("hr")
        fy25 = perf.period(db, code="FY25", start=date(2025, 1, 1))
        perf.final(db, hr, fy25, c.people["Ana"], 4)
        perf.final(db, hr, fy25, c.people["Ben"], 2)
        perf.advance(db, fy25, PeriodState.REVIEW)
    return c
