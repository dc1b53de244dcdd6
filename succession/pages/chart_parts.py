"""What a post's succession chart shows beside the slate (``succession.pages.plans`` asks for it): "what it takes"
for each nominee (``succession.service.taking``) and the suggested candidates (``succession.service.suggest``),
rendered by the partials ``succession/_what_it_takes.html`` and ``succession/_suggestions.html``.

The suggestions need the talent graph: unreachable or switched off, the panel says since when it is unavailable
(``graph.availability``), and the rest of the page is unaffected (never a 500). "What it takes" reads only the
database, so it is there whatever the graph's state.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from graph import availability
from graph.deps import GraphConnection, graph_connection
from hcm.errors import HcmError
from hcm.policy import Principal
from succession.models import ActionStatus
from succession.service import suggest, taking

SUGGESTIONS = 10
OPEN = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)


def gap_form(nomination_id: int) -> str:
    """The name of a nominee's "what it takes" forms, for a refusal shown at them."""
    return f"gaps-{nomination_id}"


def graph_of(request: Request) -> GraphConnection:
    """The graph the request would get as a dependency (``graph.deps.graph_connection``; a test's override too):
    the chart is rendered by every slate form's route, and only this part of it needs the graph."""
    return request.app.dependency_overrides.get(graph_connection, graph_connection)()  # type: ignore[no-any-return]


def _open_gaps(chart: Any) -> dict[int, dict[str, str]]:
    """employee id -> {gap key: the title of the open (planned or in progress) action that answers it}."""
    out: dict[int, dict[str, str]] = {}
    for n in chart.plan.nominees if chart.plan is not None else []:
        for a in n.actions:
            if a.status in OPEN:
                out.setdefault(n.employee.id, {})[gap_key(a.gap_kind.value, a.skill_id, a.target_role)] = a.title
    return out


def gap_key(kind: str, skill_id: int | None = None, target_role: str | None = None) -> str:
    return f"{kind}:{skill_id if kind == 'skill' else target_role if kind == 'experience' else ''}"


def context(request: Request, db: Session, me: Principal, chart: Any, *, editing: bool) -> dict[str, Any]:
    """The chart's "what it takes" and suggestions: ``takes`` (or ``takes_error``), ``open_gaps``, ``suggestions``
    (or ``graph_down`` since when, or ``suggest_error``), ``gap_forms``: the forms the page has for them, and
    ``acted``: the nomination a one-click action was just made for (``?acted=``, after the redirect)."""
    acted = request.query_params.get("acted", "")  # the nominee an action was just made for (its message there too)
    out: dict[str, Any] = {"takes": None, "takes_error": None, "open_gaps": _open_gaps(chart), "suggestions": None,
                           "graph_down": None, "suggest_error": None, "gap_forms": set(),
                           "acted": int(acted) if acted.isdigit() else None}
    if chart.plan is not None:
        try:
            out["takes"] = taking.what_it_takes(db, principal=me, position_id=chart.position.id)
        except HcmError as exc:
            out["takes_error"] = exc.message
        if out["takes"] is not None and editing:
            out["gap_forms"] = {gap_form(c.nomination_id) for c in out["takes"].candidates}
    graph = graph_of(request)
    try:
        out["suggestions"] = suggest.suggestions(db, principal=me, position_id=chart.position.id,
                                                 driver=graph.driver, database=graph.database, limit=SUGGESTIONS)
    except availability.GraphUnavailable as exc:
        reason = exc.reason.removeprefix("the talent graph ")
        out["graph_down"] = {"since": exc.since, "reason": f"it {reason}" if reason != exc.reason else reason}
    except HcmError as exc:
        out["suggest_error"] = exc.message
    return out
