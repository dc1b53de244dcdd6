"""Item 4 of the security review, tested the way it was found: wrong passwords in a row, then the right one,
through the log-in form and the token endpoint; and what an unknown user name costs compared to a known one
(counted, not timed: the unknown name must go through the same Argon2 check)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hcm.auth import security
from hcm.settings import Settings, get_settings
from tests import factories
from tests.services import REDIS_URL, missing
from tests.web.helpers import form_token, login

WRONG = "not-the-password"


def _token(c: TestClient, username: str, password: str):  # type: ignore[no-untyped-def]
    return c.post("/api/auth/token", data={"username": username, "password": password})


def _assert_limited(r, *, page: bool) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == 429, r.text[:300]
    wait = int(r.headers["Retry-After"])
    assert 0 < wait <= 15 * 60
    if page:
        assert "Too many failed log-ins" in r.text and 'data-error="login"' in r.text
    else:
        assert r.json()["error"] == "too_many_requests"


def test_wrong_passwords_then_the_right_one_is_refused_on_both_doors(app, client, org) -> None:  # type: ignore[no-untyped-def]
    api = TestClient(app)  # a script: no browser cookies, so no CSRF token either
    per_user = int(get_settings().login_limit_per_user.split("/")[0])
    for i in range(per_user):
        door = login(client, "hr", password=WRONG) if i % 2 else _token(api, "hr", WRONG)
        assert door.status_code == 401, i
    _assert_limited(login(client, "hr"), page=True)  # the right password, and still no
    _assert_limited(_token(api, "hr", factories.PASSWORD), page=False)
    _assert_limited(login(client, " HR "), page=True)  # the same name, typed otherwise
    assert client.get("/", follow_redirects=False).status_code == 303  # not logged in
    # another user from the same client is not locked out by it
    assert login(client, "employee").status_code == 303


def test_a_successful_log_in_clears_the_names_count(client, org) -> None:  # type: ignore[no-untyped-def]
    per_user = int(get_settings().login_limit_per_user.split("/")[0])
    for _ in range(per_user - 1):
        assert _token(client, "manager", WRONG).status_code == 401
    assert _token(client, "manager", factories.PASSWORD).status_code == 200
    for _ in range(per_user - 1):
        assert _token(client, "manager", WRONG).status_code == 401
    assert _token(client, "manager", factories.PASSWORD).status_code == 200


def test_one_client_trying_many_names_is_limited_too(app, client, org) -> None:  # type: ignore[no-untyped-def]
    per_client = int(get_settings().login_limit_per_client.split("/")[0])
    sprayer = TestClient(app, client=("203.0.113.7", 40000))
    for i in range(per_client):
        assert _token(sprayer, f"guess-{i}", WRONG).status_code == 401
    _assert_limited(_token(sprayer, "exec", factories.PASSWORD), page=False)
    other = TestClient(app, client=("198.51.100.9", 40000))  # another address is not affected
    assert _token(other, "exec", factories.PASSWORD).status_code == 200


def test_a_wrong_current_password_counts_as_a_failed_log_in(client, org) -> None:  # type: ignore[no-untyped-def]
    r = _token(client, "employee", factories.PASSWORD)
    bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}
    per_user = int(get_settings().login_limit_per_user.split("/")[0])
    for _ in range(per_user):
        r = client.post("/api/auth/password", json={"current_password": WRONG, "new_password": "n3w-password"},
                        headers=bearer)
        assert r.status_code == 422
    r = client.post("/api/auth/password", json={"current_password": factories.PASSWORD,
                                                "new_password": "n3w-password"}, headers=bearer)
    _assert_limited(r, page=False)


@pytest.fixture
def verifications(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """Every real Argon2 verification, by the hash it was checked against."""
    seen: list[str] = []
    real = security._hasher.verify

    def counting(password: str, hash: str) -> bool:
        seen.append(hash)
        return real(password, hash)

    monkeypatch.setattr(security._hasher, "verify", counting)
    return seen


def test_an_unknown_user_costs_one_real_argon2_check_like_a_known_one(client, org, db, verifications) -> None:  # type: ignore[no-untyped-def]
    hr_hash = org.users["hr"].password_hash
    assert _token(client, "hr", WRONG).status_code == 401
    assert verifications == [hr_hash]
    verifications.clear()
    assert _token(client, f"nobody-{uuid.uuid4().hex[:6]}", WRONG).status_code == 401
    assert verifications == [security.dummy_hash()]
    assert security.dummy_hash().startswith("$argon2id$") and hr_hash.startswith("$argon2id$")
    # same algorithm and cost parameters as a user's hash: the same work, not merely a call
    assert security.dummy_hash().split("$")[:4] == hr_hash.split("$")[:4]
    verifications.clear()
    org.users["exec"].is_active = False
    db.flush()
    r = login(client, "exec")  # a deactivated user: also one check, and the same message
    assert r.status_code == 401 and "Unknown user name or wrong password." in r.text
    assert verifications == [org.users["exec"].password_hash]


@pytest.mark.parametrize("username", ["x" * 10_000, "nul\x00name", "", " "])
def test_odd_user_names_are_a_failed_log_in_not_a_500(client, org, username, verifications) -> None:  # type: ignore[no-untyped-def]
    r = _token(client, username, WRONG)
    assert r.status_code in (401, 422), r.text[:200]
    r = client.post("/login", data={"csrftoken": form_token(client), "username": username, "password": WRONG})
    assert r.status_code in (401, 422)
    assert all(h == security.dummy_hash() for h in verifications)


def test_a_huge_password_is_refused_without_hashing_it(client, org, verifications) -> None:  # type: ignore[no-untyped-def]
    assert _token(client, "hr", "p" * 100_000).status_code == 401
    assert verifications == []


def test_the_limits_and_their_storage_come_from_settings(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    s = Settings(secret_key="k" * 32)
    assert s.limits_storage == "memory://"
    assert Settings(secret_key="k" * 32, broker_url="redis://127.0.0.1:6379/0").limits_storage == "redis://127.0.0.1:6379/0"
    assert Settings(secret_key="k" * 32, broker_url="redis://b/0", login_limit_storage="memory://").limits_storage == "memory://"
    with pytest.raises(ValueError, match="login_limit_per_user"):
        Settings(secret_key="k" * 32, login_limit_per_user="five a day")


@pytest.fixture
def redis_apps(db, org) -> Iterator[tuple[TestClient, TestClient]]:  # type: ignore[no-untyped-def]
    """Two app processes' worth of the app (as under several uvicorn workers) counting in the real Redis."""
    import redis

    from hcm.app import create_app
    from hcm.deps import get_db

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as exc:
        missing("redis", str(exc).splitlines()[0])
    settings = get_settings().model_copy(update={"broker_url": REDIS_URL})
    apps = [create_app(settings) for _ in range(2)]

    def _test_db() -> Iterator[object]:
        yield db
        db.commit()

    for a in apps:
        a.dependency_overrides[get_db] = _test_db
    assert type(apps[0].state.login_throttle.storage).__name__ == "RedisStorage"
    apps[0].state.login_throttle.reset()
    try:
        yield TestClient(apps[0]), TestClient(apps[1])
    finally:
        apps[0].state.login_throttle.reset()


@pytest.mark.redis
def test_with_redis_every_process_shares_the_count(redis_apps) -> None:  # type: ignore[no-untyped-def]
    first, second = redis_apps
    per_user = int(get_settings().login_limit_per_user.split("/")[0])
    for i in range(per_user):
        assert _token(first if i % 2 else second, "hr", WRONG).status_code == 401
    _assert_limited(_token(first, "hr", factories.PASSWORD), page=False)
    _assert_limited(_token(second, "hr", factories.PASSWORD), page=False)
    r = second.get("/login")
    token = re.search(r'name="csrftoken" value="([^"]+)"', r.text)
    assert token
    r = second.post("/login", data={"csrftoken": token.group(1), "username": "hr", "password": factories.PASSWORD})
    _assert_limited(r, page=True)
