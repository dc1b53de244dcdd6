"""The graph adapter's registration with the platform (entry point ``hcm.modules: graph``)."""

from __future__ import annotations

from pathlib import Path

from graph.projection import TOPICS
from hcm.modules import Module, NavEntry, OutboxConsumer, Periodic

SYNC_TASK = "graph.sync_outbox"
CHECK_TASK = "graph.check_drift"

MODULE = Module(
    name="graph",
    label="Talent graph",
    api_routers=("graph.router:router",),
    page_routers=("graph.pages:router",),
    templates=(Path(__file__).parent / "templates",),
    nav=(NavEntry("graph", "Talent graph", "/graph", {"hr_admin": 400, "executive": 400}),),
    permissions="graph.policy:GRANTS",
    tasks=("graph.tasks",),
    periodic=(Periodic("sync-graph", SYNC_TASK, 60.0),  # a graph that was down catches up without a commit
              Periodic("check-graph", CHECK_TASK, 6 * 3600.0)),  # drift between the graph and the tables is logged
    outbox=(OutboxConsumer(SYNC_TASK, TOPICS),),  # a commit writing another topic sends no drain
    cli=("graph.cli:graph_group",),
    serve_hooks=("graph.cli:serve_hook",),
    on_shutdown=("graph.client:close_driver",),
    worker_process_init=("graph.tasks:worker_process_init",),
    worker_shutdown=("graph.tasks:worker_shutdown",),
)
