"""Item 2 of the security review, tested the way it was found: a page on another origin (another site,
another port, a sibling subdomain) posts to the app with the victim's session cookie. Every state-changing
route is taken from the app itself, so a route a module adds tomorrow is covered without touching this file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hcm import modules
from hcm.auth.models import UserSession
from hcm.deps import get_db
from hcm.web.render import SHELL_TEMPLATES
from tests import factories
from tests.routes import endpoints
from tests.web.helpers import csrf, form_token, logged_in, login

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
ME = "http://testserver"  # the TestClient's origin
OTHER_ORIGINS = [
    {"Origin": "https://evil.example"},  # another site
    {"Origin": "http://testserver:8081"},  # another port of the same host: same site, other origin
    {"Origin": "http://hr.testserver"},  # a sibling subdomain
    {"Origin": "null"},  # a sandboxed frame or a file
    {"Sec-Fetch-Site": "same-site"},  # a browser that names no Origin but says where the request came from
    {"Sec-Fetch-Site": "cross-site"},
    {"Referer": "https://evil.example/page"},
]


def write_routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(method, concrete path) for every state-changing route of the app, path parameters filled in."""
    found = []
    for ep in endpoints(app.routes):
        for method in sorted(ep.methods & WRITES):
            found.append((method, re.sub(r"\{[^}]+\}", "1", ep.path)))
    assert len(found) > 40 and ("POST", "/login") in found and ("POST", "/api/io/import/1") in found
    return found


@pytest.fixture
def opened(app, client) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """The requests that got as far as a route: every route (through allow()) opens the unit of work."""
    seen: list[str] = []
    inner = app.dependency_overrides[get_db]

    def counting() -> Iterator[object]:
        seen.append("db")
        yield from inner()

    app.dependency_overrides[get_db] = counting
    yield seen
    app.dependency_overrides[get_db] = inner


def refused(r) -> bool:  # type: ignore[no-untyped-def]
    return r.status_code == 403 and r.headers.get("x-hcm-refused") == "csrf"


def _send(c: TestClient, method: str, path: str, headers: dict[str, str], token: str | None = None):  # type: ignore[no-untyped-def]
    data = {"csrftoken": token} if token else {"value": "1"}
    if method == "DELETE":
        return c.request(method, path, headers=headers)
    return c.request(method, path, data=data, headers=headers, follow_redirects=False)


def test_every_write_route_refuses_a_cross_origin_post_with_the_session_cookie(app, client, org, db, opened) -> None:  # type: ignore[no-untyped-def]
    logged_in(client, "hr")
    token = form_token(client, "/")
    opened.clear()
    for method, path in write_routes(app):
        for origin in OTHER_ORIGINS:
            r = _send(client, method, path, origin)
            assert refused(r), (method, path, origin, r.status_code, r.text[:200])
            # the token itself does not help a page on another origin (had it ever learnt it)
            r = _send(client, method, path, {**origin, "X-CSRFToken": token}, token)
            assert refused(r), (method, path, origin, "with token", r.status_code)
        # from the app's own origin, or from a client that names none, the token is still required
        for headers in ({"Origin": ME}, {"Referer": f"{ME}/people"}, {"Sec-Fetch-Site": "same-origin"}, {}):
            assert refused(_send(client, method, path, headers)), (method, path, headers)
            assert refused(_send(client, method, path, {**headers, "X-CSRFToken": "forged"}, "forged"))
    assert opened == []  # not one of them reached a route
    # and nothing was done: the session that "logged out" above is still there and still works
    assert db.scalar(select(func.count()).select_from(UserSession)) == 1
    assert client.get("/", follow_redirects=False).status_code == 200


def test_with_the_token_from_the_own_origin_every_write_route_is_let_through(app, client, org, opened) -> None:  # type: ignore[no-untyped-def]
    """The other half: the check refuses forgeries, not the app's own forms (what the route then says about an
    empty form is its own business: a 4xx, never the CSRF refusal and never a 500)."""
    routes = [(m, p) for m, p in write_routes(app) if p not in ("/logout", "/login")]
    for method, path in routes:
        logged_in(client, "hr")
        token = form_token(client, "/")
        opened.clear()
        r = _send(client, method, path, {"Origin": ME, "X-CSRFToken": token}, token)
        assert not refused(r) and opened, (method, path, r.status_code, r.text[:200])
        assert r.status_code < 500, (method, path, r.status_code)


def test_log_in_needs_the_form_token_and_the_own_origin(app, client, org) -> None:  # type: ignore[no-untyped-def]
    fresh = TestClient(app)  # no cookie at all: log-in CSRF would sign the victim in as the attacker
    data = {"username": "hr", "password": factories.PASSWORD}
    assert refused(fresh.post("/login", data=data, headers={"Origin": "https://evil.example"}))
    assert refused(fresh.post("/login", data=data))
    token = form_token(fresh)
    assert refused(fresh.post("/login", data={"csrftoken": token, **data}, headers={"Origin": "http://testserver:9"}))
    assert refused(fresh.post("/login", data={"csrftoken": token + "x", **data}, headers={"Origin": ME}))
    r = fresh.post("/login", data={"csrftoken": token, **data}, headers={"Origin": ME}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert fresh.get("/", follow_redirects=False).status_code == 200
    # a refused page request gets the shell's error page (and a token cookie to retry with), the API gets JSON
    r = fresh.post("/logout", headers={"Origin": "https://evil.example"})
    assert refused(r) and 'data-status="403"' in r.text and "another site" in r.text
    r = fresh.post("/api/auth/password", json={}, headers={"Origin": "https://evil.example"})
    assert refused(r) and r.json()["error"] == "csrf"


def test_the_hr_import_form_posts_multipart_with_the_token(client, org, opened) -> None:  # type: ignore[no-untyped-def]
    logged_in(client, "hr")
    page = client.get("/io")
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
    assert token and page.text.index('name="csrftoken"') < page.text.index('type="file"')
    csv = ("grades.csv", b"code,name,level,pay_min,pay_mid,pay_max\nG9,Grade nine,9,1000,2000,3000\n", "text/csv")
    opened.clear()
    for headers in ({"Origin": "https://evil.example"}, {"Origin": ME}, {}):
        r = client.post("/api/io/import/grades", files={"file": csv}, headers=headers)  # the cookie, no token
        assert refused(r), headers
    r = client.post("/api/io/import/grades", data={"csrftoken": token.group(1)}, files={"file": csv},
                    headers={"Origin": "http://testserver:8081"})
    assert refused(r)
    assert opened == []
    r = client.post("/api/io/import/grades", data={"csrftoken": token.group(1)}, files={"file": csv},
                    headers={"Origin": ME})
    assert r.status_code == 200, r.text
    assert r.json()["inserted"] == 1


def test_a_body_that_cannot_be_read_is_a_4xx_and_reaches_no_route(client, org, opened) -> None:  # type: ignore[no-untyped-def]
    logged_in(client, "hr")
    opened.clear()
    for path in ("/performance/periods/1/points/recognition", "/api/departments", "/logout"):
        for content_type, body in (
            ("application/x-www-form-urlencoded", b"csrftoken=\xff\xfe&x=1"),  # not UTF-8
            ("multipart/form-data", b"--x\r\n"),  # no boundary
            ("multipart/form-data;boundary=x", b"--x\r\nContent-Disposition: form-data; name=\"csrftoken\"\r\n"),
            ("multipart/form-data; boundary=x", b"garbage\r\n\r\n--x--"),
            ("application/json", b'{"csrftoken": "x"'),
            ("text/plain", b"csrftoken=x"),
        ):
            r = client.post(path, content=body, headers={"Content-Type": content_type, "Origin": ME})
            assert 400 <= r.status_code < 500, (path, content_type, r.status_code, r.text[:200])
    assert opened == []


def test_the_token_api_stays_token_only(app, client, org) -> None:  # type: ignore[no-untyped-def]
    api = TestClient(app)
    r = api.post("/api/auth/token", data={"username": "manager", "password": factories.PASSWORD})
    assert r.status_code == 200  # a script without cookies needs no CSRF token to log in
    bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = api.post("/api/performance/periods/999/points", json={}, headers={**bearer, "Origin": "https://evil.example"})
    assert not refused(r) and r.status_code in (403, 404, 422)  # the route decided, not the CSRF check
    # a bearer request is never authenticated by the cookie it also carries
    logged_in(client, "hr")
    r = client.post("/api/departments", json={"code": "X", "name": "X"}, headers={"Authorization": "Bearer forged"})
    assert r.status_code == 401


def test_every_post_form_in_every_template_carries_the_token_first() -> None:
    forms = 0
    for folder in (SHELL_TEMPLATES, *modules.template_dirs()):
        for template in Path(folder).rglob("*.html"):
            text = template.read_text()
            for m in re.finditer(r"<form\b[^>]*>", text, flags=re.I):
                if 'method="post"' not in m.group(0).lower():
                    continue
                forms += 1
                after = text[m.end():].lstrip()
                assert after.startswith("{{ csrf_field }}"), f"{template}: a post form without the CSRF token first"
    assert forms >= 6


def test_the_log_in_page_and_logout_form_render_the_token(client, org) -> None:  # type: ignore[no-untyped-def]
    r = login(client, "employee")
    assert r.status_code == 303
    home = client.get("/")
    token = form_token(client, "/")
    assert f'<meta name="csrf-token" content="{token}">' in home.text
    assert re.search(r'action="/logout"[^>]*>\s*<input type="hidden" name="csrftoken" value="' + re.escape(token), home.text)
    assert client.post("/logout", headers=csrf(client), follow_redirects=False).status_code == 303


def test_logging_in_gives_the_browser_a_new_token(client, org) -> None:  # type: ignore[no-untyped-def]
    before = form_token(client)
    logged_in(client, "employee")
    after = form_token(client, "/")
    assert after != before
    r = client.post("/logout", data={"csrftoken": before}, follow_redirects=False)
    assert refused(r)  # the token of the anonymous page is no good once logged in
    assert client.post("/logout", data={"csrftoken": after}, follow_redirects=False).status_code == 303


@pytest.mark.parametrize(("host", "headers", "trusted", "same"), [
    ("app.example.com", {"origin": "https://app.example.com"}, (), True),
    ("app.example.com:443", {"origin": "https://app.example.com"}, (), True),  # default port left out
    ("app.example.com", {"origin": "https://app.example.com:8443"}, (), False),
    ("APP.example.com", {"origin": "https://app.EXAMPLE.com"}, (), True),
    ("[::1]:8000", {"origin": "http://[::1]:8000"}, (), True),
    ("[::1]:8000", {"origin": "http://[::1]:8001"}, (), False),
    ("10.0.0.5:8000", {"origin": "https://hr.example.com"}, ("https://hr.example.com",), True),  # behind a proxy
    ("10.0.0.5:8000", {"origin": "https://evil.example.com"}, ("https://hr.example.com",), False),
    ("app", {"origin": "javascript:alert(1)"}, (), False),
    ("app", {"referer": "http://app/people?q=x"}, (), True),
    ("app", {"referer": "http://other/"}, (), False),
    ("app", {"sec-fetch-site": "none"}, (), True),  # typed into the address bar
    ("app", {}, (), True),  # says nothing: not a browser, the token decides
])
def test_what_counts_as_the_own_origin(host, headers, trusted, same) -> None:  # type: ignore[no-untyped-def]
    from starlette.datastructures import Headers

    from hcm.web.csrf import same_origin

    assert same_origin(Headers({"host": host, **headers}), trusted) is same
