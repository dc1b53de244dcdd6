"""The files of the test module ``hcm_sample`` and its distribution metadata, written where Python finds them."""

from __future__ import annotations

from pathlib import Path

PACKAGE = "hcm_sample"

FILES = {
    f"{PACKAGE}/__init__.py": '"""A sample hcm module, made by the tests."""\n',
    f"{PACKAGE}/module.py": '''
from pathlib import Path

from hcm.modules import DemoStep, Module, NavEntry

MODULE = Module(
    name="sample",
    label="Sample",
    api_routers=("hcm_sample.routes:api",),
    page_routers=("hcm_sample.routes:pages",),
    templates=(Path(__file__).parent / "templates",),
    nav=(NavEntry("sample", "Sample", "/sample", {"manager": 50}),),
    tasks=("hcm_sample.tasks",),
    demo_steps=(DemoStep("sample", "hcm_sample.demo:run", order=90),),
)
''',
    f"{PACKAGE}/routes.py": '''
from fastapi import APIRouter, Depends, Request

from hcm.policy import Permission, Principal, allow
from hcm.web.render import render

api = APIRouter(prefix="/api/sample")
pages = APIRouter(include_in_schema=False)


@api.get("/ping")
def ping(me: Principal = Depends(allow(Permission.AUTHENTICATED))) -> dict[str, str]:
    return {"pong": me.username}


@pages.get("/sample")
def sample_page(request: Request, me: Principal = Depends(allow(Permission.AUTHENTICATED))):
    return render(request, "sample/hello.html", me, section="sample", who=me.username)
''',
    f"{PACKAGE}/templates/sample/hello.html": '''{% extends "base.html" %}
{% block content %}<h1 data-sample>Hello {{ who }} from the sample module</h1>{% endblock %}
''',
    f"{PACKAGE}/tasks.py": '''
from hcm.tasks import celery_app


@celery_app.task(name="sample.echo")
def echo(value: str) -> str:
    return value
''',
    f"{PACKAGE}/demo.py": '''
from sqlalchemy import func, select

from hcm.org.models import Employee


def run(ctx):
    with ctx.engine.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(Employee))
    return f"sample step saw {n} employees as of {ctx.as_of.isoformat()}"
''',
    "hcm_sample-0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: hcm-sample\nVersion: 0.1\n",
    "hcm_sample-0.1.dist-info/entry_points.txt": "[hcm.modules]\nsample = hcm_sample.module:MODULE\n",
}


def write(root: Path) -> Path:
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip("\n"))
    return root
