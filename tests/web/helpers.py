"""What the web tests share: the navigation each role gets, and reading attributes out of a page."""

from __future__ import annotations

from html.parser import HTMLParser

NAV = {
    "hr": {"home", "org", "positions", "people", "key-posts", "skills", "io", "performance"},
    "exec": {"home", "org", "key-posts", "performance"},
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
