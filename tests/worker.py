"""A real Celery worker process over the test Redis, for the tests that send tasks the way production does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from celery import Celery

from graph.server import GraphServer
from tests.graph.fixtures import DATABASE

ROOT = Path(__file__).resolve().parents[1]
RESULT_TIMEOUT = 60


@contextmanager
def celery_worker(redis_url: str, db_url: str, log_dir: Path, *, graph: GraphServer | None = None
                  ) -> Iterator[dict[str, Any]]:
    """A worker (solo pool) on a queue of its own over ``db_url``, with the graph server or the graph switched off;
    yields ``{"sender", "queue", "proc", "log"}``; a warm shutdown at the end."""
    queue = f"hcm-test-{uuid.uuid4().hex[:8]}"  # stale messages of earlier runs cannot reach this worker
    log_path = log_dir / "worker.log"
    env = {
        **os.environ,
        "HCM_DATABASE_URL": db_url,
        "HCM_BROKER_URL": redis_url,
        "HCM_DEMO": "true",
        "HCM_SECRET_KEY": "worker-test-secret-key-0123456789",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    if graph is None:
        env["HCM_GRAPH__ENABLED"] = "false"
    else:
        env.update({"HCM_GRAPH__ENABLED": "true", "HCM_GRAPH__EMBEDDED": "false", "HCM_GRAPH__URI": graph.uri,
                    "HCM_GRAPH__USER": graph.user, "HCM_GRAPH__PASSWORD": graph.password,
                    "HCM_GRAPH__DATABASE": DATABASE})
    cmd = [sys.executable, "-m", "celery", "-A", "hcm.tasks:celery_app", "worker", "--pool=solo", "--concurrency=1",
           "-Q", queue, "-n", f"{queue}@%h", "--loglevel=INFO", "--without-gossip", "--without-mingle",
           "--without-heartbeat"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    sender = Celery("hcm-test-sender", broker=redis_url, backend=redis_url, set_as_current=False)
    sender.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"])
    try:
        yield {"sender": sender, "queue": queue, "proc": proc, "log": log_path}
    finally:
        proc.send_signal(signal.SIGTERM)  # warm shutdown: finish the current task, close the driver
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        sender.close()


def result_of(worker: dict[str, Any], task: str, *args: Any, timeout: float = RESULT_TIMEOUT) -> Any:
    """Send ``task`` to the worker and wait for its result; on a timeout or the task's error, fail with the
    worker's log."""
    result = worker["sender"].send_task(task, args=args, queue=worker["queue"])
    try:
        return result.get(timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - a timeout or the task's own error: either way, show the worker's log
        alive = worker["proc"].poll() is None
        tail = "\n".join(worker["log"].read_text(errors="replace").splitlines()[-40:])
        pytest.fail(f"{task} gave no result ({type(exc).__name__}: {exc}); worker alive={alive}; its log:\n{tail}")
