"""A small known company, written straight into the graph as docs/graph.md "Model" describes it: the data of
the query tests (tests/graph/test_queries.py) and the graph API tests (test_queries_api.py).

    CO Company
    ├── ENG Engineering         CTO* (MGT/G4) Kim        ARCH (SWE/G4) Fay
    │   ├── PLAT Platform       PLAT-H* (MGT/G3) Lee     PLAT-1 (SWE/G3) Ana   PLAT-2 (SWE/G2) Ben   PLAT-3 (SWE/G2) Cat
    │   └── APPS Apps           APPS-1 (SWE/G3) Dan      APPS-2 (SWE/G2) Eve   OLD-1* (SWE/G3, inactive, empty)
    └── SAL Sales               SAL-H* (SAL/G3) vacant   SAL-1 (SAL/G2) Gus    SAL-2 (SAL/G2) Hal
    * key post.  Ivy has left (exited, holds nothing); Jon is active between posts (holds nothing).

Job families SWE (software engineering), MGT (engineering management; related to SWE both ways), SAL (sales);
grades G2..G4 have levels 2..4.

Position requirements (level, importance) and the role requirements they give (>= half of the role's active
posts require the skill; the highest level; the highest importance), stored as the roles' NEEDS edges the way
graph.role_requirements derives them (with ``requiring`` of the role's ``positions``):
    SWE/G2: PLAT-2 PY 3 med, K8S 2 low | PLAT-3 PY 2 high | APPS-2 PY 3 low, ARCHI 2 med
            -> PY 3 high (3 of 3 posts); K8S and ARCHI: 1 of 3 < half -> not required
    SWE/G3: PLAT-1 PY 4 high, K8S 3 med | APPS-1 PY 4 med, ARCHI 3 low | OLD-1 (inactive) NEGO 5 high
            -> PY 4 high, K8S 3 med, ARCHI 3 low (each 1 or 2 of the 2 active posts); NEGO: inactive post only
    SWE/G4: ARCH PY 5 high, ARCHI 5 high                -> both
    MGT/G3: PLAT-H LEAD 4 high, K8S 3 med               -> both
    MGT/G4: CTO LEAD 5 high, ARCHI 4 med                -> both
    SAL/G2: SAL-1 NEGO 3 high | SAL-2 NEGO 2 med, LEAD 2 low -> NEGO 3 high, LEAD 2 low (1 of 2 = half)
    SAL/G3: SAL-H NEGO 4 high, LEAD 3 med               -> both

Skills per person (source level; the effective level, most trusted source first: assessment, manager, self):
    Ana PY self 5 + assessment 4 -> 4, K8S manager 3, LEAD self 3     Ben PY self 3 + manager 2 -> 2, K8S self 4
    Cat PY assessment 3, K8S manager 2 + self 5 -> 2                  Dan PY manager 4, ARCHI self 4,
    Eve PY self 2, ARCHI assessment 2                                     LEAD manager 4 + self 2 -> 4
    Fay PY assessment 5, ARCHI manager 5, LEAD self 3                 Gus NEGO manager 4, LEAD self 2
    Hal NEGO self 3, LEAD assessment 3 + self 5 -> 3                  Ivy (exited) PY assessment 5, K8S assessment 5
    Jon PY self 4, K8S self 3                                         Kim LEAD assessment 5, ARCHI manager 4
    Lee LEAD manager 4, K8S assessment 3, PY self 3

Successors (readiness, rank):
    CTO*    Fay ready_now 1, Lee ready_1_2 2, Dan emergency 3
    PLAT-H* Ana ready_1_2 1, Fay ready_now 2, Ivy (exited) ready_now 3, Ben ready_3_plus 4
    SAL-H*  Gus ready_1_2 1, Hal ready_3_plus 2
    OLD-1*  Dan ready_now 1 (an inactive key post)
    ARCH    Dan ready_now 1, Ana ready_1_2 2
    APPS-1  Fay ready_now 1, Jon ready_now 2, Eve ready_1_2 3
    PLAT-2  Cat ready_now 1
So Fay is the only active ready-now successor of both CTO and PLAT-H.

Career steps (kind, observed, median months); MGT/G3 -> MGT/G4 and MGT/G4 -> SWE/G4 only the job architecture
allows (observed 0, no median):
    SWE/G2 -> SWE/G3 vertical 5 24    SWE/G2 -> MGT/G3 vertical 2 30    SWE/G2 -> SAL/G2 lateral 1 18
    SWE/G3 -> SWE/G4 vertical 2 36    SWE/G3 -> MGT/G3 lateral 3 30     SWE/G3 -> SWE/G2 down 1 6
    MGT/G3 -> MGT/G4 vertical 0 -     MGT/G3 -> SWE/G3 lateral 1 10
    SWE/G4 -> MGT/G4 lateral 1 12     MGT/G4 -> SWE/G4 lateral 0 -
    SAL/G2 -> SAL/G3 vertical 4 20
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import Driver

from graph import client

COMPANY_CYPHER: LiteralString = """
CREATE
  (co:Department {key: 'CO', name: 'Company'}),
  (eng:Department {key: 'ENG', name: 'Engineering'})-[:PART_OF]->(co),
  (plat:Department {key: 'PLAT', name: 'Platform'})-[:PART_OF]->(eng),
  (apps:Department {key: 'APPS', name: 'Apps'})-[:PART_OF]->(eng),
  (sal:Department {key: 'SAL', name: 'Sales'})-[:PART_OF]->(co),

  (swe:JobFamily {key: 'SWE', name: 'Software engineering'}),
  (mgt:JobFamily {key: 'MGT', name: 'Engineering management'}),
  (sales:JobFamily {key: 'SAL', name: 'Sales'}),
  (swe)-[:RELATED_TO]->(mgt), (mgt)-[:RELATED_TO]->(swe),

  (swe2:Role {key: 'SWE/G2', family: 'SWE', grade: 'G2', level: 2})-[:IN_FAMILY]->(swe),
  (swe3:Role {key: 'SWE/G3', family: 'SWE', grade: 'G3', level: 3})-[:IN_FAMILY]->(swe),
  (swe4:Role {key: 'SWE/G4', family: 'SWE', grade: 'G4', level: 4})-[:IN_FAMILY]->(swe),
  (mgt3:Role {key: 'MGT/G3', family: 'MGT', grade: 'G3', level: 3})-[:IN_FAMILY]->(mgt),
  (mgt4:Role {key: 'MGT/G4', family: 'MGT', grade: 'G4', level: 4})-[:IN_FAMILY]->(mgt),
  (sal2:Role {key: 'SAL/G2', family: 'SAL', grade: 'G2', level: 2})-[:IN_FAMILY]->(sales),
  (sal3:Role {key: 'SAL/G3', family: 'SAL', grade: 'G3', level: 3})-[:IN_FAMILY]->(sales),

  (cto:Position {key: 'CTO', title: 'Chief Technology Officer', is_key: true, active: true}),
  (arch:Position {key: 'ARCH', title: 'Principal Architect', is_key: false, active: true}),
  (plath:Position {key: 'PLAT-H', title: 'Head of Platform', is_key: true, active: true}),
  (plat1:Position {key: 'PLAT-1', title: 'Senior Platform Engineer', is_key: false, active: true}),
  (plat2:Position {key: 'PLAT-2', title: 'Platform Engineer', is_key: false, active: true}),
  (plat3:Position {key: 'PLAT-3', title: 'Platform Engineer', is_key: false, active: true}),
  (apps1:Position {key: 'APPS-1', title: 'Senior App Engineer', is_key: false, active: true}),
  (apps2:Position {key: 'APPS-2', title: 'App Engineer', is_key: false, active: true}),
  (old1:Position {key: 'OLD-1', title: 'Legacy Engineer', is_key: true, active: false}),
  (salh:Position {key: 'SAL-H', title: 'Head of Sales', is_key: true, active: true}),
  (sal1:Position {key: 'SAL-1', title: 'Account Executive', is_key: false, active: true}),
  (sal2p:Position {key: 'SAL-2', title: 'Account Executive', is_key: false, active: true}),
  (cto)-[:IN]->(eng), (arch)-[:IN]->(eng), (plath)-[:IN]->(plat), (plat1)-[:IN]->(plat), (plat2)-[:IN]->(plat),
  (plat3)-[:IN]->(plat), (apps1)-[:IN]->(apps), (apps2)-[:IN]->(apps), (old1)-[:IN]->(apps), (salh)-[:IN]->(sal),
  (sal1)-[:IN]->(sal), (sal2p)-[:IN]->(sal),
  (arch)-[:REPORTS_TO]->(cto), (plath)-[:REPORTS_TO]->(cto), (plat1)-[:REPORTS_TO]->(plath),
  (plat2)-[:REPORTS_TO]->(plath), (plat3)-[:REPORTS_TO]->(plath), (apps1)-[:REPORTS_TO]->(cto),
  (apps2)-[:REPORTS_TO]->(apps1), (old1)-[:REPORTS_TO]->(apps1), (sal1)-[:REPORTS_TO]->(salh),
  (sal2p)-[:REPORTS_TO]->(salh),
  (cto)-[:OF_ROLE]->(mgt4), (arch)-[:OF_ROLE]->(swe4), (plath)-[:OF_ROLE]->(mgt3), (plat1)-[:OF_ROLE]->(swe3),
  (plat2)-[:OF_ROLE]->(swe2), (plat3)-[:OF_ROLE]->(swe2), (apps1)-[:OF_ROLE]->(swe3), (apps2)-[:OF_ROLE]->(swe2),
  (old1)-[:OF_ROLE]->(swe3), (salh)-[:OF_ROLE]->(sal3), (sal1)-[:OF_ROLE]->(sal2), (sal2p)-[:OF_ROLE]->(sal2),

  (py:Skill {key: 'PY', name: 'Python', category: 'technical'}),
  (k8s:Skill {key: 'K8S', name: 'Kubernetes', category: 'technical'}),
  (archi:Skill {key: 'ARCHI', name: 'Architecture', category: 'technical'}),
  (lead:Skill {key: 'LEAD', name: 'Leadership', category: 'leadership'}),
  (nego:Skill {key: 'NEGO', name: 'Negotiation', category: 'business'}),

  (plat2)-[:REQUIRES {level: 3, importance: 'medium'}]->(py), (plat2)-[:REQUIRES {level: 2, importance: 'low'}]->(k8s),
  (plat3)-[:REQUIRES {level: 2, importance: 'high'}]->(py),
  (apps2)-[:REQUIRES {level: 3, importance: 'low'}]->(py),
  (apps2)-[:REQUIRES {level: 2, importance: 'medium'}]->(archi),
  (plat1)-[:REQUIRES {level: 4, importance: 'high'}]->(py),
  (plat1)-[:REQUIRES {level: 3, importance: 'medium'}]->(k8s),
  (apps1)-[:REQUIRES {level: 4, importance: 'medium'}]->(py),
  (apps1)-[:REQUIRES {level: 3, importance: 'low'}]->(archi),
  (old1)-[:REQUIRES {level: 5, importance: 'high'}]->(nego),
  (arch)-[:REQUIRES {level: 5, importance: 'high'}]->(py), (arch)-[:REQUIRES {level: 5, importance: 'high'}]->(archi),
  (plath)-[:REQUIRES {level: 4, importance: 'high'}]->(lead),
  (plath)-[:REQUIRES {level: 3, importance: 'medium'}]->(k8s),
  (cto)-[:REQUIRES {level: 5, importance: 'high'}]->(lead), (cto)-[:REQUIRES {level: 4, importance: 'medium'}]->(archi),
  (sal1)-[:REQUIRES {level: 3, importance: 'high'}]->(nego),
  (sal2p)-[:REQUIRES {level: 2, importance: 'medium'}]->(nego), (sal2p)-[:REQUIRES {level: 2, importance: 'low'}]->(lead),
  (salh)-[:REQUIRES {level: 4, importance: 'high'}]->(nego), (salh)-[:REQUIRES {level: 3, importance: 'medium'}]->(lead),

  (swe2)-[:NEEDS {level: 3, importance: 'high', requiring: 3, positions: 3}]->(py),
  (swe3)-[:NEEDS {level: 4, importance: 'high', requiring: 2, positions: 2}]->(py),
  (swe3)-[:NEEDS {level: 3, importance: 'medium', requiring: 1, positions: 2}]->(k8s),
  (swe3)-[:NEEDS {level: 3, importance: 'low', requiring: 1, positions: 2}]->(archi),
  (swe4)-[:NEEDS {level: 5, importance: 'high', requiring: 1, positions: 1}]->(py),
  (swe4)-[:NEEDS {level: 5, importance: 'high', requiring: 1, positions: 1}]->(archi),
  (mgt3)-[:NEEDS {level: 4, importance: 'high', requiring: 1, positions: 1}]->(lead),
  (mgt3)-[:NEEDS {level: 3, importance: 'medium', requiring: 1, positions: 1}]->(k8s),
  (mgt4)-[:NEEDS {level: 5, importance: 'high', requiring: 1, positions: 1}]->(lead),
  (mgt4)-[:NEEDS {level: 4, importance: 'medium', requiring: 1, positions: 1}]->(archi),
  (sal2)-[:NEEDS {level: 3, importance: 'high', requiring: 2, positions: 2}]->(nego),
  (sal2)-[:NEEDS {level: 2, importance: 'low', requiring: 1, positions: 2}]->(lead),
  (sal3)-[:NEEDS {level: 4, importance: 'high', requiring: 1, positions: 1}]->(nego),
  (sal3)-[:NEEDS {level: 3, importance: 'medium', requiring: 1, positions: 1}]->(lead),

  (kim:Employee {key: 'E-KIM', name: 'Kim Chief', status: 'active', perf_score: 95.0, perf_period: 'FY25',
                 perf_period_end: '2025-12-31', perf_final: true, final_rating: 5.0, potential: 2.0,
                 rating_period: 'FY25'}),
  (lee:Employee {key: 'E-LEE', name: 'Lee Head', status: 'active', perf_score: 80.0, final_rating: 4.0,
                 potential: 3.0}),
  (ana:Employee {key: 'E-ANA', name: 'Ana Senior', status: 'active', perf_score: 82.5, final_rating: 4.0,
                 potential: 3.0}),
  (ben:Employee {key: 'E-BEN', name: 'Ben Platform', status: 'active', perf_score: 64.0, final_rating: 3.0,
                 potential: 2.0}),
  (cat:Employee {key: 'E-CAT', name: 'Cat Platform', status: 'active', perf_score: 71.0}),
  (dan:Employee {key: 'E-DAN', name: 'Dan Apps', status: 'active', perf_score: 90.0, final_rating: 4.5,
                 potential: 2.0}),
  (eve:Employee {key: 'E-EVE', name: 'Eve Apps', status: 'active', perf_score: 55.0, final_rating: 2.0,
                 potential: 1.0}),
  (fay:Employee {key: 'E-FAY', name: 'Fay Architect', status: 'active', perf_score: 88.0, final_rating: 4.5,
                 potential: 3.0}),
  (gus:Employee {key: 'E-GUS', name: 'Gus Seller', status: 'active', perf_score: 77.0, final_rating: 3.5,
                 potential: 2.0}),
  (hal:Employee {key: 'E-HAL', name: 'Hal Seller', status: 'active', perf_score: 60.0, final_rating: 3.0,
                 potential: 1.0}),
  (ivy:Employee {key: 'E-IVY', name: 'Ivy Gone', status: 'exited', perf_score: 99.0}),
  (jon:Employee {key: 'E-JON', name: 'Jon Between', status: 'active', perf_score: 70.0}),
  (kim)-[:HOLDS]->(cto), (lee)-[:HOLDS]->(plath), (ana)-[:HOLDS]->(plat1), (ben)-[:HOLDS]->(plat2),
  (cat)-[:HOLDS]->(plat3), (dan)-[:HOLDS]->(apps1), (eve)-[:HOLDS]->(apps2), (fay)-[:HOLDS]->(arch),
  (gus)-[:HOLDS]->(sal1), (hal)-[:HOLDS]->(sal2p),

  (ana)-[:HAS_SKILL {level: 5, source: 'self'}]->(py), (ana)-[:HAS_SKILL {level: 4, source: 'assessment'}]->(py),
  (ana)-[:HAS_SKILL {level: 3, source: 'manager'}]->(k8s), (ana)-[:HAS_SKILL {level: 3, source: 'self'}]->(lead),
  (ben)-[:HAS_SKILL {level: 3, source: 'self'}]->(py), (ben)-[:HAS_SKILL {level: 2, source: 'manager'}]->(py),
  (ben)-[:HAS_SKILL {level: 4, source: 'self'}]->(k8s),
  (cat)-[:HAS_SKILL {level: 3, source: 'assessment'}]->(py), (cat)-[:HAS_SKILL {level: 2, source: 'manager'}]->(k8s),
  (cat)-[:HAS_SKILL {level: 5, source: 'self'}]->(k8s),
  (dan)-[:HAS_SKILL {level: 4, source: 'manager'}]->(py), (dan)-[:HAS_SKILL {level: 4, source: 'self'}]->(archi),
  (dan)-[:HAS_SKILL {level: 4, source: 'manager'}]->(lead), (dan)-[:HAS_SKILL {level: 2, source: 'self'}]->(lead),
  (eve)-[:HAS_SKILL {level: 2, source: 'self'}]->(py), (eve)-[:HAS_SKILL {level: 2, source: 'assessment'}]->(archi),
  (fay)-[:HAS_SKILL {level: 5, source: 'assessment'}]->(py), (fay)-[:HAS_SKILL {level: 5, source: 'manager'}]->(archi),
  (fay)-[:HAS_SKILL {level: 3, source: 'self'}]->(lead),
  (gus)-[:HAS_SKILL {level: 4, source: 'manager'}]->(nego), (gus)-[:HAS_SKILL {level: 2, source: 'self'}]->(lead),
  (hal)-[:HAS_SKILL {level: 3, source: 'self'}]->(nego), (hal)-[:HAS_SKILL {level: 3, source: 'assessment'}]->(lead),
  (hal)-[:HAS_SKILL {level: 5, source: 'self'}]->(lead),
  (ivy)-[:HAS_SKILL {level: 5, source: 'assessment'}]->(py), (ivy)-[:HAS_SKILL {level: 5, source: 'assessment'}]->(k8s),
  (jon)-[:HAS_SKILL {level: 4, source: 'self'}]->(py), (jon)-[:HAS_SKILL {level: 3, source: 'self'}]->(k8s),
  (kim)-[:HAS_SKILL {level: 5, source: 'assessment'}]->(lead), (kim)-[:HAS_SKILL {level: 4, source: 'manager'}]->(archi),
  (lee)-[:HAS_SKILL {level: 4, source: 'manager'}]->(lead), (lee)-[:HAS_SKILL {level: 3, source: 'assessment'}]->(k8s),
  (lee)-[:HAS_SKILL {level: 3, source: 'self'}]->(py),

  (fay)-[:SUCCESSOR_FOR {readiness: 'ready_now', rank: 1}]->(cto),
  (lee)-[:SUCCESSOR_FOR {readiness: 'ready_1_2', rank: 2}]->(cto),
  (dan)-[:SUCCESSOR_FOR {readiness: 'emergency', rank: 3}]->(cto),
  (ana)-[:SUCCESSOR_FOR {readiness: 'ready_1_2', rank: 1}]->(plath),
  (fay)-[:SUCCESSOR_FOR {readiness: 'ready_now', rank: 2}]->(plath),
  (ivy)-[:SUCCESSOR_FOR {readiness: 'ready_now', rank: 3}]->(plath),
  (ben)-[:SUCCESSOR_FOR {readiness: 'ready_3_plus', rank: 4}]->(plath),
  (gus)-[:SUCCESSOR_FOR {readiness: 'ready_1_2', rank: 1}]->(salh),
  (hal)-[:SUCCESSOR_FOR {readiness: 'ready_3_plus', rank: 2}]->(salh),
  (dan)-[:SUCCESSOR_FOR {readiness: 'ready_now', rank: 1}]->(old1),
  (dan)-[:SUCCESSOR_FOR {readiness: 'ready_now', rank: 1}]->(arch),
  (ana)-[:SUCCESSOR_FOR {readiness: 'ready_1_2', rank: 2}]->(arch),
  (fay)-[:SUCCESSOR_FOR {readiness: 'ready_now', rank: 1}]->(apps1),
  (jon)-[:SUCCESSOR_FOR {readiness: 'ready_now', rank: 2}]->(apps1),
  (eve)-[:SUCCESSOR_FOR {readiness: 'ready_1_2', rank: 3}]->(apps1),
  (cat)-[:SUCCESSOR_FOR {readiness: 'ready_now', rank: 1}]->(plat2),

  (swe2)-[:CAREER_STEP {kind: 'vertical', observed: 5, median_months: 24.0}]->(swe3),
  (swe2)-[:CAREER_STEP {kind: 'vertical', observed: 2, median_months: 30.0}]->(mgt3),
  (swe2)-[:CAREER_STEP {kind: 'lateral', observed: 1, median_months: 18.0}]->(sal2),
  (swe3)-[:CAREER_STEP {kind: 'vertical', observed: 2, median_months: 36.0}]->(swe4),
  (swe3)-[:CAREER_STEP {kind: 'lateral', observed: 3, median_months: 30.0}]->(mgt3),
  (swe3)-[:CAREER_STEP {kind: 'down', observed: 1, median_months: 6.0}]->(swe2),
  (mgt3)-[:CAREER_STEP {kind: 'vertical', observed: 0}]->(mgt4),
  (mgt3)-[:CAREER_STEP {kind: 'lateral', observed: 1, median_months: 10.0}]->(swe3),
  (swe4)-[:CAREER_STEP {kind: 'lateral', observed: 1, median_months: 12.0}]->(mgt4),
  (mgt4)-[:CAREER_STEP {kind: 'lateral', observed: 0}]->(swe4),
  (sal2)-[:CAREER_STEP {kind: 'vertical', observed: 4, median_months: 20.0}]->(sal3)
"""


def build_company(driver: Driver, database: str) -> None:
    client.write(driver, database, COMPANY_CYPHER)
