"""The scope rule, tried the way someone probing for people would, over HTTP with real tokens, on every API route
of every module that names an employee (in the path, the query string or the body), generated from the app's
OpenAPI: as each role, an existing person outside the caller's scope and an id that names nobody get the same
status and the same body (but for the id itself), and an id that names nobody is never a success -- while the
same request about someone in scope gets past that check (so no sample is refused for some other reason).

A module that adds a route naming an employee adds its sample request to ``SAMPLES``; the walk fails until it does.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hcm.org.models import Employee
from performance.models import GoalLevel, Period, PeriodState
from performance.service import points
from succession import settings as succ_settings
from succession.models import GapKind, Readiness
from succession.schemas import ActionIn, PlanIn
from succession.schemas_register import MemberIn, PoolIn
from succession.service import actions, keyposts, plans, pools
from tests import factories
from tests.factories import Org
from tests.performance import factories as perf

ROLES = ("hr", "exec", "manager", "employee")
NOBODY = 987_654_321  # an id no employee has
_codes = itertools.count(1)


def names_an_employee(name: str) -> bool:
    return name.endswith("employee_id") or name == "manager_id"


@dataclass
class World:
    """The small org, an outsider nobody but HR may see or name, and what the sample requests point at."""

    org: Org
    outsider: Employee
    period: Period  # in progress
    calibrating: Period  # in calibration
    post_goal: int  # a post goal of alice's post, planned by HR
    skill: int
    key_post: int  # a vacant key post below the manager's, with a plan: bob and dana on the slate, alice nominable
    action: int  # a development action of bob's nomination there
    pool: int  # a talent pool with bob in it (alice may be added)

    def person(self, name: str) -> int:
        return self.org.people[name].id


@pytest.fixture
def world(db: Session, org: Org) -> World:
    for name in ("bob", "dana"):
        factories.login(db, org, name)
    far = factories.department(db, code="FIN", name="Finance", parent=org.root)
    pos = factories.position(db, dept=far, title="Accountant", reports_to=org.positions["sales_head"])
    outsider = factories.employee(db, pos=pos, external_id="X-ZED", first="Zed", last="Outsider")
    hr = org.principal("hr")
    period = perf.period(db, code="FY26-S", state=PeriodState.PLANNING)
    goal = perf.goal(db, hr, period, "P-ALICE", GoalLevel.POST, position_id=org.positions["team1"].id)
    perf.indicator(db, hr, goal, "A1", kind="quantitative", klass="operational", threshold=1, target=2, weight=100)
    perf.advance(db, period, PeriodState.IN_PROGRESS)
    for code, amount in (("PEER_RECOGNITION", 10), ("GOAL_ACHIEVED", 100)):
        points.create_rule(db, principal=hr, code=code, name=code.title(), amount=amount)
    calibrating = perf.period(db, code="FY25-S", state=PeriodState.CALIBRATION, start=date(2025, 1, 1))
    # Succession: plans are HR's and the executives'; a manager sees those below their post once HR allows it, so
    # the key post reports to the manager's and the walk asks the manager past the plan check too. The outsider
    # is on no slate: an executive sees every plan, and with it its nominees.
    deputy = factories.position(db, dept=org.ops, title="Deputy Head of Operations", code="OPS-D",
                                reports_to=org.positions["ops_head"])
    keyposts.mark_key(db, principal=hr, position=deputy, reason="runs operations when the head is away")
    plans.create_plan(db, principal=hr, position_id=deputy.id, data=PlanIn())
    for name in ("bob", "dana"):
        plans.nominate(db, principal=hr, position_id=deputy.id, employee_id=org.people[name].id,
                       readiness=Readiness.READY_1_2)
    action = actions.create_action(db, principal=hr, position_id=deputy.id, employee_id=org.people["bob"].id,
                                   data=ActionIn(title="Lead the quarterly planning", gap_kind=GapKind.EXPERIENCE))
    succ_settings.update(db, principal=hr, managers_see_plans_below=True)
    pool = pools.create_pool(db, principal=hr, data=PoolIn(code="FUTURE-LEADS", name="Future team leads"))
    pools.add_member(db, principal=hr, pool_id=pool.id,
                     data=MemberIn(employee_id=org.people["bob"].id, reason="ran the spring launch"))
    return World(org=org, outsider=outsider, period=period, calibrating=calibrating, post_goal=goal.id,
                 skill=factories.skill(db, name="Forecasting").id, key_post=deputy.id, action=action.id,
                 pool=pool.id)


# (method, path template) -> {the field or parameter naming the employee: [requests, each (path params, query,
# body) for an employee id]}; several requests when the rules differ by a body field (a rating's source).
Request = Callable[[World, int], tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]]


def _code() -> str:
    return f"S{next(_codes)}"


_PLAN = "/api/succession/positions/{position_id}/plan"  # the sample plan is the key post's (World.key_post)
_NOMINEE = _PLAN + "/nominees/{employee_id}"


SAMPLES: dict[tuple[str, str], dict[str, list[Request]]] = {
    ("GET", "/api/employees"): {"manager_id": [lambda w, e: ({}, {"manager_id": e}, None)]},
    ("GET", "/api/employees/{employee_id}"): {"employee_id": [lambda w, e: ({"employee_id": e}, {}, None)]},
    ("PATCH", "/api/employees/{employee_id}"): {"employee_id": [
        lambda w, e: ({"employee_id": e}, {}, {"first_name": "Renamed"})]},
    ("POST", "/api/employees/{employee_id}/moves"): {"employee_id": [
        lambda w, e: ({"employee_id": e}, {}, {"reason": "lateral", "effective_date": "2026-03-02",
                                               "position_id": w.org.positions["vacant"].id})]},
    ("GET", "/api/employees/{employee_id}/assignments"): {"employee_id": [lambda w, e: ({"employee_id": e}, {}, None)]},
    ("GET", "/api/employees/{employee_id}/skills"): {"employee_id": [lambda w, e: ({"employee_id": e}, {}, None)]},
    ("PUT", "/api/employees/{employee_id}/skills/{skill_id}"): {"employee_id": [
        lambda w, e, source=source: ({"employee_id": e, "skill_id": w.skill}, {},  # type: ignore[misc]
                                     {"level": 3, "source": source, "assessed_on": "2026-02-01"})
        for source in ("self", "manager", "assessment")]},
    ("GET", "/api/assignments"): {"employee_id": [lambda w, e: ({}, {"employee_id": e}, None)]},
    ("POST", "/api/performance/periods/{period_id}/goals"): {
        "employee_id": [lambda w, e: ({"period_id": w.period.id}, {},
                                      {"code": _code(), "title": "Sample", "level": "employee", "employee_id": e})],
        "owner_employee_id": [lambda w, e: ({"period_id": w.period.id}, {},
                                            {"code": _code(), "title": "Sample", "level": "post",
                                             "position_id": w.org.positions["team2"].id, "owner_employee_id": e})]},
    ("PATCH", "/api/performance/goals/{goal_id}"): {"owner_employee_id": [
        lambda w, e: ({"goal_id": w.post_goal}, {}, {"owner_employee_id": e})]},
    ("POST", "/api/performance/goals/{goal_id}/indicators"): {"owner_employee_id": [
        lambda w, e: ({"goal_id": w.post_goal}, {}, {"code": _code(), "name": "Sample", "kind": "quantitative",
                                                     "klass": "operational", "threshold": 1, "target": 2, "weight": 10,
                                                     "owner_employee_id": e})]},
    ("POST", "/api/performance/periods/{period_id}/ratings"): {"employee_id": [
        lambda w, e, source=source: ({"period_id": w.period.id}, {},  # type: ignore[misc]
                                     {"employee_id": e, "kind": "performance", "source": source, "value": 3})
        for source in ("self", "manager", "peer", "cross_department", "hr")]},
    ("GET", "/api/performance/periods/{period_id}/employees/{employee_id}/ratings"): {"employee_id": [
        lambda w, e: ({"period_id": w.period.id, "employee_id": e}, {}, None)]},
    ("POST", "/api/performance/periods/{period_id}/calibration"): {"employee_id": [
        lambda w, e: ({"period_id": w.calibrating.id}, {}, {"employee_id": e, "value": 3, "reason": "evidence"})]},
    ("POST", "/api/performance/periods/{period_id}/points"): {"employee_id": [
        lambda w, e, rule=rule: ({"period_id": w.period.id}, {},  # type: ignore[misc]
                                 {"employee_id": e, "rule_code": rule, "reason": "thanks"})
        for rule in ("PEER_RECOGNITION", "GOAL_ACHIEVED")]},
    ("GET", "/api/performance/periods/{period_id}/points/balances"): {"employee_id": [
        lambda w, e: ({"period_id": w.period.id}, {"employee_id": [e]}, None)]},
    ("GET", "/api/performance/periods/{period_id}/points/ledger"): {"employee_id": [
        lambda w, e: ({"period_id": w.period.id}, {"employee_id": e}, None)]},
    ("GET", "/api/succession/what-if"): {"employee_id": [lambda w, e: ({}, {"employee_id": [e], "depth": 2}, None)]},
    ("POST", "/api/succession/pools/{pool_id}/members"): {"employee_id": [
        lambda w, e: ({"pool_id": w.pool}, {}, {"employee_id": e, "reason": "leads the night shift"})]},
    ("POST", "/api/succession/pools/{pool_id}/members/{employee_id}/remove"): {"employee_id": [
        lambda w, e: ({"pool_id": w.pool, "employee_id": e}, {}, {"reason": "moved to another track"})]},
    ("POST", f"{_PLAN}/nominees"): {"employee_id": [
        lambda w, e: ({"position_id": w.key_post}, {}, {"employee_id": e, "readiness": "ready_3_plus"})]},
    ("PUT", f"{_PLAN}/emergency"): {"employee_id": [lambda w, e: ({"position_id": w.key_post}, {}, {"employee_id": e})]},
    ("POST", f"{_NOMINEE}/readiness"): {"employee_id": [
        lambda w, e: ({"position_id": w.key_post, "employee_id": e}, {}, {"readiness": "ready_now", "reason": "ready"})]},
    ("POST", f"{_NOMINEE}/remove"): {"employee_id": [
        lambda w, e: ({"position_id": w.key_post, "employee_id": e}, {}, {"reason": "moved on"})]},
    ("GET", f"{_NOMINEE}/actions"): {"employee_id": [
        lambda w, e: ({"position_id": w.key_post, "employee_id": e}, {}, None)]},
    ("POST", f"{_NOMINEE}/actions"): {
        "employee_id": [lambda w, e: ({"position_id": w.key_post, "employee_id": e}, {},
                                      {"title": "Sample", "gap_kind": "other"})],
        "owner_employee_id": [lambda w, e: ({"position_id": w.key_post, "employee_id": w.person("bob")}, {},
                                            {"title": "Sample", "gap_kind": "other", "owner_employee_id": e})]},
    # flight risk: HR sees everyone's, an executive their people scope, a manager nobody's until HR allows it
    ("GET", "/api/ml/people/{employee_id}/risk"): {"employee_id": [lambda w, e: ({"employee_id": e}, {}, None)]},
    ("PATCH", f"{_NOMINEE}/actions/{{action_id}}"): {
        "employee_id": [lambda w, e: ({"position_id": w.key_post, "employee_id": e, "action_id": w.action}, {},
                                      {"status": "in_progress"})],
        "owner_employee_id": [lambda w, e: ({"position_id": w.key_post, "employee_id": w.person("bob"),
                                             "action_id": w.action}, {}, {"owner_employee_id": e})]},
}


def _routes_naming_an_employee() -> set[tuple[str, str, str]]:
    """(method, path, field) for every API route parameter or JSON body field that names an employee."""
    from hcm.app import create_app

    spec = create_app().openapi()
    models = spec["components"]["schemas"]
    found = set()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            names = [p["name"] for p in op.get("parameters", [])]
            ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
            if ref:
                names += list(models[ref.split("/")[-1]].get("properties", {}))
            found |= {(method.upper(), path, n) for n in names if names_an_employee(n)}
    return found


def test_every_route_naming_an_employee_has_a_sample() -> None:
    """A new route that names an employee is covered by the walk below as soon as it has a sample request."""
    sampled = {(m, p, f) for (m, p), fields in SAMPLES.items() for f in fields}
    missing = _routes_naming_an_employee() - sampled
    assert not missing, f"add a sample request to tests/hcm/test_scope_rule.py SAMPLES for {sorted(missing)}"
    assert not sampled - _routes_naming_an_employee(), "a sample for a route or field that no longer exists"


def _answer(client, method: str, path: str, request: Request, world: World, employee_id: int,  # type: ignore[no-untyped-def]
            headers: dict[str, str]) -> tuple[int, str]:
    params, query, body = request(world, employee_id)
    r = client.request(method, path.format(**params), params=query, json=body, headers=headers)
    assert r.status_code < 500, (method, path, r.text)
    # the same answer but for the id itself
    return r.status_code, re.sub(rf"\b{employee_id}\b", "<id>", r.text)


CASES = [(m, p, f, i) for (m, p), fields in SAMPLES.items() for f, reqs in fields.items() for i in range(len(reqs))]


@pytest.mark.parametrize(("method", "path", "field", "variant"), CASES,
                         ids=[f"{m} {p} {f} {i}" for m, p, f, i in CASES])
def test_an_outsider_is_answered_like_nobody(client, as_role, world, method, path, field, variant):  # type: ignore[no-untyped-def]
    request = SAMPLES[(method, path)][field][variant]
    headers = {role: as_role(role) for role in ROLES}
    answers = {}
    for role in ROLES:
        nobody = _answer(client, method, path, request, world, NOBODY, headers[role])
        assert nobody[0] >= 400, f"{role}: an id that names nobody got {nobody}"
        if role != "hr":  # HR sees everyone: nobody is outside HR's scope
            outsider = _answer(client, method, path, request, world, world.outsider.id, headers[role])
            assert outsider == nobody, f"{role}: an outsider is told apart from nobody"
        answers[role] = nobody
    # someone in scope gets past the check, for one role at least: the sample tries what the rule decides
    reached = any(
        _answer(client, method, path, request, world, world.person(name), headers[role])[0] != answers[role][0]
        for role, name in itertools.product(ROLES, ("alice", "bob", "dana")))
    assert reached, "no role gets past the scope check with this sample: it is refused for another reason"


def test_the_outsider_is_outside_every_scope_but_hr(client, as_role, world) -> None:  # type: ignore[no-untyped-def]
    """The outsider of the walk is a real person: HR reads them, and as far as anyone else can tell they do not
    exist (the directory lists them to nobody else either)."""
    zed = world.outsider.id
    assert client.get(f"/api/employees/{zed}", headers=as_role("hr")).status_code == 200
    for role in ("exec", "manager", "employee"):
        listed = client.get("/api/employees", params={"q": "Zed"}, headers=as_role(role)).json()
        assert listed["total"] == 0, role
