"""The talent graph's page (HR and leadership): is the graph there, does it agree with the database, and a
talent search over it. When the graph cannot answer, the page says so and since when (a 503, never a 500); the
outbox keeps what it has not received yet."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from graph import availability, queries
from graph.deps import GraphConnection, graph_connection
from graph.policy import GraphPermission
from graph.sync import pending_count
from hcm.deps import get_db
from hcm.errors import HcmError, Invalid
from hcm.policy import Principal, allow
from hcm.web.render import render

router = APIRouter(include_in_schema=False)
MAX_SKILLS_TEXT = 500


def parse_skills(text: str) -> list[tuple[str, int, str]]:
    """``"PY:4, SQL:3!"`` -> [(skill, level, importance)]: level 1-5 (default 3), ``!`` marks a high importance."""
    wanted: list[tuple[str, int, str]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        importance = "high" if part.endswith("!") else "medium"
        code, _, level = part.rstrip("!").partition(":")
        code = code.strip()
        if not code:
            raise Invalid(f"skills: {part!r} names no skill", field="skills")
        try:
            lvl = int(level) if level.strip() else 3
        except ValueError:
            raise Invalid(f"skills: the level of {code!r} must be a number 1-5", field="skills") from None
        if not 1 <= lvl <= 5:
            raise Invalid(f"skills: the level of {code!r} must be 1-5", field="skills")
        wanted.append((code, lvl, importance))
    return wanted


@router.get("/graph")
def graph_page(request: Request, skills: str = Query("", max_length=MAX_SKILLS_TEXT),
               department: str = Query("", max_length=64), db: Session = Depends(get_db),
               graph: GraphConnection = Depends(graph_connection),
               me: Principal = Depends(allow(GraphPermission.SUCCESSION))) -> Response:
    ctx: dict[str, Any] = {"pending": pending_count(db), "skills": skills, "department": department,
                           "can_search": me.has(GraphPermission.TALENT_SEARCH),
                           "error": None, "unavailable": None, "matches": None, "bench": None,
                           "switched_off": graph.driver is None}
    status = 200
    if graph.driver is None:  # configured so (HCM_GRAPH__ENABLED=false): not an outage, nothing to wait for
        return render(request, "graph/graph.html", me, section="graph", **ctx)
    try:
        driver, database = graph.require()
        bench = queries.bench_strength(driver, database)
        ctx["bench"] = {"key_posts": len(bench), "covered": sum(1 for b in bench if b.covered),
                        "uncovered": [b for b in bench if not b.covered][:10]}
        if skills.strip() and ctx["can_search"]:
            ctx["matches"] = queries.talent_search(driver, database, skills=parse_skills(skills),
                                                   department=department.strip() or None, limit=25)
    except availability.GraphUnavailable as exc:
        ctx["unavailable"] = exc.since
        status = 503
    except HcmError as exc:  # an unknown skill or department, a bad level: said on the page
        ctx["error"] = str(exc)
        status = exc.status_code
    return render(request, "graph/graph.html", me, section="graph", status_code=status, **ctx)
