"""Browser tests' shared parts: the app under uvicorn over a given database, a headless Chromium, a clean page
per test, screenshots, and the log-in. A browser test module defines its own ``live`` fixture (an object with
``.url``) over the data it needs; tests/conftest.py loads this module as a plugin, so its fixtures reach the
browser tests of every package."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests import factories
from tests.services import missing

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_app(url: str) -> Iterator[str]:
    """Point the process-wide engine at ``url`` (the in-process tasks use it too), serve the app, yield its
    base URL; restore the previous engine afterwards."""
    import uvicorn

    from hcm import db as dbmod
    from hcm.app import create_app

    saved = (dbmod._engine, dbmod._sessionmaker)
    dbmod.configure(url)
    app = create_app()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn-live-app", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the app did not start under uvicorn", pytrace=False)
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        if dbmod._engine is not None:
            dbmod._engine.dispose()
        dbmod._engine, dbmod._sessionmaker = saved


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        missing("chromium", f"{CHROMIUM} does not exist")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
    finally:
        pw.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("HCM_SCREENSHOTS")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        return Path(wanted)
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def page(browser: Any, live: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) that refuses any request leaving the app, and records
    script errors and failed responses so a test can assert the page was clean."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    outside: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(live.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    # Anything the Content-Security-Policy blocked: the page's own event, and Chromium's console message.
    context.add_init_script("""document.addEventListener('securitypolicyviolation', function (e) {
        console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
    });""")
    p = context.new_page()
    p.set_default_timeout(8000)
    p.problems = []
    p.on("pageerror", lambda e: p.problems.append(f"script error: {e}"))
    p.on("response", lambda r: r.status >= 400 and p.problems.append(f"{r.status} {r.url}"))
    p.on("console", lambda m: ("Content Security Policy" in m.text or "CSP violation" in m.text)
         and p.problems.append(f"CSP: {m.text}"))
    yield p
    context.close()
    assert outside == [], f"the page tried to reach outside the app: {outside}"


def log_in(page: Any, base: str, username: str, password: str = factories.PASSWORD) -> None:
    """Through the form, from the home page an anonymous visitor is sent away from."""
    page.goto(base + "/")
    assert "/login" in page.url  # anonymous: sent to the form
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(base + "/")
