"""The one web shell: one Jinja environment over the shell's templates and every module's, one ``render()``,
the navigation built from the registrations, and the small helpers every page shares (error page, pager,
flash message). Modules render through here; no module builds its own environment."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from hcm import modules
from hcm.auth.models import Role
from hcm.policy import Principal
from hcm.web import csrf

SHELL_TEMPLATES = Path(__file__).parent / "templates"  # base.html, macros.html, error.html, login.html
FLASH = "flash"

ROLE_LABELS = {Role.HR_ADMIN: "HR admin", Role.EXECUTIVE: "Executive", Role.MANAGER: "Manager",
               Role.EMPLOYEE: "Employee"}


@dataclass(frozen=True)
class NavItem:
    key: str  # stable: rendered as data-nav="..." and asserted by the tests
    label: str
    href: str


@lru_cache(maxsize=1)
def _templates(dirs: tuple[Path, ...]) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([SHELL_TEMPLATES, *dirs]),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return Jinja2Templates(env=env)


def templates() -> Jinja2Templates:
    """The shell's environment, over the template folders of every registered module."""
    return _templates(tuple(modules.template_dirs()))


def nav_for(me: Principal | None) -> list[NavItem]:
    if me is None:
        return []
    return [NavItem(e.key, e.label, e.href) for e in modules.nav_entries(me.role.value)]


def in_nav(me: Principal, key: str) -> bool:
    return any(item.key == key for item in nav_for(me))


def render(request: Request, name: str, me: Principal | None, *, section: str | None = None,
           status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page of the shell: ``section`` is the navigation key shown as the current one; a flash message left
    by the previous request (``flash``) is shown once."""
    message = request.session.pop(FLASH, None) if "session" in request.scope else None
    token = csrf.token(request)  # forms carry {{ csrf_field }} first; scripts send the meta tag's token
    ctx = {"me": me, "nav": nav_for(me), "section": section, "flash": message,
           "role_label": ROLE_LABELS.get(me.role, "") if me else "",
           "csrf_token": token, "csrf_field": Markup('<input type="hidden" name="csrftoken" value="{}">').format(token),
           **context}
    return templates().TemplateResponse(request, name, ctx, status_code=status_code)


def flash(request: Request, message: str) -> None:
    """A message for the next page this browser opens (after a post-redirect-get)."""
    request.session[FLASH] = message


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    titles = {403: "Not allowed", 404: "Not found", 409: "Conflict", 422: "Something is not right"}
    me = getattr(request.state, "principal", None)
    return render(request, "error.html", me, status_code=status, status=status,
                  title=titles.get(status, "Something went wrong"), message=message)


def pager(request: Request, page: int, page_size: int, total: int) -> dict[str, Any]:
    pages = max(1, math.ceil(total / page_size))

    def link(n: int) -> str:
        return "?" + urlencode({**request.query_params, "page": n})

    return {"page": page, "pages": pages, "total": total,
            "prev": link(page - 1) if page > 1 else None, "next": link(page + 1) if page < pages else None}
