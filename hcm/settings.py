"""One Settings object for the whole process (env prefix ``HCM_``, nested with ``__``)."""

from __future__ import annotations

import os
import secrets
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Where a demo installation keeps the secret it made for itself (relative to the working directory, next to
# the bundled graph server's data in .hcm/).
DEMO_SECRET_FILE = Path(".hcm") / "secret_key"
MIN_SECRET = 16
# Values published in an earlier README or commonly pasted: never accepted, demo or not.
_PUBLIC_SECRETS = frozenset({"change-me", "changeme", "secret", "secret-key"})


def demo_secret(path: Path) -> str:
    """The demo installation's own signing secret: read from ``path``, or made with ``secrets.token_urlsafe``
    and written there, readable by its owner only (0600), on the first start; every later start reuses it."""
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if len(value) < MIN_SECRET:
            raise ValueError(f"the demo secret in {path} is shorter than {MIN_SECRET} characters: delete the file "
                             "and a new one is made on the next start")
        return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    try:
        os.link(tmp, path)  # whole file or nothing: two processes starting at once agree on one secret
    except FileExistsError:
        value = path.read_text(encoding="utf-8").strip()
    finally:
        tmp.unlink()
    return value


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
    # Celery's broker_transport_options, as JSON: HCM_BROKER_TRANSPORT_OPTIONS='{"visibility_timeout": 7200}'. Unset
    # = kombu's defaults. With Redis, a message whose whole worker died (SIGKILL, lost machine) stays unacknowledged
    # and is delivered again only after visibility_timeout (kombu's default: 1 hour); keep it longer than the longest
    # task, or a task still running is delivered a second time. (A prefork child killed alone is requeued by its
    # parent at once: reject_on_worker_lost, hcm.tasks.)
    broker_transport_options: dict[str, int | float | str | bool] = Field(default_factory=dict)
    # Signs session cookies, CSRF tokens and bearer tokens (one key derived per purpose). Required outside demo
    # mode; a demo without it makes its own (DEMO_SECRET_FILE). There is no default value.
    secret_key: str = ""
    demo: bool = False
    # Bearer tokens of the API: short-lived; a password change or deactivation also ends them at once.
    token_ttl_minutes: int = Field(default=30, ge=5, le=24 * 60)
    # Browser sessions (server-side, see hcm.auth.sessions): ended after this long without a request, and
    # after this long in any case; log-out, a password change and deactivation end them at once.
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_max_hours: int = Field(default=8, ge=1, le=24 * 30)
    # Failed log-ins allowed per user name and per client address (``limits`` notation, moving window); past
    # either a log-in is refused with 429 and Retry-After, right password or not (hcm.auth.throttle).
    login_limit_per_user: str = "5/15 minutes"
    login_limit_per_client: str = "20/15 minutes"
    # Where those counts live: "memory://" (one process) or a Redis URL shared by every process. Unset: the
    # Redis of HCM_BROKER_URL when that is Redis, else memory.
    login_limit_storage: str | None = None
    # Served over HTTPS (directly or behind a TLS proxy): the session cookie gets Secure, and HSTS is sent.
    https: bool = False
    # Origins besides the one the request was sent to (its Host) whose form posts are accepted, e.g.
    # ["https://hr.example.com"] behind a proxy that rewrites Host. Anything else is refused (hcm.web.csrf).
    trusted_origins: list[str] = Field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Pins hcm.clock.today() (the pages' "now"); None = the machine's date.
    today: date | None = None

    @field_validator("login_limit_per_user", "login_limit_per_client")
    @classmethod
    def _parse_limit(cls, value: str) -> str:
        from limits import parse

        parse(value)  # ValueError naming what is wrong, e.g. "5 per 15 minutes" or "5/15 minutes"
        return value

    @model_validator(mode="after")
    def _require_secret(self) -> Settings:
        if not self.secret_key and self.demo:
            self.secret_key = demo_secret(Path.cwd() / DEMO_SECRET_FILE)
        if not self.secret_key or self.secret_key.strip().lower() in _PUBLIC_SECRETS:
            raise ValueError(
                "HCM_SECRET_KEY is missing or a published value: set HCM_SECRET_KEY to a long random "
                "value (for example `python -c 'import secrets; print(secrets.token_urlsafe(48))'`), "
                "or set HCM_DEMO=true to run the demo (it makes its own secret in .hcm/secret_key)."
            )
        if len(self.secret_key) < MIN_SECRET:
            raise ValueError(f"HCM_SECRET_KEY must be at least {MIN_SECRET} characters long.")
        return self

    @property
    def limits_storage(self) -> str:
        if self.login_limit_storage:
            return self.login_limit_storage
        if self.broker_url and self.broker_url.startswith(("redis://", "rediss://")):
            return self.broker_url
        return "memory://"

    @property
    def session_idle(self) -> timedelta:
        return timedelta(minutes=self.session_idle_minutes)

    @property
    def session_max_age(self) -> timedelta:
        return timedelta(hours=self.session_max_hours)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
