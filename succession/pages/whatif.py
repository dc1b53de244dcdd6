"""The vacancy what-if page (HR and executives): pick the people leaving from a picker of the people the viewer
may see, a depth, run; the page shows each departure's chain of posts that open in turn (who fills each with what
readiness, or that it stays uncovered), the posts left uncovered, the readiness gaps and the key posts exposed.

One GET form (the simulation writes nothing, so the answer is a page you can bookmark or send): ``employee_id``
(repeated), ``depth``, ``q`` (the picker's search) and ``run``. Thin over ``succession.service.whatif`` (every
rule is the service's: an unknown or out-of-scope person is a 404 naming them, someone who left or a depth over
the limit a 422 naming the field) and ``succession.service.people`` (the picker, in the viewer's people scope).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.errors import HcmError, Invalid
from hcm.fields import MAX_INT, SearchText
from hcm.policy import Principal, allow, is_hr
from hcm.web.render import render
from succession.pages.plans import tabs
from succession.policy import SuccPermission
from succession.service import board, people, whatif

router = APIRouter(include_in_schema=False)
BENCH = Depends(allow(SuccPermission.BENCH))
MAX_IDS_IN_URL = 200  # more ids than this in one request is not a what-if, whatever the service's own limit

EXPOSED_LABELS = {"uncovered": "Left uncovered", "beyond_depth": "Opens past the depth followed",
                  "not_ready": "Filled by someone not ready now", "cover_lost": "Loses its ready-now cover"}
UNCOVERED_LABELS = {"no_plan": "nobody is nominated for it", "no_available_successor": "nobody on its slate is available"}


def _ids(raw: list[str]) -> list[int]:
    if len(raw) > MAX_IDS_IN_URL:
        raise Invalid(f"name at most {whatif.MAX_LEAVERS} people leaving", field="employee_id")
    out = []
    for text in (r.strip() for r in raw):
        if not text:
            continue
        try:
            value = int(text)
        except ValueError:
            raise Invalid(f"employee_id: {text!r} is not a whole number (an employee's id)",
                          field="employee_id") from None
        if not 1 <= value <= MAX_INT:
            raise Invalid(f"employee_id: {text!r} names nobody", field="employee_id")
        out.append(value)
    return list(dict.fromkeys(out))


def _depth(raw: str) -> int:
    text = raw.strip()
    if not text:
        return whatif.DEFAULT_DEPTH
    try:
        return int(text)
    except ValueError:
        raise Invalid(f"depth must be a whole number between 1 and {whatif.MAX_DEPTH}, not {text!r}",
                      field="depth") from None


@router.get("/succession/what-if")
def what_if_page(request: Request, employee_id: list[str] = Query([]), depth: str = Query("", max_length=20),
                 q: SearchText = "", run: str = Query("", max_length=20), db: Session = Depends(get_db),
                 me: Principal = BENCH) -> Response:
    ctx: dict[str, Any] = {"q": q, "depth": whatif.DEFAULT_DEPTH, "chosen": [], "missing": [], "picks": [],
                           "result": None, "step_of": {}, "error": None, "max_depth": whatif.MAX_DEPTH,
                           "max_leavers": whatif.MAX_LEAVERS, "link_people": is_hr(me),
                           "exposed_labels": EXPOSED_LABELS, "uncovered_labels": UNCOVERED_LABELS,
                           "readiness_labels": board.READINESS_LABELS, "tabs": tabs(me)}
    status = 200
    try:
        ids = _ids(employee_id)
        ctx["chosen"], ctx["missing"] = people.named(db, principal=me, ids=ids)
        ctx["picks"] = people.search(db, principal=me, q=q, exclude=ids)
        ctx["depth"] = _depth(depth)
        if run:
            ctx["result"] = result = whatif.what_if(db, principal=me, employee_ids=ids, depth=ctx["depth"])
            ctx["step_of"] = {st.position.id: st for c in result.chains for st in c.steps}
    except HcmError as exc:
        ctx["error"] = {"field": exc.field, "message": exc.message}
        status = exc.status_code
    return render(request, "succession/whatif.html", me, section="succession", status_code=status, **ctx)
