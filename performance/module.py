"""Performance management's registration with the platform (entry point ``hcm.modules: performance``)."""

from __future__ import annotations

from pathlib import Path

from hcm.modules import DemoContext, DemoStep, Module, NavEntry

MODULE = Module(
    name="performance",
    label="Performance",
    api_routers=("performance.router:router",),
    page_routers=("performance.pages:router",),
    templates=(Path(__file__).parent / "templates",),
    nav=(NavEntry("performance", "Performance", "/performance",
                  {"hr_admin": 100, "executive": 100, "manager": 100, "employee": 100}),),
    permissions="performance.policy:GRANTS",
    self_service="performance.policy:SELF_SERVICE_WRITES",
    models=("performance.models",),
    tasks=("performance.tasks",),
    demo_steps=(DemoStep("performance", "performance.module:seed_demo", order=20),),
    # the Employee scores and ratings the drain sets from performance_scores / performance_ratings
    provides={"graph.sources": ("performance.graph:SOURCES",), "ml.features": ("performance.ml:features",),
              "ml.facets": ("performance.ml:FACETS",)},  # the 9-box cell the risk pages filter by
)


def seed_demo(ctx: DemoContext) -> object:
    """Goals, check-ins, ratings and points for the last and the current year, on the org's date and seed."""
    from performance.demo import seed_performance

    return seed_performance(ctx.engine, seed=ctx.seed, as_of=ctx.as_of, progress=ctx.progress)
