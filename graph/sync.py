"""Drain the transactional outbox into the graph: the one place that talks to both the database and the graph.

Rows are read in id order with ``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite has one writer and
ignores it), applied with idempotent MERGEs, then stamped ``processed_at`` in the same database transaction.

- Graph down or failing: the rows get ``attempts + 1`` and ``last_error`` and stay pending; nothing is lost and
  the next drain catches up. A crash between the graph write and the database commit replays the batch, which
  the idempotent projection absorbs.
- One bad event (a payload the projection rejects, or a statement the graph refuses): the events before it are
  applied, it is marked failed, and the drain stops there, so later events never overtake it.
- Two drainers: the second skips the rows the first has locked and, seeing pending rows older than its own,
  backs off instead of applying newer events before older ones.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import NamedTuple

from neo4j import Driver
from neo4j.exceptions import AuthError, ClientError
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from graph import careers, client, role_requirements
from graph.projection import CAREER_TOPICS, TOPICS, ProjectionError, apply_events
from graph.rebuild import drains_may_run
from hcm.db import utcnow
from hcm.outbox import OutboxEvent

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 2000
# What a graph that is down or failing raises. Anything else is a bug here: it propagates, the caller's
# transaction rolls back, and the rows stay exactly as they were.
GRAPH_ERRORS = client.GRAPH_ERRORS


def _pending() -> list[ColumnElement[bool]]:
    # Only topics the projection knows: an event for a projection not written yet waits instead of being lost.
    return [OutboxEvent.processed_at.is_(None), OutboxEvent.topic.in_(sorted(TOPICS))]


def pending_count(session: Session) -> int:
    """Events waiting for the graph (health pages, tests)."""
    return int(session.scalar(select(func.count()).select_from(OutboxEvent).where(*_pending())) or 0)


def _mark_failed(rows: Sequence[OutboxEvent], exc: BaseException) -> None:
    message = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
    for row in rows:
        row.attempts = (row.attempts or 0) + 1
        row.last_error = message


MARK_CHUNK = 5000  # ids per UPDATE that marks events done


def _mark_done(session: Session, rows: Sequence[OutboxEvent]) -> None:
    """A few UPDATEs for the whole batch (the unit of work would send one a row: 0.1 s per 5,000 events), and the
    rows loaded in the session say so too."""
    now = utcnow()
    ids = [row.id for row in rows]
    for lo in range(0, len(ids), MARK_CHUNK):
        session.connection().execute(update(OutboxEvent).where(OutboxEvent.id.in_(ids[lo:lo + MARK_CHUNK]))
                                     .values(processed_at=now, last_error=None))
    for row in rows:
        set_committed_value(row, "processed_at", now)
        set_committed_value(row, "last_error", None)


def _apply(session: Session, driver: Driver, database: str, rows: Sequence[OutboxEvent]) -> None:
    """The events, then (when one of them changed the history or the job architecture) the career steps derived
    again from the database as this transaction sees it, and (when one of them changed a position's role, active
    flag or requirements) the requirements of the roles they touched, derived the same way."""
    touched = role_requirements.touched_roles(driver, database, rows)  # from the graph before the events
    # the roles' requirements in the events' transaction: a replay must not find the positions moved already
    apply_events(driver, database, rows, then=role_requirements.replace_statements(session, touched))
    if _career_refresh_due(session, rows):
        careers.refresh(session, driver, database)


def _career_refresh_due(session: Session, rows: Sequence[OutboxEvent]) -> bool:
    """A batch holding a history or architecture event refreshes the career steps, unless a later such event is
    still waiting: that one's batch derives them from the database anyway (and if the drain stops before it, it
    stays pending until it does), so a long drain derives them once instead of once per batch."""
    if not any(row.topic in CAREER_TOPICS for row in rows):
        return False
    later = session.scalar(select(OutboxEvent.id).where(
        OutboxEvent.processed_at.is_(None), OutboxEvent.topic.in_(sorted(CAREER_TOPICS)),
        OutboxEvent.id > rows[-1].id).limit(1))
    return later is None


def _one_by_one(session: Session, driver: Driver, database: str, rows: Sequence[OutboxEvent]) -> int:
    """Find the event a batch failed on: apply singly up to it, mark it failed, stop there."""
    for i, row in enumerate(rows):
        try:
            _apply(session, driver, database, [row])
        except (ProjectionError, ClientError) as exc:
            if isinstance(exc, AuthError):
                _mark_failed(rows[i:], exc)
            else:
                log.error("outbox event %s (%s %s) cannot be applied to the graph: %s", row.id, row.topic, row.key, exc)
                _mark_failed([row], exc)
            return i
        except GRAPH_ERRORS as exc:  # the graph went away meanwhile
            _mark_failed(rows[i:], exc)
            return i
        _mark_done(session, [row])
    return len(rows)


class BatchResult(NamedTuple):
    applied: int
    more: bool  # a full batch went through: more may be waiting
    graph_down: bool = False  # the graph could not be reached at all


def drain_batch(session: Session, driver: Driver, database: str, *, batch: int = 1000) -> BatchResult:
    """Apply up to ``batch`` pending events, oldest first. Flushes, never commits."""
    if not drains_may_run(session):
        log.info("the talent graph is being rebuilt; the outbox waits")
        return BatchResult(0, False)
    rows = list(session.scalars(
        select(OutboxEvent).where(*_pending()).order_by(OutboxEvent.id).limit(batch)
        .with_for_update(skip_locked=True)
    ))
    if not rows:
        return BatchResult(0, False)
    older = session.scalar(select(OutboxEvent.id).where(*_pending(), OutboxEvent.id < rows[0].id).limit(1))
    if older is not None:
        log.info("outbox event %s is being applied by another drainer; leaving newer events to it", older)
        return BatchResult(0, False)
    try:
        # A server that is not there fails here at once; inside execute_write the driver would retry it for seconds.
        driver.verify_connectivity()
        _apply(session, driver, database, rows)
    except (ProjectionError, ClientError) as exc:
        if isinstance(exc, AuthError):
            _mark_failed(rows, exc)
            applied = 0
        else:
            applied = _one_by_one(session, driver, database, rows)
        session.flush()
        return BatchResult(applied, False)
    except GRAPH_ERRORS as exc:  # connection refused, timeout, server error: the graph is not usable now
        log.warning("graph not reachable; %d outbox events stay pending: %s", len(rows), exc)
        _mark_failed(rows, exc)
        session.flush()
        return BatchResult(0, False, graph_down=True)
    _mark_done(session, rows)
    session.flush()
    return BatchResult(len(rows), len(rows) == batch)


def drain_outbox(
    target: Session | Engine | sessionmaker[Session],
    driver: Driver,
    database: str,
    *,
    batch: int = 1000,
    max_batches: int | None = None,
) -> int:
    """Apply pending outbox events to the graph, oldest first; returns how many were applied.

    ``target`` a Session: everything happens in the caller's transaction (flushed; the caller commits).
    An Engine or sessionmaker: one transaction per batch, committed here.
    Stops when the outbox is empty, on the first failure, or after ``max_batches``.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    total, done = 0, 0
    factory = None
    if not isinstance(target, Session):
        factory = target if isinstance(target, sessionmaker) else sessionmaker(target, expire_on_commit=False)
    while max_batches is None or done < max_batches:
        if factory is None:
            assert isinstance(target, Session)
            applied, more, _ = drain_batch(target, driver, database, batch=batch)
        else:
            with factory() as session, session.begin():
                applied, more, _ = drain_batch(session, driver, database, batch=batch)
        total += applied
        done += 1
        if not more:
            break
    return total
