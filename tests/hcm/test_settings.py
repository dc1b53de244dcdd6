from __future__ import annotations

import pytest
from pydantic import ValidationError

from hcm.settings import DEFAULT_SECRET, Settings


def test_outside_demo_a_default_or_missing_secret_refuses_to_start(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("HCM_SECRET_KEY", raising=False)
    monkeypatch.setenv("HCM_DEMO", "false")
    with pytest.raises(ValidationError, match="HCM_SECRET_KEY"):
        Settings()
    with pytest.raises(ValidationError, match="HCM_SECRET_KEY"):
        Settings(secret_key=DEFAULT_SECRET)
    with pytest.raises(ValidationError, match="at least 16"):
        Settings(secret_key="short")
    assert Settings(secret_key="x" * 32).demo is False


def test_demo_runs_with_the_default_secret(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("HCM_SECRET_KEY", raising=False)
    monkeypatch.setenv("HCM_DEMO", "true")
    assert Settings().secret_key == DEFAULT_SECRET


def test_nested_env_and_defaults(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HCM_DATABASE_URL", raising=False)
    monkeypatch.setenv("HCM_GRAPH__URI", "bolt://graph.internal:7687")
    monkeypatch.setenv("HCM_GRAPH__EMBEDDED", "false")
    monkeypatch.setenv("HCM_BROKER_URL", "redis://127.0.0.1:6379/0")
    s = Settings(secret_key="y" * 32)
    assert s.database_url == f"sqlite:///{tmp_path / 'hcm.db'}"
    assert s.graph.uri == "bolt://graph.internal:7687" and s.graph.embedded is False
    assert s.broker_url == "redis://127.0.0.1:6379/0"


def test_bad_values_are_named(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HCM_PORT", "not-a-port")
    with pytest.raises(ValidationError, match="port"):
        Settings(secret_key="z" * 32)


def test_today_is_the_machines_unless_pinned(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from hcm import clock
    from tests.factories import today_pinned

    monkeypatch.delenv("HCM_TODAY", raising=False)
    with today_pinned(date(2028, 2, 29)):
        assert clock.today() == date(2028, 2, 29)
    assert clock.today() == date.today()
    monkeypatch.setenv("HCM_TODAY", "2027-02-29")
    with pytest.raises(ValidationError, match="today"):
        Settings()
