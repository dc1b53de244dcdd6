"""The app under uvicorn on a free loopback port, over a given database, for browser tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@contextmanager
def live_app(url: str) -> Iterator[str]:
    """Point the process-wide engine at ``url`` (the in-process tasks use it too), serve the app, yield its
    base URL; restore the previous engine afterwards."""
    import uvicorn

    from hcm import db as dbmod
    from hcm.app import create_app
    from tests.web.test_browser import _free_port

    saved = (dbmod._engine, dbmod._sessionmaker)
    dbmod.configure(url)
    app = create_app()
    port = _free_port()
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
