"""Performance management API: one sub-router per capability, combined here for the app factory."""

from fastapi import APIRouter

from performance.router.cascade import router as cascade_router
from performance.router.collaboration import router as collaboration_router
from performance.router.points import router as points_router
from performance.router.ratings import router as ratings_router

router = APIRouter()
for sub in (cascade_router, ratings_router, points_router, collaboration_router):
    router.include_router(sub)
