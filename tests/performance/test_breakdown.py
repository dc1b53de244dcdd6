"""How a score is made (performance.service.breakdown), on the small known plan (tests/performance/factories.py
build_plan), on SQLite and PostgreSQL: the parts of a person's, a goal's and a department's score add up to the
stored score, a goal mostly operational held by a person whose mix weights management is explained with both
mixes, the 9-box says how many people sit on their final rating and how many on their computed score, and the
pages show a breakdown exactly to those who may see the score.

Hand-checked figures (period mix: posts 30 % operational / 70 % management, competency 30 % of a person's score;
departments 80 % / 20 %, collaboration 10 %):
- Alice's post goal P-ALICE: A1 (operational, weight 60) 110 on threshold 80 / target 100 / stretch 120 -> 125;
  A2 (management, weight 40) not checked in. Alice's score: the operational class alone, 125.0.
- Operations' goal D-OPS: own indicator OPS1 95 -> 87.5; supporting goals P-ALICE 125 (link 50), P-BOB 25 (30:
  1 of 4 milestones), P-DANA 75 (20: backlog 7.5 days, threshold 10, target 5): 85.0; the goal counts each
  half: 86.25, contributions 43.75 + 31.25 + 3.75 + 7.5.
- The department Operations: OPS1 alone, 87.5 (its goal's supporting goals are not in its own score).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hcm.auth.models import Role
from hcm.errors import NotFound
from performance.models import Goal, GoalLevel, GoalResult, RatingKind
from performance.service import breakdown, collaboration, ninebox, rollup, units
from tests import factories
from tests.performance import factories as perf


@pytest.fixture
def plan(db, org):  # type: ignore[no-untyped-def]
    p = perf.build_plan(db, org)
    with factories.today_pinned(p.today):
        yield p


def _adds_up(bd: breakdown.Breakdown) -> None:
    assert bd.score is not None and bd.total is not None
    assert bd.total == pytest.approx(bd.score, abs=1e-6)
    assert bd.difference is None
    assert sum(p.contribution for p in bd.parts if p.contribution is not None) == pytest.approx(bd.score)


def _part(bd: breakdown.Breakdown, key: str) -> breakdown.Part:
    return next(p for p in bd.parts if p.key == key)


def _ind(bd: breakdown.Breakdown, code: str) -> breakdown.IndicatorPart:
    return next(i for i in bd.indicators if i.code == code)


def test_a_persons_parts_add_up_to_their_score(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    bd = breakdown.person(db, principal=org.principal("hr"), period_id=plan.period.id,
                          employee_id=org.people["alice"].id)
    _adds_up(bd)
    assert bd.score == pytest.approx(125.0)
    assert [i.code for i in bd.indicators] == ["A1", "A2"]
    a1, a2 = _ind(bd, "A1"), _ind(bd, "A2")
    assert (a1.klass, a1.weight, a1.score, a1.share, a1.contribution) == ("operational", 60.0, 125.0, 1.0, 125.0)
    assert (a2.klass, a2.score, a2.contribution) == ("management", None, None)  # not scored: does not count
    op = _part(bd, "operational")
    assert (op.score, op.setting, op.factor, op.contribution) == (125.0, 0.3, 1.0, 125.0)  # one class: fully
    assert "competency" not in [p.key for p in bd.parts]
    assert any("No final competency rating" in n for n in bd.notes)
    # the stored score is the one every page shows (units.scores)
    stored = db.execute(select(units.scores(plan.period, "employee", ids=[org.people["alice"].id]))).one()
    assert bd.score == stored.score


def test_a_goal_mostly_operational_in_a_person_whose_mix_weights_management(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    """The 22.2 against 59.1 of the demo, by hand: A2 checked in at level 1 (-> 0) makes P-ALICE (60 % A1 at
    125, 40 % A2 at 0) 75.0, while Alice's score mixes the classes 30 / 70: 0.3 x 125 + 0.7 x 0 = 37.5; her
    competency rating 4 (-> 125 on the score scale) then counts 30 %: 0.7 x 37.5 + 0.3 x 125 = 63.75."""
    hr = org.principal("hr")
    alice = org.people["alice"]
    perf.check_in(db, hr, plan.indicators["A2"], plan.start + timedelta(days=198), rubric_level=1)
    perf.final(db, hr, plan.period, alice, 4, kind=RatingKind.COMPETENCY)
    rollup.recompute(db, period_id=plan.period.id, today=plan.today)

    bd = breakdown.person(db, principal=hr, period_id=plan.period.id, employee_id=alice.id)
    _adds_up(bd)
    assert bd.score == pytest.approx(63.75)
    assert _ind(bd, "A1").contribution == pytest.approx(125 * 0.3 * 0.7)
    assert _ind(bd, "A2").contribution == pytest.approx(0.0)
    op, mg, comp = _part(bd, "operational"), _part(bd, "management"), _part(bd, "competency")
    assert (op.factor, mg.factor, comp.factor) == pytest.approx((0.3 * 0.7, 0.7 * 0.7, 0.3))
    assert (comp.score, comp.contribution) == pytest.approx((125.0, 37.5))
    assert "4 Exceeds expectations" in comp.note
    # both mixes side by side: the goal's own (its indicators by their weights) and the person's (30 / 70)
    (line,) = bd.goals
    assert (line.code, line.score, line.operational, line.management) == ("P-ALICE", 75.0, 125.0, 0.0)
    assert line.mixed == pytest.approx(37.5)

    gb = breakdown.goal(db, principal=hr, goal_id=plan.goals["P-ALICE"].id)
    _adds_up(gb)
    assert gb.score == pytest.approx(75.0)
    assert (_ind(gb, "A1").share, _ind(gb, "A2").share) == (0.6, 0.4)
    assert any("make 37.5" in n and "30% operational / 70% management" in n for n in gb.notes)


def test_a_goals_parts_add_up_own_indicators_and_supporting_goals_half_each(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    bd = breakdown.goal(db, principal=org.principal("hr"), goal_id=plan.goals["D-OPS"].id)
    _adds_up(bd)
    assert bd.score == pytest.approx(86.25)
    own, sup = _part(bd, "own"), _part(bd, "supporting")
    assert (own.score, own.factor, sup.score, sup.factor) == pytest.approx((87.5, 0.5, 85.0, 0.5))
    assert _ind(bd, "OPS1").contribution == pytest.approx(43.75)
    assert {s.code: s.contribution for s in bd.supporting} == pytest.approx(
        {"P-ALICE": 31.25, "P-BOB": 3.75, "P-DANA": 7.5})
    # the company goal: supporting goals only (D-OPS 86.25 x 60 % + D-SAL 112.5 x 40 %)
    company = breakdown.goal(db, principal=org.principal("hr"), goal_id=plan.goals["C1"].id)
    _adds_up(company)
    assert company.score == pytest.approx(0.6 * 86.25 + 0.4 * 112.5)
    assert [p.key for p in company.parts] == ["supporting"] and _part(company, "supporting").factor == 1.0


def test_supporting_goals_one_may_not_see_are_one_row_without_names(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    bd = breakdown.goal(db, principal=org.principal("employee"), goal_id=plan.goals["D-OPS"].id)  # alice
    _adds_up(bd)
    named = [s.code for s in bd.supporting if not s.hidden]
    assert named == ["P-ALICE"]
    (hidden,) = [s for s in bd.supporting if s.hidden]
    assert (hidden.hidden, hidden.code, hidden.weight, hidden.contribution) == (2, "", 50.0, pytest.approx(11.25))


def test_a_departments_parts_add_up_with_the_collaboration_it_received(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    hr = org.principal("hr")
    bd = breakdown.department(db, principal=hr, period_id=plan.period.id, department_id=org.ops.id)
    _adds_up(bd)
    assert bd.score == pytest.approx(87.5)
    assert [(i.code, i.contribution) for i in bd.indicators] == [("OPS1", pytest.approx(87.5))]
    assert [p.key for p in bd.parts] == ["operational"]
    # three people of Sales rate a service Operations provides: (4 + 3 + 3) / 3 -> 100 + 25/3 on the score scale
    item = collaboration.create_service_item(db, principal=hr, code="SI-A", name="Deliveries",
                                             provider_department_id=org.ops.id, consumer_department_id=org.sales.id)
    factories.login(db, org, "carol", Role.MANAGER)
    for n, value in enumerate((4, 3, 3)):
        if n:
            pos = factories.position(db, dept=org.sales, title="Sales Rep", reports_to=org.positions["sales_head"])
            org.people[f"rep{n}"] = factories.employee(db, pos=pos, first=f"Rep{n}", last="Rep")
            factories.login(db, org, f"rep{n}")
        collaboration.rate_collaboration(db, principal=org.principal("carol" if n == 0 else f"rep{n}"),
                                         period_id=plan.period.id, service_item_id=item.id, score=value)
    rollup.recompute(db, period_id=plan.period.id, today=plan.today)
    bd = breakdown.department(db, principal=hr, period_id=plan.period.id, department_id=org.ops.id)
    _adds_up(bd)
    collab = 100 + 25 / 3
    assert bd.score == pytest.approx(0.9 * 87.5 + 0.1 * collab)
    c = _part(bd, "collaboration")
    assert (c.score, c.setting, c.factor, c.contribution) == pytest.approx((collab, 0.1, 0.1, 0.1 * collab))
    assert _part(bd, "operational").factor == pytest.approx(0.9)


def test_a_difference_row_shows_parts_the_stored_score_does_not_have_yet(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    """A check-in the recompute has not seen yet: the live indicator moved, the stored score did not."""
    hr = org.principal("hr")
    from performance.models import CheckIn
    db.add(CheckIn(indicator_id=plan.indicators["A1"].id, as_of=plan.start + timedelta(days=199), actual=100))
    db.flush()
    bd = breakdown.person(db, principal=hr, period_id=plan.period.id, employee_id=org.people["alice"].id)
    assert bd.score == pytest.approx(125.0) and bd.total == pytest.approx(100.0)
    assert bd.difference == pytest.approx(25.0)
    assert any("since the last recompute" in n for n in bd.notes)


def test_no_breakdown_of_a_score_one_may_not_see(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    pid = plan.period.id
    with pytest.raises(NotFound):  # alice may not see bob's score
        breakdown.person(db, principal=org.principal("employee"), period_id=pid, employee_id=org.people["bob"].id)
    with pytest.raises(NotFound):  # nor his goal
        breakdown.goal(db, principal=org.principal("employee"), goal_id=plan.goals["P-BOB"].id)
    with pytest.raises(NotFound):  # a manager reads the results of their own department only
        breakdown.department(db, principal=org.principal("manager"), period_id=pid, department_id=org.sales.id)
    assert breakdown.person(db, principal=org.principal("employee"), period_id=pid,
                            employee_id=org.people["alice"].id).score == pytest.approx(125.0)


# --- the 9-box's counts ------------------------------------------------------------------------------
@pytest.fixture
def boss_on_score(db, org, plan):  # type: ignore[no-untyped-def]
    """Bruno (head of Operations) gets a potential rating (2 of 3) and a score of 90 on a post goal, but no final
    performance rating: the 9-box places him on his score (80-110: medium), a Core player beside Bob (rating 3,
    potential 2)."""
    hr = org.principal("hr")
    boss = org.people["boss"]
    perf.final(db, hr, plan.period, boss, 2, kind=RatingKind.POTENTIAL, scale_max=3)
    goal = Goal(period_id=plan.period.id, code="P-BOSS", title="Run the department", level=GoalLevel.POST,
                position_id=boss.position_id)
    db.add(goal)
    db.flush()
    db.add(GoalResult(goal_id=goal.id, period_id=plan.period.id, level="post", score=90.0, management_score=90.0,
                      management_weight=100.0, at_risk=False))  # as a recompute leaves it
    db.flush()
    return boss


def test_the_ninebox_counts_who_sits_on_a_rating_and_who_on_a_score(db, org, plan, boss_on_score) -> None:  # type: ignore[no-untyped-def]
    box = ninebox.nine_box(db, principal=org.principal("hr"), period_id=plan.period.id, scope="company")
    # 6 active people: alice, bob, dana, carol on their final rating; Bruno on his score; the CEO not placed
    assert (box.placed, box.placed_on_rating, box.placed_on_score, box.unplaced) == (5, 4, 1, 1)
    assert box.placed == box.placed_on_rating + box.placed_on_score
    assert box.with_final_rating == 4  # what calibration counts: fewer than the grid places
    core = next(c for row in box.grid for c in row if c.label == "Core player")
    # with Bob (rating 3, potential 2): two people, one of them on his score
    assert (core.count, core.on_score) == (2, 1)
    assert {p.name: p.performance_from for p in core.people} == {"Bruno Boss": "score", "Bob Lead": "rating"}
    assert sum(c.on_score for row in box.grid for c in row) == box.placed_on_score


def test_the_ninebox_page_says_what_each_count_counts(client, as_role, org, plan, boss_on_score) -> None:  # type: ignore[no-untyped-def]
    from tests.web.helpers import attrs
    page = client.get(f"/performance/periods/{plan.period.id}/ninebox?scope=company", headers=as_role("hr")).text
    assert 'data-stat="placed-on-rating"><span class="stat-value">4<' in page
    assert 'data-stat="placed-on-score"><span class="stat-value">1<' in page
    assert "4 people in this scope have a final performance rating (the people calibration counts)" in page
    assert attrs(page, "data-person-id")  # names are listed
    start = page.index(f'data-person-id="{boss_on_score.id}"')
    assert "data-on-score" in page[start:start + 40] and "on score 90.0" in page[start:page.index("</li>", start)]
    alice = page.index(f'data-person-id="{org.people["alice"].id}"')
    assert "4 Exceeds expectations" in page[alice:page.index("</li>", alice)]
    assert "Performance: the final performance rating (1-2 low, 3 medium, 4-5 high); without one yet, the " \
           "computed score of the period (below 80 low, 80-110 medium, above 110 high" in page
    assert "Potential: the final potential rating (1 low, 2 medium, 3 high" in page


# --- the pages -------------------------------------------------------------------------------------
def _section(html: str) -> str:
    start = html.index('data-breakdown="')
    return html[start:html.index("</section>", start)]


def test_the_person_page_shows_the_breakdown_to_those_who_see_the_score(client, as_role, org, plan) -> None:  # type: ignore[no-untyped-def]
    url = f"/performance/periods/{plan.period.id}/people/{org.people['alice'].id}"
    for role in ("hr", "manager", "employee"):  # HR, her manager's manager, alice herself
        page = client.get(url, headers=as_role(role))
        assert page.status_code == 200, role
        part = _section(page.text)
        assert part.startswith('data-breakdown="employee"') and "How this score is made" in page.text
        assert 'data-breakdown-indicator="A1"' in part and 'data-breakdown-indicator="A2"' in part
        assert 'data-part="operational"' in part and 'data-factor="1.0000"' in part
        assert 'data-total="125.00"' in part and "data-breakdown-difference" not in part
        assert 'data-breakdown-goal="P-ALICE"' in part and "post mix 30% operational / 70% management" in part
    # who may not see her score gets the 404 of nobody, and no breakdown
    for role in ("exec",):  # an executive sees key-post holders only
        page = client.get(url, headers=as_role(role))
        assert page.status_code == 404 and "data-breakdown" not in page.text
    bob = client.get(f"/performance/periods/{plan.period.id}/people/{org.people['bob'].id}",
                     headers=as_role("employee"))
    assert bob.status_code == 404 and "data-breakdown" not in bob.text


def test_the_goal_page_shows_the_breakdown_and_hides_the_goals_one_may_not_see(client, as_role, plan) -> None:  # type: ignore[no-untyped-def]
    url = f"/performance/goals/{plan.goals['D-OPS'].id}"
    hr = _section(client.get(url, headers=as_role("hr")).text)
    assert hr.startswith('data-breakdown="goal"')
    assert 'data-part="own"' in hr and 'data-part="supporting"' in hr and 'data-total="86.25"' in hr
    assert all(f'data-breakdown-supporting="{c}"' in hr for c in ("P-ALICE", "P-BOB", "P-DANA"))
    mine = _section(client.get(url, headers=as_role("employee")).text)  # alice: her own post goal only
    assert 'data-breakdown-supporting="P-ALICE"' in mine and 'data-breakdown-supporting="hidden"' in mine
    assert "P-BOB" not in mine and "Roll out the new process" not in mine and "2 supporting goals you may not see" in mine
    hidden = client.get(f"/performance/goals/{plan.goals['P-BOB'].id}", headers=as_role("employee"))
    assert hidden.status_code == 404 and "data-breakdown" not in hidden.text


def test_the_department_page_shows_the_breakdown_within_the_results_scope(client, as_role, org, plan) -> None:  # type: ignore[no-untyped-def]
    url = f"/performance/periods/{plan.period.id}/departments/{org.ops.id}"
    for role in ("hr", "exec", "manager"):
        part = _section(client.get(url, headers=as_role(role)).text)
        assert part.startswith('data-breakdown="department"') and 'data-breakdown-indicator="OPS1"' in part, role
        assert 'data-total="87.50"' in part
    for role, dept in (("employee", org.ops.id), ("manager", org.sales.id)):
        page = client.get(f"/performance/periods/{plan.period.id}/departments/{dept}", headers=as_role(role))
        assert page.status_code == 404 and "data-breakdown" not in page.text, role


def test_the_final_rating_is_labelled_a_judgement_beside_the_score(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    """The demo's 101.3 with a final rating of 2: the rating is not derived from the score, and the page says so."""
    bd = breakdown.person(db, principal=org.principal("hr"), period_id=plan.period.id,
                          employee_id=org.people["dana"].id)  # score 75.0, final rating 2
    _adds_up(bd)
    assert bd.score == pytest.approx(75.0)
    assert any("2 Needs improvement of 5 (hr)" in n and "not computed from this score" in n for n in bd.notes)


def test_a_closed_period_is_broken_down_from_the_figures_it_was_closed_with(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    from performance.models import PeriodState, UnitResult
    hr = org.principal("hr")
    perf.advance(db, plan.period, PeriodState.CLOSED)
    alice = org.people["alice"].id
    bd = breakdown.person(db, principal=hr, period_id=plan.period.id, employee_id=alice)
    assert bd.frozen
    _adds_up(bd)
    assert bd.score == pytest.approx(125.0)
    goal = breakdown.goal(db, principal=hr, goal_id=plan.goals["D-OPS"].id)
    dept = breakdown.department(db, principal=hr, period_id=plan.period.id, department_id=org.ops.id)
    _adds_up(goal)
    _adds_up(dept)
    # a stored score that its parts do not make (say, a period closed under other rules): shown, not hidden
    row = db.scalars(select(UnitResult).where(UnitResult.period_id == plan.period.id,
                                              UnitResult.unit_type == "employee", UnitResult.unit_id == alice)).one()
    row.score = 120.0
    db.flush()
    bd = breakdown.person(db, principal=hr, period_id=plan.period.id, employee_id=alice)
    assert bd.difference == pytest.approx(-5.0) and bd.total == pytest.approx(125.0)
    assert any("closed with these figures" in n for n in bd.notes)


def test_indicator_rows_of_some_goals_are_those_of_the_whole_period(db, org, plan) -> None:  # type: ignore[no-untyped-def]
    """The breakdowns read a few goals' indicators (their check-ins only): the same rows as the whole period's."""
    hr = org.principal("hr")
    perf.check_in(db, hr, plan.indicators["A1"], plan.start + timedelta(days=120), actual=90)  # an older one
    perf.check_in(db, hr, plan.indicators["B1"], plan.start + timedelta(days=199), milestones_done=3)  # a newer one
    everything = rollup.indicator_rows(db, period_id=plan.period.id, today=plan.today)
    for code, g in plan.goals.items():
        some = rollup.indicator_rows(db, period_id=plan.period.id, today=plan.today, goal_ids=[g.id])
        ids = {i.id for i in plan.indicators.values() if i.goal_id == g.id}
        assert set(some) == ids, code
        assert {k: tuple(v) for k, v in some.items()} == {k: tuple(everything[k]) for k in ids}, code
    assert everything[plan.indicators["B1"].id].score == pytest.approx(75.0)  # 3 of 4 milestones, the latest
