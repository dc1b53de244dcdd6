"""What the succession demo reads before it writes: the org (posts, people, departments as an interval tree, job
families and their relations), the skills key posts require, the demo's HR user, and performance's final ratings
and potential of the last closed year (through ``performance.service.ratings``; none when there is none)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Connection

from hcm.auth.models import Role, User
from hcm.org.models import (
    Department,
    Employee,
    EmployeeSkill,
    EmployeeStatus,
    Grade,
    JobFamily,
    Position,
    PositionSkill,
    Skill,
    SkillSource,
    job_family_relations,
)

# Effective proficiency: the most trusted source a person has (docs/graph.md).
TRUST = {SkillSource.ASSESSMENT.value: 3, SkillSource.MANAGER.value: 2, SkillSource.SELF.value: 1}


@dataclass(frozen=True)
class Post:
    id: int
    code: str
    title: str
    dept: int
    level: int  # grade level (0: no grade)
    grade: str | None  # grade code
    family: int | None
    family_code: str | None
    boss: int | None  # the post it reports to
    is_key: bool


@dataclass(frozen=True)
class Person:
    id: int
    ext: str
    first: str
    last: str
    post: int | None
    hire: date

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class World:
    as_of: date
    posts: dict[int, Post]
    people: dict[int, Person]  # active people
    holder: dict[int, int]  # post id -> active holder
    tin: dict[int, int]  # department -> Euler-tour entry
    tout: dict[int, int]  # department -> last entry of its subtree
    related: dict[int, set[int]]  # family -> related families
    family_name: dict[int, str]
    grade_code: dict[int, str]  # level -> grade code
    grade_name: dict[int, str]
    skill_name: dict[int, str]
    skill_code: dict[int, str]
    requires: dict[int, list[tuple[int, int, str]]]  # key post -> [(skill, level, importance)]
    hr_user: int | None
    rating: dict[int, float] = field(default_factory=dict)  # employee -> final performance rating 1..5
    potential: dict[int, float] = field(default_factory=dict)  # employee -> potential in 0..1
    potential_band: dict[int, str] = field(default_factory=dict)  # employee -> low / medium / high (the 9-box's)
    rating_period: str | None = None

    def key_posts(self) -> list[Post]:
        """Active key posts, the highest grade first (the top posts draw first), then by code."""
        return sorted((p for p in self.posts.values() if p.is_key), key=lambda p: (-p.level, p.code))

    def in_subtree(self, dept: int, of: int) -> bool:
        return self.tin[of] <= self.tin[dept] <= self.tout[of]

    def skills_of(self, conn: Connection, people: list[int]) -> dict[int, dict[int, int]]:
        """Effective skill levels (the most trusted source) of these people: employee -> skill -> level."""
        best: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
        for lo in range(0, len(people), 900):
            part = people[lo: lo + 900]
            for emp, skill, level, source in conn.execute(
                    select(EmployeeSkill.employee_id, EmployeeSkill.skill_id, EmployeeSkill.level, EmployeeSkill.source)
                    .where(EmployeeSkill.employee_id.in_(part))):
                trust = TRUST.get(getattr(source, "value", source), 0)
                if trust > best[emp].get(skill, (0, 0))[0]:
                    best[emp][skill] = (trust, level)
        return {e: {s: lv for s, (_, lv) in d.items()} for e, d in best.items()}

    def skill_levels(self, conn: Connection, skill_id: int) -> dict[int, int]:
        """Everyone's effective level in one skill: employee -> level."""
        best: dict[int, tuple[int, int]] = {}
        for emp, level, source in conn.execute(
                select(EmployeeSkill.employee_id, EmployeeSkill.level, EmployeeSkill.source)
                .where(EmployeeSkill.skill_id == skill_id)):
            trust = TRUST.get(getattr(source, "value", source), 0)
            if trust > best.get(emp, (0, 0))[0]:
                best[emp] = (trust, level)
        return {e: lv for e, (_, lv) in best.items()}


def _euler(parents: dict[int, int | None]) -> tuple[dict[int, int], dict[int, int]]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for d, p in sorted(parents.items()):
        children[p if p in parents else None].append(d)
    tin: dict[int, int] = {}
    tout: dict[int, int] = {}
    clock = 0
    stack: list[tuple[int, bool]] = [(r, False) for r in reversed(children[None])]
    while stack:
        d, done = stack.pop()
        if done:
            tout[d] = clock - 1
            continue
        tin[d] = clock
        clock += 1
        stack.append((d, True))
        stack.extend((c, False) for c in reversed(children[d]) if c not in tin)
    for d in parents:  # a cycle the tree walk never reached: its own subtree only
        if d not in tin:
            tin[d] = tout[d] = clock
            clock += 1
    return tin, tout


def _performance(conn: Connection, w: World) -> None:
    """Final performance ratings and potential of the last closed annual period, from performance's public
    final-rating rule. Without performance data (no module, no closed year) the demo weighs everyone alike."""
    try:
        from performance.models import Period, PeriodKind, PeriodState, RatingKind
        from performance.service.ninebox import potential_band
        from performance.service.ratings import latest_approved
    except ImportError:  # pragma: no cover - performance ships with the project
        return
    period = conn.execute(select(Period.id, Period.code).where(
        Period.kind == PeriodKind.ANNUAL, Period.state == PeriodState.CLOSED, Period.end_date <= w.as_of)
        .order_by(Period.end_date.desc(), Period.id.desc()).limit(1)).first()
    if period is None:
        return
    w.rating_period = period.code
    perf = latest_approved(period.id, RatingKind.PERFORMANCE)
    w.rating = {e: float(v) for e, v in conn.execute(select(perf.c.employee_id, perf.c.value))}
    pot = latest_approved(period.id, RatingKind.POTENTIAL)
    for e, v, m in conn.execute(select(pot.c.employee_id, pot.c.value, pot.c.scale_max)):
        w.potential[e] = (float(v) - 1) / max(float(m) - 1, 1.0)
        band = potential_band(float(v), int(m))
        if band is not None:
            w.potential_band[e] = band


def load(conn: Connection, as_of: date) -> World:
    grades = {gid: (lvl, code, name) for gid, lvl, code, name in conn.execute(
        select(Grade.id, Grade.level, Grade.code, Grade.name))}
    families = {fid: (code, name) for fid, code, name in conn.execute(
        select(JobFamily.id, JobFamily.code, JobFamily.name))}
    posts: dict[int, Post] = {}
    for pid, code, title, dept, gid, fid, boss, key in conn.execute(
            select(Position.id, Position.code, Position.title, Position.department_id, Position.grade_id,
                   Position.job_family_id, Position.reports_to_id, Position.is_key)
            .where(Position.is_active.is_(True)).order_by(Position.id)):
        lvl, gcode, _ = grades.get(gid, (0, None, None)) if gid is not None else (0, None, None)
        posts[pid] = Post(pid, code, title, dept, lvl, gcode, fid, families[fid][0] if fid in families else None,
                          boss, bool(key))
    people: dict[int, Person] = {}
    holder: dict[int, int] = {}
    for eid, ext, first, last, pos, hire in conn.execute(
            select(Employee.id, Employee.external_id, Employee.first_name, Employee.last_name, Employee.position_id,
                   Employee.hire_date).where(Employee.status == EmployeeStatus.ACTIVE).order_by(Employee.id)):
        people[eid] = Person(eid, ext, first, last, pos, hire)
        if pos is not None:
            holder[pos] = eid
    parents = dict(conn.execute(select(Department.id, Department.parent_id)).all())
    tin, tout = _euler(parents)
    related: dict[int, set[int]] = defaultdict(set)
    for a, b in conn.execute(select(job_family_relations.c.family_id, job_family_relations.c.related_id)):
        related[a].add(b)
        related[b].add(a)
    key_ids = [p.id for p in posts.values() if p.is_key]
    requires: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for lo in range(0, len(key_ids), 900):
        for pid, sid, lvl, imp in conn.execute(
                select(PositionSkill.position_id, PositionSkill.skill_id, PositionSkill.required_level,
                       PositionSkill.importance).where(PositionSkill.position_id.in_(key_ids[lo: lo + 900]))
                .order_by(PositionSkill.position_id, PositionSkill.skill_id)):
            requires[pid].append((sid, lvl, str(getattr(imp, "value", imp))))
    skills = conn.execute(select(Skill.id, Skill.code, Skill.name)).all()
    hr_users = conn.execute(select(User.id, User.username).where(User.role == Role.HR_ADMIN, User.is_active.is_(True))
                            .order_by(User.id)).all()
    hr = next((u for u, name in hr_users if name == "hr"), hr_users[0][0] if hr_users else None)
    w = World(as_of=as_of, posts=posts, people=people, holder=holder, tin=tin, tout=tout, related=dict(related),
              family_name={f: n for f, (_, n) in families.items()},
              grade_code={lvl: code for lvl, code, _ in grades.values()},
              grade_name={lvl: name for lvl, _, name in grades.values()},
              skill_name={i: n for i, _, n in skills}, skill_code={i: c for i, c, _ in skills},
              requires=dict(requires), hr_user=hr)
    _performance(conn, w)
    return w
