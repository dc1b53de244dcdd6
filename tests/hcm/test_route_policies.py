"""Every route declares who may use it: walk the whole app and fail on a route without a policy."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import Mount

from hcm.policy import GRANTS, SELF_SERVICE_WRITES, Permission

# Framework routes that are not ours to guard: the OpenAPI document and its two viewers.
FRAMEWORK = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def _policies(dependant) -> list[Permission]:  # type: ignore[no-untyped-def]
    found = []
    for dep in dependant.dependencies:
        policy = getattr(dep.call, "__policy__", None)
        if policy is not None:
            found.append(policy)
        found.extend(_policies(dep))
    return found


@dataclass
class Endpoint:
    path: str
    methods: set[str]
    dependant: Any


def endpoints(routes: list[Any]) -> Iterator[Endpoint]:
    """Every endpoint of the app, whether FastAPI keeps routers flat (APIRoute) or, since 0.16x, as
    lazily included routers."""
    for route in routes:
        if isinstance(route, Mount) or getattr(route, "path", None) in FRAMEWORK:
            continue
        if isinstance(route, APIRoute):
            yield Endpoint(route.path, set(route.methods), route.dependant)
        elif hasattr(route, "effective_route_contexts"):
            for ctx in route.effective_route_contexts():
                yield Endpoint(ctx.path, set(ctx.methods or ()), ctx.dependant)
        else:
            raise AssertionError(f"unexpected route type {type(route).__name__}: cannot check its policy")


def test_every_route_declares_exactly_one_policy(app) -> None:  # type: ignore[no-untyped-def]
    missing, several = [], []
    checked = 0
    for ep in endpoints(app.routes):
        policies = set(_policies(ep.dependant))
        checked += 1
        if not policies:
            missing.append(f"{sorted(ep.methods)} {ep.path}")
        elif len(policies) > 1:
            several.append(f"{sorted(ep.methods)} {ep.path}: {sorted(p.value for p in policies)}")
    assert not missing, "routes without a policy:\n" + "\n".join(missing)
    assert not several, "routes with conflicting policies:\n" + "\n".join(several)
    assert checked > 40  # the walk really saw the app


def test_only_login_routes_are_public(app) -> None:  # type: ignore[no-untyped-def]
    public = sorted(ep.path for ep in endpoints(app.routes) if Permission.PUBLIC in _policies(ep.dependant))
    assert set(public) <= {"/api/auth/token", "/login", "/logout"}, public


def test_every_permission_is_granted_to_someone() -> None:
    for p in Permission:
        if p is not Permission.PUBLIC:
            assert GRANTS[p], p


def test_writes_are_never_open_to_employee_or_executive(app) -> None:  # type: ignore[no-untyped-def]
    from hcm.auth.models import Role

    for ep in endpoints(app.routes):
        if not ep.path.startswith("/api") or ep.path.startswith("/api/auth"):
            continue
        if ep.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            for p in _policies(ep.dependant):
                if p in SELF_SERVICE_WRITES:
                    continue  # guarded row by row in the services (e.g. can_assess_skill)
                assert Role.EXECUTIVE not in GRANTS[p] and Role.EMPLOYEE not in GRANTS[p], (ep.path, p)


def test_the_walk_catches_an_unguarded_route() -> None:
    from fastapi import APIRouter, FastAPI

    from hcm.policy import allow

    app = FastAPI()
    r = APIRouter()

    @r.get("/guarded", dependencies=[])
    def guarded(_: object = __import__("fastapi").Depends(allow(Permission.ORG_READ))) -> dict[str, str]:
        return {}

    @r.get("/open")
    def unguarded() -> dict[str, str]:
        return {}

    app.include_router(r)
    found = {ep.path: bool(_policies(ep.dependant)) for ep in endpoints(app.routes)}
    assert found == {"/guarded": True, "/open": False}
