"""The register, heat map, bench-strength and representation pages through the real app on SQLite and PostgreSQL,
on the small known company of tests/succession/register_company.py (its figures are worked out by hand there and
in test_register, test_bench and test_representation): who opens which page (each role allowed or refused exactly
as succession.policy says, a missing post a 404), what each page shows, HR's key-post decisions from the forms
with every refusal a message that writes nothing, the CSRF token, odd query values as a 4xx message (never a 500),
and the register's and representation's figures never reaching a page another role can open.

Today is pinned to AS_OF (2026-06-30). The key posts: CEO (77.4, vacancy risk 90: cora is a year from 65 and 16
years in post; bruno ready now), OPSH (46.1, vacancy risk 20; alice ready now), SALH (32.1, vacancy risk 50;
alice ready now), SAL1 (9.9, vacant; bob ready in 1-2 years)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.org.models import Employee, Gender
from succession.models import KeyPostDecision
from succession.schemas_register import MemberIn, PoolIn
from succession.service import pools
from tests import factories
from tests.succession.factories import set_visibility, state
from tests.succession.register_company import AS_OF, Acme, build, goals, slates
from tests.web.helpers import assert_one_policy_per_route, attrs, form_token, login

ROLES = ("hr", "exec", "manager", "employee")


@pytest.fixture
def acme(db: Session) -> Iterator[Acme]:
    a = build(db)
    goals(db, a)
    slates(db, a)
    with factories.today_pinned(AS_OF):
        yield a


def _alert(text: str) -> str:
    found = re.search(r'role="alert"[^>]*>(.*?)</p>', text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))) if found else ""


def _main(text: str) -> str:
    return text.split("<main", 1)[1]


def _cells(text: str) -> dict[str, tuple[int, int, str]]:
    """The heat map's filled cells: criticality:vacancy -> (posts, covered, strength)."""
    return {k: (int(n), int(c), s) for s, k, n, c in re.findall(
        r'class="heat-cell heat-(\w+)[^"]*" role="cell" href="[^"]*"\s+data-cell="([^"]+)" data-count="(\d+)" '
        r'data-covered="(\d+)"', text)}


def _stat(text: str, key: str) -> str:
    found = re.search(rf'data-stat="{key}"><span class="stat-value">([^<]*)<', text)
    assert found, key
    return html.unescape(found.group(1))


# --- who opens what ------------------------------------------------------------------------------
def test_every_page_route_declares_exactly_one_policy() -> None:
    from succession.pages.register import router

    assert_one_policy_per_route(router, 5)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_on_each_page(client: TestClient, db: Session, acme: Acme, role: str) -> None:
    set_visibility(db, managers=True, employees=True)  # what HR may open to others widens none of these pages
    h = acme.headers(role)
    ceo = acme.posts["CEO"].id
    expected = {"hr": (200, 200, 200, 200), "exec": (403, 403, 200, 403), "manager": (403, 403, 403, 403),
                "employee": (403, 403, 403, 403)}[role]
    paths = ("/succession/register", f"/succession/register/{ceo}", "/succession/bench", "/succession/representation")
    for path, status in zip(paths, expected, strict=True):
        r = client.get(path, headers=h)
        assert r.status_code == status, (role, path, r.text[:300])
        assert "text/html" in r.headers["content-type"]
    before = state(db)
    r = client.post(f"/succession/register/{ceo}/decision", data={"is_key": "1", "reason": "x"}, headers=h,
                    follow_redirects=False)
    assert r.status_code == (303 if role == "hr" else 403)
    if role != "hr":
        assert state(db) == before
    if role in ("hr", "exec", "manager"):  # the tabs each role gets on the board
        tabs = attrs(client.get("/succession", headers=h).text, "data-tab")
        assert tabs == {"hr": ["board", "register", "pools", "bench", "what-if", "representation"],
                        "exec": ["board", "pools", "bench", "what-if"], "manager": ["board"]}[role]


def test_a_post_not_in_the_register_is_a_404(client: TestClient, db: Session, acme: Acme) -> None:
    h = acme.headers("hr")
    acme.posts["OPS2"].is_active = False  # inactive posts are not in the register
    db.flush()
    assert client.get("/succession/register/999999", headers=h).status_code == 404
    assert client.get(f"/succession/register/{acme.posts['OPS2'].id}", headers=h).status_code == 404
    before = state(db)
    r = client.post("/succession/register/999999/decision", data={"is_key": "1", "reason": "x"}, headers=h)
    assert r.status_code == 404 and 'data-status="404"' in r.text
    r = client.post(f"/succession/register/{acme.posts['OPS2'].id}/decision", data={"is_key": "1", "reason": "x"},
                    headers=h)
    assert r.status_code == 422 and "inactive" in r.text  # the rule, on its own page
    assert state(db) == before


# --- the register and the heat map ---------------------------------------------------------------
def test_hr_sees_the_heat_map_by_hand(client: TestClient, acme: Acme) -> None:
    r = client.get("/succession/register", headers=acme.headers("hr"))
    assert r.status_code == 200
    assert _cells(r.text) == {"very_high:high": (1, 1, "strong"), "high:low": (1, 1, "strong"),
                              "medium:medium": (1, 1, "strong"), "low:vacant": (1, 0, "weak")}
    assert "4 key posts, 3 covered" in r.text
    assert attrs(r.text, "data-column") == ["low", "medium", "high", "vacant"]  # nobody's risk is unknown
    assert attrs(r.text, "data-row") == ["very_high", "high", "medium", "low"]
    # a cell lists its posts; an empty one says so
    cell = client.get("/succession/register?criticality=low&vacancy=vacant", headers=acme.headers("hr")).text
    assert attrs(cell, "data-cell-post") == ["AC-SAL1"] and "No successor" not in cell.split('id="cell"')[1][:3000]
    assert re.search(r'data-cell-post="AC-SAL1".*?Nobody ready now', cell, flags=re.S)
    assert 'aria-current="true"' in cell and "Criticality under 25, vacancy risk vacant now: 1 key post" in cell
    empty = client.get("/succession/register?criticality=low&vacancy=high", headers=acme.headers("hr")).text
    assert "data-empty-cell" in empty
    # by department: Sales holds SALH and SAL1
    sales = client.get(f"/succession/register?department={acme.sal.id}", headers=acme.headers("hr")).text
    assert _cells(sales) == {"medium:medium": (1, 1, "strong"), "low:vacant": (1, 0, "weak")}


def test_the_register_list_its_factors_filters_sorts_and_pages(client: TestClient, acme: Acme) -> None:
    h = acme.headers("hr")
    page = client.get("/succession/register", headers=h).text
    assert attrs(page, "data-register-row") == ["AC-CEO", "AC-OPSH", "AC-SALH", "AC-OPS2", "AC-OPS1", "AC-SAL1"]
    assert attrs(page, "data-score") == ["77.4", "46.1", "32.1", "30.0", "18.3", "9.9"]
    assert attrs(page, "data-key") == ["true", "true", "true", "false", "false", "true"]
    ceo = page.split('data-register-row="AC-CEO"', 1)[1].split("</tbody>", 1)[0]
    assert attrs(ceo, "data-factor") == ["level", "span", "goals", "scarcity", "time_to_fill", "flight_risk",
                                         "retirement", "time_in_post"]
    points = [float(p) for p in re.findall(r"<td class=\"num\" data-points>([\d.]+)</td>", ceo)]
    assert sum(points) == pytest.approx(77.4, abs=0.1)  # each factor's points add up to the score
    assert "1 year(s) to retirement age 65" in ceo and "no flight-risk model yet" in ceo and "left out" in ceo
    hover = re.search(r'class="succ-score" title="([^"]*)"', ceo)
    assert hover and "impact 100" in hover.group(1) and "vacancy risk 90" in hover.group(1)

    def codes(query: str) -> list[str]:
        r = client.get(f"/succession/register?{query}", headers=h)
        assert r.status_code == 200, (query, _alert(r.text))
        return attrs(r.text, "data-register-row")

    assert codes("key_only=1") == ["AC-CEO", "AC-OPSH", "AC-SALH", "AC-SAL1"]
    assert codes(f"department={acme.ops.id}&sort=code") == ["AC-OPS1", "AC-OPS2", "AC-OPSH"]
    assert codes(f"department={acme.ops.id}&sort=code&order=desc") == ["AC-OPSH", "AC-OPS2", "AC-OPS1"]
    assert codes("min_criticality=31&max_criticality=50") == ["AC-OPSH", "AC-SALH"]
    assert codes("q=head+of") == ["AC-OPSH", "AC-SALH"]
    assert codes("sort=span")[:2] == ["AC-CEO", "AC-OPSH"]  # 4 and 2 people below; the others none
    assert codes("sort=criticality&order=asc")[0] == "AC-SAL1"
    past = client.get("/succession/register?page=2", headers=h).text
    assert "Page 2 is past the last page" in past
    none = client.get("/succession/register?q=nothing-like-this", headers=h).text
    assert "No active post matches this filter" in none
    # the column headers sort, and sorting the current column again turns it
    assert attrs(page, "data-sort") == ["title", "department", "level", "span", "criticality"]
    link = re.search(r'href="([^"]+)" data-sort="criticality"', page)
    assert link and "order=asc" in html.unescape(link.group(1))


def test_one_entry_shows_the_skills_and_decisions(client: TestClient, acme: Acme) -> None:
    r = client.get(f"/succession/register/{acme.posts['SALH'].id}", headers=acme.headers("hr"))
    assert r.status_code == 200
    assert _stat(r.text, "score") == "32.1" and _stat(r.text, "vacancy_risk") == "50"
    assert attrs(r.text, "data-decision") == ["set"] and "sales matter" in r.text  # slates() made it key
    assert "The post has no skill requirements" in r.text
    ceo = client.get(f"/succession/register/{acme.posts['CEO'].id}", headers=acme.headers("hr")).text
    assert attrs(ceo, "data-skill") == ["AC-FIN", "AC-LEAD"] and "data-no-decisions" in ceo
    assert 'data-decide="confirm"' in ceo and 'data-decide="withdraw"' in ceo


# --- decisions -----------------------------------------------------------------------------------
def _decide(client: TestClient, h: dict[str, str], post: int, **data: str) -> Any:
    return client.post(f"/succession/register/{post}/decision", data=data, headers=h, follow_redirects=False)


def test_hr_sets_confirms_and_withdraws_key_posts(client: TestClient, db: Session, acme: Acme) -> None:
    h, P = acme.headers("hr"), acme.posts
    back = "/succession/register?key_only=1&sort=code"
    r = _decide(client, h, P["OPS2"].id, is_key="1", reason="runs the night shift", back=back)
    assert r.status_code == 303 and r.headers["location"] == f"{back}#post-{P['OPS2'].id}"
    page = client.get(back, headers=h).text
    assert "Operations Lead (AC-OPS2) is now a key post: runs the night shift" in page  # the flash, once
    assert "AC-OPS2" in attrs(page, "data-register-row")
    assert "runs the night shift" not in client.get(back, headers=h).text
    r = _decide(client, h, P["CEO"].id, is_key="1", reason="still the top job")
    assert r.status_code == 303 and r.headers["location"] == f"/succession/register/{P['CEO'].id}"
    r = _decide(client, h, P["OPS2"].id, is_key="0", reason="the shift closes", back="https://evil.example/x")
    assert r.status_code == 303 and r.headers["location"] == f"/succession/register/{P['OPS2'].id}"  # not elsewhere
    rows = db.execute(select(KeyPostDecision.position_id, KeyPostDecision.is_key, KeyPostDecision.reason)
                      .where(KeyPostDecision.position_id.in_([P["OPS2"].id, P["CEO"].id]))
                      .order_by(KeyPostDecision.id)).all()
    assert rows == [(P["OPS2"].id, True, "runs the night shift"), (P["CEO"].id, True, "still the top job"),
                    (P["OPS2"].id, False, "the shift closes")]
    entry = client.get(f"/succession/register/{P['OPS2'].id}", headers=h).text
    assert attrs(entry, "data-decision") == ["withdraw", "set"] and "ac-hr" in entry
    assert attrs(client.get(f"/succession/register/{P['CEO'].id}", headers=h).text, "data-decision") == ["confirm"]


@pytest.mark.parametrize(("post", "data", "status", "message"), [
    ("OPS2", {"is_key": "1", "reason": "  "}, 422, "reason is required"),
    ("OPS2", {"is_key": "maybe", "reason": "x"}, 422, "is_key must be 1"),
    ("OPS2", {"reason": "x"}, 422, "is_key must be 1"),
    ("OPS2", {"is_key": "0", "reason": "x"}, 409, "is not a key post"),
    ("SAL1", {"is_key": "0", "reason": "x"}, 409, "remove them before withdrawing"),  # bob is on its slate
    ("CEO", {"is_key": "1", "reason": "x" * 2001}, 422, "reason"),
])
def test_refused_decisions_are_messages_that_write_nothing(client: TestClient, db: Session, acme: Acme, post: str,
                                                           data: dict[str, str], status: int, message: str) -> None:
    before = state(db)
    r = _decide(client, acme.headers("hr"), acme.posts[post].id, **data)
    assert r.status_code == status, (post, data, r.text[:400])
    assert message in _alert(r.text), _alert(r.text)
    assert "data-decision-form" in r.text  # the entry again with its form: never an error page, never a 500
    if data.get("reason", "").strip() and len(data["reason"]) < 100:
        assert 'value="x"' in r.text  # what was typed is kept
    assert state(db) == before


def test_forms_need_the_csrf_token(client: TestClient, db: Session, acme: Acme) -> None:
    assert login(client, "ac-hr").status_code == 303
    path = f"/succession/register/{acme.posts['OPS2'].id}/decision"
    data = {"is_key": "1", "reason": "a new key post"}
    before = state(db)
    for headers in ({}, {"Origin": "http://testserver"}, {"Origin": "https://evil.example"}):
        r = client.post(path, data=data, headers=headers, follow_redirects=False)
        assert r.status_code == 403 and r.headers.get("x-hcm-refused") == "csrf", headers
    assert state(db) == before
    page = _main(client.get("/succession/register").text)
    forms = re.findall(r'<form method="post" action="([^"]+)" [^>]*>\s*<input type="hidden" name="csrftoken"', page)
    assert len(forms) == page.count('<form method="post"') == 6  # one per post, each with the token first
    token = form_token(client, "/succession/register")
    r = client.post(path, data={"csrftoken": token, **data}, headers={"Origin": "http://testserver"},
                    follow_redirects=False)
    assert r.status_code == 303 and db.scalars(select(KeyPostDecision.reason).where(
        KeyPostDecision.position_id == acme.posts["OPS2"].id)).all() == ["a new key post"]


# --- bench strength ------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ("hr", "exec"))
def test_bench_strength_figures_trend_and_posts(client: TestClient, acme: Acme, role: str) -> None:
    h = acme.headers(role)
    r = client.get("/succession/bench", headers=h)
    assert r.status_code == 200
    assert [_stat(r.text, k) for k in ("key_posts", "covered", "two_plus", "uncovered", "single_points")] == \
        ["4", "75 %", "50 %", "1", "1"]
    assert attrs(r.text, "data-department") == ["AC-OPS", "AC-SAL"]
    sal = r.text.split('data-department="AC-SAL"', 1)[1].split("</tr>", 1)[0]
    assert attrs(sal, "data-share") == ["0.5", "0.0"]
    spof = r.text.split('data-table="single-points"', 1)[1].split("</table>", 1)[0]
    assert "Alice Acme" in spof and "Head of Operations" in spof and "Head of Sales" in spof
    assert "data-no-many-slates" in r.text  # nobody on three slates
    # the trend: 12 month ends and today, from the history (test_bench works the months out by hand)
    assert attrs(r.text, "data-trend-point")[-4:] == ["2026-03", "2026-04", "2026-05", "2026-06-30"]
    covered = r.text.split('data-series="covered"', 1)[1].split("</g>", 1)[0]
    values = dict(re.findall(r'data-point="([^"]+)" data-value="([^"]+)"', covered))
    assert (values["2025-12"], values["2026-01"], values["2026-02"], values["2026-03"], values["2026-06-30"]) == \
        ("0 %", "33 %", "50 %", "75 %", "75 %")
    assert r.text.count("data-x-tick") >= 5 and r.text.count("data-y-tick") == 5  # 0, 25, 50, 75, 100 %
    assert attrs(r.text, "data-bench-post") == ["AC-CEO", "AC-OPSH", "AC-SAL1", "AC-SALH"]
    assert attrs(r.text, "data-counts") == ["1/1/0", "1/0/1", "0/1/0", "1/0/0"]
    only = client.get("/succession/bench?uncovered=1", headers=h).text
    assert attrs(only, "data-bench-post") == ["AC-SAL1"]
    sales = client.get(f"/succession/bench?department={acme.sal.id}&points=3", headers=h).text
    assert _stat(sales, "key_posts") == "2" and len(re.findall(r"data-trend-point=", sales)) == 4
    assert ("/people/" in _main(r.text)) == (role == "hr")  # executives: no links into people records


def test_the_trend_by_closed_periods(client: TestClient, db: Session, acme: Acme) -> None:
    from performance.models import PeriodState
    from tests.performance import factories as perf

    h = acme.headers("exec")
    r = client.get("/succession/bench?basis=periods", headers=h).text
    assert attrs(r, "data-trend-point") == ["2026-06-30"] and "data-no-periods" in r
    perf.period(db, code="AC-Q1", state=PeriodState.CLOSED, start=date(2026, 1, 1), end=date(2026, 3, 31))
    r = client.get("/succession/bench?basis=periods", headers=h).text
    assert attrs(r, "data-trend-point") == ["AC-Q1", "2026-06-30"] and "data-no-periods" not in r


# --- representation ------------------------------------------------------------------------------
def test_representation_charts_and_tables(client: TestClient, db: Session, acme: Acme) -> None:
    hr = acme.principal("hr")
    fred = Employee(external_id="AC-FRED", first_name="Fred", last_name="Acme", hire_date=date(2026, 1, 5),
                    gender=Gender.MALE, birth_year=2000, salary=Decimal(1))
    db.add(fred)
    db.flush()
    pool = pools.create_pool(db, principal=hr, data=PoolIn(code="FUT", name="Future heads"))
    for who in (acme.people["alice"], acme.people["carol"], fred):
        pools.add_member(db, principal=hr, pool_id=pool.id, data=MemberIn(employee_id=who.id, reason="r"))
    h = acme.headers("hr")
    r = client.get("/succession/representation", headers=h)
    assert r.status_code == 200
    assert attrs(r.text, "data-population") == ["nominees", "pool_members", "pool:FUT"]
    assert "Pool: Future heads" in r.text and "5 active people holding a post" in r.text
    chosen = r.text.split('data-chosen="nominees"', 1)[1]
    # test_representation: female 2 of 3 eligible selected against male 2 of 2 -> 0.67, below four fifths
    gender = chosen.split("data-group-chart", 1)[1].split("</svg>", 1)[0]
    assert re.findall(r'data-group="([^"]+)" data-flagged="(\w+)"', gender) == [("female", "true"), ("male", "false")]
    assert attrs(gender, "data-ratio") == ["0.67", "1.00"]
    table = chosen.split('data-table="gender"', 1)[1].split("</table>", 1)[0]
    assert re.search(r'data-group="female" class="row-alert">.*?Below four fifths', table, flags=re.S)
    age = chosen.split('data-table="age_band"', 1)[1].split("</table>", 1)[0]
    assert attrs(age, "data-group") == ["30-39", "40-49", "50-59", "60 and over"]
    assert re.search(r'data-group="60 and over" class="row-alert"', age)
    fut = client.get("/succession/representation?population=pool:FUT", headers=h).text
    assert "Future heads: 3 people" in fut and "1 of them are outside the eligible population" in fut
    male = fut.split('data-chosen="pool:FUT"', 1)[1].split('data-table="gender"', 1)[1].split("</table>", 1)[0]
    assert re.search(r'data-group="male" class="row-alert"', male)


def test_register_and_representation_figures_reach_no_other_role(client: TestClient, db: Session,
                                                                  acme: Acme) -> None:
    """What only HR may read (criticality with retirement eligibility, vacancy risk, gender, age) is on none of
    the pages an executive or a manager opens, and no link leads there."""
    set_visibility(db, managers=True)
    confirmed = _decide(client, acme.headers("hr"), acme.posts["CEO"].id, is_key="1", reason="the top job")
    assert confirmed.status_code == 303  # the decision's audit keeps the criticality: the chart must not show it
    words = ("criticality", "vacancy risk", "retire", "heat map", "gender", "female", "age band", "birth",
             "four fifths", "/succession/register", "/succession/representation")
    opsh = acme.posts["OPSH"].id
    for role, paths in (("exec", ("/succession", "/succession/bench", f"/succession/positions/{acme.posts['CEO'].id}",
                                  "/succession/bench?basis=periods&uncovered=1")),
                        ("manager", ("/succession",))):
        for path in paths:
            r = client.get(path, headers=acme.headers(role))
            assert r.status_code == 200, (role, path)
            text = _main(r.text).lower()
            assert not [w for w in words if w in text], (role, path, [w for w in words if w in text])
    assert client.get(f"/succession/positions/{opsh}", headers=acme.headers("manager")).status_code == 404


# --- odd input -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "field"), [
    ("/succession/register?department=abc", "department"),
    ("/succession/register?department=99999999999", "department"),
    ("/succession/register?department=999999", "Department"),
    ("/succession/register?min_criticality=abc", "min_criticality"),
    ("/succession/register?min_criticality=nan", "min_criticality"),
    ("/succession/register?max_criticality=inf", "max_criticality"),
    ("/succession/register?min_criticality=150", "min_criticality"),
    ("/succession/register?min_criticality=60&max_criticality=40", "min_criticality"),
    ("/succession/register?sort=bogus", "sort"),
    ("/succession/register?order=up", "order"),
    ("/succession/register?key_only=maybe", "key_only"),
    ("/succession/register?criticality=hot&vacancy=low", "criticality"),
    ("/succession/register?criticality=high&vacancy=cold", "vacancy"),
    ("/succession/register?criticality=high", "vacancy"),
    ("/succession/bench?basis=weeks", "basis"),
    ("/succession/bench?points=0", "points"),
    ("/succession/bench?points=99", "points"),
    ("/succession/bench?points=abc", "points"),
    ("/succession/bench?department=-1", "department"),
    ("/succession/bench?department=999999", "Department"),
    ("/succession/bench?uncovered=perhaps", "uncovered"),
    ("/succession/representation?population=everyone", "population"),
    ("/succession/representation?as_of=yesterday", "as_of"),
])
def test_odd_query_values_are_messages_not_500(client: TestClient, acme: Acme, path: str, field: str) -> None:
    r = client.get(path, headers=acme.headers("hr"))
    assert r.status_code in (404, 422), (path, r.status_code, r.text[:300])
    assert field in _alert(r.text), (path, _alert(r.text))
    assert "succ-tabs" in r.text  # the page itself with its message, not an error page


def test_odd_paths_and_framework_checks_are_4xx(client: TestClient, acme: Acme) -> None:
    h = acme.headers("hr")
    for path in ("/succession/register/abc", "/succession/register/0", "/succession/register?page=0",
                 "/succession/register?q=" + "x" * 300, "/succession/bench?page=-3"):
        assert client.get(path, headers=h).status_code == 422, path
    r = client.post("/succession/register/abc/decision", data={"is_key": "1", "reason": "x"}, headers=h)
    assert r.status_code == 422


# --- empty states --------------------------------------------------------------------------------
def test_a_company_without_key_posts_says_so(client: TestClient, db: Session, org: factories.Org,
                                             as_role: Any) -> None:
    for p in org.positions.values():
        p.is_key = False
    db.flush()
    with factories.today_pinned(AS_OF):
        reg = client.get("/succession/register", headers=as_role("hr")).text
        assert "data-empty-heat" in reg and "No key post yet" in reg
        bench_page = client.get("/succession/bench", headers=as_role("exec")).text
        assert "data-empty-trend" in bench_page and "data-empty-posts" in bench_page
        assert _stat(bench_page, "covered") == "—"
        rep = client.get("/succession/representation", headers=as_role("hr")).text
        assert "data-empty-population" in rep and "no key post's slate has anyone on it" in rep
