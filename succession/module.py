"""Succession's registration with the platform (entry point ``hcm.modules: succession``)."""

from __future__ import annotations

from pathlib import Path

from hcm.modules import DemoContext, DemoStep, Module, NavEntry

MODULE = Module(
    name="succession",
    label="Succession",
    api_routers=("succession.router:router",),
    page_routers=("succession.pages:router",),
    templates=(Path(__file__).parent / "templates",),
    # HR directors and leadership; a manager sees plans only when HR allows it (the settings), so the link is not
    # in the manager's bar: the pages themselves answer a manager by the same row check (docs/succession.md).
    nav=(NavEntry("succession", "Succession", "/succession", {"hr_admin": 45, "executive": 45}),),
    permissions="succession.policy:GRANTS",
    models=("succession.models",),
    demo_steps=(DemoStep("succession", "succession.module:seed_demo", order=30),),
    # the graph rows of plans and pools; "holds a key post", a filter of the risk pages
    provides={"graph.sources": ("succession.graph:SOURCES",), "ml.facets": ("succession.ml:FACETS",)},
)


def seed_demo(ctx: DemoContext) -> object:
    """Plans with ranked slates, readiness history, development actions and talent pools for the key posts of the
    demo company, on the run's seed and as-of date (after performance's demo, whose ratings it reads)."""
    from succession.demo import seed_succession

    return seed_succession(ctx.engine, seed=ctx.seed, as_of=ctx.as_of, progress=ctx.progress)
