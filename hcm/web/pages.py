"""The shell's own pages: log-in and log-out. Everything else is a module's page (the org pages live in
``hcm.org.pages``); every page renders through ``hcm.web.render``."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hcm.auth import service as auth_service
from hcm.auth import sessions
from hcm.auth.throttle import for_request as login_throttle
from hcm.auth.throttle import wait_text
from hcm.deps import get_db
from hcm.errors import TooManyRequests, Unauthorized
from hcm.policy import Permission, Principal, allow
from hcm.settings import get_settings
from hcm.web.render import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a local path may follow a log-in: no scheme, no host, no protocol-relative ``//`` tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(c in target for c in "\\\r\n\t") or any(ord(c) < 32 for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return "/"
    return target


# --- log-in --------------------------------------------------------------------------------------
@router.get("/login")
def login_form(request: Request, next: str = "/", me: Principal | None = Depends(allow(Permission.PUBLIC))) -> Response:
    if me is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", None, next=_safe_next(next), username="", error=None)


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/"),
          db: Session = Depends(get_db), _: Principal | None = Depends(allow(Permission.PUBLIC))) -> Response:
    throttle, client = login_throttle(request)
    try:
        user = auth_service.authenticate(db, username=username.strip(), password=password, throttle=throttle,
                                         client=client)
    except TooManyRequests as exc:
        page = render(request, "login.html", None, status_code=429, next=_safe_next(next), username=username,
                      error=f"Too many failed log-ins: try again in {wait_text(exc.retry_after)}.")
        page.headers.update(exc.headers)
        return page
    except Unauthorized:
        return render(request, "login.html", None, status_code=401, next=_safe_next(next), username=username,
                       error="Unknown user name or wrong password.")
    settings = get_settings()
    sid = sessions.start(db, user_id=user.id, idle=settings.session_idle, max_age=settings.session_max_age)
    request.session.clear()  # a fresh cookie: nothing from before the log-in carries over
    request.session[sessions.COOKIE_KEY] = sid
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, db: Session = Depends(get_db),
           _: Principal | None = Depends(allow(Permission.PUBLIC))) -> Response:
    sid = request.session.get(sessions.COOKIE_KEY)
    if isinstance(sid, str):
        sessions.end(db, sid)  # the session is over on the server, whoever kept a copy of the cookie
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


