"""Failed log-ins, counted per user name and per client address (``limits``, moving window). Past either limit
a log-in is refused with 429 and ``Retry-After`` before the password is even looked at, right or wrong, so
guessing stops there. A successful log-in clears that user name's count (not the client's).

The counts live in memory for the embedded default (one process) and in Redis when ``HCM_BROKER_URL`` is Redis
or ``HCM_LOGIN_LIMIT_STORAGE`` names one, so every worker process shares them."""

from __future__ import annotations

import hashlib
import math
import time

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from hcm.errors import TooManyRequests
from hcm.settings import Settings

NAMESPACE = "hcm-login"


class LoginThrottle:
    def __init__(self, *, per_user: str, per_client: str, storage_uri: str) -> None:
        options = {"key_prefix": "hcm-limits"} if storage_uri.startswith(("redis", "rediss")) else {}
        self.storage = storage_from_string(storage_uri, **options)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.per_user: RateLimitItem = parse(per_user)
        self.per_client: RateLimitItem = parse(per_client)

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginThrottle:
        return cls(per_user=settings.login_limit_per_user, per_client=settings.login_limit_per_client,
                   storage_uri=settings.limits_storage)

    @staticmethod
    def _user(username: str) -> str:
        # the same count for "HR" and " hr", and a key of fixed length whatever was typed
        return hashlib.sha256(username.strip().lower().encode("utf-8", "replace")).hexdigest()[:32]

    def _keys(self, username: str, client: str) -> list[tuple[RateLimitItem, str, str]]:
        return [(self.per_user, "user", self._user(username)), (self.per_client, "client", client[:64] or "unknown")]

    def check(self, *, username: str, client: str) -> None:
        """TooManyRequests (with Retry-After) when either count is used up."""
        wait = 0
        for limit, kind, key in self._keys(username, client):
            if not self.limiter.test(limit, NAMESPACE, kind, key):
                reset = self.limiter.get_window_stats(limit, NAMESPACE, kind, key).reset_time
                wait = max(wait, math.ceil(reset - time.time()), 1)
        if wait:
            raise TooManyRequests(f"too many failed log-ins: try again in {wait_text(wait)}", retry_after=wait)

    def failed(self, *, username: str, client: str) -> None:
        for limit, kind, key in self._keys(username, client):
            self.limiter.hit(limit, NAMESPACE, kind, key)

    def succeeded(self, *, username: str) -> None:
        self.limiter.clear(self.per_user, NAMESPACE, "user", self._user(username))

    def reset(self) -> None:
        """Forget every count (tests)."""
        self.storage.reset()


def wait_text(seconds: int) -> str:
    return f"{seconds} seconds" if seconds < 120 else f"{math.ceil(seconds / 60)} minutes"


def for_request(request: Request) -> tuple[LoginThrottle | None, str]:
    """The app's throttle (made by create_app) and the client address to count against."""
    throttle = getattr(request.app.state, "login_throttle", None)
    return throttle, request.client.host if request.client else "unknown"
