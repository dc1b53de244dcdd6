"""Talent graph API: thin routes over ``graph.queries``, under /api/graph (docs/graph.md "Queries").

Input is checked first (422), then the people a request names (404 outside the caller's scope, like nobody),
then the graph is asked: an unknown key is a 404 naming it, an unreachable graph a 503 saying since when.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from graph import queries
from graph.deps import GraphConnection, graph_connection
from graph.policy import GraphPermission, gap_scope, visible_person
from graph.queries.common import MAX_LIMIT
from graph.queries.results import (
    BenchStrength,
    CareerPaths,
    NextRoles,
    SinglePointOfFailure,
    SuccessorSlate,
    TalentMatch,
    VacancyChain,
)
from hcm.deps import get_db
from hcm.errors import ErrorOut, Invalid
from hcm.fields import Code, In, Int, Timestamp
from hcm.policy import Principal, allow


class GraphUnavailableOut(BaseModel):
    """The body of a 503: the graph cannot answer, and since when this server has found it so."""

    error: str  # graph_unavailable
    detail: str
    since: Timestamp


ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorOut, "description": "An unknown (or, for people, out-of-scope) key, named"},
    503: {"model": GraphUnavailableOut, "description": "The talent graph is unreachable (since when)"},
}

router = APIRouter(prefix="/api/graph", tags=["graph"], responses=ERRORS)
SUCCESSION = Depends(allow(GraphPermission.SUCCESSION))
TALENT = Depends(allow(GraphPermission.TALENT_SEARCH))
CAREERS = Depends(allow(GraphPermission.CAREERS))
GRAPH = Depends(graph_connection)


# --- succession --------------------------------------------------------------------------------------
@router.get("/positions/{position}/successors", response_model=SuccessorSlate)
def successor_slate(position: Code, who: Principal = SUCCESSION, graph: GraphConnection = GRAPH):
    return queries.successors(*graph.require(), position=position)


@router.get("/bench-strength", response_model=list[BenchStrength])
def bench_strength(who: Principal = SUCCESSION, graph: GraphConnection = GRAPH):
    return queries.bench_strength(*graph.require())


@router.get("/uncovered-key-positions", response_model=list[BenchStrength])
def uncovered_key_positions(who: Principal = SUCCESSION, graph: GraphConnection = GRAPH):
    return queries.uncovered_key_positions(*graph.require())


@router.get("/single-points-of-failure", response_model=list[SinglePointOfFailure])
def single_points_of_failure(min_posts: int = Query(2, ge=1, le=1000), who: Principal = SUCCESSION,
                             graph: GraphConnection = GRAPH):
    return queries.single_points_of_failure(*graph.require(), min_posts=min_posts)


@router.get("/employees/{employee}/vacancy-chain", response_model=VacancyChain)
def vacancy_chain(employee: Code, depth: int = Query(3, ge=1, le=queries.MAX_CHAIN_DEPTH),
                  who: Principal = SUCCESSION, db: Session = Depends(get_db), graph: GraphConnection = GRAPH):
    visible_person(db, who, employee)  # the people scope: an executive sees key-post holders
    return queries.vacancy_chain(*graph.require(), employee=employee, depth=depth)


# --- talent search -----------------------------------------------------------------------------------
class SkillNeedIn(In):
    skill: Code
    level: int = Field(ge=1, le=5)
    importance: Literal["low", "medium", "high"] = "medium"


class TalentSearchIn(In):
    skills: list[SkillNeedIn] = Field(min_length=1, max_length=queries.MAX_SKILLS)
    department: Code | None = None  # this department and every one below it
    min_grade_level: Int | None = None
    max_grade_level: Int | None = None
    min_score: float | None = None
    limit: int = Field(20, ge=1, le=MAX_LIMIT)


@router.post("/talent-search", response_model=list[TalentMatch])
def talent_search(data: TalentSearchIn, who: Principal = TALENT, graph: GraphConnection = GRAPH):
    return queries.talent_search(
        *graph.require(), skills=[(s.skill, s.level, s.importance) for s in data.skills], department=data.department,
        min_grade_level=data.min_grade_level, max_grade_level=data.max_grade_level, min_score=data.min_score,
        limit=data.limit)


# --- careers -----------------------------------------------------------------------------------------
def _gap_person(db: Session, who: Principal, employee: str | None) -> None:
    if employee is not None:
        visible_person(db, who, employee, among=gap_scope(who))


@router.get("/positions/{position}/next-roles", response_model=NextRoles)
def next_roles(position: Code, employee: Code | None = None, limit: int = Query(10, ge=1, le=MAX_LIMIT),
               who: Principal = CAREERS, db: Session = Depends(get_db), graph: GraphConnection = GRAPH):
    _gap_person(db, who, employee)
    return queries.next_roles(*graph.require(), position=position, employee=employee, limit=limit)


@router.get("/paths", response_model=CareerPaths)
def career_paths(to_role: Code, from_role: Code | None = None, position: Code | None = None,
                 max_steps: int = Query(3, ge=1, le=queries.MAX_PATH_STEPS), employee: Code | None = None,
                 limit: int = Query(10, ge=1, le=MAX_LIMIT), who: Principal = CAREERS,
                 db: Session = Depends(get_db), graph: GraphConnection = GRAPH):
    if (from_role is None) == (position is None):
        raise Invalid("give exactly one of from_role and position", field="from_role")
    _gap_person(db, who, employee)
    return queries.paths(*graph.require(), to_role=to_role, from_role=from_role, position=position,
                         max_steps=max_steps, employee=employee, limit=limit)
