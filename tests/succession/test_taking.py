"""What it takes, on the small known company (tests/succession/analysis_company.py), hand-checked: the skills below
the required level (a level-4 requirement met at level 2, with its importance), the roles not yet held on the
way, performance against the post's bar, the estimate from the career steps' medians; an action made from each
kind of gap; who may ask."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.errors import Conflict, Invalid, NotFound
from hcm.org import service
from hcm.org.models import Grade, MoveReason, Position
from hcm.org.schemas import MoveIn, PositionIn
from performance.models import PeriodState, UnitResult
from succession.models import DevelopmentAction, GapKind, Readiness, SuccessionAudit
from succession.service import taking
from tests import factories
from tests.performance import factories as perf
from tests.succession.analysis_company import AS_OF, Company, build, managers_see_plans_below, nominate


@pytest.fixture
def company(db: Session) -> Company:
    return build(db)


def _takes(db: Session, c: Company, post: str = "ENG-H", who: str = "hr") -> dict[str, Any]:
    out = taking.what_it_takes(db, principal=c.principal(who), position_id=c.posts[post].id, as_of=AS_OF)
    return {cand.employee.name.split()[0]: cand for cand in out.candidates}


def test_the_gaps_of_each_nominee_are_the_hand_checked_ones(db: Session, company: Company) -> None:
    c = company
    out = taking.what_it_takes(db, principal=c.principal("hr"), position_id=c.posts["ENG-H"].id, as_of=AS_OF)
    assert (out.position.code, out.position.role, out.requirements) == ("ENG-H", "MGT/G3", 3)
    # Ivy (ready now, rank 4) has left: no candidate
    assert [(x.employee.name, x.rank, x.readiness) for x in out.candidates] == [
        ("Ana Test", 1, Readiness.READY_NOW), ("Cat Test", 2, Readiness.READY_1_2), ("Ben Test", 3, Readiness.READY_3_PLUS)]
    ana, cat, ben = out.candidates

    # Ana: LEAD manager 2 beats self 4 -> a level-4 requirement met at level 2, high importance; no K8S at all.
    # Match (3 * 2/4 + 2 * 3/3 + 1 * 0) / 6 = 0.583333
    assert [(s.code, s.required_level, s.level, s.gap, s.importance) for s in ana.skills] == [
        ("K8S", 2, None, 2, "low"), ("LEAD", 4, 2, 2, "high")]
    assert ana.match == pytest.approx(0.583333)
    # ENG/G3 -> MGT/G3 in one step (Lee took it after 30.0 months); Ana has 72.0 months in ENG/G3: ready now
    assert [(p.from_role, p.to_role, p.kind, p.observed, p.median_months, p.months) for p in ana.experience.path] == [
        ("ENG/G3", "MGT/G3", "lateral", 1, 30.0, 0.0)]
    assert ana.experience.missing == [] and ana.experience.roles_held == ["ENG/G2", "ENG/G3"]
    assert (ana.estimate.months, ana.estimate.ready_by, ana.estimate.months_in_role) == (0.0, AS_OF, 72.0)
    assert (ana.performance.rating, ana.performance.rating_period, ana.performance.meets_bar) == (4.0, "FY25", True)
    assert ana.performance.action is None
    assert ana.manager is not None and ana.manager.name == "Lee Test"  # ENG-L reports to ENG-H
    # the action drafts: owner the manager, due at the estimate but never sooner than 3 months (91 days)
    lead = ana.skills[1].action
    assert (lead.title, lead.gap_kind, lead.skill_id, lead.target_level, lead.owner_employee_id, lead.due_date) == (
        "Raise Leadership from 2 to 4 (high importance)", GapKind.SKILL, c.skills["LEAD"].id, 4, c.people["Lee"].id,
        date(2026, 9, 29))
    assert ana.gaps == 2

    # Ben: LEAD 3/4 high, PY 2/3 medium, K8S assessment 2 beats self 4 -> met. (3 * 0.75 + 2 * 2/3 + 1) / 6
    assert [(s.code, s.level, s.gap) for s in ben.skills] == [("LEAD", 3, 1), ("PY", 2, 1)]
    assert ben.match == pytest.approx(0.763889)
    # ENG/G2 -> ENG/G3 (median 18.0, less his 12.0 months in the role: 6.0) -> MGT/G3 (30.0): 36.0 months
    assert [(p.from_role, p.to_role, p.observed, p.months) for p in ben.experience.path] == [
        ("ENG/G2", "ENG/G3", 1, 6.0), ("ENG/G3", "MGT/G3", 1, 30.0)]
    assert [(m.role, m.observed, m.due_in_months, m.action.due_date, m.action.target_role) for m in
            ben.experience.missing] == [("ENG/G3", 1, 6.0, date(2026, 12, 30), "ENG/G3")]
    assert (ben.estimate.months, ben.estimate.ready_by, ben.estimate.months_in_role, ben.estimate.estimated_steps) == (
        36.0, date(2029, 6, 30), 12.0, 0)
    # the latest final rating 2 is below the bar of 3
    assert (ben.performance.rating, ben.performance.meets_bar) == (2.0, False)
    assert ben.performance.below == ["the latest final rating 2 (FY25) is below 3"]
    assert ben.performance.action is not None and ben.performance.action.due_date == date(2029, 6, 30)
    assert ben.manager is not None and ben.manager.name == "Ana Test"  # ENG-1 reports to ENG-L
    assert {s.action.owner_employee_id for s in ben.skills} == {c.people["Ana"].id}
    assert ben.gaps == 4  # two skills, one role, performance

    # Cat: only K8S 1/2 low; 29.9 months in ENG/G2 is past its median, so 0 + 30.0; the role's action is due in
    # 3 months (the minimum); no rating, no score: nothing to judge performance by
    assert [(s.code, s.level, s.gap, s.importance) for s in cat.skills] == [("K8S", 1, 1, "low")]
    assert cat.match == pytest.approx(0.916667)
    assert (cat.estimate.months, cat.estimate.ready_by, cat.estimate.months_in_role) == (30.0, date(2028, 12, 29), 29.9)
    assert [(m.role, m.due_in_months, m.action.due_date) for m in cat.experience.missing] == [
        ("ENG/G3", 0.0, date(2026, 9, 29))]
    assert (cat.performance.meets_bar, cat.performance.below) == (None, [])
    assert cat.gaps == 2


def test_a_score_below_the_bar_is_a_gap_too(db: Session, company: Company) -> None:
    """Cat has no rating, but the closed FY24 gave her a score of 75 (the bar is 80)."""
    c = company
    fy24 = perf.period(db, code="FY24", start=date(2024, 1, 1), state=PeriodState.CLOSED)
    db.add(UnitResult(period_id=fy24.id, unit_type="employee", unit_id=c.people["Cat"].id, score=75.0))
    db.flush()
    cat = _takes(db, c)["Cat"]
    assert (cat.performance.score, cat.performance.score_period, cat.performance.meets_bar) == (75.0, "FY24", False)
    assert cat.performance.below == ["the latest score 75 (FY24) is below 80"]
    assert cat.gaps == 3


def test_a_nominee_with_no_path_to_the_post(db: Session, company: Company) -> None:
    """Dan (SAL/G2): no career step leads out of his role, so no estimate; his actions are due in 12 months."""
    c = company
    nominate(db, c, "ENG-H", "Dan", Readiness.READY_3_PLUS, 5)
    dan = _takes(db, c)["Dan"]
    assert dan.skills == [] and dan.match == 1.0
    assert (dan.experience.current_role, dan.experience.reachable, dan.experience.path) == ("SAL/G2", False, [])
    assert dan.experience.note == "no path of at most 4 career steps leads from SAL/G2 to MGT/G3"
    assert (dan.estimate.months, dan.estimate.ready_by) == (None, None)
    assert dan.gaps == 0


def test_an_action_is_made_from_each_kind_of_gap(db: Session, company: Company) -> None:
    c = company
    hr = c.principal("hr")
    ben = c.nominations[("ENG-H", "Ben")]
    action = taking.create_action_from_gap(db, principal=hr, nomination_id=ben.id, gap_kind="skill",
                                           skill_id=c.skills["LEAD"].id, as_of=AS_OF)
    assert (action.title, action.gap_kind, action.skill_id, action.target_level, action.target_role,
            action.owner_employee_id, action.due_date, action.nomination_id) == (
        "Raise Leadership from 3 to 4 (high importance)", GapKind.SKILL, c.skills["LEAD"].id, 4, None,
        c.people["Ana"].id, date(2029, 6, 30), ben.id)
    audit = db.scalars(select(SuccessionAudit).where(SuccessionAudit.entity == "action")).all()
    assert [(a.entity_id, a.action, a.position_id, a.before, a.after["title"]) for a in audit] == [
        (action.id, "create", c.posts["ENG-H"].id, None, action.title)]

    role = taking.create_action_from_gap(db, principal=hr, nomination_id=ben.id, gap_kind="experience",
                                         target_role="ENG/G3", as_of=AS_OF)
    assert (role.gap_kind, role.target_role, role.due_date) == (GapKind.EXPERIENCE, "ENG/G3", date(2026, 12, 30))
    assert role.title == "Gain experience as ENG/G3 (the step from ENG/G2 was taken 1 times)"
    perf_action = taking.create_action_from_gap(db, principal=hr, nomination_id=ben.id, gap_kind="performance",
                                                as_of=AS_OF)
    assert perf_action.gap_kind is GapKind.PERFORMANCE and perf_action.title.startswith("Lift performance")

    before = factories.count(db, DevelopmentAction), factories.count(db, SuccessionAudit)
    refusals: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"gap_kind": "skill", "skill_id": c.skills["LEAD"].id}, Conflict, "gap_kind"),  # an open action answers it
        ({"gap_kind": "skill", "skill_id": c.skills["K8S"].id}, Invalid, "skill_id"),  # met: no gap
        ({"gap_kind": "skill"}, Invalid, "skill_id"),
        ({"gap_kind": "experience", "target_role": "MGT/G4"}, Invalid, "target_role"),
        ({"gap_kind": "experience"}, Invalid, "target_role"),
    ]
    for kw, error, fld in refusals:
        with pytest.raises(error) as caught:
            taking.create_action_from_gap(db, principal=hr, nomination_id=ben.id, as_of=AS_OF, **kw)
        assert caught.value.field == fld, kw
    with pytest.raises(Invalid, match="not below the post's bar"):  # Ana meets it
        taking.create_action_from_gap(db, principal=hr, nomination_id=c.nominations[("ENG-H", "Ana")].id,
                                      gap_kind="performance", as_of=AS_OF)
    with pytest.raises(NotFound, match="nomination_id=987654321"):
        taking.create_action_from_gap(db, principal=hr, nomination_id=987654321, gap_kind="performance")
    assert (factories.count(db, DevelopmentAction), factories.count(db, SuccessionAudit)) == before


# --- who may ask, over HTTP --------------------------------------------------------------------------
API = "/api/succession"


def test_who_may_read_what_it_takes(client: Any, db: Session, company: Company) -> None:
    c = company
    eng_h, eng_l = c.posts["ENG-H"].id, c.posts["ENG-L"].id
    q = {"as_of": AS_OF.isoformat()}

    def get(user: str | None, post: int) -> Any:
        return client.get(f"{API}/positions/{post}/what-it-takes", params=q,
                          headers=c.headers(user) if user else {})

    for role in ("hr", "exec"):
        r = get(role, eng_h)
        assert r.status_code == 200, (role, r.text)
        assert [x["employee"]["name"] for x in r.json()["candidates"]] == ["Ana Test", "Cat Test", "Ben Test"]
    assert get("employee", eng_h).status_code == 403
    assert get(None, eng_h).status_code == 401
    # the manager (Lee, ENG-H): ENG-L is below him, but HR has not allowed managers to see plans: like nobody
    nobody = get("hr", 987654321)
    assert nobody.status_code == 404 and nobody.json()["field"] == "position_id"
    for post in (eng_l, eng_h):
        r = get("manager", post)
        assert (r.status_code, r.json()["detail"]) == (404, f"Position with position_id={post} does not exist")
    managers_see_plans_below(db, True)
    r = get("manager", eng_l)
    assert r.status_code == 200 and [x["employee"]["name"] for x in r.json()["candidates"]] == ["Ben Test"]
    assert get("manager", eng_h).status_code == 404  # his own post is not below him
    assert get("manager", c.posts["CEO"].id).status_code == 404

    ben = c.nominations[("ENG-H", "Ben")].id
    r = client.get(f"{API}/nominations/{ben}/what-it-takes", params=q, headers=c.headers("exec"))
    assert r.status_code == 200 and r.json()["estimate"]["months"] == 36.0


def test_only_hr_makes_an_action_from_a_gap(client: Any, db: Session, company: Company) -> None:
    c = company
    ben = c.nominations[("ENG-H", "Ben")].id
    body = {"gap_kind": "skill", "skill_id": c.skills["PY"].id, "as_of": AS_OF.isoformat()}
    for role in ("exec", "manager", "employee"):
        assert client.post(f"{API}/nominations/{ben}/actions/from-gap", json=body,
                           headers=c.headers(role)).status_code == 403, role
    assert factories.count(db, DevelopmentAction) == 0
    r = client.post(f"{API}/nominations/{ben}/actions/from-gap", json=body, headers=c.headers("hr"))
    assert r.status_code == 201, r.text
    assert {k: r.json()[k] for k in ("title", "gap_kind", "target_level", "owner_employee_id", "due_date", "status")} == {
        "title": "Raise Python from 2 to 3 (medium importance)", "gap_kind": "skill", "target_level": 3,
        "owner_employee_id": c.people["Ana"].id, "due_date": "2029-06-30", "status": "planned"}
    r = client.post(f"{API}/nominations/{ben}/actions/from-gap", json=body, headers=c.headers("hr"))
    assert r.status_code == 409 and r.json()["field"] == "gap_kind"
    r = client.post(f"{API}/nominations/{ben}/actions/from-gap", json={"gap_kind": "nonsense"},
                    headers=c.headers("hr"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "gap_kind"
    assert factories.count(db, DevelopmentAction) == 1


def test_the_career_steps_follow_the_history(db: Session, company: Company) -> None:
    """The steps are kept while what they are derived from stays the same, and derived again when it changes: a
    move through the org service, and a post's grade changed straight in its table."""
    c = company
    nominate(db, c, "ENG-H", "Dan", Readiness.READY_3_PLUS, 5)
    first = taking.CareerGraph.from_db(db)
    assert taking.CareerGraph.from_db(db) is first  # nothing changed: the same steps
    assert _takes(db, c)["Dan"].experience.reachable is False
    eng_1 = c.posts["ENG-1"]
    new = service.create_position(db, data=PositionIn(code="ENG-3", title="Engineer", department_id=eng_1.department_id,
                                                      job_family_id=eng_1.job_family_id, grade_id=eng_1.grade_id,
                                                      reports_to_id=c.posts["ENG-L"].id))
    service.move(db, employee_id=c.people["Dan"].id, data=MoveIn(reason=MoveReason.LATERAL,
                                                                 effective_date=date(2026, 1, 1), position_id=new.id))
    # SAL/G2 -> ENG/G2 after 48.0 months; then ENG/G2 -> ENG/G3 (18.0 less his 180 days = 5.9 months in the role)
    # -> MGT/G3 (30.0)
    dan = _takes(db, c)["Dan"]
    assert [(p.from_role, p.to_role, p.months) for p in dan.experience.path] == [
        ("ENG/G2", "ENG/G3", 12.1), ("ENG/G3", "MGT/G3", 30.0)]
    steps = {(s.source, s.target): (s.observed, s.median_months) for s in taking.CareerGraph.from_db(db).steps}
    assert steps[("SAL/G2", "ENG/G2")] == (1, 48.0)

    # ENG-A, a post of a new grade G5 in ENG, written straight to the tables: a new role, and the step to it that
    # the job architecture allows
    before = taking.CareerGraph.from_db(db)
    g5 = Grade(code="G5", name="Grade 5", level=5, pay_min=1, pay_mid=2, pay_max=3)
    db.add(g5)
    db.flush()
    db.add(Position(code="ENG-A", title="Architect", department_id=eng_1.department_id,
                    job_family_id=eng_1.job_family_id, grade_id=g5.id))
    db.flush()
    after = taking.CareerGraph.from_db(db)
    assert after is not before and ("ENG/G3", "ENG/G5") in {(s.source, s.target) for s in after.steps}
