from __future__ import annotations

import pytest
from pydantic import ValidationError

from hcm.settings import DEMO_SECRET_FILE, Settings

OLD_PUBLIC_DEFAULT = "change-me"  # what earlier versions signed with when HCM_SECRET_KEY was unset


def test_outside_demo_a_default_or_missing_secret_refuses_to_start(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HCM_SECRET_KEY", raising=False)
    monkeypatch.setenv("HCM_DEMO", "false")
    with pytest.raises(ValidationError, match="HCM_SECRET_KEY"):
        Settings()
    with pytest.raises(ValidationError, match="HCM_SECRET_KEY"):
        Settings(secret_key=OLD_PUBLIC_DEFAULT)
    with pytest.raises(ValidationError, match="at least 16"):
        Settings(secret_key="short")
    assert Settings(secret_key="x" * 32).demo is False
    assert not (tmp_path / DEMO_SECRET_FILE).exists()  # only a demo makes its own secret


def test_a_demo_makes_its_own_secret_once_and_keeps_it(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("HCM_SECRET_KEY", raising=False)
    monkeypatch.setenv("HCM_DEMO", "true")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    first = Settings().secret_key
    kept = tmp_path / "a" / DEMO_SECRET_FILE
    assert kept.read_text().strip() == first and len(first) >= 48
    assert kept.stat().st_mode & 0o777 == 0o600  # readable by its owner only
    assert Settings().secret_key == first  # the next start reuses it
    monkeypatch.chdir(tmp_path / "b")
    assert Settings().secret_key not in (first, OLD_PUBLIC_DEFAULT)  # another installation, another secret
    with pytest.raises(ValidationError, match="HCM_SECRET_KEY"):
        Settings(secret_key=OLD_PUBLIC_DEFAULT)  # not even a demo signs with the published value


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
