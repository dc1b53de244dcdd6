"""The platform's own registration: the org model, people, import/export and log-in are registered the
same way any module is (see ``hcm.modules``), so the app, the CLI and the demo treat them alike."""

from __future__ import annotations

from pathlib import Path

from hcm.modules import DemoContext, DemoStep, Module, NavEntry

_HERE = Path(__file__).parent

MODULE = Module(
    name="hcm",
    label="Platform",
    api_routers=("hcm.auth.router:router", "hcm.org.router:router", "hcm.io.router:router"),
    page_routers=("hcm.web.pages:router", "hcm.org.pages:router", "hcm.io.pages:router"),
    templates=(_HERE / "org" / "templates", _HERE / "io" / "templates"),
    nav=(
        NavEntry("home", "Home", "/", {"hr_admin": 0, "executive": 0, "manager": 0, "employee": 0}),
        NavEntry("team", "My team", "/team", {"manager": 5}),
        NavEntry("profile", "My profile", "/me", {"employee": 5, "manager": 15}),
        NavEntry("org", "Org", "/org", {"hr_admin": 10, "executive": 10, "manager": 10, "employee": 10}),
        NavEntry("positions", "Positions", "/positions", {"hr_admin": 20}),
        NavEntry("people", "People", "/people", {"hr_admin": 30}),
        NavEntry("key-posts", "Key posts", "/key-posts", {"hr_admin": 40, "executive": 40}),
        NavEntry("skills", "Skills", "/skills", {"hr_admin": 50}),
        NavEntry("io", "Import/Export", "/io", {"hr_admin": 60}),
    ),
    models=("hcm.models",),
    demo_steps=(DemoStep("org", "hcm.core_module:seed_org", order=0),),
)


def seed_org(ctx: DemoContext) -> object:
    """The demo company: departments, posts, five years of careers, skills and the demo log-ins."""
    from hcm import seed

    return seed.seed(ctx.engine, employees=ctx.employees, seed=ctx.seed, as_of=ctx.as_of, progress=ctx.progress)
