"""Security headers on every response, from one middleware of the core (``secure`` builds and sets them):

- ``Content-Security-Policy``: scripts, styles, images, fonts and fetches from the app itself only — the pages use
  no inline script or style (chart data travels in ``<script type="application/json">``, which never runs), no
  plug-ins, no ``<base>``, forms post to the app only, and no other site may frame a page;
- ``X-Frame-Options: DENY`` for browsers without ``frame-ancestors``; ``X-Content-Type-Options: nosniff``;
  ``Referrer-Policy: same-origin`` (a URL naming a person never leaves the app); ``Cross-Origin-Opener-Policy`` and
  ``-Resource-Policy: same-origin``; a ``Permissions-Policy`` that turns off camera, microphone and location;
- ``Cache-Control: no-store`` on everything but ``/static``: pages, API answers and exports carry people and pay
  data, and no browser cache or proxy keeps them;
- ``Strict-Transport-Security`` when the app is served over HTTPS (``HCM_HTTPS``).

The OpenAPI viewers (``/docs``, ``/redoc``) are FastAPI's own pages, which load their script and style from a CDN
and start with an inline script; they get a policy that allows exactly that, and show no people data themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from secure import (
    CacheControl,
    ContentSecurityPolicy,
    CrossOriginOpenerPolicy,
    CrossOriginResourcePolicy,
    PermissionsPolicy,
    ReferrerPolicy,
    Secure,
    StrictTransportSecurity,
    XContentTypeOptions,
    XFrameOptions,
)
from secure.middleware import SecureASGIMiddleware

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SELF, NONE = "'self'", "'none'"
DOCS = ("/docs", "/redoc")
DOCS_CDN = "https://cdn.jsdelivr.net"  # where FastAPI's Swagger UI and ReDoc pages load their files from


def app_policy() -> ContentSecurityPolicy:
    return (ContentSecurityPolicy()
            .default_src(SELF).script_src(SELF).style_src(SELF).img_src(SELF, "data:").font_src(SELF)
            .connect_src(SELF).object_src(NONE).base_uri(NONE).form_action(SELF).frame_ancestors(NONE))


def docs_policy() -> ContentSecurityPolicy:
    return (ContentSecurityPolicy()
            .default_src(SELF).script_src(SELF, DOCS_CDN, "'unsafe-inline'").style_src(SELF, DOCS_CDN, "'unsafe-inline'")
            .img_src(SELF, "data:", "https://fastapi.tiangolo.com").font_src(SELF, DOCS_CDN).worker_src(SELF, "blob:")
            .connect_src(SELF).object_src(NONE).base_uri(NONE).form_action(SELF).frame_ancestors(NONE))


def _secure(csp: ContentSecurityPolicy, *, https: bool, cache: bool) -> Secure:
    return Secure(
        cache=None if cache else CacheControl().no_store(),
        csp=csp,
        xfo=XFrameOptions().deny(),
        xcto=XContentTypeOptions(),
        referrer=ReferrerPolicy().same_origin(),
        coop=CrossOriginOpenerPolicy().same_origin(),
        corp=CrossOriginResourcePolicy().same_origin(),
        permissions=PermissionsPolicy().camera().microphone().geolocation(),
        hsts=StrictTransportSecurity().max_age(365 * 24 * 3600) if https else None,
    )


def page_headers(*, https: bool) -> dict[str, str]:
    """The headers every page gets, for an answer made outside the middleware (the last-resort 500 page, which
    Starlette sends from its outermost error middleware)."""
    return dict(_secure(app_policy(), https=https, cache=False).headers)


class SecurityHeaders:
    """The middleware: the app's policy on every response, static files cacheable, the docs' own policy."""

    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.pages = SecureASGIMiddleware(app, secure=_secure(app_policy(), https=https, cache=False))
        self.static = SecureASGIMiddleware(app, secure=_secure(app_policy(), https=https, cache=True))
        self.docs = SecureASGIMiddleware(app, secure=_secure(docs_policy(), https=https, cache=False))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if path.startswith("/static/"):
            await self.static(scope, receive, send)
        elif path in DOCS or path.startswith("/docs/"):
            await self.docs(scope, receive, send)
        else:
            await self.pages(scope, receive, send)
