"""The graph adapter's background work: the outbox drain task and the worker's per-process driver.

Registered in ``graph.module``: the platform sends ``graph.sync_outbox`` after every commit that wrote outbox
rows of a topic the projection knows, and beat runs it every minute so a graph that was down catches up even
when nothing new is committed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from graph import client
from graph.check import CheckReport, check
from graph.module import CHECK_TASK, SYNC_TASK
from graph.sync import BatchResult, drain_batch
from hcm.db import unit_of_work
from hcm.settings import get_settings
from hcm.tasks import celery_app

log = logging.getLogger(__name__)

# After the graph was found down, this process leaves it alone for a while: in the embedded default the sync
# runs inside the request that committed, and every commit should not wait for a dead server. The outbox keeps
# the events; the first sync after the pause (or beat) catches up.
GRAPH_DOWN_PAUSE_SECONDS = 30.0
_graph_down_until = 0.0


@celery_app.task(name=SYNC_TASK, acks_late=True, reject_on_worker_lost=True)  # type: ignore[untyped-decorator]
def sync_outbox(batch: int = 1000) -> int:
    """Drain the outbox into the graph; returns how many events were applied. Safe to run any number of times.

    One transaction per batch. Graph disabled: nothing happens and the outbox keeps waiting.
    """
    global _graph_down_until
    settings = get_settings()
    if not settings.graph.enabled:
        log.debug("graph disabled (HCM_GRAPH__ENABLED=false): the outbox waits")
        return 0
    if time.monotonic() < _graph_down_until:
        log.debug("graph was down a moment ago: the outbox waits")
        return 0

    applied, down = drain_all(batch=batch)
    if down:
        _graph_down_until = time.monotonic() + GRAPH_DOWN_PAUSE_SECONDS
    return applied


def drain_all(*, batch: int = 1000, on_batch: Callable[[int], None] | None = None) -> tuple[int, bool]:
    """Drain every pending event, one transaction per batch: (events applied, whether the graph was down).
    ``on_batch(total so far)`` follows the progress. The task and ``hcm graph sync`` both drain through here."""
    settings = get_settings()
    driver = client.get_driver(settings)
    total = 0
    while True:
        with unit_of_work() as session:
            result: BatchResult = drain_batch(session, driver, settings.graph.database, batch=batch)
        total += result.applied
        if on_batch is not None:
            on_batch(total)
        if result.graph_down or not result.more:
            return total, result.graph_down


@celery_app.task(name=CHECK_TASK, acks_late=True)  # type: ignore[untyped-decorator]
def check_drift() -> bool:
    """Compare the graph with the database and log what differs (beat runs it; ``hcm graph check`` by hand).
    Returns whether they agree; a graph that is down is logged and counts as not checked."""
    settings = get_settings()
    if not settings.graph.enabled:
        return True
    try:
        with unit_of_work(writes=False) as session:
            report = check(session, client.get_driver(settings), settings.graph.database)
    except client.GRAPH_ERRORS as exc:
        log.warning("talent graph not checked: the graph is not reachable (%s)", exc)
        return False
    return log_drift(report)


def log_drift(report: CheckReport) -> bool:
    if report.clean:
        log.info("the talent graph equals the database (%d sets checked)", len(report.sets))
        return True
    log.warning("talent graph drift (run `hcm graph rebuild` to start afresh):\n%s", "\n".join(report.lines()))
    return False


def worker_process_init(**_: Any) -> None:
    """Each worker process opens its own driver: connections inherited over fork belong to the parent."""
    client.forget_driver()
    settings = get_settings()
    if settings.graph.enabled:
        client.get_driver(settings)
        log.info("graph driver for %s (database %r) ready in this worker process", settings.graph.uri,
                 settings.graph.database)


def worker_shutdown(**_: Any) -> None:
    client.close_driver()
