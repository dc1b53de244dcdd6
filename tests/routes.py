"""Walking the app's routes, for the tests generated from them (policies, CSRF, response models): every endpoint,
whether FastAPI keeps routers flat (``APIRoute``) or, since 0.16x, as lazily included routers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import Mount

# Framework routes that are not ours: the OpenAPI document and its two viewers.
FRAMEWORK = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


@dataclass
class Endpoint:
    path: str
    methods: set[str]
    dependant: Any
    route: Any  # the APIRoute, or the route context of a lazily included router (response_model, status_code...)


def endpoints(routes: list[Any]) -> Iterator[Endpoint]:
    """Every endpoint of the app but the framework's own and mounted apps (static files)."""
    for route in routes:
        if isinstance(route, Mount) or getattr(route, "path", None) in FRAMEWORK:
            continue
        if isinstance(route, APIRoute):
            yield Endpoint(route.path, set(route.methods), route.dependant, route)
        elif hasattr(route, "effective_route_contexts"):
            for ctx in route.effective_route_contexts():
                yield Endpoint(ctx.path, set(ctx.methods or ()), ctx.dependant, ctx)
        else:
            raise AssertionError(f"unexpected route type {type(route).__name__}: cannot walk it")
