"""``graph.careers.career_steps`` against its rule read plainly, on random assignment histories (both databases).

The reference below is the derivation as first written: every assignment through the ORM, each post's role
looked up in Python. The module now reads the roles joined in SQL from Core rows, a range of people at a time;
the steps must not change by a single observation or a tenth of a month. The histories are written as rows, not
through the services, so they hold what the services never write but an import may: several assignments
starting on one day (their ids decide the order), ids out of date order, posts without a family or a grade, an
exit between two stays in one role, and codes with '/' whose role keys coincide ("A/B" x "C" and "A" x "B/C").
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from graph import careers
from hcm.org.events import role_key
from hcm.org.models import Assignment, Department, Employee, Grade, JobFamily, MoveReason, Position
from hcm.org.service.catalog import related_families


def reference_steps(session: Session) -> list[tuple[str, str, str, int, float | None]]:
    of_position: dict[int, str] = {}
    roles: dict[str, tuple[str, str, int]] = {}
    for pid, family, grade, level in session.execute(
            select(Position.id, JobFamily.code, Grade.code, Grade.level)
            .join(JobFamily, JobFamily.id == Position.job_family_id).join(Grade, Grade.id == Position.grade_id)):
        key = role_key(family, grade)
        assert key is not None
        of_position[pid] = key
        roles[key] = (family, grade, level)

    moves: dict[tuple[str, str], list[float]] = defaultdict(list)
    person, role, since = None, None, None
    for emp, pid, start in session.execute(select(Assignment.employee_id, Assignment.position_id,
                                                  Assignment.start_date)
                                           .order_by(Assignment.employee_id, Assignment.start_date, Assignment.id)):
        if emp != person:
            person, role, since = emp, None, None
        new = of_position.get(pid) if pid is not None else None
        if new is None:
            role, since = None, None
            continue
        if role is not None and new != role and since is not None:
            moves[(role, new)].append((start - since).days / careers.DAYS_PER_MONTH)
        if new != role:
            role, since = new, start

    def kind(a: str, b: str) -> str:
        return "vertical" if roles[b][2] > roles[a][2] else "lateral" if roles[b][2] == roles[a][2] else "down"

    steps = {(a, b): (a, b, kind(a, b), len(m), round(statistics.median(m), 1)) for (a, b), m in moves.items()}
    by_family: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for key, (family, _, level) in roles.items():
        by_family[family].append((level, key))
    for members in by_family.values():
        for (level, key), (next_level, next_key) in itertools.pairwise(sorted(members)):
            if next_level > level:
                steps.setdefault((key, next_key), (key, next_key, kind(key, next_key), 0, None))
    code_of = dict(session.execute(select(JobFamily.id, JobFamily.code)).all())
    related = {code_of[f]: others for f, others in related_families(session).items()}
    by_family_grade = {(family, grade): key for key, (family, grade, _) in roles.items()}
    for key, (family, grade, _) in roles.items():
        for other in related.get(family, []):
            target = by_family_grade.get((other, grade))
            if target is not None:
                steps.setdefault((key, target), (key, target, kind(key, target), 0, None))
    return sorted(steps.values())


# (family, grade) of each post; None: the post lacks it. "A/B" x "C" and "A" x "B/C" are both the role "A/B/C"
# (which family and level such a role has is whichever of its posts is read last; here both answers agree).
POSTS = [("ENG", "G1"), ("ENG", "G1"), ("ENG", "G2"), ("ENG", "G3"), ("IT", "G2"), ("IT", "G1"), ("ENG", None),
         (None, "G2"), ("A/B", "C"), ("A", "B/C"), ("IT", "G3")]
GRADES = {"G1": 1, "G2": 2, "G3": 3, "C": 2, "B/C": 2}
HISTORIES = st.lists(  # per person: (days after the previous start, post index or None for an exit)
    st.lists(st.tuples(st.integers(0, 800), st.none() | st.integers(0, len(POSTS) - 1)), min_size=1, max_size=7),
    min_size=1, max_size=6)


def company(db: Session) -> list[Position]:
    fam = {c: JobFamily(code=c, name=c) for c in ("ENG", "IT", "A/B", "A")}
    grade = {c: Grade(code=c, name=c, level=lvl, pay_min=Decimal(1), pay_mid=Decimal(2), pay_max=Decimal(3))
             for c, lvl in GRADES.items()}
    dept = Department(code="D", name="D")
    db.add_all([*fam.values(), *grade.values(), dept])
    db.flush()
    posts = [Position(code=f"P{i}", title=f"P{i}", department_id=dept.id,
                      job_family_id=fam[f].id if f else None, grade_id=grade[g].id if g else None)
             for i, (f, g) in enumerate(POSTS)]
    db.add_all(posts)
    db.flush()
    return posts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories=HISTORIES, order=st.randoms(use_true_random=False), per_read=st.sampled_from([1, 2, 20_000]))
def test_career_steps_follow_the_rule_on_any_history(db: Session, histories: list[Any], order: Any,
                                                     per_read: int) -> None:
    savepoint = db.begin_nested()
    default, careers.PEOPLE_PER_READ = careers.PEOPLE_PER_READ, per_read  # people read a few ids at a time
    try:
        posts = company(db)
        rows: list[Assignment] = []
        for n, history in enumerate(histories):
            person = Employee(external_id=f"E{n}", first_name="E", last_name=str(n), hire_date=date(2015, 1, 1))
            db.add(person)
            db.flush()
            day = date(2015, 1, 1)
            for gap, post in history:
                day += timedelta(days=gap)
                rows.append(Assignment(employee_id=person.id, start_date=day,
                                       position_id=posts[post].id if post is not None else None,
                                       reason=MoveReason.LATERAL if post is not None else MoveReason.EXIT_VOLUNTARY))
        order.shuffle(rows)  # ids in no particular date order: a tie on a day goes by id
        db.add_all(rows)
        db.flush()
        expected = reference_steps(db)
        got = [(s.source, s.target, s.kind, s.observed, s.median_months) for s in careers.career_steps(db)]
        assert got == expected
    finally:
        careers.PEOPLE_PER_READ = default
        savepoint.rollback()


def test_a_history_read_in_several_ranges_of_people_is_the_same(db: Session, monkeypatch: Any) -> None:
    posts = company(db)
    for n in range(7):  # each takes the step ENG/G1 -> ENG/G2 after 12 months and n days
        person = Employee(external_id=f"E{n}", first_name="E", last_name=str(n), hire_date=date(2015, 1, 1))
        db.add(person)
        db.flush()
        db.add_all([Assignment(employee_id=person.id, start_date=date(2015, 1, 1), position_id=posts[0].id,
                               reason=MoveReason.HIRE),
                    Assignment(employee_id=person.id, start_date=date(2016, 1, 1 + n), position_id=posts[2].id,
                               reason=MoveReason.PROMOTION)])
    db.flush()
    whole = careers.career_steps(db)
    monkeypatch.setattr(careers, "PEOPLE_PER_READ", 2)
    assert careers.career_steps(db) == whole
    step = {(s.source, s.target): s for s in whole}[("ENG/G1", "ENG/G2")]
    assert (step.observed, step.median_months) == (7, 12.1)  # 368 days: the 4th of the 7 (365..371 days)
    assert [(s.source, s.target, s.kind, s.observed, s.median_months) for s in whole] == reference_steps(db)
