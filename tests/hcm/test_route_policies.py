"""Every route declares who may use it: walk the whole app (the core and every registered module) and fail on
a route without a policy."""

from __future__ import annotations

import enum

import pytest

from hcm.auth.models import Role
from hcm.policy import (
    Permission,
    UnregisteredPermission,
    allow,
    is_self_service,
    register_grants,
    registered_permissions,
    roles_for,
)
from tests.routes import endpoints


def _policies(dependant) -> list[enum.StrEnum]:  # type: ignore[no-untyped-def]
    found = []
    for dep in dependant.dependencies:
        policy = getattr(dep.call, "__policy__", None)
        if policy is not None:
            found.append(policy)
        found.extend(_policies(dep))
    return found


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


def test_routes_declare_registered_permissions_only(app) -> None:  # type: ignore[no-untyped-def]
    known = set(registered_permissions()) | {Permission.PUBLIC}
    used = {(ep.path, p) for ep in endpoints(app.routes) for p in _policies(ep.dependant)}
    assert not {(path, p.value) for path, p in used if p not in known}
    assert {type(p) for _, p in used} - {Permission}  # the walk saw the modules' routes, not only the core's


def test_only_login_routes_are_public(app) -> None:  # type: ignore[no-untyped-def]
    public = sorted(ep.path for ep in endpoints(app.routes) if Permission.PUBLIC in _policies(ep.dependant))
    assert set(public) <= {"/api/auth/token", "/login", "/logout"}, public


def test_every_permission_is_granted_to_someone(app) -> None:  # type: ignore[no-untyped-def]
    assert Permission.PUBLIC not in registered_permissions()
    for p in registered_permissions():
        assert roles_for(p), p


def test_writes_are_never_open_to_employee_or_executive(app) -> None:  # type: ignore[no-untyped-def]
    for ep in endpoints(app.routes):
        if not ep.path.startswith("/api") or ep.path.startswith("/api/auth"):
            continue
        if ep.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            for p in _policies(ep.dependant):
                if is_self_service(p):
                    continue  # guarded row by row in the services (e.g. can_assess_skill)
                assert Role.EXECUTIVE not in roles_for(p) and Role.EMPLOYEE not in roles_for(p), (ep.path, p)


class _Unknown(enum.StrEnum):
    NEVER = "test.never-registered"
    TWICE = "test.registered-twice"


def test_an_unregistered_permission_fails_where_the_route_is_defined() -> None:
    with pytest.raises(UnregisteredPermission, match=r"test\.never-registered"):
        allow(_Unknown.NEVER)


def test_a_permission_is_registered_once_with_one_set_of_roles() -> None:
    register_grants({_Unknown.TWICE: {Role.HR_ADMIN}})
    register_grants({_Unknown.TWICE: [Role.HR_ADMIN]})  # the same again: nothing changes
    with pytest.raises(ValueError, match="already registered"):
        register_grants({_Unknown.TWICE: {Role.HR_ADMIN, Role.MANAGER}})
    with pytest.raises(ValueError, match="already registered"):
        register_grants({_Unknown.TWICE: {Role.HR_ADMIN}}, self_service={_Unknown.TWICE})
    with pytest.raises(ValueError, match="already registered"):  # a core permission under another module's name
        register_grants({_Unknown.NEVER: {Role.HR_ADMIN}, Permission.ORG_READ: {Role.HR_ADMIN}})
    assert roles_for(_Unknown.TWICE) == {Role.HR_ADMIN} and not is_self_service(_Unknown.TWICE)
    assert _Unknown.NEVER not in registered_permissions()  # a refused call registers nothing of it


def test_the_walk_catches_an_unguarded_route() -> None:
    from fastapi import APIRouter, FastAPI

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
