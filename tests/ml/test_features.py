"""Point-in-time features: hand-checked values on the small org, and no leakage — a fact dated after the
as-of date does not change the snapshot (while the label, which looks ahead by design, sees it)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from hcm.org.models import Assignment, EmployeeSkill, Importance, MoveReason, PositionSkill, SkillSource
from ml import features
from tests import factories

AS_OF = date(2024, 6, 30)


@pytest.fixture
def org(db: Session) -> factories.Org:
    return factories.small_org(db)


def _snap(db: Session, org: factories.Org) -> pd.DataFrame:
    return features.snapshot(db, AS_OF)


def test_hand_checked_values(db: Session, org: factories.Org) -> None:
    alice, boss = org.people["alice"], org.people["boss"]
    org.positions["team1"].grade_id = org.positions["ceo"].grade_id  # band 65,000 - 85,000
    sk = factories.skill(db)
    db.add(PositionSkill(position_id=org.positions["team1"].id, skill_id=sk.id, required_level=4,
                         importance=Importance.HIGH))
    db.add(EmployeeSkill(employee_id=alice.id, skill_id=sk.id, level=2, source=SkillSource.MANAGER,
                         assessed_on=date(2024, 1, 15)))
    db.flush()
    snap = _snap(db, org)
    assert set(snap.index) == {e.id for e in org.people.values()}
    a = snap.loc[alice.id]
    assert a["tenure_years"] == pytest.approx((AS_OF - date(2020, 1, 6)).days / 365.25)
    assert a["months_in_post"] == pytest.approx(a["months_since_promotion"])  # never promoted: since the hire
    assert a["pay_position"] == 0.0  # 60,000 is under the band's 65,000 minimum
    assert snap.loc[boss.id, "pay_position"] == 1.0  # 150,000 is over its 85,000 maximum
    assert a["skill_fit"] == pytest.approx(0.5)  # level 2 of a required 4
    assert a["skill_growth_12m"] == 1
    assert a["grade_level"] == 5
    assert pd.isna(snap.loc[org.people["bob"].id, "pay_position"])  # his post has no grade: unknown, not zero
    for col in features.PROTECTED:
        assert col not in snap.columns


def test_a_later_fact_does_not_change_the_snapshot(db: Session, org: factories.Org) -> None:
    before = _snap(db, org)
    alice, bob, carol = org.people["alice"], org.people["bob"], org.people["carol"]
    sk = factories.skill(db)
    # after the as-of date: a promotion, a new skill record, an exit, a new hire
    db.add(Assignment(employee_id=alice.id, position_id=org.positions["vacant"].id, start_date=date(2024, 9, 1),
                      reason=MoveReason.PROMOTION, salary=Decimal(90000)))
    db.add(EmployeeSkill(employee_id=carol.id, skill_id=sk.id, level=5, source=SkillSource.ASSESSMENT,
                         assessed_on=date(2024, 8, 1)))
    db.add(Assignment(employee_id=bob.id, position_id=None, start_date=date(2024, 10, 1),
                      reason=MoveReason.EXIT_VOLUNTARY))
    factories.employee(db, pos=None, hired=date(2024, 11, 1))
    db.flush()
    after = _snap(db, org)
    pd.testing.assert_frame_equal(before, after)
    label = features.flight_label(db, after.index, AS_OF)
    assert label[bob.id] == 1 and label.drop(bob.id).sum() == 0


def test_an_exit_before_the_date_leaves_the_population(db: Session, org: factories.Org) -> None:
    dana = org.people["dana"]
    db.add(Assignment(employee_id=dana.id, position_id=None, start_date=date(2024, 3, 1),
                      reason=MoveReason.EXIT_VOLUNTARY))
    db.flush()
    snap = _snap(db, org)
    assert dana.id not in snap.index
    # her exit is one of the operations department's exits in the year before
    assert snap.loc[org.people["alice"].id, "team_exits_12m"] == 1
    assert snap.loc[org.people["carol"].id, "team_exits_12m"] == 0


def test_performance_facts_count_once_the_period_is_known(db: Session, org: factories.Org) -> None:
    from performance.models import Period, PeriodKind, PeriodState, UnitResult

    fy = Period(code="FY22", name="FY22", kind=PeriodKind.ANNUAL, start_date=date(2022, 1, 1),
                end_date=date(2022, 12, 31), state=PeriodState.CLOSED)
    db.add(fy)
    db.flush()
    alice = org.people["alice"]
    db.add(UnitResult(period_id=fy.id, unit_type="employee", unit_id=alice.id, score=87.5, collaboration_score=4.0))
    db.flush()
    early = features.snapshot(db, date(2023, 2, 1))  # a month after the year's end: not calibrated yet
    late = features.snapshot(db, date(2023, 6, 30))
    assert pd.isna(early.loc[alice.id, "last_score"])
    assert late.loc[alice.id, "last_score"] == 87.5
    assert late.loc[alice.id, "collaboration_received"] == 4.0
    assert pd.isna(late.loc[org.people["bob"].id, "last_score"])
