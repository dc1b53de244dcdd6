"""Background work on Celery.

``HCM_BROKER_URL`` unset (the embedded default): tasks run in-process, eagerly, so one command starts everything.
Set (production, CI): a real broker and ``celery -A hcm.tasks:celery_app worker``.

The core names no module: each module's registration (``hcm.modules``) lists its task modules and periodic tasks,
and the core sends a module's task by its registered name (``registered_task``).

Tasks take ids, not objects, and are idempotent (``acks_late`` + ``reject_on_worker_lost``: a task whose worker
died is delivered again). Send them with ``enqueue_after_commit`` so a worker never looks for rows that are not
committed yet, and nothing is sent for a transaction that rolled back; a task that recomputes everything from the
committed state goes with ``enqueue_once_after_commit``, which adds no run while one is still waiting in the queue.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

import redis
from celery import Celery, Task, signals
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from hcm import modules
from hcm.db import get_engine
from hcm.settings import Settings, get_settings

log = logging.getLogger(__name__)


def make_celery(settings: Settings | None = None) -> Celery:
    settings = settings or get_settings()
    broker = settings.broker_url
    app = Celery("hcm")
    app.conf.update(
        broker_url=broker or "memory://",
        # Redis carries results too (the CLI and tests wait for them); other brokers answer over rpc.
        result_backend=None if broker is None else (broker if broker.startswith(("redis", "rediss")) else "rpc://"),
        task_always_eager=broker is None,
        task_eager_propagates=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # with acks_late: a worker holds one unacknowledged task at a time
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=3600,
        broker_connection_retry_on_startup=True,
        broker_transport_options=dict(settings.broker_transport_options),  # HCM_BROKER_TRANSPORT_OPTIONS
        timezone="UTC",
        # For `celery beat`, if run: the modules' periodic tasks (the graph catching up after it was down...).
        beat_schedule={p.name: {"task": p.task, "schedule": p.seconds} for p in modules.periodic()},
        # every registered module's task modules, loaded by workers (and by ``task()`` before sending by name)
        imports=modules.task_modules(),
    )
    return app


celery_app = make_celery()


# --- worker processes ------------------------------------------------------------------------------
@signals.worker_process_init.connect  # type: ignore[untyped-decorator]
def _worker_process_init(**kwargs: Any) -> None:
    # Sent in each prefork child and once by the solo pool. Connections inherited over fork belong to the parent:
    # drop them unclosed; each module's hook opens this process's own (the graph adapter its driver).
    get_engine().dispose(close=False)
    modules.call_all("worker_process_init", **kwargs)


@signals.worker_process_shutdown.connect  # type: ignore[untyped-decorator]
@signals.worker_shutdown.connect  # type: ignore[untyped-decorator]
def _worker_shutdown(**kwargs: Any) -> None:
    modules.call_all("worker_shutdown", **kwargs)


def registered_task(name: str) -> Task:
    """A registered task by its name (its module is imported on first use), for code that must not import the
    module that defines it: the platform sends modules' tasks this way."""
    if name not in celery_app.tasks:
        modules.load_tasks()
    try:
        return celery_app.tasks[name]
    except KeyError:
        raise LookupError(f"no task named {name!r} is registered by any hcm module") from None


# --- sending after commit ---------------------------------------------------------------------------
_PENDING = "hcm.tasks.after_commit"
_HOOKED = "hcm.tasks.hooked"


def _apply_async(task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    task.apply_async(args, kwargs)


# The one door through which a task queued with enqueue_after_commit / enqueue_once_after_commit leaves once its
# transaction committed: a process embedding the platform may swap it (same signature) to watch or reroute that
# work. Whatever it raises is handled like a broker failure: logged, and the commit stands.
send_after_commit = _apply_async


def _send_pending(session: Session) -> None:
    # SQLAlchemy also fires after_commit when a SAVEPOINT is released: only the outermost commit makes the
    # rows visible to a worker, so tasks wait for that one.
    if session.in_nested_transaction():
        return
    pending: dict[Any, tuple[Task, tuple[Any, ...], dict[str, Any], bool]] = session.info.pop(_PENDING, {})
    for task, args, kwargs, once in pending.values():
        if once and not mark_queued(task.name, args):
            log.debug("%s%r is already waiting in the queue: that run will see this commit", task.name, args)
            continue
        try:
            send_after_commit(task, args, kwargs)
        except Exception:
            if once:
                clear_queued(task.name, args)
            # The data is committed: a broker hiccup must not turn that into an error. The outbox still holds the
            # events and the next sync (or beat) picks them up.
            log.exception("could not send task %s after commit", task.name)


def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without after_commit: it rolled back
        session.info.pop(_PENDING, None)


def enqueue_after_commit(session: Session, task: Task | str, *args: Any, **kwargs: Any) -> None:
    """Send ``task(*args, **kwargs)`` (a task or a registered task's name) once the session's current transaction
    commits; drop it on rollback.

    The same call queued twice in one transaction is sent once.
    """
    _enqueue(session, task, args, kwargs, once=False)


def enqueue_once_after_commit(session: Session, task: Task | str, *args: Any) -> None:
    """Like ``enqueue_after_commit``, for a task that recomputes everything from the committed state (a
    period's scores): when a run with the same arguments is already waiting in the queue, that run will
    see this commit too, so none is added. The task calls ``clear_queued`` as it starts, so a commit
    made after it has begun queues a new run. Without a Redis broker every call is sent."""
    _enqueue(session, task, args, {}, once=True)


def _enqueue(session: Session, task: Task | str, args: tuple[Any, ...], kwargs: dict[str, Any], *, once: bool) -> None:
    if isinstance(task, str):
        task = registered_task(task)
    if not session.info.get(_HOOKED):
        event.listen(session, "after_commit", _send_pending)
        event.listen(session, "after_transaction_end", _drop_pending)
        session.info[_HOOKED] = True
    ident = (task.name, repr(args), repr(sorted(kwargs.items())))
    session.info.setdefault(_PENDING, {})[ident] = (task, args, kwargs, once)


# --- "a run is already waiting": a mark per task and arguments in Redis --------------------------------
# A mark outlives a lost message by at most this long (with acks_late a message is seldom lost: a task
# whose worker died is delivered again).
QUEUED_MARK_SECONDS = 900
_marks: Any = None  # the Redis client for the marks, made on first use


def queued_marks() -> Any:
    """The Redis client holding the marks, or None when the broker is not Redis (eager, in-process tasks
    have no queue to wait in)."""
    global _marks
    url = get_settings().broker_url
    if not url or not url.startswith(("redis://", "rediss://")):
        return None
    if _marks is None:
        _marks = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return _marks


def _mark_key(task_name: str, args: tuple[Any, ...]) -> str:
    return f"hcm:queued:{task_name}:{json.dumps(list(args), default=str)}"


def mark_queued(task_name: str, args: tuple[Any, ...]) -> bool:
    """Mark a run as waiting; False when one already was (then there is nothing to send)."""
    client = queued_marks()
    if client is None:
        return True
    try:
        return bool(client.set(_mark_key(task_name, args), "1", nx=True, ex=QUEUED_MARK_SECONDS))
    except (redis.RedisError, OSError):  # cannot tell, so send: a spare run is harmless
        log.warning("could not mark %s%r as queued: sending it anyway", task_name, args, exc_info=True)
        return True


def clear_queued(task_name: str, args: tuple[Any, ...]) -> None:
    """The waiting run has started (or could not be sent): the next commit queues a new one."""
    client = queued_marks()
    if client is None:
        return
    try:
        client.delete(_mark_key(task_name, args))
    except (redis.RedisError, OSError):  # the mark then expires by itself
        log.warning("could not clear the queued mark of %s%r", task_name, args, exc_info=True)


def notify_outbox_consumers(session: Session, topics: Iterable[str]) -> None:
    """For code that wrote outbox rows of ``topics``: once this transaction commits, send each registered
    consumer of those topics (the graph adapter's drain, for example) to drain them."""
    for name in dict.fromkeys(t for topic in topics for t in modules.outbox_consumers(topic)):
        enqueue_after_commit(session, name)
