"""Server-side browser sessions. The session cookie (Starlette's signed cookie) carries a random id; a row of
``user_sessions`` holding that id's SHA-256 says whose session it is and since when. Without the row the cookie
opens nothing: log-out deletes it, a password change and a deactivation delete all the user's rows, and a
session not used for ``HCM_SESSION_IDLE_MINUTES`` or older than ``HCM_SESSION_MAX_HOURS`` is refused."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hcm.auth.models import UserSession
from hcm.db import utcnow

log = logging.getLogger(__name__)

# The cookie's key for the session id (the rest of the cookie is the flash message, nothing else).
COOKIE_KEY = "sid"
# last_seen_at is written at most this often per session, not on every request.
TOUCH_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(db: Session, *, user_id: int, idle: timedelta, max_age: timedelta, now: datetime | None = None) -> str:
    """A new session for ``user_id``; returns the id for the cookie. The user's sessions that have run out are
    deleted on the way."""
    now = now or utcnow()
    db.execute(delete(UserSession).where(
        UserSession.user_id == user_id,
        or_(UserSession.last_seen_at < now - idle, UserSession.created_at < now - max_age)))
    token = secrets.token_urlsafe(32)
    db.add(UserSession(token_hash=_digest(token), user_id=user_id, created_at=now, last_seen_at=now))
    db.flush()
    return token


def resolve(db: Session, token: str, *, idle: timedelta, max_age: timedelta, now: datetime | None = None) -> int | None:
    """The user id of a live session, or None (unknown, ended or timed out: a timed-out row is deleted)."""
    now = now or utcnow()
    row = db.execute(
        select(UserSession.id, UserSession.user_id, UserSession.created_at, UserSession.last_seen_at)
        .where(UserSession.token_hash == _digest(token))
    ).one_or_none()
    if row is None:
        return None
    if now - row.last_seen_at > idle or now - row.created_at > max_age:
        _housekeeping(db, delete(UserSession).where(UserSession.id == row.id))
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        _housekeeping(db, update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
    return int(row.user_id)


def _housekeeping(db: Session, stmt: Any) -> None:
    """A write the request does not depend on (the idle clock, an expired row). A reading request on SQLite
    runs in a deferred transaction, which may not take the write lock once another writer committed after it
    began (a check-in's recompute, say): then the write waits for the session's next request instead of
    failing this one. The decision (expired or not) was taken from the row already read."""
    try:
        with db.begin_nested():
            db.execute(stmt)
    except OperationalError as exc:
        log.info("session bookkeeping postponed: %s", exc.orig)


def end(db: Session, token: str) -> None:
    """Log-out: this session is gone, whoever still holds its cookie."""
    db.execute(delete(UserSession).where(UserSession.token_hash == _digest(token)))


def end_all(db: Session, user_id: int) -> int:
    """Every session of the user (password change, deactivation); returns how many there were."""
    result = cast("CursorResult[Any]", db.execute(delete(UserSession).where(UserSession.user_id == user_id)))
    return result.rowcount or 0
