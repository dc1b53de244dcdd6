"""Password hashing (pwdlib, Argon2), bearer tokens (PyJWT) and the keys derived from the one secret."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt
from pwdlib import PasswordHash

from hcm.errors import Unauthorized

_hasher = PasswordHash.recommended()
_ALGORITHM = "HS256"


def purpose_key(secret: str, purpose: str) -> str:
    """A key for one use of ``HCM_SECRET_KEY`` (``"session"``, ``"csrf"``, ``"token"``): HMAC-SHA256 of the
    purpose under the secret, so a value signed for one use is never valid for another."""
    return hmac.new(secret.encode(), f"hcm/{purpose}".encode(), hashlib.sha256).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash of a random password nobody knows, made with the same parameters as every user's: a log-in for
    a user name that does not exist (or is deactivated) is checked against it, so it costs the same time as a
    real user's wrong password and the answer time does not tell which names exist."""
    return hash_password(secrets.token_urlsafe(32))


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # noqa: BLE001 - a malformed stored hash is a failed log-in, not a crash
        return False


def issue_token(*, user_id: int, role: str, secret: str, ttl_minutes: int, token_version: int = 0) -> str:
    """A short-lived bearer token; ``ver`` is the user's token version when it was issued (see read_token)."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "role": role,
        "ver": token_version,
        "iat": now,
        "exp": now + timedelta(minutes=ttl_minutes),
    }
    return jwt.encode(claims, purpose_key(secret, "token"), algorithm=_ALGORITHM)


def read_token(token: str, *, secret: str) -> tuple[int, int]:
    """The user id and token version a valid, unexpired token names; the caller compares the version with
    the user's current one (a password change or deactivation moves it on)."""
    try:
        claims = jwt.decode(token, purpose_key(secret, "token"), algorithms=[_ALGORITHM],
                            options={"require": ["exp", "sub", "ver"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("the bearer token has expired; log in again") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("the bearer token is not valid") from exc
    user_id, version = claims["sub"], claims["ver"]
    if not isinstance(version, int) or isinstance(version, bool):
        raise Unauthorized("the bearer token is not valid")
    try:
        return int(user_id), version
    except (TypeError, ValueError) as exc:
        raise Unauthorized("the bearer token is not valid") from exc
