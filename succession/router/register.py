"""Succession API: the key-post register, talent pools, bench strength and representation. Thin routes over
``succession.service.register``, ``.pools``, ``.bench`` and ``.representation``."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.fields import Day, Id, Int, SearchText
from hcm.paging import Page, PageNo, PageSize
from hcm.policy import Principal, allow
from succession.policy import SuccPermission
from succession.schemas_register import (
    BenchOut,
    DecisionIn,
    DecisionOut,
    EligibleOut,
    KeyPostBench,
    MemberIn,
    MemberOut,
    MemberRemoveIn,
    PoolDetail,
    PoolIn,
    PoolOut,
    PoolPatch,
    RegisterDetail,
    RegisterRow,
    RegisterSort,
    RepresentationOut,
    TrendOut,
)
from succession.service import bench, pools, register, representation

router = APIRouter(prefix="/api/succession", tags=["succession"])
REGISTER_READ = Depends(allow(SuccPermission.REGISTER_READ))
REGISTER_WRITE = Depends(allow(SuccPermission.REGISTER_WRITE))
POOLS_READ = Depends(allow(SuccPermission.POOLS_READ))
POOLS_WRITE = Depends(allow(SuccPermission.POOLS_WRITE))
BENCH = Depends(allow(SuccPermission.BENCH))
REPRESENTATION = Depends(allow(SuccPermission.REPRESENTATION))


# --- the key-post register ----------------------------------------------------------------------------
@router.get("/register", response_model=Page[RegisterRow])
def register_list(as_of: Day | None = None, department_id: Id | None = None, key_only: bool = False,
                  min_criticality: float | None = None, max_criticality: float | None = None,
                  q: SearchText | None = None, sort: RegisterSort = "criticality", descending: bool | None = None,
                  period_id: Id | None = None, page: PageNo = 1, page_size: PageSize = 100,
                  db: Session = Depends(get_db), who: Principal = REGISTER_READ):
    """Every active post with its criticality and the factors behind it (highest first by default)."""
    return register.register(db, principal=who, as_of=as_of, department_id=department_id, key_only=key_only,
                             min_criticality=min_criticality, max_criticality=max_criticality, q=q, sort=sort,
                             descending=descending, period_id=period_id, page=page, page_size=page_size)


@router.get("/register/{position_id}", response_model=RegisterDetail)
def register_entry(position_id: Id, as_of: Day | None = None, period_id: Id | None = None,
                   db: Session = Depends(get_db), who: Principal = REGISTER_READ):
    return register.register_entry(db, principal=who, position_id=position_id, as_of=as_of, period_id=period_id)


@router.post("/register/{position_id}/decisions", response_model=DecisionOut, status_code=201)
def decide(position_id: Id, data: DecisionIn, db: Session = Depends(get_db), who: Principal = REGISTER_WRITE):
    """Set, confirm (``is_key`` true) or withdraw (false) a key post, with the reason."""
    return register.decide(db, principal=who, position_id=position_id, is_key=data.is_key, reason=data.reason)


# --- talent pools ---------------------------------------------------------------------------------------
@router.get("/pools", response_model=list[PoolOut])
def pool_list(db: Session = Depends(get_db), who: Principal = POOLS_READ):
    return pools.list_pools(db, principal=who)


@router.post("/pools", response_model=PoolDetail, status_code=201)
def pool_create(data: PoolIn, db: Session = Depends(get_db), who: Principal = POOLS_WRITE):
    return pools.create_pool(db, principal=who, data=data)


@router.get("/pools/{pool_id}", response_model=PoolDetail)
def pool_detail(pool_id: Id, db: Session = Depends(get_db), who: Principal = POOLS_READ):
    return pools.pool_detail(db, principal=who, pool_id=pool_id)


@router.patch("/pools/{pool_id}", response_model=PoolDetail)
def pool_update(pool_id: Id, data: PoolPatch, db: Session = Depends(get_db), who: Principal = POOLS_WRITE):
    return pools.update_pool(db, principal=who, pool_id=pool_id, data=data)


@router.get("/pools/{pool_id}/members", response_model=Page[MemberOut])
def pool_members(pool_id: Id, include_removed: bool = False, flagged_only: bool = False, page: PageNo = 1,
                 page_size: PageSize = 100, db: Session = Depends(get_db), who: Principal = POOLS_READ):
    """The members with the reason they entered; current ones checked against the criteria (flagged when they
    no longer meet them)."""
    return pools.members(db, principal=who, pool_id=pool_id, include_removed=include_removed,
                         flagged_only=flagged_only, page=page, page_size=page_size)


@router.post("/pools/{pool_id}/members", response_model=MemberOut, status_code=201)
def pool_add_member(pool_id: Id, data: MemberIn, db: Session = Depends(get_db), who: Principal = POOLS_WRITE):
    return pools.add_member(db, principal=who, pool_id=pool_id, data=data)


@router.post("/pools/{pool_id}/members/{employee_id}/remove", response_model=MemberOut)
def pool_remove_member(pool_id: Id, employee_id: Id, data: MemberRemoveIn, db: Session = Depends(get_db),
                       who: Principal = POOLS_WRITE):
    return pools.remove_member(db, principal=who, pool_id=pool_id, employee_id=employee_id, reason=data.reason)


@router.get("/pools/{pool_id}/eligible", response_model=Page[EligibleOut])
def pool_eligible(pool_id: Id, page: PageNo = 1, page_size: PageSize = 100, db: Session = Depends(get_db),
                  who: Principal = POOLS_READ):
    """The people who meet the criteria and are not in the pool yet."""
    return pools.eligible(db, principal=who, pool_id=pool_id, page=page, page_size=page_size)


# --- bench strength -------------------------------------------------------------------------------------
@router.get("/bench", response_model=BenchOut)
def bench_summary(department_id: Id | None = None, min_slates: Int = bench.MIN_SLATES, db: Session = Depends(get_db),
                  who: Principal = BENCH):
    return bench.bench(db, principal=who, department_id=department_id, min_slates=min_slates)


@router.get("/bench/posts", response_model=Page[KeyPostBench])
def bench_posts(department_id: Id | None = None, uncovered_only: bool = False, page: PageNo = 1,
                page_size: PageSize = 100, db: Session = Depends(get_db), who: Principal = BENCH):
    return bench.key_post_bench(db, principal=who, department_id=department_id, uncovered_only=uncovered_only,
                                page=page, page_size=page_size)


@router.get("/bench/posts/{position_id}", response_model=KeyPostBench)
def bench_post(position_id: Id, db: Session = Depends(get_db), who: Principal = BENCH):
    return bench.one_key_post(db, principal=who, position_id=position_id)


@router.get("/bench/trend", response_model=TrendOut)
def bench_trend(basis: Literal["months", "periods"] = "months", points: Int = 12, as_of: Day | None = None,
                department_id: Id | None = None, db: Session = Depends(get_db), who: Principal = BENCH):
    return bench.trend(db, principal=who, basis=basis, points=points, as_of=as_of, department_id=department_id)


# --- representation (HR only) ---------------------------------------------------------------------------
@router.get("/representation", response_model=RepresentationOut)
def representation_figures(as_of: Day | None = None, db: Session = Depends(get_db),
                           who: Principal = REPRESENTATION):
    return representation.representation(db, principal=who, as_of=as_of)
