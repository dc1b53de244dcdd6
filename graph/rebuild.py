"""A fresh talent graph straight from the tables (``hcm graph rebuild``), not a replay of the outbox.

1. One database transaction gives a consistent view (PostgreSQL: REPEATABLE READ; SQLite: its write lock,
   which also holds writers back for the few seconds it takes), and the newest outbox id it can see.
2. The graph is emptied (the bundled server drops and creates its database through its HTTP API, given
   ``admin``; any other Bolt server, Neo4j included, deletes in Cypher batches), the uniqueness constraints made
   sure of, then every set of ``graph.snapshot`` (nodes first, then module properties, then relationships) is
   written in ``UNWIND $rows`` batches, each its own graph transaction, with each set's ``load`` statement: CREATE,
   since the graph is empty (MERGE would look for what cannot be there), relationships grouped by their start
   node so it is looked up once per group. Reading the next batch from the database overlaps with writing the
   last one (a reader thread).
3. The outbox events up to that id are marked done: the graph already holds what they say. Later events are
   drained as usual; they carry full state, so applying them over the rebuild is exact.

While it runs, drains wait (a PostgreSQL advisory lock the drain tries before each batch): an old event applied
over the fresh graph and then marked done here would otherwise leave the graph behind the database. A rebuild
interrupted half way leaves a partial graph; the next rebuild (or the drain, which catches up from the outbox
that was never marked) makes it whole: the rebuild starts by emptying the graph.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any, LiteralString

from neo4j import Driver

if TYPE_CHECKING:
    from graph.server import ServerAdmin
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from graph import client
from graph.projection import TOPICS
from graph.snapshot import EdgeSet, Row, all_sources
from hcm.db import unit_of_work, utcnow
from hcm.outbox import OutboxEvent

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
BATCH = 10_000
# One key for "the graph is being rebuilt": the rebuild holds it exclusively, each drain batch shares it.
ADVISORY_KEY = 0x6863_6D67  # "hcmg"
WIPE_CYPHER: LiteralString = "MATCH (n) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS n"


@dataclass
class RebuildReport:
    rows: dict[str, int] = field(default_factory=dict)  # per set ("Employee", "HAS_SKILL", ...)
    outbox_marked: int = 0
    outbox_mark: int = 0
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total / self.seconds if self.seconds else 0.0


def _batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _grouped(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    """Relationship rows ``{"from", "to", "props"}`` as batches of ``{"from", "to": [{"key", "props"}, ...]}``:
    consecutive rows of one start node make one group, a batch holds about ``size`` relationships (a group is cut
    where a batch fills). Rows need not be sorted; sorted by start node they group best."""
    batch: list[Row] = []
    group: Row | None = None
    n = 0
    for row in rows:
        if group is None or row["from"] != group["from"]:
            group = {"from": row["from"], "to": []}
            batch.append(group)
        group["to"].append({"key": row["to"], "props": row["props"]})
        n += 1
        if n >= size:
            yield batch
            batch, group, n = [], None, 0
    if batch:
        yield batch


def _edges(chunk: list[Row]) -> int:
    return sum(len(g["to"]) for g in chunk)


def _prefetched(chunks: Iterator[list[Row]], depth: int = 3) -> Iterator[list[Row]]:
    """The same chunks, read ahead by a thread so the database read overlaps the graph write. When the consumer
    stops early (a graph write failed), the reader is stopped and joined before the error goes on, so no cursor
    is left reading on the session."""
    q: queue.Queue[Any] = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()
    failure: list[BaseException] = []

    def read() -> None:
        try:
            for chunk in chunks:
                if stop.is_set():
                    break
                q.put(chunk)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            failure.append(exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
            q.put(done)

    t = threading.Thread(target=read, name="graph-rebuild-reader", daemon=True)
    t.start()
    try:
        while (item := q.get()) is not done:
            yield item
    finally:
        stop.set()
        while t.is_alive():  # unblock a reader waiting on a full queue
            try:
                if q.get(timeout=0.1) is done:
                    break
            except queue.Empty:
                pass
        t.join()
    if failure:
        raise failure[0]


def wipe(driver: Driver, database: str, *, batch: int = BATCH, progress: Progress | None = None) -> int:
    """Delete every node (and so every relationship) in batches; returns how many nodes went."""
    gone = 0
    while True:
        n = int(client.write(driver, database, WIPE_CYPHER, limit=batch)[0]["n"])
        gone += n
        if progress is not None:
            progress("emptying the graph", gone, gone)
        if n < batch:
            return gone


@contextmanager
def _snapshot(given: Session | None) -> Iterator[Session]:
    """The caller's session (it owns the transaction), or a unit of work of our own (SQLite: the write lock as
    it begins; PostgreSQL: REPEATABLE READ)."""
    with nullcontext(given) if given is not None else unit_of_work() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres and given is None:
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        if postgres:
            # exclusive: waits for drain batches in flight, keeps new ones out until the rebuild commits
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_KEY})
        yield session


def drains_may_run(session: Session) -> bool:
    """For each drain batch: False while a rebuild holds the graph (PostgreSQL); SQLite serialises by its lock."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock_shared(:k)"), {"k": ADVISORY_KEY}))


def empty(driver: Driver, database: str, *, admin: ServerAdmin | None = None, batch: int = BATCH,
          progress: Progress | None = None) -> None:
    """An empty graph: the database dropped and created again through ``admin`` (the bundled server), else (or
    should the server refuse) every node deleted in Cypher batches (``wipe``)."""
    if admin is not None:
        from graph.server import GraphServerError

        if progress is not None:
            progress("emptying the graph", 0, 1)
        try:
            admin.recreate_database(database)
        except GraphServerError as exc:
            log.warning("could not recreate the graph database (%s); deleting its nodes in batches instead", exc)
        else:
            if progress is not None:
                progress("emptying the graph", 1, 1)
            return
    wipe(driver, database, batch=batch, progress=progress)


def rebuild(driver: Driver, database: str, *, batch: int = BATCH, progress: Progress | None = None,
            session: Session | None = None, admin: ServerAdmin | None = None) -> RebuildReport:
    """Empty the graph and project the database into it; mark the outbox up to what was read. With ``session``
    everything happens in the caller's transaction (flushed, not committed). ``admin``: the bundled server's
    administration, to empty the graph by recreating its database (``empty``)."""
    started = time.perf_counter()
    report = RebuildReport()
    with _snapshot(session) as session:
        mark = int(session.scalar(select(func.max(OutboxEvent.id))) or 0)
        sources = all_sources()
        empty(driver, database, admin=admin, batch=batch, progress=progress)
        client.ensure_schema(driver, database)
        sets: list[Any] = [*(n for s in sources for n in s.nodes), *(p for s in sources for p in s.properties),
                           *(e for s in sources for e in s.edges)]
        for item in sets:
            name = phase = item.name
            total = item.count(session) if item.count is not None else 0
            done = 0
            if progress is not None:
                progress(phase, 0, total)
            edges = isinstance(item, EdgeSet)
            chunks = (_grouped if edges else _batches)(item.rows(session), batch)
            for chunk in _prefetched(chunks):
                client.write_batches(driver, database, [(item.load, {"rows": chunk})])
                done += _edges(chunk) if edges else len(chunk)
                if progress is not None:
                    progress(phase, done, max(total, done))
            report.rows[name] = report.rows.get(name, 0) + done
        report.outbox_mark = mark
        result = session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id <= mark, OutboxEvent.processed_at.is_(None), OutboxEvent.topic.in_(sorted(TOPICS)))
            .values(processed_at=utcnow(), last_error=None)
        )
        report.outbox_marked = int(getattr(result, "rowcount", 0) or 0)
    report.seconds = time.perf_counter() - started
    log.info("graph rebuilt: %d rows in %.1f s (%.0f rows/s); outbox marked up to %d (%d events)",
             report.total, report.seconds, report.rows_per_second, mark, report.outbox_marked)
    return report
