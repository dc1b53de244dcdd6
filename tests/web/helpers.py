"""What the web tests share: the navigation each role gets, reading attributes out of a page, and logging in
through the form with its CSRF token as a browser does."""

from __future__ import annotations

import base64
import html
import json
import re
from html.parser import HTMLParser
from typing import Any

from fastapi.testclient import TestClient

from tests import factories

NAV = {
    "hr": {"home", "org", "positions", "people", "key-posts", "skills", "io", "performance", "graph", "succession", "ml"},
    "exec": {"home", "org", "key-posts", "performance", "graph", "succession", "ml"},
    "manager": {"home", "team", "org", "profile", "performance"},
    "employee": {"home", "profile", "org", "performance"},
}


class _Attrs(HTMLParser):
    """Collects the values of one attribute over a whole page (tests assert sets, not markup)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.values += [v for k, v in attrs if k == self.name and v is not None]


def attrs(html: str, name: str) -> list[str]:
    p = _Attrs(name)
    p.feed(html)
    return p.values


def form_token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token a browser finds in the page's form (hcm.web.csrf), as a person's browser would post it."""
    found = re.search(r'name="csrftoken" value="([^"]+)"', client.get(path).text)
    assert found, f"no CSRF token in the form of {path}"
    return found.group(1)


def csrf(client: TestClient) -> dict[str, str]:
    """The header a script on one of the app's pages sends with a post (the token of the page's meta tag)."""
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', client.get("/login").text)
    assert found, "no CSRF token on the page"
    return {"X-CSRFToken": found.group(1)}


def session_of(client: TestClient) -> dict[str, object]:
    """What the signed session cookie holds (Starlette: base64 JSON, then the signature)."""
    cookie = client.cookies.get("hcm_session")
    return json.loads(base64.b64decode(cookie.split(".")[0])) if cookie else {}


def login(client: TestClient, username: str, next_: str | None = None,  # type: ignore[no-untyped-def]
          password: str = factories.PASSWORD):
    data = {"csrftoken": form_token(client), "username": username, "password": password}
    if next_ is not None:
        data["next"] = next_
    return client.post("/login", data=data, follow_redirects=False)


def logged_in(client: TestClient, username: str) -> TestClient:
    r = login(client, username)
    assert r.status_code == 303, r.text
    return client


def alert_text(page: str) -> str:
    """The text of a page's error alert (``role="alert"``), unescaped; "" when there is none."""
    found = re.search(r'role="alert"[^>]*>(.*?)</p>', page, flags=re.S)
    return html.unescape(found.group(1)) if found else ""


def assert_one_policy_per_route(router: Any, routes: int) -> None:
    """Every route of a pages router declares exactly one permission (``hcm.policy.allow``), and there are
    ``routes`` of them (a new page must be added to its module's role tests too)."""
    for route in router.routes:
        deps = route.dependant.dependencies
        assert len([d for d in deps if hasattr(d.call, "__policy__")]) == 1, route.path
    assert len(router.routes) == routes
