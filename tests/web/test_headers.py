"""Item 10 of the security review, tested the way it was found: the response headers of the pages, the API and
the exports that carry pay data, for a logged-in user with a real session cookie or token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hcm import modules
from hcm.settings import get_settings
from hcm.web.render import SHELL_TEMPLATES
from tests import factories
from tests.web.helpers import logged_in

PROTECTIVE = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}


def _directives(csp: str) -> dict[str, set[str]]:
    out = {}
    for part in csp.split(";"):
        name, *values = part.split()
        out[name] = set(values)
    return out


def assert_protected(r, *, cacheable: bool = False) -> None:  # type: ignore[no-untyped-def]
    for name, value in PROTECTIVE.items():
        assert r.headers.get(name) == value, (r.url, name, r.headers.get(name))
    csp = _directives(r.headers["content-security-policy"])
    assert csp["default-src"] == {"'self'"} and csp["script-src"] == {"'self'"} and csp["style-src"] == {"'self'"}
    assert csp["frame-ancestors"] == {"'none'"} and csp["object-src"] == {"'none'"} and csp["form-action"] == {"'self'"}
    assert "'unsafe-inline'" not in r.headers["content-security-policy"]
    if cacheable:
        assert "no-store" not in r.headers.get("cache-control", "")
    else:
        assert r.headers["cache-control"] == "no-store", (r.url, r.headers.get("cache-control"))
    assert "strict-transport-security" not in r.headers  # served over plain HTTP here


def test_pages_with_people_data_are_protected_and_never_stored(client, org) -> None:  # type: ignore[no-untyped-def]
    assert_protected(client.get("/login"))
    logged_in(client, "hr")
    alice = org.people["alice"].id
    for path in ("/", "/people", f"/people/{alice}", "/org", "/io", "/performance", "/key-posts"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert_protected(r)
    assert "data-salary" in client.get(f"/people/{alice}").text  # the page that showed pay
    for path in ("/people/999999", "/no-such-page"):  # error pages too
        r = client.get(path)
        assert r.status_code == 404
        assert_protected(r)


def test_api_answers_and_exports_are_never_stored(client, org, as_role) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    for path in ("/api/employees", f"/api/employees/{org.people['alice'].id}", "/api/auth/me",
                 "/api/io/export/employees?format=csv", "/api/io/export/employees?format=xlsx"):
        r = client.get(path, headers=hr)
        assert r.status_code == 200, (path, r.text[:200])
        assert_protected(r)
    export = client.get("/api/io/export/employees?format=csv", headers=hr)
    assert "attachment" in export.headers["content-disposition"]
    for r in (client.get("/api/employees"), client.post("/api/auth/token", data={"username": "hr", "password": "x"})):
        assert r.status_code == 401
        assert_protected(r)


def test_static_files_keep_the_protections_and_may_be_cached(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/static/app.js", "/static/app.css", "/static/vendor/chart.umd.min.js"):
        r = client.get(path)
        assert r.status_code == 200
        assert_protected(r, cacheable=True)


@pytest.fixture
def https_client(db, org) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    from hcm.app import create_app
    from hcm.deps import get_db

    app = create_app(get_settings().model_copy(update={"https": True}))

    def _test_db() -> Iterator[object]:
        yield db
        db.commit()

    app.dependency_overrides[get_db] = _test_db
    with TestClient(app, base_url="https://testserver") as c:
        yield c


def test_over_https_cookies_are_secure_and_hsts_is_sent(https_client) -> None:  # type: ignore[no-untyped-def]
    form = https_client.get("/login")
    assert form.headers["strict-transport-security"].startswith("max-age=31536000")
    token = re.search(r'name="csrftoken" value="([^"]+)"', form.text)
    assert token
    r = https_client.post("/login", data={"csrftoken": token.group(1), "username": "hr", "password": factories.PASSWORD},
                          headers={"Origin": "https://testserver"}, follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("hcm_session=") and "; secure" in cookie.lower() and "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert https_client.get("/").status_code == 200


def test_the_session_cookie_is_httponly_and_not_secure_over_plain_http(client, org) -> None:  # type: ignore[no-untyped-def]
    from tests.web.helpers import login

    r = login(client, "hr")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "; secure" not in cookie


def test_templates_have_no_inline_script_style_or_handler() -> None:
    """What the policy forbids never appears in a template: a module's page would break in the browser."""
    found = 0
    for folder in (SHELL_TEMPLATES, *modules.template_dirs()):
        for template in Path(folder).rglob("*.html"):
            text = template.read_text()
            found += 1
            for m in re.finditer(r"<script\b([^>]*)>(.*?)</script>", text, flags=re.S | re.I):
                attrs, body = m.group(1), m.group(2)
                assert 'src="' in attrs or 'type="application/json"' in attrs, f"{template}: an inline script"
                assert 'src="' not in attrs or not body.strip(), template
                if 'src="' in attrs:
                    assert re.search(r'src="/static/', attrs), f"{template}: a script from outside the app"
            assert not re.search(r"<style\b", text, flags=re.I), f"{template}: a <style> element"
            assert not re.search(r"\sstyle\s*=", text, flags=re.I), f"{template}: a style attribute"
            assert not re.search(r"\son[a-z]+\s*=", text, flags=re.I), f"{template}: an inline event handler"
            assert "javascript:" not in text.lower(), template
    assert found >= 15


def test_even_the_last_resort_500_page_carries_the_headers() -> None:
    """A bug is answered by Starlette's outermost error middleware, outside the headers middleware: the app's own
    handler for it gives the page the same protection, and says nothing about the error."""
    from fastapi import APIRouter

    from hcm.app import create_app

    boom = APIRouter()

    @boom.get("/api/boom")
    def _boom() -> None:
        raise RuntimeError("a bug with a secret in its message")

    app = create_app()
    app.include_router(boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/api/boom")
    assert r.status_code == 500 and r.text == "Internal Server Error"
    assert_protected(r)
    assert r.headers["cache-control"] == "no-store"
