"""Item 3 of the security review, tested the way it was found: a session cookie saved before log-out (or
before a password change, a deactivation, a long pause) is replayed from another client."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from hcm.auth import service
from hcm.auth.models import User, UserSession
from hcm.db import utcnow
from hcm.settings import get_settings
from tests import factories
from tests.web.helpers import csrf, logged_in

COOKIE = "hcm_session"


def _replay(app, cookie: str) -> TestClient:  # type: ignore[no-untyped-def]
    """Another client that holds nothing but a copy of the cookie."""
    other = TestClient(app)
    other.cookies.set(COOKIE, cookie)
    return other


def _opens(c: TestClient) -> bool:
    page = c.get("/", follow_redirects=False)
    api = c.get("/api/auth/me")
    assert (page.status_code == 200) == (api.status_code == 200), (page.status_code, api.status_code)
    if page.status_code != 200:
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert api.status_code == 401
    return page.status_code == 200


def _session_rows(db, username: str) -> list[UserSession]:  # type: ignore[no-untyped-def]
    uid = db.scalar(select(User.id).where(User.username == username))
    db.expire_all()
    return list(db.scalars(select(UserSession).where(UserSession.user_id == uid)))


def test_the_cookie_carries_a_random_session_id_whose_hash_only_is_stored(client, org, db) -> None:  # type: ignore[no-untyped-def]
    logged_in(client, "hr")
    signed = client.cookies[COOKIE]
    payload = json.loads(base64.b64decode(signed.split(".")[0]))
    assert set(payload) <= {"sid", "csrf"} and len(payload["sid"]) >= 40  # no user id, no role
    rows = _session_rows(db, "hr")
    assert [r.token_hash for r in rows] == [hashlib.sha256(payload["sid"].encode()).hexdigest()]
    logged_in(client, "hr")  # logging in again starts another session; the old id is gone from the cookie
    assert json.loads(base64.b64decode(client.cookies[COOKIE].split(".")[0]))["sid"] != payload["sid"]


def test_a_cookie_saved_before_log_out_opens_nothing_after(app, client, org, db) -> None:  # type: ignore[no-untyped-def]
    logged_in(client, "hr")
    saved = client.cookies[COOKIE]
    assert _opens(_replay(app, saved))  # the copy works while the session lives
    assert client.post("/logout", headers=csrf(client), follow_redirects=False).status_code == 303
    assert _session_rows(db, "hr") == []
    assert not _opens(_replay(app, saved))
    assert not _opens(client)


def test_idle_and_absolute_timeouts_end_a_session(app, client, org, db) -> None:  # type: ignore[no-untyped-def]
    s = get_settings()
    logged_in(client, "manager")
    saved = client.cookies[COOKIE]
    (row,) = _session_rows(db, "manager")
    db.execute(update(UserSession).where(UserSession.id == row.id)
               .values(last_seen_at=utcnow() - s.session_idle - timedelta(minutes=1)))
    assert not _opens(_replay(app, saved))  # idle too long
    assert _session_rows(db, "manager") == []  # and the row is gone

    logged_in(client, "manager")
    saved = client.cookies[COOKIE]
    (row,) = _session_rows(db, "manager")
    db.execute(update(UserSession).where(UserSession.id == row.id)
               .values(created_at=utcnow() - s.session_max_age - timedelta(minutes=1)))
    assert not _opens(_replay(app, saved))  # in use all along, but older than the absolute limit


def test_last_seen_is_written_at_most_once_a_minute(app, client, org, db) -> None:  # type: ignore[no-untyped-def]
    logged_in(client, "employee")
    (row,) = _session_rows(db, "employee")
    first = row.last_seen_at
    assert _opens(client)
    assert _session_rows(db, "employee")[0].last_seen_at == first  # within the minute: not written
    earlier = utcnow() - timedelta(minutes=5)
    db.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=earlier))
    assert _opens(client)
    assert _session_rows(db, "employee")[0].last_seen_at > earlier + timedelta(minutes=4)


def _token(c: TestClient, username: str, password: str = factories.PASSWORD) -> dict[str, str]:
    r = c.post("/api/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_a_password_change_ends_every_session_and_token(app, client, org, db) -> None:  # type: ignore[no-untyped-def]
    api = TestClient(app)
    token = _token(api, "employee")
    logged_in(client, "employee")
    elsewhere = client.cookies[COOKIE]
    browser = TestClient(app)
    logged_in(browser, "employee")
    r = browser.post("/api/auth/password", json={"current_password": "wrong-one", "new_password": "a-new-password-1"},
                     headers=csrf(browser))
    assert r.status_code == 422 and r.json()["field"] == "current_password"
    assert _opens(_replay(app, elsewhere))  # a refused change ends nothing
    r = browser.post("/api/auth/password", json={"current_password": factories.PASSWORD,
                                                 "new_password": "a-new-password-1"}, headers=csrf(browser))
    assert r.status_code == 204, r.text
    assert _session_rows(db, "employee") == []
    assert not _opens(_replay(app, elsewhere)) and not _opens(browser)
    r = api.get("/api/auth/me", headers=token)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    assert api.post("/api/auth/token", data={"username": "employee", "password": factories.PASSWORD}).status_code == 401
    assert api.get("/api/auth/me", headers=_token(api, "employee", "a-new-password-1")).status_code == 200


def test_a_password_change_through_the_api_with_a_token(app, client, org, db) -> None:  # type: ignore[no-untyped-def]
    api = TestClient(app)
    token = _token(api, "manager")
    r = api.post("/api/auth/password", json={"current_password": factories.PASSWORD, "new_password": "x"},
                 headers=token)
    assert r.status_code == 422 and r.json()["field"] == "password"  # too short: nothing changed
    assert api.get("/api/auth/me", headers=token).status_code == 200
    r = api.post("/api/auth/password", json={"current_password": factories.PASSWORD,
                                             "new_password": "manager-password-2"}, headers=token)
    assert r.status_code == 204
    assert api.get("/api/auth/me", headers=token).status_code == 401


@pytest.mark.parametrize("how", ["deactivate", "reset"])
def test_deactivation_or_an_admin_reset_ends_every_session_and_token(app, client, org, db, how) -> None:  # type: ignore[no-untyped-def]
    api = TestClient(app)
    token = _token(api, "manager")
    logged_in(client, "manager")
    saved = client.cookies[COOKIE]
    user = service.by_username(db, "manager")
    if how == "deactivate":  # what `hcm user deactivate` runs
        service.set_active(db, user=user, active=False)
    else:  # what `hcm user password` runs
        service.set_password(db, user=user, password="reset-by-hr-123")
    db.commit()
    assert not _opens(_replay(app, saved))
    assert api.get("/api/auth/me", headers=token).status_code == 401
    assert _session_rows(db, "manager") == []
    if how == "deactivate":
        r = api.post("/api/auth/token", data={"username": "manager", "password": factories.PASSWORD})
        assert r.status_code == 401
        service.set_active(db, user=user, active=True)
        db.commit()
        assert api.get("/api/auth/me", headers=token).status_code == 401  # reactivation revives no old token
        assert api.get("/api/auth/me", headers=_token(api, "manager")).status_code == 200
