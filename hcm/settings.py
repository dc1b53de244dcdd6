"""One Settings object for the whole process (env prefix ``HCM_``, nested with ``__``)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me"


class GraphSettings(BaseModel):
    """Where the Bolt graph server lives.

    ``embedded=True`` means the app starts the bundled ArcadeDB server itself on ``127.0.0.1:port``
    (demo and tests); otherwise ``uri`` points at a Neo4j 5 (or any Bolt) server run elsewhere.
    """

    uri: str = "bolt://127.0.0.1:7687"
    user: str = "root"
    password: str = "hcm-graph-pass"
    database: str = "talent"
    embedded: bool = True
    data_dir: Path = Path(".hcm/graph")
    enabled: bool = True


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HCM_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    database_url: str = Field(default_factory=lambda: f"sqlite:///{Path.cwd() / 'hcm.db'}")
    graph: GraphSettings = Field(default_factory=GraphSettings)
    # None = run background tasks in-process (embedded default); a URL = Celery over that broker.
    broker_url: str | None = None
    secret_key: str = DEFAULT_SECRET
    demo: bool = False
    token_ttl_minutes: int = Field(default=480, ge=5, le=60 * 24 * 30)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Pins hcm.clock.today() (the pages' "now"); None = the machine's date.
    today: date | None = None

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if not self.demo and (not self.secret_key or self.secret_key == DEFAULT_SECRET):
            raise ValueError(
                "HCM_SECRET_KEY is missing or still the default: set HCM_SECRET_KEY to a long random "
                "value (for example `python -c 'import secrets; print(secrets.token_urlsafe(48))'`), "
                "or set HCM_DEMO=true to run the demo."
            )
        if not self.demo and len(self.secret_key) < 16:
            raise ValueError("HCM_SECRET_KEY must be at least 16 characters long outside demo mode.")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
