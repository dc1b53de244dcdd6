"""Whether this process can reach the talent graph, and since when it cannot.

Every graph query runs inside ``guard()``: a driver error (the server is down, refuses the credentials, or fails
the query) becomes ``GraphUnavailable``, which says since when this process has found the graph unreachable.
The first failure's moment is kept in process memory and forgotten at the next query that succeeds, so a web
page or an API answer can say "the talent graph has been unreachable since 09:14" instead of failing with a
traceback. The API answers ``GraphUnavailable`` with a 503 whose JSON body names ``since``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from graph import client
from hcm.errors import HcmError

log = logging.getLogger(__name__)

# What a driver raises when the graph cannot answer (ServiceUnavailable is a DriverError; it is named because it
# is the common one: nobody listens on the port).
DRIVER_ERRORS = client.GRAPH_ERRORS

# A client that got a 503 may ask again after this many seconds (``Retry-After``).
RETRY_AFTER_SECONDS = 30

_lock = threading.Lock()
_down_since: datetime | None = None


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class GraphUnavailable(HcmError):
    """The talent graph cannot answer; ``since`` is when this process first found it so (UTC)."""

    status_code = 503
    code = "graph_unavailable"

    def __init__(self, since: datetime, reason: str = "") -> None:
        message = f"the talent graph has been unreachable since {_rfc3339(since)}"
        super().__init__(f"{message}: {reason}" if reason else message)
        self.since = since
        self.reason = reason
        self.headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "since": _rfc3339(self.since)}


def mark_down(reason: str = "") -> GraphUnavailable:
    """Record a failure (the first one's moment is kept) and return the error to raise."""
    global _down_since
    with _lock:
        if _down_since is None:
            _down_since = datetime.now(UTC)
            log.warning("the talent graph is unreachable: %s", reason or "(no reason given)")
        since = _down_since
    return GraphUnavailable(since, reason)


def mark_up() -> None:
    """A query succeeded: the graph is reachable again."""
    global _down_since
    with _lock:
        if _down_since is not None:
            log.info("the talent graph is reachable again (it was not since %s)", _rfc3339(_down_since))
        _down_since = None


@contextmanager
def guard() -> Iterator[None]:
    """Run graph queries: a driver error becomes ``GraphUnavailable`` (the moment recorded), success clears it.

    Any other exception (a bug, a ``NotFound`` raised inside) passes through and changes nothing."""
    try:
        yield
    except GraphUnavailable:
        raise
    except DRIVER_ERRORS as exc:
        raise mark_down(f"{type(exc).__name__}: {exc}".splitlines()[0][:300]) from exc
    mark_up()


def status() -> tuple[bool, datetime | None]:
    """(up, since): whether the last query of this process reached the graph, and if not since when not."""
    with _lock:
        return _down_since is None, _down_since


def reset() -> None:
    """Forget any recorded failure (tests)."""
    mark_up()
