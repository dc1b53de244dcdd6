"""The graph's answers, typed: the one place the succession and careers modules (and the graph API) get them.

Every function takes ``(driver, database, *, ...)`` and runs read-only, portable Cypher (ArcadeDB's openCypher
and Neo4j 5: business keys, parameters only, no APOC, no procedures) inside ``graph.availability.guard()``:
an unreachable graph is ``GraphUnavailable`` (503 in the API), an unknown position, role, skill, department or
person is ``hcm.errors.NotFound`` naming the kind and the key (404), a bad argument ``hcm.errors.Invalid`` (422).
The statements are the module-level ``*_CYPHER`` constants of the theme modules. The rules: docs/graph.md,
"Queries".
"""

from graph.queries.careers import MAX_PATH_STEPS, best_paths, next_roles, paths
from graph.queries.results import (
    BenchStrength,
    CareerPath,
    CareerPaths,
    ChainMove,
    NextRole,
    NextRoles,
    PathStep,
    PersonRef,
    PositionRef,
    RoleRef,
    SinglePointOfFailure,
    SkillGap,
    Successor,
    SuccessorSlate,
    TalentMatch,
    VacancyChain,
    VacancyStep,
)
from graph.queries.succession import (
    MAX_CHAIN_DEPTH,
    bench_strength,
    single_points_of_failure,
    successors,
    uncovered_key_positions,
    vacancy_chain,
)
from graph.queries.talent import MAX_SKILLS, talent_search

__all__ = [
    "MAX_CHAIN_DEPTH",
    "MAX_PATH_STEPS",
    "MAX_SKILLS",
    "BenchStrength",
    "CareerPath",
    "CareerPaths",
    "ChainMove",
    "NextRole",
    "NextRoles",
    "PathStep",
    "PersonRef",
    "PositionRef",
    "RoleRef",
    "SinglePointOfFailure",
    "SkillGap",
    "Successor",
    "SuccessorSlate",
    "TalentMatch",
    "VacancyChain",
    "VacancyStep",
    "bench_strength",
    "best_paths",
    "next_roles",
    "paths",
    "single_points_of_failure",
    "successors",
    "talent_search",
    "uncovered_key_positions",
    "vacancy_chain",
]
