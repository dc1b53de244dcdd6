"""The models adapter's registration with the platform (entry point ``hcm.modules: ml``)."""

from __future__ import annotations

from pathlib import Path

from hcm.modules import DemoContext, DemoStep, Module, NavEntry, Periodic

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
    # each Employee's latest flight-risk score, for the graph's rebuild and check (the drain gets them by outbox);
    # succession's suggestions show the active readiness version's prediction ({} while none is active)
    provides={"graph.sources": ("ml.graph:SOURCES",), "succession.readiness": ("ml.readiness:predict",)},
    # after performance (20) and succession (30): the features read their ratings
    demo_steps=(DemoStep("ml", "ml.module:seed_demo", order=40),),
    description="Flight-risk and readiness models: point-in-time features, evaluation on any HRIS export.",
)


def seed_demo(ctx: DemoContext) -> object:
    """A trained flight-risk version and quarterly scores for the demo company, on the run's as-of date."""
    from ml.demo import seed_models

    return seed_models(ctx.engine, as_of=ctx.as_of, progress=ctx.progress)
