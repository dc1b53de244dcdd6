"""Every API route says what it returns, so /docs shows real shapes: walk the whole app and fail on a route
without a response model (a file, a redirect or a no-content answer excepted, when the route says so), then
read /openapi.json and fail on a success response whose schema is ``{}`` or a bare ``additionalProperties``."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.datastructures import DefaultPlaceholder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from tests.routes import endpoints

# The responses the performance pages and their clients live on, and the schema each must be (by name).
MAIN_PERFORMANCE = {
    ("get", "/api/performance/periods/{period_id}/cascade"): "CascadeNode",
    ("get", "/api/performance/periods/{period_id}/plan-problems"): "PlanProblem",
    ("post", "/api/performance/periods/{period_id}/recompute"): "RecomputeOut",
    ("put", "/api/performance/goals/{goal_id}/children"): "GoalLinkOut",
    ("get", "/api/performance/periods/{period_id}/results"): "Page_UnitScoreOut_",
    ("get", "/api/performance/periods/{period_id}/collaboration"): "CollaborationReport",
    ("get", "/api/performance/periods/{period_id}/points/balances"): "PointsBalance",
    ("get", "/api/performance/periods/{period_id}/points/ledger"): "PointsLedger",
    ("get", "/api/performance/periods/{period_id}/points/leaderboard"): "Leaderboard",
    ("get", "/api/performance/periods/{period_id}/ninebox"): "NineBoxOut",
    ("get", "/api/performance/periods/{period_id}/ninebox/people"): "Page_NineBoxPerson_",
    ("get", "/api/performance/periods/{period_id}/calibration"): "DistributionOut",
    ("get", "/api/performance/periods/{period_id}/employees/{employee_id}/ratings"): "RatingsView",
}


def api_routes(routes: list[Any]) -> Iterator[Any]:
    """Every /api endpoint's route (an APIRoute, or the route context of a lazily included router)."""
    return (ep.route for ep in endpoints(routes) if ep.path.startswith("/api"))


def _without_json_body(route: Any) -> bool:
    """No content, a redirect, or a response class the route chose that is not JSON (a file download)."""
    status = route.status_code or 200
    if status == 204 or 300 <= status < 400:
        return True
    cls = route.response_class
    return not isinstance(cls, DefaultPlaceholder) and not issubclass(cls, JSONResponse)


def _named_shape(tp: Any) -> bool:
    """A pydantic model or a dataclass, or a list of one: ``dict[str, Any]`` and ``list[dict]`` are not."""
    if typing.get_origin(tp) is list:
        return all(_named_shape(a) for a in typing.get_args(tp))
    return isinstance(tp, type) and (issubclass(tp, BaseModel) or dataclasses.is_dataclass(tp))


def untyped_routes(app: FastAPI) -> list[str]:
    bad = []
    for route in api_routes(app.routes):
        name = f"{sorted(route.methods)} {route.path}"
        if _without_json_body(route):
            if route.response_model is not None:
                bad.append(f"{name}: declares a file / no-content answer and a response model")
        elif not _named_shape(route.response_model):
            bad.append(f"{name}: response model {route.response_model!r}")
    return bad


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _loose(schema: dict[str, Any], doc: dict[str, Any]) -> bool:
    """``{}``, a bare object or an object of ``additionalProperties`` (what ``dict[str, Any]`` becomes)."""
    schema = _resolve(schema, doc)
    if schema.get("type") == "array":
        return _loose(schema.get("items", {}), doc)
    if "anyOf" in schema:
        return any(_loose(s, doc) for s in schema["anyOf"] if s.get("type") != "null")
    return "properties" not in schema


def loose_responses(doc: dict[str, Any]) -> list[str]:
    bad = []
    for path, operations in doc["paths"].items():
        if not path.startswith("/api"):
            continue
        for method, op in operations.items():
            for status, response in op.get("responses", {}).items():
                json_body = response.get("content", {}).get("application/json")
                if status.startswith("2") and json_body is not None and _loose(json_body.get("schema", {}), doc):
                    bad.append(f"{method.upper()} {path} {status}: {json_body.get('schema')}")
    return bad


def _schema_name(doc: dict[str, Any], method: str, path: str) -> str:
    op = doc["paths"][path][method]
    status = next(s for s in op["responses"] if s.startswith("2"))
    schema = op["responses"][status]["content"]["application/json"]["schema"]
    schema = schema.get("items", schema)
    return str(schema["$ref"].rsplit("/", 1)[-1])


def test_every_api_route_declares_a_response_model(app) -> None:  # type: ignore[no-untyped-def]
    assert len(list(api_routes(app.routes))) > 60  # the walk really saw the API, lazily included routers too
    bad = untyped_routes(app)
    assert not bad, "API routes without a response model:\n" + "\n".join(bad)


def test_openapi_has_a_real_schema_for_every_json_response(app) -> None:  # type: ignore[no-untyped-def]
    bad = loose_responses(app.openapi())
    assert not bad, "responses documented as a shapeless object:\n" + "\n".join(bad)


def test_main_performance_responses_are_documented_by_name(app) -> None:  # type: ignore[no-untyped-def]
    doc = app.openapi()
    got = {key: _schema_name(doc, *key) for key in MAIN_PERFORMANCE}
    assert got == MAIN_PERFORMANCE
    for name in set(MAIN_PERFORMANCE.values()):
        assert doc["components"]["schemas"][name]["properties"], name


def test_file_and_no_content_routes_say_what_they_send(app) -> None:  # type: ignore[no-untyped-def]
    doc = app.openapi()
    from hcm.io.service import MEDIA_TYPES

    export = doc["paths"]["/api/io/export/{kind}"]["get"]["responses"]["200"]["content"]
    assert set(export) == set(MEDIA_TYPES.values())
    assert "content" not in doc["paths"]["/api/performance/goals/{goal_id}"]["delete"]["responses"]["204"]


def test_the_walk_catches_an_untyped_route() -> None:
    from fastapi import APIRouter, Response

    class Shape(BaseModel):
        n: int

    app = FastAPI()
    r = APIRouter(prefix="/api")

    @r.get("/typed", response_model=Shape)
    def typed() -> Any:
        return Shape(n=1)

    @r.get("/loose")
    def loose() -> dict[str, Any]:
        return {}

    @r.get("/loose-list")
    def loose_list() -> list[dict[str, Any]]:
        return []

    @r.delete("/gone", status_code=204, response_model=None)
    def gone() -> Response:
        return Response(status_code=204)

    app.include_router(r)
    assert [b.split(":")[0] for b in untyped_routes(app)] == ["['GET'] /api/loose", "['GET'] /api/loose-list"]
    assert [b.split(" 200")[0] for b in loose_responses(app.openapi())] == ["GET /api/loose", "GET /api/loose-list"]
