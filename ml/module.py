"""The models adapter's registration with the platform (entry point ``hcm.modules: ml``)."""

from __future__ import annotations

from pathlib import Path

from hcm.modules import Module, NavEntry, Periodic

MODULE = Module(
    name="ml",
    label="Models",
    api_routers=("ml.router:router",),
    page_routers=("ml.pages:router",),
    templates=(Path(__file__).parent / "templates",),
    # HR directors and leadership; a manager sees risk only when HR allows it (ml.settings), so the link is not in
    # the manager's bar: the pages answer a manager by the same row check (ml.policy). Employees: never.
    nav=(NavEntry("ml", "Flight risk", "/ml/risk", {"hr_admin": 60, "executive": 60}),),
    permissions="ml.policy:GRANTS",
    models=("ml.models",),
    tasks=("ml.tasks",),
    cli=("ml.cli:ml_group",),
    # retrain when the data changed (a new exit, a closed year), then score everyone: once a day
    periodic=(Periodic("score-people", "ml.retrain_and_score", 24 * 3600.0),),
    description="Flight-risk and readiness models: point-in-time features, evaluation on any HRIS export.",
)
