"""Performance management API: one sub-router per capability, combined here for the app factory."""

from fastapi import APIRouter

from performance.router.cascade import router as cascade_router

router = APIRouter()
router.include_router(cascade_router)
