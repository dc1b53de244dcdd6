"""The import/export page: which kinds a file can carry, read from the API's own routes."""

from __future__ import annotations

import enum
import typing
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hcm.policy import Permission, Principal, allow
from hcm.web.render import render

router = APIRouter(include_in_schema=False)


# Used only until hcm.io's routes declare their kinds as an enum or a Literal (then those win).
DEFAULT_IO_KINDS = ("job_families", "grades", "departments", "positions", "skills", "requirements", "employees",
                    "assignments", "proficiencies")


def _path_choices(app: Any, path: str, param: str = "kind") -> list[str] | None:
    """The values a route's path parameter accepts when it is typed as an enum or a Literal, so this page
    follows ``hcm.io`` without a second list to keep in step. Handles flat and lazily included routers."""
    for route in app.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for ctx in contexts:
            if getattr(ctx, "path", None) != path or not hasattr(ctx, "dependant"):
                continue
            for field in ctx.dependant.path_params:
                if field.name != param:
                    continue
                ann = field.field_info.annotation
                if isinstance(ann, type) and issubclass(ann, enum.Enum):
                    return [str(m.value) for m in ann]
                if typing.get_origin(ann) is typing.Literal:
                    return [str(a) for a in typing.get_args(ann)]
    return None


@router.get("/io")
def import_export(request: Request, me: Principal = Depends(allow(Permission.DATA_IMPORT))) -> Response:
    exports = _path_choices(request.app, "/api/io/export/{kind}") or list(DEFAULT_IO_KINDS)
    imports = _path_choices(request.app, "/api/io/import/{kind}") or list(DEFAULT_IO_KINDS)
    kinds = exports + [k for k in imports if k not in exports]
    return render(request, "io/io.html", me, section="io", kinds=kinds, exports=set(exports), imports=set(imports),
                   formats=("csv", "xlsx"))
