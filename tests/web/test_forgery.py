"""Item 1 of the security review, tested the way it was found: sign a bearer token and a session cookie for
the HR user with the secret earlier versions used by default, and try to read people data with them."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import itsdangerous
import jwt
import pytest
from fastapi.testclient import TestClient

from hcm.settings import DEMO_SECRET_FILE, get_settings
from tests.web.helpers import logged_in

OLD_PUBLIC_DEFAULT = "change-me"


@pytest.fixture
def demo_app(monkeypatch, tmp_path, db, org) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """The app configured as `hcm demo` runs it: demo mode, no HCM_SECRET_KEY, in a fresh working directory."""
    from hcm.app import create_app
    from hcm.deps import get_db

    monkeypatch.delenv("HCM_SECRET_KEY")
    monkeypatch.setenv("HCM_DEMO", "true")
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    app = create_app()

    def _test_db() -> Iterator[object]:
        yield db
        db.commit()

    app.dependency_overrides[get_db] = _test_db
    try:
        with TestClient(app) as c:
            yield c
    finally:
        get_settings.cache_clear()


def _forged_token(user_id: int, key: str) -> str:
    now = datetime.now(UTC)
    return jwt.encode({"sub": str(user_id), "role": "hr_admin", "ver": 0, "iat": now, "exp": now + timedelta(hours=1)},
                      key, algorithm="HS256")


def _forged_session(payload: dict[str, object], key: str) -> str:
    # exactly how Starlette's SessionMiddleware signs its cookie
    data = base64.b64encode(json.dumps(payload).encode())
    return itsdangerous.TimestampSigner(key).sign(data).decode()


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # the attacker's short key
def test_a_token_or_cookie_signed_with_the_old_default_reads_nothing(demo_app, org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    hr = org.users["hr"].id
    assert (tmp_path / DEMO_SECRET_FILE).exists()  # the demo made its own secret
    people = "/api/employees"
    assert demo_app.get(people).status_code == 401
    for key in (OLD_PUBLIC_DEFAULT, get_settings().secret_key):  # the published value, or even the raw secret
        r = demo_app.get(people, headers={"Authorization": f"Bearer {_forged_token(hr, key)}"})
        assert r.status_code == 401, (key, r.text)
        for payload in ({"uid": hr}, {"sid": "x" * 43}):
            demo_app.cookies.set("hcm_session", _forged_session(payload, key))
            r = demo_app.get(people)
            assert r.status_code == 401, (key, payload, r.text)
            assert demo_app.get("/people", follow_redirects=False).status_code == 303  # sent to the log-in form
            demo_app.cookies.clear()
    # the real log-in still works under the demo's own secret
    logged_in(demo_app, "hr")
    assert demo_app.get(people).status_code == 200
