"""Succession API: what it takes, the vacancy what-if and suggested candidates (thin routes over
``succession.service.taking``, ``whatif`` and ``suggest``; docs/succession.md)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from graph.deps import GraphConnection, graph_connection
from graph.queries.common import MAX_LIMIT
from hcm.deps import get_db
from hcm.errors import ErrorOut
from hcm.fields import Day, Id
from hcm.policy import Principal, allow
from succession.policy import SuccPermission
from succession.schemas import ActionOut
from succession.schemas_analysis import (
    CandidateOut,
    GapActionIn,
    GraphUnavailableOut,
    SuggestionsOut,
    WhatIfOut,
    WhatItTakesOut,
)
from succession.service import suggest, taking, whatif

router = APIRouter(prefix="/api/succession", tags=["succession"])
READ = Depends(allow(SuccPermission.PLANS_READ))
WRITE = Depends(allow(SuccPermission.PLANS_WRITE))
BENCH = Depends(allow(SuccPermission.BENCH))
GRAPH = Depends(graph_connection)
NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorOut, "description": "An unknown id, or one outside the caller's scope, named"}}


@router.get("/positions/{position_id}/what-it-takes", response_model=WhatItTakesOut, responses=NOT_FOUND)
def what_it_takes(position_id: Id, as_of: Day | None = None, db: Session = Depends(get_db), who: Principal = READ):
    return taking.what_it_takes(db, principal=who, position_id=position_id, as_of=as_of)


@router.get("/nominations/{nomination_id}/what-it-takes", response_model=CandidateOut,
            responses={**NOT_FOUND, 409: {"model": ErrorOut, "description": "The nomination is closed"}})
def nominee_what_it_takes(nomination_id: Id, as_of: Day | None = None, db: Session = Depends(get_db),
                          who: Principal = READ):
    return taking.nominee_what_it_takes(db, principal=who, nomination_id=nomination_id, as_of=as_of)


@router.post("/nominations/{nomination_id}/actions/from-gap", response_model=ActionOut, status_code=201,
             responses={**NOT_FOUND, 409: {"model": ErrorOut, "description": "An open action answers the gap"}})
def action_from_gap(nomination_id: Id, data: GapActionIn, db: Session = Depends(get_db), who: Principal = WRITE):
    return taking.create_action_from_gap(db, principal=who, nomination_id=nomination_id, gap_kind=data.gap_kind,
                                         skill_id=data.skill_id, target_role=data.target_role, as_of=data.as_of)


@router.get("/what-if", response_model=WhatIfOut, responses=NOT_FOUND)
def what_if(employee_id: list[Id] = Query(), depth: int = Query(whatif.DEFAULT_DEPTH, ge=1, le=whatif.MAX_DEPTH),
            db: Session = Depends(get_db), who: Principal = BENCH):
    """The people ``employee_id`` (repeat it for several) leave at once: who fills their posts, and whose posts
    open in turn, to ``depth`` posts per chain. Writes nothing."""
    return whatif.what_if(db, principal=who, employee_ids=employee_id, depth=depth)


@router.get("/positions/{position_id}/suggestions", response_model=SuggestionsOut,
            responses={**NOT_FOUND, 503: {"model": GraphUnavailableOut,
                                          "description": "The talent graph is unreachable (since when)"}})
def suggestions(position_id: Id, limit: int = Query(suggest.DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                db: Session = Depends(get_db), who: Principal = READ, graph: GraphConnection = GRAPH):
    """People to consider for the post's slate, with their reasons. Nobody is nominated by this."""
    return suggest.suggestions(db, principal=who, position_id=position_id, driver=graph.driver,
                               database=graph.database, limit=limit)
