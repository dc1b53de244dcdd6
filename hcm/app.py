"""The application factory: every registered module's routers and pages, static files, error handling, the
modules' shutdown hooks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from hcm import db as dbmod
from hcm import modules
from hcm.auth.security import dummy_hash, purpose_key
from hcm.auth.throttle import LoginThrottle
from hcm.errors import HcmError, InvalidOut, Unauthorized, collision, refused_value
from hcm.settings import Settings, get_settings
from hcm.web import csrf
from hcm.web.headers import SecurityHeaders, page_headers
from hcm.web.render import error_page

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "web" / "static"


def _validation_errors(exc: RequestValidationError) -> list[dict[str, object]]:
    out = []
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path", "form")]
        out.append({"field": ".".join(loc) or "body", "reason": e.get("msg", "invalid")})
    return out


def _document_invalid(schema: dict[str, Any]) -> None:
    """Every 422 in /openapi.json is the app's own ``InvalidOut`` (what ``_invalid`` and ``HcmError`` answer),
    not FastAPI's default ``HTTPValidationError``, which no response of this app has."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if components.pop("HTTPValidationError", None) is None:
        return
    components.pop("ValidationError", None)
    own = InvalidOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(own.pop("$defs", {}))
    components[InvalidOut.__name__] = own
    for operation in (op for path in schema.get("paths", {}).values() for op in path.values()):
        invalid = operation.get("responses", {}).get("422", {})
        for media in invalid.get("content", {}).values():
            media["schema"] = {"$ref": f"#/components/schemas/{InvalidOut.__name__}"}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    dbmod.get_engine()  # fail fast on a bad database URL

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        modules.call_all("on_shutdown")  # e.g. the graph adapter closes its driver

    app = FastAPI(
        title="HCM talent & succession",
        version="0.1.0",
        lifespan=lifespan,
        description="Org model, performance cascade, talent graph, succession and careers.",
        # Runs before every route's own dependencies, for the platform's routes and every module's.
        dependencies=[Depends(csrf.protect(settings.trusted_origins))],
    )
    app.add_middleware(
        SessionMiddleware, secret_key=purpose_key(settings.secret_key, "session"), session_cookie="hcm_session",
        same_site="lax", https_only=settings.https, max_age=settings.session_max_hours * 3600,
    )
    app.add_middleware(SecurityHeaders, https=settings.https)  # outermost: every answer gets them

    @app.exception_handler(HcmError)
    def _hcm_error(request: Request, exc: HcmError) -> Response:
        if not request.url.path.startswith("/api"):
            if isinstance(exc, Unauthorized):
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
            page = error_page(request, exc.status_code, exc.message)
            page.headers.update(exc.headers)
            return page
        return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> Response:
        # A bug, not the caller's input: Starlette answers this from its outermost middleware (and then logs the
        # traceback), outside SecurityHeaders, so the page carries the same headers by itself and says nothing more.
        return PlainTextResponse("Internal Server Error", status_code=500, headers=page_headers(https=settings.https))

    @app.exception_handler(IntegrityError)
    def _collision(request: Request, exc: IntegrityError) -> Response:
        # Services check their rules before writing; only a concurrent transaction gets past them to the
        # database's own constraint. A 409 the caller can act on, not a 500.
        log.warning("write stopped by a database constraint on %s: %s", request.url.path, exc.orig)
        return _hcm_error(request, collision(exc))

    @app.exception_handler(DataError)
    def _refused(request: Request, exc: DataError) -> Response:
        # Validation in front of the services stops odd values (ids past the id columns, NUL in text, ...);
        # a value that gets past it to the database is still the caller's mistake: a 422, not a 500.
        log.warning("value refused by the database on %s: %s", request.url.path, exc.orig)
        return _hcm_error(request, refused_value(exc))

    @app.exception_handler(StarletteHTTPException)
    def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Unknown pages and wrong methods get the app's own error page; the API keeps JSON.
        if request.url.path.startswith(("/api", "/static")) or request.url.path in ("/openapi.json", "/docs"):
            return JSONResponse({"error": "http", "detail": exc.detail}, status_code=exc.status_code,
                                headers=getattr(exc, "headers", None))
        return error_page(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = _validation_errors(exc)
        summary = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        if not request.url.path.startswith("/api"):
            return error_page(request, 422, summary)
        return JSONResponse({"error": "invalid", "detail": summary, "errors": errors}, status_code=422)

    # Failed log-ins per user and client (memory, or the Redis every process shares); the dummy hash that makes
    # an unknown user cost the same as a known one is made now, not on the first log-in.
    app.state.login_throttle = LoginThrottle.from_settings(settings)
    dummy_hash()

    # Every registered module's routers (the platform's own first); API before pages.
    for router in modules.refs("api_routers") + modules.refs("page_routers"):
        app.include_router(router)

    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _document_invalid(generate_openapi())
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
