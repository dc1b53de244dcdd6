"""Cross-site request forgery: every state-changing request that a cookie could authenticate must come from
this app's own origin and carry the token of the browser's session. One dependency of the whole app
(``create_app`` passes it to ``FastAPI(dependencies=...)``), so it runs before every route's own
dependencies, its policy and its unit of work, for the platform's routes and every module's alike.

Two checks, for POST/PUT/PATCH/DELETE with a cookie, and for the log-in form with or without one:

1. **Origin.** ``Origin`` (or, where a browser sends none, ``Sec-Fetch-Site`` / ``Referer``) must be this
   app's own origin (the Host the request was sent to, or one of ``HCM_TRUSTED_ORIGINS``). Another port or a
   sibling subdomain is another origin, though SameSite=Lax counts it as the same site.
2. **Token** (synchronizer token): a random value kept in the signed session cookie; the form field
   ``csrftoken`` or the ``X-CSRFToken`` header must equal it. ``hcm.web.render.render`` gives every page
   ``csrf_field`` for its forms and ``csrf_token`` for scripts (``<meta name="csrf-token">``).

A request with ``Authorization: Bearer ...`` is the token API: no cookie authenticates it (``hcm.policy``
never falls back to the cookie) and a page on another origin cannot send that header without CORS, which the
app does not allow. A request without any cookie carries no ambient authority and is not checked, except the
log-in form (log-in CSRF would sign the victim in as the attacker).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit

from fastapi import Request
from starlette.datastructures import Headers

from hcm.errors import Forbidden

log = logging.getLogger(__name__)

FIELD = "csrftoken"  # the form field
HEADER = "x-csrftoken"  # or this header (scripts)
SESSION_KEY = "csrf"  # where the session keeps the token
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
ALWAYS_PROTECT = frozenset({"/login"})  # checked even without a cookie: log-in CSRF
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
REFUSED = "This request came from another site, or its form has expired: reload the page and try again."
_DEFAULT_PORTS = {"http": "80", "https": "443"}


class CsrfRefused(Forbidden):
    code = "csrf"

    def __init__(self, why: str) -> None:
        super().__init__(REFUSED)
        self.why = why
        self.headers = {"X-HCM-Refused": "csrf"}


def token(request: Request) -> str:
    """This browser session's token, made on first use (the session cookie carries it, signed)."""
    if "session" not in request.scope:
        return ""
    value = request.session.get(SESSION_KEY)
    if not isinstance(value, str) or not value:
        value = request.session[SESSION_KEY] = secrets.token_urlsafe(32)
    return value


def needs_check(request: Request) -> bool:
    """A state-changing request that a cookie could authenticate, or the log-in form."""
    if request.method in SAFE_METHODS:
        return False
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return False
    return bool(request.headers.get("cookie")) or request.url.path in ALWAYS_PROTECT


def _netloc(scheme: str, netloc: str) -> str:
    """``host[:port]`` in lower case, without the scheme's default port (browsers leave it out of Origin)."""
    netloc = netloc.strip().lower()
    host, sep, port = netloc.rpartition(":")
    if not (sep and port.isdigit()):  # no port (also "[::1]")
        host, port = netloc, ""
    return host if port in ("", _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"


def _origin_of(url: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.scheme, _netloc(parts.scheme, parts.netloc)


def same_origin(headers: Headers, trusted: Iterable[str] = ()) -> bool:
    """Whether the browser says the request comes from this app's own origin: the Host it was sent to (over
    either scheme: a TLS proxy may hide which) or a trusted origin. A client that says nothing at all (no
    Origin, Sec-Fetch-Site or Referer: not a current browser) is left to the token check."""
    host = headers.get("host", "")
    mine = {(s, _netloc(s, host)) for s in ("http", "https")} if host else set()
    mine |= {o for o in map(_origin_of, trusted) if o is not None}
    origin = headers.get("origin")
    if origin is not None:
        found = _origin_of(origin)  # "null" (a sandboxed frame, a file) is no origin of ours
        return found is not None and found in mine
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    referer = headers.get("referer")
    if referer is not None:
        found = _origin_of(referer)
        return found is not None and found in mine
    return True


async def _submitted(request: Request) -> str:
    sent = request.headers.get(HEADER)
    if sent:
        return sent
    if request.headers.get("content-type", "").split(";")[0].strip().lower() not in FORMS:
        return ""
    try:
        form = await request.form()  # parsed once: the route reads the same form
    except Exception as exc:  # noqa: BLE001 - a body that cannot be read as a form carries no token
        log.info("CSRF check could not read the form of %s %s: %s", request.method, request.url.path, exc)
        return ""
    value = form.get(FIELD)
    return value if isinstance(value, str) else ""


def protect(trusted_origins: Iterable[str] = ()) -> Callable[[Request], Awaitable[None]]:
    """The app-wide dependency: refuse (403, ``X-HCM-Refused: csrf``) a forged request before any route runs."""
    trusted = tuple(trusted_origins)

    async def csrf_check(request: Request) -> None:
        if not needs_check(request):
            return
        if not same_origin(request.headers, trusted):
            raise _refused(request, f"origin {request.headers.get('origin') or request.headers.get('referer')}")
        expected = request.session.get(SESSION_KEY) if "session" in request.scope else None
        sent = await _submitted(request)
        if not (isinstance(expected, str) and expected and sent
                and secrets.compare_digest(sent.encode(), expected.encode())):
            raise _refused(request, "missing token" if not sent else "wrong token")

    return csrf_check


def _refused(request: Request, why: str) -> CsrfRefused:
    log.warning("CSRF check refused %s %s: %s", request.method, request.url.path, why)
    return CsrfRefused(why)
